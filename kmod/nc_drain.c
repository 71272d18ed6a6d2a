// SPDX-License-Identifier: GPL-2.0
/*
 * Drains: since when each server of a service has had weight 0, for the
 * drain rule NC_DRAIN_DEADLINE (a class stays on its drained server until
 * the deadline, then moves) and for the listing of draining servers.
 *
 * IPVS does not say when a weight changed; its upd_dest callback does.
 * Every weight-0 server of the service has a record: kept with its time
 * while the server stays at weight 0, made with the current time when it
 * gets there (or joins with weight 0), dropped when its weight comes back
 * or it leaves.
 *
 * Locking: t->drains is an array replaced whole (RCU) by nc_drain_sync(),
 * which IPVS calls from init_service, add_dest, upd_dest and del_dest,
 * all under its __ip_vs_mutex, one at a time; readers (schedule, the
 * collector, netlink) hold rcu_read_lock. An array holds a reference on
 * each of its dests, dropped after a grace period. If memory is short
 * the old array stays: a server that just went to weight 0 then has no
 * record and keeps its classes (as the keep rule) until the next sync.
 */
#include <linux/slab.h>

#include "nc.h"

struct nc_drains {
	struct rcu_head		rcu;
	unsigned int		n;
	struct nc_drain_rec {
		struct ip_vs_dest	*dest;	/* holds a reference */
		unsigned long		since;	/* jiffies: weight became 0 */
	} d[];
};

static const struct nc_drain_rec *nc_drain_find(const struct nc_drains *ds,
					    const struct ip_vs_dest *dest)
{
	unsigned int i;

	for (i = 0; ds && i < ds->n; i++)
		if (ds->d[i].dest == dest)
			return &ds->d[i];
	return NULL;
}

static void nc_drains_free_rcu(struct rcu_head *head)
{
	struct nc_drains *ds = container_of(head, struct nc_drains, rcu);
	unsigned int i;

	for (i = 0; i < ds->n; i++)
		ip_vs_dest_put_and_free(ds->d[i].dest);
	kfree(ds);
}

static unsigned int nc_drained_dests(struct ip_vs_service *svc)
{
	struct ip_vs_dest *d;
	unsigned int n = 0;

	list_for_each_entry(d, &svc->destinations, n_list)
		n += atomic_read(&d->weight) <= 0;
	return n;
}

/*
 * Bring the records in line with the service's servers; returns whether
 * a server started draining (its deadline is a new one to wait for).
 */
bool nc_drain_sync(struct ip_vs_service *svc, struct nc_table *t)
{
	/* __ip_vs_mutex orders every caller */
	struct nc_drains *old = rcu_dereference_protected(t->drains, 1);
	unsigned int n = nc_drained_dests(svc);
	const struct nc_drain_rec *was;
	struct nc_drains *ds = NULL;
	struct ip_vs_dest *d;
	bool started = false;

	if (n) {
		ds = kzalloc(struct_size(ds, d, n), GFP_KERNEL);
		if (!ds)
			return false;
		list_for_each_entry(d, &svc->destinations, n_list) {
			if (atomic_read(&d->weight) > 0)
				continue;
			was = nc_drain_find(old, d);
			started |= !was;
			ip_vs_dest_hold(d);
			ds->d[ds->n].dest = d;
			ds->d[ds->n++].since = was ? was->since : jiffies;
		}
	}
	rcu_assign_pointer(t->drains, ds);
	if (old)
		call_rcu(&old->rcu, nc_drains_free_rcu);
	return started;
}

/* The service is going away. */
void nc_drain_release(struct nc_table *t)
{
	struct nc_drains *ds = rcu_dereference_protected(t->drains, 1);

	RCU_INIT_POINTER(t->drains, NULL);
	if (ds)
		call_rcu(&ds->rcu, nc_drains_free_rcu);
}

/* Has @dest been at weight 0 for @secs or more? Under RCU. */
bool nc_drain_past(const struct nc_table *t, const struct ip_vs_dest *dest,
		   u32 secs, unsigned long now)
{
	const struct nc_drain_rec *r = nc_drain_find(rcu_dereference(t->drains),
						 dest);

	return r && time_after_eq(now, r->since + (unsigned long)secs * HZ);
}

/*
 * Does the drain rule @drain move a class (or pinned network) off @d, now
 * at weight 0? Under RCU.
 */
bool nc_drain_moves(const struct ip_vs_service *svc,
		    const struct ip_vs_dest *d, unsigned int drain,
		    unsigned long now)
{
	const struct nc_table *t = svc->sched_data;

	switch (drain) {
	case NC_DRAIN_REPICK:
		return true;
	case NC_DRAIN_SYSCTL:
		return READ_ONCE(svc->ipvs->sysctl_expire_quiescent_template);
	case NC_DRAIN_DEADLINE:
		return nc_drain_past(t, d, rcu_dereference(t->policy)->p.drain_secs,
				     now);
	}
	return false;
}

/* Jiffies until the next deadline still ahead (0: none). Under RCU. */
unsigned long nc_drain_next_deadline(const struct nc_table *t, u32 secs,
				     unsigned long now)
{
	const struct nc_drains *ds = rcu_dereference(t->drains);
	unsigned long next = 0, end;
	unsigned int i;

	for (i = 0; ds && i < ds->n; i++) {
		end = ds->d[i].since + (unsigned long)secs * HZ;
		if (time_before(now, end) && (!next || end - now < next))
			next = end - now;
	}
	return next;
}

/*
 * Call @fn for each draining server with the jiffies since its weight
 * became 0; stops at the first non-zero return. Under RCU.
 */
int nc_drain_for_each(const struct nc_table *t,
		      int (*fn)(const struct ip_vs_dest *d,
				unsigned long since, void *arg),
		      void *arg)
{
	const struct nc_drains *ds = rcu_dereference(t->drains);
	unsigned long now = jiffies;
	unsigned int i;
	int err;

	for (i = 0; ds && i < ds->n; i++) {
		err = fn(ds->d[i].dest, now - ds->d[i].since, arg);
		if (err)
			return err;
	}
	return 0;
}
