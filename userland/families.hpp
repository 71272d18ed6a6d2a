// SPDX-License-Identifier: GPL-2.0
//
// The two generic netlink families ncadm speaks: the kernel's "IPVS"
// (services and real servers) and ip_vs_nc's "IPVS_NC" (nc policy, sticky
// table, counters).
#pragma once

#include "model.hpp"
#include "netlink.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ncadm {

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
	// Scheduler, engine and flags of a service, or nothing if it does not exist.
	std::optional<ServiceConf> conf_of(const ServiceId &id);

private:
	void dest_cmd(uint8_t cmd, const ServiceId &id, const DestConf &d, bool full);
	GenlSocket sock_;
};

class Nc {
public:
	Nc();
	// A service's policy, counters, drains and pins; or every service's.
	NcService get(const ServiceId &id);
	std::vector<NcService> list();
	void set_policy(const ServiceId &id, const NcPolicyChange &c);
	// The persistence engine's policy of a service (--pe nc): the class
	// part of an nc policy, the module's defaults if none was set.
	NcPolicy engine_policy(const ServiceId &id);
	void set_engine_policy(const ServiceId &id, const NcPolicyChange &c);
	// Forgets the engine policy of @id, or all of the namespace's.
	uint32_t forget_engine(const std::optional<ServiceId> &id);
	std::vector<NcEntry> table(const ServiceId &id);
	// Removes all entries, the class of @cls, or the entries of @server.
	uint32_t flush(const ServiceId &id, const std::optional<Address> &cls,
		       const std::optional<Endpoint> &server);
	// Pins: @net is a network, or (plen unset) the class of an address.
	std::vector<NcPin> pins(const ServiceId &id);
	void pin(const ServiceId &id, const ClassArg &net, const Endpoint &server);
	// Removes the pin of @net, or every pin of @id; returns how many.
	uint32_t unpin(const ServiceId &id, const std::optional<ClassArg> &net);
	NcMove move(const ServiceId &id, const Address &cls, const Endpoint &server);
	// A saved entry back in the table: its class, server and time left.
	void restore_entry(const ServiceId &id, const NcEntry &e);

private:
	GenlSocket sock_;
};

} // namespace ncadm
