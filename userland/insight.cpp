// SPDX-License-Identifier: GPL-2.0
#include "insight.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <map>

extern "C" {
#include "ip_vs_nc.h"
}

namespace ncadm {

namespace {

bool same_endpoint(const Endpoint &a, const Endpoint &b)
{
	return a.addr == b.addr && a.port == b.port;
}

std::string endpoint_key(const Endpoint &e)
{
	return e.addr.str() + "#" + std::to_string(e.port);
}

// A class's key for matching two dumps of one table.
std::string class_key(const NcEntry &e)
{
	return e.cls.str();
}

// Connections of each class over the interval: now minus then, or all
// of now when the class was not there (or was re-made: fewer than then).
uint64_t conns_since(const NcEntry &now, const std::map<std::string, const NcEntry *> &then)
{
	auto it = then.find(class_key(now));
	if (it == then.end() || it->second->conns > now.conns || !same_endpoint(it->second->server, now.server))
		return now.conns;
	return now.conns - it->second->conns;
}

void share_out(NcSummary &s)
{
	int64_t weights = 0;
	for (const auto &d : s.servers)
		weights += d.weight;
	for (auto &d : s.servers) {
		d.class_share = s.classes ? static_cast<double>(d.classes) / static_cast<double>(s.classes) : 0;
		d.weight_share = weights ? static_cast<double>(d.weight) / static_cast<double>(weights) : 0;
	}
}

} // namespace

NcSummary summarize(const ServiceId &id, const std::vector<DestEntry> &dests, const std::vector<NcEntry> &entries,
		    const std::vector<NcEntry> *earlier, uint64_t interval_ms, size_t top_n)
{
	NcSummary s;
	s.id = id;
	s.classes = entries.size();
	s.interval_ms = earlier ? interval_ms : 0;
	for (const auto &d : dests) {
		NcServerLoad l;
		l.server = d.server;
		l.weight = d.weight;
		l.active = d.active;
		l.inactive = d.inactive;
		s.servers.push_back(l);
	}
	std::map<std::string, const NcEntry *> then;
	if (earlier)
		for (const auto &e : *earlier)
			then[class_key(e)] = &e;
	std::vector<NcClassLoad> loads;
	for (const auto &e : entries) {
		const uint64_t conns = earlier ? conns_since(e, then) : e.conns;
		auto d = std::find_if(s.servers.begin(), s.servers.end(),
				      [&](const NcServerLoad &l) { return same_endpoint(l.server, e.server); });
		if (d != s.servers.end()) {
			d->classes++;
			d->conns += conns;
		}
		loads.push_back(NcClassLoad{e.cls, e.server, conns, e.age_ms});
	}
	share_out(s);
	const size_t n = std::min(top_n, loads.size());
	// heaviest first; among equals the older class, then the lower address
	std::partial_sort(loads.begin(), loads.begin() + static_cast<long>(n), loads.end(),
			  [](const NcClassLoad &a, const NcClassLoad &b) {
				  if (a.conns != b.conns)
					  return a.conns > b.conns;
				  if (a.age_ms != b.age_ms)
					  return a.age_ms > b.age_ms;
				  return a.cls.addr.bytes < b.cls.addr.bytes;
			  });
	loads.resize(n);
	s.top = std::move(loads);
	return s;
}

void attach_service(NcSummary &s, const NcService &nc)
{
	s.nc = nc;
	for (const auto &d : nc.draining)
		for (auto &l : s.servers)
			if (same_endpoint(l.server, d.server)) {
				l.drain_ms = d.since_ms;
				l.deadline_left_ms = d.left_ms;
			}
}

namespace {

// Does the /proc line's virtual side belong to @id? A fwmark service's
// templates carry the mark as their virtual address, protocol IP.
bool of_service(const Connection &c, const ServiceId &id)
{
	if (id.fwmark) {
		uint32_t mark = 0;
		std::memcpy(&mark, c.virt.addr.bytes.data(), 4);
		return c.virt.addr.af == AF_INET && ntohl(mark) == id.fwmark;
	}
	return c.protocol == id.protocol && c.virt.addr == id.addr && (c.virt.port == id.port || c.virt.port == 0);
}

// pe_data of an nc template: "71.0.0.0/8", "2001:db8::/48".
std::optional<Network> template_class(const Connection &c)
{
	if (c.pe_name != NC_PE_NAME)
		return std::nullopt;
	const auto slash = c.pe_data.find('/');
	if (slash == std::string::npos)
		return std::nullopt;
	try {
		Network n;
		n.addr = parse_address(c.pe_data.substr(0, slash), "class");
		n.plen = static_cast<unsigned>(
			parse_number(c.pe_data.substr(slash + 1), 0, n.addr.af == AF_INET ? 32 : 128, "prefix"));
		return n;
	} catch (const UsageError &) {
		return std::nullopt; // "?": not an nc key
	}
}

} // namespace

std::vector<NcEntry> engine_entries(const ServiceId &id, const std::vector<Connection> &conns)
{
	std::vector<NcEntry> entries;
	std::map<std::string, size_t> by_class; // "server class" -> entry
	std::vector<unsigned> plens;		// of the classes, a few
	for (const auto &c : conns) {
		std::optional<Network> cls = template_class(c);
		if (!cls || !of_service(c, id))
			continue;
		NcEntry e;
		e.cls = *cls;
		e.server = c.dest;
		e.left_ms = c.expires > 0 ? static_cast<uint64_t>(c.expires) * 1000 : 0;
		by_class[endpoint_key(e.server) + " " + e.cls.masked().str()] = entries.size();
		if (std::find(plens.begin(), plens.end(), cls->plen) == plens.end())
			plens.push_back(cls->plen);
		entries.push_back(e);
	}
	// Each connection to its template: the class of one of those lengths
	// that holds its client and points to its server. A fwmark service's
	// connections carry the real virtual address: no check of it then.
	for (const auto &k : conns) {
		if (!k.pe_name.empty() || (!id.fwmark && !of_service(k, id)))
			continue;
		for (unsigned plen : plens) {
			auto it = by_class.find(endpoint_key(k.dest) + " " + Network{k.client.addr, plen}.masked().str());
			if (it != by_class.end()) {
				entries[it->second].conns++;
				break;
			}
		}
	}
	return entries;
}

NcSummary summarize_engine(const ServiceId &id, const std::vector<DestEntry> &dests,
			   const std::vector<Connection> &conns, size_t top_n)
{
	NcSummary s = summarize(id, dests, engine_entries(id, conns), nullptr, 0, top_n);
	s.engine = true;
	for (auto &c : s.top)
		c.age_ms.reset();
	return s;
}

std::vector<NcSummary> summarize_snapshot(const NcSnapshot &now, const NcSnapshot *before, uint64_t interval_ms,
					  size_t top_n)
{
	std::vector<NcSummary> out;
	for (const auto &d : now.services) {
		const ServiceId &id = d.entry.id;
		if (!d.scheduler()) {
			out.push_back(summarize_engine(id, d.dests, now.conns, top_n));
			continue;
		}
		const std::vector<NcEntry> *earlier = nullptr;
		for (size_t i = 0; before && i < before->services.size(); i++)
			if (before->services[i].scheduler() && before->services[i].entry.id.str() == id.str())
				earlier = &before->services[i].table;
		out.push_back(summarize(id, d.dests, d.table, earlier, interval_ms, top_n));
		attach_service(out.back(), *d.nc);
	}
	return out;
}

} // namespace ncadm
