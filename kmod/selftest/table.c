// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the sticky table, run at module load with selftest=1
 * (insmod ip_vs_nc.ko selftest=1; vm.nc_selftest does, on every kernel of
 * the matrix and on the debug kernel). Included at the end of nc_table.c
 * so that it can reach the table's internals, as WireGuard's
 * selftest/allowedips.c is; everything here is __init and discarded once
 * the module has loaded.
 *
 * The servers are fake ip_vs_dest records holding only a reference
 * count and the "available" flag: the table reads nothing else of a dest. Each test ends by
 * destroying its table, waiting for the RCU callbacks and checking that
 * every reference an entry took was given back.
 *
 * Locking: as the scheduler does, lookups and stores run under
 * rcu_read_lock() with bottom halves off, without locks of ours.
 */
#include <linux/kthread.h>
#include <linux/completion.h>

#define NC_ST_DESTS	4
/*
 * The checks the parts below make, all told. A part that stops early (an
 * allocation failed) or a check that no longer runs makes the count
 * differ, which fails the self-test: passing means every check ran.
 * tests/vm/scenarios/nc_selftest.sh and docs/testing.md read it here.
 */
#define NC_ST_CHECKS	48

struct nc_selftest {
	struct ip_vs_dest *dest[NC_ST_DESTS];
	unsigned int failed, passed;
};

#define nc_st_check(st, cond, fmt, ...)					\
	do {								\
		if (cond) {						\
			(st)->passed++;					\
		} else {						\
			(st)->failed++;					\
			pr_err("nc self-test: %s: " fmt "\n", __func__,	\
			       ##__VA_ARGS__);				\
		}							\
	} while (0)

/* The class of 10.0.0.0 + @i as a /32. */
static void __init nc_st_key(struct nc_class_key *key, unsigned int i)
{
	u8 addr[4] = { 10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff };

	nc_class_key_v4(key, addr, NC_KEY_PREFIX, 32);
}

static struct nc_table *__init nc_st_table(u32 max_entries, u32 sticky_secs)
{
	struct nc_policy p;

	nc_policy_defaults(&p);
	p.max_entries = max_entries;
	p.sticky_secs = sticky_secs;
	return nc_table_create(NULL, &p);
}

static struct ip_vs_dest *__init nc_st_lookup(struct nc_table *t,
					      unsigned int i)
{
	struct nc_class_key key;
	struct ip_vs_dest *d;
	struct nc_entry *e;

	nc_st_key(&key, i);
	rcu_read_lock();
	e = nc_table_lookup(t, &key);
	d = e ? e->dest : NULL;
	rcu_read_unlock();
	return d;
}

/* Store @i -> @d, in place of the class's entry if it has one. */
static void __init nc_st_store(struct nc_table *t, unsigned int i,
			       struct ip_vs_dest *d, unsigned long now)
{
	struct nc_class_key key;

	nc_st_key(&key, i);
	local_bh_disable();
	rcu_read_lock();
	nc_table_store(t, &t_policy(t)->p, &key, d, nc_table_lookup(t, &key),
		       now);
	rcu_read_unlock();
	local_bh_enable();
}

static int __init nc_st_count_one(const struct nc_entry *e, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

/* Let a pending resize finish: until then entries sit in two arrays. */
static void __init nc_st_settle(struct nc_table *t)
{
	struct nc_ht *ht = rcu_dereference_protected(t->ht, 1);
	int i;

	for (i = 0; i < 8; i++)		/* a resize may ask for another */
		flush_work(&ht->ht.run_work);
}

/*
 * How many entries the buckets hold, walked the way the dump walks, once
 * no resize is under way (a dump during one is flagged and retried).
 */
static unsigned int __init nc_st_count(struct nc_table *t)
{
	struct nc_table_cursor c = {};
	unsigned int n = 0;

	nc_st_settle(t);
	mutex_lock(&nc_registry_mutex);
	rcu_read_lock();
	nc_table_walk_from(t, &c, nc_st_count_one, &n);
	rcu_read_unlock();
	mutex_unlock(&nc_registry_mutex);
	return n;
}

static void __init nc_st_destroy(struct nc_selftest *st, struct nc_table *t)
{
	int i;

	nc_table_destroy(t);
	rcu_barrier();		/* the table's rcu_work is queued */
	flush_workqueue(nc_wq);	/* it freed what was left */
	rcu_barrier();		/* entry frees put their dest references */
	for (i = 0; i < NC_ST_DESTS; i++)
		nc_st_check(st, refcount_read(&st->dest[i]->refcnt) == 1,
			    "server %d still has %u references", i,
			    refcount_read(&st->dest[i]->refcnt) - 1);
}

/* Insert, find, replace an entry in place. */
static void __init nc_st_insert_follow_replace(struct nc_selftest *st)
{
	const unsigned int n = 1000;	/* a full table, grown from 64 buckets */
	struct nc_table *t = nc_st_table(n, 60);
	unsigned int i, wrong = 0;

	if (!t) {
		nc_st_check(st, false, "no memory for a table");
		return;
	}
	for (i = 0; i < n; i++)
		nc_st_store(t, i, st->dest[i % NC_ST_DESTS], jiffies);
	nc_st_check(st, nc_table_entries(t) == n && nc_st_count(t) == n,
		    "%u classes stored, table says %u, buckets hold %u", n,
		    nc_table_entries(t), nc_st_count(t));
	for (i = 0; i < n; i++)
		wrong += nc_st_lookup(t, i) != st->dest[i % NC_ST_DESTS];
	nc_st_check(st, !wrong, "%u of %u classes found the wrong server",
		    wrong, n);
	nc_st_check(st, !nc_st_lookup(t, n), "a class never stored was found");

	/* Every third class moves to the next server, in place. */
	for (i = 0; i < n; i += 3)
		nc_st_store(t, i, st->dest[(i + 1) % NC_ST_DESTS], jiffies);
	for (i = 0, wrong = 0; i < n; i++)
		wrong += nc_st_lookup(t, i) !=
			 st->dest[(i + !(i % 3)) % NC_ST_DESTS];
	nc_st_check(st, !wrong && nc_table_entries(t) == n && nc_st_count(t) == n,
		    "after replacing: %u wrong, %u entries, %u in buckets",
		    wrong, nc_table_entries(t), nc_st_count(t));
	nc_st_destroy(st, t);
}

/* The collector drops what has been idle for the sticky time, only that. */
static void __init nc_st_expiry(struct nc_selftest *st)
{
	struct nc_table *t = nc_st_table(1024, 60);
	unsigned long now = jiffies;
	struct nc_stats stats;
	unsigned int i, kept = 0;

	if (!t) {
		nc_st_check(st, false, "no memory for a table");
		return;
	}
	/* Even classes were last used 61 s ago, odd ones 59 s ago. */
	for (i = 0; i < 200; i++)
		nc_st_store(t, i, st->dest[0], now - (i % 2 ? 59 : 61) * HZ);
	t->expire_at = jiffies;		/* the collector's expiry is due */
	nc_gc_expire(&t->gc_work.work);
	for (i = 0; i < 200; i++)
		kept += !!nc_st_lookup(t, i) == (i % 2);
	nc_table_sum_stats(t, &stats);
	nc_st_check(st, kept == 200 && nc_table_entries(t) == 100 && stats.expired == 100,
		    "%u of 200 classes as expected, %u entries, %llu expired",
		    kept, nc_table_entries(t), stats.expired);
	nc_st_check(st, delayed_work_pending(&t->gc_work),
		    "the collector did not re-arm");
	nc_st_destroy(st, t);
}

/* A server leaving takes its classes, and only its, out of the table. */
static void __init nc_st_forget_dest(struct nc_selftest *st)
{
	struct nc_table *t = nc_st_table(1024, 60);
	unsigned int i, dropped, wrong = 0;

	if (!t) {
		nc_st_check(st, false, "no memory for a table");
		return;
	}
	for (i = 0; i < 400; i++)
		nc_st_store(t, i, st->dest[i % NC_ST_DESTS], jiffies);
	nc_dest_set_available(st->dest[1], false);	/* as IPVS does first */
	dropped = nc_table_forget_dest(t, st->dest[1]);
	for (i = 0; i < 400; i++)
		wrong += nc_st_lookup(t, i) !=
			 (i % NC_ST_DESTS == 1 ? NULL : st->dest[i % NC_ST_DESTS]);
	nc_st_check(st, dropped == 100 && !wrong && nc_table_entries(t) == 300,
		    "dropped %u (want 100), %u wrong, %u entries", dropped,
		    wrong, nc_table_entries(t));
	/* A schedule() that picked it before it left stores too late. */
	nc_st_store(t, 1001, st->dest[1], jiffies);
	nc_st_check(st, !nc_st_lookup(t, 1001) && nc_table_entries(t) == 300,
		    "a server that had left was remembered: %u entries",
		    nc_table_entries(t));
	nc_dest_set_available(st->dest[1], true);
	nc_st_destroy(st, t);
}

/* A full table refuses new classes, counts them, still replaces. */
static void __init nc_st_cap(struct nc_selftest *st)
{
	struct nc_table *t = nc_st_table(64, 60);
	struct nc_stats stats;
	unsigned int i;

	if (!t) {
		nc_st_check(st, false, "no memory for a table");
		return;
	}
	for (i = 0; i < 100; i++)
		nc_st_store(t, i, st->dest[0], jiffies);
	nc_table_sum_stats(t, &stats);
	nc_st_check(st, nc_table_entries(t) == 64 && nc_st_count(t) == 64 &&
			stats.overflow == 36,
		    "cap 64, 100 classes: %u entries, %u in buckets, %llu overflows",
		    nc_table_entries(t), nc_st_count(t), stats.overflow);
	nc_st_store(t, 0, st->dest[2], jiffies);
	nc_st_check(st, nc_st_lookup(t, 0) == st->dest[2] && nc_table_entries(t) == 64,
		    "a full table did not replace an entry in place");
	nc_st_destroy(st, t);
}

/* Buckets of @t once the resizes asked for so far are done. */
static unsigned int __init nc_st_buckets(struct nc_table *t)
{
	struct nc_ht *ht = rcu_dereference_protected(t->ht, 1);
	struct bucket_table *tbl;
	unsigned int size;

	nc_st_settle(t);
	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->ht.tbl, &ht->ht);
	size = tbl->size;
	rcu_read_unlock();
	return size;
}

/* The table grows with its content and shrinks back; nothing is lost. */
static void __init nc_st_grow_shrink(struct nc_selftest *st)
{
	const unsigned int n = 100000;
	struct nc_table *t = nc_st_table(n, 60);
	unsigned int i, grown, shrunk, wrong = 0;
	struct nc_stats stats;

	if (!t) {
		nc_st_check(st, false, "no memory for a table");
		return;
	}
	for (i = 0; i < n; i++) {
		nc_st_store(t, i, st->dest[i % NC_ST_DESTS], jiffies);
		if (i % 1024 == 0)
			cond_resched();
	}
	grown = nc_st_buckets(t);
	for (i = 0; i < n; i++)
		wrong += nc_st_lookup(t, i) != st->dest[i % NC_ST_DESTS];
	nc_table_sum_stats(t, &stats);
	nc_st_check(st, !wrong && nc_table_entries(t) == n &&
			nc_st_count(t) == n && !stats.overflow &&
			grown >= n / 2 && grown <= 4 * n,
		    "%u classes: %u wrong, %u entries, %u in buckets, %llu not stored, %u buckets",
		    n, wrong, nc_table_entries(t), nc_st_count(t),
		    stats.overflow, grown);
	mutex_lock(&nc_registry_mutex);
	nc_table_remove_if(t, NULL, NULL, NC_REMOVE_FLUSH);
	mutex_unlock(&nc_registry_mutex);
	shrunk = nc_st_buckets(t);
	nc_st_check(st, !nc_table_entries(t) && shrunk <= 256,
		    "emptied: %u entries, %u buckets (had %u)",
		    nc_table_entries(t), shrunk, grown);
	nc_st_destroy(st, t);
}

/*
 * Several threads insert the same classes at once, each for its own
 * server, the way schedule() does: look, and if the class is missing
 * store without a lock, following the entry of whoever stored it first.
 * Every class must end with one entry and every thread must have been
 * sent where that entry points.
 */
#define NC_ST_RACE_CLASSES	256

struct nc_st_racer {
	struct nc_table *t;
	struct completion *go;		/* all threads start together */
	struct ip_vs_dest *mine;
	struct ip_vs_dest *got[NC_ST_RACE_CLASSES];
	unsigned int lost;		/* stores another thread beat */
	struct completion done;
};

static struct ip_vs_dest *__init nc_st_claim(struct nc_st_racer *r,
					     unsigned int i)
{
	struct ip_vs_dest *d = nc_st_lookup(r->t, i), *mine = r->mine;
	struct nc_table *t = r->t;
	struct nc_class_key key;
	struct nc_entry *first;

	if (d)
		return d;
	nc_st_key(&key, i);
	local_bh_disable();
	rcu_read_lock();
	first = nc_table_store(t, &t_policy(t)->p, &key, mine, NULL, jiffies);
	d = first ? first->dest : mine;
	r->lost += !!first;
	rcu_read_unlock();
	local_bh_enable();
	return d;
}

static int __init nc_st_race_thread(void *arg)
{
	struct nc_st_racer *r = arg;
	unsigned int i;

	wait_for_completion(r->go);
	for (i = 0; i < NC_ST_RACE_CLASSES; i++) {
		r->got[i] = nc_st_claim(r, i);
		cond_resched();
	}
	complete(&r->done);
	return 0;
}

static void __init nc_st_concurrent_insert(struct nc_selftest *st)
{
	struct nc_table *t = nc_st_table(1024, 60);
	unsigned int i, k, cpu, started = 0, split = 0, lost = 0;
	DECLARE_COMPLETION_ONSTACK(go);
	struct nc_st_racer *r;

	r = kcalloc(NC_ST_DESTS, sizeof(*r), GFP_KERNEL);
	if (!t || !r) {
		nc_st_check(st, false, "no memory for a table");
		kfree(r);
		if (t)
			nc_table_destroy(t);
		return;
	}
	for (k = 0; k < NC_ST_DESTS; k++) {
		struct task_struct *task;

		r[k].t = t;
		r[k].go = &go;
		r[k].mine = st->dest[k];
		init_completion(&r[k].done);
		task = kthread_create(nc_st_race_thread, &r[k], "nc-selftest/%u", k);
		if (IS_ERR(task)) {
			complete(&r[k].done);
			continue;
		}
		cpu = k % nr_cpu_ids;
		if (cpu_online(cpu))
			kthread_bind(task, cpu);
		wake_up_process(task);
		started++;
	}
	complete_all(&go);
	for (k = 0; k < NC_ST_DESTS; k++)
		wait_for_completion(&r[k].done);
	for (k = 0; k < NC_ST_DESTS; k++)
		lost += r[k].lost;
	pr_info("nc self-test: %u threads, %u classes: %u stores found another thread's entry first and followed it\n",
		started, NC_ST_RACE_CLASSES, lost);
	for (i = 0; i < NC_ST_RACE_CLASSES; i++) {
		struct ip_vs_dest *d = nc_st_lookup(t, i);

		for (k = 0; k < NC_ST_DESTS; k++)
			split += r[k].got[i] && r[k].got[i] != d;
	}
	nc_st_check(st, started == NC_ST_DESTS, "%u of %u threads started",
		    started, NC_ST_DESTS);
	nc_st_check(st, !split && nc_table_entries(t) == NC_ST_RACE_CLASSES &&
			nc_st_count(t) == NC_ST_RACE_CLASSES,
		    "%u answers disagree with the table, %u entries, %u in buckets (want %u)",
		    split, nc_table_entries(t), nc_st_count(t), NC_ST_RACE_CLASSES);
	kfree(r);
	nc_st_destroy(st, t);
}

/* 0, or -ENOTRECOVERABLE when a check failed (each one logged). */
/* The server the pins send IPv4 client @a to (NULL: no pin covers it). */
static struct ip_vs_dest *__init nc_st_pinned(struct nc_table *t,
					      const u8 a[4])
{
	union nf_inet_addr addr = {};
	struct ip_vs_dest *d = NULL;
	struct nc_pins *pins;
	struct nc_pin *pin;

	memcpy(&addr.ip, a, 4);
	rcu_read_lock();
	pins = rcu_dereference(t->pins);
	pin = pins ? nc_pin_find(pins, AF_INET, &addr) : NULL;
	if (pin)
		d = pin->dest;
	rcu_read_unlock();
	return d;
}

/* Pin @a/@plen to @d, taking a reference as netlink does. */
static int __init nc_st_pin(struct nc_table *t, const u8 a[4],
			    unsigned int plen, struct ip_vs_dest *d)
{
	struct nc_subnet net;
	int err;

	nc_subnet_set(&net, NC_FAMILY_INET, a, plen);
	ip_vs_dest_hold(d);
	mutex_lock(&nc_registry_mutex);
	err = nc_pin_set(t, &net, d);
	mutex_unlock(&nc_registry_mutex);
	return err;
}

static int __init nc_st_unpin(struct nc_table *t, const u8 a[4],
			      unsigned int plen)
{
	struct nc_subnet net;
	int n;

	if (a)
		nc_subnet_set(&net, NC_FAMILY_INET, a, plen);
	mutex_lock(&nc_registry_mutex);
	n = nc_pin_del(t, a ? &net : NULL);
	mutex_unlock(&nc_registry_mutex);
	return n;
}

/*
 * Pins: the longest pinned network wins whatever the order they were
 * set in; a pin of the same network replaces the server; removing one,
 * all, or releasing the service gives every reference back; the cap.
 */
static void __init nc_st_pins(struct nc_selftest *st)
{
	static const u8 n8[4] = { 10 }, n16[4] = { 10, 1 }, n24[4] = { 10, 1, 2 };
	static const u8 c24[4] = { 10, 1, 2, 3 }, c16[4] = { 10, 1, 9, 9 };
	static const u8 c8[4] = { 10, 9, 9, 9 }, none[4] = { 11, 0, 0, 1 };
	struct nc_table *t = nc_st_table(16, 60);
	struct ip_vs_dest **d = st->dest;
	int err, i, n;
	u8 a[4];

	if (!t)
		return;
	err = nc_st_pin(t, n8, 8, d[0]) | nc_st_pin(t, n24, 24, d[2]) |
	      nc_st_pin(t, n16, 16, d[1]);
	nc_st_check(st, !err, "setting three pins failed: %d", err);
	nc_st_check(st, nc_st_pinned(t, c24) == d[2] &&
			nc_st_pinned(t, c16) == d[1] &&
			nc_st_pinned(t, c8) == d[0] && !nc_st_pinned(t, none),
		    "a client did not get its longest pinned network");

	err = nc_st_pin(t, n16, 16, d[3]);
	n = nc_st_unpin(t, n24, 24);
	nc_st_check(st, !err && n == 1 && nc_st_pinned(t, c24) == d[3] &&
			nc_pin_count(t) == 2,
		    "re-pin /16 and unpin /24: %d, %d, %u pins", err, n,
		    nc_pin_count(t));

	for (i = 0, err = 0; i < NC_MAX_PINS - 2 && !err; i++) {
		a[0] = 12, a[1] = 0, a[2] = 0, a[3] = i;
		err = nc_st_pin(t, a, 32, d[i % NC_ST_DESTS]);
	}
	a[3] = 255;
	nc_st_check(st, !err && nc_st_pin(t, a, 32, d[0]) == -E2BIG,
		    "the pin cap (%d) did not hold", NC_MAX_PINS);
	n = nc_st_unpin(t, NULL, 0);
	nc_st_check(st, n == NC_MAX_PINS && !nc_st_pinned(t, c8),
		    "unpinning all removed %d of %d", n, NC_MAX_PINS);

	nc_st_check(st, !nc_st_pin(t, n8, 8, d[0]), "pinning again failed");
	nc_pin_release(t);	/* as done_service does */
	nc_st_destroy(st, t);
}

int __init nc_table_selftest(void)
{
	struct nc_selftest st = {};
	int i, ret = 0;

	for (i = 0; i < NC_ST_DESTS; i++) {
		st.dest[i] = kzalloc(sizeof(*st.dest[i]), GFP_KERNEL);
		if (!st.dest[i]) {
			ret = -ENOMEM;
			goto out;
		}
		refcount_set(&st.dest[i]->refcnt, 1);
		nc_dest_set_available(st.dest[i], true);
	}
	nc_st_insert_follow_replace(&st);
	nc_st_expiry(&st);
	nc_st_forget_dest(&st);
	nc_st_cap(&st);
	nc_st_grow_shrink(&st);
	nc_st_concurrent_insert(&st);
	nc_st_pins(&st);
	if (st.failed) {
		pr_err("nc self-test: %u of %u checks failed\n", st.failed,
		       st.failed + st.passed);
		ret = -ENOTRECOVERABLE;
	} else if (st.passed != NC_ST_CHECKS) {
		pr_err("nc self-test: %u checks ran, %u expected: failed\n",
		       st.passed, NC_ST_CHECKS);
		ret = -ENOTRECOVERABLE;
	} else {
		pr_info("nc self-test: table: all %u checks passed (%u CPUs)\n",
			st.passed, num_online_cpus());
	}
out:
	for (i = 0; i < NC_ST_DESTS; i++)
		kfree(st.dest[i]);
	return ret;
}
