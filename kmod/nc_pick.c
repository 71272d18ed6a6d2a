// SPDX-License-Identifier: GPL-2.0
/*
 * First pick: the real server for a class that has no valid entry.
 *
 * All run with t->lock held inside an RCU read-side section, and consider
 * only servers that could take a new class: weight > 0 and not overloaded.
 */
#include <linux/gcd.h>

#include "nc.h"
#include "nc_hash.h"

static bool nc_pick_eligible(const struct ip_vs_dest *d)
{
	return !(d->flags & IP_VS_DEST_F_OVERLOAD) &&
	       atomic_read(&d->weight) > 0;
}

static void nc_dest_addr16(const struct ip_vs_dest *d, u8 out[16])
{
	memset(out, 0, 16);
	if (d->af == AF_INET)
		memcpy(out, &d->addr.ip, 4);
	else
		memcpy(out, &d->addr.in6, 16);
}

/* A total order on servers, the same on every director, for ties. */
static int nc_dest_cmp(const struct ip_vs_dest *a, const struct ip_vs_dest *b)
{
	u8 aa[16], ba[16];
	int c;

	nc_dest_addr16(a, aa);
	nc_dest_addr16(b, ba);
	c = memcmp(aa, ba, 16);
	if (c)
		return c;
	return (int)ntohs(a->port) - (int)ntohs(b->port);
}

/* Weighted rendezvous hashing, see include/nc_hash.h. */
static struct ip_vs_dest *nc_pick_hash(struct ip_vs_service *svc,
				       const struct nc_class_key *key)
{
	struct ip_vs_dest *d, *best = NULL;
	u32 best_w = 0, best_l = 0;
	u8 addr[16];

	list_for_each_entry_rcu(d, &svc->destinations, n_list) {
		u32 w, l;
		int c;

		if (!nc_pick_eligible(d))
			continue;
		w = atomic_read(&d->weight);
		nc_dest_addr16(d, addr);
		l = nc_hrw_neglog2(nc_hrw_hash(key, addr, ntohs(d->port)));
		c = best ? nc_hrw_cmp(w, l, best_w, best_l) : 1;
		if (c > 0 || (c == 0 && nc_dest_cmp(d, best) < 0)) {
			best = d;
			best_w = w;
			best_l = l;
		}
	}
	return best;
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

struct ip_vs_dest *nc_pick(struct ip_vs_service *svc, struct nc_table *t,
			   unsigned int pick, const struct nc_class_key *key)
{
	switch (pick) {
	case NC_PICK_WLC:
		return nc_pick_lc(svc, true);
	case NC_PICK_LC:
		return nc_pick_lc(svc, false);
	case NC_PICK_WRR:
		return nc_pick_rr(svc, t, true);
	case NC_PICK_RR:
		return nc_pick_rr(svc, t, false);
	case NC_PICK_HASH:
	default:
		return nc_pick_hash(svc, key);
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
