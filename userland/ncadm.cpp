// SPDX-License-Identifier: GPL-2.0
//
// ncadm - administer IPVS virtual services that use the natural-class
// scheduler, with ipvsadm's command line plus the nc policy and table.
//
// cli.cpp parses and checks the whole command line from its command
// table before anything is sent to the kernel; the command's handler
// (commands.cpp, restore.cpp) carries it out. Every error ends up here:
// one line on stderr, status 2 for a bad command line, 1 otherwise.
#include "cli.hpp"
#include "netlink.hpp"
#include "parse.hpp"

#include <iostream>

int main(int argc, char **argv)
{
	using namespace ncadm;
	try {
		return run(parse_command_line(std::vector<std::string>(argv + 1, argv + argc)));
	} catch (const UsageError &e) {
		std::cerr << "ncadm: " << e.what() << '\n';
		return 2;
	} catch (const KernelError &e) {
		std::cerr << "ncadm: " << e.what() << '\n';
		return 1;
	} catch (const std::exception &e) {
		std::cerr << "ncadm: " << e.what() << '\n';
		return 1;
	}
}
