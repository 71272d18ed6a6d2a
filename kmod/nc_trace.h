/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the nc scheduler: tracefs events/ip_vs_nc/, bpftrace
 * tracepoint:ip_vs_nc:*, perf -e 'ip_vs_nc:*'. Each event is one step of
 * a service's counters (ncadm -L --nc --stats), where that counter
 * steps, so a trace and the counters can be checked against each other:
 *
 *   nc_new       new: a class got a server from the first pick; why: new
 *                (no entry), expired or moved (its entry could not be
 *                followed); nc_overflow before it if it was not stored
 *   nc_expire    expired: an entry idle past the sticky time, found by a
 *                connection (at lookup) or by the collector
 *   nc_repick    repicked: a class's server drains or is unavailable (at
 *                lookup; nc_new follows with the new one), or was removed
 *                from the service (its entries dropped at once)
 *   nc_overflow  overflow: a first pick not remembered, table full
 *
 * None is on the path of a connection that follows its class's entry (a
 * hit). A disabled tracepoint is a patched-out jump (static key). The
 * persistence engine (--pe nc) has none: its templates are IPVS's.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ip_vs_nc

#if !defined(_NC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NC_TRACE_H

#include <linux/tracepoint.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "nc.h"

#ifndef _NC_TRACE_HELPERS
#define _NC_TRACE_HELPERS
/* Why nc_new picked. */
enum nc_trace_why { NC_WHY_NEW, NC_WHY_EXPIRED, NC_WHY_MOVED };
/* Where nc_expire found the entry. */
enum nc_trace_at { NC_AT_LOOKUP, NC_AT_COLLECTOR };
/* Why nc_repick gave up on the class's server. */
enum nc_trace_repick { NC_REPICK_DRAINED, NC_REPICK_UNAVAILABLE, NC_REPICK_REMOVED,
		       NC_REPICK_HANDBACK, NC_REPICK_MOVED };

/* Addresses are stored as socket addresses, printed with %pISpc. */
#define NC_TRACE_SA	sizeof(struct sockaddr_in6)

static inline void nc_trace_sa(u8 *buf, int af, const void *addr, __be16 port)
{
	memset(buf, 0, NC_TRACE_SA);
	if (af == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)buf;

		s->sin6_family = AF_INET6;
		s->sin6_port = port;
		memcpy(&s->sin6_addr, addr, 16);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)buf;

		s->sin_family = AF_INET;
		s->sin_port = port;
		memcpy(&s->sin_addr, addr, 4);
	}
}

/* The table of the load-time self-test has no service. */
static inline void nc_trace_svc(u8 *buf, u32 *fwmark, u16 *protocol,
				const struct ip_vs_service *svc)
{
	static const union nf_inet_addr none;

	nc_trace_sa(buf, svc ? svc->af : AF_INET, svc ? &svc->addr : &none,
		    svc ? svc->port : 0);
	*fwmark = svc ? svc->fwmark : 0;
	*protocol = svc ? svc->protocol : 0;
}

static inline void nc_trace_key_sa(u8 *buf, const struct nc_class_key *key)
{
	nc_trace_sa(buf, key->family == NC_FAMILY_INET6 ? AF_INET6 : AF_INET,
		    key->addr, 0);
}
#endif /* _NC_TRACE_HELPERS */

/* Values, not names, in the events' print formats (perf, trace-cmd). */
TRACE_DEFINE_ENUM(IPPROTO_TCP);
TRACE_DEFINE_ENUM(IPPROTO_UDP);
TRACE_DEFINE_ENUM(IPPROTO_SCTP);
TRACE_DEFINE_ENUM(NC_PICK_HASH);
TRACE_DEFINE_ENUM(NC_PICK_WLC);
TRACE_DEFINE_ENUM(NC_PICK_WRR);
TRACE_DEFINE_ENUM(NC_PICK_RR);
TRACE_DEFINE_ENUM(NC_PICK_LC);
TRACE_DEFINE_ENUM(NC_WHY_NEW);
TRACE_DEFINE_ENUM(NC_WHY_EXPIRED);
TRACE_DEFINE_ENUM(NC_WHY_MOVED);
TRACE_DEFINE_ENUM(NC_AT_LOOKUP);
TRACE_DEFINE_ENUM(NC_AT_COLLECTOR);
TRACE_DEFINE_ENUM(NC_REPICK_DRAINED);
TRACE_DEFINE_ENUM(NC_REPICK_UNAVAILABLE);
TRACE_DEFINE_ENUM(NC_REPICK_REMOVED);
TRACE_DEFINE_ENUM(NC_REPICK_HANDBACK);
TRACE_DEFINE_ENUM(NC_REPICK_MOVED);

/* The fields every event has: the service and the class. */
#define NC_TRACE_SVC_CLASS_FIELDS					\
	__array(u8, svc, NC_TRACE_SA)					\
	__field(u32, fwmark)						\
	__field(u16, protocol)						\
	__array(u8, class, NC_TRACE_SA)					\
	__field(u8, plen)

#define NC_TRACE_SVC_CLASS_ASSIGN(svc_, key_)				\
	nc_trace_svc(__entry->svc, &__entry->fwmark, &__entry->protocol, svc_); \
	nc_trace_key_sa(__entry->class, key_);				\
	__entry->plen = (key_)->plen

#define NC_TRACE_SVC_CLASS_FMT	"svc %s %pISpc fwmark %u class %pISc/%u"
#define NC_TRACE_SVC_CLASS_ARGS						\
	__print_symbolic(__entry->protocol, { IPPROTO_TCP, "TCP" },	\
			 { IPPROTO_UDP, "UDP" }, { IPPROTO_SCTP, "SCTP" }), \
	__entry->svc, __entry->fwmark, __entry->class, __entry->plen

TRACE_EVENT(nc_new,
	TP_PROTO(const struct ip_vs_service *svc,
		 const struct nc_class_key *key,
		 const struct ip_vs_dest *dest, unsigned int pick,
		 enum nc_trace_why why),
	TP_ARGS(svc, key, dest, pick, why),
	TP_STRUCT__entry(
		NC_TRACE_SVC_CLASS_FIELDS
		__array(u8, server, NC_TRACE_SA)
		__field(u8, pick)
		__field(u8, why)
	),
	TP_fast_assign(
		NC_TRACE_SVC_CLASS_ASSIGN(svc, key);
		nc_trace_sa(__entry->server, dest->af, &dest->addr, dest->port);
		__entry->pick = pick;
		__entry->why = why;
	),
	TP_printk(NC_TRACE_SVC_CLASS_FMT " server %pISpc pick %s why %s",
		  NC_TRACE_SVC_CLASS_ARGS, __entry->server,
		  __print_symbolic(__entry->pick, { NC_PICK_HASH, "hash" },
				   { NC_PICK_WLC, "wlc" }, { NC_PICK_WRR, "wrr" },
				   { NC_PICK_RR, "rr" }, { NC_PICK_LC, "lc" }),
		  __print_symbolic(__entry->why, { NC_WHY_NEW, "new" },
				   { NC_WHY_EXPIRED, "expired" },
				   { NC_WHY_MOVED, "moved" }))
);

TRACE_EVENT(nc_expire,
	TP_PROTO(const struct ip_vs_service *svc, const struct nc_entry *e,
		 unsigned int idle_ms, enum nc_trace_at at),
	TP_ARGS(svc, e, idle_ms, at),
	TP_STRUCT__entry(
		NC_TRACE_SVC_CLASS_FIELDS
		__array(u8, server, NC_TRACE_SA)
		__field(u32, idle_ms)
		__field(u8, at)
	),
	TP_fast_assign(
		NC_TRACE_SVC_CLASS_ASSIGN(svc, &e->key);
		nc_trace_sa(__entry->server, e->dest->af, &e->dest->addr,
			    e->dest->port);
		__entry->idle_ms = idle_ms;
		__entry->at = at;
	),
	TP_printk(NC_TRACE_SVC_CLASS_FMT " server %pISpc idle_ms %u at %s",
		  NC_TRACE_SVC_CLASS_ARGS, __entry->server, __entry->idle_ms,
		  __print_symbolic(__entry->at, { NC_AT_LOOKUP, "lookup" },
				   { NC_AT_COLLECTOR, "collector" }))
);

TRACE_EVENT(nc_repick,
	TP_PROTO(const struct ip_vs_service *svc, const struct nc_entry *e,
		 enum nc_trace_repick reason),
	TP_ARGS(svc, e, reason),
	TP_STRUCT__entry(
		NC_TRACE_SVC_CLASS_FIELDS
		__array(u8, server, NC_TRACE_SA)
		__field(u8, reason)
	),
	TP_fast_assign(
		NC_TRACE_SVC_CLASS_ASSIGN(svc, &e->key);
		nc_trace_sa(__entry->server, e->dest->af, &e->dest->addr,
			    e->dest->port);
		__entry->reason = reason;
	),
	TP_printk(NC_TRACE_SVC_CLASS_FMT " server %pISpc reason %s",
		  NC_TRACE_SVC_CLASS_ARGS, __entry->server,
		  __print_symbolic(__entry->reason,
				   { NC_REPICK_DRAINED, "drained" },
				   { NC_REPICK_UNAVAILABLE, "unavailable" },
				   { NC_REPICK_REMOVED, "removed" },
				   { NC_REPICK_HANDBACK, "handback" },
				   { NC_REPICK_MOVED, "moved" }))
);

TRACE_EVENT(nc_overflow,
	TP_PROTO(const struct ip_vs_service *svc,
		 const struct nc_class_key *key, unsigned int max_entries),
	TP_ARGS(svc, key, max_entries),
	TP_STRUCT__entry(
		NC_TRACE_SVC_CLASS_FIELDS
		__field(u32, max_entries)
	),
	TP_fast_assign(
		NC_TRACE_SVC_CLASS_ASSIGN(svc, key);
		__entry->max_entries = max_entries;
	),
	TP_printk(NC_TRACE_SVC_CLASS_FMT " max_entries %u",
		  NC_TRACE_SVC_CLASS_ARGS, __entry->max_entries)
);

#endif /* _NC_TRACE_H */

/* Outside the guard: define_trace.h reads this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nc_trace
#include <trace/define_trace.h>
