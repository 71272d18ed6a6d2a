// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of include/nc_policy.h: the module parameters (the
 * policy of services made without ncadm), ipvsadm's -b flags on top of
 * them, and the class key of an address under a policy.
 *
 * Locking: none. Parameters are read with READ_ONCE (they may change at
 * any time through sysfs); the rest are pure functions of their inputs.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/module.h>

#include "nc.h"

/* Policy of services created by ipvsadm/keepalived/ldirectord. */
static unsigned int sticky_seconds = NC_DEFAULT_STICKY_SECS;
module_param(sticky_seconds, uint, 0644);
MODULE_PARM_DESC(sticky_seconds, "sticky time of new services, seconds (1800)");

static unsigned int max_entries = NC_DEFAULT_MAX_ENTRIES;
module_param(max_entries, uint, 0644);
MODULE_PARM_DESC(max_entries, "entry cap of new services (65536)");

static unsigned int key_mode = NC_KEY_OCTET;
module_param(key_mode, uint, 0644);
MODULE_PARM_DESC(key_mode, "class key of new services: 0 octet, 1 classful, 2 prefix");

static unsigned int prefix4 = NC_DEFAULT_PLEN4;
module_param(prefix4, uint, 0644);
MODULE_PARM_DESC(prefix4, "IPv4 prefix length of the prefix key mode (24)");

static unsigned int prefix6 = NC_DEFAULT_PLEN6;
module_param(prefix6, uint, 0644);
MODULE_PARM_DESC(prefix6, "IPv6 class prefix length (48)");

static unsigned int first_pick = NC_PICK_HASH;
module_param(first_pick, uint, 0644);
MODULE_PARM_DESC(first_pick, "first pick of new services: 0 hash, 1 wlc, 2 wrr, 3 rr, 4 lc");

/* Module parameters as a policy; out-of-range values fall back to defaults. */
void nc_default_policy(struct nc_policy *p)
{
	nc_policy_defaults(p);
	p->sticky_secs = READ_ONCE(sticky_seconds);
	p->max_entries = READ_ONCE(max_entries);
	p->key_mode = min_t(unsigned int, READ_ONCE(key_mode), 255);
	p->plen4 = min_t(unsigned int, READ_ONCE(prefix4), 255);
	p->plen6 = min_t(unsigned int, READ_ONCE(prefix6), 255);
	p->pick = min_t(unsigned int, READ_ONCE(first_pick), 255);
	if (nc_policy_check(p)) {
		pr_warn_ratelimited("nc: bad module parameters, using built-in defaults\n");
		nc_policy_defaults(p);
	}
}

/*
 * The class key of @a under the module parameters' key mode and prefix
 * lengths (no nc-subnet list: parameters have none): the engine's key for
 * a service without an engine policy, computed without a whole
 * struct nc_policy (600 bytes) on the softirq stack. Out-of-range
 * parameters fall back to the built-in key, as nc_default_policy() does.
 */
void nc_default_addr_key(int af, const union nf_inet_addr *a,
			 struct nc_class_key *key)
{
	unsigned int mode = READ_ONCE(key_mode);
	unsigned int plen4 = READ_ONCE(prefix4), plen6 = READ_ONCE(prefix6);

	if (mode >= __NC_KEY_MAX || nc_check_plen4(plen4) ||
	    nc_check_plen6(plen6)) {
		mode = NC_KEY_OCTET;
		plen4 = NC_DEFAULT_PLEN4;
		plen6 = NC_DEFAULT_PLEN6;
	}
	if (af == AF_INET6)
		nc_class_key_v6(key, a->in6.s6_addr, mode, plen4, plen6);
	else
		nc_class_key_v4(key, (const u8 *)&a->ip, mode, plen4);
}

/* The class key of address @a of family @af (AF_INET/AF_INET6). */
void nc_addr_key(const struct nc_policy *p, unsigned int key_mode, int af,
		 const union nf_inet_addr *a, struct nc_class_key *key)
{
	if (af == AF_INET6)
		nc_policy_key(p, key_mode, NC_FAMILY_INET6, a->in6.s6_addr, key);
	else
		nc_policy_key(p, key_mode, NC_FAMILY_INET, (const u8 *)&a->ip, key);
}
