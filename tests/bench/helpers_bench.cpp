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
// costs on top of the table lookup).
void hrw_pick(benchmark::State &st)
{
	const auto n = static_cast<uint32_t>(st.range(0));
	std::vector<std::array<uint8_t, 16>> servers(n);
	for (uint32_t s = 0; s < n; s++)
		servers[s] = {10, 255, 0, static_cast<uint8_t>(10 + s)};
	auto addrs = addresses();
	nc_class_key key;
	size_t i = 0;
	for (auto _ : st) {
		uint32_t a = addrs[i++ & 4095];
		nc_class_key_v4(&key, reinterpret_cast<const uint8_t *>(&a), NC_KEY_PREFIX, 24);
		uint32_t best = 0, best_l = 0;
		for (uint32_t s = 0; s < n; s++) {
			uint32_t l = nc_hrw_neglog2(nc_hrw_hash(&key, servers[s].data(), 80));
			if (s == 0 || nc_hrw_cmp(1, l, 1, best_l) > 0) {
				best = s;
				best_l = l;
			}
		}
		benchmark::DoNotOptimize(best);
	}
}
BENCHMARK(hrw_pick)->Arg(4)->Arg(16)->Arg(64);

} // namespace

BENCHMARK_MAIN();
