// SPDX-License-Identifier: GPL-2.0
/*
 * The per-service sticky table: class key -> real server.
 *
 * Entries live in a resizable hash table (the kernel's rhashtable: it
 * grows and shrinks with its content, per-bucket locks, lookups under RCU
 * without locks). schedule() looks up, picks and stores without any lock
 * of ours: a store is an insert that, when another CPU stored the same
 * class first, returns that CPU's entry for the caller to follow
 * (rhashtable_lookup_get_insert_fast), or a replace of a stale entry
 * that fails if someone else replaced it first. Entries come from their
 * own slab cache (ip_vs_nc_entry in /proc/slabinfo) and hold a reference
 * on their dest, dropped from an RCU callback once no reader can see them.
 *
 * Locking: t->ht and t->policy are RCU pointers for schedule(); they are
 * replaced, and the table walked (expiry, flush, a server leaving, the
 * netlink dump), only under nc_registry_mutex, so a walk may sleep
 * without its table being freed under it. A replaced table is destroyed
 * from an rcu_work, after every schedule() that could still store into
 * it has returned. Lock order: nc.h.
 *
 * The registry lists every table, for netlink to find services by
 * address (IPVS exports no service lookup).
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "nc.h"
#include "nc_trace.h"

static struct kmem_cache *nc_entry_cache;
static struct workqueue_struct *nc_wq;	/* expiry and deferred frees */
DEFINE_MUTEX(nc_registry_mutex);
static LIST_HEAD(nc_registry);

/*
 * The hash and compare functions are always inlined: rhashtable_lookup()
 * with constant params calls them directly, once per lookup and per entry
 * in the chain, and as calls they cost a third of a cache hit.
 */
static __always_inline int nc_rht_cmp(struct rhashtable_compare_arg *arg,
				      const void *obj)
{
	const struct nc_entry *e = obj;

	return !nc_class_key_equal(&e->key, arg->key);
}

/* IPv6 keys: out of line, IPv4 is the path to keep short. */
static noinline u32 nc_rht_hash6(const struct nc_class_key *key, u32 seed)
{
	return jhash(key, sizeof(*key), seed);
}

/*
 * An IPv4 key is zero after its address: hash its first two words only
 * (half the rounds of hashing all five, on every lookup and insert).
 */
static __always_inline u32 nc_rht_hash(const void *data, u32 len, u32 seed)
{
	const struct nc_class_key *key = data;

	if (key->family == NC_FAMILY_INET)
		return jhash_2words(nc_class_key_word(key, 0),
				    nc_class_key_word(key, 1), seed);
	return nc_rht_hash6(key, seed);
}

static const struct rhashtable_params nc_rht_params = {
	.head_offset		= offsetof(struct nc_entry, node),
	.key_offset		= offsetof(struct nc_entry, key),
	.key_len		= sizeof(struct nc_class_key),
	.hashfn			= nc_rht_hash,
	.obj_cmpfn		= nc_rht_cmp,
	.min_size		= 64,
	.max_size		= NC_MAX_ENTRIES_LIMIT,
	.automatic_shrinking	= true,
};

/* A table's entries: replaced whole when the key changes. */
struct nc_ht {
	struct rhashtable	ht;
	atomic_t		entries;	/* stored, or reserved to be */
	struct rcu_work		free_work;
};

#define t_policy(t) rcu_dereference_check((t)->policy, \
					  lockdep_is_held(&nc_registry_mutex))
#define t_ht(t) rcu_dereference_check((t)->ht, \
				      lockdep_is_held(&nc_registry_mutex))

static void nc_entry_free_rcu(struct rcu_head *head)
{
	struct nc_entry *e = container_of(head, struct nc_entry, rcu);

	/* The dest may have left the trash meanwhile: put_and_free. */
	ip_vs_dest_put_and_free(e->dest);
	kmem_cache_free(nc_entry_cache, e);
}

/* rhashtable_free_and_destroy(): a grace period has passed already. */
static void nc_entry_free_now(void *ptr, void *arg)
{
	struct nc_entry *e = ptr;

	ip_vs_dest_put_and_free(e->dest);
	kmem_cache_free(nc_entry_cache, e);
}

static struct nc_ht *nc_ht_create(void)
{
	struct nc_ht *ht = kzalloc(sizeof(*ht), GFP_KERNEL);

	if (ht && rhashtable_init(&ht->ht, &nc_rht_params)) {
		kfree(ht);
		return NULL;
	}
	return ht;
}

static void nc_ht_free_work(struct work_struct *work)
{
	struct nc_ht *ht = container_of(to_rcu_work(work), struct nc_ht,
					free_work);

	rhashtable_free_and_destroy(&ht->ht, nc_entry_free_now, NULL);
	kfree(ht);
}

/* Free @ht and its entries once no schedule() can be storing into it. */
static void nc_ht_retire(struct nc_ht *ht)
{
	INIT_RCU_WORK(&ht->free_work, nc_ht_free_work);
	queue_rcu_work(nc_wq, &ht->free_work);
}

/* Take @e out of @ht unless someone else did; true if we did. */
static bool nc_ht_remove(struct nc_ht *ht, struct nc_entry *e)
{
	if (rhashtable_remove_fast(&ht->ht, &e->node, nc_rht_params))
		return false;
	atomic_dec(&ht->entries);
	call_rcu(&e->rcu, nc_entry_free_rcu);
	return true;
}

/* The tracepoint of an entry @why took out (still under RCU). */
static void nc_trace_removed(struct nc_table *t, const struct nc_entry *e,
			     enum nc_removal why)
{
	if (why == NC_REMOVE_EXPIRED)
		trace_nc_expire(t->svc, e,
				jiffies_to_msecs(nc_entry_idle(e, jiffies)),
				NC_AT_COLLECTOR);
	else if (why == NC_REMOVE_DEST_GONE)
		trace_nc_repick(t->svc, e, NC_REPICK_REMOVED);
	else if (why == NC_REMOVE_DRAINED)
		trace_nc_repick(t->svc, e, NC_REPICK_DRAINED);
}

/*
 * Remove the entries @match selects (all for NULL) from @t's table; the
 * caller keeps it alive (registry mutex). Pauses for the scheduler every
 * 1024 entries where the walk can resume exactly: after an entry that
 * stays (the rhashtable walker finds its place again by it), or, when
 * nothing has stayed so far, by starting over (everything before is
 * gone).
 */
static unsigned int nc_ht_remove_if(struct nc_table *t,
				    bool (*match)(const struct nc_entry *,
						  const void *),
				    const void *arg, enum nc_removal why)
{
	struct nc_ht *ht = t_ht(t);
	unsigned int n = 0, kept = 0, since_pause = 0;
	struct rhashtable_iter iter;
	struct nc_entry *e;
	bool removed;

	rhashtable_walk_enter(&ht->ht, &iter);
	rhashtable_walk_start(&iter);
	while ((e = rhashtable_walk_next(&iter))) {
		if (IS_ERR(e))
			continue;	/* -EAGAIN: resized, walking again */
		removed = (!match || match(e, arg)) && nc_ht_remove(ht, e);
		if (removed)
			nc_trace_removed(t, e, why);
		n += removed;
		kept += !removed;
		if (++since_pause < 1024 || (removed && kept))
			continue;
		since_pause = 0;
		rhashtable_walk_stop(&iter);
		if (removed) {
			rhashtable_walk_exit(&iter);
			cond_resched();
			rhashtable_walk_enter(&ht->ht, &iter);
		} else {
			cond_resched();
		}
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

/* Under rcu_read_lock(). */
struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key)
{
	return rhashtable_lookup(&t_ht(t)->ht, key, nc_rht_params);
}

unsigned int nc_table_entries(struct nc_table *t)
{
	unsigned int n;

	rcu_read_lock();
	n = atomic_read(&t_ht(t)->entries);
	rcu_read_unlock();
	return n;
}

static struct nc_entry *nc_entry_new(const struct nc_class_key *key,
				     struct ip_vs_dest *dest,
				     unsigned long now)
{
	struct nc_entry *e = kmem_cache_alloc(nc_entry_cache, GFP_ATOMIC);

	if (!e)
		return NULL;
	e->key = *key;
	e->dest = dest;
	ip_vs_dest_hold(dest);
	e->created = (u32)ktime_get_seconds();
	e->last_used = (u32)now;
	atomic_set(&e->conns, 1);
	return e;
}

/* @e was never visible to anyone: give it back directly. */
static void nc_entry_drop_unseen(struct nc_entry *e)
{
	ip_vs_dest_put(e->dest);
	kmem_cache_free(nc_entry_cache, e);
}

/*
 * Remember that @key sticks to @dest, in place of @stale (the class's
 * expired or re-picked entry, or NULL). Under rcu_read_lock(), from
 * softirq or process context, without locks of ours. Returns NULL when
 * done, or when the choice cannot be remembered (table full, memory
 * short: the connection is still scheduled, and with the hash pick the
 * class's next connection lands on the same server anyway); or the entry
 * another CPU stored for @key first, which the caller follows.
 */
struct nc_entry *nc_table_store(struct nc_table *t, const struct nc_policy *p,
				const struct nc_class_key *key,
				struct ip_vs_dest *dest, struct nc_entry *stale,
				unsigned long now)
{
	struct nc_ht *ht = t_ht(t);
	struct nc_entry *e, *first;

	e = nc_entry_new(key, dest, now);
	if (!e)
		goto not_stored;
	if (stale && !rhashtable_replace_fast(&ht->ht, &stale->node, &e->node,
					      nc_rht_params)) {
		call_rcu(&stale->rcu, nc_entry_free_rcu);
		return NULL;
	}
	/* A new class (or @stale already went): take a place under the cap. */
	if (atomic_inc_return(&ht->entries) > p->max_entries) {
		first = ERR_PTR(-E2BIG);
		goto unreserve;
	}
	first = rhashtable_lookup_get_insert_fast(&ht->ht, &e->node,
						  nc_rht_params);
	if (!first) {
		/*
		 * @dest may have left meanwhile. Pairs with the smp_mb() in
		 * nc_table_forget_dest(): either its walk sees this entry, or
		 * this load sees the flag IPVS cleared before calling it.
		 */
		smp_mb();
		if (unlikely(!nc_dest_available(dest)))
			nc_ht_remove(ht, e);
		return NULL;
	}
	/* Not inserted: another CPU's entry (to follow), or no room. */
unreserve:
	atomic_dec(&ht->entries);
	nc_entry_drop_unseen(e);
	if (!IS_ERR(first))
		return first;
not_stored:
	nc_stat_inc(t, overflow);
	trace_nc_overflow(t->svc, key, p->max_entries);
	return NULL;
}

/*
 * Hand the entries to @fn from @c on, until it returns non-zero (the
 * message is full: that entry is handed again next time) or the table
 * ends. Returns false if the bucket array has been replaced (resized,
 * rekeyed) since the dump began or is being replaced now: the dump may
 * then have missed or repeated entries, and must say so. Under
 * rcu_read_lock() and the registry lock.
 */
bool nc_table_walk_from(struct nc_table *t, struct nc_table_cursor *c,
			int (*fn)(const struct nc_entry *e, void *arg),
			void *arg)
{
	struct nc_ht *ht = t_ht(t);
	struct bucket_table *tbl = rht_dereference_rcu(ht->ht.tbl, &ht->ht);
	u32 gen = tbl->hash_rnd | 1;	/* a new array has a new seed */
	bool same = !c->gen || c->gen == gen;
	struct rhash_head *pos;
	struct nc_entry *e;
	unsigned long n;

	c->gen = gen;
	for (; c->bucket < tbl->size; c->bucket++, c->skip = 0) {
		n = 0;
		rht_for_each_entry_rcu(e, pos, tbl, c->bucket, node) {
			if (n++ < c->skip)
				continue;
			if (fn(e, arg)) {
				c->skip = n - 1;
				goto out;
			}
		}
	}
out:
	return same && !rcu_access_pointer(tbl->future_tbl);
}

/*
 * Remove the entries @match selects (all for NULL); returns how many.
 * The registry lock is held (netlink holds it while it finds the table).
 */
unsigned int nc_table_remove_if(struct nc_table *t,
				bool (*match)(const struct nc_entry *,
					      const void *),
				const void *arg, enum nc_removal why)
{
	lockdep_assert_held(&nc_registry_mutex);
	return nc_ht_remove_if(t, match, arg, why);
}

static bool nc_match_dest(const struct nc_entry *e, const void *dest)
{
	return e->dest == dest;
}

/* @dest has left the service: its classes are picked again. */
unsigned int nc_table_forget_dest(struct nc_table *t, struct ip_vs_dest *dest)
{
	unsigned int n;

	/*
	 * IPVS cleared @dest's available flag before calling del_dest. Pairs
	 * with the smp_mb() in nc_table_store(): a store that does not see
	 * the flag cleared has inserted its entry where this walk finds it.
	 */
	smp_mb();
	mutex_lock(&nc_registry_mutex);
	n = nc_table_remove_if(t, nc_match_dest, dest, NC_REMOVE_DEST_GONE);
	mutex_unlock(&nc_registry_mutex);

	this_cpu_add(t->stats->repicked, n);
	return n;
}

/* Expired entries are reclaimed here, whether or not traffic arrives. */
static unsigned long nc_gc_interval(const struct nc_policy *p)
{
	return clamp_t(unsigned long, nc_sticky_jiffies(p) / 2, HZ, 60 * HZ);
}

/*
 * The time is read for each entry, not once per walk: a walk of 10^6
 * entries can take longer than the second an entry may be ahead of
 * @now (nc_entry_idle), and an entry stored meanwhile would look 49 days
 * idle (the bench lost 484 of 10^6 classes to it under emulation).
 */
static bool nc_match_expired(const struct nc_entry *e, const void *sticky)
{
	return !nc_entry_alive(e, *(const unsigned long *)sticky, jiffies);
}

/* An entry whose server's drain deadline (NC_DRAIN_DEADLINE) has passed. */
static bool nc_match_drained(const struct nc_entry *e, const void *t)
{
	const struct nc_table *table = t;

	return atomic_read(&e->dest->weight) <= 0 &&
	       nc_drain_past(table, e->dest,
			     rcu_dereference(table->policy)->p.drain_secs,
			     jiffies);
}

/*
 * When the collector runs next: within its interval, and by the next
 * drain deadline of a deadline policy (then it moves the classes left).
 */
static unsigned long nc_gc_delay(struct nc_table *t, const struct nc_policy *p)
{
	unsigned long delay = nc_gc_interval(p), next;

	if (p->drain != NC_DRAIN_DEADLINE)
		return delay;
	rcu_read_lock();
	next = nc_drain_next_deadline(t, p->drain_secs, jiffies);
	rcu_read_unlock();
	return next ? min(delay, next + 1) : delay;
}

/*
 * (Re)queue the collector: by expire_at, and with hand-back on by its
 * next pass (a second after the last one: the rate is per second).
 */
static void nc_gc_queue(struct nc_table *t, const struct nc_policy *p, bool mod)
{
	unsigned long next = t->expire_at, delay;
	long left;

	if (p->handback_idle && time_before(t->handback_at, next))
		next = t->handback_at;
	left = (long)(next - jiffies);
	delay = left < 1 ? 1 : left;
	if (mod)
		mod_delayed_work(nc_wq, &t->gc_work, delay);
	else
		queue_delayed_work(nc_wq, &t->gc_work, delay);
}

/* A server started draining: the collector wakes by its deadline. */
void nc_table_drain_started(struct nc_table *t)
{
	mutex_lock(&nc_registry_mutex);
	t->expire_at = jiffies + nc_gc_delay(t, &t_policy(t)->p);
	nc_gc_queue(t, &t_policy(t)->p, true);
	mutex_unlock(&nc_registry_mutex);
}

/*
 * Hand-back: move up to @p->handback_rate classes idle for at least
 * handback_idle, whose server is not their bucket's hash owner (a server
 * joined or came back), to that owner. The entry is replaced, so the
 * class's next connection goes there and the listing shows it at once.
 * Under the registry mutex; the walk holds RCU (no sleeping inside).
 */
static void nc_handback(struct nc_table *t, const struct nc_policy *p)
{
	unsigned long idle = (unsigned long)p->handback_idle * HZ, now;
	unsigned int budget = p->handback_rate;
	struct rhashtable_iter iter;
	struct ip_vs_dest *owner;
	struct nc_entry *e;

	rhashtable_walk_enter(&t_ht(t)->ht, &iter);
	rhashtable_walk_start(&iter);
	while (budget && (e = rhashtable_walk_next(&iter))) {
		if (IS_ERR(e))
			continue;	/* -EAGAIN: resized, walking again */
		now = jiffies;
		if (nc_entry_idle(e, now) < idle)
			continue;
		owner = nc_pick(t->svc, t, NC_PICK_HASH, 0, &e->key);
		if (!owner || owner == e->dest)
			continue;
		if (!nc_table_store(t, p, &e->key, owner, e, now)) {
			/* @e is freed after a grace period, not before */
			trace_nc_repick(t->svc, e, NC_REPICK_HANDBACK);
			this_cpu_inc(t->stats->handed_back);
		}
		budget--;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/*
 * Process context: the walk may sleep, the rehash worker's lock is ours.
 * With hand-back on it runs every second (the rate is per second); the
 * expiry walk keeps its own interval.
 */
static void nc_gc_expire(struct work_struct *work)
{
	struct nc_table *t = container_of(to_delayed_work(work),
					  struct nc_table, gc_work);
	const struct nc_policy *p;
	unsigned long sticky;
	unsigned int n;

	mutex_lock(&nc_registry_mutex);
	p = &t_policy(t)->p;
	if (time_after_eq(jiffies, t->expire_at)) {
		sticky = nc_sticky_jiffies(p);
		n = nc_table_remove_if(t, nc_match_expired, &sticky,
				       NC_REMOVE_EXPIRED);
		this_cpu_add(t->stats->expired, n);
		if (p->drain == NC_DRAIN_DEADLINE) {
			n = nc_table_remove_if(t, nc_match_drained, t,
					       NC_REMOVE_DRAINED);
			this_cpu_add(t->stats->repicked, n);
		}
		t->expire_at = jiffies + nc_gc_delay(t, p);
	}
	/* A pass a second at most: the rate is per second. */
	if (p->handback_idle && time_after_eq(jiffies, t->handback_at)) {
		local_bh_disable();	/* nc_table_store, as from softirq */
		nc_handback(t, p);
		local_bh_enable();
		t->handback_at = jiffies + HZ;
	}
	nc_gc_queue(t, p, false);
	mutex_unlock(&nc_registry_mutex);
}

/*
 * Apply a validated policy; the registry lock is held. A new key mode,
 * prefix length, nc-subnet list or entry cap empties the table (its keys
 * no longer mean the same).
 */
int nc_table_set_policy(struct nc_table *t, const struct nc_policy *p)
{
	struct nc_policy_rcu *np, *old;
	struct nc_ht *nht = NULL, *oht = NULL;
	bool rekey;

	lockdep_assert_held(&nc_registry_mutex);
	np = kmalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	np->p = *p;
	np->explicit = true;

	old = t_policy(t);
	rekey = old->p.key_mode != p->key_mode || old->p.plen4 != p->plen4 ||
		old->p.plen6 != p->plen6 || old->p.max_entries != p->max_entries ||
		old->p.n_subnets != p->n_subnets ||
		memcmp(old->p.subnets, p->subnets,
		       p->n_subnets * sizeof(p->subnets[0]));
	if (rekey) {
		nht = nc_ht_create();
		if (!nht) {
			kfree(np);
			return -ENOMEM;
		}
		oht = t_ht(t);
		rcu_assign_pointer(t->ht, nht);
	}
	rcu_assign_pointer(t->policy, np);
	/* A shorter sticky time (or a drain deadline) must reclaim sooner. */
	t->expire_at = jiffies + nc_gc_delay(t, p);
	nc_gc_queue(t, p, true);

	kfree_rcu(old, rcu);
	if (oht)
		nc_ht_retire(oht);
	return 0;
}

/*
 * The operator moves @key's class to @dest (a server of the service that
 * the caller found under RCU and still holds RCU for), or restores its
 * saved entry: its entry is replaced, or made, as last used at jiffies
 * @last_used (now for a move). @was gets the server it had (NULL: none).
 * -ENOSPC if the table is full. Under the registry mutex, so two moves
 * do not race; schedule() may, and the move is what stays.
 */
int nc_table_move(struct nc_table *t, const struct nc_class_key *key,
		  struct ip_vs_dest *dest, unsigned long last_used,
		  const struct ip_vs_dest **was)
{
	const struct nc_policy *p = &t_policy(t)->p;
	struct nc_entry *e = nc_table_lookup(t, key);
	int tries;

	lockdep_assert_held(&nc_registry_mutex);
	*was = e ? e->dest : NULL;
	if (e && e->dest == dest) {
		WRITE_ONCE(e->last_used, (u32)last_used);
		return 0;
	}
	local_bh_disable();	/* nc_table_store, as from softirq */
	for (tries = 0; tries < 3; tries++) {
		if (e)
			trace_nc_repick(t->svc, e, NC_REPICK_MOVED);
		e = nc_table_store(t, p, key, dest, e, last_used);
		if (!e || e->dest == dest)
			break;
	}
	local_bh_enable();
	e = nc_table_lookup(t, key);
	return e && e->dest == dest ? 0 : -ENOSPC;
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
		sum->spilled += READ_ONCE(s->spilled);
		sum->handed_back += READ_ONCE(s->handed_back);
		sum->pinned += READ_ONCE(s->pinned);
	}
}

static void nc_table_free(struct nc_table *t)
{
	free_percpu(t->stats);
	kfree(rcu_dereference_raw(t->policy));
	kfree(t);
}

struct nc_table *nc_table_create(struct ip_vs_service *svc,
				 const struct nc_policy *p)
{
	struct nc_policy_rcu *pol;
	struct nc_table *t;
	struct nc_ht *ht;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	RCU_INIT_POINTER(t->policy, pol);
	t->stats = alloc_percpu(struct nc_stats);
	ht = nc_ht_create();
	if (!pol || !t->stats || !ht) {
		if (ht) {
			rhashtable_destroy(&ht->ht);
			kfree(ht);
		}
		nc_table_free(t);
		return NULL;
	}
	pol->p = *p;
	RCU_INIT_POINTER(t->ht, ht);
	spin_lock_init(&t->lock);
	t->svc = svc;
	INIT_LIST_HEAD(&t->registry);
	INIT_DELAYED_WORK(&t->gc_work, nc_gc_expire);
	t->expire_at = jiffies + nc_gc_interval(p);
	t->handback_at = jiffies;
	queue_delayed_work(nc_wq, &t->gc_work, nc_gc_interval(p));
	return t;
}

static void nc_table_free_work(struct work_struct *work)
{
	struct nc_table *t = container_of(to_rcu_work(work), struct nc_table,
					  free_work);
	struct nc_ht *ht = rcu_dereference_raw(t->ht);

	rhashtable_free_and_destroy(&ht->ht, nc_entry_free_now, NULL);
	kfree(ht);
	nc_table_free(t);
}

/*
 * Tear down a table whose service is going away (it has left the
 * registry). schedule() may still be running on other CPUs and storing
 * (done_service has no grace period before it), so the entries and the
 * table are freed from an rcu_work, after every such call has returned.
 */
void nc_table_destroy(struct nc_table *t)
{
	cancel_delayed_work_sync(&t->gc_work);
	INIT_RCU_WORK(&t->free_work, nc_table_free_work);
	queue_rcu_work(nc_wq, &t->free_work);
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
	if (!nc_entry_cache)
		return -ENOMEM;
	/* Unbound: no CPU matters, and 7.x warns when a flag says neither. */
	nc_wq = alloc_workqueue("ip_vs_nc", WQ_UNBOUND, 0);
	if (!nc_wq) {
		kmem_cache_destroy(nc_entry_cache);
		return -ENOMEM;
	}
	return 0;
}

/*
 * After rcu_barrier(): every rcu_work is queued; destroying the queue
 * runs them, then no entry is left to free.
 */
void nc_table_exit(void)
{
	destroy_workqueue(nc_wq);
	rcu_barrier();		/* entry frees queued by those works */
	kmem_cache_destroy(nc_entry_cache);
}

#include "selftest/table.c"
