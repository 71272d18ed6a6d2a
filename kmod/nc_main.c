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

#include "nc.h"

static unsigned int sticky_seconds = NC_DEFAULT_STICKY_SECS;
module_param(sticky_seconds, uint, 0644);
MODULE_PARM_DESC(sticky_seconds,
		 "sticky time of new services, in seconds (default 1800)");

static void nc_class_key_of(const struct ip_vs_service *svc,
			    const struct ip_vs_iphdr *iph,
			    struct nc_class_key *key)
{
	const union nf_inet_addr *caddr;

	/* For ICMP errors and replies the client is the inner destination. */
	caddr = ip_vs_iph_inverse(iph) ? &iph->daddr : &iph->saddr;
#ifdef CONFIG_IP_VS_IPV6
	if (svc->af == AF_INET6) {
		nc_class_key_v6(key, caddr->in6.s6_addr, NC_KEY_OCTET, 32,
				NC_DEFAULT_PLEN6);
		return;
	}
#endif
	nc_class_key_v4(key, (const u8 *)&caddr->ip, NC_KEY_OCTET, 32);
}

/* May a sticky entry keep sending new connections to @d? */
static bool nc_dest_usable(const struct ip_vs_dest *d)
{
	return nc_dest_available(d) && atomic_read(&d->weight) > 0;
}

static struct ip_vs_dest *nc_schedule(struct ip_vs_service *svc,
				      const struct sk_buff *skb,
				      struct ip_vs_iphdr *iph)
{
	struct nc_table *t = svc->sched_data;
	unsigned long now = jiffies;
	struct nc_class_key key;
	struct ip_vs_dest *dest;
	struct nc_entry *e;

	nc_class_key_of(svc, iph, &key);

	e = nc_table_lookup(t, &key);
	if (e && nc_entry_alive(t, e, now) && nc_dest_usable(e->dest)) {
		dest = e->dest;
		goto hit;
	}

	spin_lock_bh(&t->lock);
	/* Another CPU may have chosen for this class meanwhile: follow it. */
	e = nc_table_lookup(t, &key);
	if (e && nc_entry_alive(t, e, now) && nc_dest_usable(e->dest)) {
		spin_unlock_bh(&t->lock);
		dest = e->dest;
		goto hit;
	}
	dest = nc_pick_wrr(svc, t);
	if (dest)
		nc_table_store(t, &key, dest, e, now);
	spin_unlock_bh(&t->lock);

	if (!dest)
		ip_vs_scheduler_err(svc, "no destination available");
	return dest;

hit:
	WRITE_ONCE(e->last_used, now);
	atomic_long_inc(&e->conns);
	return dest;
}

static int nc_init_svc(struct ip_vs_service *svc)
{
	struct nc_table *t;

	t = nc_table_create((unsigned long)READ_ONCE(sticky_seconds) * HZ,
			    GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	svc->sched_data = t;
	return 0;
}

static void nc_done_svc(struct ip_vs_service *svc)
{
	nc_table_destroy(svc->sched_data);
}

static int nc_del_dest(struct ip_vs_service *svc, struct ip_vs_dest *dest)
{
	struct nc_table *t = svc->sched_data;

	nc_pick_dest_removed(t, dest);
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
	.del_dest =		nc_del_dest,
	.schedule =		nc_schedule,
};

static int __init ip_vs_nc_init(void)
{
	return register_ip_vs_scheduler(&ip_vs_nc_scheduler);
}

static void __exit ip_vs_nc_cleanup(void)
{
	unregister_ip_vs_scheduler(&ip_vs_nc_scheduler);
	/* Late schedule() callers and queued entry frees run module code. */
	synchronize_rcu();
	rcu_barrier();
}

module_init(ip_vs_nc_init);
module_exit(ip_vs_nc_cleanup);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPVS natural-class sticky scheduler");
