/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations of the IPVS natural-class scheduler.
 */
#ifndef _IP_VS_NC_INTERNAL_H
#define _IP_VS_NC_INTERNAL_H

#include <linux/version.h>
#include <linux/spinlock.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <net/ip_vs.h>

#include "ip_vs_nc.h"
#include "nc_class.h"
#include "nc_policy.h"

/*
 * Kernel API drift, one shim per change, each naming the kernels it
 * covers (tests/kernels/matrix builds all of them with -Werror; see
 * docs/design.md "Building on other kernels").
 */

/*
 * Dest availability moved from dest->flags to dest->cflags upstream in
 * 6.9 and in the 6.1 stable series at 6.1.187 (bookworm's ABI 6.1.0-47
 * is older). Keyed on the flag, not the version: stable backports.
 */
#ifdef IP_VS_DEST_CF_AVAILABLE
#define nc_dest_available(d)	((d)->cflags & IP_VS_DEST_CF_AVAILABLE)
#define nc_dest_set_available(d, on) \
	((d)->cflags = (on) ? (d)->cflags | IP_VS_DEST_CF_AVAILABLE : \
			      (d)->cflags & ~IP_VS_DEST_CF_AVAILABLE)
#else
#define nc_dest_available(d)	((d)->flags & IP_VS_DEST_F_AVAILABLE)
#define nc_dest_set_available(d, on) \
	((d)->flags = (on) ? (d)->flags | IP_VS_DEST_F_AVAILABLE : \
			     (d)->flags & ~IP_VS_DEST_F_AVAILABLE)
#endif

/* genl_dumpit_info() keeps the parsed attributes in ->info since 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define nc_dump_attrs(cb)	(genl_dumpit_info(cb)->info.attrs)
#else
#define nc_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * genl_family.resv_start_op is 6.1+: commands from it on are validated
 * strictly and must leave the reserved header byte zero. Before 6.1
 * (bullseye's 5.10) every command whose .validate has no GENL_DONT_*
 * flag, as all of ours, is validated strictly already; only the reserved
 * byte goes unchecked there.
 */
#define NC_GENL_HAS_RESV_START_OP (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0))

/*
 * IPVS's connection table became resizable hash tables (struct
 * ip_vs_rht) in 7.x: ip_vs_pe.hashkey_raw takes the table, whose siphash
 * key replaces the u32 jhash initval of 6.12 and older. Keyed on the
 * walker macro that came with it.
 */
#ifdef ip_vs_rht_for_each_table
#define NC_PE_HASH_TAKES_RHT
#endif

/* ipvsadm -b flags, for services configured without ncadm. */
#define NC_SVC_F_CLASSFUL	IP_VS_SVC_F_SCHED1	/* flag-1: classful key */
#define NC_SVC_F_PICK_WLC	IP_VS_SVC_F_SCHED2	/* flag-2: wlc first pick */
#define NC_SVC_F_DRAIN_REPICK	IP_VS_SVC_F_SCHED3	/* flag-3: re-pick on weight 0 */

/*
 * One class and the real server it sticks to: 64 bytes, one cache line.
 * Times are 32-bit: idle time is an unsigned jiffies difference, correct
 * while it is below 2^32 jiffies, which the GC guarantees by reclaiming
 * every entry within sticky (at most 31 days) + 60 s of its last use.
 */
struct nc_entry {
	struct rhash_head	node;		/* in the table's nc_ht */
	struct nc_class_key	key;
	atomic_t		conns;		/* connections scheduled (wraps) */
	struct ip_vs_dest	*dest;		/* holds a dest reference */
	u32			last_used;	/* jiffies of the last new conn */
	u32			created;	/* ktime_get_seconds() */
	struct rcu_head		rcu;
};

/* A policy in force; replaced whole (RCU), never changed in place. */
struct nc_policy_rcu {
	struct nc_policy	p;
	bool			explicit;	/* set by netlink: -b flags ignored */
	struct rcu_head		rcu;
};

struct nc_stats {
	u64 lookups, hits, new, expired, repicked, overflow, noserver, spilled;
	u64 handed_back, pinned;
};

/* A pinned network and its server (nc_pin.c); never changed in place. */
struct nc_pin {
	struct nc_subnet	net;
	struct ip_vs_dest	*dest;		/* holds a dest reference */
	atomic64_t		conns;		/* connections it sent */
	struct rcu_head		rcu;
};

/* A service's pins, longest network first; replaced whole (RCU). */
struct nc_pins {
	struct rcu_head		rcu;
	unsigned int		n;
	struct nc_pin		*pin[];
};

#define nc_stat_inc(t, field)	this_cpu_inc((t)->stats->field)

struct nc_ht;

/* Per-service state, svc->sched_data. Locking: see nc_table.c. */
struct nc_table {
	struct nc_ht __rcu		*ht;		/* the entries */
	struct nc_policy_rcu __rcu	*policy;
	struct nc_stats __percpu	*stats;
	struct delayed_work		gc_work;	/* reclaims expired entries */
	unsigned long			expire_at;	/* next reclaim, jiffies */
	unsigned long			handback_at;	/* next hand-back pass */
	struct nc_hrw_map __rcu		*hrw;	/* hash pick's owners, nc_pick.c */
	struct nc_drains __rcu		*drains; /* weight-0 servers, nc_drain.c */
	struct nc_pins __rcu		*pins;	/* NULL: none, nc_pin.c */

	spinlock_t			lock;	/* the rr/wrr first-pick cursor */
	struct list_head		*cursor;
	int				wrr_cw;

	struct ip_vs_service		*svc;
	struct list_head		registry;	/* nc_registry, its mutex */
	struct rcu_work			free_work;
};

/* A service as netlink names it (the IPVS_SVC_ATTR_* identity). */
struct nc_svc_id {
	u16			af;
	u16			protocol;
	union nf_inet_addr	addr;
	__be16			port;
	u32			fwmark;		/* 0: not a fwmark service */
};

static inline void nc_svc_id_of(const struct ip_vs_service *svc,
				struct nc_svc_id *id)
{
	*id = (struct nc_svc_id) {
		.af = svc->af,
		.protocol = svc->protocol,
		.addr = svc->addr,
		.port = svc->port,
		.fwmark = svc->fwmark,
	};
}

static inline bool nc_svc_id_equal(const struct nc_svc_id *a,
				   const struct nc_svc_id *b)
{
	return a->af == b->af && a->fwmark == b->fwmark &&
	       (a->fwmark || (a->protocol == b->protocol &&
			      a->port == b->port &&
			      ip_vs_addr_equal(a->af, &a->addr, &b->addr)));
}

static inline unsigned long nc_sticky_jiffies(const struct nc_policy *p)
{
	return (unsigned long)p->sticky_secs * HZ;
}

/*
 * Jiffies since @e was last used. Another CPU may have stored or used it
 * after @now was read (a later tick): that is idle 0, not 2^32 - 1, or a
 * racing miss would take the winner's fresh entry for expired and
 * replace it (vm.nc_smp counted 257 new classes for 256 before this).
 */
static inline u32 nc_entry_idle(const struct nc_entry *e, unsigned long now)
{
	u32 idle = (u32)now - READ_ONCE(e->last_used);

	return idle > (u32)-HZ ? 0 : idle;	/* up to a second ahead */
}

static inline bool nc_entry_alive(const struct nc_entry *e,
				  unsigned long sticky, unsigned long now)
{
	return nc_entry_idle(e, now) < sticky;
}

/*
 * What the service does now: its policy, or for a service that never got
 * one through netlink, the module defaults as modified by ipvsadm's
 * -b flag-1/2/3 (read on every call: ipvsadm -E changes them silently).
 */
static inline void nc_effective_policy(const struct ip_vs_service *svc,
				       const struct nc_policy_rcu *pol,
				       unsigned int *key, unsigned int *pick,
				       unsigned int *drain)
{
	unsigned int flags;

	*key = pol->p.key_mode;
	*pick = pol->p.pick;
	*drain = pol->p.drain;
	if (pol->explicit)
		return;
	flags = READ_ONCE(svc->flags);
	if (flags & NC_SVC_F_CLASSFUL)
		*key = NC_KEY_CLASSFUL;
	if (flags & NC_SVC_F_PICK_WLC)
		*pick = NC_PICK_WLC;
	if (flags & NC_SVC_F_DRAIN_REPICK)
		*drain = NC_DRAIN_REPICK;
}

/*
 * Locks, in the one order they nest: IPVS's __ip_vs_mutex (held around
 * init_service, done_service and the dest callbacks), then
 * nc_registry_mutex (nc_table.c: every table's replacement of its
 * entries, policy and pins, and the registry; lockdep asserts it where
 * they change); nc_pe_mutex (nc_pe.c: the engine policies) is a leaf,
 * never held with either. Under them, and in softirq: per-table t->lock
 * (the rr/wrr cursor) and the rhashtable's bucket locks.
 */
extern struct mutex nc_registry_mutex;
struct nc_table *nc_table_create(struct ip_vs_service *svc,
				 const struct nc_policy *p);
void nc_table_destroy(struct nc_table *t);
struct nc_entry *nc_table_lookup(struct nc_table *t,
				 const struct nc_class_key *key);
int nc_table_init(void);
int nc_table_selftest(void);
void nc_table_exit(void);
struct nc_entry *nc_table_store(struct nc_table *t, const struct nc_policy *p,
				const struct nc_class_key *key,
				struct ip_vs_dest *dest, struct nc_entry *stale,
				unsigned long now);
unsigned int nc_table_entries(struct nc_table *t);

/* Where a dump of a table stands between two netlink calls. */
struct nc_table_cursor {
	unsigned long	bucket, skip;
	u32		gen;	/* of the bucket array; 0 before the first call */
};

bool nc_table_walk_from(struct nc_table *t, struct nc_table_cursor *c,
			int (*fn)(const struct nc_entry *e, void *arg),
			void *arg);
unsigned int nc_table_forget_dest(struct nc_table *t, struct ip_vs_dest *dest);
/* Why entries leave the table outside schedule() (the tracepoint said). */
enum nc_removal {
	NC_REMOVE_FLUSH,	/* ncadm --nc-flush: no event, no counter */
	NC_REMOVE_EXPIRED,	/* the collector: nc_expire, expired */
	NC_REMOVE_DEST_GONE,	/* the server left: nc_repick, repicked */
	NC_REMOVE_DRAINED,	/* its drain deadline passed: the same */
};
unsigned int nc_table_remove_if(struct nc_table *t,
				bool (*match)(const struct nc_entry *, const void *),
				const void *arg, enum nc_removal why);
int nc_table_set_policy(struct nc_table *t, const struct nc_policy *p);
int nc_table_move(struct nc_table *t, const struct nc_class_key *key,
		  struct ip_vs_dest *dest, unsigned long last_used,
		  const struct ip_vs_dest **was);
void nc_table_drain_started(struct nc_table *t);
void nc_registry_lock(void);
void nc_registry_unlock(void);
void nc_registry_add(struct nc_table *t);
void nc_registry_del(struct nc_table *t);
struct nc_table *nc_registry_find(struct net *net, const struct nc_svc_id *id);
struct nc_table *nc_registry_nth(struct net *net, long n);
void nc_table_sum_stats(struct nc_table *t, struct nc_stats *sum);

/* nc_pick.c */
struct ip_vs_dest *nc_pick(struct ip_vs_service *svc, struct nc_table *t,
			   unsigned int pick, u32 bound,
			   const struct nc_class_key *key);
void nc_pick_dest_removed(struct nc_table *t, struct ip_vs_dest *dest);
void nc_pick_sync(struct ip_vs_service *svc, struct nc_table *t);
void nc_pick_release(struct nc_table *t);

/* nc_drain.c */
bool nc_drain_moves(const struct ip_vs_service *svc,
		    const struct ip_vs_dest *d, unsigned int drain,
		    unsigned long now);
bool nc_drain_sync(struct ip_vs_service *svc, struct nc_table *t);
void nc_drain_release(struct nc_table *t);
bool nc_drain_past(const struct nc_table *t, const struct ip_vs_dest *dest,
		   u32 secs, unsigned long now);
unsigned long nc_drain_next_deadline(const struct nc_table *t, u32 secs,
				     unsigned long now);
int nc_drain_for_each(const struct nc_table *t,
		      int (*fn)(const struct ip_vs_dest *d,
				unsigned long since, void *arg),
		      void *arg);

/* nc_pin.c */
struct nc_pin *nc_pin_find(const struct nc_pins *pins, int af,
			   const union nf_inet_addr *addr);
enum nc_pin_state nc_pin_state(const struct ip_vs_service *svc,
			       const struct nc_pin *pin, unsigned int drain,
			       unsigned long now);
int nc_pin_set(struct nc_table *t, const struct nc_subnet *net,
	       struct ip_vs_dest *dest);
int nc_pin_del(struct nc_table *t, const struct nc_subnet *net);
unsigned int nc_pin_count(const struct nc_table *t);
int nc_pin_for_each(const struct nc_table *t,
		    int (*fn)(const struct nc_pin *pin, void *arg), void *arg);
void nc_pin_release(struct nc_table *t);

/* nc_policy.c */
void nc_default_policy(struct nc_policy *p);
void nc_addr_key(const struct nc_policy *p, unsigned int key_mode, int af,
		 const union nf_inet_addr *a, struct nc_class_key *key);
void nc_default_addr_key(int af, const union nf_inet_addr *a,
			 struct nc_class_key *key);

/* nc_pe.c */
int nc_pe_init(void);
void nc_pe_exit(void);
int nc_pe_policies_init(void);
void nc_pe_policies_exit(void);
void nc_pe_policy_get(struct net *net, const struct nc_svc_id *id,
		      struct nc_policy *p);
int nc_pe_policy_edit(struct net *net, const struct nc_svc_id *id,
		      int (*edit)(struct nc_policy *p, void *arg), void *arg);
unsigned int nc_pe_policy_forget(struct net *net, const struct nc_svc_id *id);

/* nc_netlink.c */
int nc_netlink_init(void);
void nc_netlink_exit(void);

#endif /* _IP_VS_NC_INTERNAL_H */
