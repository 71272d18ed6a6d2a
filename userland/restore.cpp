// SPDX-License-Identifier: GPL-2.0
#include "restore.hpp"

#include "commands.hpp"
#include "snapshot.hpp"

#include <sstream>

namespace ncadm {

namespace {

// Each command line of @in with its line number; a bad one names its line.
std::vector<std::pair<int, Options>> read_lines(std::istream &in, const LineParser &parse)
{
	std::vector<std::pair<int, Options>> commands;
	std::string line;
	for (int n = 1; std::getline(in, line); n++) {
		std::istringstream words(line);
		std::vector<std::string> args;
		for (std::string w; words >> w;)
			args.push_back(w);
		if (args.empty() || args[0][0] == '#')
			continue;
		try {
			commands.emplace_back(n, parse(args));
		} catch (const UsageError &e) {
			throw UsageError("restore line " + std::to_string(n) + ": " + e.what());
		}
	}
	return commands;
}

} // namespace

int restore(std::istream &in, const LineParser &parse, const Runner &run)
{
	const std::vector<std::pair<int, Options>> commands = read_lines(in, parse);
	if (commands.empty())
		return 0;
	IpvsSnapshot before;
	with_context("reading the current rules", [&] { before = take_snapshot(); });
	for (size_t i = 0; i < commands.size(); i++) {
		try {
			run(commands[i].second);
		} catch (const std::exception &e) {
			const auto *k = dynamic_cast<const KernelError *>(&e);
			const int err = k ? k->error : EINVAL;
			const std::string what = "restore line " + std::to_string(commands[i].first) + ": " + e.what();
			if (i == 0)
				throw KernelError(err, what);
			try {
				with_context("", [&] { put_back(before); });
			} catch (const std::exception &r) {
				throw KernelError(err, what + "; undoing the lines before it failed too: " + r.what());
			}
			throw KernelError(err, what + " (the lines before it were undone)");
		}
	}
	return 0;
}

} // namespace ncadm
