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
	uint32_t bound;		/* percent; 0: no load bound */
	uint32_t drain_secs;	/* NC_DRAIN_DEADLINE's time; 0 otherwise */
	uint32_t handback_idle;	/* seconds; 0: no hand-back */
	uint32_t handback_rate;	/* hand-backs a second at most */
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

/*
 * The rules of a policy and their messages, in one place: the kernel
 * returns them as extack messages, ncadm prints them after the option
 * that broke one, tests/probe/ncnl expects them from the kernel.
 */
#define NC_ERR_KEY_MODE		"unknown key mode"
#define NC_ERR_PLEN4		"IPv4 prefix length must be 0..32"
#define NC_ERR_PLEN6		"IPv6 prefix length must be 0..128"
#define NC_ERR_PICK		"unknown first pick"
#define NC_ERR_DRAIN		"unknown drain rule"
#define NC_ERR_DRAIN_SECS	"drain deadline must be 1 s to 31 days"
#define NC_ERR_DRAIN_SECS_RULE	"a drain time goes with the deadline rule only"
#define NC_ERR_HANDBACK		"hand-back needs an idle time of 1 s to 31 days and a rate of 1..10000 a second"
#define NC_ERR_HANDBACK_PICK	"hand-back needs the hash first pick"
#define NC_ERR_STICKY		"sticky time must be 1 s to 31 days"
#define NC_ERR_MAX_ENTRIES	"entry cap must be 1..16777216"
#define NC_ERR_BOUND		"load bound must be 0 (off) or 1.01 to 10"
#define NC_ERR_BOUND_PICK	"a load bound needs the hash first pick"
#define NC_ERR_SUBNET_FAMILY	"network address family must be IPv4 or IPv6"
#define NC_ERR_SUBNET_PLEN	"network prefix length too long for its family"
#define NC_ERR_SUBNET_HOST_BITS	"nc-subnet network has host bits set"
#define NC_ERR_SUBNET_DUP	"duplicate nc-subnet network"
#define NC_ERR_SUBNET_COUNT	"too many nc-subnet networks (at most 32)"
#define NC_ERR_PIN_COUNT	"too many pins (at most 64 a service)"
#define NC_ERR_PIN_NONE		"no pin for that network"
#define NC_ERR_PIN_SERVER	"no such real server in the service"
#define NC_ERR_MOVE_PINNED	"a pin covers that class: change the pin instead"
#define NC_ERR_MOVE_WEIGHT	"the real server has weight 0: it takes no class"
#define NC_ERR_MOVE_NET		"move takes an address (its class moves), not a network"

static inline const char *nc_check_plen4(unsigned int plen)
{
	return plen > 32 ? NC_ERR_PLEN4 : NULL;
}

static inline const char *nc_check_plen6(unsigned int plen)
{
	return plen > 128 ? NC_ERR_PLEN6 : NULL;
}

static inline const char *nc_check_sticky(uint32_t secs)
{
	return secs < 1 || secs > NC_MAX_STICKY_SECS ? NC_ERR_STICKY : NULL;
}

static inline const char *nc_check_max_entries(uint32_t n)
{
	return n < 1 || n > NC_MAX_ENTRIES_LIMIT ? NC_ERR_MAX_ENTRIES : NULL;
}

static inline const char *nc_check_bound(uint32_t percent)
{
	return percent && (percent < NC_MIN_BOUND || percent > NC_MAX_BOUND) ?
	       NC_ERR_BOUND : NULL;
}

/* Make @s the network @addr/@plen, masked; NULL, or why it is not one. */
static inline const char *nc_subnet_set(struct nc_subnet *s, uint8_t family,
					const uint8_t *addr, unsigned int plen)
{
	unsigned int len;

	if (family != NC_FAMILY_INET && family != NC_FAMILY_INET6)
		return NC_ERR_SUBNET_FAMILY;
	if (plen > nc_family_bits(family))
		return NC_ERR_SUBNET_PLEN;
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

/* The class key of network @s: a pinned network is its own class. */
static inline void nc_subnet_key(const struct nc_subnet *s,
				 struct nc_class_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = s->family;
	key->plen = s->plen;
	memcpy(key->addr, s->addr, sizeof(s->addr));
}

/* The network of class key @key (the inverse of nc_subnet_key). */
static inline void nc_key_subnet(const struct nc_class_key *key,
				 struct nc_subnet *s)
{
	memset(s, 0, sizeof(*s));
	s->family = key->family;
	s->plen = key->plen;
	memcpy(s->addr, key->addr, sizeof(s->addr));
}

/*
 * May @s join the nc-subnet list @list[0..@n)? NULL, or why not: not a
 * network, host bits (or bytes past the family's length) set, or already
 * in the list. The one check of a network, for a list being built and
 * for one being validated.
 */
static inline const char *nc_subnet_check(const struct nc_subnet *list,
					  uint32_t n,
					  const struct nc_subnet *s)
{
	struct nc_subnet canon;
	const char *why;
	uint32_t i;

	why = nc_subnet_set(&canon, s->family, s->addr, s->plen);
	if (why)
		return why;
	if (memcmp(&canon, s, sizeof(canon)))
		return NC_ERR_SUBNET_HOST_BITS;
	for (i = 0; i < n; i++)
		if (!memcmp(&list[i], s, sizeof(*s)))
			return NC_ERR_SUBNET_DUP;
	return NULL;
}

/*
 * Append @addr/@plen to @p's nc-subnet list: NULL, or why it cannot be
 * (nc_subnet_check's reasons, or the list is full). @p is left as it was
 * when it fails.
 */
static inline const char *nc_policy_add_subnet(struct nc_policy *p,
						uint8_t family,
						const uint8_t *addr,
						unsigned int plen)
{
	struct nc_subnet s;
	const char *why;

	memset(&s, 0, sizeof(s));
	s.family = family;
	s.plen = plen > 255 ? 255 : (uint8_t)plen;
	memcpy(s.addr, addr, family == NC_FAMILY_INET ? 4 : 16);
	why = nc_subnet_check(p->subnets, p->n_subnets, &s);
	if (why)
		return why;
	if (p->n_subnets >= NC_MAX_SUBNETS)
		return NC_ERR_SUBNET_COUNT;
	p->subnets[p->n_subnets++] = s;
	return NULL;
}

/* NULL if @p can be applied, or the message of the first rule it breaks. */
static inline const char *nc_policy_check(const struct nc_policy *p)
{
	const char *why;
	uint32_t i;

	if (p->key_mode >= __NC_KEY_MAX)
		return NC_ERR_KEY_MODE;
	if (p->pick >= __NC_PICK_MAX)
		return NC_ERR_PICK;
	if (p->drain >= __NC_DRAIN_MAX)
		return NC_ERR_DRAIN;
	if (p->drain == NC_DRAIN_DEADLINE &&
	    (!p->drain_secs || p->drain_secs > NC_MAX_STICKY_SECS))
		return NC_ERR_DRAIN_SECS;
	if (p->drain != NC_DRAIN_DEADLINE && p->drain_secs)
		return NC_ERR_DRAIN_SECS_RULE;
	if ((p->handback_idle || p->handback_rate) &&
	    (!p->handback_idle || p->handback_idle > NC_MAX_STICKY_SECS ||
	     !p->handback_rate || p->handback_rate > NC_MAX_HANDBACK_RATE))
		return NC_ERR_HANDBACK;
	if (p->handback_idle && p->pick != NC_PICK_HASH)
		return NC_ERR_HANDBACK_PICK;
	why = nc_check_plen4(p->plen4);
	if (!why)
		why = nc_check_plen6(p->plen6);
	if (!why)
		why = nc_check_sticky(p->sticky_secs);
	if (!why)
		why = nc_check_max_entries(p->max_entries);
	if (!why)
		why = nc_check_bound(p->bound);
	if (!why && p->bound && p->pick != NC_PICK_HASH)
		why = NC_ERR_BOUND_PICK;
	if (!why && p->n_subnets > NC_MAX_SUBNETS)
		why = NC_ERR_SUBNET_COUNT;
	for (i = 0; !why && i < p->n_subnets; i++)
		why = nc_subnet_check(p->subnets, i, &p->subnets[i]);
	return why;
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
 * nc_policy_key() for any client: scope list, IPv6, IPv4-mapped IPv6
 * (keyed as IPv4).
 */
static inline void nc_policy_key_any(const struct nc_policy *p,
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

/*
 * The class key of a client under @p, grouped by @key_mode (the policy's,
 * or an ipvsadm -b override): its class when it is in the nc-subnet scope,
 * else its own full address (sticky per address, with the same sticky
 * time). An IPv4-mapped IPv6 client counts as IPv4. Every connection
 * comes here: IPv4 without a scope list is inlined, the rest is not.
 */
static __always_inline void nc_policy_key(const struct nc_policy *p,
					   unsigned int key_mode, uint8_t family,
					   const uint8_t *addr,
					   struct nc_class_key *key)
{
	if (family == NC_FAMILY_INET && !p->n_subnets)
		nc_class_key_v4(key, addr, (enum nc_key_mode)key_mode, p->plen4);
	else
		nc_policy_key_any(p, key_mode, family, addr, key);
}

#endif /* NC_POLICY_H */
