// SPDX-License-Identifier: GPL-2.0
//
// One ncadm command line, parsed and checked (cli.cpp makes it; the
// handlers in commands.cpp and restore.cpp carry it out).
#pragma once

#include "model.hpp"
#include "output.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ncadm {

enum class Command { AddService, EditService, DelService, Clear, AddServer, EditServer, DelServer, List,
		     Save, Restore, Zero, SetTimeouts, StartDaemon, StopDaemon, NcTable, NcFlush, NcSummary,
		     NcMetrics, NcTop, NcPin, NcUnpin, NcMove, NcSaveTable, NcEntry,
		     Help, Version }; // Help, Version: -h, -V (no row in the command table)

struct Options {
	Command cmd = Command::List;
	std::optional<ServiceId> service;
	ServiceConf conf;
	bool sched_given = false;
	std::optional<DestConf> dest;
	NcPolicyChange nc;
	bool nc_listing = false;
	unsigned list_format = 0; // ListFormat bits
	bool list_connections = false, list_timeouts = false, list_daemons = false;
	SyncDaemon daemon;
	std::array<uint32_t, 3> timeouts{};
	std::optional<ClassArg> cls; // --class: an address, or a network (pins)
	std::optional<Endpoint> server;
	Format format = Format::Text;
	size_t top_n = 10;		  // --nc-summary --top
	uint32_t interval_s = 1;	  // --nc-summary --interval
	std::string textfile;		  // --nc-metrics --textfile
	std::optional<uint64_t> expires;  // --nc-entry --expires (seconds since 1970)
};

} // namespace ncadm
