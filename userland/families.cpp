// SPDX-License-Identifier: GPL-2.0
#include "families.hpp"
#include "codec.hpp"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

extern "C" {
#include "ip_vs_nc.h"
}

namespace ncadm {

// ---- IPVS ----

Ipvs::Ipvs() : sock_(IPVS_GENL_NAME, "IPVS is not available (modprobe ip_vs)") {}

void Ipvs::add_service(const ServiceId &id, const ServiceConf &c)
{
	Message m(sock_.family(), IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
	put_service(m, id, &c);
	sock_.request(m);
}

void Ipvs::edit_service(const ServiceId &id, const ServiceConf &c)
{
	Message m(sock_.family(), IPVS_CMD_SET_SERVICE, IPVS_GENL_VERSION);
	put_service(m, id, &c);
	sock_.request(m);
}

void Ipvs::delete_service(const ServiceId &id)
{
	Message m(sock_.family(), IPVS_CMD_DEL_SERVICE, IPVS_GENL_VERSION);
	put_service(m, id, nullptr);
	sock_.request(m);
}

void Ipvs::flush()
{
	Message m(sock_.family(), IPVS_CMD_FLUSH, IPVS_GENL_VERSION);
	sock_.request(m);
}

void Ipvs::dest_cmd(uint8_t cmd, const ServiceId &id, const DestConf &d, bool full)
{
	Message m(sock_.family(), cmd, IPVS_GENL_VERSION);
	put_service(m, id, nullptr);
	put_dest(m, d, full);
	sock_.request(m);
}

void Ipvs::add_dest(const ServiceId &id, const DestConf &d) { dest_cmd(IPVS_CMD_NEW_DEST, id, d, true); }
void Ipvs::edit_dest(const ServiceId &id, const DestConf &d) { dest_cmd(IPVS_CMD_SET_DEST, id, d, true); }

void Ipvs::delete_dest(const ServiceId &id, const Endpoint &server)
{
	DestConf d;
	d.server = server;
	dest_cmd(IPVS_CMD_DEL_DEST, id, d, false);
}

IpvsInfo Ipvs::info()
{
	Message m(sock_.family(), IPVS_CMD_GET_INFO, IPVS_GENL_VERSION);
	IpvsInfo info;
	sock_.request(m, [&](nlmsghdr *nlh) {
		// The reply's attribute numbers are IPVS_INFO_ATTR_*, not CMD_ATTR_*.
		Attrs<IPVS_INFO_ATTR_MAX> a(nlh);
		if (a[IPVS_INFO_ATTR_VERSION])
			info.version = nla_get_u32(a[IPVS_INFO_ATTR_VERSION]);
		if (a[IPVS_INFO_ATTR_CONN_TAB_SIZE])
			info.conn_tab_size = nla_get_u32(a[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	});
	return info;
}

std::vector<ServiceEntry> Ipvs::services()
{
	std::vector<ServiceEntry> out;
	Message m(sock_.family(), IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION, NLM_F_DUMP);
	sock_.request(m, [&](nlmsghdr *nlh) { out.push_back(parse_service_entry(nlh)); });
	return out;
}

ServiceEntry Ipvs::service(const ServiceId &id)
{
	Message m(sock_.family(), IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION);
	put_service(m, id, nullptr);
	std::optional<ServiceEntry> e;
	sock_.request(m, [&](nlmsghdr *nlh) { e = parse_service_entry(nlh); });
	if (!e)
		throw KernelError(ESRCH, "no such service");
	return *e;
}

std::vector<DestEntry> Ipvs::dests(const ServiceId &id)
{
	std::vector<DestEntry> out;
	Message m(sock_.family(), IPVS_CMD_GET_DEST, IPVS_GENL_VERSION, NLM_F_DUMP);
	put_service(m, id, nullptr);
	sock_.request(m, [&](nlmsghdr *nlh) { out.push_back(parse_dest_entry(nlh, id.af)); });
	return out;
}

void Ipvs::zero(const std::optional<ServiceId> &id)
{
	Message m(sock_.family(), IPVS_CMD_ZERO, IPVS_GENL_VERSION);
	if (id)
		put_service(m, *id, nullptr);
	sock_.request(m);
}

std::array<uint32_t, 3> Ipvs::timeouts()
{
	Message m(sock_.family(), IPVS_CMD_GET_CONFIG, IPVS_GENL_VERSION);
	std::array<uint32_t, 3> t{};
	sock_.request(m, [&](nlmsghdr *nlh) {
		Attrs<IPVS_CMD_ATTR_MAX> a(nlh);
		const int types[] = {IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, IPVS_CMD_ATTR_TIMEOUT_UDP};
		for (size_t i = 0; i < 3; i++)
			if (a[types[i]])
				t[i] = nla_get_u32(a[types[i]]);
	});
	return t;
}

void Ipvs::set_timeouts(const std::array<uint32_t, 3> &t)
{
	Message m(sock_.family(), IPVS_CMD_SET_CONFIG, IPVS_GENL_VERSION);
	const int types[] = {IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, IPVS_CMD_ATTR_TIMEOUT_UDP};
	for (size_t i = 0; i < 3; i++)
		if (t[i])
			m.put_u32(types[i], t[i]);
	sock_.request(m);
}

std::vector<SyncDaemon> Ipvs::daemons()
{
	std::vector<SyncDaemon> out;
	Message m(sock_.family(), IPVS_CMD_GET_DAEMON, IPVS_GENL_VERSION, NLM_F_DUMP);
	sock_.request(m, [&](nlmsghdr *nlh) {
		if (auto d = parse_daemon(nlh))
			out.push_back(*d);
	});
	return out;
}

void Ipvs::start_daemon(const SyncDaemon &d)
{
	Message m(sock_.family(), IPVS_CMD_NEW_DAEMON, IPVS_GENL_VERSION);
	put_daemon(m, d, true);
	sock_.request(m);
}

void Ipvs::stop_daemon(uint32_t state)
{
	Message m(sock_.family(), IPVS_CMD_DEL_DAEMON, IPVS_GENL_VERSION);
	SyncDaemon d;
	d.state = state;
	put_daemon(m, d, false);
	sock_.request(m);
}

std::optional<ServiceConf> Ipvs::conf_of(const ServiceId &id)
{
	Message m(sock_.family(), IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION);
	put_service(m, id, nullptr);
	std::optional<ServiceConf> conf;
	try {
		sock_.request(m, [&](nlmsghdr *nlh) { conf = parse_service_entry(nlh).conf; });
	} catch (const KernelError &e) {
		if (e.error == ESRCH || e.error == ENOENT)
			return std::nullopt;
		throw;
	}
	return conf;
}

// ---- IPVS_NC ----

namespace {
// Sends @m and returns the NC_ATTR_FLUSHED count of the reply.
uint32_t request_count(GenlSocket &sock, Message &m)
{
	uint32_t n = 0;
	sock.request(m, [&](nlmsghdr *nlh) {
		Attrs<NC_ATTR_MAX> top(nlh);
		if (top[NC_ATTR_FLUSHED])
			n = nla_get_u32(top[NC_ATTR_FLUSHED]);
	});
	return n;
}
} // namespace

Nc::Nc() : sock_(NC_GENL_NAME, "the nc scheduler is not loaded (modprobe ip_vs_nc)", "ip_vs_nc") {}

NcService Nc::get(const ServiceId &id)
{
	Message m(sock_.family(), NC_CMD_GET_SERVICE, NC_GENL_VERSION);
	put_nc_service(m, id);
	std::optional<NcService> out;
	sock_.request(m, [&](nlmsghdr *nlh) { out = parse_nc_service(nlh); });
	if (!out)
		throw KernelError(EIO, "no answer from the nc family");
	if (out->stats.pins)
		out->pins = pins(id);
	return *out;
}

std::vector<NcService> Nc::list()
{
	std::vector<NcService> out;
	Message m(sock_.family(), NC_CMD_GET_SERVICE, NC_GENL_VERSION, NLM_F_DUMP);
	sock_.request(m, [&](nlmsghdr *nlh) { out.push_back(parse_nc_service(nlh)); });
	for (auto &s : out)
		if (s.stats.pins)
			s.pins = pins(s.id);
	return out;
}

void Nc::set_policy(const ServiceId &id, const NcPolicyChange &c)
{
	Message m(sock_.family(), NC_CMD_SET_POLICY, NC_GENL_VERSION);
	put_nc_service(m, id);
	put_nc_policy(m, c);
	sock_.request(m);
}

NcPolicy Nc::engine_policy(const ServiceId &id)
{
	Message m(sock_.family(), NC_CMD_GET_SERVICE, NC_GENL_VERSION);
	put_nc_service(m, id);
	m.put_flag(NC_ATTR_ENGINE);
	std::optional<NcService> out;
	sock_.request(m, [&](nlmsghdr *nlh) { out = parse_nc_service(nlh); });
	if (!out)
		throw KernelError(EIO, "no answer from the nc family");
	return out->policy;
}

void Nc::set_engine_policy(const ServiceId &id, const NcPolicyChange &c)
{
	Message m(sock_.family(), NC_CMD_SET_POLICY, NC_GENL_VERSION);
	put_nc_service(m, id);
	m.put_flag(NC_ATTR_ENGINE);
	put_nc_policy(m, c);
	sock_.request(m);
}

uint32_t Nc::forget_engine(const std::optional<ServiceId> &id)
{
	Message m(sock_.family(), NC_CMD_DEL_ENGINE, NC_GENL_VERSION);
	if (id)
		put_nc_service(m, *id);
	return request_count(sock_, m);
}

std::vector<NcEntry> Nc::table(const ServiceId &id)
{
	get(id); // a dump cannot say "no such service"; this can
	// A table that grows or shrinks while it is dumped rearranges its
	// buckets; the kernel flags that dump (NLM_F_DUMP_INTR), and we read
	// again: resizes come at doublings, so a second read is whole.
	for (int attempt = 1;; attempt++) {
		std::vector<NcEntry> out;
		Message m(sock_.family(), NC_CMD_GET_TABLE, NC_GENL_VERSION, NLM_F_DUMP);
		put_nc_service(m, id);
		try {
			sock_.request(m, [&](nlmsghdr *nlh) { out.push_back(parse_nc_entry(nlh)); });
			return out;
		} catch (const KernelError &e) {
			if (e.error != EINTR || attempt == 5)
				throw;
		}
	}
}

uint32_t Nc::flush(const ServiceId &id, const std::optional<Address> &cls,
		   const std::optional<Endpoint> &server)
{
	Message m(sock_.family(), NC_CMD_FLUSH, NC_GENL_VERSION);
	put_nc_service(m, id);
	if (cls)
		put_nc_addr(m, NC_ATTR_CLASS, *cls, std::nullopt, std::nullopt);
	if (server)
		put_nc_addr(m, NC_ATTR_DEST, server->addr, std::nullopt,
			    server->port ? std::optional<uint16_t>(server->port) : std::nullopt);
	return request_count(sock_, m);
}

namespace {
void put_class_arg(Message &m, const ClassArg &c)
{
	put_nc_addr(m, NC_ATTR_CLASS, c.addr, c.plen, std::nullopt);
}

// A real server of a pin or move: always with its port (0 for fwmark services).
void put_server(Message &m, const Endpoint &server)
{
	put_nc_addr(m, NC_ATTR_DEST, server.addr, std::nullopt, server.port);
}
} // namespace

std::vector<NcPin> Nc::pins(const ServiceId &id)
{
	Message m(sock_.family(), NC_CMD_GET_PINS, NC_GENL_VERSION);
	put_nc_service(m, id);
	std::vector<NcPin> out;
	sock_.request(m, [&](nlmsghdr *nlh) { out = parse_nc_pins(nlh); });
	return out;
}

void Nc::pin(const ServiceId &id, const ClassArg &net, const Endpoint &server)
{
	Message m(sock_.family(), NC_CMD_SET_PIN, NC_GENL_VERSION);
	put_nc_service(m, id);
	put_class_arg(m, net);
	put_server(m, server);
	sock_.request(m);
}

uint32_t Nc::unpin(const ServiceId &id, const std::optional<ClassArg> &net)
{
	Message m(sock_.family(), NC_CMD_DEL_PIN, NC_GENL_VERSION);
	put_nc_service(m, id);
	if (net)
		put_class_arg(m, *net);
	return request_count(sock_, m);
}

void Nc::restore_entry(const ServiceId &id, const NcEntry &e)
{
	Message m(sock_.family(), NC_CMD_SET_ENTRY, NC_GENL_VERSION);
	put_nc_service(m, id);
	{
		Message::Nest n(m, NC_ATTR_ENTRY);
		put_nc_addr(m, NC_ENTRY_ATTR_CLASS, e.cls.addr, e.cls.plen, std::nullopt);
		put_nc_addr(m, NC_ENTRY_ATTR_DEST, e.server.addr, std::nullopt, e.server.port);
		m.put_u64(NC_ENTRY_ATTR_LEFT_MS, e.left_ms);
	}
	sock_.request(m);
}

NcMove Nc::move(const ServiceId &id, const Address &cls, const Endpoint &server)
{
	Message m(sock_.family(), NC_CMD_MOVE, NC_GENL_VERSION);
	put_nc_service(m, id);
	put_class_arg(m, ClassArg{cls, std::nullopt});
	put_server(m, server);
	std::optional<NcMove> out;
	sock_.request(m, [&](nlmsghdr *nlh) { out = parse_nc_move(nlh); });
	if (!out)
		throw KernelError(EIO, "no answer from the nc family");
	return *out;
}

} // namespace ncadm
