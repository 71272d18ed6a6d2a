// SPDX-License-Identifier: GPL-2.0
//
// Who is stuck where: a service's classes summarized per real server and
// its heaviest classes, from plain data fetched beforehand (a table dump
// of an -s nc service, or IPVS's templates of a --pe nc one). Nothing
// here talks to the kernel; ncadm --nc-summary and --nc-metrics print it.
#pragma once

#include "ipvs_list.hpp"
#include "model.hpp"

#include <optional>
#include <vector>

namespace ncadm {

// How one real server of a service carries its classes.
struct NcServerLoad {
	Endpoint server;
	int weight = 0;
	uint32_t active = 0, inactive = 0; // IPVS's connection counts
	uint64_t classes = 0;		   // entries (or templates) on it
	uint64_t conns = 0;		   // connections those classes made (see NcClassLoad)
	double class_share = 0;		   // of the service's classes, 0..1
	double weight_share = 0;	   // of the service's weights, 0..1
	std::optional<uint64_t> drain_ms;  // since its weight became 0 (-s nc)
	std::optional<uint64_t> deadline_left_ms; // under the deadline rule
	bool draining() const { return weight == 0; }
};

// One class and how much it brings. @conns: for an -s nc service, the
// connections it was scheduled over the summary's interval (since it was
// first seen when the interval is 0); for --pe nc, the connections its
// template controls now.
struct NcClassLoad {
	Network cls;
	Endpoint server;
	uint64_t conns = 0;
	std::optional<uint64_t> age_ms; // since first seen (-s nc only)
};

struct NcSummary {
	ServiceId id;
	bool engine = false;		// --pe nc: from IPVS's templates
	std::optional<NcService> nc;	// -s nc: its policy and counters
	uint64_t classes = 0;
	uint64_t interval_ms = 0;	// the top classes' window (-s nc)
	std::vector<NcServerLoad> servers; // in the service's order
	std::vector<NcClassLoad> top;	   // heaviest first, at most top_n
};

// One service as fetched for a summary: IPVS's view of it and its
// servers, and for an -s nc service its policy, counters, drains and
// sticky table.
struct NcServiceData {
	ServiceEntry entry;
	std::vector<DestEntry> dests;
	std::optional<NcService> nc;
	std::vector<NcEntry> table;
	bool scheduler() const { return nc.has_value(); }
};

// Everything the summaries of one moment need, fetched before anything
// is computed or printed (commands.cpp fetches it).
struct NcSnapshot {
	std::vector<NcServiceData> services;
	std::vector<Connection> conns; // /proc/net/ip_vs_conn, for --pe nc services
};

// The summaries of @now; with @before (taken @interval_ms earlier) an -s
// nc class weighs its connections since then.
std::vector<NcSummary> summarize_snapshot(const NcSnapshot &now, const NcSnapshot *before, uint64_t interval_ms,
					  size_t top_n);

// Summarize @entries (the table now) over @dests. With @earlier (the
// table @interval_ms before), a class's weight is its connections since
// then; without, since it was first seen. Classes on a server no longer
// in @dests count in the total but on no server.
NcSummary summarize(const ServiceId &id, const std::vector<DestEntry> &dests, const std::vector<NcEntry> &entries,
		    const std::vector<NcEntry> *earlier, uint64_t interval_ms, size_t top_n);

// An -s nc service's policy, counters and drains into its summary.
void attach_service(NcSummary &s, const NcService &nc);

// The --pe nc templates of service @id in @conns (/proc/net/ip_vs_conn),
// as entries: class, server, time left, and in conns the connections of
// the service whose client is in the class and that go to that server.
std::vector<NcEntry> engine_entries(const ServiceId &id, const std::vector<Connection> &conns);

// summarize() of a --pe nc service's templates (no ages, no interval).
NcSummary summarize_engine(const ServiceId &id, const std::vector<DestEntry> &dests,
			   const std::vector<Connection> &conns, size_t top_n);

} // namespace ncadm
