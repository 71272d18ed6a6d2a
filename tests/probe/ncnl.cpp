// SPDX-License-Identifier: GPL-2.0
//
// ncnl - talks to the IPVS_NC family the way ncadm never would, to prove
// that the kernel refuses bad input precisely and changes nothing.
//
//   ncnl cases VIP:PORT      table-driven malformed requests, each with the
//                            errno (and ext-ack words) it must get
//   ncnl fuzz VIP:PORT N     N random requests; each must be answered
//   ncnl eperm VIP:PORT      every command must be refused with EPERM
//   ncnl fuzz-unprivileged VIP:PORT N
//                            N random requests, all to be refused
//   ncnl churn VIP:PORT RS:PORT,RS:PORT,RS:PORT INTERVAL_MS PID...
//                            change the service every INTERVAL_MS while
//                            any PID lives
//
// The service must exist with scheduler nc. After every refused request
// the policy must be what it was. Prints "N passed, N failed".
#include "families.hpp"
#include "snapshot.hpp"

#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <array>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "ip_vs_nc.h"
#include "nc_policy.h"
}

using namespace ncadm;

namespace {

int passed = 0, failed = 0;

void result(bool ok, const std::string &name, const std::string &detail)
{
	(ok ? passed : failed)++;
	std::cout << (ok ? "ok: " : "FAIL: ") << name << (detail.empty() ? "" : " (" + detail + ")") << "\n";
}

struct Ctx {
	GenlSocket sock{NC_GENL_NAME, "ip_vs_nc is not loaded"};
	ServiceId svc;
};

void put_svc(Message &m, const ServiceId &id)
{
	Message::Nest n(m, NC_ATTR_SERVICE);
	m.put_u16(NC_SVC_ATTR_AF, AF_INET);
	m.put_u16(NC_SVC_ATTR_PROTOCOL, id.protocol);
	m.put(NC_SVC_ATTR_ADDR, id.addr.bytes.data(), 4);
	m.put_u16(NC_SVC_ATTR_PORT, htons(id.port));
}

// Sends @m; returns 0 or the errno, with the ext-ack message in @msg.
int send(Ctx &c, Message &m, std::string *msg = nullptr)
{
	try {
		c.sock.request(m);
		return 0;
	} catch (const KernelError &e) {
		if (msg)
			*msg = e.what();
		return e.error;
	}
}

struct Case {
	const char *name;
	int want;		// errno
	const char *words;	// in the ext-ack message, or nullptr
	std::function<void(Message &, const ServiceId &)> build;
	uint8_t cmd = NC_CMD_SET_POLICY;
};

// An IPv4 address nest of attribute @type; @plen, @port < 0 leave them out.
void put_addr4(Message &m, int type, std::array<uint8_t, 4> a, int plen = -1, int port = -1)
{
	Message::Nest n(m, type);
	m.put_u16(NC_ADDR_ATTR_AF, AF_INET);
	m.put(NC_ADDR_ATTR_ADDR, a.data(), 4);
	if (plen >= 0)
		m.put_u8(NC_ADDR_ATTR_PLEN, static_cast<uint8_t>(plen));
	if (port >= 0)
		m.put_u16(NC_ADDR_ATTR_PORT, htons(static_cast<uint16_t>(port)));
}

// One nc-subnet network nest; @plen < 0 leaves the length out.
void put_net(Message &m, uint8_t first_octet, uint8_t second_octet, int plen)
{
	Message::Nest n(m, NC_SUBNET_ATTR_NET);
	uint8_t a[4] = {first_octet, second_octet, 0, 0};
	m.put_u16(NC_ADDR_ATTR_AF, AF_INET);
	m.put(NC_ADDR_ATTR_ADDR, a, 4);
	if (plen >= 0)
		m.put_u8(NC_ADDR_ATTR_PLEN, static_cast<uint8_t>(plen));
}

void policy(Message &m, const std::function<void()> &f)
{
	Message::Nest p(m, NC_ATTR_POLICY);
	f();
}

int run_cases(Ctx &c)
{
	Nc nc;
	const NcPolicy before = nc.get(c.svc).policy;
	const std::vector<Case> cases = {
		{"no service", EINVAL, "missing service",
		 [](Message &m, const ServiceId &) { policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); }); }},
		{"service without family", EINVAL, "address family",
		 [](Message &m, const ServiceId &) {
			 { Message::Nest n(m, NC_ATTR_SERVICE); m.put_u32(NC_SVC_ATTR_FWMARK, 1); }
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"family 99", EAFNOSUPPORT, "AF_INET",
		 [](Message &m, const ServiceId &) {
			 { Message::Nest n(m, NC_ATTR_SERVICE); m.put_u16(NC_SVC_ATTR_AF, 99); }
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"5-byte service address", EINVAL, "address length",
		 [](Message &m, const ServiceId &id) {
			 {
				 Message::Nest n(m, NC_ATTR_SERVICE);
				 m.put_u16(NC_SVC_ATTR_AF, AF_INET);
				 m.put_u16(NC_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
				 m.put(NC_SVC_ATTR_ADDR, id.addr.bytes.data(), 5);
				 m.put_u16(NC_SVC_ATTR_PORT, htons(id.port));
			 }
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"no such service", ENOENT, "no such service",
		 [](Message &m, const ServiceId &id) {
			 ServiceId other = id;
			 other.port = static_cast<uint16_t>(id.port + 1000);
			 put_svc(m, other);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"no policy", EINVAL, "missing policy", [](Message &m, const ServiceId &id) { put_svc(m, id); }},
		{"sticky 0", ERANGE, NC_ERR_STICKY,
		 [](Message &m, const ServiceId &id) { put_svc(m, id); policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 0); }); }},
		{"sticky 40 days", ERANGE, NC_ERR_STICKY,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 40 * 86400); });
		 }},
		{"sticky as 2 bytes", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u16(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"key mode 7", ERANGE, nullptr,
		 [](Message &m, const ServiceId &id) { put_svc(m, id); policy(m, [&] { m.put_u8(NC_POL_ATTR_KEY, 7); }); }},
		{"IPv6 prefix 129", ERANGE, nullptr,
		 [](Message &m, const ServiceId &id) { put_svc(m, id); policy(m, [&] { m.put_u8(NC_POL_ATTR_PLEN6, 129); }); }},
		{"pick 9", ERANGE, nullptr,
		 [](Message &m, const ServiceId &id) { put_svc(m, id); policy(m, [&] { m.put_u8(NC_POL_ATTR_PICK, 9); }); }},
		{"entry cap 0", ERANGE, NC_ERR_MAX_ENTRIES,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_MAX_ENTRIES, 0); });
		 }},
		{"load bound 1.00", ERANGE, NC_ERR_BOUND,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_BOUND, 100); });
		 }},
		{"load bound with the wlc pick", EINVAL, NC_ERR_BOUND_PICK,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 m.put_u32(NC_POL_ATTR_BOUND, 125);
				 m.put_u8(NC_POL_ATTR_PICK, NC_PICK_WLC);
			 });
		 }},
		{"valid sticky with a bad pick: nothing applied", ERANGE, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 m.put_u32(NC_POL_ATTR_STICKY, 77);
				 m.put_u8(NC_POL_ATTR_PICK, 200);
			 });
		 }},
		{"engine policy with a sticky time", EINVAL, "the persistence engine takes only the class key",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 m.put_flag(NC_ATTR_ENGINE);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		 }},
		{"engine policy, nc-subnet with host bits", EINVAL, NC_ERR_SUBNET_HOST_BITS,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 m.put_flag(NC_ATTR_ENGINE);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 1, 8);
			 });
		 }},
		{"nc-subnet with host bits", EINVAL, NC_ERR_SUBNET_HOST_BITS,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 1, 8);
			 });
		 }},
		{"nc-subnet without prefix length", EINVAL, "prefix length",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 0, -1);
			 });
		 }},
		{"IPv4 nc-subnet /40", EINVAL, NC_ERR_SUBNET_PLEN,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 0, 40);
			 });
		 }},
		{"nc-subnet twice", EINVAL, NC_ERR_SUBNET_DUP,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 0, 8);
				 put_net(m, 10, 0, 8);
			 });
		 }},
		{"33 nc-subnets", E2BIG, NC_ERR_SUBNET_COUNT,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 for (int i = 0; i < 33; i++)
					 put_net(m, static_cast<uint8_t>(i + 1), 0, 8);
			 });
		 }},
		{"unknown top-level attribute", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
			 m.put_u32(120, 1);
		 }},
		{"unknown policy attribute", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 m.put_u32(NC_POL_ATTR_STICKY, 60);
				 m.put_u32(99, 1);
			 });
		 }},
		{"reply-only attribute in a request", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 m.put_u32(NC_ATTR_FLUSHED, 3);
		 }},
		{"flush a class and a server", EINVAL, "not both",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 uint8_t a[4] = {10, 0, 0, 1};
			 for (int t : {NC_ATTR_CLASS, NC_ATTR_DEST}) {
				 Message::Nest n(m, t);
				 m.put_u16(NC_ADDR_ATTR_AF, AF_INET);
				 m.put(NC_ADDR_ATTR_ADDR, a, 4);
			 }
		 },
		 NC_CMD_FLUSH},
		{"flush class without address", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 Message::Nest n(m, NC_ATTR_CLASS);
			 m.put_u16(NC_ADDR_ATTR_AF, AF_INET);
		 },
		 NC_CMD_FLUSH},
		{"pin without a real server", EINVAL, "needs a class",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 put_addr4(m, NC_ATTR_CLASS, {100, 64, 0, 0}, 10);
		 },
		 NC_CMD_SET_PIN},
		{"pin to a real server without a port", EINVAL, "needs a port",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 put_addr4(m, NC_ATTR_CLASS, {100, 64, 0, 0});
			 put_addr4(m, NC_ATTR_DEST, {100, 64, 0, 0});
		 },
		 NC_CMD_SET_PIN},
		{"pinned network with host bits", EINVAL, "host bits",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 put_addr4(m, NC_ATTR_CLASS, {100, 65, 0, 0}, 10);
			 put_addr4(m, NC_ATTR_DEST, {100, 65, 0, 0}, -1, 80);
		 },
		 NC_CMD_SET_PIN},
		{"move a network", EINVAL, "takes an address",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 put_addr4(m, NC_ATTR_CLASS, {71, 0, 0, 0}, 8);
			 put_addr4(m, NC_ATTR_DEST, {71, 0, 0, 0}, -1, 80);
		 },
		 NC_CMD_MOVE},
		{"pins in a request", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 Message::Nest n(m, NC_ATTR_PINS);
		 },
		 NC_CMD_GET_PINS},
		{"saved entry without its time left", EINVAL, "time left",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 Message::Nest e(m, NC_ATTR_ENTRY);
			 put_addr4(m, NC_ENTRY_ATTR_CLASS, {71, 0, 0, 0}, 8);
			 put_addr4(m, NC_ENTRY_ATTR_DEST, {71, 0, 0, 0}, -1, 80);
		 },
		 NC_CMD_SET_ENTRY},
		{"saved entry with a reply-only field", EINVAL, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 Message::Nest e(m, NC_ATTR_ENTRY);
			 m.put_u64(NC_ENTRY_ATTR_LEFT_MS, 1000);
			 m.put_u64(NC_ENTRY_ATTR_CONNS, 1);
		 },
		 NC_CMD_SET_ENTRY},
		{"unknown command 77", EOPNOTSUPP, nullptr, [](Message &m, const ServiceId &id) { put_svc(m, id); }, 77},
		{"command 0", EOPNOTSUPP, nullptr, [](Message &m, const ServiceId &id) { put_svc(m, id); }, 0},
	};
	for (const auto &k : cases) {
		Message m(c.sock.family(), k.cmd, NC_GENL_VERSION);
		k.build(m, c.svc);
		std::string msg;
		int got = send(c, m, &msg);
		bool ok = got == k.want && (!k.words || msg.find(k.words) != std::string::npos);
		bool unchanged = same_policy(nc.get(c.svc).policy, before);
		result(ok && unchanged, k.name,
		       "errno " + std::to_string(got) + " " + std::strerror(got) + ", want " + std::to_string(k.want) +
			       (msg.empty() ? "" : ", \"" + msg + "\"") + (unchanged ? "" : ", POLICY CHANGED"));
	}
	return 0;
}

// Does the kernel's policy keep every rule of include/nc_policy.h?
bool policy_in_range(const NcPolicy &p)
{
	nc_policy k{};
	k.key_mode = p.key;
	k.plen4 = p.plen4;
	k.plen6 = p.plen6;
	k.pick = p.pick;
	k.drain = p.drain;
	k.drain_secs = p.drain_secs;
	k.bound = p.bound;
	k.handback_idle = p.handback_idle;
	k.handback_rate = p.handback_rate;
	k.sticky_secs = p.sticky;
	k.max_entries = p.max_entries;
	for (const Network &n : p.subnets) // a 33rd is refused as "too many"
		if (nc_policy_add_subnet(&k, n.addr.af == AF_INET ? NC_FAMILY_INET : NC_FAMILY_INET6,
					 n.addr.bytes.data(), n.plen))
			return false;
	return nc_policy_check(&k) == nullptr;
}

using Rnd = std::function<int(int, int)>;

void put_random_bytes(Message &m, int type, size_t len, const Rnd &rnd)
{
	std::vector<uint8_t> data(len);
	for (auto &b : data)
		b = static_cast<uint8_t>(rnd(0, 255));
	m.put(type, data.data(), data.size());
}

// One request that is usually wrong: random commands, flags, versions and
// attributes, or one of the shapes a parser gets wrong (huge values,
// oversized or truncated attributes, duplicates, deep nesting).
Message random_message(const Ctx &c, const Rnd &rnd)
{
	uint8_t cmd = static_cast<uint8_t>(rnd(0, NC_CMD_MAX + 1)); // and one past the last
	int flags = rnd(0, 3) == 0 ? NLM_F_DUMP : 0;
	Message m(c.sock.family(), cmd, static_cast<uint8_t>(rnd(0, 3) ? NC_GENL_VERSION : rnd(0, 255)), flags);
	switch (rnd(0, 9)) {
	case 0: // huge values in a well-formed policy
		put_svc(m, c.svc);
		policy(m, [&] {
			m.put_u32(rnd(0, 1) ? NC_POL_ATTR_STICKY : NC_POL_ATTR_MAX_ENTRIES, 0xffffffffu - rnd(0, 2));
			m.put_u8(rnd(0, 1) ? NC_POL_ATTR_PLEN4 : NC_POL_ATTR_PLEN6, static_cast<uint8_t>(rnd(129, 255)));
		});
		return m;
	case 1: // an oversized attribute
		put_svc(m, c.svc);
		policy(m, [&] { put_random_bytes(m, rnd(0, NC_POL_ATTR_MAX + 1), static_cast<size_t>(rnd(100, 3000)), rnd); });
		return m;
	case 2: // fixed-size attributes cut short
		put_svc(m, c.svc);
		policy(m, [&] {
			put_random_bytes(m, NC_POL_ATTR_STICKY, static_cast<size_t>(rnd(0, 3)), rnd);
			put_random_bytes(m, NC_POL_ATTR_KEY, 0, rnd);
		});
		return m;
	case 3: // duplicated service and policy attributes
		for (int i = 0; i < 2; i++) {
			put_svc(m, c.svc);
			policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, static_cast<uint32_t>(rnd(0, 100))); });
		}
		return m;
	case 4: { // deep nesting
		put_svc(m, c.svc);
		std::function<void(int)> nest = [&](int depth) {
			Message::Nest n(m, rnd(0, NC_ATTR_MAX + 1));
			if (depth)
				nest(depth - 1);
			else
				put_random_bytes(m, rnd(0, 12), static_cast<size_t>(rnd(0, 16)), rnd);
		};
		nest(rnd(2, 12));
		return m;
	}
	default:
		break;
	}
	if (rnd(0, 1))
		put_svc(m, c.svc);
	int attrs = rnd(0, 5);
	for (int a = 0; a < attrs; a++) {
		int type = rnd(0, 10);
		if (rnd(0, 1)) {
			// A nest of random inner attributes.
			Message::Nest nest(m, type);
			int inner = rnd(0, 4);
			for (int j = 0; j < inner; j++)
				put_random_bytes(m, rnd(0, 12), static_cast<size_t>(rnd(0, 24)), rnd);
		} else {
			put_random_bytes(m, type, static_cast<size_t>(rnd(0, 40)), rnd);
		}
	}
	return m;
}

// @privileged: every 8th request is valid use (a random valid policy,
// which the kernel must then report exactly); a refused request must
// leave the policy as it was, an accepted one leave it within its ranges.
// Unprivileged: every request must be refused (EPERM, or EOPNOTSUPP for a
// command that does not exist), and the policy is not even readable.
int run_fuzz(Ctx &c, int n, bool privileged)
{
	std::optional<Nc> nc;
	if (privileged)
		nc.emplace();
	std::mt19937 rng(privileged ? 12345 : 54321);
	const Rnd rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
	int refused = 0, accepted = 0, valid = 0;
	bool ok = true;
	auto bad = [&](int i, const std::string &why) {
		ok = false;
		std::cout << "request " << i << ": " << why << "\n";
	};
	for (int i = 0; i < n; i++) {
		if (privileged && i % 8 == 0) {
			NcPolicyChange ch;
			ch.sticky = static_cast<uint32_t>(rnd(1, 3600));
			ch.pick = static_cast<uint8_t>(rnd(0, __NC_PICK_MAX - 1));
			const auto rule = static_cast<uint8_t>(rnd(0, __NC_DRAIN_MAX - 1));
			ch.drain = DrainSpec{rule, rule == NC_DRAIN_DEADLINE ? static_cast<uint32_t>(rnd(1, 3600)) : 0};
			ch.max_entries = static_cast<uint32_t>(rnd(1000, 100000));
			nc->set_policy(c.svc, ch);
			const NcPolicy now = nc->get(c.svc).policy;
			if (now.sticky != *ch.sticky || now.pick != *ch.pick || now.drain != ch.drain->rule ||
			    now.drain_secs != ch.drain->secs ||
			    now.max_entries != *ch.max_entries)
				bad(i, "a valid policy change was not applied as sent");
			valid++;
			continue;
		}
		const NcPolicy before = nc ? nc->get(c.svc).policy : NcPolicy{};
		Message m = random_message(c, rnd);
		const int got = send(c, m);
		if (got == 0) {
			accepted++;
			if (!privileged)
				bad(i, "accepted from an unprivileged process");
			else if (!policy_in_range(nc->get(c.svc).policy))
				bad(i, "accepted, and left a policy out of range");
		} else {
			refused++;
			if (!privileged && got != EPERM && got != EOPNOTSUPP)
				bad(i, "unprivileged, refused with errno " + std::to_string(got) + ", not EPERM");
			if (nc && !same_policy(nc->get(c.svc).policy, before))
				bad(i, "refused, but the policy changed");
		}
	}
	result(ok, std::string(privileged ? "fuzz: " : "unprivileged fuzz: ") + std::to_string(n) + " requests",
	       std::to_string(refused) + " refused, " + std::to_string(accepted) + " accepted, " +
		       std::to_string(valid) + " valid changes, every one answered");
	return 0;
}

// Changes @c.svc every @interval_ms while any of @pids lives, with one
// socket per family (a process per change is far too slow under TCG):
// real servers (@rs: three, NAT) removed, re-added, drained and
// re-weighted, the policy changed and the table flushed, in a cycle of 8.
int run_churn(Ctx &c, const std::vector<Endpoint> &rs, int interval_ms, const std::vector<pid_t> &pids)
{
	if (rs.size() != 3)
		throw UsageError("churn needs three real servers");
	Ipvs ipvs;
	Nc nc;
	auto dest = [](const Endpoint &e, int weight) {
		DestConf d;
		d.server = e;
		d.fwd = IP_VS_CONN_F_MASQ;
		d.weight = weight;
		return d;
	};
	// A process that has exited but is not yet reaped is not alive.
	auto alive = [&] {
		for (pid_t p : pids) {
			std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
			std::string pid, comm, state;
			if (stat >> pid >> comm >> state && state != "Z")
				return true;
		}
		return false;
	};
	int changes = 0;
	uint64_t max_entries = 0;
	const auto start = std::chrono::steady_clock::now();
	while (alive()) {
		NcPolicyChange p;
		switch (changes % 8) {
		case 0: ipvs.delete_dest(c.svc, rs[1]); break;
		case 1: p.pick = NC_PICK_WLC; p.sticky = 1; nc.set_policy(c.svc, p); break;
		case 2: ipvs.add_dest(c.svc, dest(rs[1], 2)); break;
		case 3: nc.flush(c.svc, std::nullopt, rs[2]); break;
		case 4: ipvs.edit_dest(c.svc, dest(rs[0], 0)); break;
		case 5: p.key = KeySpec{NC_KEY_CLASSFUL, {}, {}}; p.pick = NC_PICK_HASH; nc.set_policy(c.svc, p); break;
		case 6: ipvs.edit_dest(c.svc, dest(rs[0], 1)); break;
		case 7:
			nc.flush(c.svc, std::nullopt, std::nullopt);
			p.key = KeySpec{NC_KEY_PREFIX, 16, {}};
			p.sticky = 2;
			nc.set_policy(c.svc, p);
			break;
		}
		changes++;
		max_entries = std::max(max_entries, nc.get(c.svc).stats.entries);
		std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
	}
	const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
	std::cout << "churn: " << changes << " changes in " << ms << " ms (one every " << (changes ? ms / changes : 0)
		  << " ms), table at most " << max_entries << " entries\n";
	return 0;
}

int run_eperm(Ctx &c)
{
	for (uint8_t cmd : {NC_CMD_GET_SERVICE, NC_CMD_SET_POLICY, NC_CMD_GET_TABLE, NC_CMD_FLUSH, NC_CMD_SET_PIN,
			    NC_CMD_DEL_PIN, NC_CMD_MOVE, NC_CMD_GET_PINS, NC_CMD_SET_ENTRY}) {
		Message m(c.sock.family(), cmd, NC_GENL_VERSION, cmd == NC_CMD_GET_TABLE ? NLM_F_DUMP : 0);
		put_svc(m, c.svc);
		if (cmd == NC_CMD_SET_POLICY)
			policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 60); });
		int got = send(c, m);
		result(got == EPERM, "unprivileged command " + std::to_string(cmd), "errno " + std::to_string(got));
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	try {
		if (argc < 3)
			throw UsageError("usage: ncnl cases|fuzz|fuzz-unprivileged|eperm|churn VIP:PORT [ARGS]");
		std::string mode = argv[1];
		Ctx c;
		Endpoint ep = parse_endpoint(argv[2], "service", std::nullopt);
		c.svc.af = AF_INET;
		c.svc.protocol = IPPROTO_TCP;
		c.svc.addr = ep.addr;
		c.svc.port = ep.port;
		if (mode == "cases") {
			run_cases(c);
		} else if (mode == "fuzz" || mode == "fuzz-unprivileged") {
			run_fuzz(c, argc > 3 ? std::stoi(argv[3]) : 500, mode == "fuzz");
		} else if (mode == "eperm") {
			run_eperm(c);
		} else if (mode == "churn") {
			if (argc < 6)
				throw UsageError("usage: ncnl churn VIP:PORT RS:PORT,RS:PORT,RS:PORT INTERVAL_MS PID...");
			std::vector<Endpoint> rs;
			std::istringstream list(argv[3]);
			for (std::string a; std::getline(list, a, ',');)
				rs.push_back(parse_endpoint(a, "real server", std::nullopt));
			std::vector<pid_t> pids;
			for (int i = 5; i < argc; i++)
				pids.push_back(static_cast<pid_t>(std::stoi(argv[i])));
			run_churn(c, rs, std::stoi(argv[4]), pids);
		} else {
			throw UsageError("unknown mode " + mode);
		}
	} catch (const std::exception &e) {
		std::cerr << "ncnl: " << e.what() << "\n";
		return 2;
	}
	std::cout << passed << " passed, " << failed << " failed\n";
	return failed ? 1 : 0;
}
