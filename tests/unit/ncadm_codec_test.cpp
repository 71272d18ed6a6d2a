// SPDX-License-Identifier: GPL-2.0
// Unit tests of ncadm's netlink encoding (codec.hpp) against messages
// captured in the VM (tests/unit/captures, made by capture.sh): what
// ipvsadm 1.31 sends for the same command, and what the kernel answered.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "codec.hpp"

extern "C" {
#include "ip_vs_nc.h"
}

using namespace ncadm;

namespace {

using Bytes = std::vector<uint8_t>;

struct Captured {
	bool sent;
	Bytes bytes; // one datagram; a received one may hold several messages
};

std::vector<Captured> load(const std::string &name)
{
	std::ifstream in(std::string(CAPTURE_DIR) + "/" + name + ".hex");
	EXPECT_TRUE(in) << "missing capture " << name;
	std::vector<Captured> out;
	std::string dir, hex;
	while (in >> dir >> hex) {
		Captured c{dir == "send", {}};
		for (size_t i = 0; i + 1 < hex.size(); i += 2)
			c.bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
		out.push_back(c);
	}
	return out;
}

uint8_t genl_cmd(const Bytes &b)
{
	return b.size() > NLMSG_HDRLEN ? b[NLMSG_HDRLEN] : 0;
}

uint16_t family_of(const Bytes &b)
{
	nlmsghdr h;
	std::memcpy(&h, b.data(), sizeof(h));
	return h.nlmsg_type;
}

// The family id ("IPVS", "IPVS_NC") the captures were made with.
uint16_t family_id(const std::string &name)
{
	std::ifstream in(std::string(CAPTURE_DIR) + "/families.txt");
	std::string n;
	unsigned id;
	while (in >> n >> id)
		if (n == name)
			return static_cast<uint16_t>(id);
	ADD_FAILURE() << "no family " << name << " in families.txt";
	return 0;
}

// The first request in @name to @family with command @cmd.
Bytes sent(const std::string &name, const std::string &family, uint8_t cmd)
{
	for (const auto &c : load(name))
		if (c.sent && family_of(c.bytes) == family_id(family) && genl_cmd(c.bytes) == cmd)
			return c.bytes;
	ADD_FAILURE() << name << ": no " << family << " request with command " << int(cmd);
	return {};
}

// Every message of @family the kernel answered in @name with command @cmd
// (dump parts in order; NLMSG_DONE and errors left out).
std::vector<Bytes> replies(const std::string &name, const std::string &family, uint8_t cmd)
{
	std::vector<Bytes> out;
	for (const auto &c : load(name)) {
		if (c.sent)
			continue;
		size_t off = 0;
		while (off + NLMSG_HDRLEN <= c.bytes.size()) {
			nlmsghdr h;
			std::memcpy(&h, c.bytes.data() + off, sizeof(h));
			if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > c.bytes.size())
				break;
			Bytes m(c.bytes.begin() + static_cast<long>(off), c.bytes.begin() + static_cast<long>(off + h.nlmsg_len));
			if (h.nlmsg_type == family_id(family) && genl_cmd(m) == cmd)
				out.push_back(m);
			off += NLMSG_ALIGN(h.nlmsg_len);
		}
	}
	return out;
}

nlmsghdr *hdr(Bytes &b)
{
	return reinterpret_cast<nlmsghdr *>(b.data());
}

// What follows the netlink header (generic netlink header and attributes),
// the part that does not depend on the socket's sequence and port numbers.
Bytes payload(const Bytes &b)
{
	return Bytes(b.begin() + NLMSG_HDRLEN, b.end());
}

Bytes payload(const Message &m)
{
	nlmsghdr *h = nlmsg_hdr(m.get());
	auto *p = reinterpret_cast<const uint8_t *>(h);
	return Bytes(p + NLMSG_HDRLEN, p + h->nlmsg_len);
}

// The attributes at @off..@end of @b, by type (nesting flag cleared).
std::map<uint16_t, Bytes> attrs(const Bytes &b, size_t off, size_t end)
{
	std::map<uint16_t, Bytes> out;
	while (off + NLA_HDRLEN <= end) {
		nlattr a;
		std::memcpy(&a, b.data() + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || off + a.nla_len > end)
			break;
		out[a.nla_type & NLA_TYPE_MASK] = Bytes(b.begin() + static_cast<long>(off),
							b.begin() + static_cast<long>(off + a.nla_len));
		off += NLA_ALIGN(a.nla_len);
	}
	return out;
}

std::map<uint16_t, Bytes> top_attrs(const Bytes &payload)
{
	return attrs(payload, GENL_HDRLEN, payload.size());
}

std::map<uint16_t, Bytes> nested(const Bytes &attr)
{
	return attrs(attr, NLA_HDRLEN, attr.size());
}

// Every attribute of @ours is in @theirs, byte for byte (@theirs may hold
// more: ipvsadm sends a service's settings even where only its identity
// counts).
void expect_subset(const std::map<uint16_t, Bytes> &ours, const std::map<uint16_t, Bytes> &theirs,
		   const char *what)
{
	for (const auto &[type, bytes] : ours) {
		auto it = theirs.find(type);
		ASSERT_NE(it, theirs.end()) << what << ": attribute " << type << " missing in the capture";
		EXPECT_EQ(bytes, it->second) << what << ": attribute " << type;
	}
}

Address addr(const char *s)
{
	return parse_address(s, "test");
}

const char *VIP = "198.51.100.10"; // capture.sh's topology (tests/vm/lib/topo.sh)

ServiceId tcp_vip(uint16_t port)
{
	ServiceId id;
	id.af = AF_INET;
	id.protocol = IPPROTO_TCP;
	id.addr = addr(VIP);
	id.port = port;
	return id;
}

// ipvsadm -A -t VIP:80 -s rr -p 300 -M 255.255.255.0
TEST(IpvsCodec, NewServiceAsIpvsadmSendsIt)
{
	Bytes want = sent("ipvs_new_service", "IPVS", IPVS_CMD_NEW_SERVICE);
	ServiceConf c;
	c.sched = "rr";
	c.flags = IP_VS_SVC_F_PERSISTENT;
	c.timeout = 300;
	c.netmask = htonl(0xffffff00);
	Message m(family_of(want), IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
	put_service(m, tcp_vip(80), &c);
	EXPECT_EQ(payload(m), payload(want));
}

// ipvsadm -a -t VIP:80 -r 10.255.0.11:8080 -m -w 3 -x 100 -y 50: the same
// server attributes; of the service, ncadm sends only what names it (the
// kernel reads no more for a real server command).
TEST(IpvsCodec, NewDestAsIpvsadmSendsIt)
{
	Bytes want = sent("ipvs_new_dest", "IPVS", IPVS_CMD_NEW_DEST);
	DestConf d;
	d.server = Endpoint{addr("10.255.0.11"), 8080};
	d.fwd = IP_VS_CONN_F_MASQ;
	d.weight = 3;
	d.u_thresh = 100;
	d.l_thresh = 50;
	Message m(family_of(want), IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION);
	put_service(m, tcp_vip(80), nullptr);
	put_dest(m, d, true);
	auto ours = top_attrs(payload(m)), theirs = top_attrs(payload(want));
	ASSERT_EQ(ours.size(), 2u);
	ASSERT_EQ(theirs.size(), 2u);
	// ipvsadm also sends the tunnel attributes for -m; they only count
	// with -i, where ncadm sends them too.
	auto our_dest = nested(ours[IPVS_CMD_ATTR_DEST]), their_dest = nested(theirs[IPVS_CMD_ATTR_DEST]);
	expect_subset(our_dest, their_dest, "dest");
	for (int t : {IPVS_DEST_ATTR_TUN_TYPE, IPVS_DEST_ATTR_TUN_PORT, IPVS_DEST_ATTR_TUN_FLAGS})
		their_dest.erase(static_cast<uint16_t>(t));
	EXPECT_EQ(our_dest.size(), their_dest.size());
	expect_subset(nested(ours[IPVS_CMD_ATTR_SERVICE]), nested(theirs[IPVS_CMD_ATTR_SERVICE]), "service");
	EXPECT_EQ(nested(ours[IPVS_CMD_ATTR_SERVICE]).size(), 4u); // af, protocol, address, port
}

// ipvsadm --start-daemon master --mcast-interface br0 --syncid 5
//   --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 2 --sync-maxlen 1400
TEST(IpvsCodec, NewDaemonAsIpvsadmSendsIt)
{
	Bytes want = sent("ipvs_new_daemon", "IPVS", IPVS_CMD_NEW_DAEMON);
	SyncDaemon d;
	d.state = IP_VS_STATE_MASTER;
	d.mcast_ifn = "br0";
	d.syncid = 5;
	d.sync_maxlen = 1400;
	d.mcast_group = addr("239.1.2.3");
	d.mcast_port = 9000;
	d.mcast_ttl = 2;
	Message m(family_of(want), IPVS_CMD_NEW_DAEMON, IPVS_GENL_VERSION);
	put_daemon(m, d, true);
	EXPECT_EQ(payload(m), payload(want));
}

TEST(IpvsCodec, ServicesFromTheKernel)
{
	std::vector<ServiceEntry> got;
	for (auto &b : replies("ipvs_get_services", "IPVS", IPVS_CMD_NEW_SERVICE))
		got.push_back(parse_service_entry(hdr(b)));
	ASSERT_EQ(got.size(), 3u);
	EXPECT_EQ(got[0].id.str(), "TCP 198.51.100.10:80");
	EXPECT_EQ(got[0].conf.sched, "rr");
	EXPECT_EQ(got[0].conf.flags & IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_PERSISTENT);
	EXPECT_EQ(got[0].conf.timeout, 300u);
	EXPECT_EQ(got[0].conf.netmask, htonl(0xffffff00));
	EXPECT_EQ(got[1].id.str(), "UDP [2001:db8:100::10]:53");
	EXPECT_EQ(got[1].conf.flags & IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_ONEPACKET);
	EXPECT_EQ(got[1].conf.netmask, 128u);
	EXPECT_EQ(got[2].id.str(), "FWM 7");
	EXPECT_EQ(got[2].id.af, AF_INET);
	EXPECT_EQ(got[2].conf.timeout, 60u);
}

TEST(IpvsCodec, DestsFromTheKernel)
{
	std::vector<DestEntry> got;
	for (auto &b : replies("ipvs_get_dests", "IPVS", IPVS_CMD_NEW_DEST))
		got.push_back(parse_dest_entry(hdr(b), AF_INET));
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0].server.addr.str(), "10.255.0.11");
	EXPECT_EQ(got[0].server.port, 8080);
	EXPECT_EQ(got[0].conn_flags & IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_MASQ);
	EXPECT_EQ(got[0].weight, 3);
	EXPECT_EQ(got[0].u_thresh, 100u);
	EXPECT_EQ(got[0].l_thresh, 50u);
}

TEST(IpvsCodec, DaemonsFromTheKernel)
{
	std::vector<SyncDaemon> got;
	for (auto &b : replies("ipvs_get_daemons", "IPVS", IPVS_CMD_NEW_DAEMON))
		if (auto d = parse_daemon(hdr(b)))
			got.push_back(*d);
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0].state, unsigned(IP_VS_STATE_MASTER));
	EXPECT_EQ(got[0].mcast_ifn, "br0");
	EXPECT_EQ(got[0].syncid, 5u);
	EXPECT_EQ(got[0].sync_maxlen, 1400);
	ASSERT_TRUE(got[0].mcast_group);
	EXPECT_EQ(got[0].mcast_group->str(), "239.1.2.3");
	EXPECT_EQ(got[0].mcast_port, 9000);
	EXPECT_EQ(got[0].mcast_ttl, 2);
}

// ncadm -E -t VIP:82 --sticky 45m --nc-key /20,/56 --nc-drain keep: only
// the changed fields travel (the kernel keeps the others).
TEST(NcCodec, PolicyChangeAsCaptured)
{
	Bytes want = sent("nc_set_policy", "IPVS_NC", NC_CMD_SET_POLICY);
	NcPolicyChange c;
	c.sticky = 45 * 60;
	c.key = parse_key("/20,/56");
	c.drain = DrainSpec{NC_DRAIN_KEEP, 0};
	Message m(family_of(want), NC_CMD_SET_POLICY, NC_GENL_VERSION);
	put_nc_service(m, tcp_vip(82));
	put_nc_policy(m, c);
	EXPECT_EQ(payload(m), payload(want));
}

// --nc-subnet all: an empty NC_POL_ATTR_SUBNETS nest is what clears the
// kernel's list, so it must travel (libnl's nla_nest_end drops an empty
// nest; ncadm once sent nothing and the list stayed).
TEST(NcCodec, EmptySubnetListTravels)
{
	NcPolicyChange c;
	c.subnets = std::vector<Network>{};
	Message m(0x20, NC_CMD_SET_POLICY, NC_GENL_VERSION);
	put_nc_service(m, tcp_vip(82));
	put_nc_policy(m, c);
	const Bytes b = payload(m);
	auto top = attrs(b, GENL_HDRLEN, b.size());
	ASSERT_EQ(top.count(NC_ATTR_POLICY), 1u);
	const Bytes &pol = top[NC_ATTR_POLICY];
	auto inner = attrs(pol, NLA_HDRLEN, pol.size());
	ASSERT_EQ(inner.count(NC_POL_ATTR_SUBNETS), 1u);
	EXPECT_EQ(inner[NC_POL_ATTR_SUBNETS].size(), size_t{NLA_HDRLEN});
}

TEST(NcCodec, ServiceFromTheKernel)
{
	auto msgs = replies("nc_get_service", "IPVS_NC", NC_CMD_GET_SERVICE);
	ASSERT_FALSE(msgs.empty());
	NcService s = parse_nc_service(hdr(msgs[0]));
	EXPECT_EQ(s.id.str(), "TCP 198.51.100.10:82");
	EXPECT_EQ(s.policy.key, NC_KEY_PREFIX);
	EXPECT_EQ(s.policy.plen4, 20);
	EXPECT_EQ(s.policy.plen6, 56);
	EXPECT_EQ(s.policy.sticky, 45u * 60);
	EXPECT_EQ(s.policy.pick, NC_PICK_WLC);
	EXPECT_EQ(s.policy.drain, NC_DRAIN_KEEP);
	EXPECT_EQ(s.policy.max_entries, NC_DEFAULT_MAX_ENTRIES);
	ASSERT_EQ(s.policy.subnets.size(), 2u);
	EXPECT_EQ(s.policy.subnets[0].str(), "61.0.0.0/8");
	EXPECT_EQ(s.policy.subnets[1].str(), "2001:db8::/32");
	// Two clients, one connection each, both new classes.
	EXPECT_EQ(s.stats.new_classes, 2u);
	EXPECT_EQ(s.stats.lookups, s.stats.hits + s.stats.new_classes + s.stats.noserver);
	EXPECT_EQ(s.stats.entries, 2u);
}

TEST(NcCodec, TableFromTheKernel)
{
	std::vector<NcEntry> got;
	for (auto &b : replies("nc_get_table", "IPVS_NC", NC_CMD_GET_TABLE))
		got.push_back(parse_nc_entry(hdr(b)));
	ASSERT_EQ(got.size(), 2u);
	std::vector<std::string> classes;
	for (const auto &e : got) {
		classes.push_back(e.cls.str());
		EXPECT_EQ(e.server.port, 80);
		EXPECT_EQ(e.server.addr.str().rfind("10.255.0.1", 0), 0u) << e.server.addr.str();
		EXPECT_EQ(e.conns, 1u);
		EXPECT_LE(e.idle_ms, e.age_ms);
		EXPECT_NEAR(double(e.left_ms + e.idle_ms), 45.0 * 60 * 1000, 20.0); // sticky after the last use
	}
	std::sort(classes.begin(), classes.end());
	// 62.7.0.1 is outside the service's nc-subnet list: a class of its own.
	EXPECT_EQ(classes, (std::vector<std::string>{"61.1.0.0/20", "62.7.0.1/32"}));
}

} // namespace
