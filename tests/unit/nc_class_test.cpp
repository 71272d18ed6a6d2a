// SPDX-License-Identifier: GPL-2.0
// Unit tests of the class-key helpers compiled into ip_vs_nc.ko.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "nc_class.h"
}

namespace {

std::string key_str(const nc_class_key &k)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(k.family == NC_FAMILY_INET ? AF_INET : AF_INET6, k.addr, buf, sizeof(buf));
	return std::string(buf) + "/" + std::to_string(k.plen);
}

nc_class_key v4(const char *a, nc_key_mode mode = NC_KEY_OCTET, unsigned plen4 = 32)
{
	uint8_t addr[4];
	EXPECT_EQ(inet_pton(AF_INET, a, addr), 1) << a;
	nc_class_key k;
	nc_class_key_v4(&k, addr, mode, plen4);
	return k;
}

nc_class_key v6(const char *a, unsigned plen6 = NC_DEFAULT_PLEN6,
		nc_key_mode mode = NC_KEY_OCTET, unsigned plen4 = 32)
{
	uint8_t addr[16];
	EXPECT_EQ(inet_pton(AF_INET6, a, addr), 1) << a;
	nc_class_key k;
	nc_class_key_v6(&k, addr, mode, plen4, plen6);
	return k;
}

TEST(OctetKey, FirstOctetIsTheClass)
{
	EXPECT_EQ(key_str(v4("172.16.1.2")), "172.0.0.0/8");
	auto a = v4("172.16.1.2"), b = v4("172.31.255.254");
	EXPECT_TRUE(nc_class_key_equal(&a, &b));
}

TEST(OctetKey, Edges)
{
	EXPECT_EQ(key_str(v4("0.0.0.0")), "0.0.0.0/8");
	EXPECT_EQ(key_str(v4("127.0.0.1")), "127.0.0.0/8");
	EXPECT_EQ(key_str(v4("255.255.255.255")), "255.0.0.0/8");
	auto a = v4("171.255.255.255"), b = v4("172.0.0.0");
	EXPECT_FALSE(nc_class_key_equal(&a, &b));
}

TEST(ClassfulKey, ClassBoundaries)
{
	EXPECT_EQ(key_str(v4("127.255.1.1", NC_KEY_CLASSFUL)), "127.0.0.0/8");
	EXPECT_EQ(key_str(v4("128.0.1.1", NC_KEY_CLASSFUL)), "128.0.0.0/16");
	EXPECT_EQ(key_str(v4("191.255.1.1", NC_KEY_CLASSFUL)), "191.255.0.0/16");
	EXPECT_EQ(key_str(v4("192.0.2.77", NC_KEY_CLASSFUL)), "192.0.2.0/24");
	EXPECT_EQ(key_str(v4("223.1.2.3", NC_KEY_CLASSFUL)), "223.1.2.0/24");
	// Class D and E form no network: every address is its own class.
	EXPECT_EQ(key_str(v4("224.0.0.1", NC_KEY_CLASSFUL)), "224.0.0.1/32");
	EXPECT_EQ(key_str(v4("255.255.255.255", NC_KEY_CLASSFUL)), "255.255.255.255/32");
	EXPECT_EQ(key_str(v4("0.0.0.0", NC_KEY_CLASSFUL)), "0.0.0.0/8");
}

TEST(PrefixKey, AnyLength)
{
	EXPECT_EQ(key_str(v4("10.1.2.3", NC_KEY_PREFIX, 0)), "0.0.0.0/0");
	EXPECT_EQ(key_str(v4("10.1.2.3", NC_KEY_PREFIX, 10)), "10.0.0.0/10");
	EXPECT_EQ(key_str(v4("100.127.2.3", NC_KEY_PREFIX, 10)), "100.64.0.0/10");
	EXPECT_EQ(key_str(v4("10.1.2.3", NC_KEY_PREFIX, 23)), "10.1.2.0/23");
	EXPECT_EQ(key_str(v4("10.1.3.3", NC_KEY_PREFIX, 23)), "10.1.2.0/23");
	EXPECT_EQ(key_str(v4("10.1.2.3", NC_KEY_PREFIX, 32)), "10.1.2.3/32");
	EXPECT_EQ(key_str(v4("10.1.2.3", NC_KEY_PREFIX, 99)), "10.1.2.3/32");
}

// The word-wise mask (nc_mask_prefix over nc_mask_prefix4) against a
// bit-by-bit reference, at every length of both families, on addresses
// with every bit pattern in the byte the prefix ends in.
TEST(PrefixKey, MaskMatchesBitByBitReference)
{
	const uint8_t patterns[] = {0xff, 0xa5, 0x5a, 0x01, 0x80};
	for (unsigned len : {4u, 16u}) {
		for (uint8_t pat : patterns) {
			for (unsigned plen = 0; plen <= 8 * len; plen++) {
				uint8_t addr[16] = {}, want[16] = {};
				for (unsigned i = 0; i < len; i++)
					addr[i] = static_cast<uint8_t>(pat + i);
				for (unsigned bit = 0; bit < plen; bit++)
					want[bit / 8] |= addr[bit / 8] & (0x80 >> (bit % 8));
				nc_mask_prefix(addr, len, plen);
				EXPECT_EQ(memcmp(addr, want, len), 0) << "len " << len << " plen " << plen;
			}
		}
	}
}

TEST(PrefixKey, KeysDifferingInAnyWordAreNotEqual)
{
	auto a = v6("2001:db8:1:2:3:4:5:6", 128);
	for (size_t i = 0; i < sizeof(a); i++) {
		auto b = a;
		reinterpret_cast<uint8_t *>(&b)[i] ^= 0x80;
		EXPECT_FALSE(nc_class_key_equal(&a, &b)) << "byte " << i;
		EXPECT_TRUE(nc_class_key_equal(&a, &a));
	}
}

TEST(Ipv6Key, PrefixInEveryMode)
{
	EXPECT_EQ(key_str(v6("2001:db8:1234:5678::1")), "2001:db8:1234::/48");
	EXPECT_EQ(key_str(v6("2001:db8:1234:5678::1", 64)), "2001:db8:1234:5678::/64");
	EXPECT_EQ(key_str(v6("2001:db8:1234:5678::1", 0)), "::/0");
	EXPECT_EQ(key_str(v6("2001:db8::1", 128)), "2001:db8::1/128");
	EXPECT_EQ(key_str(v6("2001:db8::1", 200)), "2001:db8::1/128");
	EXPECT_EQ(key_str(v6("2001:db8:ffff::1", 33)), "2001:db8:8000::/33");
	EXPECT_EQ(key_str(v6("2001:db8:1234::1", 48, NC_KEY_CLASSFUL)), "2001:db8:1234::/48");
}

TEST(Ipv6Key, V4MappedIsKeyedAsIpv4)
{
	auto mapped = v6("::ffff:172.16.1.2");
	auto plain = v4("172.99.1.2");
	EXPECT_EQ(key_str(mapped), "172.0.0.0/8");
	EXPECT_TRUE(nc_class_key_equal(&mapped, &plain));
	EXPECT_EQ(key_str(v6("::ffff:192.0.2.9", 48, NC_KEY_CLASSFUL)), "192.0.2.0/24");
}

TEST(KeyLayout, NoPaddingAndZeroedTail)
{
	static_assert(sizeof(nc_class_key) == 20, "hashed as five 32-bit words");
	auto k = v4("1.2.3.4", NC_KEY_PREFIX, 32);
	for (int i = 4; i < 16; i++)
		EXPECT_EQ(k.addr[i], 0);
	EXPECT_EQ(k.pad[0] | k.pad[1], 0);
}

} // namespace
