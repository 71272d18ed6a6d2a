// SPDX-License-Identifier: GPL-2.0
//
// ncadm -R: ipvsadm-save lines, all parsed before the first is applied,
// and what the applied ones did undone if the kernel refuses one.
#pragma once

#include "options.hpp"

#include <functional>
#include <istream>
#include <string>
#include <vector>

namespace ncadm {

using LineParser = std::function<Options(const std::vector<std::string> &args)>;
using Runner = std::function<int(const Options &)>;

// Read @in to the end; @parse checks one line's words, @run applies one.
int restore(std::istream &in, const LineParser &parse, const Runner &run);

} // namespace ncadm
