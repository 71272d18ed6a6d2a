// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: operator overrides that send every client of a network to one
 * real server (ncadm --nc-pin), consulted before the table.
 *
 * A service's pins are an array of pointers, longest network first, so
 * the first network that contains a client is its longest match. There
 * are at most NC_MAX_PINS, scanned for each new connection only when the
 * service has any: t->pins is NULL otherwise, one load on the fast path.
 * A pin holds a reference on its dest, as an entry does, so a server that
 * is removed and added back (IPVS takes the dest back from its trash) is
 * followed again.
 *
 * Locking: schedule() reads t->pins under RCU; netlink replaces the array
 * whole (copy, change, publish, free the old one after a grace period)
 * under nc_registry_mutex, asserted here. A pin never changes but for its
 * connection counter, and is freed after a grace period once no array
 * holds it. nc_pin_release() runs from done_service after the table has
 * left the registry, when no writer can reach it.
 */
#include <linux/slab.h>

#include "nc.h"

#define t_pins(t) rcu_dereference_protected((t)->pins, \
					    lockdep_is_held(&nc_registry_mutex))

static void nc_pin_free_rcu(struct rcu_head *head)
{
	struct nc_pin *pin = container_of(head, struct nc_pin, rcu);

	ip_vs_dest_put_and_free(pin->dest);
	kfree(pin);
}

/*
 * The pin of the longest pinned network containing @addr (family @af; an
 * IPv4-mapped IPv6 address counts as IPv4, as in class keys), or NULL.
 * Under RCU.
 */
struct nc_pin *nc_pin_find(const struct nc_pins *pins, int af,
			   const union nf_inet_addr *addr)
{
	u8 family = af == AF_INET6 ? NC_FAMILY_INET6 : NC_FAMILY_INET;
	const u8 *a = af == AF_INET6 ? addr->in6.s6_addr : (const u8 *)&addr->ip;
	unsigned int i;

	if (family == NC_FAMILY_INET6 && nc_is_v4mapped(a)) {
		family = NC_FAMILY_INET;
		a += 12;
	}
	for (i = 0; i < pins->n; i++)
		if (nc_subnet_contains(&pins->pin[i]->net, family, a))
			return pins->pin[i];
	return NULL;
}

/* What @pin does now, under the drain rule @drain. Under RCU. */
enum nc_pin_state nc_pin_state(const struct ip_vs_service *svc,
			       const struct nc_pin *pin, unsigned int drain,
			       unsigned long now)
{
	const struct ip_vs_dest *d = pin->dest;

	if (!nc_dest_available(d))
		return NC_PIN_REMOVED;
	if (atomic_read(&d->weight) > 0)
		return NC_PIN_FOLLOWED;
	return nc_drain_moves(svc, d, drain, now) ? NC_PIN_DRAINED :
						    NC_PIN_DRAINING;
}

/* Listing order, which is also match order: longest network first. */
static bool nc_pin_before(const struct nc_subnet *a, const struct nc_subnet *b)
{
	if (a->plen != b->plen)
		return a->plen > b->plen;
	if (a->family != b->family)
		return a->family < b->family;
	return memcmp(a->addr, b->addr, sizeof(a->addr)) < 0;
}

static struct nc_pins *nc_pins_alloc(unsigned int n)
{
	struct nc_pins *pins = kzalloc(struct_size(pins, pin, n), GFP_KERNEL);

	if (pins)
		pins->n = n;
	return pins;
}

/* @new (NULL: no pins) replaces the array; the old one goes after a GP. */
static void nc_pins_publish(struct nc_table *t, struct nc_pins *new)
{
	struct nc_pins *old = t_pins(t);

	rcu_assign_pointer(t->pins, new);
	if (old)
		kfree_rcu(old, rcu);
}

static int nc_pin_index(const struct nc_pins *pins, const struct nc_subnet *net)
{
	unsigned int i;

	for (i = 0; pins && i < pins->n; i++)
		if (!memcmp(&pins->pin[i]->net, net, sizeof(*net)))
			return i;
	return -1;
}

/*
 * Pin @net to @dest, whose reference the caller hands over (put here on
 * failure, or when the same pin exists: its counter stays). A pin of the
 * same network with another server is replaced. -E2BIG past NC_MAX_PINS.
 */
int nc_pin_set(struct nc_table *t, const struct nc_subnet *net,
	       struct ip_vs_dest *dest)
{
	struct nc_pins *old = t_pins(t), *new;
	unsigned int n = old ? old->n : 0, i, j = 0;
	int same = nc_pin_index(old, net);
	struct nc_pin *pin;

	lockdep_assert_held(&nc_registry_mutex);
	if (same >= 0 && old->pin[same]->dest == dest) {
		ip_vs_dest_put_and_free(dest);
		return 0;
	}
	if (same < 0 && n >= NC_MAX_PINS) {
		ip_vs_dest_put_and_free(dest);
		return -E2BIG;
	}
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	new = nc_pins_alloc(same < 0 ? n + 1 : n);
	if (!pin || !new) {
		kfree(pin);
		kfree(new);
		ip_vs_dest_put_and_free(dest);
		return -ENOMEM;
	}
	pin->net = *net;
	pin->dest = dest;
	for (i = 0; i < n; i++) {
		if ((int)i == same)
			continue;
		if (pin && nc_pin_before(net, &old->pin[i]->net)) {
			new->pin[j++] = pin;
			pin = NULL;
		}
		new->pin[j++] = old->pin[i];
	}
	if (pin)
		new->pin[j++] = pin;
	nc_pins_publish(t, new);
	if (same >= 0)
		call_rcu(&old->pin[same]->rcu, nc_pin_free_rcu);
	return 0;
}

/* Remove the pin of @net, or every pin (@net NULL): how many, or -errno. */
int nc_pin_del(struct nc_table *t, const struct nc_subnet *net)
{
	struct nc_pins *old = t_pins(t), *new = NULL;
	int gone = net ? nc_pin_index(old, net) : -1;
	unsigned int i, j = 0;

	lockdep_assert_held(&nc_registry_mutex);
	if (!old || (net && gone < 0))
		return 0;
	if (net && old->n > 1) {
		new = nc_pins_alloc(old->n - 1);
		if (!new)
			return -ENOMEM;
		for (i = 0; i < old->n; i++)
			if ((int)i != gone)
				new->pin[j++] = old->pin[i];
	}
	nc_pins_publish(t, new);
	for (i = 0; i < old->n; i++)
		if (!net || (int)i == gone)
			call_rcu(&old->pin[i]->rcu, nc_pin_free_rcu);
	return net ? 1 : old->n;
}

unsigned int nc_pin_count(const struct nc_table *t)
{
	const struct nc_pins *pins;
	unsigned int n;

	rcu_read_lock();
	pins = rcu_dereference(t->pins);
	n = pins ? pins->n : 0;
	rcu_read_unlock();
	return n;
}

/* Hand each pin, longest network first, to @fn until it fails. Under RCU. */
int nc_pin_for_each(const struct nc_table *t,
		    int (*fn)(const struct nc_pin *pin, void *arg), void *arg)
{
	const struct nc_pins *pins = rcu_dereference(t->pins);
	unsigned int i;
	int err;

	for (i = 0; pins && i < pins->n; i++) {
		err = fn(pins->pin[i], arg);
		if (err)
			return err;
	}
	return 0;
}

/* The service is going away (the table has left the registry). */
void nc_pin_release(struct nc_table *t)
{
	struct nc_pins *pins = rcu_dereference_protected(t->pins, 1);
	unsigned int i;

	RCU_INIT_POINTER(t->pins, NULL);
	if (!pins)
		return;
	for (i = 0; i < pins->n; i++)
		call_rcu(&pins->pin[i]->rcu, nc_pin_free_rcu);
	kfree_rcu(pins, rcu);
}
