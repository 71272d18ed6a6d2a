// SPDX-License-Identifier: GPL-2.0
// Unit tests of ncadm's command line (userland/cli.cpp): the command
// table and what the parser makes of whole command lines.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "parse.hpp"

extern "C" {
#include "ip_vs_nc.h"
}

using namespace ncadm;

namespace {

std::string error_of(const std::vector<std::string> &args)
{
	try {
		parse_command_line(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(Cli, EveryCommandHasOneRowWithAHandlerAndUsage)
{
	std::set<std::string> names;
	std::set<char> letters;
	std::string usage = usage_text();
	for (const auto &c : command_table()) {
		EXPECT_TRUE(names.insert(c.name).second) << c.name;
		if (c.letter) {
			EXPECT_TRUE(letters.insert(c.letter).second) << c.letter;
		}
		EXPECT_NE(c.handler, nullptr) << c.name;
		// Each command shows in -h, by its letter or its long name.
		std::string shown = c.letter ? std::string("-") + c.letter : std::string("--") + c.name;
		EXPECT_NE(usage.find(shown), std::string::npos) << shown;
	}
}

std::string file(const std::string &path)
{
	std::ifstream in(path);
	EXPECT_TRUE(in) << path;
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The completion and the man page offer every long option ncadm takes.
TEST(Cli, CompletionAndManPageKnowEveryLongOption)
{
	const std::string completion = file(PACKAGING_DIR "/ncadm.bash-completion");
	const std::string man = file(PACKAGING_DIR "/ncadm.8");
	for (const std::string &name : long_options()) {
		const std::regex word("(^|[\\s|(\"])" + name + "([\\s|)\"]|$)");
		EXPECT_TRUE(std::regex_search(completion, word)) << name << " missing from the completion";
		std::string roff; // "--nc-key" is written \-\-nc\-key in roff
		for (char ch : name)
			roff += ch == '-' ? std::string("\\-") : std::string(1, ch);
		EXPECT_NE(man.find(roff), std::string::npos) << name << " (" << roff << ") missing from ncadm.8";
	}
}

TEST(Cli, AddServiceWithNcOptions)
{
	Options o = parse_command_line({"-A", "-t", "192.0.2.1:80", "--sticky", "5", "--nc-key", "/20"});
	EXPECT_EQ(o.cmd, Command::AddService);
	ASSERT_TRUE(o.service);
	EXPECT_EQ(o.service->str(), "TCP 192.0.2.1:80");
	EXPECT_EQ(o.conf.sched, NC_SCHED_NAME); // nc options imply -s nc
	EXPECT_EQ(*o.nc.sticky, 300u);
	EXPECT_EQ(*o.nc.key->plen4, 20);
}

TEST(Cli, EnginePolicyOnAStockScheduler)
{
	Options o = parse_command_line({"-A", "-t", "192.0.2.1:80", "-s", "wlc", "-p", "600", "--pe", "nc",
					"--nc-key", "classful"});
	EXPECT_EQ(o.conf.sched, "wlc");
	EXPECT_EQ(o.conf.pe, NC_PE_NAME);
	EXPECT_EQ(o.conf.timeout, 600u);
	EXPECT_EQ(error_of({"-A", "-t", "192.0.2.1:80", "-s", "wlc", "-p", "--pe", "nc", "--sticky", "5"}),
		  "--sticky, --nc-pick, --nc-drain, --nc-max-entries, --nc-bound and --nc-handback need -s nc; with -s wlc --pe nc takes "
		  "--nc-key and --nc-subnet");
}

TEST(Cli, ListVariants)
{
	Options o = parse_command_line({"-L", "--nc", "192.0.2.1:80", "-o", "json"});
	EXPECT_EQ(o.cmd, Command::List);
	EXPECT_TRUE(o.nc_listing);
	EXPECT_EQ(o.format, Format::Json);
	EXPECT_EQ(o.service->str(), "TCP 192.0.2.1:80");
	o = parse_command_line({"-l", "-c", "--persistent-conn"});
	EXPECT_TRUE(o.list_connections);
	EXPECT_EQ(error_of({"-L", "--timeout", "--daemon"}),
		  "give at most one of -c, --timeout, --daemon, --nc and a service to -L");
}

TEST(Cli, OptionsGoWithTheirCommands)
{
	EXPECT_EQ(error_of({"-a", "-t", "192.0.2.1:80", "-r", "10.0.0.1", "--sticky", "5"}),
		  "--sticky does not go with --add-server");
	EXPECT_EQ(error_of({"-l", "--weight", "3"}), "--weight does not go with --list"); // -l is --list
	EXPECT_EQ(error_of({"-C", "192.0.2.1:80"}), "unexpected argument '192.0.2.1:80'");
	EXPECT_EQ(error_of({"-C", "-L"}), "more than one command given");
	EXPECT_EQ(error_of({"-n"}), "no command given (see ncadm -h)");
	EXPECT_EQ(error_of({"--nc-table"}), "this command needs a service (-t, -u, --sctp-service or -f)");
	EXPECT_EQ(error_of({"-d", "-t", "192.0.2.1:80"}), "this command needs a real server (-r)");
	EXPECT_EQ(error_of({"--stop-daemon", "master", "--mcast-ttl", "3"}),
		  "--mcast-ttl does not go with --stop-daemon");
}

// -h and -V are commands the parser returns (run() prints them): the
// parser never exits the process.
TEST(Cli, HelpAndVersionAreReturnedNotExited)
{
	EXPECT_EQ(parse_command_line({"-h"}).cmd, Command::Help);
	EXPECT_EQ(parse_command_line({"--version"}).cmd, Command::Version);
	EXPECT_EQ(parse_command_line({"-L", "-h"}).cmd, Command::Help);
}

TEST(Cli, RestoreLinesRefuseWhatCannotBeRestored)
{
	EXPECT_EQ(parse_restore_line({"-A", "-t", "192.0.2.1:80"}).cmd, Command::AddService);
	for (const char *cmd : {"-L", "-l", "-S", "-R"}) {
		try {
			parse_restore_line({cmd});
			ADD_FAILURE() << cmd << " accepted in a restore file";
		} catch (const UsageError &e) {
			EXPECT_STREQ(e.what(), "command not allowed in a restore file") << cmd;
		}
	}
}

TEST(Cli, ServerOptions)
{
	Options o = parse_command_line({"-a", "-t", "192.0.2.1:80", "-r", "10.0.0.1", "-i", "--tun-type", "gue",
					"--tun-port", "6080", "-w", "7"});
	ASSERT_TRUE(o.dest);
	EXPECT_EQ(o.dest->server.port, 80); // the service's port by default
	EXPECT_EQ(o.dest->weight, 7);
	EXPECT_EQ(o.dest->tun_port, 6080);
	EXPECT_EQ(error_of({"-a", "-t", "192.0.2.1:80", "-r", "10.0.0.1", "--tun-type", "gue"}),
		  "tunnel options conflict with the forwarding method (they need -i)");
}

} // namespace
