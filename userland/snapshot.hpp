// SPDX-License-Identifier: GPL-2.0
//
// The kernel state a restore file can change, so that ncadm -R can put it
// back when a line fails in the kernel (a bad file is refused before any
// line runs; this covers what only the kernel can refuse: a service that
// already exists, a real server that does not, a missing module).
#pragma once

#include "families.hpp"

#include <array>
#include <optional>
#include <vector>

namespace ncadm {

struct IpvsSnapshot {
	struct Service {
		ServiceEntry entry;
		std::vector<DestEntry> dests;
		std::optional<NcPolicy> nc; // for services scheduled by nc
		std::vector<NcPin> pins;	 // theirs
		std::optional<NcPolicy> engine; // for services with --pe nc
	};
	std::vector<Service> services;
	std::array<uint32_t, 3> timeouts{};
	std::vector<SyncDaemon> daemons;
};

IpvsSnapshot take_snapshot();

bool same_policy(const NcPolicy &a, const NcPolicy &b);

// Makes the kernel's services, real servers, nc policies and pins, timeouts and
// sync daemons equal to @s again, touching only what differs: a service
// no line changed keeps its sticky table and counters. What cannot come
// back: counters zeroed by -Z, and the table of a service that was
// deleted or left nc.
void put_back(const IpvsSnapshot &s);

} // namespace ncadm
