// SPDX-License-Identifier: GPL-2.0
// Unit tests of who-is-stuck-where (userland/insight.cpp) and its two
// outputs: ncadm --nc-summary (text and JSON) and ncadm --nc-metrics
// (Prometheus text format, per service and per server, never per class).
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <algorithm>
#include <sstream>

#include "live.hpp"
#include "metrics.hpp"
#include "output.hpp"
#include "parse.hpp"

extern "C" {
#include "ip_vs_nc.h"
}

using namespace ncadm;

namespace {

ServiceId vip()
{
	ServiceId id;
	id.addr = parse_address("192.0.2.1", "test");
	id.af = id.addr.af;
	id.protocol = IPPROTO_TCP;
	id.port = 80;
	return id;
}

DestEntry dest(const char *addr, int weight, uint32_t active = 0)
{
	DestEntry d;
	d.server = parse_endpoint(addr, "test", std::nullopt);
	d.weight = weight;
	d.active = active;
	return d;
}

NcEntry entry(const char *cls, const char *server, uint64_t conns, uint64_t age_ms)
{
	NcEntry e;
	e.cls = parse_subnets(cls).at(0);
	e.server = parse_endpoint(server, "test", std::nullopt);
	e.conns = conns;
	e.age_ms = age_ms;
	return e;
}

// Three servers, weights 2:1:0 (the last draining); five classes.
const std::vector<DestEntry> dests = {dest("10.1.0.1:80", 2, 5), dest("10.1.0.2:80", 1), dest("10.1.0.3:80", 0)};
const std::vector<NcEntry> now = {
	entry("71.0.0.0/8", "10.1.0.1:80", 40, 9000), entry("72.0.0.0/8", "10.1.0.1:80", 10, 8000),
	entry("73.0.0.0/8", "10.1.0.2:80", 30, 7000), entry("74.0.0.0/8", "10.1.0.3:80", 3, 6000),
	entry("75.0.0.0/8", "10.1.0.2:80", 5, 500)};

TEST(Insight, ClassesPerServerAgainstWeights)
{
	NcSummary s = summarize(vip(), dests, now, nullptr, 0, 10);
	ASSERT_EQ(s.servers.size(), 3u);
	EXPECT_EQ(s.classes, 5u);
	EXPECT_EQ(s.servers[0].classes, 2u);
	EXPECT_EQ(s.servers[1].classes, 2u);
	EXPECT_EQ(s.servers[2].classes, 1u);
	EXPECT_EQ(s.servers[0].conns, 50u);
	EXPECT_DOUBLE_EQ(s.servers[0].class_share, 0.4);
	EXPECT_DOUBLE_EQ(s.servers[0].weight_share, 2.0 / 3);
	EXPECT_DOUBLE_EQ(s.servers[2].weight_share, 0);
	EXPECT_TRUE(s.servers[2].draining());
	EXPECT_FALSE(s.servers[1].draining());
}

TEST(Insight, HeaviestClassesSinceFirstSeen)
{
	NcSummary s = summarize(vip(), dests, now, nullptr, 0, 2);
	ASSERT_EQ(s.top.size(), 2u);
	EXPECT_EQ(s.top[0].cls.str(), "71.0.0.0/8");
	EXPECT_EQ(s.top[0].conns, 40u);
	EXPECT_EQ(s.top[1].cls.str(), "73.0.0.0/8");
	EXPECT_EQ(*s.top[1].age_ms, 7000u);
	EXPECT_EQ(s.interval_ms, 0u);
}

TEST(Insight, HeaviestClassesOverAnInterval)
{
	// Two seconds earlier: 71 had 39 (1 since), 73 had 10 (20 since),
	// 75 was not there (5 since), 72 was re-made (fewer then: all 10).
	const std::vector<NcEntry> before = {entry("71.0.0.0/8", "10.1.0.1:80", 39, 7000),
					     entry("72.0.0.0/8", "10.1.0.1:80", 12, 6000),
					     entry("73.0.0.0/8", "10.1.0.2:80", 10, 5000),
					     entry("74.0.0.0/8", "10.1.0.3:80", 3, 4000)};
	NcSummary s = summarize(vip(), dests, now, &before, 2000, 3);
	ASSERT_EQ(s.top.size(), 3u);
	EXPECT_EQ(s.top[0].cls.str(), "73.0.0.0/8");
	EXPECT_EQ(s.top[0].conns, 20u);
	EXPECT_EQ(s.top[1].cls.str(), "72.0.0.0/8");
	EXPECT_EQ(s.top[1].conns, 10u);
	EXPECT_EQ(s.top[2].cls.str(), "75.0.0.0/8");
	EXPECT_EQ(s.servers[0].conns, 11u);
	EXPECT_EQ(s.interval_ms, 2000u);
}

// The same through two snapshots: the earlier table is the earlier
// snapshot's service of the same name.
TEST(Insight, SnapshotsOverAnInterval)
{
	const auto snapshot = [](const std::vector<NcEntry> &table) {
		NcSnapshot snap;
		NcServiceData d;
		d.entry.id = vip();
		d.entry.conf.sched = NC_SCHED_NAME;
		d.dests = dests;
		d.nc = NcService{vip(), {}, {}, {}, {}};
		d.table = table;
		snap.services.push_back(d);
		return snap;
	};
	const NcSnapshot before = snapshot({entry("71.0.0.0/8", "10.1.0.1:80", 39, 7000)});
	const std::vector<NcSummary> s = summarize_snapshot(snapshot(now), &before, 2000, 5);
	ASSERT_EQ(s.size(), 1u);
	EXPECT_EQ(s[0].interval_ms, 2000u);
	ASSERT_EQ(s[0].top.size(), 5u);
	EXPECT_EQ(s[0].top[0].cls.str(), "73.0.0.0/8"); // 30, all new since then
	EXPECT_EQ(s[0].top[4].cls.str(), "71.0.0.0/8"); // 40 - 39
	EXPECT_EQ(s[0].top[4].conns, 1u);
}

Connection conn(const char *client, uint16_t cport, const char *server, const char *pe_data = nullptr)
{
	Connection c;
	c.proto = "TCP";
	c.protocol = IPPROTO_TCP;
	c.client = {parse_address(client, "test"), cport};
	c.virt = {parse_address("192.0.2.1", "test"), 80};
	c.dest = parse_endpoint(server, "test", std::nullopt);
	c.expires = 100;
	if (pe_data) {
		c.pe_name = NC_PE_NAME;
		c.pe_data = pe_data;
		c.state = "NONE";
	}
	return c;
}

TEST(Insight, EngineTemplatesAndTheConnectionsTheyControl)
{
	std::vector<Connection> conns = {
		conn("71.0.0.0", 0, "10.1.0.1:80", "71.0.0.0/8"), conn("73.0.0.0", 0, "10.1.0.2:80", "73.0.0.0/8"),
		conn("71.1.2.3", 40000, "10.1.0.1:80"), conn("71.9.9.9", 40001, "10.1.0.1:80"),
		conn("73.1.1.1", 40002, "10.1.0.2:80"),
		// another service's connection and a template of another engine
		conn("71.1.2.3", 40003, "10.1.0.1:80"), conn("9.0.0.0", 0, "10.1.0.2:80")};
	conns[5].virt.port = 443;
	conns[6].pe_name = "sip";
	conns[6].pe_data = "call-id";
	NcSummary s = summarize_engine(vip(), dests, conns, 10);
	EXPECT_TRUE(s.engine);
	EXPECT_EQ(s.classes, 2u);
	ASSERT_EQ(s.top.size(), 2u);
	EXPECT_EQ(s.top[0].cls.str(), "71.0.0.0/8");
	EXPECT_EQ(s.top[0].conns, 2u);
	EXPECT_FALSE(s.top[0].age_ms);
	EXPECT_EQ(s.top[1].conns, 1u);
	EXPECT_EQ(s.servers[0].classes, 1u);
	EXPECT_EQ(s.servers[1].classes, 1u);
}

// The kernel's drain record of 10.1.0.3 (weight 0 for 40 s, deadline
// rule of 60 s).
NcService with_drain()
{
	NcService nc;
	nc.id = vip();
	NcDraining d;
	d.server = parse_endpoint("10.1.0.3:80", "test", std::nullopt);
	d.since_ms = 40000;
	d.left_ms = 20000;
	nc.draining.push_back(d);
	return nc;
}

std::string summary_listing(Format f)
{
	NcSummary s = summarize(vip(), dests, now, nullptr, 0, 2);
	attach_service(s, with_drain());
	std::ostringstream out;
	print_nc_summaries(out, {s}, f);
	return out.str();
}

TEST(Insight, SummaryAsText)
{
	EXPECT_EQ(summary_listing(Format::Text),
		  "TCP 192.0.2.1:80 nc: 5 classes, connections since first seen\n"
		  "  Server                       Weight  Classes  Share  Weighted      Conns ActiveConn  InActConn\n"
		  "  10.1.0.1:80                       2        2  40.0%     66.7%         50          5          0\n"
		  "  10.1.0.2:80                       1        2  40.0%     33.3%         35          0          0\n"
		  "  10.1.0.3:80                       0        1  20.0%      0.0%          3          0          0  "
		  "draining 40s, deadline in 20s\n"
		  "  Heaviest class               Server                            Conns       Age\n"
		  "  71.0.0.0/8                   10.1.0.1:80                          40        9s\n"
		  "  73.0.0.0/8                   10.1.0.2:80                          30        7s\n");
}

TEST(Insight, SummaryAsJson)
{
	EXPECT_EQ(summary_listing(Format::Json),
		  "{\"services\":[{\"service\":{\"family\":\"inet\",\"protocol\":\"tcp\",\"address\":\"192.0.2.1\","
		  "\"port\":80},\"mode\":\"scheduler\",\"classes\":5,\"interval_ms\":0,\"servers\":["
		  "{\"address\":\"10.1.0.1\",\"port\":80,\"weight\":2,\"draining\":false,\"classes\":2,\"conns\":50,"
		  "\"class_share\":0.4000,\"weight_share\":0.6667,\"active\":5,\"inactive\":0},"
		  "{\"address\":\"10.1.0.2\",\"port\":80,\"weight\":1,\"draining\":false,\"classes\":2,\"conns\":35,"
		  "\"class_share\":0.4000,\"weight_share\":0.3333,\"active\":0,\"inactive\":0},"
		  "{\"address\":\"10.1.0.3\",\"port\":80,\"weight\":0,\"draining\":true,\"classes\":1,\"conns\":3,"
		  "\"class_share\":0.2000,\"weight_share\":0.0000,\"active\":0,\"inactive\":0,\"drain_ms\":40000,"
		  "\"deadline_left_ms\":20000}],"
		  "\"top\":[{\"class\":\"71.0.0.0/8\",\"server\":\"10.1.0.1:80\",\"conns\":40,\"age_ms\":9000},"
		  "{\"class\":\"73.0.0.0/8\",\"server\":\"10.1.0.2:80\",\"conns\":30,\"age_ms\":7000}]}]}\n");
}

std::string metrics(bool loaded)
{
	NcSummary s = summarize(vip(), dests, now, nullptr, 0, 0);
	NcService nc;
	nc.id = vip();
	nc.policy.key = NC_KEY_OCTET;
	nc.policy.plen6 = 48;
	nc.policy.drain = NC_DRAIN_KEEP;
	nc.policy.max_entries = 65536;
	nc.policy.bound = 125;
	nc.stats.lookups = 100;
	nc.stats.spilled = 4;
	nc.stats.pinned = 9;
	nc.stats.pins = 2;
	nc.draining = with_drain().draining;
	attach_service(s, nc);
	std::ostringstream out;
	print_metrics(out, {s}, loaded);
	return out.str();
}

// Every sample of one metric right after its HELP and TYPE.
TEST(Metrics, GroupedPerMetricWithNodeExporterLabels)
{
	const std::string m = metrics(true);
	const std::string svc = "local_address=\"192.0.2.1\",local_port=\"80\",local_mark=\"\",proto=\"TCP\"";
	EXPECT_NE(m.find("# TYPE ipvs_nc_module_loaded gauge\nipvs_nc_module_loaded 1\n"), std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_service_info{" + svc +
			 ",mode=\"scheduler\",key=\"octet,/48\",pick=\"hash\",drain=\"keep\"} 1\n"),
		  std::string::npos);
	EXPECT_NE(m.find("# TYPE ipvs_nc_lookups_total counter\nipvs_nc_lookups_total{" + svc + "} 100\n"),
		  std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_bound_spills_total{" + svc + "} 4\n"), std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_pinned_total{" + svc + "} 9\n"), std::string::npos);
	EXPECT_NE(m.find("# TYPE ipvs_nc_pins gauge\nipvs_nc_pins{" + svc + "} 2\n"), std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_classes{" + svc + "} 5\n"), std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_draining_classes{" + svc + "} 1\n"), std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_bound_ratio{" + svc + "} 1.25\n"), std::string::npos);
	EXPECT_NE(m.find("# TYPE ipvs_nc_server_classes gauge\n"
			 "ipvs_nc_server_classes{" + svc + ",remote_address=\"10.1.0.1\",remote_port=\"80\"} 2\n"
			 "ipvs_nc_server_classes{" + svc + ",remote_address=\"10.1.0.2\",remote_port=\"80\"} 2\n"
			 "ipvs_nc_server_classes{" + svc + ",remote_address=\"10.1.0.3\",remote_port=\"80\"} 1\n"),
		  std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_server_weight_share{" + svc +
			 ",remote_address=\"10.1.0.1\",remote_port=\"80\"} 0.666667\n"),
		  std::string::npos);
	EXPECT_NE(m.find("ipvs_nc_server_draining{" + svc + ",remote_address=\"10.1.0.3\",remote_port=\"80\"} 1\n"),
		  std::string::npos);
	EXPECT_NE(m.find("# TYPE ipvs_nc_server_drain_seconds gauge\n"
			 "ipvs_nc_server_drain_seconds{" + svc + ",remote_address=\"10.1.0.3\",remote_port=\"80\"} 40\n"),
		  std::string::npos);
	EXPECT_NE(m.find("# TYPE ipvs_nc_server_drain_deadline_seconds gauge\n"
			 "ipvs_nc_server_drain_deadline_seconds{" + svc +
			 ",remote_address=\"10.1.0.3\",remote_port=\"80\"} 20\n"),
		  std::string::npos);
	// no class in any series: the label set is per service and server
	EXPECT_EQ(m.find("71.0.0.0"), std::string::npos);
}

TEST(Metrics, ModuleNotLoaded)
{
	EXPECT_EQ(metrics(false), "# HELP ipvs_nc_module_loaded 1 when the ip_vs_nc module is loaded.\n"
				  "# TYPE ipvs_nc_module_loaded gauge\nipvs_nc_module_loaded 0\n");
}

TEST(Live, ScreenWithBarsRatesAndTopClasses)
{
	NcSummary then = summarize(vip(), dests, now, nullptr, 0, 2);
	NcService nc;
	nc.id = vip();
	nc.stats.lookups = 100;
	attach_service(then, nc);
	NcSummary s = then;
	s.nc->stats.lookups = 130; // 30 in 2 s
	s.nc->stats.new_classes = 4;
	const std::vector<NcSummary> before{then};
	const std::string screen = render_live({s}, &before, 2.0, 100, 40);
	EXPECT_NE(screen.find("TCP 192.0.2.1:80 nc: 5 classes  lookups 15.0/s  new 2.0/s  repicked 0.0/s  expired 0.0/s\n"),
		  std::string::npos)
		<< screen;
	// 10.1.0.1: 40 % of the classes (8 of 20 cells), 66.7 % of the weights
	EXPECT_NE(screen.find("  10.1.0.1:80                   2        2         50  [########     |      ]\n"),
		  std::string::npos)
		<< screen;
	EXPECT_NE(screen.find("  10.1.0.3:80                   0        1          3  [|###                ] draining\n"),
		  std::string::npos)
		<< screen;
	EXPECT_NE(screen.find("  71.0.0.0/8               10.1.0.1:80                      40\n"), std::string::npos) << screen;
	// a small terminal gets the first lines, each cut to its width
	const std::string small = render_live({s}, &before, 2.0, 30, 4);
	EXPECT_EQ(std::count(small.begin(), small.end(), '\n'), 4);
	EXPECT_EQ(small.find("TCP 192.0.2.1:80 nc: 5 classes\n"), small.find("TCP")) << small;
}

} // namespace
