// SPDX-License-Identifier: GPL-2.0
#include "codec.hpp"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

extern "C" {
#include "ip_vs_nc.h"
}

namespace ncadm {

namespace {

size_t addr_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

Address get_addr(nlattr *a, int af)
{
	Address out;
	out.af = af;
	if (a)
		std::memcpy(out.bytes.data(), nla_data(a),
			    std::min<size_t>(static_cast<size_t>(nla_len(a)), out.bytes.size()));
	return out;
}

uint64_t get_u64(nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

// @wide: STATS64 (all u64); else STATS (u32 counters, u64 bytes).
IpvsStats parse_stats(nlattr *nest, bool wide)
{
	Attrs<IPVS_STATS_ATTR_MAX> a(nest);
	auto get = [&](int t, bool is64) -> uint64_t {
		if (!a[t])
			return 0;
		return is64 ? nla_get_u64(a[t]) : nla_get_u32(a[t]);
	};
	IpvsStats s;
	s.conns = get(IPVS_STATS_ATTR_CONNS, wide);
	s.inpkts = get(IPVS_STATS_ATTR_INPKTS, wide);
	s.outpkts = get(IPVS_STATS_ATTR_OUTPKTS, wide);
	s.inbytes = get(IPVS_STATS_ATTR_INBYTES, true);
	s.outbytes = get(IPVS_STATS_ATTR_OUTBYTES, true);
	s.cps = get(IPVS_STATS_ATTR_CPS, wide);
	s.inpps = get(IPVS_STATS_ATTR_INPPS, wide);
	s.outpps = get(IPVS_STATS_ATTR_OUTPPS, wide);
	s.inbps = get(IPVS_STATS_ATTR_INBPS, wide);
	s.outbps = get(IPVS_STATS_ATTR_OUTBPS, wide);
	return s;
}

struct ParsedAddr {
	Address addr;
	unsigned plen = 0;
	uint16_t port = 0;
};

ParsedAddr parse_nc_addr(nlattr *nest)
{
	Attrs<NC_ADDR_ATTR_MAX> a(nest);
	ParsedAddr out;
	int af = a[NC_ADDR_ATTR_AF] ? nla_get_u16(a[NC_ADDR_ATTR_AF]) : AF_INET;
	out.addr = get_addr(a[NC_ADDR_ATTR_ADDR], af);
	if (a[NC_ADDR_ATTR_PLEN])
		out.plen = nla_get_u8(a[NC_ADDR_ATTR_PLEN]);
	if (a[NC_ADDR_ATTR_PORT])
		out.port = ntohs(nla_get_u16(a[NC_ADDR_ATTR_PORT]));
	return out;
}

// Where a family keeps a service's identity: IPVS sends the address in
// 16 bytes whatever the family; IPVS_NC in its own length.
struct ServiceIdAttrs {
	int af, protocol, addr, port, fwmark;
	bool addr16;
};

constexpr ServiceIdAttrs ipvs_svc_attrs{IPVS_SVC_ATTR_AF, IPVS_SVC_ATTR_PROTOCOL, IPVS_SVC_ATTR_ADDR,
					IPVS_SVC_ATTR_PORT, IPVS_SVC_ATTR_FWMARK, true};
constexpr ServiceIdAttrs nc_svc_attrs{NC_SVC_ATTR_AF, NC_SVC_ATTR_PROTOCOL, NC_SVC_ATTR_ADDR, NC_SVC_ATTR_PORT,
				      NC_SVC_ATTR_FWMARK, false};

void put_service_id(Message &m, const ServiceIdAttrs &at, const ServiceId &id)
{
	m.put_u16(at.af, static_cast<uint16_t>(id.af));
	if (id.fwmark) {
		m.put_u32(at.fwmark, id.fwmark);
		return;
	}
	m.put_u16(at.protocol, id.protocol);
	m.put(at.addr, id.addr.bytes.data(), at.addr16 ? 16 : addr_len(id.af));
	m.put_u16(at.port, htons(id.port));
}

// @a: the service nest's attributes, indexed by type.
ServiceId parse_service_id(nlattr *const *a, const ServiceIdAttrs &at)
{
	ServiceId id;
	id.af = a[at.af] ? nla_get_u16(a[at.af]) : AF_INET;
	if (a[at.fwmark]) {
		id.fwmark = nla_get_u32(a[at.fwmark]);
		return id;
	}
	id.protocol = a[at.protocol] ? nla_get_u16(a[at.protocol]) : 0;
	id.addr = get_addr(a[at.addr], id.af);
	id.port = a[at.port] ? ntohs(nla_get_u16(a[at.port])) : 0;
	return id;
}

} // namespace

// ---- IPVS ----

void put_service(Message &m, const ServiceId &id, const ServiceConf *c)
{
	Message::Nest n(m, IPVS_CMD_ATTR_SERVICE);
	put_service_id(m, ipvs_svc_attrs, id);
	if (!c)
		return;
	m.put_string(IPVS_SVC_ATTR_SCHED_NAME, c->sched);
	if (!c->pe.empty())
		m.put_string(IPVS_SVC_ATTR_PE_NAME, c->pe);
	ip_vs_flags flags{c->flags, ~0u};
	m.put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
	m.put_u32(IPVS_SVC_ATTR_TIMEOUT, c->timeout);
	m.put_u32(IPVS_SVC_ATTR_NETMASK, c->netmask);
}

void put_dest(Message &m, const DestConf &d, bool full)
{
	Message::Nest n(m, IPVS_CMD_ATTR_DEST);
	m.put_u16(IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<uint16_t>(d.server.addr.af));
	m.put(IPVS_DEST_ATTR_ADDR, d.server.addr.bytes.data(), 16);
	m.put_u16(IPVS_DEST_ATTR_PORT, htons(d.server.port));
	if (!full)
		return;
	m.put_u32(IPVS_DEST_ATTR_FWD_METHOD, d.fwd);
	m.put_u32(IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(d.weight));
	m.put_u32(IPVS_DEST_ATTR_U_THRESH, d.u_thresh);
	m.put_u32(IPVS_DEST_ATTR_L_THRESH, d.l_thresh);
	if (d.fwd == IP_VS_CONN_F_TUNNEL) {
		m.put_u8(IPVS_DEST_ATTR_TUN_TYPE, d.tun_type);
		m.put_u16(IPVS_DEST_ATTR_TUN_PORT, htons(d.tun_port));
		m.put_u16(IPVS_DEST_ATTR_TUN_FLAGS, d.tun_flags);
	}
}

void put_daemon(Message &m, const SyncDaemon &d, bool full)
{
	Message::Nest n(m, IPVS_CMD_ATTR_DAEMON);
	m.put_u32(IPVS_DAEMON_ATTR_STATE, d.state);
	if (!full)
		return;
	m.put_string(IPVS_DAEMON_ATTR_MCAST_IFN, d.mcast_ifn);
	m.put_u32(IPVS_DAEMON_ATTR_SYNC_ID, d.syncid);
	if (d.sync_maxlen)
		m.put_u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.sync_maxlen);
	if (d.mcast_port)
		m.put_u16(IPVS_DAEMON_ATTR_MCAST_PORT, d.mcast_port);
	if (d.mcast_ttl)
		m.put_u8(IPVS_DAEMON_ATTR_MCAST_TTL, d.mcast_ttl);
	if (d.mcast_group && d.mcast_group->af == AF_INET6)
		m.put(IPVS_DAEMON_ATTR_MCAST_GROUP6, d.mcast_group->bytes.data(), 16);
	else if (d.mcast_group)
		m.put(IPVS_DAEMON_ATTR_MCAST_GROUP, d.mcast_group->bytes.data(), 4);
}

ServiceEntry parse_service_entry(nlmsghdr *nlh)
{
	Attrs<IPVS_CMD_ATTR_MAX> top(nlh);
	Attrs<IPVS_SVC_ATTR_MAX> a(top[IPVS_CMD_ATTR_SERVICE]);
	ServiceEntry e;
	e.id = parse_service_id(a.tb, ipvs_svc_attrs);
	if (a[IPVS_SVC_ATTR_SCHED_NAME])
		e.conf.sched = nla_get_string(a[IPVS_SVC_ATTR_SCHED_NAME]);
	if (a[IPVS_SVC_ATTR_PE_NAME])
		e.conf.pe = nla_get_string(a[IPVS_SVC_ATTR_PE_NAME]);
	if (a[IPVS_SVC_ATTR_FLAGS]) {
		ip_vs_flags f{};
		std::memcpy(&f, nla_data(a[IPVS_SVC_ATTR_FLAGS]),
			    std::min<size_t>(sizeof(f), static_cast<size_t>(nla_len(a[IPVS_SVC_ATTR_FLAGS]))));
		e.conf.flags = f.flags & f.mask;
	}
	e.conf.timeout = a[IPVS_SVC_ATTR_TIMEOUT] ? nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]) : 0;
	e.conf.netmask = a[IPVS_SVC_ATTR_NETMASK] ? nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]) : 0;
	if (a[IPVS_SVC_ATTR_STATS64])
		e.stats = parse_stats(a[IPVS_SVC_ATTR_STATS64], true);
	else if (a[IPVS_SVC_ATTR_STATS])
		e.stats = parse_stats(a[IPVS_SVC_ATTR_STATS], false);
	return e;
}


DestEntry parse_dest_entry(nlmsghdr *nlh, int service_af)
{
	Attrs<IPVS_CMD_ATTR_MAX> top(nlh);
	Attrs<IPVS_DEST_ATTR_MAX> a(top[IPVS_CMD_ATTR_DEST]);
	DestEntry d;
	int af = a[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]) : service_af;
	d.server.addr = get_addr(a[IPVS_DEST_ATTR_ADDR], af);
	auto u32 = [&](int t) { return a[t] ? nla_get_u32(a[t]) : 0u; };
	d.server.port = a[IPVS_DEST_ATTR_PORT] ? ntohs(nla_get_u16(a[IPVS_DEST_ATTR_PORT])) : 0;
	d.conn_flags = u32(IPVS_DEST_ATTR_FWD_METHOD);
	d.weight = static_cast<int>(u32(IPVS_DEST_ATTR_WEIGHT));
	d.u_thresh = u32(IPVS_DEST_ATTR_U_THRESH);
	d.l_thresh = u32(IPVS_DEST_ATTR_L_THRESH);
	d.active = u32(IPVS_DEST_ATTR_ACTIVE_CONNS);
	d.inactive = u32(IPVS_DEST_ATTR_INACT_CONNS);
	d.persistent = u32(IPVS_DEST_ATTR_PERSIST_CONNS);
	if (a[IPVS_DEST_ATTR_TUN_TYPE])
		d.tun_type = nla_get_u8(a[IPVS_DEST_ATTR_TUN_TYPE]);
	if (a[IPVS_DEST_ATTR_TUN_PORT])
		d.tun_port = ntohs(nla_get_u16(a[IPVS_DEST_ATTR_TUN_PORT]));
	if (a[IPVS_DEST_ATTR_TUN_FLAGS])
		d.tun_flags = nla_get_u16(a[IPVS_DEST_ATTR_TUN_FLAGS]);
	// ipvsadm 1.31 reads a dest's STATS64 as if it were STATS:
	// the same numbers below 2^32, which listings compare on.
	if (a[IPVS_DEST_ATTR_STATS64])
		d.stats = parse_stats(a[IPVS_DEST_ATTR_STATS64], true);
	else if (a[IPVS_DEST_ATTR_STATS])
		d.stats = parse_stats(a[IPVS_DEST_ATTR_STATS], false);
	return d;
}

std::optional<SyncDaemon> parse_daemon(nlmsghdr *nlh)
{
	Attrs<IPVS_CMD_ATTR_MAX> top(nlh);
	Attrs<IPVS_DAEMON_ATTR_MAX> a(top[IPVS_CMD_ATTR_DAEMON]);
	if (!a[IPVS_DAEMON_ATTR_STATE] || !a[IPVS_DAEMON_ATTR_MCAST_IFN] || !a[IPVS_DAEMON_ATTR_SYNC_ID])
		return std::nullopt;
	SyncDaemon d;
	d.state = nla_get_u32(a[IPVS_DAEMON_ATTR_STATE]);
	d.mcast_ifn = nla_get_string(a[IPVS_DAEMON_ATTR_MCAST_IFN]);
	d.syncid = nla_get_u32(a[IPVS_DAEMON_ATTR_SYNC_ID]);
	if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN])
		d.sync_maxlen = nla_get_u16(a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (a[IPVS_DAEMON_ATTR_MCAST_PORT])
		d.mcast_port = nla_get_u16(a[IPVS_DAEMON_ATTR_MCAST_PORT]);
	if (a[IPVS_DAEMON_ATTR_MCAST_TTL])
		d.mcast_ttl = nla_get_u8(a[IPVS_DAEMON_ATTR_MCAST_TTL]);
	if (nlattr *g = a[IPVS_DAEMON_ATTR_MCAST_GROUP]; g && nla_len(g) == 4)
		d.mcast_group = get_addr(g, AF_INET);
	else if (nlattr *g6 = a[IPVS_DAEMON_ATTR_MCAST_GROUP6]; g6 && nla_len(g6) == 16)
		d.mcast_group = get_addr(g6, AF_INET6);
	return d;
}

// ---- IPVS_NC ----

void put_nc_service(Message &m, const ServiceId &id)
{
	Message::Nest n(m, NC_ATTR_SERVICE);
	put_service_id(m, nc_svc_attrs, id);
}

void put_nc_addr(Message &m, int type, const Address &a, std::optional<unsigned> plen,
		 std::optional<uint16_t> port)
{
	Message::Nest n(m, type);
	m.put_u16(NC_ADDR_ATTR_AF, static_cast<uint16_t>(a.af));
	m.put(NC_ADDR_ATTR_ADDR, a.bytes.data(), addr_len(a.af));
	if (plen)
		m.put_u8(NC_ADDR_ATTR_PLEN, static_cast<uint8_t>(*plen));
	if (port)
		m.put_u16(NC_ADDR_ATTR_PORT, htons(*port));
}

void put_nc_policy(Message &m, const NcPolicyChange &c)
{
	Message::Nest pol(m, NC_ATTR_POLICY);
	if (c.key) {
		m.put_u8(NC_POL_ATTR_KEY, c.key->mode);
		if (c.key->plen4)
			m.put_u8(NC_POL_ATTR_PLEN4, *c.key->plen4);
		if (c.key->plen6)
			m.put_u8(NC_POL_ATTR_PLEN6, *c.key->plen6);
	}
	if (c.sticky)
		m.put_u32(NC_POL_ATTR_STICKY, *c.sticky);
	if (c.pick)
		m.put_u8(NC_POL_ATTR_PICK, *c.pick);
	if (c.drain) {
		m.put_u8(NC_POL_ATTR_DRAIN, c.drain->rule);
		if (c.drain->secs)
			m.put_u32(NC_POL_ATTR_DRAIN_SECS, c.drain->secs);
	}
	if (c.max_entries)
		m.put_u32(NC_POL_ATTR_MAX_ENTRIES, *c.max_entries);
	if (c.handback) {
		m.put_u32(NC_POL_ATTR_HANDBACK_IDLE, c.handback->idle);
		m.put_u32(NC_POL_ATTR_HANDBACK_RATE, c.handback->rate);
	}
	if (c.bound)
		m.put_u32(NC_POL_ATTR_BOUND, *c.bound);
	if (c.subnets) {
		Message::Nest list(m, NC_POL_ATTR_SUBNETS);
		for (const auto &n : *c.subnets)
			put_nc_addr(m, NC_SUBNET_ATTR_NET, n.addr, n.plen, std::nullopt);
	}
}

NcService parse_nc_service(nlmsghdr *nlh)
{
	Attrs<NC_ATTR_MAX> top(nlh);
	Attrs<NC_SVC_ATTR_MAX> svc(top[NC_ATTR_SERVICE]);
	Attrs<NC_POL_ATTR_MAX> pol(top[NC_ATTR_POLICY]);
	Attrs<NC_STATS_ATTR_MAX> st(top[NC_ATTR_STATS]);
	NcService s;
	s.id = parse_service_id(svc.tb, nc_svc_attrs);
	auto u8 = [&](int t) { return pol[t] ? nla_get_u8(pol[t]) : uint8_t{0}; };
	auto u32 = [&](int t) { return pol[t] ? nla_get_u32(pol[t]) : 0u; };
	s.policy.key = u8(NC_POL_ATTR_KEY);
	s.policy.plen4 = u8(NC_POL_ATTR_PLEN4);
	s.policy.plen6 = u8(NC_POL_ATTR_PLEN6);
	s.policy.pick = u8(NC_POL_ATTR_PICK);
	s.policy.drain = u8(NC_POL_ATTR_DRAIN);
	s.policy.sticky = u32(NC_POL_ATTR_STICKY);
	s.policy.max_entries = u32(NC_POL_ATTR_MAX_ENTRIES);
	s.policy.bound = u32(NC_POL_ATTR_BOUND);
	s.policy.drain_secs = u32(NC_POL_ATTR_DRAIN_SECS);
	s.policy.handback_idle = u32(NC_POL_ATTR_HANDBACK_IDLE);
	s.policy.handback_rate = u32(NC_POL_ATTR_HANDBACK_RATE);
	if (pol[NC_POL_ATTR_SUBNETS]) {
		nlattr *a;
		int rem;
		nla_for_each_nested(a, pol[NC_POL_ATTR_SUBNETS], rem) {
			ParsedAddr p = parse_nc_addr(a);
			s.policy.subnets.push_back(Network{p.addr, p.plen});
		}
	}
	s.stats.lookups = get_u64(st[NC_STATS_ATTR_LOOKUPS]);
	s.stats.hits = get_u64(st[NC_STATS_ATTR_HITS]);
	s.stats.new_classes = get_u64(st[NC_STATS_ATTR_NEW]);
	s.stats.expired = get_u64(st[NC_STATS_ATTR_EXPIRED]);
	s.stats.repicked = get_u64(st[NC_STATS_ATTR_REPICKED]);
	s.stats.overflow = get_u64(st[NC_STATS_ATTR_OVERFLOW]);
	s.stats.entries = get_u64(st[NC_STATS_ATTR_ENTRIES]);
	s.stats.noserver = get_u64(st[NC_STATS_ATTR_NOSERVER]);
	s.stats.spilled = get_u64(st[NC_STATS_ATTR_SPILLED]);
	s.stats.handed_back = get_u64(st[NC_STATS_ATTR_HANDED_BACK]);
	s.stats.pinned = get_u64(st[NC_STATS_ATTR_PINNED]);
	s.stats.pins = get_u64(st[NC_STATS_ATTR_PINS]);
	if (top[NC_ATTR_DRAINING]) {
		nlattr *a;
		int rem;
		nla_for_each_nested(a, top[NC_ATTR_DRAINING], rem) {
			Attrs<NC_DRAIN_SRV_ATTR_MAX> d(a);
			ParsedAddr p = parse_nc_addr(d[NC_DRAIN_SRV_ATTR_DEST]);
			NcDraining dr;
			dr.server = Endpoint{p.addr, p.port};
			dr.since_ms = get_u64(d[NC_DRAIN_SRV_ATTR_SINCE_MS]);
			if (d[NC_DRAIN_SRV_ATTR_LEFT_MS])
				dr.left_ms = get_u64(d[NC_DRAIN_SRV_ATTR_LEFT_MS]);
			s.draining.push_back(dr);
		}
	}
	return s;
}

std::vector<NcPin> parse_nc_pins(nlmsghdr *nlh)
{
	Attrs<NC_ATTR_MAX> top(nlh);
	std::vector<NcPin> out;
	if (!top[NC_ATTR_PINS])
		return out;
	nlattr *a;
	int rem;
	nla_for_each_nested(a, top[NC_ATTR_PINS], rem) {
		Attrs<NC_PIN_ATTR_MAX> p(a);
		ParsedAddr net = parse_nc_addr(p[NC_PIN_ATTR_NET]);
		ParsedAddr srv = parse_nc_addr(p[NC_PIN_ATTR_DEST]);
		NcPin pin;
		pin.net = Network{net.addr, net.plen};
		pin.server = Endpoint{srv.addr, srv.port};
		pin.conns = get_u64(p[NC_PIN_ATTR_CONNS]);
		pin.state = p[NC_PIN_ATTR_STATE] ? nla_get_u8(p[NC_PIN_ATTR_STATE]) : 0;
		out.push_back(pin);
	}
	return out;
}

NcMove parse_nc_move(nlmsghdr *nlh)
{
	Attrs<NC_ATTR_MAX> top(nlh);
	NcMove mv;
	ParsedAddr cls = parse_nc_addr(top[NC_ATTR_CLASS]);
	mv.cls = Network{cls.addr, cls.plen};
	if (top[NC_ATTR_DEST]) {
		ParsedAddr was = parse_nc_addr(top[NC_ATTR_DEST]);
		mv.was = Endpoint{was.addr, was.port};
	}
	return mv;
}

NcEntry parse_nc_entry(nlmsghdr *nlh)
{
	Attrs<NC_ATTR_MAX> top(nlh);
	Attrs<NC_ENTRY_ATTR_MAX> e(top[NC_ATTR_ENTRY]);
	NcEntry en;
	ParsedAddr cls = parse_nc_addr(e[NC_ENTRY_ATTR_CLASS]);
	ParsedAddr srv = parse_nc_addr(e[NC_ENTRY_ATTR_DEST]);
	en.cls = Network{cls.addr, cls.plen};
	en.server = Endpoint{srv.addr, srv.port};
	en.age_ms = get_u64(e[NC_ENTRY_ATTR_AGE_MS]);
	en.idle_ms = get_u64(e[NC_ENTRY_ATTR_IDLE_MS]);
	en.left_ms = get_u64(e[NC_ENTRY_ATTR_LEFT_MS]);
	en.conns = get_u64(e[NC_ENTRY_ATTR_CONNS]);
	return en;
}

} // namespace ncadm
