// SPDX-License-Identifier: GPL-2.0
//
// ncadm's command line: one table of commands and one of options, from
// which the usage text, the parser's option set, the check of which
// option goes with which command, and the dispatch to a handler are all
// derived (bpftool's commands[] and iproute2's cmds[] are the model).
#pragma once

#include "options.hpp"

#include <string>
#include <vector>

namespace ncadm {

// Options that go together; a command takes some groups, and any option
// of another group is refused with its name and the command's.
enum OptionGroup : unsigned {
	G_SERVICE = 1u << 0,	    // -t -u --sctp-service -f -6
	G_SERVICE_ARG = 1u << 1,    // a bare SERVICE ("-L --nc VIP:80")
	G_SERVICE_CONF = 1u << 2,   // -s -p -M -b --pe --ops
	G_NC = 1u << 3,		    // --sticky --nc-key --nc-subnet --nc-pick ...
	G_SERVER = 1u << 4,	    // -r
	G_SERVER_CONF = 1u << 5,    // -g -i -m -w -x -y --tun-*
	G_DAEMON = 1u << 6,	    // --mcast-* --sync-maxlen
	G_SYNCID = 1u << 7,	    // --syncid
	G_NUMERIC = 1u << 8,	    // -n
	G_LIST = 1u << 9,	    // -c --timeout --daemon --nc --stats --rate ...
	G_OUTPUT = 1u << 10,	    // -o FORMAT, --json
	G_FILTER = 1u << 11,	    // --class --server
	G_INSIGHT = 1u << 12,	    // --top --interval
	G_TEXTFILE = 1u << 13,	    // --textfile
	G_CLASS = 1u << 14,	    // --class
	G_EXPIRES = 1u << 15,	    // --expires
};

enum class Arg { None, Value, Values, DefaultValue };

enum Needs : unsigned { NEEDS_SERVICE = 1u << 0, NEEDS_SERVER = 1u << 1, NEEDS_CLASS = 1u << 2 };

struct CommandSpec {
	Command cmd;
	const char *name;	 // long option: "add-service"
	char letter;		 // short option, or 0
	Arg arg;		 // --set TCP TCPFIN UDP, --start-daemon STATE
	unsigned takes;		 // OptionGroup bits
	unsigned needs;		 // Needs bits
	bool restorable;	 // allowed in an ncadm -R file
	const char *usage;	 // its lines of -h ("" when a neighbour's cover it)
	int (*handler)(const Options &);
};

// The commands, in the order -h lists them.
const std::vector<CommandSpec> &command_table();

// Parse and check a whole command line (without the program name);
// throws UsageError naming the problem. -h and -V give Command::Help and
// Command::Version, which run() prints.
Options parse_command_line(const std::vector<std::string> &args);

// One line of an ncadm -R file: as above, refusing commands that cannot
// be restored.
Options parse_restore_line(const std::vector<std::string> &args);

// Carry out a parsed command through its handler.
int run(const Options &o);

std::string usage_text();

// Every long option a user can type ("--add-service", "--nc-key", ...),
// for the tests that hold the bash completion and the man page to it.
std::vector<std::string> long_options();

} // namespace ncadm
