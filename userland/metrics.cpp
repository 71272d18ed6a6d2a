// SPDX-License-Identifier: GPL-2.0
#include "metrics.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

extern "C" {
#include "ip_vs_nc.h"
}

namespace ncadm {

namespace {

// node_exporter's ipvs labels of a service: local_address, local_port,
// local_mark, proto.
std::string service_labels(const ServiceId &id)
{
	if (id.fwmark)
		return "local_address=\"\",local_port=\"0\",local_mark=\"" + std::to_string(id.fwmark) +
		       "\",proto=\"FWM\"";
	return "local_address=\"" + id.addr.str() + "\",local_port=\"" + std::to_string(id.port) +
	       "\",local_mark=\"\",proto=\"" + std::string(protocol_name(id.protocol)) + "\"";
}

std::string server_labels(const ServiceId &id, const NcServerLoad &l)
{
	return service_labels(id) + ",remote_address=\"" + l.server.addr.str() + "\",remote_port=\"" +
	       std::to_string(l.server.port) + "\"";
}

std::string number(double v)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.6g", v);
	return buf;
}

// One metric: its HELP and TYPE once, then a sample per labels given.
class Family {
public:
	Family(std::ostream &out, const char *name, const char *type, const char *help) : out_(out), name_(name)
	{
		out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
	}
	void sample(const std::string &labels, const std::string &value)
	{
		out_ << name_ << (labels.empty() ? "" : "{" + labels + "}") << " " << value << "\n";
	}
	void sample(const std::string &labels, uint64_t value) { sample(labels, std::to_string(value)); }

private:
	std::ostream &out_;
	const char *name_;
};

using ServiceValue = std::function<uint64_t(const NcService &)>;

// A per-service counter of the scheduler's (-s nc) services.
void scheduler_counter(std::ostream &out, const std::vector<NcSummary> &all, const char *name, const char *help,
		       const ServiceValue &v)
{
	Family f(out, name, "counter", help);
	for (const auto &s : all)
		if (s.nc)
			f.sample(service_labels(s.id), v(*s.nc));
}

void print_service_metrics(std::ostream &out, const std::vector<NcSummary> &all)
{
	Family info(out, "ipvs_nc_service_info", "gauge",
		    "An nc service: mode scheduler (-s nc) or engine (--pe nc), its class key, first pick and drain rule.");
	for (const auto &s : all) {
		std::string l = service_labels(s.id) + ",mode=\"" + (s.engine ? "engine" : "scheduler") + "\"";
		// One label set for the whole family (node_exporter fills in
		// missing ones with ""): the engine's are empty.
		if (s.nc)
			l += ",key=\"" + format_key(s.nc->policy.key, s.nc->policy.plen4, s.nc->policy.plen6) +
			     "\",pick=\"" + std::string(pick_name(s.nc->policy.pick)) + "\",drain=\"" +
			     std::string(drain_name(s.nc->policy.drain)) + "\"";
		else
			l += ",key=\"\",pick=\"\",drain=\"\"";
		info.sample(l, uint64_t{1});
	}
	Family classes(out, "ipvs_nc_classes", "gauge",
		       "Classes the service holds: sticky-table entries (-s nc) or persistence templates (--pe nc).");
	for (const auto &s : all)
		classes.sample(service_labels(s.id), s.classes);
	Family draining(out, "ipvs_nc_draining_classes", "gauge", "Classes still on real servers of weight 0.");
	for (const auto &s : all) {
		uint64_t n = 0;
		for (const auto &l : s.servers)
			n += l.draining() ? l.classes : 0;
		draining.sample(service_labels(s.id), n);
	}
	Family pins(out, "ipvs_nc_pins", "gauge", "Pinned networks (--nc-pin; -s nc).");
	for (const auto &s : all)
		if (s.nc)
			pins.sample(service_labels(s.id), s.nc->stats.pins);
	Family cap(out, "ipvs_nc_max_entries", "gauge", "Entry cap of the sticky table (-s nc).");
	for (const auto &s : all)
		if (s.nc)
			cap.sample(service_labels(s.id), uint64_t{s.nc->policy.max_entries});
	Family bound(out, "ipvs_nc_bound_ratio", "gauge",
		     "Load bound of the hash first pick, times the fair share (0: none; -s nc).");
	for (const auto &s : all)
		if (s.nc)
			bound.sample(service_labels(s.id), number(s.nc->policy.bound / 100.0));
}

void print_counters(std::ostream &out, const std::vector<NcSummary> &all)
{
	const struct {
		const char *name, *help;
		uint64_t NcStats::*field;
	} counters[] = {
		{"ipvs_nc_lookups_total", "Connections the nc scheduler scheduled.", &NcStats::lookups},
		{"ipvs_nc_hits_total", "Connections that followed their class's entry.", &NcStats::hits},
		{"ipvs_nc_new_classes_total", "Connections of a class with no valid entry (a first pick).",
		 &NcStats::new_classes},
		{"ipvs_nc_expired_total", "Entries that ran out of sticky time.", &NcStats::expired},
		{"ipvs_nc_repicked_total", "Classes moved because their server was drained or removed.",
		 &NcStats::repicked},
		{"ipvs_nc_overflow_total", "First picks not remembered: the table was full.", &NcStats::overflow},
		{"ipvs_nc_noserver_total", "Connections with no real server available.", &NcStats::noserver},
		{"ipvs_nc_bound_spills_total", "New classes the load bound sent past their hash owner.",
		 &NcStats::spilled},
		{"ipvs_nc_handed_back_total", "Idle classes moved back to their hash owner (--nc-handback).",
		 &NcStats::handed_back},
		{"ipvs_nc_pinned_total", "Connections a pin sent to its server (--nc-pin).", &NcStats::pinned},
	};
	for (const auto &c : counters)
		scheduler_counter(out, all, c.name, c.help, [&](const NcService &s) { return s.stats.*c.field; });
}

void print_server_metrics(std::ostream &out, const std::vector<NcSummary> &all)
{
	const struct {
		const char *name, *help;
		std::function<std::string(const NcServerLoad &)> value;
	} gauges[] = {
		{"ipvs_nc_server_classes", "Classes that stick to the real server.",
		 [](const NcServerLoad &l) { return std::to_string(l.classes); }},
		{"ipvs_nc_server_class_share", "The real server's share of the service's classes (0..1).",
		 [](const NcServerLoad &l) { return number(l.class_share); }},
		{"ipvs_nc_server_weight_share", "The real server's share of the service's weights (0..1).",
		 [](const NcServerLoad &l) { return number(l.weight_share); }},
		{"ipvs_nc_server_draining", "1 while the real server has weight 0.",
		 [](const NcServerLoad &l) { return std::string(l.draining() ? "1" : "0"); }},
	};
	for (const auto &g : gauges) {
		Family f(out, g.name, "gauge", g.help);
		for (const auto &s : all)
			for (const auto &l : s.servers)
				f.sample(server_labels(s.id, l), g.value(l));
	}
	// Only servers draining now: the series come and go with the drain.
	const struct {
		const char *name, *help;
		std::optional<uint64_t> NcServerLoad::*ms;
	} drains[] = {
		{"ipvs_nc_server_drain_seconds", "Seconds since the real server's weight became 0 (-s nc).",
		 &NcServerLoad::drain_ms},
		{"ipvs_nc_server_drain_deadline_seconds",
		 "Seconds to the drain deadline of the real server (0: passed; --nc-drain deadline=TIME).",
		 &NcServerLoad::deadline_left_ms},
	};
	for (const auto &g : drains) {
		Family f(out, g.name, "gauge", g.help);
		for (const auto &s : all)
			for (const auto &l : s.servers)
				if (l.*g.ms)
					f.sample(server_labels(s.id, l), number(static_cast<double>(*(l.*g.ms)) / 1000.0));
	}
}

} // namespace

void print_metrics(std::ostream &out, const std::vector<NcSummary> &services, bool loaded)
{
	Family(out, "ipvs_nc_module_loaded", "gauge", "1 when the ip_vs_nc module is loaded.")
		.sample("", uint64_t{loaded});
	if (!loaded)
		return;
	print_service_metrics(out, services);
	print_counters(out, services);
	print_server_metrics(out, services);
}

void write_file_atomically(const std::string &path, const std::string &text)
{
	const std::string tmp = path + ".tmp." + std::to_string(::getpid());
	{
		std::ofstream f(tmp, std::ios::trunc);
		f << text;
		f.flush();
		if (!f) {
			int err = errno;
			std::remove(tmp.c_str());
			throw std::runtime_error("writing " + tmp + ": " + std::strerror(err ? err : EIO));
		}
	}
	if (std::rename(tmp.c_str(), path.c_str()) != 0) {
		int err = errno;
		std::remove(tmp.c_str());
		throw std::runtime_error("renaming " + tmp + " to " + path + ": " + std::strerror(err));
	}
}

} // namespace ncadm
