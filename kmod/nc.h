/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations of the IPVS natural-class scheduler.
 */
#ifndef _IP_VS_NC_INTERNAL_H
#define _IP_VS_NC_INTERNAL_H

#include <linux/version.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/atomic.h>
#include <net/ip_vs.h>

#include "nc_class.h"

/* Kernel API drift; see docs/design.md "Building on other kernels". */
#ifdef IP_VS_DEST_CF_AVAILABLE		/* 6.1.187+ and mainline */
#define nc_dest_available(d)	((d)->cflags & IP_VS_DEST_CF_AVAILABLE)
#else					/* bookworm ABIs up to 6.1.176 */
#define nc_dest_available(d)	((d)->flags & IP_VS_DEST_F_AVAILABLE)
#endif

#ifndef from_timer
#define from_timer(var, t, field) timer_container_of(var, t, field)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define nc_timer_stop_sync(t)	timer_delete_sync(t)
#else
#define nc_timer_stop_sync(t)	del_timer_sync(t)
#endif

#define NC_TAB_BITS	10
#define NC_TAB_SIZE	(1 << NC_TAB_BITS)

/* One class and the real server it sticks to. */
struct nc_entry {
	struct hlist_node	node;
	struct nc_class_key	key;
	struct ip_vs_dest	*dest;		/* holds a dest reference */
	unsigned long		created;	/* jiffies */
	unsigned long		last_used;	/* jiffies of the last new conn */
	atomic_long_t		conns;		/* connections scheduled */
	struct rcu_head		rcu;
};

/* Per-service state, svc->sched_data. */
struct nc_table {
	spinlock_t		lock;		/* writers; readers use RCU */
	bool			dead;		/* service is going away */
	unsigned int		entries;	/* under lock */
	unsigned long		sticky;		/* jiffies */
	u32			hash_seed;
	struct timer_list	gc_timer;	/* reclaims expired entries */

	/* weighted round robin first pick, under lock */
	struct list_head	*wrr_cursor;
	int			wrr_cw;

	struct rcu_head		rcu;
	struct hlist_head	buckets[NC_TAB_SIZE];
};

/* nc_table.c */
struct nc_table *nc_table_create(unsigned long sticky, gfp_t gfp);
void nc_table_destroy(struct nc_table *t);
struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key);
bool nc_entry_alive(const struct nc_table *t, const struct nc_entry *e,
		    unsigned long now);
void nc_table_store(struct nc_table *t, const struct nc_class_key *key,
		    struct ip_vs_dest *dest, struct nc_entry *old,
		    unsigned long now);
void nc_table_forget_dest(struct nc_table *t, struct ip_vs_dest *dest);

/* nc_pick.c */
struct ip_vs_dest *nc_pick_wrr(struct ip_vs_service *svc, struct nc_table *t);
void nc_pick_dest_removed(struct nc_table *t, struct ip_vs_dest *dest);

#endif /* _IP_VS_NC_INTERNAL_H */
