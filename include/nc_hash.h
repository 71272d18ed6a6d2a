/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nc_hash.h - weighted rendezvous (highest random weight) hashing of a
 * class over real servers, for the "hash" first pick.
 *
 * Each server gets score weight / -ln(u), u uniform in (0,1] from a hash
 * of (class, server): the highest score wins, with probability
 * proportional to the weight, and adding or removing a server moves only
 * the classes it wins or held. The hash has no seed and no dependence on
 * list order, so every director with the same servers and weights picks
 * the same server. Integer-only (no floating point in the kernel).
 */
#ifndef NC_HASH_H
#define NC_HASH_H

#include "nc_class.h"

static inline uint64_t nc_mix64(uint64_t x)
{
	/* splitmix64 finalizer */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static inline uint32_t nc_load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Hash of a class and a server (address in network order, 16 bytes, port). */
static inline uint64_t nc_hrw_hash(const struct nc_class_key *key,
				   const uint8_t server_addr[16],
				   uint16_t server_port)
{
	uint64_t h = 0x6e635f6872770001ULL;	/* "nc_hrw" */
	int i;

	h = nc_mix64(h ^ ((uint64_t)key->family << 8 | key->plen));
	for (i = 0; i < 16; i += 4)
		h = nc_mix64(h ^ nc_load32(key->addr + i));
	for (i = 0; i < 16; i += 4)
		h = nc_mix64(h ^ ((uint64_t)nc_load32(server_addr + i) << 16));
	return nc_mix64(h ^ server_port);
}

/*
 * -log2(u) in 16.16 fixed point, u = x / 2^32 with x the hash's top 32
 * bits (forced odd, so never 0). Result in [1, 32 << 16].
 */
static inline uint32_t nc_hrw_neglog2(uint64_t h)
{
	uint32_t x = (uint32_t)(h >> 32) | 1;
	uint32_t ipart, frac = 0;
	uint64_t y;
	int i, z = __builtin_clz(x);	/* x != 0 */

	x <<= z;
	ipart = 31 - (uint32_t)z;
	/* y = x / 2^ipart as Q30 in [1, 2); square to get the fraction bits. */
	y = (uint64_t)x >> 1;
	/* Branch-free: a random bit per step would defeat the predictor. */
	for (i = 0; i < 16; i++) {
		uint32_t bit;

		y = (y * y) >> 30;
		bit = (uint32_t)(y >> 31);	/* y >= 2.0 in Q30 */
		frac = frac << 1 | bit;
		y >>= bit;
	}
	return (32u << 16) - ((ipart << 16) | frac);
}

/*
 * Does a server of weight @wa with -log2 @la beat one of weight @wb with
 * -log2 @lb? (wa / la > wb / lb, cross-multiplied; < 2^53, no overflow.)
 * Returns 1, 0 (tie: caller breaks it by server identity) or -1.
 */
static inline int nc_hrw_cmp(uint32_t wa, uint32_t la, uint32_t wb, uint32_t lb)
{
	uint64_t a = (uint64_t)wa * lb, b = (uint64_t)wb * la;

	return a > b ? 1 : a < b ? -1 : 0;
}

#endif /* NC_HASH_H */
