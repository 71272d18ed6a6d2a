/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nc_policy.h - the nc policy of a service: validation, nc-subnet scope
 * and the class key of a client under a policy.
 *
 * Pure C (see nc_class.h): compiled into the module and unit-tested.
 */
#ifndef NC_POLICY_H
#define NC_POLICY_H

#include "nc_class.h"

/* A network of the nc-subnet list. */
struct nc_subnet {
	uint8_t family;		/* enum nc_family */
	uint8_t plen;
	uint8_t addr[16];	/* masked to plen */
};

struct nc_policy {
	uint8_t key_mode;	/* enum nc_key_mode */
	uint8_t plen4;
	uint8_t plen6;
	uint8_t pick;		/* enum nc_pick */
	uint8_t drain;		/* enum nc_drain */
	uint32_t sticky_secs;
	uint32_t max_entries;
	uint32_t n_subnets;	/* 0: every client is grouped by class */
	struct nc_subnet subnets[NC_MAX_SUBNETS];
};

static inline void nc_policy_defaults(struct nc_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->key_mode = NC_KEY_OCTET;
	p->plen4 = NC_DEFAULT_PLEN4;
	p->plen6 = NC_DEFAULT_PLEN6;
	p->pick = NC_PICK_HASH;
	p->drain = NC_DRAIN_SYSCTL;
	p->sticky_secs = NC_DEFAULT_STICKY_SECS;
	p->max_entries = NC_DEFAULT_MAX_ENTRIES;
}

static inline unsigned int nc_family_bits(uint8_t family)
{
	return family == NC_FAMILY_INET ? 32 : 128;
}

/* Make @s the network @addr/@plen; NULL, or why it is not a network. */
static inline const char *nc_subnet_set(struct nc_subnet *s, uint8_t family,
					const uint8_t *addr, unsigned int plen)
{
	unsigned int len;

	if (family != NC_FAMILY_INET && family != NC_FAMILY_INET6)
		return "network address family must be IPv4 or IPv6";
	if (plen > nc_family_bits(family))
		return "network prefix length too long for its family";
	len = family == NC_FAMILY_INET ? 4 : 16;
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->plen = (uint8_t)plen;
	memcpy(s->addr, addr, len);
	nc_mask_prefix(s->addr, len, plen);
	return NULL;
}

static inline bool nc_subnet_contains(const struct nc_subnet *s,
				      uint8_t family, const uint8_t *addr)
{
	uint8_t masked[16];
	unsigned int len = family == NC_FAMILY_INET ? 4 : 16;

	if (s->family != family)
		return false;
	memcpy(masked, addr, len);
	nc_mask_prefix(masked, len, s->plen);
	return memcmp(masked, s->addr, len) == 0;
}

/* NULL if @p can be applied, or a message naming what is wrong. */
static inline const char *nc_policy_check(const struct nc_policy *p)
{
	uint32_t i, j;

	if (p->key_mode >= __NC_KEY_MAX)
		return "unknown key mode";
	if (p->plen4 > 32)
		return "IPv4 prefix length must be 0..32";
	if (p->plen6 > 128)
		return "IPv6 prefix length must be 0..128";
	if (p->pick >= __NC_PICK_MAX)
		return "unknown first pick";
	if (p->drain >= __NC_DRAIN_MAX)
		return "unknown drain rule";
	if (p->sticky_secs < 1 || p->sticky_secs > NC_MAX_STICKY_SECS)
		return "sticky time must be 1 s to 31 days";
	if (p->max_entries < 1 || p->max_entries > NC_MAX_ENTRIES_LIMIT)
		return "entry cap must be 1..16777216";
	if (p->n_subnets > NC_MAX_SUBNETS)
		return "too many nc-subnet networks (at most 32)";
	for (i = 0; i < p->n_subnets; i++) {
		const struct nc_subnet *s = &p->subnets[i];
		struct nc_subnet canon;

		if (nc_subnet_set(&canon, s->family, s->addr, s->plen))
			return "bad nc-subnet network";
		if (memcmp(&canon, s, sizeof(canon)))
			return "nc-subnet network has host bits set";
		for (j = 0; j < i; j++)
			if (!memcmp(&p->subnets[j], s, sizeof(*s)))
				return "duplicate nc-subnet network";
	}
	return NULL;
}

/* Is a client in the policy's nc-subnet scope (grouped by class)? */
static inline bool nc_policy_in_scope(const struct nc_policy *p,
				      uint8_t family, const uint8_t *addr)
{
	uint32_t i;

	if (!p->n_subnets)
		return true;
	for (i = 0; i < p->n_subnets; i++)
		if (nc_subnet_contains(&p->subnets[i], family, addr))
			return true;
	return false;
}

/*
 * The class key of a client under @p, grouped by @key_mode (the policy's,
 * or an ipvsadm -b override): its class when it is in the nc-subnet scope,
 * else its own full address (sticky per address, with the same sticky
 * time). An IPv4-mapped IPv6 client counts as IPv4.
 */
static inline void nc_policy_key(const struct nc_policy *p,
				 unsigned int key_mode, uint8_t family,
				 const uint8_t *addr, struct nc_class_key *key)
{
	if (family == NC_FAMILY_INET6 && nc_is_v4mapped(addr)) {
		family = NC_FAMILY_INET;
		addr += 12;
	}
	if (family == NC_FAMILY_INET) {
		if (nc_policy_in_scope(p, family, addr))
			nc_class_key_v4(key, addr, (enum nc_key_mode)key_mode, p->plen4);
		else
			nc_class_key_v4(key, addr, NC_KEY_PREFIX, 32);
	} else {
		nc_class_key_v6(key, addr, (enum nc_key_mode)key_mode, p->plen4,
				nc_policy_in_scope(p, family, addr) ? p->plen6 : 128);
	}
}

#endif /* NC_POLICY_H */
