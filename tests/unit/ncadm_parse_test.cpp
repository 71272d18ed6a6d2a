// SPDX-License-Identifier: GPL-2.0
// Unit tests of ncadm's argument parsing: what is accepted, and the
// one-line message for what is not.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "parse.hpp"

extern "C" {
#include "ip_vs_nc.h"
#include "nc_policy.h"
}

using namespace ncadm;

namespace {

template <typename F>
std::string error_of(F f)
{
	try {
		f();
	} catch (const UsageError &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(Parse, Endpoints)
{
	auto e = parse_endpoint("192.0.2.1:80", "service", std::nullopt);
	EXPECT_EQ(e.addr.str(), "192.0.2.1");
	EXPECT_EQ(e.port, 80);
	e = parse_endpoint("[2001:db8::1]:443", "service", std::nullopt);
	EXPECT_EQ(e.addr.af, AF_INET6);
	EXPECT_EQ(e.port, 443);
	e = parse_endpoint("10.0.0.1", "real server", uint16_t{8080});
	EXPECT_EQ(e.port, 8080);
	e = parse_endpoint("2001:db8::2", "real server", uint16_t{80});
	EXPECT_EQ(e.addr.str(), "2001:db8::2");
	EXPECT_EQ(error_of([] { parse_endpoint("192.0.2.1", "service", std::nullopt); }),
		  "service '192.0.2.1' needs a port (ADDR:PORT)");
	EXPECT_EQ(error_of([] { parse_endpoint("192.0.2.300:80", "service", std::nullopt); }),
		  "bad service address '192.0.2.300'");
	EXPECT_EQ(error_of([] { parse_endpoint("192.0.2.1:65536", "service", std::nullopt); }),
		  "service port '65536' out of range 0..65535");
	EXPECT_EQ(error_of([] { parse_endpoint("192.0.2.1:nosuchport", "service", std::nullopt); }),
		  "bad service port 'nosuchport' (not a number)");
}

// Host names as ipvsadm takes them ("localhost" is in every /etc/hosts);
// addresses and address-like typos are never sent to the resolver.
TEST(Parse, HostNames)
{
	auto e = parse_endpoint("localhost:80", "service", std::nullopt);
	EXPECT_EQ(e.addr.str(), "127.0.0.1");
	EXPECT_EQ(e.port, 80);
	EXPECT_EQ(parse_host("10.1.2.3", "real server").str(), "10.1.2.3");
	EXPECT_EQ(error_of([] { parse_endpoint("10.1.2:80", "service", std::nullopt); }),
		  "bad service address '10.1.2'");
	EXPECT_EQ(error_of([] { parse_endpoint("no-such-host.invalid:80", "service", std::nullopt); }),
		  "cannot resolve service host name 'no-such-host.invalid'");
	EXPECT_EQ(error_of([] { parse_endpoint("bad_name:80", "service", std::nullopt); }),
		  "bad service address 'bad_name'");
	// Networks and classes are numeric only.
	EXPECT_EQ(error_of([] { parse_address("localhost", "class"); }), "bad class address 'localhost'");
}

TEST(Parse, ProtocolNames)
{
	EXPECT_EQ(protocol_name(IPPROTO_SCTP), "SCTP");
	EXPECT_EQ(protocol_name(IPPROTO_ICMP), "?");
	EXPECT_EQ(protocol_number("UDP"), IPPROTO_UDP);
	EXPECT_EQ(protocol_number("udp"), 0); // names as ipvsadm prints them
	EXPECT_EQ(lowercase(protocol_name(IPPROTO_TCP)), "tcp");
}

TEST(Parse, StickyTime)
{
	EXPECT_EQ(parse_sticky("30"), 1800u); // minutes, as the patent's sticky <vid> <min>
	EXPECT_EQ(parse_sticky("90s"), 90u);
	EXPECT_EQ(parse_sticky("30m"), 1800u);
	EXPECT_EQ(parse_sticky("2h"), 7200u);
	EXPECT_EQ(parse_sticky("744h"), 31u * 86400);
	// A broken rule: the option, the input, the rule's own message
	// (include/nc_policy.h), the text the kernel returns for it too.
	EXPECT_EQ(error_of([] { parse_sticky("745h"); }), "--sticky '745h': " NC_ERR_STICKY);
	EXPECT_EQ(error_of([] { parse_sticky("0"); }), "--sticky '0': sticky time must be 1 s to 31 days");
	EXPECT_EQ(error_of([] { parse_sticky("99999999999h"); }), "--sticky '99999999999h': " NC_ERR_STICKY);
	EXPECT_EQ(error_of([] { parse_sticky("5d"); }), "bad sticky time '5d' (not a number)");
	EXPECT_EQ(format_duration(1800), "30m");
	EXPECT_EQ(format_duration(90), "90s");
	EXPECT_EQ(format_duration(7200), "2h");
}

TEST(Parse, Subnets)
{
	auto s = parse_subnets("172,100.64.0.0/10,2001:db8::/32,10.1.2.3");
	ASSERT_EQ(s.size(), 4u);
	EXPECT_EQ(s[0].str(), "172.0.0.0/8");
	EXPECT_EQ(s[1].str(), "100.64.0.0/10");
	EXPECT_EQ(s[2].str(), "2001:db8::/32");
	EXPECT_EQ(s[3].str(), "10.1.2.3/32");
	EXPECT_EQ(error_of([] { parse_subnets("100.65.0.0/10"); }),
		  "--nc-subnet '100.65.0.0/10': nc-subnet network has host bits set (did you mean 100.64.0.0/10?)");
	EXPECT_EQ(error_of([] { parse_subnets("256"); }), "nc-subnet octet '256' out of range 0..255");
	EXPECT_EQ(error_of([] { parse_subnets("172,,10"); }), "empty network in nc-subnet list '172,,10'");
	EXPECT_EQ(error_of([] { parse_subnets("172,172.0.0.0/8"); }), "--nc-subnet '172.0.0.0/8': " NC_ERR_SUBNET_DUP);
	EXPECT_EQ(error_of([] { parse_subnets("10.0.0.0/33"); }), "--nc-subnet '10.0.0.0/33': " NC_ERR_SUBNET_PLEN);
	std::string many;
	for (int i = 0; i <= NC_MAX_SUBNETS; i++)
		many += (i ? "," : "") + std::to_string(i);
	EXPECT_EQ(parse_subnets(many.substr(0, many.rfind(','))).size(), size_t{NC_MAX_SUBNETS});
	EXPECT_EQ(error_of([&] { parse_subnets(many); }), "--nc-subnet '32': " NC_ERR_SUBNET_COUNT);
}

TEST(Parse, EntryCap)
{
	EXPECT_EQ(parse_max_entries("16777216"), 16777216u);
	EXPECT_EQ(error_of([] { parse_max_entries("0"); }), "--nc-max-entries '0': " NC_ERR_MAX_ENTRIES);
	EXPECT_EQ(error_of([] { parse_max_entries("16777217"); }), "--nc-max-entries '16777217': " NC_ERR_MAX_ENTRIES);
}

TEST(Parse, LoadBound)
{
	EXPECT_EQ(parse_bound("1.25"), 125u);
	EXPECT_EQ(parse_bound("1.5"), 150u);
	EXPECT_EQ(parse_bound("2"), 200u);
	EXPECT_EQ(parse_bound("10"), 1000u);
	EXPECT_EQ(parse_bound("off"), 0u);
	EXPECT_EQ(parse_bound("0"), 0u);
	EXPECT_EQ(error_of([] { parse_bound("1"); }), "--nc-bound '1': " NC_ERR_BOUND);
	EXPECT_EQ(error_of([] { parse_bound("10.01"); }), "--nc-bound '10.01': " NC_ERR_BOUND);
	EXPECT_EQ(error_of([] { parse_bound("1.255"); }), "bad load bound '1.255' (a factor such as 1.25, or off)");
	EXPECT_EQ(error_of([] { parse_bound("1."); }), "bad load bound '1.' (a factor such as 1.25, or off)");
	EXPECT_EQ(error_of([] { parse_bound("x"); }), "bad load bound 'x' (not a number)");
	for (uint32_t p : {101u, 110u, 125u, 150u, 200u, 1000u})
		EXPECT_EQ(parse_bound(format_bound(p)), p) << p;
	EXPECT_EQ(format_bound(125), "1.25");
	EXPECT_EQ(format_bound(110), "1.1");
	EXPECT_EQ(format_bound(1000), "10");
}

TEST(Parse, Key)
{
	auto k = parse_key("octet");
	EXPECT_EQ(k.mode, NC_KEY_OCTET);
	EXPECT_FALSE(k.plen4);
	k = parse_key("classful,/56");
	EXPECT_EQ(k.mode, NC_KEY_CLASSFUL);
	EXPECT_EQ(*k.plen6, 56);
	k = parse_key("/20");
	EXPECT_EQ(k.mode, NC_KEY_PREFIX);
	EXPECT_EQ(*k.plen4, 20);
	EXPECT_EQ(error_of([] { parse_key("/33"); }), "--nc-key '/33': " NC_ERR_PLEN4);
	EXPECT_EQ(error_of([] { parse_key("octet,/129"); }), "--nc-key 'octet,/129': IPv6 prefix length must be 0..128");
	EXPECT_EQ(error_of([] { parse_key("octet,56"); }), "bad IPv6 class '56' in nc key (expected /M)");
	EXPECT_EQ(error_of([] { parse_key("subnet"); }),
		  "bad nc key 'subnet' (expected octet, classful or /N, optionally ,/M for IPv6)");
}

TEST(Parse, PickAndDrain)
{
	EXPECT_EQ(parse_pick("hash"), NC_PICK_HASH);
	EXPECT_EQ(parse_pick("lc"), NC_PICK_LC);
	EXPECT_EQ(parse_drain("repick").rule, NC_DRAIN_REPICK);
	EXPECT_EQ(parse_drain("repick").secs, 0u);
	EXPECT_EQ(parse_drain("deadline=90s").rule, NC_DRAIN_DEADLINE);
	EXPECT_EQ(parse_drain("deadline=90s").secs, 90u);
	EXPECT_EQ(parse_drain("deadline=2h").secs, 7200u);
	EXPECT_EQ(parse_drain("deadline=30").secs, 1800u); // minutes, as --sticky
	EXPECT_EQ(format_drain(NC_DRAIN_DEADLINE, 7200), "deadline=2h");
	EXPECT_EQ(format_drain(NC_DRAIN_KEEP, 0), "keep");
	EXPECT_EQ(error_of([] { parse_pick("sh"); }), "bad first pick 'sh' (expected hash|wlc|wrr|rr|lc)");
	EXPECT_EQ(error_of([] { parse_drain("now"); }), "bad drain rule 'now' (expected sysctl|keep|repick|deadline=TIME)");
	EXPECT_EQ(error_of([] { parse_drain("deadline=0s"); }),
		  "--nc-drain 'deadline=0s': drain deadline must be 1 s to 31 days");
	EXPECT_EQ(error_of([] { parse_drain("deadline=soon"); }), "bad drain deadline 'soon' (not a number)");
	EXPECT_EQ(parse_handback("10m,5").idle, 600u);
	EXPECT_EQ(parse_handback("10m,5").rate, 5u);
	EXPECT_EQ(parse_handback("off").idle, 0u);
	EXPECT_EQ(format_handback(600, 5), "10m,5");
	EXPECT_EQ(format_handback(0, 0), "off");
	EXPECT_EQ(error_of([] { parse_handback("10s,10001"); }),
		  "--nc-handback '10s,10001': hand-back needs an idle time of 1 s to 31 days and a rate of 1..10000 a second");
}

} // namespace

namespace {

TEST(Parse, NetworkContainsAndKeyFormat)
{
	auto nets = parse_subnets("100.64.0.0/10,2001:db8::/32");
	EXPECT_TRUE(nets[0].contains(parse_address("100.127.1.1", "x")));
	EXPECT_FALSE(nets[0].contains(parse_address("100.128.0.0", "x")));
	EXPECT_FALSE(nets[0].contains(parse_address("2001:db8::1", "x")));
	EXPECT_TRUE(nets[1].contains(parse_address("2001:db8:ffff::1", "x")));
	EXPECT_EQ(format_key(NC_KEY_OCTET, 24, 48), "octet,/48");
	EXPECT_EQ(format_key(NC_KEY_PREFIX, 20, 56), "/20,/56");
	auto k = parse_key(format_key(NC_KEY_CLASSFUL, 24, 64));
	EXPECT_EQ(k.mode, NC_KEY_CLASSFUL);
	EXPECT_EQ(*k.plen6, 64);
}

} // namespace
