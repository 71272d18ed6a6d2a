// SPDX-License-Identifier: GPL-2.0
/*
 * The per-service sticky table: class key -> real server.
 *
 * Readers (schedule()) walk the buckets under the netfilter hook's RCU
 * read lock; every change happens under t->lock. Entries hold a reference
 * on their dest, dropped from an RCU callback once no reader can see the
 * entry any more.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/minmax.h>

#include "nc.h"

static inline struct hlist_head *nc_bucket(struct nc_table *t,
					   const struct nc_class_key *key)
{
	u32 h = jhash2((const u32 *)key, sizeof(*key) / sizeof(u32),
		       t->hash_seed);

	return &t->buckets[h & (NC_TAB_SIZE - 1)];
}

static void nc_entry_free_rcu(struct rcu_head *head)
{
	struct nc_entry *e = container_of(head, struct nc_entry, rcu);

	/* The dest may have left the trash meanwhile: put_and_free. */
	ip_vs_dest_put_and_free(e->dest);
	kfree(e);
}

/* Unlink @e; called with t->lock held. */
static void nc_entry_remove(struct nc_table *t, struct nc_entry *e)
{
	hlist_del_rcu(&e->node);
	t->entries--;
	call_rcu(&e->rcu, nc_entry_free_rcu);
}

bool nc_entry_alive(const struct nc_table *t, const struct nc_entry *e,
		    unsigned long now)
{
	return time_before(now, READ_ONCE(e->last_used) + t->sticky);
}

struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key)
{
	struct nc_entry *e;

	hlist_for_each_entry_rcu(e, nc_bucket(t, key), node,
				 lockdep_is_held(&t->lock)) {
		if (nc_class_key_equal(&e->key, key))
			return e;
	}
	return NULL;
}

/*
 * Remember that @key now sticks to @dest, replacing @old (the stale entry
 * for the same key, or NULL). Called with t->lock held, from softirq or
 * process context. When memory is short the choice is simply not
 * remembered: the connection is still scheduled.
 */
void nc_table_store(struct nc_table *t, const struct nc_class_key *key,
		    struct ip_vs_dest *dest, struct nc_entry *old,
		    unsigned long now)
{
	struct nc_entry *e;

	if (t->dead)
		return;
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e)
		return;
	e->key = *key;
	e->dest = dest;
	ip_vs_dest_hold(dest);
	e->created = now;
	e->last_used = now;
	atomic_long_set(&e->conns, 1);

	if (old) {
		hlist_replace_rcu(&old->node, &e->node);
		call_rcu(&old->rcu, nc_entry_free_rcu);
	} else {
		hlist_add_head_rcu(&e->node, nc_bucket(t, key));
		t->entries++;
	}
}

/* Drop every entry pointing at @dest: it has left the service. */
void nc_table_forget_dest(struct nc_table *t, struct ip_vs_dest *dest)
{
	struct hlist_node *next;
	struct nc_entry *e;
	int i;

	spin_lock_bh(&t->lock);
	for (i = 0; i < NC_TAB_SIZE; i++)
		hlist_for_each_entry_safe(e, next, &t->buckets[i], node)
			if (e->dest == dest)
				nc_entry_remove(t, e);
	spin_unlock_bh(&t->lock);
}

/* Expired entries are reclaimed here, whether or not traffic arrives. */
static unsigned long nc_gc_interval(const struct nc_table *t)
{
	return clamp_t(unsigned long, t->sticky, HZ, 60 * HZ);
}

static void nc_gc_expire(struct timer_list *timer)
{
	struct nc_table *t = from_timer(t, timer, gc_timer);
	unsigned long now = jiffies;
	struct hlist_node *next;
	struct nc_entry *e;
	int i;

	spin_lock(&t->lock);
	if (t->dead)
		goto out;
	for (i = 0; i < NC_TAB_SIZE; i++)
		hlist_for_each_entry_safe(e, next, &t->buckets[i], node)
			if (!nc_entry_alive(t, e, now))
				nc_entry_remove(t, e);
	mod_timer(&t->gc_timer, now + nc_gc_interval(t));
out:
	spin_unlock(&t->lock);
}

struct nc_table *nc_table_create(unsigned long sticky, gfp_t gfp)
{
	struct nc_table *t;
	int i;

	t = kzalloc(sizeof(*t), gfp);
	if (!t)
		return NULL;
	spin_lock_init(&t->lock);
	t->sticky = sticky;
	t->hash_seed = get_random_u32();
	for (i = 0; i < NC_TAB_SIZE; i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	timer_setup(&t->gc_timer, nc_gc_expire, 0);
	mod_timer(&t->gc_timer, jiffies + nc_gc_interval(t));
	return t;
}

/*
 * Tear down a table whose service is going away. schedule() may still be
 * running on other CPUs (done_service has no grace period before it), so
 * the dead flag stops them from storing, and the table itself is freed
 * only after a grace period.
 */
void nc_table_destroy(struct nc_table *t)
{
	struct hlist_node *next;
	struct nc_entry *e;
	int i;

	spin_lock_bh(&t->lock);
	t->dead = true;		/* the timer handler no longer re-arms */
	spin_unlock_bh(&t->lock);
	nc_timer_stop_sync(&t->gc_timer);

	spin_lock_bh(&t->lock);
	for (i = 0; i < NC_TAB_SIZE; i++)
		hlist_for_each_entry_safe(e, next, &t->buckets[i], node)
			nc_entry_remove(t, e);
	spin_unlock_bh(&t->lock);

	kfree_rcu(t, rcu);
}
