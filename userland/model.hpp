// SPDX-License-Identifier: GPL-2.0
//
// What ncadm manipulates, independent of how it travels: services, real
// servers, sync daemons, the nc policy, counters and sticky entries.
#pragma once

#include "parse.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ncadm {

// How ncadm and IPVS name a virtual service.
// The one table of forwarding methods ("Masq", "Local", "Tunnel",
// "Route"), as ipvsadm prints them; JSON writes them in lower case.
// (Protocol names are parse.hpp's.)
std::string_view forward_name(uint32_t conn_flags);

struct ServiceId {
	int af = 0;
	uint16_t protocol = 0; // IPPROTO_*; 0 with a fwmark
	Address addr;
	uint16_t port = 0;
	uint32_t fwmark = 0;
	std::string str() const; // "TCP 192.0.2.1:80", "FWM 7"
};

struct ServiceConf {
	std::string sched = "wlc";
	uint32_t flags = 0;
	uint32_t timeout = 0; // seconds, with IP_VS_SVC_F_PERSISTENT
	uint32_t netmask = 0; // IPv4: network-order mask; IPv6: prefix length
	std::string pe;
};

struct DestConf {
	Endpoint server;
	uint32_t fwd = 0; // IP_VS_CONN_F_MASQ / TUNNEL / DROUTE
	int weight = 1;
	uint32_t u_thresh = 0, l_thresh = 0;
	uint8_t tun_type = 0; // IP_VS_CONN_F_TUNNEL_TYPE_*, with -i
	uint16_t tun_port = 0, tun_flags = 0;
};

struct IpvsStats {
	uint64_t conns = 0, inpkts = 0, outpkts = 0, inbytes = 0, outbytes = 0;
	uint64_t cps = 0, inpps = 0, outpps = 0, inbps = 0, outbps = 0;
};

struct ServiceEntry {
	ServiceId id;
	ServiceConf conf;
	IpvsStats stats;
};

struct DestEntry {
	Endpoint server;
	uint32_t conn_flags = 0;
	int weight = 0;
	uint32_t u_thresh = 0, l_thresh = 0, active = 0, inactive = 0, persistent = 0;
	uint8_t tun_type = 0;
	uint16_t tun_port = 0, tun_flags = 0;
	IpvsStats stats;
};

// One connection sync daemon (ipvsadm --start-daemon).
struct SyncDaemon {
	uint32_t state = 0; // IP_VS_STATE_MASTER or IP_VS_STATE_BACKUP
	std::string mcast_ifn;
	uint32_t syncid = 0;
	uint16_t sync_maxlen = 0, mcast_port = 0; // 0: the kernel's default
	uint8_t mcast_ttl = 0;
	std::optional<Address> mcast_group;
};

struct IpvsInfo {
	uint32_t version = 0, conn_tab_size = 0;
};

struct NcPolicy {
	uint8_t key = 0, plen4 = 0, plen6 = 0, pick = 0, drain = 0;
	uint32_t sticky = 0, max_entries = 0;
	uint32_t bound = 0; // percent, 0: no load bound
	uint32_t drain_secs = 0; // the deadline rule's time
	uint32_t handback_idle = 0, handback_rate = 0; // 0: no hand-back
	std::vector<Network> subnets;
};

// What to change; unset fields keep the kernel's value.
struct NcPolicyChange {
	std::optional<KeySpec> key;
	std::optional<uint32_t> sticky;
	std::optional<uint8_t> pick;
	std::optional<DrainSpec> drain;
	std::optional<HandbackSpec> handback;
	std::optional<uint32_t> max_entries, bound;
	std::optional<std::vector<Network>> subnets;
	bool empty() const
	{
		return !key && !sticky && !pick && !drain && !max_entries && !bound && !handback && !subnets;
	}
	// Options only the scheduler has; the engine takes the class part.
	bool scheduler_only() const { return sticky || pick || drain || max_entries || bound || handback; }
	NcPolicyChange class_part() const
	{
		NcPolicyChange c;
		c.key = key;
		c.subnets = subnets;
		return c;
	}
};

struct NcStats {
	uint64_t lookups = 0, hits = 0, new_classes = 0, expired = 0, repicked = 0,
		 overflow = 0, entries = 0, noserver = 0;
	uint64_t spilled = 0; // new classes the load bound sent past their hash owner
	uint64_t handed_back = 0; // idle classes moved back to their hash owner
	uint64_t pinned = 0; // connections sent by a pin
	uint64_t pins = 0; // pins now
};

// An operator's pin: every client of a network to one real server.
struct NcPin {
	Network net;
	Endpoint server;
	uint64_t conns = 0;
	uint8_t state = 0; // enum nc_pin_state
};

// A class moved by the operator, and the server it had (if it had an entry).
struct NcMove {
	Network cls;
	std::optional<Endpoint> was;
};

// A server of weight 0 of an -s nc service.
struct NcDraining {
	Endpoint server;
	uint64_t since_ms = 0;		  // since its weight became 0
	std::optional<uint64_t> left_ms;  // to the deadline (deadline rule only)
};

struct NcService {
	ServiceId id;
	NcPolicy policy;
	NcStats stats;
	std::vector<NcDraining> draining;
	std::vector<NcPin> pins; // longest network first
};

struct NcEntry {
	Network cls;
	Endpoint server;
	uint64_t age_ms = 0, idle_ms = 0, left_ms = 0, conns = 0;
};

} // namespace ncadm
