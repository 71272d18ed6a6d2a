// SPDX-License-Identifier: GPL-2.0
//
// ncadm's listings, as text for people or as JSON for scripts. The JSON
// shapes are documented in docs/ncadm.md and only ever gain fields.
#pragma once

#include "families.hpp"
#include "insight.hpp"
#include "ipvs_list.hpp"
#include "print.hpp"

#include <array>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ncadm {

// Each listing is described once (print.hpp) and printed as text or JSON.
// nc services (-s nc) and the engine policies of --pe nc services.
void print_nc_services(std::ostream &out, const std::vector<NcService> &services,
		       const std::vector<NcService> &engines, Format f);
// --nc-table: the pins first (they are consulted first), then the entries.
void print_nc_table(std::ostream &out, const ServiceId &id, const std::vector<NcPin> &pins,
		    const std::vector<NcEntry> &entries, Format f);
void print_unpinned(std::ostream &out, const ServiceId &id, uint32_t n, Format f);
// --nc-move: the class, the server it had (null: no entry), the one it has.
void print_moved(std::ostream &out, const ServiceId &id, const NcMove &mv, const Endpoint &to, Format f);
// --nc-summary: per service, its servers' classes against their weights
// and its heaviest classes.
void print_nc_summaries(std::ostream &out, const std::vector<NcSummary> &summaries, Format f);
void print_flushed(std::ostream &out, const ServiceId &id, uint32_t n, Format f);
// -L -c and -L --daemon with -o json (their text is ipvsadm's, in
// ipvs_list.cpp); -L --timeout in both forms.
void print_connections_json(std::ostream &out, const std::vector<Connection> &conns);
void print_timeouts(std::ostream &out, const std::array<uint32_t, 3> &t, Format f);
// ipvsadm -L as JSON: every service (or @one) with its servers and
// counters (the text, byte for byte ipvsadm's, is list_ipvs).
void print_ipvs_json(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one);
void print_daemons_json(std::ostream &out, const std::vector<SyncDaemon> &daemons);

} // namespace ncadm
