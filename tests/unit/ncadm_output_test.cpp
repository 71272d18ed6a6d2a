// SPDX-License-Identifier: GPL-2.0
// Unit tests of ncadm's listings (userland/print.cpp, output.cpp): each
// listing is described once and printed as text or JSON; the JSON shapes
// are the ones docs/ncadm.md documents, every string escaped.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <sstream>

#include "output.hpp"
#include "parse.hpp"

extern "C" {
#include "ip_vs_nc.h"
}

using namespace ncadm;

namespace {

ServiceId tcp_service(const char *addr, uint16_t port)
{
	ServiceId id;
	id.addr = parse_address(addr, "test");
	id.af = id.addr.af;
	id.protocol = IPPROTO_TCP;
	id.port = port;
	return id;
}

NcService nc_service()
{
	NcService s;
	s.id = tcp_service("192.0.2.1", 80);
	s.policy.key = NC_KEY_CLASSFUL;
	s.policy.plen4 = 24;
	s.policy.plen6 = 48;
	s.policy.sticky = 1800;
	s.policy.max_entries = 65536;
	s.policy.subnets = parse_subnets("172,2001:db8::/32");
	s.stats.lookups = 10;
	s.stats.hits = 7;
	s.stats.new_classes = 3;
	s.stats.entries = 3;
	s.stats.pinned = 5;
	s.stats.pins = 1;
	NcPin pin;
	pin.net = parse_subnets("100.64.0.0/10")[0];
	pin.server = Endpoint{parse_address("10.0.0.5", "test"), 80};
	pin.conns = 5;
	s.pins.push_back(pin);
	return s;
}

std::string listing(Format f)
{
	std::ostringstream out;
	NcService engine;
	engine.id = tcp_service("2001:db8::1", 443);
	engine.policy.key = NC_KEY_PREFIX;
	engine.policy.plen4 = 16;
	engine.policy.plen6 = 56;
	print_nc_services(out, {nc_service()}, {engine}, f);
	return out.str();
}

TEST(Output, NcServicesAsText)
{
	EXPECT_EQ(listing(Format::Text),
		  "TCP 192.0.2.1:80 nc\n"
		  "  key classful,/48  sticky 30m  pick hash  drain sysctl  max-entries 65536\n"
		  "  nc-subnet 172.0.0.0/8,2001:db8::/32\n"
		  "  entries 3  lookups 10  hits 7  new 3  expired 0  repicked 0  overflow 0  noserver 0  spilled 0  handed-back 0  pinned 5  pins 1\n"
		  "  pin 100.64.0.0/10 -> 10.0.0.5:80 conns 5\n"
		  "TCP [2001:db8::1]:443 pe nc\n"
		  "  key /16,/56\n"
		  "  nc-subnet all\n");
}

TEST(Output, NcServicesAsJson)
{
	EXPECT_EQ(listing(Format::Json),
		  "{\"services\":[{\"service\":{\"family\":\"inet\",\"protocol\":\"tcp\",\"address\":\"192.0.2.1\","
		  "\"port\":80},\"policy\":{\"key\":\"classful\",\"prefix4\":24,\"prefix6\":48,\"sticky_seconds\":1800,"
		  "\"pick\":\"hash\",\"bound_percent\":0,\"handback_idle_seconds\":0,\"handback_rate\":0,\"drain\":\"sysctl\",\"drain_seconds\":0,\"max_entries\":65536,\"nc_subnets\":[\"172.0.0.0/8\","
		  "\"2001:db8::/32\"]},\"stats\":{\"lookups\":10,\"hits\":7,\"new\":3,\"expired\":0,\"repicked\":0,"
		  "\"overflow\":0,\"noserver\":0,\"spilled\":0,\"handed_back\":0,\"pinned\":5,\"pins\":1,\"entries\":3},"
		  "\"pins\":[{\"network\":\"100.64.0.0/10\",\"server\":\"10.0.0.5:80\",\"conns\":5,\"state\":\"pinned\"}]}],\"engines\":[{\"service\":{\"family\":\"inet6\","
		  "\"protocol\":\"tcp\",\"address\":\"2001:db8::1\",\"port\":443},\"engine\":\"nc\",\"policy\":"
		  "{\"key\":\"prefix\",\"prefix4\":16,\"prefix6\":56,\"nc_subnets\":[]}}]}\n");
}

TEST(Output, TableAndFlush)
{
	NcEntry e;
	e.cls = parse_subnets("172.16.0.0/16")[0];
	e.server.addr = parse_address("10.255.0.11", "test");
	e.server.port = 80;
	e.age_ms = 61500;
	e.idle_ms = 2000;
	e.left_ms = 1798000;
	e.conns = 4;
	NcPin pin;
	pin.net = parse_subnets("100.64.0.0/10")[0];
	pin.server.addr = parse_address("10.255.0.12", "test");
	pin.server.port = 80;
	pin.conns = 7;
	pin.state = NC_PIN_DRAINED;
	std::ostringstream text, json, flushed;
	print_nc_table(text, tcp_service("192.0.2.1", 80), {pin}, {e}, Format::Text);
	print_nc_table(json, tcp_service("192.0.2.1", 80), {pin}, {e}, Format::Json);
	EXPECT_EQ(text.str(), "TCP 192.0.2.1:80\n"
			      "  pin 100.64.0.0/10 -> 10.255.0.12:80 conns 7  (server at weight 0; its clients go to the first pick)\n"
			      "Class                        Server                             Age      Idle      Left      Conns\n"
			      "172.16.0.0/16                10.255.0.11:80                     61s        2s     1798s          4\n");
	EXPECT_EQ(json.str(), "{\"service\":{\"family\":\"inet\",\"protocol\":\"tcp\",\"address\":\"192.0.2.1\",\"port\":80},"
			      "\"pins\":[{\"network\":\"100.64.0.0/10\",\"server\":\"10.255.0.12:80\",\"conns\":7,"
			      "\"state\":\"drained\"}],"
			      "\"entries\":[{\"class\":\"172.16.0.0/16\",\"server\":\"10.255.0.11:80\",\"age_ms\":61500,"
			      "\"idle_ms\":2000,\"left_ms\":1798000,\"conns\":4}]}\n");
	print_flushed(flushed, tcp_service("192.0.2.1", 80), 1, Format::Text);
	print_flushed(flushed, tcp_service("192.0.2.1", 80), 2, Format::Text);
	EXPECT_EQ(flushed.str(), "TCP 192.0.2.1:80: 1 entry flushed\nTCP 192.0.2.1:80: 2 entries flushed\n");
}

// --nc-save-table: lines ncadm -R takes, the expiry rounded up to the
// second, an expired entry left out, an IPv6 server in brackets.
TEST(Output, SavedEntries)
{
	NcEntry a, b, gone;
	a.cls = parse_subnets("71.0.0.0/8")[0];
	a.server = Endpoint{parse_address("10.0.0.1", "test"), 80};
	a.left_ms = 1500;
	b.cls = parse_subnets("2001:db8::/48")[0];
	b.server = Endpoint{parse_address("2001:db8:ff::11", "test"), 80};
	b.left_ms = 1800000;
	gone = a;
	gone.left_ms = 0;
	std::ostringstream out;
	print_saved_entries(out, tcp_service("192.0.2.1", 80), {a, gone, b}, 1000);
	ServiceId fw;
	fw.af = AF_INET;
	fw.fwmark = 7;
	print_saved_entries(out, fw, {a}, 1000);
	EXPECT_EQ(out.str(), "--nc-entry -t 192.0.2.1:80 --class 71.0.0.0/8 -r 10.0.0.1:80 --expires 1002\n"
			     "--nc-entry -t 192.0.2.1:80 --class 2001:db8::/48 -r [2001:db8:ff::11]:80 --expires 2800\n"
			     "--nc-entry -f 7 --class 71.0.0.0/8 -r 10.0.0.1:80 --expires 1002\n");
}

TEST(Output, UnpinAndMove)
{
	std::ostringstream text, json;
	print_unpinned(text, tcp_service("192.0.2.1", 80), 1, Format::Text);
	print_unpinned(text, tcp_service("192.0.2.1", 80), 3, Format::Text);
	NcMove mv;
	mv.cls = parse_subnets("71.0.0.0/8")[0];
	mv.was = Endpoint{parse_address("10.0.0.1", "test"), 80};
	Endpoint to{parse_address("10.0.0.2", "test"), 80};
	print_moved(text, tcp_service("192.0.2.1", 80), mv, to, Format::Text);
	print_moved(json, tcp_service("192.0.2.1", 80), mv, to, Format::Json);
	mv.was.reset();
	print_moved(text, tcp_service("192.0.2.1", 80), mv, to, Format::Text);
	print_moved(json, tcp_service("192.0.2.1", 80), mv, to, Format::Json);
	EXPECT_EQ(text.str(), "TCP 192.0.2.1:80: 1 pin removed\n"
			      "TCP 192.0.2.1:80: 3 pins removed\n"
			      "TCP 192.0.2.1:80: class 71.0.0.0/8 moved from 10.0.0.1:80 to 10.0.0.2:80\n"
			      "TCP 192.0.2.1:80: class 71.0.0.0/8 (no entry before) now on 10.0.0.2:80\n");
	const std::string svc = "{\"service\":{\"family\":\"inet\",\"protocol\":\"tcp\",\"address\":\"192.0.2.1\",\"port\":80},";
	EXPECT_EQ(json.str(), svc + "\"class\":\"71.0.0.0/8\",\"from\":\"10.0.0.1:80\",\"to\":\"10.0.0.2:80\"}\n" + svc +
				      "\"class\":\"71.0.0.0/8\",\"from\":null,\"to\":\"10.0.0.2:80\"}\n");
}

TEST(Output, TimeoutsBothWays)
{
	std::ostringstream text, json;
	print_timeouts(text, {900, 120, 300}, Format::Text);
	print_timeouts(json, {900, 120, 300}, Format::Json);
	EXPECT_EQ(text.str(), "Timeout (tcp tcpfin udp): 900 120 300\n");
	EXPECT_EQ(json.str(), "{\"timeouts\":{\"tcp\":900,\"tcpfin\":120,\"udp\":300}}\n");
}

// Every string goes through the one escaper: a daemon interface or a
// persistence engine's data could hold anything.
TEST(Output, StringsAreEscaped)
{
	EXPECT_EQ(json_quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
	SyncDaemon d;
	d.state = 1; // IP_VS_STATE_MASTER
	d.mcast_ifn = "eth\"0";
	std::ostringstream out;
	print_daemons_json(out, {d});
	EXPECT_EQ(out.str(), "{\"daemons\":[{\"state\":\"master\",\"mcast_interface\":\"eth\\\"0\",\"syncid\":0,"
			     "\"sync_maxlen\":0,\"mcast_group\":null,\"mcast_port\":0,\"mcast_ttl\":0}]}\n");
}

} // namespace
