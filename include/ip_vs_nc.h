/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ip_vs_nc.h - user-visible interface of the IPVS natural-class scheduler.
 *
 * Shared by the kernel module (kmod/) and ncadm (userland/). Everything
 * here is ABI between the two: values are never renumbered, only appended.
 *
 * Generic netlink family "IPVS_NC", version 1, no family header. It acts
 * on the network namespace of the requesting socket, like IPVS's own
 * family. Every command needs CAP_NET_ADMIN (as IPVS's family does, since
 * the table reveals client networks). Attributes are validated strictly:
 * unknown attributes, wrong lengths and out-of-range values are refused
 * with an errno and an extended-ack message naming the attribute, and a
 * refused request changes nothing.
 *
 * A service is named like IPVS names it, nested in NC_ATTR_SERVICE:
 * NC_SVC_ATTR_AF plus either NC_SVC_ATTR_FWMARK, or NC_SVC_ATTR_PROTOCOL,
 * NC_SVC_ATTR_ADDR and NC_SVC_ATTR_PORT. Only services whose scheduler is
 * nc are known to the family; any other gives ENOENT, except with
 * NC_ATTR_ENGINE (below).
 *
 * The persistence engine's policy (NC_ATTR_ENGINE): the templates of a
 * service with --pe nc are keyed by the class of the client under that
 * service's engine policy, i.e. the class part of an nc policy:
 * NC_POL_ATTR_KEY, NC_POL_ATTR_PLEN4, NC_POL_ATTR_PLEN6 and
 * NC_POL_ATTR_SUBNETS. A service without one (made by ipvsadm or
 * keepalived) uses the module parameters key_mode, prefix4 and prefix6;
 * ipvsadm's -b flags do not apply to the engine. IPVS does not tell
 * the engine which services use it, so the family keeps an engine policy
 * for any service named to it, in the requesting namespace, until
 * NC_CMD_DEL_ENGINE or the namespace goes away; it applies to a service
 * of that address whenever one exists with --pe nc. A scheduler-mode nc
 * policy and an engine policy of one service are separate (ncadm sets
 * both from one command line).
 *
 * Commands:
 *
 * NC_CMD_GET_SERVICE: doit with NC_ATTR_SERVICE, or dump of every nc
 *	service of the namespace. Each reply (cmd NC_CMD_GET_SERVICE) holds
 *	NC_ATTR_SERVICE, NC_ATTR_POLICY (the whole policy in force),
 *	NC_ATTR_STATS and NC_ATTR_DRAINING.
 *
 * NC_CMD_SET_POLICY: NC_ATTR_SERVICE and NC_ATTR_POLICY. Only the policy
 *	attributes present change; the others keep their values. Changing
 *	the key mode, a prefix length, the nc-subnet list or the entry cap
 *	empties the table (its keys no longer mean the same); changing the
 *	sticky time, first pick or drain rule keeps it.
 *
 * NC_CMD_GET_TABLE: dump; NC_ATTR_SERVICE names the service. One message
 *	per entry, each an NC_ATTR_ENTRY nest.
 *
 * NC_CMD_FLUSH: NC_ATTR_SERVICE, and at most one of NC_ATTR_CLASS (the
 *	entry of the class containing that address) or NC_ATTR_DEST (every
 *	entry pointing to that real server). Neither: all entries. Replies
 *	with NC_ATTR_FLUSHED, the number of entries removed.
 *
 * NC_CMD_GET_SERVICE with NC_ATTR_ENGINE (doit only): replies with
 *	NC_ATTR_SERVICE, NC_ATTR_ENGINE and NC_ATTR_POLICY holding the four
 *	class attributes in force (the module parameters if none was set).
 *
 * NC_CMD_SET_POLICY with NC_ATTR_ENGINE: sets the class attributes
 *	present on top of the engine policy in force; the scheduler-only
 *	attributes (STICKY, PICK, DRAIN, DRAIN_SECS, MAX_ENTRIES, BOUND,
 *	HANDBACK_IDLE, HANDBACK_RATE) are refused. Existing
 *	templates keep the class they were made with and run out as usual;
 *	new connections are classed under the new policy.
 *
 * NC_CMD_DEL_ENGINE: forgets the engine policy of NC_ATTR_SERVICE, or
 *	with no service every engine policy of the namespace. Replies with
 *	NC_ATTR_FLUSHED, the number of policies forgotten.
 *
 * Pins (operator overrides): a pin sends every client of a network to one
 * real server, before and instead of the table: a pinned network is its
 * own class, never expires and counts no entry. The longest pinned network
 * containing a client wins. When the pin's server has weight 0 the drain
 * rule applies as to an entry (keep: it stays; repick, or deadline past:
 * the network's clients go to the first pick as one class, remembered in
 * the table as usual, until the weight comes back); a removed server is
 * never followed (the pin stays, and follows it again if it is added
 * back). At most NC_MAX_PINS a service.
 *
 * NC_CMD_SET_ENTRY: NC_ATTR_SERVICE and NC_ATTR_ENTRY with
 *	NC_ENTRY_ATTR_CLASS (a class: AF, ADDR, PLEN, no host bits),
 *	NC_ENTRY_ATTR_DEST (a real server of the service, with its port) and
 *	NC_ENTRY_ATTR_LEFT_MS (its sticky time left, 1 ms or more; more than
 *	the sticky time is the sticky time): the entry a table saved before
 *	a restart had (ncadm --nc-save-table, restored by ncadm -R). An entry
 *	of the class is replaced. The other entry attributes are refused.
 *
 * NC_CMD_GET_PINS: doit with NC_ATTR_SERVICE; replies with NC_ATTR_SERVICE
 *	and NC_ATTR_PINS (every pin, in one message of up to about 8 KiB).
 *
 * NC_CMD_SET_PIN: NC_ATTR_SERVICE, NC_ATTR_CLASS and NC_ATTR_DEST (with
 *	its port). NC_ATTR_CLASS with NC_ADDR_ATTR_PLEN is the network;
 *	without, the class of that address under the policy in force. A pin
 *	of the same network is replaced (its server changes).
 *
 * NC_CMD_DEL_PIN: NC_ATTR_SERVICE and NC_ATTR_CLASS (as for SET_PIN), or
 *	without NC_ATTR_CLASS every pin of the service. Replies with
 *	NC_ATTR_FLUSHED, the number of pins removed; naming a network that
 *	has no pin is ENOENT.
 *
 * NC_CMD_MOVE: NC_ATTR_SERVICE, NC_ATTR_CLASS (an address, no PLEN: its
 *	class moves) and NC_ATTR_DEST (with its port, weight above 0). The
 *	class's entry now points to that server, with its sticky time
 *	starting again; a class under a pin is refused (EBUSY: change the
 *	pin). Replies with NC_ATTR_CLASS (the class) and, if the class had an
 *	entry, NC_ATTR_DEST (its server before).
 */
#ifndef _UAPI_IP_VS_NC_H
#define _UAPI_IP_VS_NC_H

/* Name of the scheduler as given to ipvsadm -s / ncadm -s. */
#define NC_SCHED_NAME		"nc"

/*
 * Name of the persistence engine as given to ipvsadm --pe (with -p). Its
 * templates' pe_data (ipvsadm -Lc shows "nc 172.0.0.0/8"; the sync daemon
 * replicates it) is a struct nc_class_key (nc_class.h), 20 bytes.
 */
#define NC_PE_NAME		"nc"

#define NC_GENL_NAME		"IPVS_NC"
#define NC_GENL_VERSION		1

/**
 * enum nc_key_mode - how a client address is reduced to its class
 * @NC_KEY_OCTET: first octet of an IPv4 source (the natural class, /8)
 * @NC_KEY_CLASSFUL: classful network: A /8, B /16, C /24; D and E per address
 * @NC_KEY_PREFIX: the IPv4 prefix length NC_POL_ATTR_PLEN4 (/0../32)
 *
 * IPv6 clients are grouped by the prefix length NC_POL_ATTR_PLEN6 in
 * every mode.
 */
enum nc_key_mode {
	NC_KEY_OCTET = 0,
	NC_KEY_CLASSFUL = 1,
	NC_KEY_PREFIX = 2,
	__NC_KEY_MAX
};

/**
 * enum nc_pick - first pick: the server of a class with no valid entry
 * @NC_PICK_HASH: weighted rendezvous hash of the class key over the
 *	available servers: every director with the same servers and weights
 *	picks the same server, and a change of one server moves only its share
 * @NC_PICK_WLC: weighted least connections (as -s wlc)
 * @NC_PICK_WRR: weighted round robin (as -s wrr)
 * @NC_PICK_RR: round robin (as -s rr)
 * @NC_PICK_LC: least connections (as -s lc)
 */
enum nc_pick {
	NC_PICK_HASH = 0,
	NC_PICK_WLC = 1,
	NC_PICK_WRR = 2,
	NC_PICK_RR = 3,
	NC_PICK_LC = 4,
	__NC_PICK_MAX
};

/**
 * enum nc_drain - what a class does when its server's weight becomes 0
 * @NC_DRAIN_SYSCTL: follow net.ipv4.vs.expire_quiescent_template of the
 *	namespace, as IPVS persistence templates do (0: keep, 1: re-pick)
 * @NC_DRAIN_KEEP: keep sending the class there until its entry expires
 * @NC_DRAIN_REPICK: pick another server at the class's next connection
 * @NC_DRAIN_DEADLINE: keep it there for NC_POL_ATTR_DRAIN_SECS after the
 *	weight became 0, then pick another server (at the class's next
 *	connection, and the collector removes what is left at the deadline)
 */
enum nc_drain {
	NC_DRAIN_SYSCTL = 0,
	NC_DRAIN_KEEP = 1,
	NC_DRAIN_REPICK = 2,
	NC_DRAIN_DEADLINE = 3,
	__NC_DRAIN_MAX
};

/* Defaults of a service created without a policy (module parameters). */
#define NC_DEFAULT_PLEN4	24	/* prefix mode's IPv4 length */
#define NC_DEFAULT_PLEN6	48	/* the usual end-site assignment, RFC 6177 */
#define NC_DEFAULT_STICKY_SECS	1800	/* the design card's "--sticky 30" minutes */
#define NC_DEFAULT_MAX_ENTRIES	65536

#define NC_MAX_STICKY_SECS	(31 * 24 * 3600)	/* ipvsadm's -p limit */
#define NC_MAX_ENTRIES_LIMIT	(1 << 24)
#define NC_MAX_SUBNETS		32
#define NC_MIN_BOUND		101	/* load bound, percent of the fair share */
#define NC_MAX_BOUND		1000
#define NC_MAX_HANDBACK_RATE	10000	/* hand-backs a second */
#define NC_MAX_PINS		64	/* a service; each client scans them */

enum nc_cmd {
	NC_CMD_UNSPEC,
	NC_CMD_GET_SERVICE,
	NC_CMD_SET_POLICY,
	NC_CMD_GET_TABLE,
	NC_CMD_FLUSH,
	NC_CMD_DEL_ENGINE,
	NC_CMD_SET_PIN,
	NC_CMD_DEL_PIN,
	NC_CMD_MOVE,
	NC_CMD_GET_PINS,
	NC_CMD_SET_ENTRY,
	__NC_CMD_MAX
};
#define NC_CMD_MAX (__NC_CMD_MAX - 1)

/* Top-level attributes. */
enum nc_attr {
	NC_ATTR_UNSPEC,
	NC_ATTR_SERVICE,	/* nest, enum nc_svc_attr */
	NC_ATTR_POLICY,		/* nest, enum nc_pol_attr */
	NC_ATTR_STATS,		/* nest, enum nc_stats_attr */
	NC_ATTR_ENTRY,		/* nest, enum nc_entry_attr (replies; requests:
				 * NC_CMD_SET_ENTRY only) */
	NC_ATTR_CLASS,		/* nest, enum nc_addr_attr: an address */
	NC_ATTR_DEST,		/* nest, enum nc_addr_attr: a server */
	NC_ATTR_FLUSHED,	/* u32 */
	NC_ATTR_PAD,
	NC_ATTR_ENGINE,		/* flag: the persistence engine's policy */
	NC_ATTR_DRAINING,	/* nest of NC_DRAINING_ATTR_SERVER: the
				 * service's servers of weight 0 (replies) */
	NC_ATTR_PINS,		/* nest of NC_PINS_ATTR_PIN (replies) */
	__NC_ATTR_MAX
};
#define NC_ATTR_MAX (__NC_ATTR_MAX - 1)

/* Service identity, as IPVS_SVC_ATTR_* (same byte orders). */
enum nc_svc_attr {
	NC_SVC_ATTR_UNSPEC,
	NC_SVC_ATTR_AF,		/* u16, AF_INET or AF_INET6 */
	NC_SVC_ATTR_PROTOCOL,	/* u16, IPPROTO_TCP/UDP/SCTP */
	NC_SVC_ATTR_ADDR,	/* binary, 4 or 16 bytes */
	NC_SVC_ATTR_PORT,	/* u16, network byte order */
	NC_SVC_ATTR_FWMARK,	/* u32 */
	__NC_SVC_ATTR_MAX
};
#define NC_SVC_ATTR_MAX (__NC_SVC_ATTR_MAX - 1)

/* The nc policy of a service. */
enum nc_pol_attr {
	NC_POL_ATTR_UNSPEC,
	NC_POL_ATTR_KEY,	/* u8, enum nc_key_mode */
	NC_POL_ATTR_PLEN4,	/* u8, 0..32, used by NC_KEY_PREFIX */
	NC_POL_ATTR_PLEN6,	/* u8, 0..128, IPv6 class in every mode */
	NC_POL_ATTR_STICKY,	/* u32, seconds, 1..NC_MAX_STICKY_SECS */
	NC_POL_ATTR_PICK,	/* u8, enum nc_pick */
	NC_POL_ATTR_DRAIN,	/* u8, enum nc_drain */
	NC_POL_ATTR_MAX_ENTRIES, /* u32, 1..NC_MAX_ENTRIES_LIMIT */
	NC_POL_ATTR_SUBNETS,	/* nest of NC_SUBNET_ATTR_NET nests; an empty
				 * nest clears the list (every client grouped) */
	NC_POL_ATTR_BOUND,	/* u32, percent: 0 (off) or NC_MIN_BOUND..
				 * NC_MAX_BOUND; the hash first pick skips a
				 * server whose connections exceed bound/100
				 * times its weighted share */
	NC_POL_ATTR_DRAIN_SECS,	/* u32, seconds: NC_DRAIN_DEADLINE's time,
				 * 1..NC_MAX_STICKY_SECS; 0 with any other
				 * rule (a DRAIN without it sets 0) */
	NC_POL_ATTR_HANDBACK_IDLE, /* u32, seconds, 0: off; with the hash
				 * pick, a class idle this long whose server
				 * is not its hash owner moves to the owner */
	NC_POL_ATTR_HANDBACK_RATE, /* u32, at most this many moves a second,
				 * 1..NC_MAX_HANDBACK_RATE (0 when off) */
	__NC_POL_ATTR_MAX
};
#define NC_POL_ATTR_MAX (__NC_POL_ATTR_MAX - 1)

/* One nc-subnet network, inside NC_POL_ATTR_SUBNETS. */
enum nc_subnet_attr {
	NC_SUBNET_ATTR_UNSPEC,
	NC_SUBNET_ATTR_NET,	/* nest, enum nc_addr_attr with PLEN */
	__NC_SUBNET_ATTR_MAX
};
#define NC_SUBNET_ATTR_MAX (__NC_SUBNET_ATTR_MAX - 1)

/* An address: a client, a class, a network or a real server. */
enum nc_addr_attr {
	NC_ADDR_ATTR_UNSPEC,
	NC_ADDR_ATTR_AF,	/* u16 */
	NC_ADDR_ATTR_ADDR,	/* binary, 4 or 16 bytes */
	NC_ADDR_ATTR_PLEN,	/* u8, networks and classes */
	NC_ADDR_ATTR_PORT,	/* u16, network byte order; real servers */
	__NC_ADDR_ATTR_MAX
};
#define NC_ADDR_ATTR_MAX (__NC_ADDR_ATTR_MAX - 1)

/* One sticky-table entry, inside NC_ATTR_ENTRY. */
enum nc_entry_attr {
	NC_ENTRY_ATTR_UNSPEC,
	NC_ENTRY_ATTR_CLASS,	/* nest, enum nc_addr_attr (AF, ADDR, PLEN) */
	NC_ENTRY_ATTR_DEST,	/* nest, enum nc_addr_attr (AF, ADDR, PORT) */
	NC_ENTRY_ATTR_AGE_MS,	/* u64, since the entry was made */
	NC_ENTRY_ATTR_IDLE_MS,	/* u64, since the class's last new connection */
	NC_ENTRY_ATTR_LEFT_MS,	/* u64, until it expires (0: expired) */
	NC_ENTRY_ATTR_CONNS,	/* u64, connections scheduled by it */
	NC_ENTRY_ATTR_PAD,
	__NC_ENTRY_ATTR_MAX
};
#define NC_ENTRY_ATTR_MAX (__NC_ENTRY_ATTR_MAX - 1)

/* Servers of weight 0, inside NC_ATTR_DRAINING. */
enum nc_draining_attr {
	NC_DRAINING_ATTR_UNSPEC,
	NC_DRAINING_ATTR_SERVER,	/* nest, enum nc_drain_srv_attr */
	__NC_DRAINING_ATTR_MAX
};
#define NC_DRAINING_ATTR_MAX (__NC_DRAINING_ATTR_MAX - 1)

enum nc_drain_srv_attr {
	NC_DRAIN_SRV_ATTR_UNSPEC,
	NC_DRAIN_SRV_ATTR_DEST,		/* nest, enum nc_addr_attr (AF, ADDR, PORT) */
	NC_DRAIN_SRV_ATTR_SINCE_MS,	/* u64, since its weight became 0 */
	NC_DRAIN_SRV_ATTR_LEFT_MS,	/* u64, to the deadline (0: past it);
					 * only under NC_DRAIN_DEADLINE */
	NC_DRAIN_SRV_ATTR_PAD,
	__NC_DRAIN_SRV_ATTR_MAX
};
#define NC_DRAIN_SRV_ATTR_MAX (__NC_DRAIN_SRV_ATTR_MAX - 1)

/* Pins of a service, inside NC_ATTR_PINS, longest network first. */
enum nc_pins_attr {
	NC_PINS_ATTR_UNSPEC,
	NC_PINS_ATTR_PIN,		/* nest, enum nc_pin_attr */
	__NC_PINS_ATTR_MAX
};
#define NC_PINS_ATTR_MAX (__NC_PINS_ATTR_MAX - 1)

/**
 * enum nc_pin_state - what a pin does now
 * @NC_PIN_FOLLOWED: its clients go to its server
 * @NC_PIN_DRAINING: the server has weight 0 and the drain rule keeps
 *	the pinned network there (keep, or deadline not yet past)
 * @NC_PIN_DRAINED: the server has weight 0 and the drain rule sends the
 *	network's clients to the first pick (repick, deadline past)
 * @NC_PIN_REMOVED: the server is not in the service (first pick too)
 */
enum nc_pin_state {
	NC_PIN_FOLLOWED = 0,
	NC_PIN_DRAINING = 1,
	NC_PIN_DRAINED = 2,
	NC_PIN_REMOVED = 3,
	__NC_PIN_STATE_MAX
};

enum nc_pin_attr {
	NC_PIN_ATTR_UNSPEC,
	NC_PIN_ATTR_NET,	/* nest, enum nc_addr_attr (AF, ADDR, PLEN) */
	NC_PIN_ATTR_DEST,	/* nest, enum nc_addr_attr (AF, ADDR, PORT) */
	NC_PIN_ATTR_CONNS,	/* u64, connections sent by the pin */
	NC_PIN_ATTR_STATE,	/* u8, enum nc_pin_state */
	NC_PIN_ATTR_PAD,
	__NC_PIN_ATTR_MAX
};
#define NC_PIN_ATTR_MAX (__NC_PIN_ATTR_MAX - 1)

/* Counters of a service, all u64, since the service got nc. */
enum nc_stats_attr {
	NC_STATS_ATTR_UNSPEC,
	NC_STATS_ATTR_LOOKUPS,	/* connections scheduled */
	NC_STATS_ATTR_HITS,	/* ... that followed a valid entry */
	NC_STATS_ATTR_NEW,	/* ... of a class with no entry */
	NC_STATS_ATTR_EXPIRED,	/* entries that ran out of sticky time */
	NC_STATS_ATTR_REPICKED,	/* classes moved: server removed or drained */
	NC_STATS_ATTR_OVERFLOW,	/* choices not remembered: table full */
	NC_STATS_ATTR_ENTRIES,	/* entries now */
	NC_STATS_ATTR_NOSERVER,	/* connections with no server available */
	NC_STATS_ATTR_PAD,
	NC_STATS_ATTR_SPILLED,	/* new classes the load bound sent past
				 * their hash owner (it was over the bound) */
	NC_STATS_ATTR_HANDED_BACK, /* idle classes moved to their hash owner */
	NC_STATS_ATTR_PINNED,	/* connections sent by a pin */
	NC_STATS_ATTR_PINS,	/* pins now */
	__NC_STATS_ATTR_MAX
};
#define NC_STATS_ATTR_MAX (__NC_STATS_ATTR_MAX - 1)

#endif /* _UAPI_IP_VS_NC_H */
