// SPDX-License-Identifier: GPL-2.0
// Unit tests of the nc policy helpers compiled into ip_vs_nc.ko.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "nc_policy.h"
}

namespace {

std::array<uint8_t, 16> addr_of(const char *a, uint8_t *family)
{
	std::array<uint8_t, 16> out{};
	if (inet_pton(AF_INET, a, out.data()) == 1) {
		*family = NC_FAMILY_INET;
	} else {
		EXPECT_EQ(inet_pton(AF_INET6, a, out.data()), 1) << a;
		*family = NC_FAMILY_INET6;
	}
	return out;
}

nc_subnet subnet(const char *a, unsigned plen)
{
	uint8_t fam;
	auto bytes = addr_of(a, &fam);
	nc_subnet s;
	EXPECT_EQ(nc_subnet_set(&s, fam, bytes.data(), plen), nullptr);
	return s;
}

std::string key_of(const nc_policy &p, const char *client)
{
	uint8_t fam;
	auto bytes = addr_of(client, &fam);
	nc_class_key k;
	nc_policy_key(&p, p.key_mode, fam, bytes.data(), &k);
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(k.family == NC_FAMILY_INET ? AF_INET : AF_INET6, k.addr, buf, sizeof(buf));
	return std::string(buf) + "/" + std::to_string(k.plen);
}

TEST(Policy, DefaultsAreValid)
{
	nc_policy p;
	nc_policy_defaults(&p);
	EXPECT_EQ(nc_policy_check(&p), nullptr);
	EXPECT_EQ(p.key_mode, NC_KEY_OCTET);
	EXPECT_EQ(p.pick, NC_PICK_HASH);
	EXPECT_EQ(p.sticky_secs, 1800u);
}

// Every rule's message for its case: the kernel (extack), ncadm and ncnl
// print these texts, and only these (vm.nc_netlink checks the kernel's).
TEST(Policy, EachRuleHasItsMessage)
{
	struct Case {
		const char *message;
		void (*breaks)(nc_policy &);
	};
	const Case cases[] = {
		{NC_ERR_KEY_MODE, [](nc_policy &p) { p.key_mode = __NC_KEY_MAX; }},
		{NC_ERR_PLEN4, [](nc_policy &p) { p.plen4 = 33; }},
		{NC_ERR_PLEN6, [](nc_policy &p) { p.plen6 = 129; }},
		{NC_ERR_PICK, [](nc_policy &p) { p.pick = __NC_PICK_MAX; }},
		{NC_ERR_DRAIN, [](nc_policy &p) { p.drain = __NC_DRAIN_MAX; }},
		{NC_ERR_DRAIN_SECS, [](nc_policy &p) { p.drain = NC_DRAIN_DEADLINE; }},
		{NC_ERR_DRAIN_SECS, [](nc_policy &p) { p.drain = NC_DRAIN_DEADLINE; p.drain_secs = NC_MAX_STICKY_SECS + 1; }},
		{NC_ERR_DRAIN_SECS_RULE, [](nc_policy &p) { p.drain = NC_DRAIN_KEEP; p.drain_secs = 60; }},
		{NC_ERR_HANDBACK, [](nc_policy &p) { p.handback_idle = 60; }},
		{NC_ERR_HANDBACK, [](nc_policy &p) { p.handback_rate = 5; }},
		{NC_ERR_HANDBACK, [](nc_policy &p) { p.handback_idle = 60; p.handback_rate = NC_MAX_HANDBACK_RATE + 1; }},
		{NC_ERR_HANDBACK_PICK, [](nc_policy &p) { p.handback_idle = 60; p.handback_rate = 5; p.pick = NC_PICK_RR; }},
		{NC_ERR_STICKY, [](nc_policy &p) { p.sticky_secs = 0; }},
		{NC_ERR_STICKY, [](nc_policy &p) { p.sticky_secs = NC_MAX_STICKY_SECS + 1; }},
		{NC_ERR_MAX_ENTRIES, [](nc_policy &p) { p.max_entries = 0; }},
		{NC_ERR_MAX_ENTRIES, [](nc_policy &p) { p.max_entries = NC_MAX_ENTRIES_LIMIT + 1; }},
		{NC_ERR_BOUND, [](nc_policy &p) { p.bound = 100; }},
		{NC_ERR_BOUND, [](nc_policy &p) { p.bound = NC_MAX_BOUND + 1; }},
		{NC_ERR_BOUND_PICK, [](nc_policy &p) { p.bound = 125; p.pick = NC_PICK_WLC; }},
		{NC_ERR_SUBNET_COUNT, [](nc_policy &p) { p.n_subnets = NC_MAX_SUBNETS + 1; }},
		{NC_ERR_SUBNET_FAMILY,
		 [](nc_policy &p) { p.n_subnets = 1; p.subnets[0] = subnet("10.0.0.0", 8); p.subnets[0].family = 7; }},
		{NC_ERR_SUBNET_PLEN,
		 [](nc_policy &p) { p.n_subnets = 1; p.subnets[0] = subnet("10.0.0.0", 8); p.subnets[0].plen = 33; }},
		{NC_ERR_SUBNET_HOST_BITS,
		 [](nc_policy &p) { p.n_subnets = 1; p.subnets[0] = subnet("10.0.0.0", 8); p.subnets[0].addr[3] = 1; }},
		// bytes past an IPv4 address count as host bits too
		{NC_ERR_SUBNET_HOST_BITS,
		 [](nc_policy &p) { p.n_subnets = 1; p.subnets[0] = subnet("10.0.0.0", 8); p.subnets[0].addr[4] = 1; }},
		{NC_ERR_SUBNET_DUP, [](nc_policy &p) {
			 p.n_subnets = 2;
			 p.subnets[0] = p.subnets[1] = subnet("10.0.0.0", 8);
		 }},
	};
	for (const auto &c : cases) {
		nc_policy p;
		nc_policy_defaults(&p);
		c.breaks(p);
		EXPECT_STREQ(nc_policy_check(&p), c.message);
	}
	EXPECT_STREQ(nc_check_sticky(1), nullptr);
	EXPECT_STREQ(nc_check_sticky(NC_MAX_STICKY_SECS), nullptr);
	EXPECT_STREQ(nc_check_max_entries(NC_MAX_ENTRIES_LIMIT), nullptr);
	EXPECT_STREQ(nc_check_bound(0), nullptr);
	EXPECT_STREQ(nc_check_bound(NC_MIN_BOUND), nullptr);
	EXPECT_STREQ(nc_check_bound(NC_MAX_BOUND), nullptr);
	EXPECT_STREQ(NC_ERR_BOUND, "load bound must be 0 (off) or 1.01 to 10");
	EXPECT_STREQ(nc_check_plen4(32), nullptr);
	EXPECT_STREQ(nc_check_plen6(128), nullptr);
	// The texts the uapi's limits promise.
	EXPECT_STREQ(NC_ERR_STICKY, "sticky time must be 1 s to 31 days");
	EXPECT_EQ(NC_MAX_STICKY_SECS, 31 * 86400);
	EXPECT_STREQ(NC_ERR_MAX_ENTRIES, "entry cap must be 1..16777216");
	EXPECT_EQ(NC_MAX_ENTRIES_LIMIT, 16777216);
	EXPECT_STREQ(NC_ERR_SUBNET_COUNT, "too many nc-subnet networks (at most 32)");
	EXPECT_EQ(NC_MAX_SUBNETS, 32);
}

TEST(Policy, AddSubnetRefusesWhatTheCheckRefuses)
{
	nc_policy p;
	nc_policy_defaults(&p);
	uint8_t fam;
	auto net = addr_of("10.0.0.0", &fam);
	auto host = addr_of("10.0.0.1", &fam);
	EXPECT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, host.data(), 8), NC_ERR_SUBNET_HOST_BITS);
	EXPECT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, net.data(), 33), NC_ERR_SUBNET_PLEN);
	EXPECT_STREQ(nc_policy_add_subnet(&p, 9, net.data(), 8), NC_ERR_SUBNET_FAMILY);
	EXPECT_EQ(p.n_subnets, 0u); // nothing added by a refusal
	EXPECT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, net.data(), 8), nullptr);
	EXPECT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, net.data(), 8), NC_ERR_SUBNET_DUP);
	for (uint8_t i = 1; i < NC_MAX_SUBNETS; i++) {
		auto other = net;
		other[0] = static_cast<uint8_t>(100 + i);
		ASSERT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, other.data(), 8), nullptr);
	}
	auto one_more = net;
	one_more[0] = 200;
	EXPECT_STREQ(nc_policy_add_subnet(&p, NC_FAMILY_INET, one_more.data(), 8), NC_ERR_SUBNET_COUNT);
	EXPECT_EQ(p.n_subnets, uint32_t{NC_MAX_SUBNETS});
	EXPECT_EQ(nc_policy_check(&p), nullptr);
}

TEST(Subnet, Contains)
{
	auto s = subnet("100.64.0.0", 10);
	uint8_t fam;
	EXPECT_TRUE(nc_subnet_contains(&s, NC_FAMILY_INET, addr_of("100.127.255.255", &fam).data()));
	EXPECT_FALSE(nc_subnet_contains(&s, NC_FAMILY_INET, addr_of("100.128.0.0", &fam).data()));
	EXPECT_FALSE(nc_subnet_contains(&s, NC_FAMILY_INET6, addr_of("6440::1", &fam).data()));
	auto all = subnet("0.0.0.0", 0);
	EXPECT_TRUE(nc_subnet_contains(&all, NC_FAMILY_INET, addr_of("255.255.255.255", &fam).data()));
	auto v6 = subnet("2001:db8::", 32);
	EXPECT_TRUE(nc_subnet_contains(&v6, NC_FAMILY_INET6, addr_of("2001:db8:ffff::1", &fam).data()));
	EXPECT_FALSE(nc_subnet_contains(&v6, NC_FAMILY_INET6, addr_of("2001:db9::1", &fam).data()));
	nc_subnet bad;
	EXPECT_STREQ(nc_subnet_set(&bad, NC_FAMILY_INET, s.addr, 33),
		     "network prefix length too long for its family");
}

TEST(PolicyKey, OutsideTheSubnetListIsStickyPerAddress)
{
	nc_policy p;
	nc_policy_defaults(&p);
	p.n_subnets = 2;
	p.subnets[0] = subnet("172.0.0.0", 8);
	p.subnets[1] = subnet("2001:db8::", 32);
	EXPECT_EQ(key_of(p, "172.16.1.2"), "172.0.0.0/8");
	EXPECT_EQ(key_of(p, "10.1.2.3"), "10.1.2.3/32");
	EXPECT_EQ(key_of(p, "2001:db8:1:2::3"), "2001:db8:1::/48");
	EXPECT_EQ(key_of(p, "2001:db9:1:2::3"), "2001:db9:1:2::3/128");
	EXPECT_EQ(key_of(p, "::ffff:172.9.9.9"), "172.0.0.0/8");
	p.n_subnets = 0;
	EXPECT_EQ(key_of(p, "10.1.2.3"), "10.0.0.0/8");
	p.key_mode = NC_KEY_PREFIX;
	p.plen4 = 20;
	EXPECT_EQ(key_of(p, "10.1.255.3"), "10.1.240.0/20");
}

} // namespace
