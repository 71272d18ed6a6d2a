// SPDX-License-Identifier: GPL-2.0
// Unit tests of the "hash" first pick's bucket table (include/nc_hash.h),
// compiled into ip_vs_nc.ko: what operators rely on is that every
// director with the same servers and weights picks the same server, that
// shares follow the weights, and that a server joining or leaving moves
// only its own share.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

extern "C" {
#include "nc_hash.h"
}

namespace {

TEST(Hash, NegLog2IsMonotoneAndBounded)
{
	EXPECT_EQ(nc_hrw_neglog2(0), 32u << 16);            // x = 1
	EXPECT_EQ(nc_hrw_neglog2(1ULL << 63), 1u << 16);    // u = 1/2
	EXPECT_EQ(nc_hrw_neglog2(1ULL << 62), 2u << 16);    // u = 1/4
	EXPECT_GE(nc_hrw_neglog2(~0ULL), 1u);
	uint32_t prev = UINT32_MAX;
	for (uint64_t x = 1; x < (1ULL << 32); x = x * 3 + 1) {
		uint32_t v = nc_hrw_neglog2(x << 32);
		EXPECT_LE(v, prev);
		double exact = 32.0 - std::log2(static_cast<double>(x | 1));
		EXPECT_NEAR(v / 65536.0, exact, 1e-3) << x;
		prev = v;
	}
}

// A director's view: slots of servers and the owner of every bucket,
// changed one slot at a time as the kernel does.
struct Table {
	std::vector<nc_hrw_server> slots;
	std::vector<uint16_t> owner = std::vector<uint16_t>(NC_HRW_BUCKETS, NC_HRW_NONE);

	// Server number @i is 10.0.<i/256>.<i%256>:80.
	void set(unsigned i, uint32_t weight)
	{
		if (slots.size() <= i)
			slots.resize(i + 1, nc_hrw_server{});
		uint8_t a[16] = {10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
		nc_hrw_server_set(&slots[i], a, 80, weight);
		nc_hrw_update(owner.data(), slots.data(), static_cast<unsigned>(slots.size()),
			      static_cast<uint16_t>(i));
	}
	// The server (its number) a class goes to.
	int pick(const nc_class_key &k) const
	{
		uint16_t o = owner[nc_hrw_bucket_of(&k)];
		return o == NC_HRW_NONE ? -1 : o;
	}
	std::vector<double> shares() const
	{
		std::vector<double> s(slots.size());
		for (uint16_t o : owner)
			if (o != NC_HRW_NONE)
				s[o] += 1.0 / NC_HRW_BUCKETS;
		return s;
	}
};

Table with_weights(const std::vector<uint32_t> &w)
{
	Table t;
	for (unsigned i = 0; i < w.size(); i++)
		t.set(i, w[i]);
	return t;
}

nc_class_key class_key(uint32_t i)
{
	uint8_t a[4] = {static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0};
	nc_class_key k;
	nc_class_key_v4(&k, a, NC_KEY_PREFIX, 24);
	return k;
}

TEST(Hash, TableAlwaysHoldsTheRendezvousWinner)
{
	// Random joins, leaves (weight 0) and weight changes; after each the
	// kept table must equal a fresh walk over all servers.
	std::mt19937 rng(7);
	Table t;
	for (int step = 0; step < 120; step++) {
		auto i = static_cast<unsigned>(rng() % 24);
		auto w = static_cast<uint32_t>(rng() % 4 == 0 ? 0 : 1 + rng() % 100);
		t.set(i, w);
		unsigned n = static_cast<unsigned>(t.slots.size());
		for (uint32_t b = step % 7; b < NC_HRW_BUCKETS; b += 7)
			ASSERT_EQ(t.owner[b], nc_hrw_owner(t.slots.data(), n, b))
				<< "bucket " << b << " after step " << step;
	}
}

TEST(Hash, SameOwnersWhateverTheOrderOfChanges)
{
	// Two directors configured in opposite orders, one of them with a
	// detour (a server at another weight first): the same table.
	std::vector<uint32_t> w = {3, 1, 4, 1, 5, 9, 2, 6};
	Table a = with_weights(w), b;
	b.set(2, 50);
	for (unsigned i = static_cast<unsigned>(w.size()); i-- > 0;)
		b.set(i, w[i]);
	EXPECT_EQ(a.owner, b.owner);
}

TEST(Hash, SharesFollowWeights)
{
	// Each server's share of buckets, and of 200 000 /24 classes, is
	// within 2 % of its weight's share.
	std::vector<uint32_t> w = {1, 2, 3, 4};
	Table t = with_weights(w);
	auto s = t.shares();
	std::vector<double> classes(w.size());
	const int n = 200000;
	for (int i = 0; i < n; i++)
		classes[t.pick(class_key(static_cast<uint32_t>(i)))] += 1.0 / n;
	for (unsigned i = 0; i < w.size(); i++) {
		double ideal = w[i] / 10.0;
		EXPECT_NEAR(s[i], ideal, 0.02 * ideal) << "buckets of server " << i;
		EXPECT_NEAR(classes[i], ideal, 0.02 * ideal) << "classes of server " << i;
	}
}

TEST(Hash, ServerJoiningMovesOnlyItsShare)
{
	for (unsigned n : {4u, 16u, 64u, 256u}) {
		Table t = with_weights(std::vector<uint32_t>(n, 1));
		auto before = t.owner;
		t.set(n, 1);
		unsigned moved = 0, elsewhere = 0;
		for (uint32_t b = 0; b < NC_HRW_BUCKETS; b++) {
			if (t.owner[b] == before[b])
				continue;
			moved++;
			elsewhere += t.owner[b] != n;
		}
		double ratio = moved / (double(NC_HRW_BUCKETS) / (n + 1));
		EXPECT_EQ(elsewhere, 0u) << n << " servers: buckets only move to the new one";
		EXPECT_LE(ratio, 1.1) << n << " servers";
		EXPECT_GE(ratio, 1 / 1.1) << n << " servers";
	}
}

TEST(Hash, ServerLeavingMovesOnlyItsShare)
{
	for (unsigned n : {5u, 17u, 65u, 257u}) {
		Table t = with_weights(std::vector<uint32_t>(n, 1));
		auto before = t.owner;
		t.set(n / 2, 0);
		unsigned moved = 0, not_its = 0;
		for (uint32_t b = 0; b < NC_HRW_BUCKETS; b++) {
			if (t.owner[b] == before[b])
				continue;
			moved++;
			not_its += before[b] != n / 2;
		}
		double ratio = moved / (double(NC_HRW_BUCKETS) / n);
		EXPECT_EQ(not_its, 0u) << n << " servers: only the leaver's buckets move";
		EXPECT_LE(ratio, 1.1) << n << " servers";
		EXPECT_GE(ratio, 1 / 1.1) << n << " servers";
	}
}

TEST(Hash, NoServerNoOwner)
{
	Table t = with_weights({1, 1});
	t.set(0, 0);
	t.set(1, 0);
	EXPECT_EQ(t.pick(class_key(1)), -1);
	t.set(1, 5);
	EXPECT_EQ(t.pick(class_key(1)), 1);
}

} // namespace
