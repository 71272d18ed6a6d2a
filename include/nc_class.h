/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nc_class.h - natural-class keys of client addresses.
 *
 * Pure C with no kernel or libc dependencies beyond fixed-width integers
 * and memcpy/memset/memcmp, so the same code is compiled into ip_vs_nc.ko
 * and unit-tested on the host.
 *
 * All addresses are in network byte order, as they come off the wire.
 */
#ifndef NC_CLASS_H
#define NC_CLASS_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#endif

#include "ip_vs_nc.h"

/* For the few helpers every connection runs (the kernel defines it). */
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

/* Address families of a class key; independent of AF_* so tests need no libc. */
enum nc_family {
	NC_FAMILY_INET = 4,
	NC_FAMILY_INET6 = 6,
};

/*
 * The class a client address belongs to: the address masked to plen bits.
 * Laid out as five 32-bit words without implicit padding, so it can be
 * hashed and compared as raw memory.
 */
struct nc_class_key {
	uint8_t family;		/* enum nc_family */
	uint8_t plen;		/* prefix length the address was masked to */
	uint8_t pad[2];		/* always zero */
	uint8_t addr[16];	/* masked address; IPv4 uses the first 4 bytes */
};

/* nc_class_key_equal() compares five words. */
#ifdef __cplusplus
static_assert(sizeof(struct nc_class_key) == 20, "five 32-bit words");
#else
_Static_assert(sizeof(struct nc_class_key) == 20, "five 32-bit words");
#endif

/*
 * @dst = the first @plen (<= 32) bits of IPv4 address @src, the rest
 * zero: one 32-bit AND, as every connection's key needs.
 */
static __always_inline void nc_mask_prefix4(uint8_t dst[4], const uint8_t src[4],
					    unsigned int plen)
{
	uint32_t m = plen ? ~(uint32_t)0 << (32 - plen) : 0;
	const uint8_t mb[4] = {
		(uint8_t)(m >> 24), (uint8_t)(m >> 16), (uint8_t)(m >> 8), (uint8_t)m
	};
	uint32_t a, mask;

	memcpy(&a, src, 4);
	memcpy(&mask, mb, 4);
	a &= mask;
	memcpy(dst, &a, 4);
}

/* Keep the first @plen bits of @addr (@len bytes, 4 or 16), zero the rest. */
static inline void nc_mask_prefix(uint8_t *addr, unsigned int len,
				  unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < len; i += 4) {
		nc_mask_prefix4(addr + i, addr + i, plen < 32 ? plen : 32);
		plen = plen < 32 ? 0 : plen - 32;
	}
}

/*
 * Prefix length of the classful network of an IPv4 address: class A /8
 * (0-127), B /16 (128-191), C /24 (192-223). Class D and E (224-255) are
 * multicast and reserved: they form no network, so each address is its
 * own class (/32).
 */
static __always_inline unsigned int nc_classful_plen(const uint8_t addr[4])
{
	if (addr[0] < 128)
		return 8;
	if (addr[0] < 192)
		return 16;
	if (addr[0] < 224)
		return 24;
	return 32;
}

/* True for ::ffff:a.b.c.d, which is keyed as the IPv4 address it carries. */
static inline bool nc_is_v4mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

/* Class key of an IPv4 client under @mode (prefix mode uses @plen4). */
static __always_inline void nc_class_key_v4(struct nc_class_key *key,
				   const uint8_t addr[4],
				   enum nc_key_mode mode, unsigned int plen4)
{
	unsigned int plen;

	switch (mode) {
	case NC_KEY_CLASSFUL:
		plen = nc_classful_plen(addr);
		break;
	case NC_KEY_PREFIX:
		plen = plen4 > 32 ? 32 : plen4;
		break;
	case NC_KEY_OCTET:
	default:
		plen = 8;
		break;
	}
	memset(key, 0, sizeof(*key));
	key->family = NC_FAMILY_INET;
	key->plen = (uint8_t)plen;
	nc_mask_prefix4(key->addr, addr, plen);
}

/*
 * Class key of an IPv6 client: its first @plen6 bits in every mode, since
 * IPv6 has no first-octet or classful structure. An IPv4-mapped address
 * is keyed as the IPv4 address it carries.
 */
static inline void nc_class_key_v6(struct nc_class_key *key,
				   const uint8_t addr[16],
				   enum nc_key_mode mode, unsigned int plen4,
				   unsigned int plen6)
{
	if (nc_is_v4mapped(addr)) {
		nc_class_key_v4(key, addr + 12, mode, plen4);
		return;
	}
	if (plen6 > 128)
		plen6 = 128;
	memset(key, 0, sizeof(*key));
	key->family = NC_FAMILY_INET6;
	key->plen = (uint8_t)plen6;
	memcpy(key->addr, addr, 16);
	nc_mask_prefix(key->addr, 16, plen6);
}

/* Word @i (0..4) of @k; the key has byte alignment. */
static __always_inline uint32_t nc_class_key_word(const struct nc_class_key *k,
						unsigned int i)
{
	uint32_t w;

	memcpy(&w, (const uint8_t *)k + 4 * i, sizeof(w));
	return w;
}

/*
 * Five words, unrolled, in registers: the kernel's memcmp() is an
 * out-of-line byte loop, and this runs for every table lookup.
 */
static __always_inline bool nc_class_key_equal(const struct nc_class_key *a,
						const struct nc_class_key *b)
{
	uint32_t diff = 0;
	unsigned int i;

	for (i = 0; i < 5; i++)
		diff |= nc_class_key_word(a, i) ^ nc_class_key_word(b, i);
	return diff == 0;
}

#endif /* NC_CLASS_H */
