// SPDX-License-Identifier: GPL-2.0
#include "output.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/ip_vs.h>

#include "ip_vs_nc.h"

#include <cctype>
#include <cstdio>
#include <sstream>

namespace ncadm {

namespace {

std::string json_string(const std::string &s)
{
	std::string out = "\"";
	for (char c : s) {
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		default:
			if (static_cast<unsigned char>(c) < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				out += buf;
			} else {
				out += c;
			}
		}
	}
	return out + "\"";
}

} // namespace

std::string service_json(const ServiceId &id)
{
	std::ostringstream o;
	o << "{\"family\":" << json_string(id.af == AF_INET6 ? "inet6" : "inet");
	if (id.fwmark) {
		o << ",\"fwmark\":" << id.fwmark;
	} else {
		o << ",\"protocol\":" << json_string(lowercase(protocol_name(id.protocol))) << ",\"address\":" << json_string(id.addr.str())
		  << ",\"port\":" << id.port;
	}
	o << "}";
	return o.str();
}

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

} // namespace

namespace {
void print_class_policy_json(std::ostream &out, const NcPolicy &p)
{
	out << "\"key\":" << json_string(std::string(key_mode_name(p.key))) << ",\"prefix4\":" << unsigned(p.plen4)
	    << ",\"prefix6\":" << unsigned(p.plen6);
}

void print_subnets_json(std::ostream &out, const NcPolicy &p)
{
	out << "\"nc_subnets\":[";
	const char *nsep = "";
	for (const auto &n : p.subnets) {
		out << nsep << json_string(n.str());
		nsep = ",";
	}
	out << "]";
}

void print_subnets_text(std::ostream &out, const NcPolicy &p)
{
	out << "  nc-subnet ";
	if (p.subnets.empty())
		out << "all";
	for (size_t i = 0; i < p.subnets.size(); i++)
		out << (i ? "," : "") << p.subnets[i].str();
	out << "\n";
}
} // namespace

void print_nc_services(std::ostream &out, const std::vector<NcService> &services,
		       const std::vector<NcService> &engines, Format f)
{
	if (f == Format::Json) {
		out << "{\"services\":[";
		const char *sep = "";
		for (const auto &s : services) {
			const NcPolicy &p = s.policy;
			out << sep << "{\"service\":" << service_json(s.id) << ",\"policy\":{";
			print_class_policy_json(out, p);
			out << ",\"sticky_seconds\":" << p.sticky
			    << ",\"pick\":" << json_string(std::string(pick_name(p.pick)))
			    << ",\"drain\":" << json_string(std::string(drain_name(p.drain)))
			    << ",\"max_entries\":" << p.max_entries << ",";
			print_subnets_json(out, p);
			const NcStats &st = s.stats;
			out << "},\"stats\":{\"lookups\":" << st.lookups << ",\"hits\":" << st.hits
			    << ",\"new\":" << st.new_classes << ",\"expired\":" << st.expired
			    << ",\"repicked\":" << st.repicked << ",\"overflow\":" << st.overflow
			    << ",\"noserver\":" << st.noserver << ",\"entries\":" << st.entries << "}}";
			sep = ",";
		}
		out << "],\"engines\":[";
		sep = "";
		for (const auto &e : engines) {
			out << sep << "{\"service\":" << service_json(e.id) << ",\"engine\":\"" NC_PE_NAME "\",\"policy\":{";
			print_class_policy_json(out, e.policy);
			out << ",";
			print_subnets_json(out, e.policy);
			out << "}}";
			sep = ",";
		}
		out << "]}\n";
		return;
	}
	for (const auto &s : services) {
		const NcPolicy &p = s.policy;
		out << s.id.str() << " nc\n";
		out << "  key " << format_key(p.key, p.plen4, p.plen6) << "  sticky " << format_duration(p.sticky) << "  pick "
		    << pick_name(p.pick) << "  drain " << drain_name(p.drain) << "  max-entries "
		    << p.max_entries << "\n";
		print_subnets_text(out, p);
		const NcStats &st = s.stats;
		out << "  entries " << st.entries << "  lookups " << st.lookups << "  hits " << st.hits
		    << "  new " << st.new_classes << "  expired " << st.expired << "  repicked "
		    << st.repicked << "  overflow " << st.overflow << "  noserver " << st.noserver << "\n";
	}
	for (const auto &e : engines) {
		out << e.id.str() << " pe " NC_PE_NAME "\n";
		out << "  key " << format_key(e.policy.key, e.policy.plen4, e.policy.plen6) << "\n";
		print_subnets_text(out, e.policy);
	}
}

void print_nc_table(std::ostream &out, const ServiceId &id, const std::vector<NcEntry> &entries, Format f)
{
	if (f == Format::Json) {
		out << "{\"service\":" << service_json(id) << ",\"entries\":[";
		const char *sep = "";
		for (const auto &e : entries) {
			out << sep << "{\"class\":" << json_string(e.cls.str())
			    << ",\"server\":" << json_string(endpoint_str(e.server))
			    << ",\"age_ms\":" << e.age_ms << ",\"idle_ms\":" << e.idle_ms
			    << ",\"left_ms\":" << e.left_ms << ",\"conns\":" << e.conns << "}";
			sep = ",";
		}
		out << "]}\n";
		return;
	}
	char line[256];
	std::snprintf(line, sizeof(line), "%-28s %-28s %9s %9s %9s %10s\n", "Class", "Server", "Age", "Idle",
		      "Left", "Conns");
	out << id.str() << "\n" << line;
	for (const auto &e : entries) {
		std::snprintf(line, sizeof(line), "%-28s %-28s %9s %9s %9s %10llu\n", e.cls.str().c_str(),
			      endpoint_str(e.server).c_str(), secs(e.age_ms).c_str(), secs(e.idle_ms).c_str(),
			      secs(e.left_ms).c_str(), static_cast<unsigned long long>(e.conns));
		out << line;
	}
}

void print_flushed(std::ostream &out, const ServiceId &id, uint32_t n, Format f)
{
	if (f == Format::Json)
		out << "{\"service\":" << service_json(id) << ",\"flushed\":" << n << "}\n";
	else
		out << id.str() << ": " << n << " entr" << (n == 1 ? "y" : "ies") << " flushed\n";
}

void print_connections_json(std::ostream &out, const std::vector<Connection> &conns)
{
	auto ep = [](const Endpoint &e) {
		return "{\"address\":" + json_string(e.addr.str()) + ",\"port\":" + std::to_string(e.port) + "}";
	};
	out << "{\"connections\":[";
	const char *sep = "";
	for (const auto &k : conns) {
		out << sep << "{\"protocol\":" << json_string(lowercase(k.proto)) << ",\"state\":" << json_string(k.state)
		    << ",\"expires_s\":" << k.expires << ",\"client\":" << ep(k.client)
		    << ",\"virtual\":" << ep(k.virt) << ",\"server\":" << ep(k.dest);
		if (!k.pe_name.empty())
			out << ",\"pe\":" << json_string(k.pe_name) << ",\"pe_data\":" << json_string(k.pe_data);
		out << "}";
		sep = ",";
	}
	out << "]}\n";
}

void print_timeouts_json(std::ostream &out, const std::array<uint32_t, 3> &t)
{
	out << "{\"timeouts\":{\"tcp\":" << t[0] << ",\"tcpfin\":" << t[1] << ",\"udp\":" << t[2] << "}}\n";
}

void print_daemons_json(std::ostream &out, const std::vector<SyncDaemon> &daemons)
{
	out << "{\"daemons\":[";
	const char *sep = "";
	for (const auto &d : daemons) {
		out << sep << "{\"state\":" << json_string((d.state & IP_VS_STATE_MASTER) ? "master" : "backup")
		    << ",\"mcast_interface\":" << json_string(d.mcast_ifn) << ",\"syncid\":" << d.syncid
		    << ",\"sync_maxlen\":" << d.sync_maxlen << ",\"mcast_group\":"
		    << (d.mcast_group ? json_string(d.mcast_group->str()) : "null") << ",\"mcast_port\":" << d.mcast_port
		    << ",\"mcast_ttl\":" << unsigned(d.mcast_ttl) << "}";
		sep = ",";
	}
	out << "]}\n";
}

void print_ipvs_json(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one)
{
	std::vector<ServiceEntry> services = one ? std::vector<ServiceEntry>{ipvs.service(*one)} : ipvs.services();
	auto stats = [](const IpvsStats &s) {
		std::ostringstream o;
		o << "{\"conns\":" << s.conns << ",\"inpkts\":" << s.inpkts << ",\"outpkts\":" << s.outpkts
		  << ",\"inbytes\":" << s.inbytes << ",\"outbytes\":" << s.outbytes << ",\"cps\":" << s.cps
		  << ",\"inpps\":" << s.inpps << ",\"outpps\":" << s.outpps << ",\"inbps\":" << s.inbps
		  << ",\"outbps\":" << s.outbps << "}";
		return o.str();
	};
	out << "{\"services\":[";
	for (size_t i = 0; i < services.size(); i++) {
		const ServiceEntry &s = services[i];
		out << (i ? "," : "") << "{\"service\":" << service_json(s.id) << ",\"scheduler\":" << json_string(s.conf.sched)
		    << ",\"flags\":" << s.conf.flags << ",\"persistent\":"
		    << ((s.conf.flags & IP_VS_SVC_F_PERSISTENT) ? std::to_string(s.conf.timeout) : "null")
		    << ",\"netmask\":" << s.conf.netmask << ",\"stats\":" << stats(s.stats) << ",\"servers\":[";
		std::vector<DestEntry> dests = ipvs.dests(s.id);
		for (size_t j = 0; j < dests.size(); j++) {
			const DestEntry &d = dests[j];
			out << (j ? "," : "") << "{\"address\":" << json_string(d.server.addr.str())
			    << ",\"port\":" << d.server.port
			    << ",\"forward\":" << json_string(lowercase(forward_name(d.conn_flags))) << ",\"weight\":" << d.weight << ",\"u_threshold\":" << d.u_thresh
			    << ",\"l_threshold\":" << d.l_thresh << ",\"active\":" << d.active << ",\"inactive\":" << d.inactive
			    << ",\"persistent\":" << d.persistent << ",\"stats\":" << stats(d.stats) << "}";
		}
		out << "]}";
	}
	out << "]}\n";
}

} // namespace ncadm
