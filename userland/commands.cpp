// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include "families.hpp"
#include "insight.hpp"
#include "ipvs_list.hpp"
#include "live.hpp"
#include "metrics.hpp"
#include "output.hpp"

#include <linux/ip_vs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

extern "C" {
#include "ip_vs_nc.h"
#include "nc_policy.h"
}

namespace ncadm {

namespace {

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

} // namespace

void with_context(const std::string &doing, const std::function<void()> &f, const std::string &enoent)
{
	try {
		f();
	} catch (const KernelError &e) {
		throw KernelError(e.error, explain(e, doing, enoent));
	}
}

namespace {

// ENOENT from -A/-E: IPVS found no scheduler or persistence engine module.
std::string missing_module(const ServiceConf &c)
{
	std::string m = "scheduler '" + c.sched + "'";
	if (!c.pe.empty())
		m += " or persistence engine '" + c.pe + "'";
	return m + " not found (modprobe ip_vs_" + c.sched + (c.pe.empty() ? "" : ", ip_vs_pe_" + c.pe) + ")";
}

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

} // namespace

int cmd_add_service(const Options &o)
{
	Ipvs ipvs;
	with_context("adding service " + o.service->str(), [&] { ipvs.add_service(*o.service, o.conf); },
		     missing_module(o.conf));
	if (o.nc.empty())
		return 0;
	try {
		apply_nc_policy(*o.service, o.conf, o.nc);
	} catch (...) {
		ipvs.delete_service(*o.service); // no half-applied state
		if (o.conf.pe == NC_PE_NAME)
			forget_engine_policy(*o.service);
		throw;
	}
	return 0;
}

int cmd_edit_service(const Options &o)
{
	Ipvs ipvs;
	std::optional<ServiceConf> now;
	with_context("editing service " + o.service->str(), [&] { now = ipvs.conf_of(*o.service); });
	if (!now)
		throw KernelError(ESRCH, "editing service " + o.service->str() + ": no such service");
	// An nc service takes its new policy first, so that a refused
	// policy leaves the service untouched.
	const bool policy_first = now->sched == NC_SCHED_NAME && o.conf.sched == NC_SCHED_NAME;
	if (!o.nc.empty() && policy_first)
		with_context("setting the nc policy of " + o.service->str(), [&] { Nc().set_policy(*o.service, o.nc); });
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

int cmd_delete_service(const Options &o)
{
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

int cmd_clear(const Options &)
{
	with_context("clearing the IPVS table", [&] { Ipvs().flush(); });
	// and the engine policies of the services it deleted
	if (::access("/sys/module/ip_vs_nc", F_OK) == 0)
		with_context("forgetting the nc engine policies", [&] { Nc().forget_engine(std::nullopt); });
	return 0;
}

int cmd_add_server(const Options &o)
{
	with_context("adding real server to " + o.service->str(), [&] { Ipvs().add_dest(*o.service, *o.dest); });
	return 0;
}

int cmd_edit_server(const Options &o)
{
	with_context("editing real server of " + o.service->str(), [&] { Ipvs().edit_dest(*o.service, *o.dest); },
		     "no such real server");
	return 0;
}

int cmd_delete_server(const Options &o)
{
	with_context("deleting real server of " + o.service->str(),
		     [&] { Ipvs().delete_dest(*o.service, o.dest->server); }, "no such real server");
	return 0;
}

namespace {

void list_connections_cmd(const Options &o)
{
	std::vector<Connection> conns = read_connections();
	if (o.format == Format::Json)
		print_connections_json(std::cout, conns);
	else
		list_connections(std::cout, conns, o.list_format);
}

void list_timeouts(const Options &o)
{
	std::array<uint32_t, 3> t{};
	with_context("", [&] { t = Ipvs().timeouts(); });
	print_timeouts(std::cout, t, o.format);
}

void list_daemons_cmd(const Options &o)
{
	std::vector<SyncDaemon> daemons;
	with_context("", [&] { daemons = Ipvs().daemons(); });
	if (o.format == Format::Json)
		print_daemons_json(std::cout, daemons);
	else
		list_daemons(std::cout, daemons);
}

void list_services(const Options &o)
{
	std::ostringstream out;
	with_context(o.service ? o.service->str() : "", [&] {
		Ipvs ipvs;
		if (o.format == Format::Json)
			print_ipvs_json(out, ipvs, o.service);
		else
			list_ipvs(out, ipvs, o.service, o.list_format);
	});
	std::cout << out.str();
}

// -L --nc: the nc scheduler's services and the engine's, or one service.
void list_nc(const Options &o)
{
	std::vector<NcService> services, engines;
	with_context(o.service ? o.service->str() : "", [&] {
		Nc nc;
		Ipvs ipvs;
		auto engine = [&](const ServiceId &id) { engines.push_back(NcService{id, nc.engine_policy(id), {}, {}, {}}); };
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
}

} // namespace

int cmd_list(const Options &o)
{
	if (o.list_connections)
		list_connections_cmd(o);
	else if (o.list_timeouts)
		list_timeouts(o);
	else if (o.list_daemons)
		list_daemons_cmd(o);
	else if (o.nc_listing)
		list_nc(o);
	else
		list_services(o);
	return 0;
}

int cmd_save(const Options &o)
{
	std::ostringstream out;
	with_context("saving", [&] {
		Ipvs ipvs;
		std::map<std::string, NcRules> nc_rules;
		std::optional<Nc> nc; // one socket, and only if some service needs it
		for (const auto &s : ipvs.services()) {
			if (s.conf.sched != NC_SCHED_NAME && s.conf.pe != NC_PE_NAME)
				continue;
			if (!nc)
				nc.emplace();
			if (s.conf.sched == NC_SCHED_NAME) { // its class options apply to both
				NcService svc = nc->get(s.id);
				nc_rules[s.id.str()] = NcRules{nc_rule_options(svc.policy), svc.pins};
			} else {
				nc_rules[s.id.str()] = NcRules{nc_engine_options(nc->engine_policy(s.id)), {}};
			}
		}
		list_ipvs(out, ipvs, std::nullopt, o.list_format | LIST_RULE, nc_rules);
	});
	std::cout << out.str();
	return 0;
}

int cmd_zero(const Options &o)
{
	with_context("zeroing counters", [&] { Ipvs().zero(o.service); });
	return 0;
}

int cmd_set_timeouts(const Options &o)
{
	with_context("setting timeouts", [&] { Ipvs().set_timeouts(o.timeouts); });
	return 0;
}

namespace {

// A sync daemon's EEXIST/ESRCH in an operator's words.
void with_daemon_context(const Options &o, const std::string &doing, const std::function<void()> &f)
{
	const std::string which = o.daemon.state == IP_VS_STATE_MASTER ? "master" : "backup";
	try {
		with_context(doing + " the " + which + " sync daemon", f);
	} catch (const KernelError &e) {
		if (e.error == EEXIST)
			throw KernelError(EEXIST, "a " + which + " sync daemon is already running");
		if (e.error == ESRCH)
			throw KernelError(ESRCH, "no " + which + " sync daemon is running");
		throw;
	}
}

} // namespace

int cmd_start_daemon(const Options &o)
{
	with_daemon_context(o, "starting", [&] { Ipvs().start_daemon(o.daemon); });
	return 0;
}

int cmd_stop_daemon(const Options &o)
{
	with_daemon_context(o, "stopping", [&] { Ipvs().stop_daemon(o.daemon.state); });
	return 0;
}

namespace {

// --nc-table's --class and --server filters.
bool shown(const Options &o, const Network &cls, const Endpoint &server)
{
	if (o.cls && !cls.contains(o.cls->addr))
		return false;
	return !o.server ||
	       (server.addr == o.server->addr && (!o.server->port || server.port == o.server->port));
}

} // namespace

int cmd_nc_table(const Options &o)
{
	std::vector<NcPin> pins;
	std::vector<NcEntry> entries;
	with_context(o.service->str(), [&] {
		Nc nc;
		entries = nc.table(*o.service); // says "no such service" first
		pins = nc.pins(*o.service);
	});
	pins.erase(std::remove_if(pins.begin(), pins.end(),
				  [&](const NcPin &p) { return !shown(o, p.net, p.server); }),
		   pins.end());
	entries.erase(std::remove_if(entries.begin(), entries.end(),
				     [&](const NcEntry &e) { return !shown(o, e.cls, e.server); }),
		      entries.end());
	print_nc_table(std::cout, *o.service, pins, entries, o.format);
	return 0;
}

int cmd_nc_flush(const Options &o)
{
	uint32_t n = 0;
	std::optional<Address> cls;
	if (o.cls)
		cls = o.cls->addr;
	with_context(o.service->str(), [&] { n = Nc().flush(*o.service, cls, o.server); });
	print_flushed(std::cout, *o.service, n, o.format);
	return 0;
}

int cmd_nc_pin(const Options &o)
{
	with_context("pinning " + o.cls->str() + " of " + o.service->str(),
		     [&] { Nc().pin(*o.service, *o.cls, o.dest->server); });
	return 0;
}

int cmd_nc_unpin(const Options &o)
{
	uint32_t n = 0;
	with_context("unpinning " + (o.cls ? o.cls->str() + " of " : "") + o.service->str(),
		     [&] { n = Nc().unpin(*o.service, o.cls); });
	print_unpinned(std::cout, *o.service, n, o.format);
	return 0;
}

int cmd_nc_move(const Options &o)
{
	NcMove mv;
	with_context("moving the class of " + o.cls->str() + " of " + o.service->str(),
		     [&] { mv = Nc().move(*o.service, o.cls->addr, o.dest->server); });
	print_moved(std::cout, *o.service, mv, o.dest->server, o.format);
	return 0;
}

int cmd_nc_save_table(const Options &o)
{
	std::ostringstream out;
	with_context(o.service ? o.service->str() : "saving the sticky tables", [&] {
		Nc nc;
		const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
		if (o.service) {
			print_saved_entries(out, *o.service, nc.table(*o.service), now);
			return;
		}
		for (const auto &s : nc.list())
			print_saved_entries(out, s.id, nc.table(s.id), now);
	});
	std::cout << out.str();
	return 0;
}

// An entry saved by --nc-save-table. One whose time has passed since, or
// whose server is no longer in the service, is left out, as the table
// would have dropped it: a changed configuration keeps the other classes.
int cmd_nc_entry(const Options &o)
{
	const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
	if (*o.expires <= now)
		return 0;
	NcEntry e;
	e.cls = Network{o.cls->addr, *o.cls->plen};
	e.server = o.dest->server;
	e.left_ms = (*o.expires - now) * 1000;
	try {
		Nc().restore_entry(*o.service, e);
	} catch (const KernelError &err) {
		if (err.error == ENOENT && std::string(err.what()) == NC_ERR_PIN_SERVER)
			return 0;
		with_context("restoring the entry of " + o.cls->str() + " of " + o.service->str(), [&] { throw; });
	}
	return 0;
}

namespace {

bool nc_module_loaded()
{
	return ::access("/sys/module/ip_vs_nc", F_OK) == 0;
}

// The services with -s nc or --pe nc: @one (refused if it has neither),
// or all of them.
std::vector<ServiceEntry> nc_services(Ipvs &ipvs, const std::optional<ServiceId> &one)
{
	std::vector<ServiceEntry> all = one ? std::vector<ServiceEntry>{ipvs.service(*one)} : ipvs.services();
	std::vector<ServiceEntry> nc;
	for (const auto &s : all)
		if (s.conf.sched == NC_SCHED_NAME || s.conf.pe == NC_PE_NAME)
			nc.push_back(s);
	if (one && nc.empty())
		throw KernelError(EINVAL, "uses neither -s nc nor --pe nc (its scheduler is " + all[0].conf.sched + ")");
	return nc;
}

// One moment of the nc services (@one, or all): IPVS's services and
// servers, each -s nc service's policy, counters, drains and table, and
// the connection table if a --pe nc service needs it.
NcSnapshot fetch_snapshot(const std::optional<ServiceId> &one)
{
	Ipvs ipvs;
	std::optional<Nc> nc;
	NcSnapshot snap;
	for (const auto &s : nc_services(ipvs, one)) {
		NcServiceData d{s, ipvs.dests(s.id), std::nullopt, {}};
		if (s.conf.sched == NC_SCHED_NAME) {
			if (!nc)
				nc.emplace();
			d.nc = nc->get(s.id);
			d.table = nc->table(s.id);
		}
		snap.services.push_back(std::move(d));
	}
	if (std::any_of(snap.services.begin(), snap.services.end(), [](const auto &d) { return !d.scheduler(); }))
		snap.conns = read_connections();
	return snap;
}

void need_nc_module()
{
	if (!nc_module_loaded())
		throw KernelError(ENOENT, "ip_vs_nc is not loaded (modprobe ip_vs_nc)");
}

} // namespace

int cmd_nc_summary(const Options &o)
{
	std::vector<NcSummary> summaries;
	with_context(o.service ? o.service->str() : "", [&] {
		need_nc_module();
		std::optional<NcSnapshot> before;
		if (o.interval_s) {
			before = fetch_snapshot(o.service);
			std::this_thread::sleep_for(std::chrono::seconds(o.interval_s));
		}
		summaries = summarize_snapshot(fetch_snapshot(o.service), before ? &*before : nullptr,
					       uint64_t{o.interval_s} * 1000, o.top_n);
	});
	print_nc_summaries(std::cout, summaries, o.format);
	return 0;
}

int cmd_nc_metrics(const Options &o)
{
	std::vector<NcSummary> summaries;
	const bool loaded = nc_module_loaded();
	if (loaded)
		with_context("reading the nc services",
			     [&] { summaries = summarize_snapshot(fetch_snapshot(std::nullopt), nullptr, 0, 0); });
	std::ostringstream text;
	print_metrics(text, summaries, loaded);
	if (o.textfile.empty())
		std::cout << text.str();
	else
		write_file_atomically(o.textfile, text.str());
	return 0;
}

int cmd_nc_top(const Options &o)
{
	std::optional<NcSnapshot> before;
	run_live(
		[&](double secs) {
			std::vector<NcSummary> out;
			with_context(o.service ? o.service->str() : "", [&] {
				need_nc_module();
				NcSnapshot now = fetch_snapshot(o.service);
				out = summarize_snapshot(now, before ? &*before : nullptr,
							 static_cast<uint64_t>(secs * 1000), o.top_n);
				before = std::move(now);
			});
			return out;
		},
		std::max(o.interval_s, 1u));
	return 0;
}

} // namespace ncadm
