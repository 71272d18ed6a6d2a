// SPDX-License-Identifier: GPL-2.0
//
// ipvsadm's listings (-L and its variants) and rules (-S), produced from
// the kernel state byte for byte as ipvsadm 1.31 prints them, so scripts
// that parse ipvsadm's output can run on ncadm's.
#pragma once

#include "families.hpp"

#include <map>
#include <optional>
#include <ostream>

namespace ncadm {

// ipvsadm's format bits.
enum ListFormat : unsigned {
	LIST_NUMERIC = 0x1,
	LIST_RULE = 0x2,
	LIST_STATS = 0x4,
	LIST_RATE = 0x8,
	LIST_THRESHOLDS = 0x10,
	LIST_PERSISTENTCONN = 0x20,
	LIST_NOSORT = 0x40,
	LIST_EXACT = 0x80,
	LIST_TUN_INFO = 0x100,
};

// What -S writes for an nc service beyond ipvsadm's lines: the options of
// its -A line, and its pins (--nc-pin lines after its -a lines).
struct NcRules {
	std::string options;
	std::vector<NcPin> pins;
};

// Lists every service (with the version header), or just @one. In rules
// (-S), @nc_rules holds the nc services' rules, by ServiceId::str().
void list_ipvs(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one, unsigned format,
	       const std::map<std::string, NcRules> &nc_rules = {});

// One line of /proc/net/ip_vs_conn.
struct Connection {
	std::string proto, state, pe_name, pe_data; // "TCP", "ESTABLISHED"
	uint16_t protocol = 0; // IPPROTO_*
	Endpoint client, virt, dest;
	int expires = 0; // seconds
};

// The connection table, from /proc/net/ip_vs_conn as ipvsadm -Lc reads it.
std::vector<Connection> read_connections();
// ipvsadm -Lc.
void list_connections(std::ostream &out, const std::vector<Connection> &conns, unsigned format);
// ipvsadm -L --daemon.
void list_daemons(std::ostream &out, const std::vector<SyncDaemon> &daemons);

// ncadm --nc-save-table: an --nc-entry line for each of @entries, with its
// expiry as wall-clock seconds (@now_epoch plus its time left, rounded
// up), for ncadm -R to restore after a module reload or a reboot.
void print_saved_entries(std::ostream &out, const ServiceId &id, const std::vector<NcEntry> &entries,
			 uint64_t now_epoch);

// "--sticky 30m --nc-key octet,/48 ..." for a saved rule.
std::string nc_rule_options(const NcPolicy &p);
// The same for a --pe nc service with another scheduler: the class part.
std::string nc_engine_options(const NcPolicy &p);

} // namespace ncadm
