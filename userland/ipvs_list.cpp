// SPDX-License-Identifier: GPL-2.0
#include "ipvs_list.hpp"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace ncadm {

namespace {

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

std::string fmt(const char *f, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

// ipvsadm compares with int subtraction of unsigned values, which wraps;
// keep its order exactly.
int wrap_diff(uint32_t a, uint32_t b)
{
	return static_cast<int>(a - b);
}

int addr_cmp(const Address &a, const Address &b, int af)
{
	if (af == AF_INET6) {
		for (int i = 0; i < 16; i += 4) {
			uint32_t x, y;
			std::memcpy(&x, a.bytes.data() + i, 4);
			std::memcpy(&y, b.bytes.data() + i, 4);
			int r = wrap_diff(ntohl(x), ntohl(y));
			if (r)
				return r;
		}
		return 0;
	}
	uint32_t x, y;
	std::memcpy(&x, a.bytes.data(), 4);
	std::memcpy(&y, b.bytes.data(), 4);
	return wrap_diff(ntohl(x), ntohl(y));
}

int service_cmp(const ServiceEntry &a, const ServiceEntry &b)
{
	int r = wrap_diff(a.id.fwmark, b.id.fwmark);
	if (!r)
		r = a.id.af - b.id.af;
	if (!r)
		r = a.id.protocol - b.id.protocol;
	if (!r)
		r = addr_cmp(a.id.addr, b.id.addr, a.id.af);
	if (!r)
		r = a.id.port - b.id.port;
	return r;
}

int dest_cmp(const DestEntry &a, const DestEntry &b)
{
	int r = addr_cmp(a.server.addr, b.server.addr, a.server.addr.af);
	return r ? r : a.server.port - b.server.port;
}

// ipvsadm sorts with qsort; keep a deterministic order for equal keys too.
template <class T, class Cmp> void ipvsadm_sort(std::vector<T> &v, Cmp cmp)
{
	std::stable_sort(v.begin(), v.end(), [&](const T &a, const T &b) { return cmp(a, b) < 0; });
}

const char *proto_option(uint16_t p)
{
	return p == IPPROTO_TCP ? "-t" : p == IPPROTO_UDP ? "-u" : p == IPPROTO_SCTP ? "--sctp-service" : "--xxx-service";
}

const char *fwd_switch(uint32_t flags)
{
	switch (flags & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ: return "-m";
	case IP_VS_CONN_F_TUNNEL: return "-i";
	}
	return "-g";
}

// "addr:port", names resolved unless numeric, as ipvsadm does.
std::string addrport(const Address &a, uint16_t port, uint16_t proto, unsigned format)
{
	std::string host = a.str(), svc = std::to_string(port);
	if (!(format & LIST_NUMERIC)) {
		if (hostent *h = gethostbyaddr(a.bytes.data(), a.af == AF_INET ? 4 : 16, a.af))
			host = h->h_name;
		const std::string pname = lowercase(protocol_name(proto));
		if (protocol_number(protocol_name(proto)))
			if (servent *s = getservbyport(htons(port), pname.c_str()))
				svc = s->s_name;
	}
	std::string out = a.af == AF_INET ? host : "[" + host + "]";
	return (out + ":" + svc).substr(0, 59);
}

std::string largenum(uint64_t i, unsigned format)
{
	if (format & LIST_EXACT) {
		int len = static_cast<int>(std::to_string(i).size());
		return fmt("%*llu", len <= 8 ? 9 : len + 1, static_cast<unsigned long long>(i));
	}
	auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
	if (i < 100000000ULL)
		return fmt("%9llu", u(i));
	if (i < 1000000000ULL)
		return fmt("%8lluK", u(i / 1000));
	if (i < 100000000000ULL)
		return fmt("%8lluM", u(i / 1000000));
	if (i < 100000000000000ULL)
		return fmt("%8lluG", u(i / 1000000000ULL));
	return fmt("%8lluT", u(i / 1000000000000ULL));
}

std::string sched_flags(const ServiceEntry &s)
{
	std::string f;
	uint32_t fl = s.conf.flags;
	if (s.conf.sched == "sh" || s.conf.sched == "mh") {
		if (fl & IP_VS_SVC_F_SCHED1)
			f += s.conf.sched + "-fallback,";
		if (fl & IP_VS_SVC_F_SCHED2)
			f += s.conf.sched + "-port,";
	} else {
		if (fl & IP_VS_SVC_F_SCHED1)
			f += "flag-1,";
		if (fl & IP_VS_SVC_F_SCHED2)
			f += "flag-2,";
		if (fl & IP_VS_SVC_F_SCHED3)
			f += "flag-3,";
	}
	if (!f.empty())
		f.pop_back();
	return f;
}

constexpr uint32_t any_sched_flag = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;

std::string title(unsigned format)
{
	const char *first = "Prot LocalAddress:Port";
	if (format & LIST_STATS)
		return fmt("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", first, "Conns", "InPkts",
			   "OutPkts", "InBytes", "OutBytes");
	if (format & LIST_RATE)
		return fmt("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", first, "CPS", "InPPS", "OutPPS",
			   "InBPS", "OutBPS");
	if (format & LIST_THRESHOLDS)
		return fmt("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", first, "Uthreshold",
			   "Lthreshold", "ActiveConn", "InActConn");
	if (format & LIST_PERSISTENTCONN)
		return fmt("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n", first, "Weight",
			   "PersistConn", "ActiveConn", "InActConn");
	if (format & LIST_TUN_INFO)
		return "Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n";
	if (!(format & LIST_RULE))
		return "Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
	return "";
}

const char *tun_name(uint8_t t)
{
	return t == IP_VS_CONN_F_TUNNEL_TYPE_GUE ? "gue" : t == IP_VS_CONN_F_TUNNEL_TYPE_GRE ? "gre" : "ipip";
}

const char *tun_csum_option(uint16_t f)
{
	if (f & IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM)
		return "--tun-remcsum";
	if (f & IP_VS_TUNNEL_ENCAP_FLAG_CSUM)
		return "--tun-csum";
	return "--tun-nocsum";
}

// ipvsadm's TunnelInfo column: "ipip", "gue:6080:+c", "gre:-c"; "n/a" when
// the server is not tunnelled.
std::string tun_info(const DestEntry &d)
{
	if ((d.conn_flags & IP_VS_CONN_F_FWD_MASK) != IP_VS_CONN_F_TUNNEL)
		return "n/a";
	const char *csum = (d.tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM) ? "r+c"
			   : (d.tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_CSUM)  ? "+c"
									   : "-c";
	switch (d.tun_type) {
	case IP_VS_CONN_F_TUNNEL_TYPE_IPIP:
		return "ipip";
	case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
		return fmt("gue:%d:%s", d.tun_port, csum);
	case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
		return fmt("gre:%s", csum);
	default:
		return "n/a";
	}
}

std::string mask_str(const ServiceEntry &s, const char *word)
{
	if (s.id.af == AF_INET && s.conf.netmask != 0xffffffffu) {
		in_addr m{s.conf.netmask};
		return fmt(" %s %s", word, inet_ntoa(m));
	}
	if (s.id.af == AF_INET6 && s.conf.netmask != 128)
		return fmt(" %s %i", word, static_cast<int>(s.conf.netmask));
	return "";
}

// A service as a listing names it: "TCP  192.0.2.1:http", "-t 192.0.2.1:80".
std::string service_name(const ServiceEntry &s, unsigned format)
{
	if (s.id.fwmark) {
		if (format & LIST_RULE)
			return fmt(s.id.af == AF_INET6 ? "-f %d -6" : "-f %d", static_cast<int>(s.id.fwmark));
		return fmt(s.id.af == AF_INET6 ? "FWM  %d IPv6" : "FWM  %d", static_cast<int>(s.id.fwmark));
	}
	std::string v = addrport(s.id.addr, s.id.port, s.id.protocol, format);
	if (format & LIST_RULE)
		return fmt("%s %s", proto_option(s.id.protocol), v.c_str());
	std::string name = fmt("%-4s %s", std::string(protocol_name(s.id.protocol)).c_str(), v.c_str());
	if (s.id.af != AF_INET6 && name.size() > 33)
		name.resize(33);
	return name;
}

// The service's own line: an -A rule, its counters, or its settings.
std::string service_line(const ServiceEntry &s, const std::string &name, unsigned format,
			 const std::map<std::string, NcRules> &nc_rules)
{
	std::string line;
	if (format & LIST_RULE) {
		line = fmt("-A %s -s %s", name.c_str(), s.conf.sched.c_str());
		if (s.conf.flags & IP_VS_SVC_F_PERSISTENT)
			line += fmt(" -p %u", s.conf.timeout) + mask_str(s, "-M");
		if (!s.conf.pe.empty())
			line += " --pe " + s.conf.pe;
		if (s.conf.flags & IP_VS_SVC_F_ONEPACKET)
			line += " -o";
		if (s.conf.flags & any_sched_flag)
			line += " -b " + sched_flags(s);
		if (auto it = nc_rules.find(s.id.str()); it != nc_rules.end())
			line += " " + it->second.options;
	} else if (format & (LIST_STATS | LIST_RATE)) {
		const IpvsStats &st = s.stats;
		line = fmt("%-33s", name.c_str());
		if (format & LIST_STATS)
			line += largenum(st.conns, format) + largenum(st.inpkts, format) + largenum(st.outpkts, format) +
				largenum(st.inbytes, format) + largenum(st.outbytes, format);
		else
			line += largenum(st.cps, format) + largenum(st.inpps, format) + largenum(st.outpps, format) +
				largenum(st.inbps, format) + largenum(st.outbps, format);
	} else {
		line = name + " " + s.conf.sched;
		if (s.conf.flags & any_sched_flag)
			line += " (" + sched_flags(s) + ")";
		if (s.conf.flags & IP_VS_SVC_F_PERSISTENT) {
			line += fmt(" persistent %u", s.conf.timeout) + mask_str(s, "mask");
			if (!s.conf.pe.empty())
				line += " pe " + s.conf.pe;
		}
		if (s.conf.flags & IP_VS_SVC_F_ONEPACKET)
			line += " ops";
	}
	return line + "\n";
}

// A real server as an -a rule.
std::string server_rule(const std::string &service, const std::string &dn, const DestEntry &d)
{
	std::string r = fmt("-a %s -r %s %s -w %d", service.c_str(), dn.c_str(), fwd_switch(d.conn_flags), d.weight);
	if ((d.conn_flags & IP_VS_CONN_F_FWD_MASK) == IP_VS_CONN_F_TUNNEL) {
		if (d.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GRE)
			r += fmt(" --tun-type %s %s", tun_name(d.tun_type), tun_csum_option(d.tun_flags));
		else if (d.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GUE)
			r += fmt(" --tun-type %s --tun-port %d %s", tun_name(d.tun_type), d.tun_port,
				 tun_csum_option(d.tun_flags));
		else
			r += fmt(" --tun-type %s", tun_name(d.tun_type));
	}
	return r + "\n";
}

// A real server's "  -> " line in the view @format asks for.
std::string server_line(const std::string &dn, const DestEntry &d, unsigned format)
{
	// ipvsadm reads a dest's 64-bit counters as 32-bit ones.
	auto u32 = [](uint64_t v) { return static_cast<unsigned long long>(static_cast<uint32_t>(v)); };
	const std::string fwd(forward_name(d.conn_flags));
	if (format & LIST_STATS)
		return fmt("  -> %-28s", dn.c_str()) + largenum(u32(d.stats.conns), format) +
		       largenum(u32(d.stats.inpkts), format) + largenum(u32(d.stats.outpkts), format) +
		       largenum(d.stats.inbytes, format) + largenum(d.stats.outbytes, format) + "\n";
	if (format & LIST_RATE)
		return fmt("  -> %-28s %8llu %8llu %8llu", dn.c_str(), u32(d.stats.cps), u32(d.stats.inpps),
			   u32(d.stats.outpps)) +
		       largenum(u32(d.stats.inbps), format) + largenum(u32(d.stats.outbps), format) + "\n";
	if (format & LIST_THRESHOLDS)
		return fmt("  -> %-28s %-10u %-10u %-10u %-10u\n", dn.c_str(), d.u_thresh, d.l_thresh, d.active,
			   d.inactive);
	if (format & LIST_PERSISTENTCONN)
		return fmt("  -> %-28s %-9u %-11u %-10u %-10u\n", dn.c_str(), static_cast<unsigned>(d.weight),
			   d.persistent, d.active, d.inactive);
	if (format & LIST_TUN_INFO)
		return fmt("  -> %-28s %-7s %-13s %-6d %-10u %-10u\n", dn.c_str(), fwd.c_str(), tun_info(d).c_str(),
			   d.weight, d.active, d.inactive);
	return fmt("  -> %-28s %-7s %-6d %-10u %-10u\n", dn.c_str(), fwd.c_str(), d.weight, d.active, d.inactive);
}

void print_service(std::ostream &out, Ipvs &ipvs, const ServiceEntry &s, unsigned format,
		   const std::map<std::string, NcRules> &nc_rules)
{
	std::vector<DestEntry> dests = ipvs.dests(s.id);
	const std::string name = service_name(s, format);
	out << service_line(s, name, format, nc_rules);
	if (!(format & LIST_NOSORT))
		ipvsadm_sort(dests, dest_cmp);
	for (const auto &d : dests) {
		std::string dn = addrport(d.server.addr, d.server.port, s.id.protocol, format);
		if (!(format & LIST_RULE) && d.server.addr.af != AF_INET6 && dn.size() > 28)
			dn.resize(28);
		out << (format & LIST_RULE ? server_rule(name, dn, d) : server_line(dn, d, format));
	}
	if (auto it = nc_rules.find(s.id.str()); (format & LIST_RULE) && it != nc_rules.end())
		for (const auto &pin : it->second.pins)
			out << fmt("--nc-pin %s --class %s -r %s\n", name.c_str(), pin.net.str().c_str(),
				   addrport(pin.server.addr, pin.server.port, s.id.protocol, format).c_str());
}

} // namespace

namespace {

// An address of /proc/net/ip_vs_conn: IPv4 in hex, IPv6 as text.
Address proc_addr(const std::string &s)
{
	Address a;
	if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) > 0) {
		a.af = AF_INET6;
	} else {
		a.af = AF_INET;
		if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) <= 0) {
			uint32_t v = htonl(static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, 16)));
			std::memcpy(a.bytes.data(), &v, 4);
		}
	}
	return a;
}

} // namespace

std::vector<Connection> read_connections()
{
	FILE *f = std::fopen("/proc/net/ip_vs_conn", "r");
	if (!f)
		throw KernelError(ENOENT, "cannot open /proc/net/ip_vs_conn (modprobe ip_vs)");
	std::unique_ptr<FILE, int (*)(FILE *)> closer(f, &std::fclose);
	char buf[512];
	if (!std::fgets(buf, sizeof(buf), f))
		throw KernelError(EIO, "unexpected input from /proc/net/ip_vs_conn");
	std::vector<Connection> conns;
	while (std::fgets(buf, sizeof(buf), f)) {
		char proto[8] = "", c[64] = "", v[64] = "", d[64] = "", state[16] = "", pe_name[64] = "", pe_data[256] = "";
		Connection k;
		int n = std::sscanf(buf, "%7s %63s %hX %63s %hX %63s %hX %15s %d %63s %255s", proto, c, &k.client.port, v,
				    &k.virt.port, d, &k.dest.port, state, &k.expires, pe_name, pe_data);
		if (n < 9)
			continue;
		k.proto = proto;
		k.protocol = protocol_number(k.proto);
		k.client.addr = proc_addr(c);
		k.virt.addr = proc_addr(v);
		k.dest.addr = proc_addr(d);
		k.state = state;
		if (n == 11) {
			k.pe_name = pe_name;
			k.pe_data = pe_data;
		}
		conns.push_back(k);
	}
	return conns;
}

void list_connections(std::ostream &out, const std::vector<Connection> &conns, unsigned format)
{
	bool pe = format & LIST_PERSISTENTCONN;
	out << "IPVS connection entries\n";
	if (pe)
		out << fmt("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source", "virtual", "destination",
			   "pe name", "pe_data");
	else
		out << fmt("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination");
	for (const auto &k : conns) {
		std::string cn = addrport(k.client.addr, k.client.port, k.protocol, format);
		std::string vn = addrport(k.virt.addr, k.virt.port, k.protocol, format);
		std::string dn = addrport(k.dest.addr, k.dest.port, k.protocol, format);
		std::string exp = fmt("%02d:%02d", k.expires / 60, k.expires % 60);
		if (pe && !k.pe_name.empty())
			out << fmt("%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n", k.proto.c_str(), exp.c_str(),
				   k.state.c_str(), cn.c_str(), vn.c_str(), dn.c_str(), k.pe_name.c_str(),
				   k.pe_data.c_str());
		else
			out << fmt("%-3s %-6s %-11s %-18s %-18s %s\n", k.proto.c_str(), exp.c_str(), k.state.c_str(),
				   cn.c_str(), vn.c_str(), dn.c_str());
	}
}

void list_daemons(std::ostream &out, const std::vector<SyncDaemon> &daemons)
{
	for (const auto &d : daemons) {
		const char *type = (d.state & IP_VS_STATE_MASTER) ? "master"
				   : (d.state & IP_VS_STATE_BACKUP) ? "backup"
								    : nullptr;
		if (!type)
			continue;
		out << fmt("%s sync daemon (mcast=%s, syncid=%d", type, d.mcast_ifn.c_str(), static_cast<int>(d.syncid));
		if (d.sync_maxlen)
			out << fmt(", maxlen=%u", d.sync_maxlen);
		if (d.mcast_group)
			out << ", group=" << d.mcast_group->str();
		if (d.mcast_port)
			out << fmt(", port=%u", d.mcast_port);
		if (d.mcast_ttl)
			out << fmt(", ttl=%u", d.mcast_ttl);
		out << ")\n";
	}
}

namespace {
std::string nc_subnet_option(const NcPolicy &p)
{
	std::string s;
	if (!p.subnets.empty()) {
		s += " --nc-subnet ";
		for (size_t i = 0; i < p.subnets.size(); i++)
			s += (i ? "," : "") + p.subnets[i].str();
	}
	return s;
}
} // namespace

void print_saved_entries(std::ostream &out, const ServiceId &id, const std::vector<NcEntry> &entries,
			 uint64_t now_epoch)
{
	ServiceEntry s;
	s.id = id;
	const std::string name = service_name(s, LIST_RULE | LIST_NUMERIC);
	for (const auto &e : entries)
		if (e.left_ms)
			out << fmt("--nc-entry %s --class %s -r %s --expires %llu\n", name.c_str(), e.cls.str().c_str(),
				   addrport(e.server.addr, e.server.port, id.protocol, LIST_NUMERIC).c_str(),
				   static_cast<unsigned long long>(now_epoch + (e.left_ms + 999) / 1000));
}

std::string nc_rule_options(const NcPolicy &p)
{
	return "--sticky " + format_duration(p.sticky) + " --nc-key " + format_key(p.key, p.plen4, p.plen6) +
	       " --nc-pick " + std::string(pick_name(p.pick)) + " --nc-drain " + format_drain(p.drain, p.drain_secs) +
	       " --nc-max-entries " + std::to_string(p.max_entries) +
	       (p.bound ? " --nc-bound " + format_bound(p.bound) : "") +
	       (p.handback_idle ? " --nc-handback " + format_handback(p.handback_idle, p.handback_rate) : "") +
	       nc_subnet_option(p);
}

std::string nc_engine_options(const NcPolicy &p)
{
	return "--nc-key " + format_key(p.key, p.plen4, p.plen6) + nc_subnet_option(p);
}

void list_ipvs(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one, unsigned format,
	       const std::map<std::string, NcRules> &nc_rules)
{
	if (one) {
		ServiceEntry s = ipvs.service(*one);
		out << title(format);
		print_service(out, ipvs, s, format, nc_rules);
		return;
	}
	if (!(format & LIST_RULE)) {
		IpvsInfo info = ipvs.info();
		out << fmt("IP Virtual Server version %u.%u.%u (size=%u)\n", (info.version >> 16) & 0xff,
			   (info.version >> 8) & 0xff, info.version & 0xff, info.conn_tab_size);
	}
	std::vector<ServiceEntry> services = ipvs.services();
	if (!(format & LIST_NOSORT))
		ipvsadm_sort(services, service_cmp);
	out << title(format);
	for (const auto &s : services)
		print_service(out, ipvs, s, format, nc_rules);
}

} // namespace ncadm
