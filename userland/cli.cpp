// SPDX-License-Identifier: GPL-2.0
//
// ncadm's command and option tables, and the parser built from them.
// Every argument is parsed and checked here, before anything is sent to
// the kernel; a problem is a UsageError with a one-line message.
#include "cli.hpp"

#include "commands.hpp"
#include "ipvs_list.hpp"
#include "parse.hpp"
#include "restore.hpp"

#include <boost/program_options.hpp>

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <algorithm>
#include <stdexcept>
#include <iostream>

extern "C" {
#include "nc_policy.h"
}

namespace po = boost::program_options;

namespace ncadm {
namespace {

struct OptionSpec {
	const char *name;
	char letter;
	Arg arg;
	OptionGroup group;
};

// Every option but the commands themselves; which command takes which
// group is in the command table.
const OptionSpec option_table[] = {
	{"tcp-service", 't', Arg::Value, G_SERVICE},
	{"udp-service", 'u', Arg::Value, G_SERVICE},
	{"sctp-service", 0, Arg::Value, G_SERVICE},
	{"fwmark-service", 'f', Arg::Value, G_SERVICE},
	{"ipv6", '6', Arg::None, G_SERVICE},
	{"service-arg", 0, Arg::Value, G_SERVICE_ARG},
	{"scheduler", 's', Arg::Value, G_SERVICE_CONF},
	{"persistent", 'p', Arg::DefaultValue, G_SERVICE_CONF},
	{"netmask", 'M', Arg::Value, G_SERVICE_CONF},
	{"sched-flags", 'b', Arg::Value, G_SERVICE_CONF},
	{"pe", 0, Arg::Value, G_SERVICE_CONF},
	{"ops", 0, Arg::None, G_SERVICE_CONF},
	{"sticky", 0, Arg::Value, G_NC},
	{"nc-key", 0, Arg::Value, G_NC},
	{"nc-subnet", 0, Arg::Value, G_NC},
	{"nc-pick", 0, Arg::Value, G_NC},
	{"nc-drain", 0, Arg::Value, G_NC},
	{"nc-max-entries", 0, Arg::Value, G_NC},
	{"nc-bound", 0, Arg::Value, G_NC},
	{"nc-handback", 0, Arg::Value, G_NC},
	{"real-server", 'r', Arg::Value, G_SERVER},
	{"gatewaying", 'g', Arg::None, G_SERVER_CONF},
	{"ipip", 'i', Arg::None, G_SERVER_CONF},
	{"masquerading", 'm', Arg::None, G_SERVER_CONF},
	{"weight", 'w', Arg::Value, G_SERVER_CONF},
	{"u-threshold", 'x', Arg::Value, G_SERVER_CONF},
	{"l-threshold", 'y', Arg::Value, G_SERVER_CONF},
	{"tun-type", 0, Arg::Value, G_SERVER_CONF},
	{"tun-port", 0, Arg::Value, G_SERVER_CONF},
	{"tun-nocsum", 0, Arg::None, G_SERVER_CONF},
	{"tun-csum", 0, Arg::None, G_SERVER_CONF},
	{"tun-remcsum", 0, Arg::None, G_SERVER_CONF},
	{"mcast-interface", 0, Arg::Value, G_DAEMON},
	{"sync-maxlen", 0, Arg::Value, G_DAEMON},
	{"mcast-group", 0, Arg::Value, G_DAEMON},
	{"mcast-port", 0, Arg::Value, G_DAEMON},
	{"mcast-ttl", 0, Arg::Value, G_DAEMON},
	{"syncid", 0, Arg::Value, G_SYNCID},
	{"numeric", 'n', Arg::None, G_NUMERIC},
	{"connection", 'c', Arg::None, G_LIST},
	{"timeout", 0, Arg::None, G_LIST},
	{"daemon", 0, Arg::None, G_LIST},
	{"stats", 0, Arg::None, G_LIST},
	{"rate", 0, Arg::None, G_LIST},
	{"thresholds", 0, Arg::None, G_LIST},
	{"persistent-conn", 0, Arg::None, G_LIST},
	{"nosort", 0, Arg::None, G_LIST},
	// sorting is the default; ipvsadm 1.31 keeps --sort as a no-op too
	{"sort", 0, Arg::None, G_LIST},
	{"exact", 0, Arg::None, G_LIST},
	{"tun-info", 0, Arg::None, G_LIST},
	{"nc", 0, Arg::None, G_LIST},
	{"output", 0, Arg::Value, G_OUTPUT},
	{"json", 0, Arg::None, G_OUTPUT},
	{"class", 0, Arg::Value, G_CLASS},
	{"server", 0, Arg::Value, G_FILTER},
	{"top", 0, Arg::Value, G_INSIGHT},
	{"interval", 0, Arg::Value, G_INSIGHT},
	{"textfile", 0, Arg::Value, G_TEXTFILE},
	{"expires", 0, Arg::Value, G_EXPIRES},
};

int cmd_restore(const Options &)
{
	return restore(std::cin, parse_restore_line, run);
}

constexpr unsigned SERVICE_EDIT = G_SERVICE | G_SERVICE_CONF | G_NC;
constexpr unsigned SERVER_EDIT = G_SERVICE | G_SERVER | G_SERVER_CONF;
constexpr unsigned TABLE = G_SERVICE | G_SERVICE_ARG | G_OUTPUT | G_FILTER | G_CLASS;
constexpr unsigned PIN = G_SERVICE | G_SERVICE_ARG | G_CLASS;

const std::vector<CommandSpec> commands = {
	{Command::AddService, "add-service", 'A', Arg::None, SERVICE_EDIT, NEEDS_SERVICE, true,
	 "  ncadm -A|-E -t|-u|--sctp-service|-f SERVICE [-s SCHED] [-p [TIMEOUT]] [-M NETMASK]\n"
	 "        [-b FLAGS] [--pe NAME] [-o|--ops] [NC OPTIONS]\n",
	 cmd_add_service},
	{Command::EditService, "edit-service", 'E', Arg::None, SERVICE_EDIT, NEEDS_SERVICE, true, "",
	 cmd_edit_service},
	{Command::DelService, "delete-service", 'D', Arg::None, G_SERVICE, NEEDS_SERVICE, true,
	 "  ncadm -D -t|-u|--sctp-service|-f SERVICE\n", cmd_delete_service},
	{Command::Clear, "clear", 'C', Arg::None, 0, 0, true, "  ncadm -C\n", cmd_clear},
	{Command::AddServer, "add-server", 'a', Arg::None, SERVER_EDIT, NEEDS_SERVICE | NEEDS_SERVER, true,
	 "  ncadm -a|-e -t|-u|--sctp-service|-f SERVICE -r SERVER[:PORT] [-g|-i|-m] [-w WEIGHT]\n"
	 "        [-x UPPER] [-y LOWER] [--tun-type ipip|gue|gre [--tun-port PORT]\n"
	 "        [--tun-nocsum|--tun-csum|--tun-remcsum]]\n",
	 cmd_add_server},
	{Command::EditServer, "edit-server", 'e', Arg::None, SERVER_EDIT, NEEDS_SERVICE | NEEDS_SERVER, true, "",
	 cmd_edit_server},
	{Command::DelServer, "delete-server", 'd', Arg::None, G_SERVICE | G_SERVER, NEEDS_SERVICE | NEEDS_SERVER,
	 true, "  ncadm -d -t|-u|--sctp-service|-f SERVICE -r SERVER[:PORT]\n", cmd_delete_server},
	{Command::List, "list", 'L', Arg::None, G_SERVICE | G_SERVICE_ARG | G_NUMERIC | G_LIST | G_OUTPUT, 0,
	 false,
	 "  ncadm -L|-l [SERVICE] [-n] [--stats|--rate|--thresholds|--persistent-conn|--tun-info]\n"
	 "        [--exact] [--nosort] [-o json]       as ipvsadm -L\n"
	 "  ncadm -L -c [-n] [--persistent-conn] [-o json]  connections\n"
	 "  ncadm -L --timeout                         connection timeouts\n"
	 "  ncadm -L --daemon                          sync daemons\n"
	 "  ncadm -L --nc [SERVICE] [-o json]          nc policy and counters\n",
	 cmd_list},
	{Command::List, "list-l", 'l', Arg::None, G_SERVICE | G_SERVICE_ARG | G_NUMERIC | G_LIST | G_OUTPUT, 0,
	 false, "", cmd_list},
	{Command::Save, "save", 'S', Arg::None, G_NUMERIC, 0, false,
	 "  ncadm -S [-n]                               save rules, nc policy included\n", cmd_save},
	{Command::Restore, "restore", 'R', Arg::None, 0, 0, false,
	 "  ncadm -R                                    restore rules from standard input\n", cmd_restore},
	{Command::Zero, "zero", 'Z', Arg::None, G_SERVICE | G_SERVICE_ARG, 0, true,
	 "  ncadm -Z [SERVICE]                          zero counters\n", cmd_zero},
	{Command::SetTimeouts, "set", 0, Arg::Values, 0, 0, true,
	 "  ncadm --set TCP TCPFIN UDP                  set connection timeouts\n", cmd_set_timeouts},
	{Command::StartDaemon, "start-daemon", 0, Arg::Value, G_DAEMON | G_SYNCID, 0, true,
	 "  ncadm --start-daemon master|backup [--mcast-interface IF] [--syncid ID] [--sync-maxlen N]\n"
	 "        [--mcast-group ADDR] [--mcast-port PORT] [--mcast-ttl TTL]\n",
	 cmd_start_daemon},
	{Command::StopDaemon, "stop-daemon", 0, Arg::Value, G_SYNCID, 0, true,
	 "  ncadm --stop-daemon master|backup          connection sync daemon\n", cmd_stop_daemon},
	{Command::NcTable, "nc-table", 0, Arg::None, TABLE, NEEDS_SERVICE, true,
	 "  ncadm --nc-table SERVICE [--class ADDR] [--server ADDR[:PORT]] [-o json]\n", cmd_nc_table},
	{Command::NcFlush, "nc-flush", 0, Arg::None, TABLE, NEEDS_SERVICE, true,
	 "  ncadm --nc-flush SERVICE [--class ADDR | --server ADDR[:PORT]]\n", cmd_nc_flush},
	{Command::NcPin, "nc-pin", 0, Arg::None, PIN | G_SERVER, NEEDS_SERVICE | NEEDS_SERVER | NEEDS_CLASS, true,
	 "  ncadm --nc-pin SERVICE --class NET|ADDR -r SERVER[:PORT]\n"
	 "        every client of NET (or of ADDR's class) goes to SERVER\n",
	 cmd_nc_pin},
	{Command::NcUnpin, "nc-unpin", 0, Arg::None, PIN | G_OUTPUT, NEEDS_SERVICE, false,
	 "  ncadm --nc-unpin SERVICE [--class NET|ADDR]  remove that pin, or every pin\n", cmd_nc_unpin},
	{Command::NcMove, "nc-move", 0, Arg::None, PIN | G_SERVER | G_OUTPUT, NEEDS_SERVICE | NEEDS_SERVER | NEEDS_CLASS,
	 false, "  ncadm --nc-move SERVICE --class ADDR -r SERVER[:PORT] [-o json]  move ADDR's class\n",
	 cmd_nc_move},
	{Command::NcSaveTable, "nc-save-table", 0, Arg::None, G_SERVICE | G_SERVICE_ARG, 0, false,
	 "  ncadm --nc-save-table [SERVICE]             the sticky tables as --nc-entry lines for -R\n",
	 cmd_nc_save_table},
	{Command::NcEntry, "nc-entry", 0, Arg::None, PIN | G_SERVER | G_EXPIRES, NEEDS_SERVICE | NEEDS_SERVER | NEEDS_CLASS,
	 true, "  ncadm --nc-entry SERVICE --class NET -r SERVER[:PORT] --expires EPOCH  a saved entry back\n",
	 cmd_nc_entry},
	{Command::NcSummary, "nc-summary", 0, Arg::None, G_SERVICE | G_SERVICE_ARG | G_OUTPUT | G_INSIGHT, 0, false,
	 "  ncadm --nc-summary [SERVICE] [--top N] [--interval SECS] [-o json]\n"
	 "        classes per server against weight, heaviest classes\n",
	 cmd_nc_summary},
	{Command::NcTop, "nc-top", 0, Arg::None, G_SERVICE | G_SERVICE_ARG | G_INSIGHT, 0, false,
	 "  ncadm --nc-top [SERVICE] [--top N] [--interval SECS]  the summary live, q quits\n", cmd_nc_top},
	{Command::NcMetrics, "nc-metrics", 0, Arg::None, G_TEXTFILE, 0, false,
	 "  ncadm --nc-metrics [--textfile FILE]       Prometheus metrics of every nc service\n",
	 cmd_nc_metrics},
};

const char *nc_options_usage =
	"NC OPTIONS (imply -s nc; with -s OTHER -p TIME --pe nc, --nc-key and --nc-subnet\n"
	"            set the persistence engine's class key):\n"
	"  --sticky TIME        30 (minutes), 90s, 30m, 2h\n"
	"  --nc-key KEY         octet | classful | /N, optionally ,/M for IPv6 (default octet,/48)\n"
	"  --nc-subnet LIST     only these clients are grouped: 172,100.64.0.0/10,2001:db8::/32\n"
	"                       ('all' removes the list)\n"
	"  --nc-pick PICK       hash | wlc | wrr | rr | lc (default hash)\n"
	"  --nc-drain RULE      sysctl | keep | repick | deadline=TIME (default sysctl)\n"
	"  --nc-max-entries N   entry cap (default 65536)\n"
	"  --nc-bound C         hash pick skips a server above C times its share of\n"
	"                       connections, e.g. 1.25 (default off)\n"
	"  --nc-handback IDLE,RATE  classes idle IDLE go back to their hash owner (a\n"
	"                       server joined or returned), RATE a second, e.g. 10m,5 (off)\n";

// A row's options as boost's "name,l" and value semantics.
void add_option(po::options_description &d, const char *name, char letter, Arg arg)
{
	std::string spec = letter ? std::string(name) + "," + letter : name;
	switch (arg) {
	case Arg::None:
		d.add_options()(spec.c_str(), "");
		break;
	case Arg::Value:
		d.add_options()(spec.c_str(), po::value<std::string>(), "");
		break;
	case Arg::Values:
		d.add_options()(spec.c_str(), po::value<std::vector<std::string>>()->multitoken(), "");
		break;
	case Arg::DefaultValue: // -p without a time: ipvsadm's 360 s
		d.add_options()(spec.c_str(), po::value<std::string>()->implicit_value("360"), "");
		break;
	}
}

// ipvsadm takes "-p 300" as well as "-p300": turn the former into the
// latter. ipvsadm's -o is --ops and takes no value; ncadm's "-o json" (a
// value that is not an option) still means the output format.
std::vector<std::string> normalize_args(std::vector<std::string> args)
{
	for (size_t i = 0; i < args.size(); i++) {
		bool has_next = i + 1 < args.size();
		if ((args[i] == "-p" || args[i] == "--persistent") && has_next && !args[i + 1].empty() &&
		    args[i + 1].find_first_not_of("0123456789") == std::string::npos) {
			args[i] = "--persistent=" + args[i + 1];
			args.erase(args.begin() + static_cast<long>(i) + 1);
		} else if (args[i] == "-o") {
			if (has_next && !args[i + 1].empty() && args[i + 1][0] != '-') {
				args[i] = "--output=" + args[i + 1];
				args.erase(args.begin() + static_cast<long>(i) + 1);
			} else {
				args[i] = "--ops";
			}
		}
	}
	return args;
}

po::variables_map read_args(const std::vector<std::string> &args)
{
	po::options_description all;
	for (const auto &c : commands)
		add_option(all, c.name, c.letter, c.arg);
	for (const auto &o : option_table)
		add_option(all, o.name, o.letter, o.arg);
	all.add_options()("help,h", "")("version,V", "");
	po::positional_options_description pos; // "-L --nc SERVICE", "--nc-table SERVICE"
	pos.add("service-arg", 1);
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(normalize_args(args)).options(all).positional(pos).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		throw UsageError(e.what());
	}
	return vm;
}

// A command's first row: the one that names it (-l is --list).
const CommandSpec &spec_of(Command cmd)
{
	auto it = std::find_if(commands.begin(), commands.end(), [&](const auto &c) { return c.cmd == cmd; });
	if (it == commands.end())
		throw std::logic_error("ncadm: a command without a row in the command table");
	return *it;
}

// The one command given, and every other option one it takes.
const CommandSpec &the_command(const po::variables_map &vm)
{
	const CommandSpec *cmd = nullptr;
	for (const auto &c : commands) {
		if (!vm.count(c.name))
			continue;
		if (cmd && cmd->cmd != c.cmd)
			throw UsageError("more than one command given");
		cmd = &c;
	}
	if (!cmd)
		throw UsageError("no command given (see ncadm -h)");
	cmd = &spec_of(cmd->cmd);
	for (const auto &o : option_table) {
		if (!vm.count(o.name) || (cmd->takes & o.group))
			continue;
		if (o.group == G_SERVICE_ARG)
			throw UsageError("unexpected argument '" + vm[o.name].as<std::string>() + "'");
		throw UsageError(std::string("--") + o.name + " does not go with --" + cmd->name);
	}
	return *cmd;
}

std::string value(const po::variables_map &vm, const char *name)
{
	return vm[name].as<std::string>();
}

// A virtual service named by "VIP:PORT" or "[VIP6]:PORT".
ServiceId service_at(const std::string &arg, uint16_t protocol)
{
	Endpoint ep = parse_endpoint(arg, "service", std::nullopt);
	ServiceId id;
	id.af = ep.addr.af;
	id.protocol = protocol;
	id.addr = ep.addr;
	id.port = ep.port;
	return id;
}

// -t/-u/--sctp-service/-f/a bare SERVICE; returns how many were given.
int parse_service(const po::variables_map &vm, Options &o)
{
	int n = 0;
	const std::pair<const char *, uint16_t> kinds[] = {
		{"tcp-service", IPPROTO_TCP}, {"udp-service", IPPROTO_UDP}, {"sctp-service", IPPROTO_SCTP}};
	for (const auto &[k, proto] : kinds) {
		if (!vm.count(k))
			continue;
		n++;
		o.service = service_at(value(vm, k), proto);
	}
	if (vm.count("fwmark-service")) {
		n++;
		ServiceId id;
		id.af = vm.count("ipv6") ? AF_INET6 : AF_INET;
		id.fwmark = static_cast<uint32_t>(parse_number(value(vm, "fwmark-service"), 1, UINT32_MAX, "fwmark"));
		o.service = id;
	} else if (vm.count("ipv6")) {
		throw UsageError("-6 goes with -f (a fwmark service); addresses say their own family");
	}
	if (vm.count("service-arg")) {
		n++;
		o.service = service_at(value(vm, "service-arg"), IPPROTO_TCP);
	}
	if (n > 1)
		throw UsageError("more than one service given");
	return n;
}

// --set TCP TCPFIN UDP.
void parse_timeouts(const po::variables_map &vm, Options &o)
{
	auto v = vm["set"].as<std::vector<std::string>>();
	if (v.size() != 3)
		throw UsageError("--set takes three values: tcp tcpfin udp");
	for (size_t i = 0; i < 3; i++)
		o.timeouts[i] = static_cast<uint32_t>(parse_number(v[i], 0, 31 * 86400, "timeout"));
}

// --start-daemon/--stop-daemon STATE and the daemon's options.
void parse_daemon(const po::variables_map &vm, Options &o)
{
	const std::string state = value(vm, o.cmd == Command::StartDaemon ? "start-daemon" : "stop-daemon");
	o.daemon.state = state == "master"   ? IP_VS_STATE_MASTER
			 : state == "backup" ? IP_VS_STATE_BACKUP
					     : throw UsageError("bad sync daemon state '" + state + "' (master or backup)");
	o.daemon.mcast_ifn = vm.count("mcast-interface") ? value(vm, "mcast-interface") : "eth0";
	if (o.daemon.mcast_ifn.empty() || o.daemon.mcast_ifn.size() >= IP_VS_IFNAME_MAXLEN)
		throw UsageError("bad multicast interface name '" + o.daemon.mcast_ifn + "'");
	if (vm.count("syncid"))
		o.daemon.syncid = static_cast<uint32_t>(parse_number(value(vm, "syncid"), 0, 255, "syncid"));
	if (vm.count("sync-maxlen"))
		o.daemon.sync_maxlen =
			static_cast<uint16_t>(parse_number(value(vm, "sync-maxlen"), 1, 65535 - 20 - 8, "sync-maxlen"));
	if (vm.count("mcast-port"))
		o.daemon.mcast_port = parse_port(value(vm, "mcast-port"), "multicast");
	if (vm.count("mcast-port") && !o.daemon.mcast_port)
		throw UsageError("multicast port '0' out of range 1..65535");
	if (vm.count("mcast-ttl"))
		o.daemon.mcast_ttl = static_cast<uint8_t>(parse_number(value(vm, "mcast-ttl"), 1, 255, "mcast-ttl"));
	if (vm.count("mcast-group")) {
		Address g = parse_address(value(vm, "mcast-group"), "mcast-group");
		if (g.af == AF_INET ? (g.bytes[0] & 0xf0) != 0xe0 : g.bytes[0] != 0xff)
			throw UsageError("mcast-group '" + value(vm, "mcast-group") + "' is not a multicast address");
		o.daemon.mcast_group = g;
	}
}

uint32_t parse_netmask(const std::string &s, int af)
{
	if (af == AF_INET6)
		return static_cast<uint32_t>(parse_number(s, 1, 128, "IPv6 netmask (prefix length)"));
	in_addr a{};
	if (inet_pton(AF_INET, s.c_str(), &a) != 1)
		throw UsageError("bad netmask '" + s + "'");
	return a.s_addr;
}

uint32_t parse_sched_flags(const std::string &s, const std::string &sched)
{
	uint32_t flags = 0;
	size_t pos = 0;
	while (pos <= s.size()) {
		size_t comma = s.find(',', pos);
		std::string f = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
		pos = comma == std::string::npos ? s.size() + 1 : comma + 1;
		if (f == "flag-1" || (sched == "sh" && f == "sh-fallback") || (sched == "mh" && f == "mh-fallback"))
			flags |= IP_VS_SVC_F_SCHED1;
		else if (f == "flag-2" || (sched == "sh" && f == "sh-port") || (sched == "mh" && f == "mh-port"))
			flags |= IP_VS_SVC_F_SCHED2;
		else if (f == "flag-3")
			flags |= IP_VS_SVC_F_SCHED3;
		else
			throw UsageError("invalid scheduler flag '" + f + "'");
	}
	return flags;
}

// -s -p -M --pe --ops (-b comes after the nc options, which may set -s).
void parse_service_conf(const po::variables_map &vm, Options &o)
{
	if (vm.count("scheduler")) {
		o.conf.sched = value(vm, "scheduler");
		o.sched_given = true;
		if (o.conf.sched.empty() || o.conf.sched.size() >= IP_VS_SCHEDNAME_MAXLEN)
			throw UsageError("bad scheduler name '" + o.conf.sched + "'");
	}
	if (vm.count("persistent")) {
		o.conf.flags |= IP_VS_SVC_F_PERSISTENT;
		o.conf.timeout = static_cast<uint32_t>(
			parse_number(value(vm, "persistent"), 1, 31 * 86400, "persistence timeout"));
	}
	bool svc_cmd = o.cmd == Command::AddService || o.cmd == Command::EditService;
	if (o.service && !o.service->fwmark && o.service->port == 0 && svc_cmd && !vm.count("persistent"))
		throw UsageError("zero port specified for non-persistent service");
	o.conf.netmask = o.service && o.service->af == AF_INET6 ? 128 : 0xffffffffu;
	if (vm.count("netmask"))
		o.conf.netmask = parse_netmask(value(vm, "netmask"), o.service ? o.service->af : AF_INET);
	if (vm.count("pe")) {
		o.conf.pe = value(vm, "pe");
		// IPVS takes an engine on any service but uses it only for
		// persistence templates: without -p it would silently do nothing.
		if (!vm.count("persistent"))
			throw UsageError("--pe " + o.conf.pe + " needs persistence (-p TIME): an engine keys persistence templates");
		if (o.conf.pe.size() >= IP_VS_PENAME_MAXLEN)
			throw UsageError("bad persistence engine name '" + o.conf.pe + "'");
	}
	if (vm.count("ops")) {
		if (!o.service->fwmark && o.service->protocol != IPPROTO_UDP)
			throw UsageError("one-packet scheduling (-o) is only for UDP and fwmark services");
		o.conf.flags |= IP_VS_SVC_F_ONEPACKET;
	}
}

// nc options; they imply -s nc, except that a --pe nc service with
// another scheduler takes the class options (--nc-key, --nc-subnet).
void parse_nc_options(const po::variables_map &vm, Options &o)
{
	if (vm.count("sticky"))
		o.nc.sticky = parse_sticky(value(vm, "sticky"));
	if (vm.count("nc-key"))
		o.nc.key = parse_key(value(vm, "nc-key"));
	if (vm.count("nc-subnet"))
		o.nc.subnets = value(vm, "nc-subnet") == "all" ? std::vector<Network>{}
							       : parse_subnets(value(vm, "nc-subnet"));
	if (vm.count("nc-pick"))
		o.nc.pick = parse_pick(value(vm, "nc-pick"));
	if (vm.count("nc-drain"))
		o.nc.drain = parse_drain(value(vm, "nc-drain"));
	if (vm.count("nc-max-entries"))
		o.nc.max_entries = parse_max_entries(value(vm, "nc-max-entries"));
	if (vm.count("nc-bound"))
		o.nc.bound = parse_bound(value(vm, "nc-bound"));
	if (o.nc.bound.value_or(0) && o.nc.pick.value_or(NC_PICK_HASH) != NC_PICK_HASH)
		throw UsageError(std::string("--nc-bound: ") + NC_ERR_BOUND_PICK);
	if (vm.count("nc-handback"))
		o.nc.handback = parse_handback(value(vm, "nc-handback"));
	if (o.nc.handback && o.nc.handback->idle && o.nc.pick.value_or(NC_PICK_HASH) != NC_PICK_HASH)
		throw UsageError(std::string("--nc-handback: ") + NC_ERR_HANDBACK_PICK);
	if (o.nc.empty())
		return;
	if (!o.sched_given || o.conf.sched == NC_SCHED_NAME)
		o.conf.sched = NC_SCHED_NAME;
	else if (o.conf.pe != NC_PE_NAME)
		throw UsageError("nc options need -s nc, not -s " + o.conf.sched);
	else if (o.nc.scheduler_only())
		throw UsageError("--sticky, --nc-pick, --nc-drain, --nc-max-entries, --nc-bound and --nc-handback need -s nc; with -s " +
				 o.conf.sched + " --pe nc takes --nc-key and --nc-subnet");
}

// --tun-type, --tun-port and the checksum options of an -i server.
void parse_tunnel(const po::variables_map &vm, DestConf &dc)
{
	const int csum = static_cast<int>(vm.count("tun-csum") + vm.count("tun-remcsum") + vm.count("tun-nocsum"));
	if ((vm.count("tun-type") || vm.count("tun-port") || csum) && dc.fwd != IP_VS_CONN_F_TUNNEL)
		throw UsageError("tunnel options conflict with the forwarding method (they need -i)");
	if (vm.count("tun-type")) {
		const std::string t = value(vm, "tun-type");
		dc.tun_type = t == "ipip"  ? IP_VS_CONN_F_TUNNEL_TYPE_IPIP
			      : t == "gue" ? IP_VS_CONN_F_TUNNEL_TYPE_GUE
			      : t == "gre" ? IP_VS_CONN_F_TUNNEL_TYPE_GRE
					   : throw UsageError("unknown tunnel type '" + t + "' (ipip, gue or gre)");
	}
	if (vm.count("tun-port")) {
		if (dc.tun_type != IP_VS_CONN_F_TUNNEL_TYPE_GUE)
			throw UsageError("--tun-port goes with --tun-type gue");
		dc.tun_port = parse_port(value(vm, "tun-port"), "tunnel");
	} else if (dc.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GUE) {
		throw UsageError("--tun-type gue needs --tun-port");
	}
	if (csum > 1)
		throw UsageError("give at most one of --tun-nocsum, --tun-csum and --tun-remcsum");
	if (csum && dc.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_IPIP)
		throw UsageError("checksum options go with --tun-type gue or gre");
	if (vm.count("tun-csum"))
		dc.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	if (vm.count("tun-remcsum"))
		dc.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
}

// -r SERVER and how to reach it.
void parse_server(const po::variables_map &vm, Options &o)
{
	if (!vm.count("real-server"))
		throw UsageError("this command needs a real server (-r)");
	DestConf dc;
	dc.server = parse_endpoint(value(vm, "real-server"), "real server",
				   o.service->fwmark ? std::optional<uint16_t>(0) : o.service->port);
	if (dc.server.addr.af != o.service->af && !vm.count("ipip"))
		throw UsageError("real server and service address families differ");
	if (vm.count("gatewaying") + vm.count("ipip") + vm.count("masquerading") > 1)
		throw UsageError("give at most one of -g, -i and -m");
	dc.fwd = vm.count("masquerading") ? IP_VS_CONN_F_MASQ
		 : vm.count("ipip")	  ? IP_VS_CONN_F_TUNNEL
					  : IP_VS_CONN_F_DROUTE;
	if (vm.count("weight"))
		dc.weight = static_cast<int>(parse_number(value(vm, "weight"), 0, 65535, "weight"));
	if (vm.count("u-threshold"))
		dc.u_thresh = static_cast<uint32_t>(parse_number(value(vm, "u-threshold"), 0, INT32_MAX, "upper threshold"));
	if (vm.count("l-threshold"))
		dc.l_thresh = static_cast<uint32_t>(parse_number(value(vm, "l-threshold"), 0, INT32_MAX, "lower threshold"));
	if (dc.u_thresh && dc.l_thresh > dc.u_thresh)
		throw UsageError("lower threshold is above the upper threshold");
	parse_tunnel(vm, dc);
	o.dest = dc;
}

// What -L lists (-c, --timeout, --daemon, --nc or services), and how.
void parse_list_views(const po::variables_map &vm, Options &o, bool service_given)
{
	o.list_connections = vm.count("connection") > 0;
	o.list_timeouts = vm.count("timeout") > 0;
	o.list_daemons = vm.count("daemon") > 0;
	o.nc_listing = vm.count("nc") > 0;
	if (o.list_connections + o.list_timeouts + o.list_daemons + o.nc_listing + (service_given && !o.nc_listing) > 1)
		throw UsageError("give at most one of -c, --timeout, --daemon, --nc and a service to -L");
}

// -n, --stats and the other views, --class/--server, -o FORMAT.
void parse_format(const po::variables_map &vm, Options &o)
{
	const std::pair<const char *, unsigned> formats[] = {
		{"numeric", LIST_NUMERIC}, {"stats", LIST_STATS}, {"rate", LIST_RATE},
		{"thresholds", LIST_THRESHOLDS}, {"persistent-conn", LIST_PERSISTENTCONN},
		{"nosort", LIST_NOSORT}, {"exact", LIST_EXACT}, {"tun-info", LIST_TUN_INFO}};
	for (const auto &[name, bit] : formats)
		if (vm.count(name))
			o.list_format |= bit;
	unsigned views = o.list_format & (LIST_STATS | LIST_RATE | LIST_THRESHOLDS | LIST_PERSISTENTCONN | LIST_TUN_INFO);
	if (views & (views - 1))
		throw UsageError("give at most one of --stats, --rate, --thresholds, --persistent-conn and --tun-info");
	if ((o.list_timeouts || o.list_daemons || o.nc_listing) && views)
		throw UsageError("options conflict in the list command");
	if (o.list_connections && (views & ~LIST_PERSISTENTCONN))
		throw UsageError("options conflict in the list command");
	if (vm.count("class"))
		o.cls = parse_class_arg(value(vm, "class"));
	if (o.cmd == Command::NcEntry && o.cls && !o.cls->plen)
		throw UsageError("--class " + o.cls->str() + ": --nc-entry takes the saved class, a network");
	if (o.cls && o.cls->plen && o.cmd != Command::NcPin && o.cmd != Command::NcUnpin && o.cmd != Command::NcEntry)
		throw UsageError("--class " + o.cls->str() + ": --" + spec_of(o.cmd).name +
				 " takes an address (its class), not a network");
	if (vm.count("server"))
		o.server = parse_endpoint(value(vm, "server"), "server", uint16_t{0});
	if (o.cls && o.server && o.cmd == Command::NcFlush)
		throw UsageError("flush a class or a server, not both");
	if (vm.count("top"))
		o.top_n = parse_number(value(vm, "top"), 0, 100000, "--top");
	if (vm.count("interval"))
		o.interval_s = static_cast<uint32_t>(parse_number(value(vm, "interval"), 0, 3600, "--interval"));
	if (vm.count("textfile")) {
		o.textfile = value(vm, "textfile");
		if (o.textfile.empty() || o.textfile.back() == '/')
			throw UsageError("--textfile needs a file name, not '" + o.textfile + "'");
	}
	if (vm.count("expires"))
		o.expires = parse_number(value(vm, "expires"), 1, UINT32_MAX, "--expires (seconds since 1970)");
	else if (o.cmd == Command::NcEntry)
		throw UsageError("--nc-entry needs --expires (seconds since 1970)");
	if (vm.count("json") || (vm.count("output") && value(vm, "output") == "json"))
		o.format = Format::Json;
	else if (vm.count("output") && value(vm, "output") != "text")
		throw UsageError("unknown output format '" + value(vm, "output") + "' (text or json)");
	if (o.format == Format::Json && views)
		throw UsageError("-o json lists every field; it does not go with --stats, --rate and the like");
}

Options parse(const std::vector<std::string> &args, bool restoring)
{
	const po::variables_map vm = read_args(args);
	Options o;
	if ((vm.count("help") || vm.count("version")) && !restoring) {
		o.cmd = vm.count("help") ? Command::Help : Command::Version;
		return o;
	}
	const CommandSpec &cmd = the_command(vm);
	if (restoring && !cmd.restorable)
		throw UsageError("command not allowed in a restore file");
	o.cmd = cmd.cmd;
	const int services = parse_service(vm, o);
	if (o.cmd == Command::SetTimeouts)
		parse_timeouts(vm, o);
	parse_list_views(vm, o, services > 0);
	if ((cmd.needs & NEEDS_SERVICE) && !o.service)
		throw UsageError("this command needs a service (-t, -u, --sctp-service or -f)");
	if (o.cmd == Command::StartDaemon || o.cmd == Command::StopDaemon)
		parse_daemon(vm, o);
	parse_service_conf(vm, o);
	parse_nc_options(vm, o);
	if (vm.count("sched-flags"))
		o.conf.flags |= parse_sched_flags(value(vm, "sched-flags"), o.conf.sched);
	if (cmd.needs & NEEDS_SERVER)
		parse_server(vm, o);
	parse_format(vm, o);
	if ((cmd.needs & NEEDS_CLASS) && !o.cls)
		throw UsageError("this command needs a class (--class)");
	return o;
}

} // namespace

const std::vector<CommandSpec> &command_table()
{
	return commands;
}

std::string usage_text()
{
	std::string u = "Usage:\n";
	for (const auto &c : commands)
		u += c.usage;
	return u + nc_options_usage;
}

std::vector<std::string> long_options()
{
	std::vector<std::string> names{"--help", "--version"};
	for (const auto &c : commands)
		if (&spec_of(c.cmd) == &c) // a second row ("list-l" for -l) is a parser's alias
			names.push_back(std::string("--") + c.name);
	for (const auto &o : option_table)
		if (o.group != G_SERVICE_ARG)
			names.push_back(std::string("--") + o.name);
	return names;
}

Options parse_command_line(const std::vector<std::string> &args)
{
	return parse(args, false);
}

Options parse_restore_line(const std::vector<std::string> &args)
{
	return parse(args, true);
}

int run(const Options &o)
{
	if (o.cmd == Command::Help) {
		std::cout << usage_text();
		return 0;
	}
	if (o.cmd == Command::Version) {
		std::cout << "ncadm " NCADM_VERSION " (ipvsadm 1.31 command line)\n";
		return 0;
	}
	return spec_of(o.cmd).handler(o);
}

} // namespace ncadm
