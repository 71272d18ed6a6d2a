// SPDX-License-Identifier: GPL-2.0
/*
 * The "IPVS_NC" generic netlink family: policy, table and counters of nc
 * services. The ABI is documented in include/ip_vs_nc.h.
 *
 * Services are found through the registry of nc tables in nc_table.c
 * (IPVS does not export its service lookup). Every request that finds a
 * table, or changes a policy, holds the registry lock for its duration:
 * a table cannot go away under it, and two policy edits cannot lose one.
 * Engine policies are edited under their own lock in nc_pe.c, never with
 * the registry's. Nothing here calls into IPVS with a lock held, so the
 * order of nc.h holds.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>

#include "nc.h"

static const struct nla_policy nc_addr_policy[NC_ADDR_ATTR_MAX + 1] = {
	[NC_ADDR_ATTR_AF]	= { .type = NLA_U16 },
	[NC_ADDR_ATTR_ADDR]	= { .type = NLA_BINARY, .len = 16 },
	[NC_ADDR_ATTR_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[NC_ADDR_ATTR_PORT]	= { .type = NLA_U16 },
};

static const struct nla_policy nc_subnets_policy[NC_SUBNET_ATTR_MAX + 1] = {
	[NC_SUBNET_ATTR_NET]	= NLA_POLICY_NESTED(nc_addr_policy),
};

static const struct nla_policy nc_pol_policy[NC_POL_ATTR_MAX + 1] = {
	[NC_POL_ATTR_KEY]	= NLA_POLICY_MAX(NLA_U8, __NC_KEY_MAX - 1),
	[NC_POL_ATTR_PLEN4]	= NLA_POLICY_MAX(NLA_U8, 32),
	[NC_POL_ATTR_PLEN6]	= NLA_POLICY_MAX(NLA_U8, 128),
	[NC_POL_ATTR_STICKY]	= { .type = NLA_U32 },	/* range: nc_policy_check */
	[NC_POL_ATTR_PICK]	= NLA_POLICY_MAX(NLA_U8, __NC_PICK_MAX - 1),
	[NC_POL_ATTR_DRAIN]	= NLA_POLICY_MAX(NLA_U8, __NC_DRAIN_MAX - 1),
	[NC_POL_ATTR_MAX_ENTRIES] = { .type = NLA_U32 },
	[NC_POL_ATTR_BOUND] = { .type = NLA_U32 },
	[NC_POL_ATTR_DRAIN_SECS] = { .type = NLA_U32 },	/* nc_policy_check */
	[NC_POL_ATTR_HANDBACK_IDLE] = { .type = NLA_U32 },
	[NC_POL_ATTR_HANDBACK_RATE] = { .type = NLA_U32 },
	[NC_POL_ATTR_SUBNETS]	= NLA_POLICY_NESTED(nc_subnets_policy),
};

/* NC_CMD_SET_ENTRY's entry: the attributes a saved entry has. */
static const struct nla_policy nc_entry_policy[NC_ENTRY_ATTR_MAX + 1] = {
	[NC_ENTRY_ATTR_CLASS]	= NLA_POLICY_NESTED(nc_addr_policy),
	[NC_ENTRY_ATTR_DEST]	= NLA_POLICY_NESTED(nc_addr_policy),
	[NC_ENTRY_ATTR_LEFT_MS]	= { .type = NLA_U64 },
	[NC_ENTRY_ATTR_AGE_MS]	= { .type = NLA_REJECT },
	[NC_ENTRY_ATTR_IDLE_MS]	= { .type = NLA_REJECT },
	[NC_ENTRY_ATTR_CONNS]	= { .type = NLA_REJECT },
	[NC_ENTRY_ATTR_PAD]	= { .type = NLA_REJECT },
};

static const struct nla_policy nc_svc_policy[NC_SVC_ATTR_MAX + 1] = {
	[NC_SVC_ATTR_AF]	= { .type = NLA_U16 },
	[NC_SVC_ATTR_PROTOCOL]	= { .type = NLA_U16 },
	[NC_SVC_ATTR_ADDR]	= { .type = NLA_BINARY, .len = 16 },
	[NC_SVC_ATTR_PORT]	= { .type = NLA_U16 },
	[NC_SVC_ATTR_FWMARK]	= { .type = NLA_U32 },
};

static const struct nla_policy nc_attr_policy[NC_ATTR_MAX + 1] = {
	[NC_ATTR_SERVICE]	= NLA_POLICY_NESTED(nc_svc_policy),
	[NC_ATTR_POLICY]	= NLA_POLICY_NESTED(nc_pol_policy),
	[NC_ATTR_STATS]		= { .type = NLA_REJECT },
	[NC_ATTR_ENTRY]		= NLA_POLICY_NESTED(nc_entry_policy),
	[NC_ATTR_CLASS]		= NLA_POLICY_NESTED(nc_addr_policy),
	[NC_ATTR_DEST]		= NLA_POLICY_NESTED(nc_addr_policy),
	[NC_ATTR_FLUSHED]	= { .type = NLA_REJECT },
	[NC_ATTR_DRAINING]	= { .type = NLA_REJECT },
	[NC_ATTR_PAD]		= { .type = NLA_REJECT },
	[NC_ATTR_ENGINE]	= { .type = NLA_FLAG },
	[NC_ATTR_PINS]		= { .type = NLA_REJECT },
};

static struct genl_family nc_genl_family;

/* extack messages here are static strings, as NL_SET_ERR_MSG needs. */
static int nc_err(struct netlink_ext_ack *extack, const struct nlattr *attr,
		  const char *msg, int err)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
	return err;
}

struct nc_addr {
	u16 af;
	union nf_inet_addr addr;
	int plen;		/* -1: absent */
	int port;		/* -1: absent; else network order value */
};

static int nc_parse_addr_bytes(const struct nlattr *a, u16 af,
			       union nf_inet_addr *out,
			       struct netlink_ext_ack *extack)
{
	int len = nla_len(a);

	memset(out, 0, sizeof(*out));
	/* libipvs sends IPv4 addresses in 16-byte buffers: accept both. */
	if (af == AF_INET && (len == 4 || len == 16)) {
		memcpy(&out->ip, nla_data(a), 4);
		return 0;
	}
	if (af == AF_INET6 && len == 16) {
		memcpy(&out->in6, nla_data(a), 16);
		return 0;
	}
	return nc_err(extack, a, "address length does not match its family",
		      -EINVAL);
}

static int nc_parse_af(const struct nlattr *a, u16 *af,
		       struct netlink_ext_ack *extack)
{
	*af = nla_get_u16(a);
	if (*af == AF_INET)
		return 0;
#ifdef CONFIG_IP_VS_IPV6
	if (*af == AF_INET6)
		return 0;
#endif
	return nc_err(extack, a, "address family must be AF_INET or AF_INET6",
		      -EAFNOSUPPORT);
}

static int nc_parse_addr(const struct nlattr *nest, struct nc_addr *out,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NC_ADDR_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NC_ADDR_ATTR_MAX, nest, nc_addr_policy,
			       extack);
	if (err)
		return err;
	if (!tb[NC_ADDR_ATTR_AF] || !tb[NC_ADDR_ATTR_ADDR])
		return nc_err(extack, nest, "address needs a family and an address",
			      -EINVAL);
	err = nc_parse_af(tb[NC_ADDR_ATTR_AF], &out->af, extack);
	if (err)
		return err;
	err = nc_parse_addr_bytes(tb[NC_ADDR_ATTR_ADDR], out->af, &out->addr,
				  extack);
	if (err)
		return err;
	out->plen = tb[NC_ADDR_ATTR_PLEN] ? nla_get_u8(tb[NC_ADDR_ATTR_PLEN]) : -1;
	out->port = tb[NC_ADDR_ATTR_PORT] ?
		    (__force u16)nla_get_be16(tb[NC_ADDR_ATTR_PORT]) : -1;
	return 0;
}

static int nc_parse_service(struct nlattr **attrs, struct nc_svc_id *id,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NC_SVC_ATTR_MAX + 1];
	struct nlattr *nest = attrs[NC_ATTR_SERVICE];
	int err;

	if (!nest)
		return nc_err(extack, NULL, "missing service (NC_ATTR_SERVICE)",
			      -EINVAL);
	err = nla_parse_nested(tb, NC_SVC_ATTR_MAX, nest, nc_svc_policy, extack);
	if (err)
		return err;
	memset(id, 0, sizeof(*id));
	if (!tb[NC_SVC_ATTR_AF])
		return nc_err(extack, nest, "service needs an address family",
			      -EINVAL);
	err = nc_parse_af(tb[NC_SVC_ATTR_AF], &id->af, extack);
	if (err)
		return err;
	if (tb[NC_SVC_ATTR_FWMARK]) {
		id->fwmark = nla_get_u32(tb[NC_SVC_ATTR_FWMARK]);
		if (!id->fwmark)
			return nc_err(extack, tb[NC_SVC_ATTR_FWMARK],
				      "fwmark must not be 0", -EINVAL);
		return 0;
	}
	if (!tb[NC_SVC_ATTR_PROTOCOL] || !tb[NC_SVC_ATTR_ADDR] ||
	    !tb[NC_SVC_ATTR_PORT])
		return nc_err(extack, nest,
			      "service needs a fwmark, or protocol, address and port",
			      -EINVAL);
	id->protocol = nla_get_u16(tb[NC_SVC_ATTR_PROTOCOL]);
	id->port = nla_get_be16(tb[NC_SVC_ATTR_PORT]);
	return nc_parse_addr_bytes(tb[NC_SVC_ATTR_ADDR], id->af, &id->addr,
				   extack);
}

static struct nc_table *nc_find_or_err(struct net *net, struct nlattr **attrs,
				       struct netlink_ext_ack *extack, int *err)
{
	struct nc_svc_id id;
	struct nc_table *t;

	*err = nc_parse_service(attrs, &id, extack);
	if (*err)
		return NULL;
	t = nc_registry_find(net, &id);
	if (!t)
		*err = nc_err(extack, attrs[NC_ATTR_SERVICE],
			      "no such service with scheduler nc", -ENOENT);
	return t;
}

static int nc_put_addr(struct sk_buff *skb, int type, u16 af,
		       const union nf_inet_addr *addr, int plen, int port)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    nla_put_u16(skb, NC_ADDR_ATTR_AF, af) ||
	    nla_put(skb, NC_ADDR_ATTR_ADDR, af == AF_INET ? 4 : 16, addr) ||
	    (plen >= 0 && nla_put_u8(skb, NC_ADDR_ATTR_PLEN, plen)) ||
	    (port >= 0 && nla_put_be16(skb, NC_ADDR_ATTR_PORT, (__force __be16)port)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int nc_put_service(struct sk_buff *skb, const struct nc_svc_id *id)
{
	struct nlattr *nest = nla_nest_start(skb, NC_ATTR_SERVICE);

	if (!nest || nla_put_u16(skb, NC_SVC_ATTR_AF, id->af))
		return -EMSGSIZE;
	if (id->fwmark) {
		if (nla_put_u32(skb, NC_SVC_ATTR_FWMARK, id->fwmark))
			return -EMSGSIZE;
	} else if (nla_put_u16(skb, NC_SVC_ATTR_PROTOCOL, id->protocol) ||
		   nla_put(skb, NC_SVC_ATTR_ADDR, id->af == AF_INET ? 4 : 16,
			   &id->addr) ||
		   nla_put_be16(skb, NC_SVC_ATTR_PORT, id->port)) {
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int nc_fill_service(struct sk_buff *skb, const struct ip_vs_service *svc)
{
	struct nc_svc_id id;

	nc_svc_id_of(svc, &id);
	return nc_put_service(skb, &id);
}

static void nc_subnet_to_inet(const struct nc_subnet *s, u16 *af,
			      union nf_inet_addr *a)
{
	memset(a, 0, sizeof(*a));
	*af = s->family == NC_FAMILY_INET ? AF_INET : AF_INET6;
	memcpy(a, s->addr, s->family == NC_FAMILY_INET ? 4 : 16);
}

/* A network (an nc-subnet, a pin, a class key's) as an address nest. */
static int nc_put_net(struct sk_buff *skb, int type, const struct nc_subnet *s)
{
	union nf_inet_addr a;
	u16 af;

	nc_subnet_to_inet(s, &af, &a);
	return nc_put_addr(skb, type, af, &a, s->plen, -1);
}

static int nc_put_class(struct sk_buff *skb, int type,
			const struct nc_class_key *key)
{
	struct nc_subnet s;

	nc_key_subnet(key, &s);
	return nc_put_net(skb, type, &s);
}

/* A copy of the policy in force, -b flags folded in, to edit. */
static void nc_policy_in_force(struct nc_table *t, struct nc_policy *p)
{
	const struct nc_policy_rcu *pol;
	unsigned int key, pick, drain;

	rcu_read_lock();
	pol = rcu_dereference(t->policy);
	*p = pol->p;
	nc_effective_policy(t->svc, pol, &key, &pick, &drain);
	rcu_read_unlock();
	p->key_mode = key;
	p->pick = pick;
	p->drain = drain;
}

/* The class part of a policy: key, prefix lengths, nc-subnet list. */
static int nc_put_class_policy(struct sk_buff *skb, const struct nc_policy *p,
			       unsigned int key)
{
	struct nlattr *list;
	u32 i;

	if (nla_put_u8(skb, NC_POL_ATTR_KEY, key) ||
	    nla_put_u8(skb, NC_POL_ATTR_PLEN4, p->plen4) ||
	    nla_put_u8(skb, NC_POL_ATTR_PLEN6, p->plen6))
		return -EMSGSIZE;
	list = nla_nest_start(skb, NC_POL_ATTR_SUBNETS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < p->n_subnets; i++)
		if (nc_put_net(skb, NC_SUBNET_ATTR_NET, &p->subnets[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	return 0;
}

static int nc_fill_policy_rcu(struct sk_buff *skb, struct nc_table *t)
{
	const struct nc_policy_rcu *pol = rcu_dereference(t->policy);
	const struct nc_policy *p = &pol->p;
	unsigned int key, pick, drain;
	struct nlattr *nest;

	nc_effective_policy(t->svc, pol, &key, &pick, &drain);
	nest = nla_nest_start(skb, NC_ATTR_POLICY);
	if (!nest ||
	    nc_put_class_policy(skb, p, key) ||
	    nla_put_u32(skb, NC_POL_ATTR_STICKY, p->sticky_secs) ||
	    nla_put_u8(skb, NC_POL_ATTR_PICK, pick) ||
	    nla_put_u8(skb, NC_POL_ATTR_DRAIN, drain) ||
	    nla_put_u32(skb, NC_POL_ATTR_MAX_ENTRIES, p->max_entries) ||
	    nla_put_u32(skb, NC_POL_ATTR_BOUND, p->bound) ||
	    nla_put_u32(skb, NC_POL_ATTR_DRAIN_SECS, p->drain_secs) ||
	    nla_put_u32(skb, NC_POL_ATTR_HANDBACK_IDLE, p->handback_idle) ||
	    nla_put_u32(skb, NC_POL_ATTR_HANDBACK_RATE, p->handback_rate))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The policy in force, with ipvsadm -b flags folded in. */
static int nc_fill_policy(struct sk_buff *skb, struct nc_table *t)
{
	int err;

	rcu_read_lock();
	err = nc_fill_policy_rcu(skb, t);
	rcu_read_unlock();
	return err;
}

static int nc_fill_stats(struct sk_buff *skb, struct nc_table *t)
{
	struct nlattr *nest = nla_nest_start(skb, NC_ATTR_STATS);
	struct nc_stats s;

	nc_table_sum_stats(t, &s);
	if (!nest ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_LOOKUPS, s.lookups, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_HITS, s.hits, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_NEW, s.new, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_EXPIRED, s.expired, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_REPICKED, s.repicked, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_OVERFLOW, s.overflow, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_ENTRIES, nc_table_entries(t),
			      NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_NOSERVER, s.noserver, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_SPILLED, s.spilled, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_HANDED_BACK, s.handed_back,
			      NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_PINNED, s.pinned, NC_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_STATS_ATTR_PINS, nc_pin_count(t),
			      NC_STATS_ATTR_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

struct nc_drain_fill {
	struct sk_buff	*skb;
	u32		deadline_ms;	/* 0: no deadline rule */
};

static int nc_put_drain(const struct ip_vs_dest *d, unsigned long since,
			void *arg)
{
	struct nc_drain_fill *f = arg;
	u64 ms = jiffies_to_msecs(since);
	struct nlattr *nest = nla_nest_start(f->skb, NC_DRAINING_ATTR_SERVER);

	if (!nest ||
	    nc_put_addr(f->skb, NC_DRAIN_SRV_ATTR_DEST, d->af, &d->addr, -1,
			(__force u16)d->port) ||
	    nla_put_u64_64bit(f->skb, NC_DRAIN_SRV_ATTR_SINCE_MS, ms,
			      NC_DRAIN_SRV_ATTR_PAD) ||
	    (f->deadline_ms &&
	     nla_put_u64_64bit(f->skb, NC_DRAIN_SRV_ATTR_LEFT_MS,
			       ms < f->deadline_ms ? f->deadline_ms - ms : 0,
			       NC_DRAIN_SRV_ATTR_PAD)))
		return -EMSGSIZE;
	nla_nest_end(f->skb, nest);
	return 0;
}

/* The service's servers of weight 0: since when, time to the deadline. */
static int nc_fill_draining(struct sk_buff *skb, struct nc_table *t)
{
	struct nc_drain_fill f = { .skb = skb };
	const struct nc_policy *p;
	struct nlattr *nest;
	int err;

	rcu_read_lock();
	p = &rcu_dereference(t->policy)->p;
	if (p->drain == NC_DRAIN_DEADLINE)
		f.deadline_ms = p->drain_secs * MSEC_PER_SEC;
	nest = nla_nest_start(skb, NC_ATTR_DRAINING);
	err = nest ? nc_drain_for_each(t, nc_put_drain, &f) : -EMSGSIZE;
	rcu_read_unlock();
	if (err)
		return err;
	nla_nest_end(skb, nest);
	return 0;
}

static int nc_fill_svc_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			   struct nc_table *t)
{
	void *hdr = genlmsg_put(skb, portid, seq, &nc_genl_family, flags,
				NC_CMD_GET_SERVICE);

	if (!hdr)
		return -EMSGSIZE;
	if (nc_fill_service(skb, t->svc) || nc_fill_policy(skb, t) ||
	    nc_fill_stats(skb, t) || nc_fill_draining(skb, t)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* NC_CMD_GET_SERVICE with NC_ATTR_ENGINE: the engine policy in force. */
static int nc_genl_get_engine(struct genl_info *info)
{
	struct nc_policy *p;
	struct sk_buff *msg;
	struct nc_svc_id id;
	struct nlattr *nest;
	void *hdr;
	int err;

	err = nc_parse_service(info->attrs, &id, info->extack);
	if (err)
		return err;
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = -ENOMEM;
	if (!p || !msg)
		goto out;
	nc_pe_policy_get(genl_info_net(info), &id, p);
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &nc_genl_family, 0,
				NC_CMD_GET_SERVICE);
	if (!hdr || nc_put_service(msg, &id) ||
	    nla_put_flag(msg, NC_ATTR_ENGINE))
		goto out;
	nest = nla_nest_start(msg, NC_ATTR_POLICY);
	if (!nest || nc_put_class_policy(msg, p, p->key_mode))
		goto out;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	kfree(p);
	return genlmsg_reply(msg, info);
out:
	nlmsg_free(msg);
	kfree(p);
	return err;
}

static int nc_genl_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct nc_table *t;
	int err;

	if (info->attrs[NC_ATTR_ENGINE])
		return nc_genl_get_engine(info);
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t)
		err = nc_fill_svc_msg(msg, info->snd_portid, info->snd_seq, 0, t);
	nc_registry_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int nc_genl_dump_services(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long idx, start = cb->args[0];
	struct nc_table *t;

	nc_registry_lock();
	for (idx = start; (t = nc_registry_nth(net, idx)); idx++)
		if (nc_fill_svc_msg(skb, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, t))
			break;
	nc_registry_unlock();
	cb->args[0] = idx;
	return skb->len;
}

/* Replace @p's nc-subnet list with the networks of @nest. */
static int nc_parse_subnets(const struct nlattr *nest, struct nc_policy *p,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	const char *why;
	int err, rem;

	p->n_subnets = 0;
	memset(p->subnets, 0, sizeof(p->subnets));
	nla_for_each_nested(a, nest, rem) {
		struct nc_addr net;

		err = nc_parse_addr(a, &net, extack);
		if (err)
			return err;
		if (net.plen < 0)
			return nc_err(extack, a,
				      "nc-subnet network needs a prefix length",
				      -EINVAL);
		why = nc_policy_add_subnet(p, net.af == AF_INET ? NC_FAMILY_INET
							       : NC_FAMILY_INET6,
					   (const u8 *)&net.addr, net.plen);
		if (why)
			return nc_err(extack, a, why,
				      strcmp(why, NC_ERR_SUBNET_COUNT) ? -EINVAL : -E2BIG);
	}
	return 0;
}

/*
 * Apply the policy attributes present in @nest on top of @p; for the
 * engine (@engine) only the class attributes.
 */
static int nc_parse_policy(const struct nlattr *nest, struct nc_policy *p,
			   bool engine, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NC_POL_ATTR_MAX + 1];
	const struct nlattr *a;
	const char *why;
	int err;

	err = nla_parse_nested(tb, NC_POL_ATTR_MAX, nest, nc_pol_policy, extack);
	if (err)
		return err;
	a = tb[NC_POL_ATTR_STICKY] ?: tb[NC_POL_ATTR_PICK] ?:
	    tb[NC_POL_ATTR_DRAIN] ?: tb[NC_POL_ATTR_MAX_ENTRIES] ?:
	    tb[NC_POL_ATTR_BOUND] ?: tb[NC_POL_ATTR_DRAIN_SECS] ?:
	    tb[NC_POL_ATTR_HANDBACK_IDLE] ?: tb[NC_POL_ATTR_HANDBACK_RATE];
	if (engine && a)
		return nc_err(extack, a,
			      "the persistence engine takes only the class key, prefix lengths and nc-subnet list",
			      -EINVAL);
	if (tb[NC_POL_ATTR_KEY])
		p->key_mode = nla_get_u8(tb[NC_POL_ATTR_KEY]);
	if (tb[NC_POL_ATTR_PLEN4])
		p->plen4 = nla_get_u8(tb[NC_POL_ATTR_PLEN4]);
	if (tb[NC_POL_ATTR_PLEN6])
		p->plen6 = nla_get_u8(tb[NC_POL_ATTR_PLEN6]);
	if (tb[NC_POL_ATTR_PICK])
		p->pick = nla_get_u8(tb[NC_POL_ATTR_PICK]);
	if (tb[NC_POL_ATTR_DRAIN]) {
		p->drain = nla_get_u8(tb[NC_POL_ATTR_DRAIN]);
		p->drain_secs = 0;	/* unless given with it */
	}
	if (tb[NC_POL_ATTR_DRAIN_SECS])
		p->drain_secs = nla_get_u32(tb[NC_POL_ATTR_DRAIN_SECS]);
	if (tb[NC_POL_ATTR_HANDBACK_IDLE])
		p->handback_idle = nla_get_u32(tb[NC_POL_ATTR_HANDBACK_IDLE]);
	if (tb[NC_POL_ATTR_HANDBACK_RATE])
		p->handback_rate = nla_get_u32(tb[NC_POL_ATTR_HANDBACK_RATE]);
	if (tb[NC_POL_ATTR_STICKY]) {
		p->sticky_secs = nla_get_u32(tb[NC_POL_ATTR_STICKY]);
		why = nc_check_sticky(p->sticky_secs);
		if (why)
			return nc_err(extack, tb[NC_POL_ATTR_STICKY], why, -ERANGE);
	}
	if (tb[NC_POL_ATTR_MAX_ENTRIES]) {
		p->max_entries = nla_get_u32(tb[NC_POL_ATTR_MAX_ENTRIES]);
		why = nc_check_max_entries(p->max_entries);
		if (why)
			return nc_err(extack, tb[NC_POL_ATTR_MAX_ENTRIES], why,
				      -ERANGE);
	}
	if (tb[NC_POL_ATTR_BOUND]) {
		p->bound = nla_get_u32(tb[NC_POL_ATTR_BOUND]);
		why = nc_check_bound(p->bound);
		if (why)
			return nc_err(extack, tb[NC_POL_ATTR_BOUND], why, -ERANGE);
	}
	if (tb[NC_POL_ATTR_SUBNETS]) {
		err = nc_parse_subnets(tb[NC_POL_ATTR_SUBNETS], p, extack);
		if (err)
			return err;
	}
	why = nc_policy_check(p);
	if (why)
		return nc_err(extack, nest, why, -EINVAL);
	return 0;
}

struct nc_engine_edit {
	const struct nlattr		*nest;
	struct netlink_ext_ack		*extack;
};

static int nc_apply_engine_edit(struct nc_policy *p, void *arg)
{
	const struct nc_engine_edit *e = arg;

	return nc_parse_policy(e->nest, p, true, e->extack);
}

/* NC_CMD_SET_POLICY with NC_ATTR_ENGINE: one edit under nc_pe_mutex. */
static int nc_set_engine_policy(struct genl_info *info)
{
	struct nc_engine_edit e = {
		.nest = info->attrs[NC_ATTR_POLICY], .extack = info->extack,
	};
	struct nc_svc_id id;
	int err;

	err = nc_parse_service(info->attrs, &id, info->extack);
	if (err)
		return err;
	return nc_pe_policy_edit(genl_info_net(info), &id,
				 nc_apply_engine_edit, &e);
}

static int nc_genl_set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nc_policy *p;
	struct nc_table *t;
	int err;

	if (!info->attrs[NC_ATTR_POLICY])
		return nc_err(info->extack, NULL, "missing policy (NC_ATTR_POLICY)",
			      -EINVAL);
	if (info->attrs[NC_ATTR_ENGINE])
		return nc_set_engine_policy(info);
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t) {
		nc_policy_in_force(t, p);
		err = nc_parse_policy(info->attrs[NC_ATTR_POLICY], p, false,
				      info->extack);
	}
	if (!err)
		err = nc_table_set_policy(t, p);
	nc_registry_unlock();
	kfree(p);
	return err;
}

/* Reply to @info with NC_ATTR_FLUSHED = @n in @msg, unless @err. */
static int nc_reply_count(struct genl_info *info, struct sk_buff *msg, u8 cmd,
			  unsigned int n, int err)
{
	void *hdr;

	if (err)
		goto fail;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &nc_genl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, NC_ATTR_FLUSHED, n))
		goto fail;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
fail:
	nlmsg_free(msg);
	return err;
}

static bool nc_match_key(const struct nc_entry *e, const void *key)
{
	return nc_class_key_equal(&e->key, key);
}

/* Is @d the real server @srv (any port when it names none)? */
static bool nc_dest_is(const struct ip_vs_dest *d, const struct nc_addr *srv)
{
	return d->af == srv->af && ip_vs_addr_equal(d->af, &d->addr, &srv->addr) &&
	       (srv->port < 0 || (__force u16)d->port == srv->port);
}

static bool nc_match_server(const struct nc_entry *e, const void *arg)
{
	return nc_dest_is(e->dest, arg);
}

/* The class of address @a under the policy in force. */
static void nc_class_of(struct nc_table *t, const struct nc_addr *a,
			struct nc_class_key *key)
{
	const struct nc_policy_rcu *pol;
	unsigned int kmode, pick, drain;

	rcu_read_lock();
	pol = rcu_dereference(t->policy);
	nc_effective_policy(t->svc, pol, &kmode, &pick, &drain);
	nc_addr_key(&pol->p, kmode, a->af, &a->addr, key);
	rcu_read_unlock();
}

static int nc_genl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nc_class_key key;
	struct nc_addr addr;
	struct sk_buff *msg;
	struct nc_table *t;
	unsigned int n = 0;
	int err;

	if (attrs[NC_ATTR_CLASS] && attrs[NC_ATTR_DEST])
		return nc_err(info->extack, attrs[NC_ATTR_DEST],
			      "flush a class or a real server, not both", -EINVAL);
	if (attrs[NC_ATTR_CLASS] || attrs[NC_ATTR_DEST]) {
		err = nc_parse_addr(attrs[NC_ATTR_CLASS] ?: attrs[NC_ATTR_DEST],
				    &addr, info->extack);
		if (err)
			return err;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), attrs, info->extack, &err);
	if (t && attrs[NC_ATTR_CLASS]) {
		nc_class_of(t, &addr, &key);
		n = nc_table_remove_if(t, nc_match_key, &key, NC_REMOVE_FLUSH);
	} else if (t && attrs[NC_ATTR_DEST]) {
		n = nc_table_remove_if(t, nc_match_server, &addr, NC_REMOVE_FLUSH);
	} else if (t) {
		n = nc_table_remove_if(t, NULL, NULL, NC_REMOVE_FLUSH);
	}
	nc_registry_unlock();
	return nc_reply_count(info, msg, NC_CMD_FLUSH, n, err);
}

static int nc_genl_del_engine(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sk_buff *msg;
	struct nc_svc_id id;
	unsigned int n;
	int err;

	if (info->attrs[NC_ATTR_SERVICE]) {
		err = nc_parse_service(info->attrs, &id, info->extack);
		if (err)
			return err;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	n = nc_pe_policy_forget(net, info->attrs[NC_ATTR_SERVICE] ? &id : NULL);
	return nc_reply_count(info, msg, NC_CMD_DEL_ENGINE, n, 0);
}

/*
 * Pins and moves name a class (NC_ATTR_CLASS) and a real server
 * (NC_ATTR_DEST, with its port).
 */
/* A real server named with its port (pins, moves, saved entries). */
static int nc_parse_server(const struct nlattr *attr, struct nc_addr *srv,
			   struct netlink_ext_ack *extack)
{
	int err = nc_parse_addr(attr, srv, extack);

	if (!err && srv->port < 0)
		err = nc_err(extack, attr, "real server needs a port", -EINVAL);
	return err;
}

static int nc_parse_class_dest(struct genl_info *info, struct nc_addr *cls,
			       struct nc_addr *srv)
{
	struct nlattr **attrs = info->attrs;
	int err;

	if (!attrs[NC_ATTR_CLASS] || !attrs[NC_ATTR_DEST])
		return nc_err(info->extack, NULL,
			      "needs a class (NC_ATTR_CLASS) and a real server (NC_ATTR_DEST)",
			      -EINVAL);
	err = nc_parse_addr(attrs[NC_ATTR_CLASS], cls, info->extack);
	if (!err)
		err = nc_parse_server(attrs[NC_ATTR_DEST], srv, info->extack);
	return err;
}

/* The network @a names (it has a prefix length), no host bits set. */
static int nc_net_of(const struct nlattr *attr, const struct nc_addr *a,
		     struct nc_subnet *net, struct netlink_ext_ack *extack)
{
	u8 family = a->af == AF_INET ? NC_FAMILY_INET : NC_FAMILY_INET6;
	const char *why;

	why = nc_subnet_set(net, family, (const u8 *)&a->addr, a->plen);
	if (!why && memcmp(net->addr, &a->addr, a->af == AF_INET ? 4 : 16))
		why = "network has host bits set";
	return why ? nc_err(extack, attr, why, -EINVAL) : 0;
}

/*
 * The network a pin request names: with a prefix length that network,
 * else the class of the address.
 */
static int nc_pin_net_of(struct nc_table *t, const struct nlattr *attr,
			 const struct nc_addr *a, struct nc_subnet *net,
			 struct netlink_ext_ack *extack)
{
	struct nc_class_key key;

	if (a->plen >= 0)
		return nc_net_of(attr, a, net, extack);
	nc_class_of(t, a, &key);
	nc_key_subnet(&key, net);
	return 0;
}

/* The service's real server @srv, under RCU; NULL if it has none. */
static struct ip_vs_dest *nc_find_dest_rcu(struct ip_vs_service *svc,
					   const struct nc_addr *srv)
{
	struct ip_vs_dest *d;

	list_for_each_entry_rcu(d, &svc->destinations, n_list)
		if (nc_dest_is(d, srv))
			return d;
	return NULL;
}

/* The same, with a reference for the caller. */
static struct ip_vs_dest *nc_find_dest(struct ip_vs_service *svc,
				       const struct nc_addr *srv)
{
	struct ip_vs_dest *d;

	rcu_read_lock();
	d = nc_find_dest_rcu(svc, srv);
	if (d)
		ip_vs_dest_hold(d);
	rcu_read_unlock();
	return d;
}

static int nc_genl_set_pin(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nc_addr cls, srv;
	struct ip_vs_dest *dest;
	struct nc_subnet net;
	struct nc_table *t;
	int err;

	err = nc_parse_class_dest(info, &cls, &srv);
	if (err)
		return err;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), attrs, info->extack, &err);
	if (t)
		err = nc_pin_net_of(t, attrs[NC_ATTR_CLASS], &cls, &net,
				    info->extack);
	if (t && !err) {
		dest = nc_find_dest(t->svc, &srv);
		if (!dest)
			err = nc_err(info->extack, attrs[NC_ATTR_DEST],
				     NC_ERR_PIN_SERVER, -ENOENT);
		else
			err = nc_pin_set(t, &net, dest);
		if (err == -E2BIG)
			nc_err(info->extack, attrs[NC_ATTR_CLASS],
			       NC_ERR_PIN_COUNT, err);
	}
	nc_registry_unlock();
	return err;
}

static int nc_genl_del_pin(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *cls_attr = info->attrs[NC_ATTR_CLASS];
	struct nc_subnet net;
	struct sk_buff *msg;
	struct nc_table *t;
	struct nc_addr cls;
	int err = 0, n = 0;

	if (cls_attr) {
		err = nc_parse_addr(cls_attr, &cls, info->extack);
		if (err)
			return err;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t && cls_attr)
		err = nc_pin_net_of(t, cls_attr, &cls, &net, info->extack);
	if (t && !err)
		n = nc_pin_del(t, cls_attr ? &net : NULL);
	nc_registry_unlock();
	if (!err && n < 0)
		err = n;
	if (!err && !n && cls_attr)
		err = nc_err(info->extack, cls_attr, NC_ERR_PIN_NONE, -ENOENT);
	return nc_reply_count(info, msg, NC_CMD_DEL_PIN, n, err);
}

/* A move's checks, then the move; under RCU. @was: the class's server. */
static int nc_move_rcu(struct nc_table *t, struct genl_info *info,
		       const struct nc_addr *cls, const struct nc_class_key *key,
		       const struct nc_addr *srv, const struct ip_vs_dest **was)
{
	const struct nc_pins *pins = rcu_dereference(t->pins);
	struct nlattr **attrs = info->attrs;
	struct ip_vs_dest *dest;

	if (pins && nc_pin_find(pins, cls->af, &cls->addr))
		return nc_err(info->extack, attrs[NC_ATTR_CLASS],
			      NC_ERR_MOVE_PINNED, -EBUSY);
	dest = nc_find_dest_rcu(t->svc, srv);
	if (!dest)
		return nc_err(info->extack, attrs[NC_ATTR_DEST],
			      NC_ERR_PIN_SERVER, -ENOENT);
	if (atomic_read(&dest->weight) <= 0)
		return nc_err(info->extack, attrs[NC_ATTR_DEST],
			      NC_ERR_MOVE_WEIGHT, -EINVAL);
	if (nc_table_move(t, key, dest, jiffies, was))
		return nc_err(info->extack, attrs[NC_ATTR_CLASS],
			      "the sticky table is full (--nc-max-entries)",
			      -ENOSPC);
	return 0;
}

/* The class moved and the server it had; under RCU (@was is valid). */
static int nc_fill_move(struct sk_buff *msg, struct genl_info *info,
			const struct nc_class_key *key,
			const struct ip_vs_dest *was)
{
	void *hdr = genlmsg_put_reply(msg, info, &nc_genl_family, 0,
				      NC_CMD_MOVE);

	if (!hdr || nc_put_class(msg, NC_ATTR_CLASS, key) ||
	    (was && nc_put_addr(msg, NC_ATTR_DEST, was->af, &was->addr, -1,
				(__force u16)was->port)))
		return -EMSGSIZE;
	genlmsg_end(msg, hdr);
	return 0;
}

static int nc_genl_move(struct sk_buff *skb, struct genl_info *info)
{
	const struct ip_vs_dest *was;
	struct nc_class_key key;
	struct nc_addr cls, srv;
	struct sk_buff *msg;
	struct nc_table *t;
	int err;

	err = nc_parse_class_dest(info, &cls, &srv);
	if (!err && cls.plen >= 0)
		err = nc_err(info->extack, info->attrs[NC_ATTR_CLASS],
			     NC_ERR_MOVE_NET, -EINVAL);
	if (err)
		return err;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t) {
		nc_class_of(t, &cls, &key);
		rcu_read_lock();
		err = nc_move_rcu(t, info, &cls, &key, &srv, &was);
		if (!err)
			err = nc_fill_move(msg, info, &key, was);
		rcu_read_unlock();
	}
	nc_registry_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* NC_CMD_SET_ENTRY's entry: its class, server and time left. */
static int nc_parse_saved_entry(struct genl_info *info, struct nc_subnet *net,
				struct nc_addr *srv, u64 *left_ms)
{
	const struct nlattr *nest = info->attrs[NC_ATTR_ENTRY];
	struct nlattr *tb[NC_ENTRY_ATTR_MAX + 1];
	struct nc_addr cls;
	int err;

	if (!nest)
		return nc_err(info->extack, NULL, "missing entry (NC_ATTR_ENTRY)",
			      -EINVAL);
	err = nla_parse_nested(tb, NC_ENTRY_ATTR_MAX, nest, nc_entry_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[NC_ENTRY_ATTR_CLASS] || !tb[NC_ENTRY_ATTR_DEST] ||
	    !tb[NC_ENTRY_ATTR_LEFT_MS])
		return nc_err(info->extack, nest,
			      "entry needs a class, a real server and its time left",
			      -EINVAL);
	err = nc_parse_addr(tb[NC_ENTRY_ATTR_CLASS], &cls, info->extack);
	if (!err && cls.plen < 0)
		err = nc_err(info->extack, tb[NC_ENTRY_ATTR_CLASS],
			     "entry class needs a prefix length", -EINVAL);
	if (!err)
		err = nc_net_of(tb[NC_ENTRY_ATTR_CLASS], &cls, net, info->extack);
	if (!err)
		err = nc_parse_server(tb[NC_ENTRY_ATTR_DEST], srv, info->extack);
	*left_ms = nla_get_u64(tb[NC_ENTRY_ATTR_LEFT_MS]);
	if (!err && !*left_ms)
		err = nc_err(info->extack, tb[NC_ENTRY_ATTR_LEFT_MS],
			     "time left must be 1 ms or more", -ERANGE);
	return err;
}

/* Under RCU: the saved entry in the table, its time left capped. */
static int nc_restore_rcu(struct nc_table *t, struct genl_info *info,
			  const struct nc_class_key *key,
			  const struct nc_addr *srv, u64 left_ms)
{
	const struct nc_policy *p = &rcu_dereference(t->policy)->p;
	unsigned long sticky = nc_sticky_jiffies(p), left;
	const struct ip_vs_dest *was;
	struct ip_vs_dest *dest;

	/* at most 31 days: below 2^32 ms */
	left = msecs_to_jiffies(min_t(u64, left_ms, p->sticky_secs * 1000ULL));
	dest = nc_find_dest_rcu(t->svc, srv);
	if (!dest)
		return nc_err(info->extack, info->attrs[NC_ATTR_ENTRY],
			      NC_ERR_PIN_SERVER, -ENOENT);
	if (nc_table_move(t, key, dest, jiffies - (sticky - min(left, sticky)),
			  &was))
		return nc_err(info->extack, info->attrs[NC_ATTR_ENTRY],
			      "the sticky table is full (--nc-max-entries)",
			      -ENOSPC);
	return 0;
}

static int nc_genl_set_entry(struct sk_buff *skb, struct genl_info *info)
{
	struct nc_class_key key;
	struct nc_subnet net;
	struct nc_table *t;
	struct nc_addr srv;
	u64 left_ms;
	int err;

	err = nc_parse_saved_entry(info, &net, &srv, &left_ms);
	if (err)
		return err;
	nc_subnet_key(&net, &key);
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t) {
		rcu_read_lock();
		err = nc_restore_rcu(t, info, &key, &srv, left_ms);
		rcu_read_unlock();
	}
	nc_registry_unlock();
	return err;
}

struct nc_pins_fill {
	struct sk_buff			*skb;
	const struct ip_vs_service	*svc;
	unsigned int			drain;
	unsigned long			now;
};

static int nc_put_pin(const struct nc_pin *pin, void *arg)
{
	struct nc_pins_fill *f = arg;
	const struct ip_vs_dest *d = pin->dest;
	struct nlattr *nest = nla_nest_start(f->skb, NC_PINS_ATTR_PIN);

	if (!nest ||
	    nc_put_net(f->skb, NC_PIN_ATTR_NET, &pin->net) ||
	    nc_put_addr(f->skb, NC_PIN_ATTR_DEST, d->af, &d->addr, -1,
			(__force u16)d->port) ||
	    nla_put_u64_64bit(f->skb, NC_PIN_ATTR_CONNS,
			      atomic64_read(&pin->conns), NC_PIN_ATTR_PAD) ||
	    nla_put_u8(f->skb, NC_PIN_ATTR_STATE,
		       nc_pin_state(f->svc, pin, f->drain, f->now)))
		return -EMSGSIZE;
	nla_nest_end(f->skb, nest);
	return 0;
}

/* NC_CMD_GET_PINS's reply: the service and every pin, with its state. */
static int nc_fill_pins(struct sk_buff *skb, struct genl_info *info,
			struct nc_table *t)
{
	struct nc_pins_fill f = { .skb = skb, .svc = t->svc, .now = jiffies };
	void *hdr = genlmsg_put_reply(skb, info, &nc_genl_family, 0,
				      NC_CMD_GET_PINS);
	unsigned int kmode, pick;
	struct nlattr *nest;
	int err = -EMSGSIZE;

	if (!hdr || nc_fill_service(skb, t->svc))
		return err;
	nest = nla_nest_start(skb, NC_ATTR_PINS);
	rcu_read_lock();
	nc_effective_policy(t->svc, rcu_dereference(t->policy), &kmode, &pick,
			    &f.drain);
	if (nest)
		err = nc_pin_for_each(t, nc_put_pin, &f);
	rcu_read_unlock();
	if (err)
		return err;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int nc_genl_get_pins(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct nc_table *t;
	int err;

	/* 64 IPv6 pins take about 7 KiB */
	msg = nlmsg_new(NC_MAX_PINS * 128 + NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	nc_registry_lock();
	t = nc_find_or_err(genl_info_net(info), info->attrs, info->extack, &err);
	if (t)
		err = nc_fill_pins(msg, info, t);
	nc_registry_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int nc_fill_entry(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct nc_entry *e, unsigned long sticky,
			 unsigned long now, u32 now_secs)
{
	const struct ip_vs_dest *d = e->dest;
	u32 idle = nc_entry_idle(e, now);
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &nc_genl_family, NLM_F_MULTI, NC_CMD_GET_TABLE);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NC_ATTR_ENTRY);
	if (!nest ||
	    nc_put_class(skb, NC_ENTRY_ATTR_CLASS, &e->key) ||
	    nc_put_addr(skb, NC_ENTRY_ATTR_DEST, d->af, &d->addr, -1,
			(__force u16)d->port) ||
	    nla_put_u64_64bit(skb, NC_ENTRY_ATTR_AGE_MS,
			      (u64)(u32)(now_secs - e->created) * MSEC_PER_SEC,
			      NC_ENTRY_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_ENTRY_ATTR_IDLE_MS,
			      jiffies_to_msecs(idle), NC_ENTRY_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_ENTRY_ATTR_LEFT_MS,
			      idle < sticky ? jiffies_to_msecs(sticky - idle) : 0,
			      NC_ENTRY_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NC_ENTRY_ATTR_CONNS,
			      (u32)atomic_read(&e->conns), NC_ENTRY_ATTR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

struct nc_dump_ctx {
	struct sk_buff		*skb;
	struct netlink_callback	*cb;
	unsigned long		sticky, now;
	u32			now_secs;
};

static int nc_dump_entry(const struct nc_entry *e, void *arg)
{
	struct nc_dump_ctx *d = arg;

	return nc_fill_entry(d->skb, d->cb, e, d->sticky, d->now, d->now_secs);
}

/*
 * The table was resized under the dump: flag this part's messages, and
 * through the sequence numbers netlink compares, the final NLMSG_DONE.
 * Not genl_dump_check_consistent(): it flags a message as it is put, and
 * a resize that starts during the walk is only seen after it.
 */
static void nc_dump_interrupted(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlmsghdr *nlh;
	int rem;

	nlmsg_for_each_msg(nlh, (struct nlmsghdr *)skb->data, skb->len, rem)
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	cb->prev_seq = 1;
	cb->seq = 2;
}

/* cb->args[0..2]: the table cursor (bucket, entries of it sent, array). */
static int nc_genl_dump_table(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nc_table_cursor c = {
		.bucket = cb->args[0], .skip = cb->args[1], .gen = cb->args[2],
	};
	struct nc_dump_ctx d = {
		.skb = skb, .cb = cb, .now = jiffies,
		.now_secs = (u32)ktime_get_seconds(),
	};
	struct nc_table *t;
	bool consistent;
	int err;

	nc_registry_lock();
	t = nc_find_or_err(sock_net(skb->sk), nc_dump_attrs(cb), cb->extack,
			   &err);
	if (!t) {
		nc_registry_unlock();
		return err;
	}
	rcu_read_lock();
	d.sticky = nc_sticky_jiffies(&rcu_dereference(t->policy)->p);
	consistent = nc_table_walk_from(t, &c, nc_dump_entry, &d);
	rcu_read_unlock();
	nc_registry_unlock();
	cb->args[0] = c.bucket;
	cb->args[1] = c.skip;
	cb->args[2] = c.gen;
	if (!consistent)
		nc_dump_interrupted(skb, cb);
	return skb->len;
}

static const struct genl_small_ops nc_genl_ops[] = {
	{
		.cmd	= NC_CMD_GET_SERVICE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_get_service,
		.dumpit	= nc_genl_dump_services,
	},
	{
		.cmd	= NC_CMD_SET_POLICY,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_set_policy,
	},
	{
		.cmd	= NC_CMD_GET_TABLE,
		.flags	= GENL_ADMIN_PERM,
		.dumpit	= nc_genl_dump_table,
	},
	{
		.cmd	= NC_CMD_FLUSH,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_flush,
	},
	{
		.cmd	= NC_CMD_DEL_ENGINE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_del_engine,
	},
	{
		.cmd	= NC_CMD_SET_PIN,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_set_pin,
	},
	{
		.cmd	= NC_CMD_DEL_PIN,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_del_pin,
	},
	{
		.cmd	= NC_CMD_MOVE,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_move,
	},
	{
		.cmd	= NC_CMD_GET_PINS,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_get_pins,
	},
	{
		.cmd	= NC_CMD_SET_ENTRY,
		.flags	= GENL_ADMIN_PERM,
		.doit	= nc_genl_set_entry,
	},
};

/* Registered after init (see nc_main.c), so not __ro_after_init. */
static struct genl_family nc_genl_family = {
	.name		= NC_GENL_NAME,
	.version	= NC_GENL_VERSION,
	.maxattr	= NC_ATTR_MAX,
	.policy		= nc_attr_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.small_ops	= nc_genl_ops,
	.n_small_ops	= ARRAY_SIZE(nc_genl_ops),
#if NC_GENL_HAS_RESV_START_OP
	/* strict validation, reserved header fields checked: every command */
	.resv_start_op	= NC_CMD_GET_SERVICE,
#endif
};

int nc_netlink_init(void)
{
	return genl_register_family(&nc_genl_family);
}

void nc_netlink_exit(void)
{
	genl_unregister_family(&nc_genl_family);
}
