// SPDX-License-Identifier: GPL-2.0
/*
 * First pick: the real server for a class that has no valid entry.
 *
 * Interleaved weighted round robin over the available real servers, the
 * sequence ip_vs_wrr produces, computed from the current weights on each
 * call so that no callback has to keep derived state in step.
 */
#include <linux/gcd.h>

#include "nc.h"

static bool nc_pick_eligible(const struct ip_vs_dest *d)
{
	return !(d->flags & IP_VS_DEST_F_OVERLOAD) &&
	       atomic_read(&d->weight) > 0;
}

/* Called with t->lock held, inside an RCU read-side section. */
struct ip_vs_dest *nc_pick_wrr(struct ip_vs_service *svc, struct nc_table *t)
{
	struct list_head *head = &svc->destinations;
	struct list_head *p;
	struct ip_vs_dest *d;
	unsigned long steps;
	int mw = 0, g = 0, n = 0, w;

	list_for_each_entry_rcu(d, head, n_list) {
		if (!nc_pick_eligible(d))
			continue;
		w = atomic_read(&d->weight);
		mw = max(mw, w);
		g = g ? gcd(g, w) : w;
		n++;
	}
	if (!n)
		return NULL;
	if (t->wrr_cw > mw)
		t->wrr_cw = mw;

	/* Every eligible dest is found within mw/g sweeps of the list. */
	steps = (unsigned long)(mw / g + 1) * (svc->num_dests + 1);
	p = t->wrr_cursor ? t->wrr_cursor : head;
	while (steps--) {
		p = rcu_dereference_raw(list_next_rcu(p));
		if (p == head) {
			t->wrr_cw -= g;
			if (t->wrr_cw <= 0)
				t->wrr_cw = mw;
			continue;
		}
		d = list_entry(p, struct ip_vs_dest, n_list);
		if (nc_pick_eligible(d) && atomic_read(&d->weight) >= t->wrr_cw) {
			t->wrr_cursor = p;
			return d;
		}
	}
	t->wrr_cursor = head;	/* the list changed under us; start over */
	return NULL;
}

/*
 * @dest was just unlinked from the service: its n_list.next is still
 * valid (list_del_rcu), so step the cursor back onto a live position.
 */
void nc_pick_dest_removed(struct nc_table *t, struct ip_vs_dest *dest)
{
	spin_lock_bh(&t->lock);
	if (t->wrr_cursor == &dest->n_list)
		t->wrr_cursor = dest->n_list.next->prev;
	spin_unlock_bh(&t->lock);
}
