// SPDX-License-Identifier: GPL-2.0
//
// Prometheus metrics of the nc services, in the text exposition format
// that node_exporter's textfile collector reads. Per service and per real
// server, never per class: a director's series grow with its services
// and servers, not with its clients (node_exporter#750, #1708). Labels
// name services and servers as node_exporter's ipvs collector does, so
// the two join (node_ipvs_backend_weight and ipvs_nc_server_classes).
#pragma once

#include "insight.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace ncadm {

// Every series; @loaded: whether ip_vs_nc is loaded at all (without it
// only ipvs_nc_module_loaded 0 is written).
void print_metrics(std::ostream &out, const std::vector<NcSummary> &services, bool loaded);

// Writes @text to @path atomically (a temporary file in the same
// directory, then rename), so a scraper never reads half a file.
void write_file_atomically(const std::string &path, const std::string &text);

} // namespace ncadm
