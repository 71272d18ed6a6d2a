// SPDX-License-Identifier: GPL-2.0
/*
 * The per-service sticky table: class key -> real server.
 *
 * Readers (schedule()) walk the buckets under the netfilter hook's RCU
 * read lock; every change happens under t->lock. Entries come from their
 * own slab cache, so their memory shows in /proc/slabinfo as
 * ip_vs_nc_entry. Entries hold a reference
 * on their dest, dropped from an RCU callback once no reader can see the
 * entry any more. The policy and the bucket array are RCU pointers too,
 * replaced whole; a new policy comes under the registry lock too (one
 * writer at a time), which nc_registry_lock() takes.
 *
 * The registry lists every table, for netlink to find services by
 * address (IPVS exports no service lookup). nc_registry_mutex nests
 * inside IPVS's __ip_vs_mutex: done_service runs under it and takes it.
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

static struct kmem_cache *nc_entry_cache;
static DEFINE_MUTEX(nc_registry_mutex);
static LIST_HEAD(nc_registry);

#define t_policy(t) \
	rcu_dereference_check((t)->policy, lockdep_is_held(&(t)->lock))
#define t_buckets(t) \
	rcu_dereference_check((t)->buckets, lockdep_is_held(&(t)->lock))

/* Enough buckets for chains of about 4 at the cap, within sane bounds. */
static struct nc_buckets *nc_buckets_alloc(u32 max_entries)
{
	unsigned int n;
	struct nc_buckets *b;

	n = clamp_t(u32, roundup_pow_of_two(max_entries / 4 + 1), 64, 1 << 18);
	b = kvzalloc(struct_size(b, head, n), GFP_KERNEL);
	if (!b)
		return NULL;
	b->mask = n - 1;
	return b;
}

static inline struct nc_entry __rcu **nc_bucket(struct nc_table *t,
						struct nc_buckets *b,
						const struct nc_class_key *key)
{
	u32 h = jhash2((const u32 *)key, sizeof(*key) / sizeof(u32),
		       t->hash_seed);

	return &b->head[h & b->mask];
}

#define nc_deref_locked(t, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(t)->lock))

static void nc_entry_free_rcu(struct rcu_head *head)
{
	struct nc_entry *e = container_of(head, struct nc_entry, rcu);

	/* The dest may have left the trash meanwhile: put_and_free. */
	ip_vs_dest_put_and_free(e->dest);
	kmem_cache_free(nc_entry_cache, e);
}

/*
 * Unlink @e, which *@link points to; called with t->lock held. Readers
 * standing on @e still find the rest of the chain through e->next.
 */
static void nc_entry_unlink(struct nc_table *t, struct nc_entry __rcu **link,
			    struct nc_entry *e)
{
	rcu_assign_pointer(*link, nc_deref_locked(t, e->next));
	t->entries--;
	call_rcu(&e->rcu, nc_entry_free_rcu);
}

/* The link that points to @e in its chain; called with t->lock held. */
static struct nc_entry __rcu **nc_link_to(struct nc_table *t,
					  struct nc_entry *e)
{
	struct nc_entry __rcu **link = nc_bucket(t, t_buckets(t), &e->key);
	struct nc_entry *cur;

	while ((cur = nc_deref_locked(t, *link)) != e)
		link = &cur->next;
	return link;
}

/*
 * Walk every chain of @b with @link pointing at @e: the body either
 * unlinks @e (nc_entry_unlink) or steps on with link = &e->next.
 */
#define nc_for_each_link(t, b, i, link, e)				\
	for ((i) = 0; (i) <= (b)->mask; (i)++)				\
		for ((link) = &(b)->head[i];				\
		     ((e) = nc_deref_locked(t, *(link))) != NULL;)

/* Unlink the entries @match selects (all for NULL) from @b; under lock. */
static unsigned int nc_unlink_if(struct nc_table *t, struct nc_buckets *b,
				 bool (*match)(const struct nc_entry *,
					       const void *),
				 const void *arg)
{
	struct nc_entry __rcu **link;
	struct nc_entry *e;
	unsigned int i, n = 0;

	nc_for_each_link(t, b, i, link, e) {
		if (match && !match(e, arg)) {
			link = &e->next;
			continue;
		}
		nc_entry_unlink(t, link, e);
		n++;
	}
	return n;
}

u32 nc_entry_idle(const struct nc_entry *e, unsigned long now)
{
	return (u32)now - READ_ONCE(e->last_used);
}

bool nc_entry_alive(const struct nc_entry *e, unsigned long sticky,
		    unsigned long now)
{
	return nc_entry_idle(e, now) < sticky;
}

struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key)
{
	struct nc_buckets *b = t_buckets(t);
	struct nc_entry *e;

	for (e = rcu_dereference_check(*nc_bucket(t, b, key),
				       lockdep_is_held(&t->lock));
	     e;
	     e = rcu_dereference_check(e->next, lockdep_is_held(&t->lock))) {
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
	struct nc_entry __rcu **link;
	struct nc_entry *e;

	if (t->dead)
		return;
	if (!old && t->entries >= p->max_entries) {
		nc_stat_inc(t, overflow);
		return;
	}
	e = kmem_cache_alloc(nc_entry_cache, GFP_ATOMIC);
	if (!e) {
		nc_stat_inc(t, overflow);
		if (old)
			nc_entry_unlink(t, nc_link_to(t, old), old);
		return;
	}
	e->key = *key;
	e->dest = dest;
	ip_vs_dest_hold(dest);
	e->created = (u32)ktime_get_seconds();
	e->last_used = (u32)now;
	atomic_set(&e->conns, 1);

	/* In @old's place, or at the head of the key's chain. */
	link = old ? nc_link_to(t, old) : nc_bucket(t, t_buckets(t), key);
	RCU_INIT_POINTER(e->next, nc_deref_locked(t, old ? old->next : *link));
	rcu_assign_pointer(*link, e);
	if (old)
		call_rcu(&old->rcu, nc_entry_free_rcu);
	else
		t->entries++;
}

/* Remove the entries @match selects (all for NULL); returns how many. */
unsigned int nc_table_remove_if(struct nc_table *t,
				       bool (*match)(const struct nc_entry *,
						     const void *),
				       const void *arg)
{
	unsigned int n;

	spin_lock_bh(&t->lock);
	n = nc_unlink_if(t, t_buckets(t), match, arg);
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

struct nc_gc_now {
	unsigned long sticky, now;
};

static bool nc_match_expired(const struct nc_entry *e, const void *arg)
{
	const struct nc_gc_now *gc = arg;

	return !nc_entry_alive(e, gc->sticky, gc->now);
}

static void nc_gc_expire(struct timer_list *timer)
{
	struct nc_table *t = from_timer(t, timer, gc_timer);
	const struct nc_policy *p;
	struct nc_gc_now gc;
	unsigned int n;

	spin_lock(&t->lock);
	if (t->dead)
		goto out;
	p = &t_policy(t)->p;
	gc.now = jiffies;
	gc.sticky = nc_sticky_jiffies(p);
	n = nc_unlink_if(t, t_buckets(t), nc_match_expired, &gc);
	this_cpu_add(t->stats->expired, n);
	mod_timer(&t->gc_timer, gc.now + nc_gc_interval(p));
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
	bool rekey;

	np = kmalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	np->p = *p;
	np->explicit = true;

	lockdep_assert_held(&nc_registry_mutex);
	old = rcu_dereference_protected(t->policy,
					lockdep_is_held(&nc_registry_mutex));
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
		nc_unlink_if(t, ob, NULL, NULL);
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

void nc_registry_lock(void)
{
	mutex_lock(&nc_registry_mutex);
}

void nc_registry_unlock(void)
{
	mutex_unlock(&nc_registry_mutex);
}

void nc_registry_add(struct nc_table *t)
{
	mutex_lock(&nc_registry_mutex);
	list_add_tail(&t->registry, &nc_registry);
	mutex_unlock(&nc_registry_mutex);
}

void nc_registry_del(struct nc_table *t)
{
	mutex_lock(&nc_registry_mutex);
	list_del(&t->registry);
	mutex_unlock(&nc_registry_mutex);
}

/* The table of service @id in @net; the registry lock must be held. */
struct nc_table *nc_registry_find(struct net *net, const struct nc_svc_id *id)
{
	struct nc_svc_id tid;
	struct nc_table *t;

	lockdep_assert_held(&nc_registry_mutex);
	list_for_each_entry(t, &nc_registry, registry) {
		if (t->svc->ipvs->net != net)
			continue;
		nc_svc_id_of(t->svc, &tid);
		if (nc_svc_id_equal(&tid, id))
			return t;
	}
	return NULL;
}

/* The @n-th table of @net (from 0), for dumps; the lock must be held. */
struct nc_table *nc_registry_nth(struct net *net, long n)
{
	struct nc_table *t;

	lockdep_assert_held(&nc_registry_mutex);
	list_for_each_entry(t, &nc_registry, registry)
		if (t->svc->ipvs->net == net && n-- == 0)
			return t;
	return NULL;
}

int nc_table_init(void)
{
	BUILD_BUG_ON(sizeof(struct nc_entry) > 64);
	nc_entry_cache = kmem_cache_create("ip_vs_nc_entry",
					   sizeof(struct nc_entry), 0, 0, NULL);
	return nc_entry_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): no entry is left to free. */
void nc_table_exit(void)
{
	kmem_cache_destroy(nc_entry_cache);
}

#include "selftest/table.c"
