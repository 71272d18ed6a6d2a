// SPDX-License-Identifier: GPL-2.0
//
// ncnl - talks to the IPVS_NC family the way ncadm never would, to prove
// that the kernel refuses bad input precisely and changes nothing.
//
//   ncnl cases VIP:PORT      table-driven malformed requests, each with the
//                            errno (and ext-ack words) it must get
//   ncnl fuzz VIP:PORT N     N random requests; each must be answered
//   ncnl eperm VIP:PORT      every command must be refused with EPERM
//
// The service must exist with scheduler nc. After every refused request
// the policy must be what it was. Prints "N passed, N failed".
#include "families.hpp"

#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "ip_vs_nc.h"
}

using namespace ncadm;

namespace {

int passed = 0, failed = 0;

void result(bool ok, const std::string &name, const std::string &detail)
{
	(ok ? passed : failed)++;
	std::cout << (ok ? "ok: " : "FAIL: ") << name << (detail.empty() ? "" : " (" + detail + ")") << "\n";
}

bool same_policy(const NcPolicy &a, const NcPolicy &b)
{
	if (a.key != b.key || a.plen4 != b.plen4 || a.plen6 != b.plen6 || a.pick != b.pick ||
	    a.drain != b.drain || a.sticky != b.sticky || a.max_entries != b.max_entries ||
	    a.subnets.size() != b.subnets.size())
		return false;
	for (size_t i = 0; i < a.subnets.size(); i++)
		if (!(a.subnets[i].addr == b.subnets[i].addr) || a.subnets[i].plen != b.subnets[i].plen)
			return false;
	return true;
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
		{"sticky 0", ERANGE, "sticky time",
		 [](Message &m, const ServiceId &id) { put_svc(m, id); policy(m, [&] { m.put_u32(NC_POL_ATTR_STICKY, 0); }); }},
		{"sticky 40 days", ERANGE, "sticky time",
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
		{"entry cap 0", ERANGE, "entry cap",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] { m.put_u32(NC_POL_ATTR_MAX_ENTRIES, 0); });
		 }},
		{"valid sticky with a bad pick: nothing applied", ERANGE, nullptr,
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 m.put_u32(NC_POL_ATTR_STICKY, 77);
				 m.put_u8(NC_POL_ATTR_PICK, 200);
			 });
		 }},
		{"nc-subnet with host bits", EINVAL, "host bits",
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
		{"IPv4 nc-subnet /40", EINVAL, "too long",
		 [](Message &m, const ServiceId &id) {
			 put_svc(m, id);
			 policy(m, [&] {
				 Message::Nest l(m, NC_POL_ATTR_SUBNETS);
				 put_net(m, 10, 0, 40);
			 });
		 }},
		{"33 nc-subnets", E2BIG, "too many",
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

int run_fuzz(Ctx &c, int n)
{
	Nc nc;
	std::mt19937 rng(12345);
	auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
	int errors = 0, oks = 0;
	bool policy_ok = true;
	for (int i = 0; i < n; i++) {
		NcPolicy before = nc.get(c.svc).policy;
		uint8_t cmd = static_cast<uint8_t>(rnd(0, 6));
		int flags = rnd(0, 3) == 0 ? NLM_F_DUMP : 0;
		Message m(c.sock.family(), cmd, static_cast<uint8_t>(rnd(0, 3) ? 1 : rnd(0, 255)), flags);
		if (rnd(0, 1))
			put_svc(m, c.svc);
		int attrs = rnd(0, 5);
		for (int a = 0; a < attrs; a++) {
			int type = rnd(0, 10);
			if (rnd(0, 1)) {
				// A nest of random inner attributes.
				Message::Nest nest(m, type);
				int inner = rnd(0, 4);
				for (int j = 0; j < inner; j++) {
					std::vector<uint8_t> data(static_cast<size_t>(rnd(0, 24)));
					for (auto &b : data)
						b = static_cast<uint8_t>(rnd(0, 255));
					m.put(rnd(0, 12), data.data(), data.size());
				}
			} else {
				std::vector<uint8_t> data(static_cast<size_t>(rnd(0, 40)));
				for (auto &b : data)
					b = static_cast<uint8_t>(rnd(0, 255));
				m.put(type, data.data(), data.size());
			}
		}
		int got = send(c, m);
		if (got) {
			errors++;
			if (!same_policy(nc.get(c.svc).policy, before)) {
				policy_ok = false;
				std::cout << "policy changed by refused message " << i << "\n";
			}
		} else {
			oks++;
		}
	}
	result(policy_ok, "fuzz: " + std::to_string(n) + " random requests",
	       std::to_string(errors) + " refused, " + std::to_string(oks) + " accepted, every one answered");
	return 0;
}

int run_eperm(Ctx &c)
{
	for (uint8_t cmd : {NC_CMD_GET_SERVICE, NC_CMD_SET_POLICY, NC_CMD_GET_TABLE, NC_CMD_FLUSH}) {
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
			throw UsageError("usage: ncnl cases|fuzz|eperm VIP:PORT [N]");
		std::string mode = argv[1];
		Ctx c;
		Endpoint ep = parse_endpoint(argv[2], "service", std::nullopt);
		c.svc.af = AF_INET;
		c.svc.protocol = IPPROTO_TCP;
		c.svc.addr = ep.addr;
		c.svc.port = ep.port;
		if (mode == "cases")
			run_cases(c);
		else if (mode == "fuzz")
			run_fuzz(c, argc > 3 ? std::stoi(argv[3]) : 500);
		else if (mode == "eperm")
			run_eperm(c);
		else
			throw UsageError("unknown mode " + mode);
	} catch (const std::exception &e) {
		std::cerr << "ncnl: " << e.what() << "\n";
		return 2;
	}
	std::cout << passed << " passed, " << failed << " failed\n";
	return failed ? 1 : 0;
}
