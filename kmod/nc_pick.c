// SPDX-License-Identifier: GPL-2.0
/*
 * First pick: the real server for a class that has no valid entry.
 *
 * Only servers that could take a new class count: weight > 0 and not
 * overloaded.
 *
 * Locking: nc_pick() runs inside an RCU read-side section, in softirq or
 * process context; the rr/wrr cursor is under t->lock (taken here, the
 * only lock of a first pick: round robin is a shared sequence, as in
 * ip_vs_rr). The hash pick reads
 * t->hrw, a table of bucket owners replaced whole (RCU) by nc_pick_sync()
 * in process context; IPVS calls that from init_service, add_dest,
 * upd_dest and del_dest, all under its __ip_vs_mutex, one at a time.
 */
#include <linux/bitmap.h>
#include <linux/gcd.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "nc.h"
#include "nc_hash.h"

/*
 * Who owns each bucket (include/nc_hash.h), for servers in slots. A slot
 * keeps its number while its server stays, so the owners of a map carry
 * over to the next; an empty slot has no dest and weight 0. The map
 * holds a reference on each of its dests.
 */
struct nc_hrw_map {
	struct rcu_head		rcu;
	unsigned int		n;		/* slots */
	struct ip_vs_dest	**dest;		/* after srv[n] */
	u16			owner[NC_HRW_BUCKETS];
	struct nc_hrw_server	srv[];
};

static bool nc_pick_eligible(const struct ip_vs_dest *d)
{
	return !(d->flags & IP_VS_DEST_F_OVERLOAD) &&
	       atomic_read(&d->weight) > 0;
}

static void nc_hrw_server_of(const struct ip_vs_dest *d,
			     struct nc_hrw_server *s)
{
	u8 addr[16] = {};

	if (d->af == AF_INET)
		memcpy(addr, &d->addr.ip, 4);
	else
		memcpy(addr, &d->addr.in6, 16);
	nc_hrw_server_set(s, addr, ntohs(d->port),
			  max(atomic_read(&d->weight), 0));
}

/* Load as wlc counts it: an active connection weighs 256 inactive ones. */
struct nc_load {
	u64 sum;	/* of the eligible servers' loads */
	u64 weight;	/* of their weights */
};

static void nc_load_of(struct ip_vs_service *svc, struct nc_load *l)
{
	struct ip_vs_dest *d;

	l->sum = 0;
	l->weight = 0;
	list_for_each_entry_rcu(d, &svc->destinations, n_list) {
		if (!nc_pick_eligible(d))
			continue;
		l->sum += ip_vs_dest_conn_overhead(d);
		l->weight += atomic_read(&d->weight);
	}
}

/*
 * May @d take a new class under a load bound of @bound percent? An idle
 * server may; a busy one while its load stays below bound/100 times its
 * weighted share of the total plus one (consistent hashing with bounded
 * loads counts the new ball in the mean). One, not the 256 IPVS charges
 * an active connection: a service of short connections has only inactive
 * ones (1 each), and a new class's 256 would hide any imbalance below
 * a few hundred connections.
 */
static bool nc_under_bound(struct ip_vs_dest *d, const struct nc_load *l,
			   u32 bound)
{
	u64 load = ip_vs_dest_conn_overhead(d);
	u64 fair;

	if (!load)
		return true;
	fair = div64_u64((l->sum + 1) * atomic_read(&d->weight), l->weight);
	return load * 100 < bound * fair;
}

/*
 * The bucket's owner by a walk over the eligible servers (those under
 * @bound too, if @load is given): when the table's owner is overloaded,
 * there is no table, or a load bound is set. Without an overloaded server
 * and a bound it is the table's owner.
 */
static struct ip_vs_dest *nc_pick_hash_walk(struct ip_vs_service *svc,
					    u32 bucket,
					    const struct nc_load *load,
					    u32 bound)
{
	struct nc_hrw_server s, best_s;
	struct ip_vs_dest *d, *best = NULL;
	u32 l, best_l = 0;

	list_for_each_entry_rcu(d, &svc->destinations, n_list) {
		if (!nc_pick_eligible(d) ||
		    (load && !nc_under_bound(d, load, bound)))
			continue;
		nc_hrw_server_of(d, &s);
		l = nc_hrw_score(&s, bucket);
		if (!best || nc_hrw_beats(&s, l, &best_s, best_l)) {
			best = d;
			best_s = s;
			best_l = l;
		}
	}
	return best;
}

/* The table's owner of @bucket, if it may take a new class now. */
static struct ip_vs_dest *nc_hrw_table_owner(struct nc_table *t, u32 bucket)
{
	struct nc_hrw_map *m = rcu_dereference(t->hrw);
	struct ip_vs_dest *d;
	u16 o;

	if (!m)
		return NULL;
	o = m->owner[bucket];
	d = o == NC_HRW_NONE ? NULL : m->dest[o];
	return d && nc_pick_eligible(d) && nc_dest_available(d) ? d : NULL;
}

/*
 * Bounded load: the bucket's highest-scoring server among those under
 * the bound (consistent hashing with bounded loads, Mirrokni et al.);
 * if every one is over it, the plain hash pick. The table's owner, when
 * under the bound, is that server; otherwise a walk that scores every
 * server. The load sum is O(servers), as wlc.
 */
static struct ip_vs_dest *nc_pick_hash_bounded(struct ip_vs_service *svc,
					       struct nc_table *t,
					       u32 bucket, u32 bound)
{
	struct ip_vs_dest *d = nc_hrw_table_owner(t, bucket);
	struct ip_vs_dest *under;
	struct nc_load load;

	nc_load_of(svc, &load);
	if (!load.weight)
		return NULL;
	if (d && nc_under_bound(d, &load, bound))
		return d;
	under = nc_pick_hash_walk(svc, bucket, &load, bound);
	if (under && d)		/* the owner is up but over its bound */
		nc_stat_inc(t, spilled);
	return under ?: nc_pick_hash_walk(svc, bucket, NULL, 0);
}

/* Weighted rendezvous hashing through the bucket table: O(1). */
static struct ip_vs_dest *nc_pick_hash(struct ip_vs_service *svc,
				       struct nc_table *t,
				       const struct nc_class_key *key, u32 bound)
{
	u32 bucket = nc_hrw_bucket_of(key);

	if (bound)
		return nc_pick_hash_bounded(svc, t, bucket, bound);
	return nc_hrw_table_owner(t, bucket) ?:
	       nc_pick_hash_walk(svc, bucket, NULL, 0);
}

/*
 * Least connections, weighted or not, with the overhead IPVS's own
 * wlc/lc use (active connections count 256 times an inactive one).
 */
static struct ip_vs_dest *nc_pick_lc(struct ip_vs_service *svc, bool weighted)
{
	struct ip_vs_dest *d, *least = NULL;
	u64 loh = 0, doh;
	u32 lw = 1, dw;

	list_for_each_entry_rcu(d, &svc->destinations, n_list) {
		if (!nc_pick_eligible(d))
			continue;
		doh = ip_vs_dest_conn_overhead(d);
		dw = weighted ? atomic_read(&d->weight) : 1;
		/* doh / dw < loh / lw */
		if (!least || doh * lw < loh * dw) {
			least = d;
			loh = doh;
			lw = dw;
		}
	}
	return least;
}

/*
 * Round robin, weighted (the interleaved sequence ip_vs_wrr produces) or
 * not. Weights, their maximum and gcd are read on each call, so no
 * callback has to keep derived state in step.
 */
static struct ip_vs_dest *nc_pick_rr(struct ip_vs_service *svc,
				     struct nc_table *t, bool weighted)
{
	struct list_head *head = &svc->destinations;
	struct list_head *p;
	struct ip_vs_dest *d;
	unsigned long steps;
	int mw = 0, g = 0, w;

	list_for_each_entry_rcu(d, head, n_list) {
		if (!nc_pick_eligible(d))
			continue;
		w = weighted ? atomic_read(&d->weight) : 1;
		mw = max(mw, w);
		g = g ? gcd(g, w) : w;
	}
	if (!mw)
		return NULL;
	if (t->wrr_cw > mw)
		t->wrr_cw = mw;

	/* Every eligible dest is found within mw/g sweeps of the list. */
	steps = (unsigned long)(mw / g + 1) * (svc->num_dests + 1);
	p = t->cursor ? t->cursor : head;
	while (steps--) {
		p = rcu_dereference_raw(list_next_rcu(p));
		if (p == head) {
			t->wrr_cw -= g;
			if (t->wrr_cw <= 0)
				t->wrr_cw = mw;
			continue;
		}
		d = list_entry(p, struct ip_vs_dest, n_list);
		w = weighted ? atomic_read(&d->weight) : 1;
		if (nc_pick_eligible(d) && w >= t->wrr_cw) {
			t->cursor = p;
			return d;
		}
	}
	t->cursor = head;	/* the list changed under us; start over */
	return NULL;
}

/* The first pick @pick; @bound (percent, 0: none) bounds the hash pick. */
struct ip_vs_dest *nc_pick(struct ip_vs_service *svc, struct nc_table *t,
			   unsigned int pick, u32 bound,
			   const struct nc_class_key *key)
{
	struct ip_vs_dest *d;

	switch (pick) {
	case NC_PICK_WLC:
		return nc_pick_lc(svc, true);
	case NC_PICK_LC:
		return nc_pick_lc(svc, false);
	case NC_PICK_WRR:
	case NC_PICK_RR:
		spin_lock_bh(&t->lock);
		d = nc_pick_rr(svc, t, pick == NC_PICK_WRR);
		spin_unlock_bh(&t->lock);
		return d;
	case NC_PICK_HASH:
	default:
		return nc_pick_hash(svc, t, key, bound);
	}
}

/*
 * @dest was just unlinked from the service: its n_list.next is still
 * valid (list_del_rcu), so step the cursor back onto a live position.
 */
void nc_pick_dest_removed(struct nc_table *t, struct ip_vs_dest *dest)
{
	spin_lock_bh(&t->lock);
	if (t->cursor == &dest->n_list)
		t->cursor = dest->n_list.next->prev;
	spin_unlock_bh(&t->lock);
}

static struct nc_hrw_map *nc_hrw_map_alloc(unsigned int n)
{
	struct nc_hrw_map *m;

	m = kvzalloc(struct_size(m, srv, n) + n * sizeof(m->dest[0]),
		     GFP_KERNEL);
	if (m) {
		m->n = n;
		m->dest = (struct ip_vs_dest **)&m->srv[n];
	}
	return m;
}

static void nc_hrw_map_free_rcu(struct rcu_head *head)
{
	struct nc_hrw_map *m = container_of(head, struct nc_hrw_map, rcu);
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->dest[i])
			ip_vs_dest_put_and_free(m->dest[i]);
	kvfree(m);
}

static int nc_hrw_slot_of(const struct nc_hrw_map *m,
			  const struct ip_vs_dest *d)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->dest[i] == d)
			return i;
	return -1;
}

/* Slot @i of @m gets @d (NULL: emptied) and the owners follow. */
static void nc_hrw_set_slot(struct nc_hrw_map *m, unsigned int i,
			    struct ip_vs_dest *d)
{
	if (d)
		nc_hrw_server_of(d, &m->srv[i]);
	else
		m->srv[i].weight = 0;
	m->dest[i] = d;
	nc_hrw_update(m->owner, m->srv, m->n, i);
	cond_resched();		/* 2^16 scores per change; 256 servers at init */
}

/*
 * @m starts as a copy of @old (or empty): empty the slots of servers
 * gone, re-score the ones whose weight changed, put newcomers in free
 * slots. @kept marks the slots whose dest is still in the service.
 */
static void nc_hrw_map_follow(struct nc_hrw_map *m, struct ip_vs_service *svc,
			      unsigned long *kept)
{
	struct ip_vs_dest *d;
	unsigned int i;
	int slot;

	list_for_each_entry(d, &svc->destinations, n_list) {
		slot = nc_hrw_slot_of(m, d);
		if (slot >= 0)
			__set_bit(slot, kept);
	}
	for (i = 0; i < m->n; i++)
		if (m->dest[i] && !test_bit(i, kept))
			nc_hrw_set_slot(m, i, NULL);
	list_for_each_entry(d, &svc->destinations, n_list) {
		slot = nc_hrw_slot_of(m, d);
		if (slot >= 0) {
			if (m->srv[slot].weight != max(atomic_read(&d->weight), 0))
				nc_hrw_set_slot(m, slot, d);
			continue;
		}
		slot = nc_hrw_slot_of(m, NULL);
		if (!WARN_ON_ONCE(slot < 0))
			nc_hrw_set_slot(m, slot, d);
	}
}

/*
 * Bring the hash pick's table in line with the service's servers. If
 * memory is short, or the service has more servers than the table has
 * slot numbers, there is no table and the hash pick walks the servers
 * (same choices, O(servers)).
 */
void nc_pick_sync(struct ip_vs_service *svc, struct nc_table *t)
{
	/* __ip_vs_mutex orders every caller */
	struct nc_hrw_map *old = rcu_dereference_protected(t->hrw, 1);
	unsigned int i, n = max(old ? old->n : 0, svc->num_dests);
	struct nc_hrw_map *m = NULL;
	unsigned long *kept = NULL;

	if (n < NC_HRW_MAX_SERVERS) {
		m = nc_hrw_map_alloc(n);
		kept = bitmap_zalloc(n, GFP_KERNEL);
	}
	if (m && kept) {
		if (old) {
			memcpy(m->owner, old->owner, sizeof(m->owner));
			memcpy(m->srv, old->srv, old->n * sizeof(m->srv[0]));
			memcpy(m->dest, old->dest, old->n * sizeof(m->dest[0]));
		} else {
			memset(m->owner, 0xff, sizeof(m->owner));  /* NC_HRW_NONE */
		}
		nc_hrw_map_follow(m, svc, kept);
		for (i = 0; i < m->n; i++)
			if (m->dest[i])
				ip_vs_dest_hold(m->dest[i]);
	} else {
		kvfree(m);
		m = NULL;
	}
	bitmap_free(kept);
	rcu_assign_pointer(t->hrw, m);
	if (old)
		call_rcu(&old->rcu, nc_hrw_map_free_rcu);
}

/* The service is going away: drop the table and its dest references. */
void nc_pick_release(struct nc_table *t)
{
	struct nc_hrw_map *m = rcu_dereference_protected(t->hrw, 1);

	RCU_INIT_POINTER(t->hrw, NULL);
	if (m)
		call_rcu(&m->rcu, nc_hrw_map_free_rcu);
}
