// SPDX-License-Identifier: GPL-2.0
//
// ncadm --nc-top: the summaries redrawn every interval in the terminal,
// like top: per service its servers with classes, connections and a bar
// of their share of the classes against their share of the weights, the
// heaviest classes of the last interval, and the counters' rates. The
// screen is built from plain data (render_live, unit-tested); the loop
// owns the terminal and gives it back as it found it.
#pragma once

#include "insight.hpp"

#include <functional>
#include <string>
#include <vector>

namespace ncadm {

// One screen, @width x @height characters at most; @before (the previous
// refresh, @secs earlier) gives the counters' rates.
std::string render_live(const std::vector<NcSummary> &now, const std::vector<NcSummary> *before, double secs,
			unsigned width, unsigned height);

// Redraw every @interval_s seconds from @fetch(before, secs) until 'q' (or
// end of input) on the terminal; refuses, before any change, when standard
// input or output is not a terminal.
void run_live(const std::function<std::vector<NcSummary>(double secs)> &fetch, unsigned interval_s);

} // namespace ncadm
