/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nc_hash.h - weighted rendezvous (highest random weight) hashing for the
 * "hash" first pick, through a table of buckets so that a decision costs
 * the same whatever the number of servers.
 *
 * A class falls in one of NC_HRW_BUCKETS buckets (a seedless hash of its
 * key). Each bucket belongs to the server with the highest score
 * weight / -ln(u), u uniform in (0,1] from a hash of (bucket, server):
 * a server owns buckets in proportion to its weight, and adding or
 * removing a server moves only the buckets it wins or held. Nothing
 * depends on a seed or on list order, so every director with the same
 * servers and weights has the same owners. The owners are kept in a
 * table (nc_hrw_update, one changed server at a time, in about
 * 2 * NC_HRW_BUCKETS score computations), so a decision is one hash and
 * one load. Integer-only (no floating point in the kernel).
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

/* A table of 2^16 buckets: 128 KiB of owners per service. */
#define NC_HRW_BUCKET_BITS	16
#define NC_HRW_BUCKETS		(1u << NC_HRW_BUCKET_BITS)
#define NC_HRW_NONE		0xffffu	/* bucket without an owner */
#define NC_HRW_MAX_SERVERS	0xffffu	/* slots numbered 0..0xfffe */

/* The bucket of a class: top bits of a seedless hash of its key. */
static inline uint32_t nc_hrw_bucket_of(const struct nc_class_key *key)
{
	uint64_t h = 0x6e635f6275636b01ULL;	/* "nc_buck" */
	int i;

	h = nc_mix64(h ^ ((uint64_t)key->family << 8 | key->plen));
	for (i = 0; i < 16; i += 4)
		h = nc_mix64(h ^ nc_load32(key->addr + i));
	return (uint32_t)(h >> (64 - NC_HRW_BUCKET_BITS));
}

/*
 * A server as the table sees it. @id is a hash of its address and port,
 * computed once (nc_hrw_server_set); weight 0 means "owns nothing" (an
 * empty slot, a drained or a removed server).
 */
struct nc_hrw_server {
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	uint16_t port;		/* host order */
	uint32_t weight;
	uint64_t id;
};

static inline void nc_hrw_server_set(struct nc_hrw_server *s,
				     const uint8_t addr[16], uint16_t port,
				     uint32_t weight)
{
	uint64_t h = 0x6e635f7372760001ULL;	/* "nc_srv" */
	int i;

	memcpy(s->addr, addr, 16);
	s->port = port;
	s->weight = weight;
	for (i = 0; i < 16; i += 4)
		h = nc_mix64(h ^ nc_load32(addr + i));
	s->id = nc_mix64(h ^ port);
}

/* -log2(u) of @s for @bucket, 16.16 fixed point. */
static inline uint32_t nc_hrw_score(const struct nc_hrw_server *s,
				    uint32_t bucket)
{
	return nc_hrw_neglog2(nc_mix64(s->id ^ ((uint64_t)bucket << 32 | bucket)));
}

/*
 * Does @a (with -log2 @la) beat @b (with @lb) for a bucket? A strict total
 * order: the higher weight / -log2 wins, a tie goes to the lower address,
 * then port, so the winner is the same however the servers were listed.
 */
static inline bool nc_hrw_beats(const struct nc_hrw_server *a, uint32_t la,
				const struct nc_hrw_server *b, uint32_t lb)
{
	int c = nc_hrw_cmp(a->weight, la, b->weight, lb);

	if (c)
		return c > 0;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c < 0;
	return a->port < b->port;
}

/* The owner of @bucket among @n slots of @s: a walk over all of them. */
static inline uint16_t nc_hrw_owner(const struct nc_hrw_server *s,
				    unsigned int n, uint32_t bucket)
{
	uint32_t best_l = 0, l;
	uint16_t best = NC_HRW_NONE;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!s[i].weight)
			continue;
		l = nc_hrw_score(&s[i], bucket);
		if (best == NC_HRW_NONE || nc_hrw_beats(&s[i], l, &s[best], best_l)) {
			best = (uint16_t)i;
			best_l = l;
		}
	}
	return best;
}

/*
 * Slot @changed of @s has just changed (added, removed, weight changed);
 * every other slot is as it was when @owner was last right. Make @owner
 * right again: a bucket @changed held is recomputed over all servers (it
 * may have lost it), any other bucket goes to @changed only if it now
 * beats the owner. Changes to several slots are applied one at a time.
 */
static inline void nc_hrw_update(uint16_t *owner, const struct nc_hrw_server *s,
				 unsigned int n, uint16_t changed)
{
	const struct nc_hrw_server *c = &s[changed];
	uint32_t b;

	for (b = 0; b < NC_HRW_BUCKETS; b++) {
		uint16_t o = owner[b];

		if (o == changed)
			owner[b] = nc_hrw_owner(s, n, b);
		else if (c->weight &&
			 (o == NC_HRW_NONE ||
			  nc_hrw_beats(c, nc_hrw_score(c, b),
				       &s[o], nc_hrw_score(&s[o], b))))
			owner[b] = changed;
	}
}

#endif /* NC_HASH_H */
