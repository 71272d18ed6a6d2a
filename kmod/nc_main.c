// SPDX-License-Identifier: GPL-2.0
/*
 * IPVS natural-class scheduler (ip_vs_nc).
 *
 * Every new connection whose client address falls in the same class (by
 * default the first octet of an IPv4 source) goes to the same real server
 * until no new connection has come from that class for the sticky time.
 * A class seen for the first time gets a server from the first-pick
 * policy, and the choice is remembered in a per-service table.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "nc.h"
#define CREATE_TRACE_POINTS
#include "nc_trace.h"

/* The client: for ICMP errors, the inner packet's destination. */
static const union nf_inet_addr *nc_client_addr(const struct ip_vs_iphdr *iph)
{
	return ip_vs_iph_inverse(iph) ? &iph->daddr : &iph->saddr;
}

enum nc_verdict { NC_FOLLOW, NC_EXPIRED, NC_REPICK };

/*
 * May a class (or a pinned network) keep going to @d? A removed server
 * never; a drained (weight 0) one as the drain rule says; an overloaded
 * one yes, as IPVS persistence templates keep following theirs.
 */
static inline bool nc_dest_followed(const struct ip_vs_service *svc,
				    const struct ip_vs_dest *d,
				    unsigned int drain, unsigned long now)
{
	if (!nc_dest_available(d))
		return false;
	return likely(atomic_read(&d->weight) > 0) ||
	       !nc_drain_moves(svc, d, drain, now);
}

/* May a class keep following entry @e (nc_dest_followed says when)? */
static enum nc_verdict nc_check_entry(const struct ip_vs_service *svc,
				      const struct nc_entry *e,
				      unsigned long sticky, unsigned int drain,
				      unsigned long now)
{
	if (!nc_entry_alive(e, sticky, now))
		return NC_EXPIRED;
	return nc_dest_followed(svc, e->dest, drain, now) ? NC_FOLLOW : NC_REPICK;
}

/* The pin of the client's network: one load when the service has none. */
static struct nc_pin *nc_client_pin(const struct ip_vs_service *svc,
				    const struct nc_table *t,
				    const struct ip_vs_iphdr *iph)
{
	const struct nc_pins *pins = rcu_dereference(t->pins);

	if (likely(!pins))
		return NULL;
	return nc_pin_find(pins, svc->af, nc_client_addr(iph));
}

/* Count, and trace, why a class does not follow its entry @e (or none). */
static enum nc_trace_why nc_note_miss(const struct ip_vs_service *svc,
				      struct nc_table *t,
				      const struct nc_entry *e,
				      enum nc_verdict v, unsigned long now)
{
	if (!e)
		return NC_WHY_NEW;
	if (v == NC_EXPIRED) {
		nc_stat_inc(t, expired);
		trace_nc_expire(svc, e, jiffies_to_msecs(nc_entry_idle(e, now)),
				NC_AT_LOOKUP);
		return NC_WHY_EXPIRED;
	}
	nc_stat_inc(t, repicked);
	trace_nc_repick(svc, e, nc_dest_available(e->dest) ?
			NC_REPICK_DRAINED : NC_REPICK_UNAVAILABLE);
	return NC_WHY_MOVED;
}

/*
 * Follow the class's entry if it may be followed; otherwise pick, without
 * a lock, and store. If another CPU stored the class first, follow its
 * choice (one server per class), unless that entry cannot be followed
 * either: then replace it, once.
 */
static struct ip_vs_dest *nc_schedule(struct ip_vs_service *svc,
				      const struct sk_buff *skb,
				      struct ip_vs_iphdr *iph)
{
	struct nc_table *t = svc->sched_data;
	unsigned int kmode, pick, drain;
	const struct nc_policy_rcu *pol;
	unsigned long now = jiffies, sticky;
	struct nc_class_key key;
	struct ip_vs_dest *dest;
	enum nc_trace_why why;
	enum nc_verdict v;
	struct nc_entry *e;
	struct nc_pin *pin;
	int tries;

	nc_stat_inc(t, lookups);
	pol = rcu_dereference(t->policy);
	nc_effective_policy(svc, pol, &kmode, &pick, &drain);
	pin = nc_client_pin(svc, t, iph);
	if (likely(!pin)) {
		nc_addr_key(&pol->p, kmode, svc->af, nc_client_addr(iph), &key);
	} else if (nc_dest_followed(svc, pin->dest, drain, now)) {
		atomic64_inc(&pin->conns);
		nc_stat_inc(t, pinned);
		return pin->dest;
	} else {
		nc_subnet_key(&pin->net, &key);	/* a pinned network is one class */
	}
	sticky = nc_sticky_jiffies(&pol->p);

	e = nc_table_lookup(t, &key);
	v = e ? nc_check_entry(svc, e, sticky, drain, now) : NC_EXPIRED;
	if (v == NC_FOLLOW)
		goto hit;
	why = nc_note_miss(svc, t, e, v, now);

	dest = nc_pick(svc, t, pick, pol->p.bound, &key);
	if (!dest) {
		nc_stat_inc(t, noserver);
		ip_vs_scheduler_err(svc, "no destination available");
		return NULL;
	}
	for (tries = 0; tries < 2; tries++) {
		e = nc_table_store(t, &pol->p, &key, dest, e, now);
		if (!e)
			break;
		if (nc_check_entry(svc, e, sticky, drain, now) == NC_FOLLOW)
			goto hit;
	}
	nc_stat_inc(t, new);
	trace_nc_new(svc, &key, dest, pick, why);
	return dest;

hit:
	WRITE_ONCE(e->last_used, (u32)now);
	atomic_inc(&e->conns);
	nc_stat_inc(t, hits);
	return e->dest;
}

static int nc_init_svc(struct ip_vs_service *svc)
{
	struct nc_policy p;
	struct nc_table *t;

	nc_default_policy(&p);
	t = nc_table_create(svc, &p);
	if (!t)
		return -ENOMEM;
	svc->sched_data = t;
	nc_pick_sync(svc, t);
	nc_drain_sync(svc, t);
	nc_registry_add(t);
	return 0;
}

static void nc_done_svc(struct ip_vs_service *svc)
{
	struct nc_table *t = svc->sched_data;

	nc_registry_del(t);
	nc_pick_release(t);
	nc_drain_release(t);
	nc_pin_release(t);
	nc_table_destroy(t);
}

/*
 * A server joined, or its weight changed: the hash pick follows, and a
 * server that went to weight 0 starts its drain (the collector wakes by
 * its deadline).
 */
static int nc_add_or_upd_dest(struct ip_vs_service *svc,
			      struct ip_vs_dest *dest)
{
	struct nc_table *t = svc->sched_data;

	nc_pick_sync(svc, t);
	if (nc_drain_sync(svc, t))
		nc_table_drain_started(t);
	return 0;
}

static int nc_del_dest(struct ip_vs_service *svc, struct ip_vs_dest *dest)
{
	struct nc_table *t = svc->sched_data;

	nc_pick_dest_removed(t, dest);
	nc_pick_sync(svc, t);
	nc_drain_sync(svc, t);
	nc_table_forget_dest(t, dest);
	return 0;
}

static struct ip_vs_scheduler ip_vs_nc_scheduler = {
	.name =			NC_SCHED_NAME,
	.refcnt =		ATOMIC_INIT(0),
	.module =		THIS_MODULE,
	.n_list =		LIST_HEAD_INIT(ip_vs_nc_scheduler.n_list),
	.init_service =		nc_init_svc,
	.done_service =		nc_done_svc,
	.add_dest =		nc_add_or_upd_dest,
	.upd_dest =		nc_add_or_upd_dest,
	.del_dest =		nc_del_dest,
	.schedule =		nc_schedule,
};

/*
 * The IPVS_NC family is registered from a work item, not from init:
 * "ipvsadm -A ... -s nc" loads this module through request_module() from
 * inside an IPVS generic netlink request, with the genetlink mutex held
 * (IPVS is not a parallel_ops family), and genl_register_family() needs
 * that mutex: registering from init would deadlock. The work runs once
 * that request has finished; ncadm waits for the family to appear.
 */
static bool nc_netlink_up;

static void nc_netlink_register(struct work_struct *work)
{
	int ret = nc_pe_policies_init();

	if (!ret) {
		ret = nc_netlink_init();
		if (ret)
			nc_pe_policies_exit();
	}
	if (ret)
		pr_err("cannot register the %s netlink family: %d\n",
		       NC_GENL_NAME, ret);
	else
		nc_netlink_up = true;
}

static DECLARE_WORK(nc_netlink_work, nc_netlink_register);

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "test the sticky table at load; refuse to load if it fails");

static int __init ip_vs_nc_init(void)
{
	int ret;

	ret = nc_table_init();
	if (ret)
		return ret;
	if (selftest) {
		ret = nc_table_selftest();
		if (ret)
			goto err_table;
	}
	ret = register_ip_vs_scheduler(&ip_vs_nc_scheduler);
	if (ret)
		goto err_table;
	ret = nc_pe_init();
	if (ret)
		goto err_sched;
	schedule_work(&nc_netlink_work);
	return 0;

err_sched:
	unregister_ip_vs_scheduler(&ip_vs_nc_scheduler);
err_table:
	nc_table_exit();
	return ret;
}

static void __exit ip_vs_nc_cleanup(void)
{
	nc_pe_exit();
	unregister_ip_vs_scheduler(&ip_vs_nc_scheduler);
	cancel_work_sync(&nc_netlink_work);
	if (nc_netlink_up) {
		nc_netlink_exit();
		nc_pe_policies_exit();
	}
	/* Late schedule() callers and queued RCU frees run module code. */
	synchronize_rcu();
	rcu_barrier();
	nc_table_exit();
}

module_init(ip_vs_nc_init);
module_exit(ip_vs_nc_cleanup);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPVS natural-class sticky scheduler");
MODULE_ALIAS_GENL_FAMILY(NC_GENL_NAME);
/* what IPVS request_module()s for ipvsadm --pe nc */
MODULE_ALIAS("ip_vs_pe_" NC_PE_NAME);
