// SPDX-License-Identifier: GPL-2.0
//
// The two generic netlink families ncadm speaks: the kernel's "IPVS"
// (services and real servers) and ip_vs_nc's "IPVS_NC" (nc policy, sticky
// table, counters).
#pragma once

#include "netlink.hpp"
#include "parse.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ncadm {

// How ncadm and IPVS name a virtual service.
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

class Ipvs {
public:
	Ipvs();
	IpvsInfo info();
	std::vector<ServiceEntry> services();
	ServiceEntry service(const ServiceId &id);
	std::vector<DestEntry> dests(const ServiceId &id);
	// Zeroes the counters of one service, or of all.
	void zero(const std::optional<ServiceId> &id);
	// Connection timeouts in seconds: tcp, tcpfin, udp (0 leaves one as is).
	std::array<uint32_t, 3> timeouts();
	void set_timeouts(const std::array<uint32_t, 3> &t);
	void add_service(const ServiceId &id, const ServiceConf &c);
	void edit_service(const ServiceId &id, const ServiceConf &c);
	void delete_service(const ServiceId &id);
	void flush();
	void add_dest(const ServiceId &id, const DestConf &d);
	void edit_dest(const ServiceId &id, const DestConf &d);
	void delete_dest(const ServiceId &id, const Endpoint &server);
	std::vector<SyncDaemon> daemons();
	void start_daemon(const SyncDaemon &d);
	void stop_daemon(uint32_t state);
	// The scheduler of a service, or nothing if it does not exist.
	std::optional<std::string> scheduler_of(const ServiceId &id);

private:
	void put_service(Message &m, const ServiceId &id, const ServiceConf *c);
	void dest_cmd(uint8_t cmd, const ServiceId &id, const DestConf &d, bool full);
	GenlSocket sock_;
};

struct NcPolicy {
	uint8_t key = 0, plen4 = 0, plen6 = 0, pick = 0, drain = 0;
	uint32_t sticky = 0, max_entries = 0;
	std::vector<Network> subnets;
};

// What to change; unset fields keep the kernel's value.
struct NcPolicyChange {
	std::optional<KeySpec> key;
	std::optional<uint32_t> sticky;
	std::optional<uint8_t> pick, drain;
	std::optional<uint32_t> max_entries;
	std::optional<std::vector<Network>> subnets;
	bool empty() const { return !key && !sticky && !pick && !drain && !max_entries && !subnets; }
};

struct NcStats {
	uint64_t lookups = 0, hits = 0, new_classes = 0, expired = 0, repicked = 0,
		 overflow = 0, entries = 0, noserver = 0;
};

struct NcService {
	ServiceId id;
	NcPolicy policy;
	NcStats stats;
};

struct NcEntry {
	Network cls;
	Endpoint server;
	uint64_t age_ms = 0, idle_ms = 0, left_ms = 0, conns = 0;
};

class Nc {
public:
	Nc();
	NcService get(const ServiceId &id);
	std::vector<NcService> list();
	void set_policy(const ServiceId &id, const NcPolicyChange &c);
	std::vector<NcEntry> table(const ServiceId &id);
	// Removes all entries, the class of @cls, or the entries of @server.
	uint32_t flush(const ServiceId &id, const std::optional<Address> &cls,
		       const std::optional<Endpoint> &server);

private:
	GenlSocket sock_;
};

} // namespace ncadm
