// SPDX-License-Identifier: GPL-2.0
#include "output.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/ip_vs.h>

#include "ip_vs_nc.h"

#include <cstdio>

namespace ncadm {

namespace {

std::string endpoint_str(const Endpoint &e)
{
	std::string a = e.addr.af == AF_INET6 ? "[" + e.addr.str() + "]" : e.addr.str();
	return a + ":" + std::to_string(e.port);
}

std::string secs(uint64_t ms)
{
	return std::to_string(ms / 1000) + "s";
}

// The class part of a policy: "key":..,"prefix4":..,"prefix6":.. or
// "  key octet,/48".
void print_class_key(Printer &p, const NcPolicy &pol)
{
	p.str(Show::Json, "key", nullptr, key_mode_name(pol.key));
	p.unum(Show::Json, "prefix4", nullptr, pol.plen4);
	p.unum(Show::Json, "prefix6", nullptr, pol.plen6);
	p.str(Show::Text, nullptr, "  key %s", format_key(pol.key, pol.plen4, pol.plen6));
}

// "nc_subnets":[...] or "  nc-subnet 172.0.0.0/8,10.0.0.0/8" ("all").
void print_subnets(Printer &p, const NcPolicy &pol)
{
	p.begin_array("nc_subnets");
	std::string list;
	for (const auto &n : pol.subnets) {
		p.str(Show::Json, nullptr, nullptr, n.str());
		list += (list.empty() ? "" : ",") + n.str();
	}
	p.end_array();
	p.str(Show::Text, nullptr, "  nc-subnet %s\n", list.empty() ? "all" : list);
}

// What a pin does now (enum nc_pin_state): JSON's word, and the text's
// note after the pin ("" while it sends its clients to its server).
struct PinState {
	const char *name, *note;
};

PinState pin_state(uint8_t state)
{
	switch (state) {
	case NC_PIN_FOLLOWED:
		return {"pinned", ""};
	case NC_PIN_DRAINING:
		return {"draining", "  (server at weight 0; the drain rule keeps the pin)"};
	case NC_PIN_DRAINED:
		return {"drained", "  (server at weight 0; its clients go to the first pick)"};
	case NC_PIN_REMOVED:
		return {"removed", "  (server not in the service; its clients go to the first pick)"};
	default:
		return {"unknown", "  (state unknown to this ncadm)"};
	}
}

// One pin: "network", "server", "conns", "state", or in text
// "  pin 100.64.0.0/10 -> 10.0.0.5:80 conns 12" (with its state's note).
void print_pin(Printer &p, const NcPin &pin)
{
	const PinState st = pin_state(pin.state);
	p.begin_object();
	p.str(Show::Any, "network", "  pin %s", pin.net.str());
	p.str(Show::Any, "server", " -> %s", endpoint_str(pin.server));
	p.unum(Show::Any, "conns", " conns %s", pin.conns);
	p.str(Show::Json, "state", nullptr, st.name);
	p.text(std::string(st.note) + "\n");
	p.end_object();
}

void print_nc_stats(Printer &p, const NcStats &st)
{
	p.begin_object("stats");
	p.unum(Show::Text, nullptr, "  entries %s", st.entries);
	p.unum(Show::Any, "lookups", "  lookups %s", st.lookups);
	p.unum(Show::Any, "hits", "  hits %s", st.hits);
	p.unum(Show::Any, "new", "  new %s", st.new_classes);
	p.unum(Show::Any, "expired", "  expired %s", st.expired);
	p.unum(Show::Any, "repicked", "  repicked %s", st.repicked);
	p.unum(Show::Any, "overflow", "  overflow %s", st.overflow);
	p.unum(Show::Any, "noserver", "  noserver %s", st.noserver);
	p.unum(Show::Any, "spilled", "  spilled %s", st.spilled);
	p.unum(Show::Any, "handed_back", "  handed-back %s", st.handed_back);
	p.unum(Show::Any, "pinned", "  pinned %s", st.pinned);
	p.unum(Show::Any, "pins", "  pins %s\n", st.pins);
	p.unum(Show::Json, "entries", nullptr, st.entries);
	p.end_object();
}

void print_nc_service(Printer &p, const NcService &s)
{
	const NcPolicy &pol = s.policy;
	p.begin_object();
	print_service_id(p, "service", s.id);
	p.text(s.id.str() + " nc\n");
	p.begin_object("policy");
	print_class_key(p, pol);
	p.unum(Show::Json, "sticky_seconds", nullptr, pol.sticky);
	p.str(Show::Text, nullptr, "  sticky %s", format_duration(pol.sticky));
	p.str(Show::Any, "pick", "  pick %s", pick_name(pol.pick));
	p.unum(Show::Json, "bound_percent", nullptr, pol.bound);
	if (pol.bound)
		p.str(Show::Text, nullptr, "  bound %s", format_bound(pol.bound));
	p.unum(Show::Json, "handback_idle_seconds", nullptr, pol.handback_idle);
	p.unum(Show::Json, "handback_rate", nullptr, pol.handback_rate);
	if (pol.handback_idle)
		p.str(Show::Text, nullptr, "  handback %s", format_handback(pol.handback_idle, pol.handback_rate));
	p.str(Show::Any, "drain", nullptr, drain_name(pol.drain));
	p.unum(Show::Json, "drain_seconds", nullptr, pol.drain_secs);
	p.str(Show::Text, nullptr, "  drain %s", format_drain(pol.drain, pol.drain_secs));
	p.unum(Show::Any, "max_entries", "  max-entries %s\n", pol.max_entries);
	print_subnets(p, pol);
	p.end_object();
	print_nc_stats(p, s.stats);
	p.begin_array("pins");
	for (const auto &pin : s.pins)
		print_pin(p, pin);
	p.end_array();
	p.end_object();
}

void print_nc_engine(Printer &p, const NcService &e)
{
	p.begin_object();
	print_service_id(p, "service", e.id);
	p.text(e.id.str() + " pe " NC_PE_NAME "\n");
	p.str(Show::Json, "engine", nullptr, NC_PE_NAME);
	p.begin_object("policy");
	print_class_key(p, e.policy);
	p.text("\n");
	print_subnets(p, e.policy);
	p.end_object();
	p.end_object();
}

} // namespace

void print_nc_services(std::ostream &out, const std::vector<NcService> &services,
		       const std::vector<NcService> &engines, Format f)
{
	Printer p(out, f);
	p.begin_object();
	p.begin_array("services");
	for (const auto &s : services)
		print_nc_service(p, s);
	p.end_array();
	p.begin_array("engines");
	for (const auto &e : engines)
		print_nc_engine(p, e);
	p.end_array();
	p.end_object();
}

void print_nc_table(std::ostream &out, const ServiceId &id, const std::vector<NcPin> &pins,
		    const std::vector<NcEntry> &entries, Format f)
{
	Printer p(out, f);
	char header[128];
	std::snprintf(header, sizeof(header), "%-28s %-28s %9s %9s %9s %10s\n", "Class", "Server", "Age", "Idle",
		      "Left", "Conns");
	p.begin_object();
	print_service_id(p, "service", id);
	p.text(id.str() + "\n");
	p.begin_array("pins");
	for (const auto &pin : pins)
		print_pin(p, pin);
	p.end_array();
	p.text(header);
	p.begin_array("entries");
	for (const auto &e : entries) {
		char cell[256];
		p.begin_object();
		std::snprintf(cell, sizeof(cell), "%-28s %-28s ", e.cls.str().c_str(), endpoint_str(e.server).c_str());
		p.text(cell);
		p.str(Show::Json, "class", nullptr, e.cls.str());
		p.str(Show::Json, "server", nullptr, endpoint_str(e.server));
		std::snprintf(cell, sizeof(cell), "%9s %9s %9s ", secs(e.age_ms).c_str(), secs(e.idle_ms).c_str(),
			      secs(e.left_ms).c_str());
		p.text(cell);
		p.unum(Show::Json, "age_ms", nullptr, e.age_ms);
		p.unum(Show::Json, "idle_ms", nullptr, e.idle_ms);
		p.unum(Show::Json, "left_ms", nullptr, e.left_ms);
		std::snprintf(cell, sizeof(cell), "%10llu\n", static_cast<unsigned long long>(e.conns));
		p.text(cell);
		p.unum(Show::Json, "conns", nullptr, e.conns);
		p.end_object();
	}
	p.end_array();
	p.end_object();
}

namespace {

// What a summary's connection counts are, in its header's words.
std::string conns_meaning(const NcSummary &s)
{
	if (s.engine)
		return "open connections";
	if (s.interval_ms)
		return "connections in the last " + format_duration(s.interval_ms / 1000);
	return "connections since first seen";
}

// "  draining 40s, deadline in 20s" (or "deadline passed").
void print_drain(Printer &p, const NcServerLoad &l)
{
	if (l.draining())
		p.text("  draining");
	if (l.drain_ms) {
		p.unum(Show::Json, "drain_ms", nullptr, *l.drain_ms);
		p.text(" " + secs(*l.drain_ms));
	}
	if (l.deadline_left_ms) {
		p.unum(Show::Json, "deadline_left_ms", nullptr, *l.deadline_left_ms);
		p.text(*l.deadline_left_ms ? ", deadline in " + secs(*l.deadline_left_ms) : ", deadline passed");
	}
	p.text("\n");
}

void print_server_load(Printer &p, const NcServerLoad &l)
{
	char cell[128];
	p.begin_object();
	std::snprintf(cell, sizeof(cell), "  %-28s %6d %8llu ", endpoint_str(l.server).c_str(), l.weight,
		      static_cast<unsigned long long>(l.classes));
	p.text(cell);
	p.str(Show::Json, "address", nullptr, l.server.addr.str());
	p.unum(Show::Json, "port", nullptr, l.server.port);
	p.num(Show::Json, "weight", nullptr, l.weight);
	p.boolean("draining", l.draining());
	p.unum(Show::Json, "classes", nullptr, l.classes);
	p.unum(Show::Json, "conns", nullptr, l.conns);
	p.ratio(Show::Any, "class_share", "%s", l.class_share);
	p.ratio(Show::Any, "weight_share", "    %s", l.weight_share);
	std::snprintf(cell, sizeof(cell), " %10llu %10u %10u", static_cast<unsigned long long>(l.conns), l.active,
		      l.inactive);
	p.text(cell);
	p.unum(Show::Json, "active", nullptr, l.active);
	p.unum(Show::Json, "inactive", nullptr, l.inactive);
	print_drain(p, l);
	p.end_object();
}

void print_class_load(Printer &p, const NcClassLoad &c)
{
	char cell[160];
	p.begin_object();
	std::snprintf(cell, sizeof(cell), "  %-28s %-28s %10llu %9s\n", c.cls.str().c_str(),
		      endpoint_str(c.server).c_str(), static_cast<unsigned long long>(c.conns),
		      c.age_ms ? secs(*c.age_ms).c_str() : "-");
	p.text(cell);
	p.str(Show::Json, "class", nullptr, c.cls.str());
	p.str(Show::Json, "server", nullptr, endpoint_str(c.server));
	p.unum(Show::Json, "conns", nullptr, c.conns);
	if (c.age_ms)
		p.unum(Show::Json, "age_ms", nullptr, *c.age_ms);
	p.end_object();
}

void print_nc_summary(Printer &p, const NcSummary &s)
{
	char header[160];
	p.begin_object();
	print_service_id(p, "service", s.id);
	p.str(Show::Json, "mode", nullptr, s.engine ? "engine" : "scheduler");
	p.text(s.id.str() + (s.engine ? " pe " NC_PE_NAME ": " : " " NC_SCHED_NAME ": "));
	p.unum(Show::Any, "classes", s.engine ? "%s classes (templates), " : "%s classes, ", s.classes);
	p.text(conns_meaning(s) + "\n");
	p.unum(Show::Json, "interval_ms", nullptr, s.interval_ms);
	std::snprintf(header, sizeof(header), "  %-28s %6s %8s %6s %9s %10s %10s %10s\n", "Server", "Weight", "Classes",
		      "Share", "Weighted", "Conns", "ActiveConn", "InActConn");
	p.text(header);
	p.begin_array("servers");
	for (const auto &l : s.servers)
		print_server_load(p, l);
	p.end_array();
	std::snprintf(header, sizeof(header), "  %-28s %-28s %10s %9s\n", "Heaviest class", "Server", "Conns", "Age");
	p.text(header);
	p.begin_array("top");
	for (const auto &c : s.top)
		print_class_load(p, c);
	p.end_array();
	p.end_object();
}

} // namespace

void print_nc_summaries(std::ostream &out, const std::vector<NcSummary> &summaries, Format f)
{
	Printer p(out, f);
	p.begin_object();
	p.begin_array("services");
	for (const auto &s : summaries)
		print_nc_summary(p, s);
	p.end_array();
	p.end_object();
}

namespace {

// "TCP 192.0.2.1:80: 3 entries flushed", {"service":{...},"flushed":3}.
void print_count(std::ostream &out, const ServiceId &id, Format f, const char *key, const char *one,
		 const char *many, uint32_t n)
{
	Printer p(out, f);
	p.begin_object();
	print_service_id(p, "service", id);
	p.text(id.str() + ": ");
	p.unum(Show::Any, key, n == 1 ? one : many, n);
	p.end_object();
}

} // namespace

void print_unpinned(std::ostream &out, const ServiceId &id, uint32_t n, Format f)
{
	print_count(out, id, f, "unpinned", "%s pin removed\n", "%s pins removed\n", n);
}

void print_moved(std::ostream &out, const ServiceId &id, const NcMove &mv, const Endpoint &to, Format f)
{
	Printer p(out, f);
	p.begin_object();
	print_service_id(p, "service", id);
	p.text(id.str() + ": ");
	p.str(Show::Any, "class", "class %s", mv.cls.str());
	if (mv.was)
		p.str(Show::Any, "from", " moved from %s", endpoint_str(*mv.was));
	else
		p.null("from");
	p.str(Show::Any, "to", mv.was ? " to %s\n" : " (no entry before) now on %s\n", endpoint_str(to));
	p.end_object();
}

void print_flushed(std::ostream &out, const ServiceId &id, uint32_t n, Format f)
{
	print_count(out, id, f, "flushed", "%s entry flushed\n", "%s entries flushed\n", n);
}

namespace {

void print_endpoint(Printer &p, const char *key, const Endpoint &e)
{
	p.begin_object(key);
	p.str(Show::Json, "address", nullptr, e.addr.str());
	p.unum(Show::Json, "port", nullptr, e.port);
	p.end_object();
}

} // namespace

void print_connections_json(std::ostream &out, const std::vector<Connection> &conns)
{
	Printer p(out, Format::Json);
	p.begin_object();
	p.begin_array("connections");
	for (const auto &k : conns) {
		p.begin_object();
		p.str(Show::Json, "protocol", nullptr, lowercase(k.proto));
		p.str(Show::Json, "state", nullptr, k.state);
		p.num(Show::Json, "expires_s", nullptr, k.expires);
		print_endpoint(p, "client", k.client);
		print_endpoint(p, "virtual", k.virt);
		print_endpoint(p, "server", k.dest);
		if (!k.pe_name.empty()) {
			p.str(Show::Json, "pe", nullptr, k.pe_name);
			p.str(Show::Json, "pe_data", nullptr, k.pe_data);
		}
		p.end_object();
	}
	p.end_array();
	p.end_object();
}

void print_timeouts(std::ostream &out, const std::array<uint32_t, 3> &t, Format f)
{
	Printer p(out, f);
	p.begin_object();
	p.begin_object("timeouts");
	p.unum(Show::Any, "tcp", "Timeout (tcp tcpfin udp): %s", t[0]);
	p.unum(Show::Any, "tcpfin", " %s", t[1]);
	p.unum(Show::Any, "udp", " %s\n", t[2]);
	p.end_object();
	p.end_object();
}

void print_daemons_json(std::ostream &out, const std::vector<SyncDaemon> &daemons)
{
	Printer p(out, Format::Json);
	p.begin_object();
	p.begin_array("daemons");
	for (const auto &d : daemons) {
		p.begin_object();
		p.str(Show::Json, "state", nullptr, (d.state & IP_VS_STATE_MASTER) ? "master" : "backup");
		p.str(Show::Json, "mcast_interface", nullptr, d.mcast_ifn);
		p.unum(Show::Json, "syncid", nullptr, d.syncid);
		p.unum(Show::Json, "sync_maxlen", nullptr, d.sync_maxlen);
		if (d.mcast_group)
			p.str(Show::Json, "mcast_group", nullptr, d.mcast_group->str());
		else
			p.null("mcast_group");
		p.unum(Show::Json, "mcast_port", nullptr, d.mcast_port);
		p.unum(Show::Json, "mcast_ttl", nullptr, d.mcast_ttl);
		p.end_object();
	}
	p.end_array();
	p.end_object();
}

namespace {

void print_ipvs_stats(Printer &p, const IpvsStats &s)
{
	p.begin_object("stats");
	p.unum(Show::Json, "conns", nullptr, s.conns);
	p.unum(Show::Json, "inpkts", nullptr, s.inpkts);
	p.unum(Show::Json, "outpkts", nullptr, s.outpkts);
	p.unum(Show::Json, "inbytes", nullptr, s.inbytes);
	p.unum(Show::Json, "outbytes", nullptr, s.outbytes);
	p.unum(Show::Json, "cps", nullptr, s.cps);
	p.unum(Show::Json, "inpps", nullptr, s.inpps);
	p.unum(Show::Json, "outpps", nullptr, s.outpps);
	p.unum(Show::Json, "inbps", nullptr, s.inbps);
	p.unum(Show::Json, "outbps", nullptr, s.outbps);
	p.end_object();
}

void print_ipvs_dest(Printer &p, const DestEntry &d)
{
	p.begin_object();
	p.str(Show::Json, "address", nullptr, d.server.addr.str());
	p.unum(Show::Json, "port", nullptr, d.server.port);
	p.str(Show::Json, "forward", nullptr, lowercase(forward_name(d.conn_flags)));
	p.num(Show::Json, "weight", nullptr, d.weight);
	p.unum(Show::Json, "u_threshold", nullptr, d.u_thresh);
	p.unum(Show::Json, "l_threshold", nullptr, d.l_thresh);
	p.unum(Show::Json, "active", nullptr, d.active);
	p.unum(Show::Json, "inactive", nullptr, d.inactive);
	p.unum(Show::Json, "persistent", nullptr, d.persistent);
	print_ipvs_stats(p, d.stats);
	p.end_object();
}

} // namespace

void print_ipvs_json(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one)
{
	std::vector<ServiceEntry> services = one ? std::vector<ServiceEntry>{ipvs.service(*one)} : ipvs.services();
	Printer p(out, Format::Json);
	p.begin_object();
	p.begin_array("services");
	for (const auto &s : services) {
		p.begin_object();
		print_service_id(p, "service", s.id);
		p.str(Show::Json, "scheduler", nullptr, s.conf.sched);
		p.unum(Show::Json, "flags", nullptr, s.conf.flags);
		if (s.conf.flags & IP_VS_SVC_F_PERSISTENT)
			p.unum(Show::Json, "persistent", nullptr, s.conf.timeout);
		else
			p.null("persistent");
		p.unum(Show::Json, "netmask", nullptr, s.conf.netmask);
		print_ipvs_stats(p, s.stats);
		p.begin_array("servers");
		for (const auto &d : ipvs.dests(s.id))
			print_ipvs_dest(p, d);
		p.end_array();
		p.end_object();
	}
	p.end_array();
	p.end_object();
}

} // namespace ncadm
