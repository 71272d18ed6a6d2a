// SPDX-License-Identifier: GPL-2.0
// The pure helpers of include/ timed natively on the host (Google
// Benchmark): the work schedule() does before it touches the table.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

extern "C" {
#include "nc_hash.h"
#include "nc_policy.h"
}

namespace {

// Client addresses that change every call, as new connections do.
std::vector<uint32_t> addresses()
{
	std::vector<uint32_t> a(4096);
	uint64_t x = 1;
	for (auto &v : a)
		v = static_cast<uint32_t>((x = nc_mix64(x)) >> 32);
	return a;
}

void key_v4(benchmark::State &st, nc_key_mode mode)
{
	auto addrs = addresses();
	nc_policy p;
	nc_policy_defaults(&p);
	nc_class_key key;
	size_t i = 0;
	for (auto _ : st) {
		uint32_t a = addrs[i++ & 4095];
		nc_policy_key(&p, mode, NC_FAMILY_INET, reinterpret_cast<const uint8_t *>(&a), &key);
		benchmark::DoNotOptimize(key);
	}
}
BENCHMARK_CAPTURE(key_v4, octet, NC_KEY_OCTET);
BENCHMARK_CAPTURE(key_v4, classful, NC_KEY_CLASSFUL);
BENCHMARK_CAPTURE(key_v4, prefix24, NC_KEY_PREFIX);

// IPv6 /48 key.
void key_v6(benchmark::State &st)
{
	auto addrs = addresses();
	nc_policy p;
	nc_policy_defaults(&p);
	nc_class_key key;
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
	size_t i = 0;
	for (auto _ : st) {
		std::memcpy(a + 8, &addrs[i++ & 4095], 4);
		nc_policy_key(&p, NC_KEY_OCTET, NC_FAMILY_INET6, a, &key);
		benchmark::DoNotOptimize(key);
	}
}
BENCHMARK(key_v6);

// The worst nc-subnet scope: 32 networks, the client in none of them.
void key_v4_32_subnets(benchmark::State &st)
{
	auto addrs = addresses();
	nc_policy p;
	nc_policy_defaults(&p);
	p.n_subnets = NC_MAX_SUBNETS;
	for (uint32_t i = 0; i < NC_MAX_SUBNETS; i++) {
		uint8_t net[16] = {static_cast<uint8_t>(200 + i % 50), static_cast<uint8_t>(i)};
		nc_subnet_set(&p.subnets[i], NC_FAMILY_INET, net, 16);
	}
	nc_class_key key;
	size_t i = 0;
	for (auto _ : st) {
		uint32_t a = addrs[i++ & 4095] & 0xffffff7fu; // first octet < 128: outside every subnet
		nc_policy_key(&p, NC_KEY_OCTET, NC_FAMILY_INET, reinterpret_cast<const uint8_t *>(&a), &key);
		benchmark::DoNotOptimize(key);
	}
}
BENCHMARK(key_v4_32_subnets);

// The hash first pick over N servers of equal weight (what a new class
// costs on top of the table lookup): the bucket of the class, then its
// owner in the table kept up to date as servers change.
void hrw_pick(benchmark::State &st)
{
	const auto n = static_cast<uint32_t>(st.range(0));
	std::vector<nc_hrw_server> servers(n);
	std::vector<uint16_t> owner(NC_HRW_BUCKETS, NC_HRW_NONE);
	for (uint32_t s = 0; s < n; s++) {
		uint8_t a[16] = {10, 255, static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)};
		nc_hrw_server_set(&servers[s], a, 80, 1);
		nc_hrw_update(owner.data(), servers.data(), n, static_cast<uint16_t>(s));
	}
	auto addrs = addresses();
	nc_class_key key;
	size_t i = 0;
	for (auto _ : st) {
		uint32_t a = addrs[i++ & 4095];
		nc_class_key_v4(&key, reinterpret_cast<const uint8_t *>(&a), NC_KEY_PREFIX, 24);
		benchmark::DoNotOptimize(owner[nc_hrw_bucket_of(&key)]);
	}
}
BENCHMARK(hrw_pick)->Arg(4)->Arg(64)->Arg(256);

// Keeping the table: one server joining N (a bucket walk, every bucket
// compared with the newcomer), as ipvsadm -a makes the kernel do.
void hrw_join(benchmark::State &st)
{
	const auto n = static_cast<uint32_t>(st.range(0));
	std::vector<nc_hrw_server> servers(n + 1);
	std::vector<uint16_t> owner(NC_HRW_BUCKETS, NC_HRW_NONE);
	for (uint32_t s = 0; s <= n; s++) {
		uint8_t a[16] = {10, 255, static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)};
		nc_hrw_server_set(&servers[s], a, 80, s < n);
		nc_hrw_update(owner.data(), servers.data(), n + 1, static_cast<uint16_t>(s));
	}
	for (auto _ : st) {
		servers[n].weight ^= 1;	// joins, leaves, joins...
		nc_hrw_update(owner.data(), servers.data(), n + 1, static_cast<uint16_t>(n));
	}
}
BENCHMARK(hrw_join)->Arg(4)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
