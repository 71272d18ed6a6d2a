// SPDX-License-Identifier: GPL-2.0
#include "snapshot.hpp"

#include "ip_vs_nc.h"

#include <linux/ip_vs.h>

#include <algorithm>

namespace ncadm {

namespace {

bool same_service(const ServiceId &a, const ServiceId &b)
{
	return a.af == b.af && a.protocol == b.protocol && a.addr == b.addr && a.port == b.port && a.fwmark == b.fwmark;
}

bool same_conf(const ServiceConf &a, const ServiceConf &b)
{
	return a.sched == b.sched && a.flags == b.flags && a.timeout == b.timeout && a.netmask == b.netmask &&
	       a.pe == b.pe;
}

bool same_server(const Endpoint &a, const Endpoint &b)
{
	return a.addr == b.addr && a.port == b.port;
}

DestConf conf_of(const DestEntry &d)
{
	DestConf c;
	c.server = d.server;
	c.fwd = d.conn_flags & IP_VS_CONN_F_FWD_MASK;
	c.weight = d.weight;
	c.u_thresh = d.u_thresh;
	c.l_thresh = d.l_thresh;
	c.tun_type = d.tun_type;
	c.tun_port = d.tun_port;
	c.tun_flags = d.tun_flags;
	return c;
}

bool same_dest_conf(const DestEntry &a, const DestEntry &b)
{
	return (a.conn_flags & IP_VS_CONN_F_FWD_MASK) == (b.conn_flags & IP_VS_CONN_F_FWD_MASK) &&
	       a.weight == b.weight && a.u_thresh == b.u_thresh && a.l_thresh == b.l_thresh &&
	       a.tun_type == b.tun_type && a.tun_port == b.tun_port && a.tun_flags == b.tun_flags;
}

} // namespace

bool same_policy(const NcPolicy &a, const NcPolicy &b)
{
	if (a.key != b.key || a.plen4 != b.plen4 || a.plen6 != b.plen6 || a.pick != b.pick || a.drain != b.drain ||
	    a.drain_secs != b.drain_secs || a.handback_idle != b.handback_idle ||
	    a.handback_rate != b.handback_rate || a.sticky != b.sticky || a.max_entries != b.max_entries || a.bound != b.bound ||
	    a.subnets.size() != b.subnets.size())
		return false;
	for (size_t i = 0; i < a.subnets.size(); i++)
		if (!(a.subnets[i].addr == b.subnets[i].addr) || a.subnets[i].plen != b.subnets[i].plen)
			return false;
	return true;
}

namespace {

NcPolicyChange change_to(const NcPolicy &p)
{
	NcPolicyChange c;
	c.key = KeySpec{p.key, p.plen4, p.plen6};
	c.sticky = p.sticky;
	c.pick = p.pick;
	c.drain = DrainSpec{p.drain, p.drain_secs};
	c.handback = HandbackSpec{p.handback_idle, p.handback_rate};
	c.max_entries = p.max_entries;
	c.bound = p.bound;
	c.subnets = p.subnets;
	return c;
}

bool same_daemon(const SyncDaemon &a, const SyncDaemon &b)
{
	return a.state == b.state && a.mcast_ifn == b.mcast_ifn && a.syncid == b.syncid &&
	       a.sync_maxlen == b.sync_maxlen && a.mcast_port == b.mcast_port && a.mcast_ttl == b.mcast_ttl &&
	       a.mcast_group.has_value() == b.mcast_group.has_value() &&
	       (!a.mcast_group || *a.mcast_group == *b.mcast_group);
}

void put_back_dests(Ipvs &ipvs, const ServiceId &id, const std::vector<DestEntry> &want)
{
	const std::vector<DestEntry> now = ipvs.dests(id);
	for (const auto &d : now)
		if (std::none_of(want.begin(), want.end(), [&](const DestEntry &w) { return same_server(w.server, d.server); }))
			ipvs.delete_dest(id, d.server);
	for (const auto &w : want) {
		auto it = std::find_if(now.begin(), now.end(), [&](const DestEntry &d) { return same_server(w.server, d.server); });
		if (it == now.end())
			ipvs.add_dest(id, conf_of(w));
		else if (!same_dest_conf(*it, w))
			ipvs.edit_dest(id, conf_of(w));
	}
}

// After the servers: a pin needs its server in the service.
void put_back_pins(Nc &nc, const ServiceId &id, const std::vector<NcPin> &want)
{
	auto same_net = [](const NcPin &a, const NcPin &b) { return a.net.addr == b.net.addr && a.net.plen == b.net.plen; };
	const std::vector<NcPin> now = nc.get(id).pins;
	for (const auto &p : now)
		if (std::none_of(want.begin(), want.end(), [&](const NcPin &w) { return same_net(w, p); }))
			nc.unpin(id, ClassArg{p.net.addr, p.net.plen});
	for (const auto &w : want)
		if (std::none_of(now.begin(), now.end(), [&](const NcPin &p) { return same_net(w, p) && same_server(w.server, p.server); }))
			nc.pin(id, ClassArg{w.net.addr, w.net.plen}, w.server);
}

} // namespace

IpvsSnapshot take_snapshot()
{
	Ipvs ipvs;
	IpvsSnapshot s;
	std::optional<Nc> nc;
	for (auto &e : ipvs.services()) {
		IpvsSnapshot::Service svc{e, ipvs.dests(e.id), std::nullopt, {}, std::nullopt};
		if (e.conf.sched == NC_SCHED_NAME || e.conf.pe == NC_PE_NAME) {
			if (!nc)
				nc.emplace();
			if (e.conf.sched == NC_SCHED_NAME) {
				NcService now = nc->get(e.id);
				svc.nc = now.policy;
				svc.pins = now.pins;
			}
			if (e.conf.pe == NC_PE_NAME)
				svc.engine = nc->engine_policy(e.id);
		}
		s.services.push_back(std::move(svc));
	}
	s.timeouts = ipvs.timeouts();
	s.daemons = ipvs.daemons();
	return s;
}

void put_back(const IpvsSnapshot &s)
{
	Ipvs ipvs;
	std::optional<Nc> nc;
	auto nc_family = [&]() -> Nc & {
		if (!nc)
			nc.emplace();
		return *nc;
	};
	const std::vector<ServiceEntry> now = ipvs.services();
	for (const auto &e : now)
		if (std::none_of(s.services.begin(), s.services.end(),
				 [&](const IpvsSnapshot::Service &w) { return same_service(w.entry.id, e.id); })) {
			ipvs.delete_service(e.id);
			if (e.conf.pe == NC_PE_NAME)
				nc_family().forget_engine(e.id);
		}
	for (const auto &w : s.services) {
		const ServiceId &id = w.entry.id;
		auto it = std::find_if(now.begin(), now.end(), [&](const ServiceEntry &e) { return same_service(e.id, id); });
		if (it == now.end())
			ipvs.add_service(id, w.entry.conf);
		else if (!same_conf(it->conf, w.entry.conf))
			ipvs.edit_service(id, w.entry.conf);
		if (w.nc && !same_policy(nc_family().get(id).policy, *w.nc))
			nc_family().set_policy(id, change_to(*w.nc));
		if (w.engine && !same_policy(nc_family().engine_policy(id), *w.engine))
			nc_family().set_engine_policy(id, change_to(*w.engine).class_part());
		put_back_dests(ipvs, id, w.dests);
		if (w.nc)
			put_back_pins(nc_family(), id, w.pins);
	}
	if (ipvs.timeouts() != s.timeouts)
		ipvs.set_timeouts(s.timeouts);
	const std::vector<SyncDaemon> daemons = ipvs.daemons();
	for (const auto &d : daemons)
		if (std::none_of(s.daemons.begin(), s.daemons.end(), [&](const SyncDaemon &w) { return same_daemon(w, d); }))
			ipvs.stop_daemon(d.state);
	for (const auto &w : s.daemons)
		if (std::none_of(daemons.begin(), daemons.end(), [&](const SyncDaemon &d) { return same_daemon(w, d); }))
			ipvs.start_daemon(w);
}

} // namespace ncadm
