// SPDX-License-Identifier: GPL-2.0
//
// ncadm - administer IPVS virtual services that use the natural-class
// scheduler, with ipvsadm's command line plus the nc policy and table.
//
// Every argument is parsed and checked before anything is sent to the
// kernel; a service added with -A and an nc policy that the kernel refuses
// is removed again, so a failed command leaves no half-applied state.
// Errors end up in main(): one line on stderr and a non-zero status.
#include "families.hpp"
#include "snapshot.hpp"
#include "ipvs_list.hpp"
#include "output.hpp"
#include "parse.hpp"

#include <boost/program_options.hpp>

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "ip_vs_nc.h"
}

namespace po = boost::program_options;

namespace ncadm {
namespace {

enum class Command { None, AddService, EditService, DelService, Clear, AddDest, EditDest, DelDest, List,
		     Save, Restore, Zero, SetTimeouts, StartDaemon, StopDaemon, NcTable, NcFlush };

// Each command's option, as the operator typed it, for error messages.
const std::pair<const char *, Command> command_options[] = {
	{"add-service", Command::AddService}, {"edit-service", Command::EditService},
	{"delete-service", Command::DelService}, {"clear", Command::Clear},
	{"add-server", Command::AddDest}, {"edit-server", Command::EditDest},
	{"delete-server", Command::DelDest}, {"list", Command::List}, {"list-l", Command::List},
	{"save", Command::Save}, {"restore", Command::Restore}, {"zero", Command::Zero},
	{"set", Command::SetTimeouts}, {"start-daemon", Command::StartDaemon},
	{"stop-daemon", Command::StopDaemon}, {"nc-table", Command::NcTable}, {"nc-flush", Command::NcFlush}};

constexpr unsigned bit(Command c) { return 1u << static_cast<unsigned>(c); }
constexpr unsigned SERVICE_CMDS = bit(Command::AddService) | bit(Command::EditService);
constexpr unsigned DEST_CMDS = bit(Command::AddDest) | bit(Command::EditDest);
constexpr unsigned NAMES_SERVICE = SERVICE_CMDS | DEST_CMDS | bit(Command::DelService) | bit(Command::DelDest) |
				   bit(Command::List) | bit(Command::Zero) | bit(Command::NcTable) |
				   bit(Command::NcFlush);
constexpr unsigned NC_LISTINGS = bit(Command::List) | bit(Command::NcTable) | bit(Command::NcFlush);

// Which commands each option goes with (ipvsadm's commands_v_options, plus
// ncadm's own); any other combination is refused before the kernel is asked.
const std::pair<const char *, unsigned> option_commands[] = {
	{"tcp-service", NAMES_SERVICE}, {"udp-service", NAMES_SERVICE}, {"sctp-service", NAMES_SERVICE},
	{"fwmark-service", NAMES_SERVICE}, {"ipv6", NAMES_SERVICE},
	{"service-arg", bit(Command::List) | bit(Command::Zero) | bit(Command::NcTable) | bit(Command::NcFlush)},
	{"scheduler", SERVICE_CMDS}, {"persistent", SERVICE_CMDS}, {"netmask", SERVICE_CMDS},
	{"sched-flags", SERVICE_CMDS}, {"pe", SERVICE_CMDS}, {"ops", SERVICE_CMDS},
	{"real-server", DEST_CMDS | bit(Command::DelDest)}, {"gatewaying", DEST_CMDS}, {"ipip", DEST_CMDS},
	{"masquerading", DEST_CMDS}, {"weight", DEST_CMDS}, {"u-threshold", DEST_CMDS},
	{"l-threshold", DEST_CMDS}, {"tun-type", DEST_CMDS}, {"tun-port", DEST_CMDS}, {"tun-nocsum", DEST_CMDS},
	{"tun-csum", DEST_CMDS}, {"tun-remcsum", DEST_CMDS},
	{"mcast-interface", bit(Command::StartDaemon)}, {"syncid", bit(Command::StartDaemon) | bit(Command::StopDaemon)},
	{"sync-maxlen", bit(Command::StartDaemon)}, {"mcast-group", bit(Command::StartDaemon)},
	{"mcast-port", bit(Command::StartDaemon)}, {"mcast-ttl", bit(Command::StartDaemon)},
	{"numeric", bit(Command::List) | bit(Command::Save)}, {"connection", bit(Command::List)},
	{"timeout", bit(Command::List)}, {"daemon", bit(Command::List)}, {"stats", bit(Command::List)},
	{"rate", bit(Command::List)}, {"thresholds", bit(Command::List)}, {"persistent-conn", bit(Command::List)},
	{"nosort", bit(Command::List)}, {"sort", bit(Command::List)}, {"exact", bit(Command::List)},
	{"tun-info", bit(Command::List)}, {"nc", bit(Command::List)},
	{"output", NC_LISTINGS}, {"json", NC_LISTINGS},
	{"class", bit(Command::NcTable) | bit(Command::NcFlush)}, {"server", bit(Command::NcTable) | bit(Command::NcFlush)},
	{"sticky", SERVICE_CMDS}, {"nc-key", SERVICE_CMDS}, {"nc-subnet", SERVICE_CMDS}, {"nc-pick", SERVICE_CMDS},
	{"nc-drain", SERVICE_CMDS}, {"nc-max-entries", SERVICE_CMDS}};

struct Options {
	Command cmd = Command::None;
	std::optional<ServiceId> service;
	ServiceConf conf;
	bool sched_given = false;
	std::optional<DestConf> dest;
	NcPolicyChange nc;
	bool nc_listing = false;
	unsigned list_format = 0; // ListFormat bits
	bool list_connections = false, list_timeouts = false, list_daemons = false;
	SyncDaemon daemon;
	std::array<uint32_t, 3> timeouts{};
	std::optional<Address> cls;
	std::optional<Endpoint> server;
	Format format = Format::Text;
};

const char *usage_text =
	"Usage:\n"
	"  ncadm -A|-E -t|-u|--sctp-service|-f SERVICE [-s SCHED] [-p [TIMEOUT]] [-M NETMASK]\n"
	"        [-b FLAGS] [--pe NAME] [-o|--ops] [NC OPTIONS]\n"
	"  ncadm -D -t|-u|--sctp-service|-f SERVICE\n"
	"  ncadm -C\n"
	"  ncadm -a|-e -t|-u|--sctp-service|-f SERVICE -r SERVER[:PORT] [-g|-i|-m] [-w WEIGHT]\n"
	"        [-x UPPER] [-y LOWER] [--tun-type ipip|gue|gre [--tun-port PORT]\n"
	"        [--tun-nocsum|--tun-csum|--tun-remcsum]]\n"
	"  ncadm -d -t|-u|--sctp-service|-f SERVICE -r SERVER[:PORT]\n"
	"  ncadm -L|-l [SERVICE] [-n] [--stats|--rate|--thresholds|--persistent-conn|--tun-info]\n"
	"        [--exact] [--nosort] [-o json]       as ipvsadm -L\n"
	"  ncadm -S [-n]                               save rules, nc policy included\n"
	"  ncadm -R                                    restore rules from standard input\n"
	"  ncadm -Z [SERVICE]                          zero counters\n"
	"  ncadm -L -c [-n] [--persistent-conn] [-o json]  connections\n"
	"  ncadm -L --timeout | --set TCP TCPFIN UDP    connection timeouts\n"
	"  ncadm --start-daemon master|backup [--mcast-interface IF] [--syncid ID] [--sync-maxlen N]\n"
	"        [--mcast-group ADDR] [--mcast-port PORT] [--mcast-ttl TTL]\n"
	"  ncadm --stop-daemon master|backup          connection sync daemon\n"
	"  ncadm -L --daemon                          sync daemons\n"
	"  ncadm -L --nc [SERVICE] [-o json]          nc policy and counters\n"
	"  ncadm --nc-table SERVICE [--class ADDR] [--server ADDR[:PORT]] [-o json]\n"
	"  ncadm --nc-flush SERVICE [--class ADDR | --server ADDR[:PORT]]\n"
	"NC OPTIONS (imply -s nc; with -s OTHER -p TIME --pe nc, --nc-key and --nc-subnet\n"
	"            set the persistence engine's class key):\n"
	"  --sticky TIME        30 (minutes), 90s, 30m, 2h\n"
	"  --nc-key KEY         octet | classful | /N, optionally ,/M for IPv6 (default octet,/48)\n"
	"  --nc-subnet LIST     only these clients are grouped: 172,100.64.0.0/10,2001:db8::/32\n"
	"                       ('all' removes the list)\n"
	"  --nc-pick PICK       hash | wlc | wrr | rr | lc (default hash)\n"
	"  --nc-drain RULE      sysctl | keep | repick (default sysctl)\n"
	"  --nc-max-entries N   entry cap (default 65536)\n";

void set_command(Options &o, Command c)
{
	if (o.cmd != Command::None && o.cmd != c)
		throw UsageError("more than one command given");
	o.cmd = c;
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

// ipvsadm takes "-p 300" as well as "-p300": turn the former into the
// latter. ipvsadm's -o is --ops and takes no value; ncadm's "-o json" (a
// value that is not an option) still means the output format.
std::vector<std::string> normalize_args(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
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

Options parse_args(int argc, char **argv)
{
	po::options_description d("Options");
	d.add_options()
		("add-service,A", "") ("edit-service,E", "") ("delete-service,D", "") ("clear,C", "")
		("add-server,a", "") ("edit-server,e", "") ("delete-server,d", "") ("list,L", "")
		("list-l,l", "") ("save,S", "") ("restore,R", "") ("zero,Z", "")
		("set", po::value<std::vector<std::string>>()->multitoken())
		("start-daemon", po::value<std::string>()) ("stop-daemon", po::value<std::string>())
		("connection,c", "") ("timeout", "") ("daemon", "")
		("nc-table", "") ("nc-flush", "") ("help,h", "") ("version,V", "")
		("tcp-service,t", po::value<std::string>()) ("udp-service,u", po::value<std::string>())
		("sctp-service", po::value<std::string>()) ("fwmark-service,f", po::value<std::string>())
		("ipv6,6", "")
		("scheduler,s", po::value<std::string>()) ("persistent,p", po::value<std::string>()->implicit_value("360"))
		("netmask,M", po::value<std::string>()) ("sched-flags,b", po::value<std::string>())
		("pe", po::value<std::string>()) ("ops", "")
		("real-server,r", po::value<std::string>()) ("gatewaying,g", "") ("ipip,i", "")
		("masquerading,m", "") ("weight,w", po::value<std::string>())
		("u-threshold,x", po::value<std::string>()) ("l-threshold,y", po::value<std::string>())
		("tun-type", po::value<std::string>()) ("tun-port", po::value<std::string>())
		("tun-nocsum", "") ("tun-csum", "") ("tun-remcsum", "")
		("mcast-interface", po::value<std::string>()) ("syncid", po::value<std::string>())
		("sync-maxlen", po::value<std::string>()) ("mcast-group", po::value<std::string>())
		("mcast-port", po::value<std::string>()) ("mcast-ttl", po::value<std::string>())
		("numeric,n", "") ("output", po::value<std::string>()) ("json", "")
		("stats", "") ("rate", "") ("thresholds", "") ("persistent-conn", "") ("nosort", "")
		// --sort: sorting is the default; ipvsadm 1.31 keeps it as a no-op too
		("sort", "") ("exact", "") ("tun-info", "")
		("nc", "") ("class", po::value<std::string>()) ("server", po::value<std::string>())
		("sticky", po::value<std::string>()) ("nc-key", po::value<std::string>())
		("nc-subnet", po::value<std::string>()) ("nc-pick", po::value<std::string>())
		("nc-drain", po::value<std::string>()) ("nc-max-entries", po::value<std::string>());
	po::positional_options_description pos; // "-L --nc SERVICE", "--nc-table SERVICE"
	pos.add("service-arg", 1);
	po::options_description hidden;
	hidden.add_options()("service-arg", po::value<std::string>());
	po::options_description all;
	all.add(d).add(hidden);

	po::variables_map vm;
	try {
		po::store(po::command_line_parser(normalize_args(argc, argv)).options(all).positional(pos).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		throw UsageError(e.what());
	}

	Options o;
	if (vm.count("help")) {
		std::cout << usage_text;
		std::exit(0);
	}
	if (vm.count("version")) {
		std::cout << "ncadm " NCADM_VERSION " (ipvsadm 1.31 command line)\n";
		std::exit(0);
	}
	const char *cmd_name = "";
	for (const auto &[name, c] : command_options)
		if (vm.count(name)) {
			set_command(o, c);
			cmd_name = name;
		}
	if (o.cmd == Command::None)
		throw UsageError("no command given (see ncadm -h)");
	if (!std::strcmp(cmd_name, "list-l"))
		cmd_name = "list";
	for (const auto &[name, cmds] : option_commands)
		if (vm.count(name) && !(cmds & bit(o.cmd))) {
			if (!std::strcmp(name, "service-arg"))
				throw UsageError("unexpected argument '" + vm[name].as<std::string>() + "'");
			throw UsageError(std::string("--") + name + " does not go with --" + cmd_name);
		}

	auto str = [&](const char *k) { return vm[k].as<std::string>(); };
	int af = vm.count("ipv6") ? AF_INET6 : AF_INET;

	// The virtual service.
	int nsvc = 0;
	const std::pair<const char *, uint16_t> kinds[] = {
		{"tcp-service", IPPROTO_TCP}, {"udp-service", IPPROTO_UDP}, {"sctp-service", IPPROTO_SCTP}};
	for (const auto &[k, proto] : kinds) {
		if (!vm.count(k))
			continue;
		nsvc++;
		o.service = service_at(str(k), proto);
	}
	if (vm.count("fwmark-service")) {
		nsvc++;
		ServiceId id;
		id.af = af;
		id.fwmark = static_cast<uint32_t>(parse_number(str("fwmark-service"), 1, UINT32_MAX, "fwmark"));
		o.service = id;
	} else if (vm.count("ipv6")) {
		throw UsageError("-6 goes with -f (a fwmark service); addresses say their own family");
	}
	if (vm.count("service-arg")) {
		nsvc++;
		o.service = service_at(str("service-arg"), IPPROTO_TCP);
	}
	if (nsvc > 1)
		throw UsageError("more than one service given");

	bool needs_service = bit(o.cmd) & NAMES_SERVICE & ~(bit(Command::List) | bit(Command::Zero));
	if (o.cmd == Command::SetTimeouts) {
		auto v = vm["set"].as<std::vector<std::string>>();
		if (v.size() != 3)
			throw UsageError("--set takes three values: tcp tcpfin udp");
		for (size_t i = 0; i < 3; i++)
			o.timeouts[i] = static_cast<uint32_t>(parse_number(v[i], 0, 31 * 86400, "timeout"));
	}
	o.list_connections = vm.count("connection") > 0;
	o.list_timeouts = vm.count("timeout") > 0;
	o.list_daemons = vm.count("daemon") > 0;
	o.nc_listing = vm.count("nc") > 0;
	if (o.list_connections + o.list_timeouts + o.list_daemons + o.nc_listing + (nsvc && !o.nc_listing) > 1)
		throw UsageError("give at most one of -c, --timeout, --daemon, --nc and a service to -L");
	if (needs_service && !o.service)
		throw UsageError("this command needs a service (-t, -u, --sctp-service or -f)");

	// The connection sync daemon.
	if (o.cmd == Command::StartDaemon || o.cmd == Command::StopDaemon) {
		const std::string state = str(o.cmd == Command::StartDaemon ? "start-daemon" : "stop-daemon");
		o.daemon.state = state == "master" ? IP_VS_STATE_MASTER
				 : state == "backup" ? IP_VS_STATE_BACKUP
						     : throw UsageError("bad sync daemon state '" + state +
									"' (master or backup)");
		o.daemon.mcast_ifn = vm.count("mcast-interface") ? str("mcast-interface") : "eth0";
		if (o.daemon.mcast_ifn.empty() || o.daemon.mcast_ifn.size() >= IP_VS_IFNAME_MAXLEN)
			throw UsageError("bad multicast interface name '" + o.daemon.mcast_ifn + "'");
		if (vm.count("syncid"))
			o.daemon.syncid = static_cast<uint32_t>(parse_number(str("syncid"), 0, 255, "syncid"));
		if (vm.count("sync-maxlen"))
			o.daemon.sync_maxlen =
				static_cast<uint16_t>(parse_number(str("sync-maxlen"), 1, 65535 - 20 - 8, "sync-maxlen"));
		if (vm.count("mcast-port"))
			o.daemon.mcast_port = parse_port(str("mcast-port"), "multicast");
		if (vm.count("mcast-port") && !o.daemon.mcast_port)
			throw UsageError("multicast port '0' out of range 1..65535");
		if (vm.count("mcast-ttl"))
			o.daemon.mcast_ttl = static_cast<uint8_t>(parse_number(str("mcast-ttl"), 1, 255, "mcast-ttl"));
		if (vm.count("mcast-group")) {
			Address g = parse_address(str("mcast-group"), "mcast-group");
			if (g.af == AF_INET ? (g.bytes[0] & 0xf0) != 0xe0 : g.bytes[0] != 0xff)
				throw UsageError("mcast-group '" + str("mcast-group") + "' is not a multicast address");
			o.daemon.mcast_group = g;
		}
	}

	// Service options.
	bool svc_cmd = bit(o.cmd) & SERVICE_CMDS;
	if (vm.count("scheduler")) {
		o.conf.sched = str("scheduler");
		o.sched_given = true;
		if (o.conf.sched.empty() || o.conf.sched.size() >= IP_VS_SCHEDNAME_MAXLEN)
			throw UsageError("bad scheduler name '" + o.conf.sched + "'");
	}
	if (vm.count("persistent")) {
		o.conf.flags |= IP_VS_SVC_F_PERSISTENT;
		o.conf.timeout = static_cast<uint32_t>(parse_number(str("persistent"), 1, 31 * 86400, "persistence timeout"));
	}
	if (o.service && !o.service->fwmark && o.service->port == 0 && svc_cmd && !vm.count("persistent"))
		throw UsageError("zero port specified for non-persistent service");
	o.conf.netmask = o.service && o.service->af == AF_INET6 ? 128 : 0xffffffffu;
	if (vm.count("netmask"))
		o.conf.netmask = parse_netmask(str("netmask"), o.service ? o.service->af : AF_INET);
	if (vm.count("pe")) {
		o.conf.pe = str("pe");
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

	// nc options; they imply -s nc, except that a --pe nc service with
	// another scheduler takes the class options (--nc-key, --nc-subnet).
	if (vm.count("sticky"))
		o.nc.sticky = parse_sticky(str("sticky"));
	if (vm.count("nc-key"))
		o.nc.key = parse_key(str("nc-key"));
	if (vm.count("nc-subnet"))
		o.nc.subnets = str("nc-subnet") == "all" ? std::vector<Network>{} : parse_subnets(str("nc-subnet"));
	if (vm.count("nc-pick"))
		o.nc.pick = parse_pick(str("nc-pick"));
	if (vm.count("nc-drain"))
		o.nc.drain = parse_drain(str("nc-drain"));
	if (vm.count("nc-max-entries"))
		o.nc.max_entries = parse_max_entries(str("nc-max-entries"));
	if (!o.nc.empty()) {
		if (!o.sched_given || o.conf.sched == NC_SCHED_NAME)
			o.conf.sched = NC_SCHED_NAME;
		else if (o.conf.pe != NC_PE_NAME)
			throw UsageError("nc options need -s nc, not -s " + o.conf.sched);
		else if (o.nc.scheduler_only())
			throw UsageError("--sticky, --nc-pick, --nc-drain and --nc-max-entries need -s nc; with -s " +
					 o.conf.sched + " --pe nc takes --nc-key and --nc-subnet");
	}
	if (vm.count("sched-flags"))
		o.conf.flags |= parse_sched_flags(str("sched-flags"), o.conf.sched);

	// Real server options.
	if (bit(o.cmd) & (DEST_CMDS | bit(Command::DelDest))) {
		if (!vm.count("real-server"))
			throw UsageError("this command needs a real server (-r)");
		DestConf dc;
		dc.server = parse_endpoint(str("real-server"), "real server",
					   o.service->fwmark ? std::optional<uint16_t>(0) : o.service->port);
		if (dc.server.addr.af != o.service->af && !vm.count("ipip"))
			throw UsageError("real server and service address families differ");
		int fwd = static_cast<int>(vm.count("gatewaying")) + static_cast<int>(vm.count("ipip")) +
			  static_cast<int>(vm.count("masquerading"));
		if (fwd > 1)
			throw UsageError("give at most one of -g, -i and -m");
		dc.fwd = vm.count("masquerading") ? IP_VS_CONN_F_MASQ
			 : vm.count("ipip")       ? IP_VS_CONN_F_TUNNEL
						  : IP_VS_CONN_F_DROUTE;
		if (vm.count("weight"))
			dc.weight = static_cast<int>(parse_number(str("weight"), 0, 65535, "weight"));
		if (vm.count("u-threshold"))
			dc.u_thresh = static_cast<uint32_t>(parse_number(str("u-threshold"), 0, INT32_MAX, "upper threshold"));
		if (vm.count("l-threshold"))
			dc.l_thresh = static_cast<uint32_t>(parse_number(str("l-threshold"), 0, INT32_MAX, "lower threshold"));
		if (dc.u_thresh && dc.l_thresh > dc.u_thresh)
			throw UsageError("lower threshold is above the upper threshold");
		bool tun_opts = vm.count("tun-type") || vm.count("tun-port") || vm.count("tun-nocsum") ||
				vm.count("tun-csum") || vm.count("tun-remcsum");
		if (tun_opts && dc.fwd != IP_VS_CONN_F_TUNNEL)
			throw UsageError("tunnel options conflict with the forwarding method (they need -i)");
		if (vm.count("tun-type")) {
			const std::string t = str("tun-type");
			dc.tun_type = t == "ipip" ? IP_VS_CONN_F_TUNNEL_TYPE_IPIP
				      : t == "gue" ? IP_VS_CONN_F_TUNNEL_TYPE_GUE
				      : t == "gre" ? IP_VS_CONN_F_TUNNEL_TYPE_GRE
						   : throw UsageError("unknown tunnel type '" + t + "' (ipip, gue or gre)");
		}
		if (vm.count("tun-port")) {
			if (dc.tun_type != IP_VS_CONN_F_TUNNEL_TYPE_GUE)
				throw UsageError("--tun-port goes with --tun-type gue");
			dc.tun_port = parse_port(str("tun-port"), "tunnel");
		} else if (dc.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GUE) {
			throw UsageError("--tun-type gue needs --tun-port");
		}
		if (vm.count("tun-csum") + vm.count("tun-remcsum") + vm.count("tun-nocsum") > 1)
			throw UsageError("give at most one of --tun-nocsum, --tun-csum and --tun-remcsum");
		if ((vm.count("tun-csum") || vm.count("tun-remcsum") || vm.count("tun-nocsum")) &&
		    dc.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_IPIP)
			throw UsageError("checksum options go with --tun-type gue or gre");
		if (vm.count("tun-csum"))
			dc.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
		if (vm.count("tun-remcsum"))
			dc.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
		o.dest = dc;
	}

	// Listing and table options.
	const std::pair<const char *, unsigned> formats[] = {
		{"numeric", LIST_NUMERIC}, {"stats", LIST_STATS}, {"rate", LIST_RATE},
		{"thresholds", LIST_THRESHOLDS}, {"persistent-conn", LIST_PERSISTENTCONN},
		{"nosort", LIST_NOSORT}, {"exact", LIST_EXACT}, {"tun-info", LIST_TUN_INFO}};
	for (const auto &[name, bit_] : formats)
		if (vm.count(name))
			o.list_format |= bit_;
	unsigned views = o.list_format & (LIST_STATS | LIST_RATE | LIST_THRESHOLDS | LIST_PERSISTENTCONN | LIST_TUN_INFO);
	if (views & (views - 1))
		throw UsageError("give at most one of --stats, --rate, --thresholds, --persistent-conn and --tun-info");
	if ((o.list_timeouts || o.list_daemons || o.nc_listing) && views)
		throw UsageError("options conflict in the list command");
	if (o.list_connections && (views & ~LIST_PERSISTENTCONN))
		throw UsageError("options conflict in the list command");
	if (vm.count("class"))
		o.cls = parse_address(str("class"), "class");
	if (vm.count("server"))
		o.server = parse_endpoint(str("server"), "server", uint16_t{0});
	if (o.cls && o.server && o.cmd == Command::NcFlush)
		throw UsageError("flush a class or a server, not both");
	if (vm.count("json") || (vm.count("output") && str("output") == "json"))
		o.format = Format::Json;
	else if (vm.count("output") && str("output") != "text")
		throw UsageError("unknown output format '" + str("output") + "' (text or json)");
	if (o.format == Format::Json && views)
		throw UsageError("-o json lists every field; it does not go with --stats, --rate and the like");
	return o;
}

// The kernel's refusal, in the words an operator needs.
// @enoent: what ENOENT means for this request (it depends on the command).
std::string explain(const KernelError &e, const std::string &doing, const std::string &enoent)
{
	std::string msg = e.what();
	switch (e.error) {
	case EPERM:
		msg = "permission denied (ncadm needs CAP_NET_ADMIN)";
		break;
	case EEXIST:
		msg = "already exists";
		break;
	case ESRCH:
		msg = "no such service";
		break;
	case ENOENT:
		if (!enoent.empty())
			msg = enoent;
		break;
	default:
		break;
	}
	return doing.empty() ? msg : doing + ": " + msg;
}

void with_context(const std::string &doing, const std::function<void()> &f, const std::string &enoent = "")
{
	try {
		f();
	} catch (const KernelError &e) {
		throw KernelError(e.error, explain(e, doing, enoent));
	}
}

// ENOENT from -A/-E: IPVS found no scheduler or persistence engine module.
std::string missing_module(const ServiceConf &c)
{
	std::string m = "scheduler '" + c.sched + "'";
	if (!c.pe.empty())
		m += " or persistence engine '" + c.pe + "'";
	return m + " not found (modprobe ip_vs_" + c.sched + (c.pe.empty() ? "" : ", ip_vs_pe_" + c.pe) + ")";
}

int run(const Options &o);

// The nc options of a command line to a service that will have @c: the
// scheduler's policy (-s nc) and/or the engine's (--pe nc, class part).
void apply_nc_policy(const ServiceId &id, const ServiceConf &c, const NcPolicyChange &change)
{
	Nc nc;
	if (c.sched == NC_SCHED_NAME)
		with_context("setting the nc policy of " + id.str(), [&] { nc.set_policy(id, change); });
	if (c.pe == NC_PE_NAME && !change.class_part().empty())
		with_context("setting the nc engine policy of " + id.str(),
			     [&] { nc.set_engine_policy(id, change.class_part()); });
}

// After a service with --pe nc is gone: its engine policy would apply to
// the next service of that address.
void forget_engine_policy(const ServiceId &id)
{
	with_context("forgetting the nc engine policy of " + id.str(), [&] { Nc().forget_engine(id); });
}

// ipvsadm -R: one command line per input line. Every line is parsed and
// checked before the first is applied, so a bad file changes nothing; and
// if the kernel refuses a line, what the lines before it did is undone.
int restore(std::istream &in)
{
	std::vector<std::pair<int, Options>> commands;
	std::string line;
	for (int n = 1; std::getline(in, line); n++) {
		std::istringstream words(line);
		std::vector<std::string> args{"ncadm"};
		for (std::string w; words >> w;)
			args.push_back(w);
		if (args.size() == 1 || args[1][0] == '#')
			continue;
		std::vector<char *> argv;
		for (auto &a : args)
			argv.push_back(a.data());
		try {
			Options o = parse_args(static_cast<int>(argv.size()), argv.data());
			if (o.cmd == Command::Restore || o.cmd == Command::Save || o.cmd == Command::List)
				throw UsageError("command not allowed in a restore file");
			commands.emplace_back(n, o);
		} catch (const UsageError &e) {
			throw UsageError("restore line " + std::to_string(n) + ": " + e.what());
		}
	}
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

void print_ipvs_json(std::ostream &out, Ipvs &ipvs, const std::optional<ServiceId> &one)
{
	std::vector<ServiceEntry> services = one ? std::vector<ServiceEntry>{ipvs.service(*one)} : ipvs.services();
	auto stats = [](const IpvsStats &s) {
		std::ostringstream o;
		o << "{\"conns\":" << s.conns << ",\"inpkts\":" << s.inpkts << ",\"outpkts\":" << s.outpkts
		  << ",\"inbytes\":" << s.inbytes << ",\"outbytes\":" << s.outbytes << ",\"cps\":" << s.cps
		  << ",\"inpps\":" << s.inpps << ",\"outpps\":" << s.outpps << ",\"inbps\":" << s.inbps
		  << ",\"outbps\":" << s.outbps << "}";
		return o.str();
	};
	out << "{\"services\":[";
	for (size_t i = 0; i < services.size(); i++) {
		const ServiceEntry &s = services[i];
		out << (i ? "," : "") << "{\"service\":" << service_json(s.id) << ",\"scheduler\":\"" << s.conf.sched
		    << "\",\"flags\":" << s.conf.flags << ",\"persistent\":"
		    << ((s.conf.flags & IP_VS_SVC_F_PERSISTENT) ? std::to_string(s.conf.timeout) : "null")
		    << ",\"netmask\":" << s.conf.netmask << ",\"stats\":" << stats(s.stats) << ",\"servers\":[";
		std::vector<DestEntry> dests = ipvs.dests(s.id);
		for (size_t j = 0; j < dests.size(); j++) {
			const DestEntry &d = dests[j];
			const char *fwd = (d.conn_flags & IP_VS_CONN_F_FWD_MASK) == IP_VS_CONN_F_MASQ     ? "masq"
					  : (d.conn_flags & IP_VS_CONN_F_FWD_MASK) == IP_VS_CONN_F_TUNNEL ? "tunnel"
					  : (d.conn_flags & IP_VS_CONN_F_FWD_MASK) == IP_VS_CONN_F_LOCALNODE ? "local"
														: "route";
			out << (j ? "," : "") << "{\"address\":\"" << d.server.addr.str() << "\",\"port\":" << d.server.port
			    << ",\"forward\":\"" << fwd << "\",\"weight\":" << d.weight << ",\"u_threshold\":" << d.u_thresh
			    << ",\"l_threshold\":" << d.l_thresh << ",\"active\":" << d.active << ",\"inactive\":" << d.inactive
			    << ",\"persistent\":" << d.persistent << ",\"stats\":" << stats(d.stats) << "}";
		}
		out << "]}";
	}
	out << "]}\n";
}

int run(const Options &o)
{
	switch (o.cmd) {
	case Command::AddService: {
		Ipvs ipvs;
		with_context("adding service " + o.service->str(), [&] { ipvs.add_service(*o.service, o.conf); },
			     missing_module(o.conf));
		if (!o.nc.empty()) {
			try {
				apply_nc_policy(*o.service, o.conf, o.nc);
			} catch (...) {
				ipvs.delete_service(*o.service); // no half-applied state
				if (o.conf.pe == NC_PE_NAME)
					forget_engine_policy(*o.service);
				throw;
			}
		}
		return 0;
	}
	case Command::EditService: {
		Ipvs ipvs;
		std::optional<ServiceConf> now;
		with_context("editing service " + o.service->str(), [&] { now = ipvs.conf_of(*o.service); });
		if (!now)
			throw KernelError(ESRCH, "editing service " + o.service->str() + ": no such service");
		// An nc service takes its new policy first, so that a refused
		// policy leaves the service untouched.
		const bool policy_first = now->sched == NC_SCHED_NAME && o.conf.sched == NC_SCHED_NAME;
		if (!o.nc.empty() && policy_first)
			with_context("setting the nc policy of " + o.service->str(),
				     [&] { Nc().set_policy(*o.service, o.nc); });
		with_context("editing service " + o.service->str(), [&] { ipvs.edit_service(*o.service, o.conf); },
			     missing_module(o.conf));
		if (!o.nc.empty()) {
			ServiceConf rest = o.conf;
			if (policy_first)
				rest.sched.clear();
			apply_nc_policy(*o.service, rest, o.nc);
		}
		return 0;
	}
	case Command::DelService: {
		Ipvs ipvs;
		std::optional<ServiceConf> was;
		with_context("deleting service " + o.service->str(), [&] {
			was = ipvs.conf_of(*o.service);
			ipvs.delete_service(*o.service);
		});
		if (was && was->pe == NC_PE_NAME)
			forget_engine_policy(*o.service);
		return 0;
	}
	case Command::Clear:
		with_context("clearing the IPVS table", [&] { Ipvs().flush(); });
		// and the engine policies of the services it deleted
		if (::access("/sys/module/ip_vs_nc", F_OK) == 0)
			with_context("forgetting the nc engine policies", [&] { Nc().forget_engine(std::nullopt); });
		return 0;
	case Command::AddDest:
		with_context("adding real server to " + o.service->str(), [&] { Ipvs().add_dest(*o.service, *o.dest); });
		return 0;
	case Command::EditDest:
		with_context("editing real server of " + o.service->str(), [&] { Ipvs().edit_dest(*o.service, *o.dest); },
			     "no such real server");
		return 0;
	case Command::DelDest:
		with_context("deleting real server of " + o.service->str(),
			     [&] { Ipvs().delete_dest(*o.service, o.dest->server); }, "no such real server");
		return 0;
	case Command::List: {
		if (o.list_connections) {
			std::vector<Connection> conns = read_connections();
			if (o.format == Format::Json)
				print_connections_json(std::cout, conns);
			else
				list_connections(std::cout, conns, o.list_format);
			return 0;
		}
		if (o.list_timeouts) {
			std::array<uint32_t, 3> t{};
			with_context("", [&] { t = Ipvs().timeouts(); });
			if (o.format == Format::Json)
				print_timeouts_json(std::cout, t);
			else
				std::cout << "Timeout (tcp tcpfin udp): " << t[0] << " " << t[1] << " " << t[2] << "\n";
			return 0;
		}
		if (o.list_daemons) {
			std::vector<SyncDaemon> daemons;
			with_context("", [&] { daemons = Ipvs().daemons(); });
			if (o.format == Format::Json)
				print_daemons_json(std::cout, daemons);
			else
				list_daemons(std::cout, daemons);
			return 0;
		}
		if (!o.nc_listing) {
			std::ostringstream out;
			with_context(o.service ? o.service->str() : "", [&] {
				Ipvs ipvs;
				if (o.format == Format::Json)
					print_ipvs_json(out, ipvs, o.service);
				else
					list_ipvs(out, ipvs, o.service, o.list_format);
			});
			std::cout << out.str();
			return 0;
		}
		std::vector<NcService> services, engines;
		with_context(o.service ? o.service->str() : "", [&] {
			Nc nc;
			Ipvs ipvs;
			auto engine = [&](const ServiceId &id) { engines.push_back(NcService{id, nc.engine_policy(id), {}}); };
			if (!o.service) {
				services = nc.list();
				for (const auto &s : ipvs.services())
					if (s.conf.pe == NC_PE_NAME)
						engine(s.id);
				return;
			}
			std::optional<ServiceConf> c = ipvs.conf_of(*o.service);
			if (!c || c->sched == NC_SCHED_NAME || c->pe != NC_PE_NAME)
				services.push_back(nc.get(*o.service)); // or its error
			if (c && c->pe == NC_PE_NAME)
				engine(*o.service);
		});
		print_nc_services(std::cout, services, engines, o.format);
		return 0;
	}
	case Command::Save: {
		std::ostringstream out;
		with_context("saving", [&] {
			Ipvs ipvs;
			std::map<std::string, std::string> nc_options;
			std::optional<Nc> nc; // one socket, and only if some service needs it
			for (const auto &s : ipvs.services()) {
				if (s.conf.sched != NC_SCHED_NAME && s.conf.pe != NC_PE_NAME)
					continue;
				if (!nc)
					nc.emplace();
				if (s.conf.sched == NC_SCHED_NAME) // its class options apply to both
					nc_options[s.id.str()] = nc_rule_options(nc->get(s.id).policy);
				else
					nc_options[s.id.str()] = nc_engine_options(nc->engine_policy(s.id));
			}
			list_ipvs(out, ipvs, std::nullopt, o.list_format | LIST_RULE, nc_options);
		});
		std::cout << out.str();
		return 0;
	}
	case Command::Restore:
		return restore(std::cin);
	case Command::Zero:
		with_context("zeroing counters", [&] { Ipvs().zero(o.service); });
		return 0;
	case Command::SetTimeouts:
		with_context("setting timeouts", [&] { Ipvs().set_timeouts(o.timeouts); });
		return 0;
	case Command::StartDaemon:
	case Command::StopDaemon: {
		const std::string which = o.daemon.state == IP_VS_STATE_MASTER ? "master" : "backup";
		try {
			if (o.cmd == Command::StartDaemon)
				with_context("starting the " + which + " sync daemon",
					     [&] { Ipvs().start_daemon(o.daemon); });
			else
				with_context("stopping the " + which + " sync daemon",
					     [&] { Ipvs().stop_daemon(o.daemon.state); });
		} catch (const KernelError &e) {
			if (e.error == EEXIST)
				throw KernelError(EEXIST, "a " + which + " sync daemon is already running");
			if (e.error == ESRCH)
				throw KernelError(ESRCH, "no " + which + " sync daemon is running");
			throw;
		}
		return 0;
	}
	case Command::NcTable: {
		std::vector<NcEntry> entries;
		with_context(o.service->str(), [&] { entries = Nc().table(*o.service); });
		std::vector<NcEntry> shown;
		for (const auto &e : entries) {
			if (o.cls && !e.cls.contains(*o.cls))
				continue;
			if (o.server && (!(e.server.addr == o.server->addr) ||
					 (o.server->port && e.server.port != o.server->port)))
				continue;
			shown.push_back(e);
		}
		print_nc_table(std::cout, *o.service, shown, o.format);
		return 0;
	}
	case Command::NcFlush: {
		uint32_t n = 0;
		with_context(o.service->str(), [&] { n = Nc().flush(*o.service, o.cls, o.server); });
		print_flushed(std::cout, *o.service, n, o.format);
		return 0;
	}
	case Command::None:
		break;
	}
	return 0;
}

} // namespace
} // namespace ncadm

int main(int argc, char **argv)
{
	using namespace ncadm;
	try {
		return run(parse_args(argc, argv));
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
