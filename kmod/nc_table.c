// SPDX-License-Identifier: GPL-2.0
/*
 * The per-service sticky table: class key -> real server.
 *
 * Readers (schedule()) walk the buckets under the netfilter hook's RCU
 * read lock; every change happens under t->lock. Entries hold a reference
 * on their dest, dropped from an RCU callback once no reader can see the
 * entry any more. The policy and the bucket array are RCU pointers too,
 * replaced whole.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/mm.h>

#include "nc.h"

#define t_policy(t) \
	rcu_dereference_check((t)->policy, lockdep_is_held(&(t)->lock))
#define t_buckets(t) \
	rcu_dereference_check((t)->buckets, lockdep_is_held(&(t)->lock))

/* Enough buckets for chains of about 4 at the cap, within sane bounds. */
static struct nc_buckets *nc_buckets_alloc(u32 max_entries)
{
	unsigned int n, i;
	struct nc_buckets *b;

	n = clamp_t(u32, roundup_pow_of_two(max_entries / 4 + 1), 64, 1 << 18);
	b = kvzalloc(struct_size(b, head, n), GFP_KERNEL);
	if (!b)
		return NULL;
	b->mask = n - 1;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&b->head[i]);
	return b;
}

static inline struct hlist_head *nc_bucket(struct nc_table *t,
					   struct nc_buckets *b,
					   const struct nc_class_key *key)
{
	u32 h = jhash2((const u32 *)key, sizeof(*key) / sizeof(u32),
		       t->hash_seed);

	return &b->head[h & b->mask];
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

bool nc_entry_alive(const struct nc_entry *e, unsigned long sticky,
		    unsigned long now)
{
	return time_before(now, READ_ONCE(e->last_used) + sticky);
}

struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key)
{
	struct nc_buckets *b = t_buckets(t);
	struct nc_entry *e;

	hlist_for_each_entry_rcu(e, nc_bucket(t, b, key), node,
				 lockdep_is_held(&t->lock)) {
		if (nc_class_key_equal(&e->key, key))
			return e;
	}
	return NULL;
}

/*
 * Remember that @key now sticks to @dest, replacing @old (a stale entry
 * for the same key, or NULL). Called with t->lock held, from softirq or
 * process context. When the table is full or memory is short the choice
 * is not remembered: the connection is still scheduled, and with the hash
 * first pick the class's next connection lands on the same server anyway.
 */
void nc_table_store(struct nc_table *t, const struct nc_policy *p,
		    const struct nc_class_key *key, struct ip_vs_dest *dest,
		    struct nc_entry *old, unsigned long now)
{
	struct nc_entry *e;

	if (t->dead)
		return;
	if (!old && t->entries >= p->max_entries) {
		nc_stat_inc(t, overflow);
		return;
	}
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		nc_stat_inc(t, overflow);
		if (old)
			nc_entry_remove(t, old);
		return;
	}
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
		hlist_add_head_rcu(&e->node, nc_bucket(t, t_buckets(t), key));
		t->entries++;
	}
}

/* Remove the entries @match selects (all for NULL); returns how many. */
unsigned int nc_table_remove_if(struct nc_table *t,
				       bool (*match)(const struct nc_entry *,
						     const void *),
				       const void *arg)
{
	struct nc_buckets *b;
	struct hlist_node *next;
	struct nc_entry *e;
	unsigned int i, n = 0;

	spin_lock_bh(&t->lock);
	b = t_buckets(t);
	for (i = 0; i <= b->mask; i++)
		hlist_for_each_entry_safe(e, next, &b->head[i], node)
			if (!match || match(e, arg)) {
				nc_entry_remove(t, e);
				n++;
			}
	spin_unlock_bh(&t->lock);
	return n;
}

static bool nc_match_dest(const struct nc_entry *e, const void *dest)
{
	return e->dest == dest;
}

/* @dest has left the service: its classes are picked again. */
unsigned int nc_table_forget_dest(struct nc_table *t, struct ip_vs_dest *dest)
{
	unsigned int n = nc_table_remove_if(t, nc_match_dest, dest);

	this_cpu_add(t->stats->repicked, n);
	return n;
}


/* Expired entries are reclaimed here, whether or not traffic arrives. */
static unsigned long nc_gc_interval(const struct nc_policy *p)
{
	return clamp_t(unsigned long, nc_sticky_jiffies(p) / 2, HZ, 60 * HZ);
}

static void nc_gc_expire(struct timer_list *timer)
{
	struct nc_table *t = from_timer(t, timer, gc_timer);
	unsigned long now = jiffies, sticky;
	const struct nc_policy *p;
	struct nc_buckets *b;
	struct hlist_node *next;
	struct nc_entry *e;
	unsigned int i;

	spin_lock(&t->lock);
	if (t->dead)
		goto out;
	p = &t_policy(t)->p;
	sticky = nc_sticky_jiffies(p);
	b = t_buckets(t);
	for (i = 0; i <= b->mask; i++)
		hlist_for_each_entry_safe(e, next, &b->head[i], node)
			if (!nc_entry_alive(e, sticky, now)) {
				nc_entry_remove(t, e);
				nc_stat_inc(t, expired);
			}
	mod_timer(&t->gc_timer, now + nc_gc_interval(p));
out:
	spin_unlock(&t->lock);
}

/*
 * Apply a validated policy. A new key mode, prefix length, nc-subnet list
 * or entry cap empties the table (its keys no longer mean the same).
 */
int nc_table_set_policy(struct nc_table *t, const struct nc_policy *p)
{
	struct nc_policy_rcu *np, *old;
	struct nc_buckets *nb = NULL, *ob = NULL;
	struct hlist_node *next;
	struct nc_entry *e;
	bool rekey;
	unsigned int i;

	np = kmalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	np->p = *p;
	np->explicit = true;

	old = rcu_dereference_protected(t->policy, 1);
	rekey = old->p.key_mode != p->key_mode || old->p.plen4 != p->plen4 ||
		old->p.plen6 != p->plen6 || old->p.max_entries != p->max_entries ||
		old->p.n_subnets != p->n_subnets ||
		memcmp(old->p.subnets, p->subnets,
		       p->n_subnets * sizeof(p->subnets[0]));
	if (rekey) {
		nb = nc_buckets_alloc(p->max_entries);
		if (!nb) {
			kfree(np);
			return -ENOMEM;
		}
	}

	spin_lock_bh(&t->lock);
	old = rcu_dereference_protected(t->policy, lockdep_is_held(&t->lock));
	rcu_assign_pointer(t->policy, np);
	if (nb) {
		ob = rcu_dereference_protected(t->buckets,
					       lockdep_is_held(&t->lock));
		for (i = 0; i <= ob->mask; i++)
			hlist_for_each_entry_safe(e, next, &ob->head[i], node)
				nc_entry_remove(t, e);
		rcu_assign_pointer(t->buckets, nb);
	}
	/* A shorter sticky time must also reclaim sooner. */
	if (!t->dead)
		mod_timer(&t->gc_timer, jiffies + nc_gc_interval(p));
	spin_unlock_bh(&t->lock);

	kfree_rcu(old, rcu);
	if (ob)
		kvfree_rcu(ob, rcu);
	return 0;
}

void nc_table_sum_stats(struct nc_table *t, struct nc_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct nc_stats *s = per_cpu_ptr(t->stats, cpu);

		sum->lookups += READ_ONCE(s->lookups);
		sum->hits += READ_ONCE(s->hits);
		sum->new += READ_ONCE(s->new);
		sum->expired += READ_ONCE(s->expired);
		sum->repicked += READ_ONCE(s->repicked);
		sum->overflow += READ_ONCE(s->overflow);
		sum->noserver += READ_ONCE(s->noserver);
	}
}

struct nc_table *nc_table_create(struct ip_vs_service *svc,
				 const struct nc_policy *p)
{
	struct nc_policy_rcu *pol;
	struct nc_buckets *b;
	struct nc_table *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	b = nc_buckets_alloc(p->max_entries);
	if (t)
		t->stats = alloc_percpu(struct nc_stats);
	if (!t || !pol || !b || !t->stats) {
		if (t)
			free_percpu(t->stats);
		kfree(t);
		kfree(pol);
		kvfree(b);
		return NULL;
	}
	pol->p = *p;
	spin_lock_init(&t->lock);
	RCU_INIT_POINTER(t->policy, pol);
	RCU_INIT_POINTER(t->buckets, b);
	t->hash_seed = get_random_u32();
	t->svc = svc;
	INIT_LIST_HEAD(&t->registry);
	timer_setup(&t->gc_timer, nc_gc_expire, 0);
	mod_timer(&t->gc_timer, jiffies + nc_gc_interval(p));
	return t;
}

static void nc_table_free_rcu(struct rcu_head *head)
{
	struct nc_table *t = container_of(head, struct nc_table, rcu);

	free_percpu(t->stats);
	kfree(rcu_dereference_raw(t->policy));
	kvfree(rcu_dereference_raw(t->buckets));
	kfree(t);
}

/*
 * Tear down a table whose service is going away. schedule() may still be
 * running on other CPUs (done_service has no grace period before it), so
 * the dead flag stops them from storing, and the table itself is freed
 * only after a grace period.
 */
void nc_table_destroy(struct nc_table *t)
{
	spin_lock_bh(&t->lock);
	t->dead = true;		/* the timer handler no longer re-arms */
	spin_unlock_bh(&t->lock);
	nc_timer_stop_sync(&t->gc_timer);
	nc_table_remove_if(t, NULL, NULL);
	call_rcu(&t->rcu, nc_table_free_rcu);
}
