// SPDX-License-Identifier: GPL-2.0
/*
 * The "nc" IPVS persistence engine (ipvsadm -p TIME --pe nc): persistence
 * templates keyed by the client's natural class instead of its masked
 * address, so IPVS itself keeps a class on one real server, its sync
 * daemon replicates the choice (the class travels as the template's
 * pe_data), and a template outlives its class's open connections.
 *
 * pe_data is the struct nc_class_key of the client address IPVS hands
 * over (already masked by the service's -M netmask), under the service's
 * engine policy: the one set through netlink (NC_ATTR_ENGINE), else the
 * module parameters.
 *
 * Engine policies are kept by service identity (IPVS does not tell an
 * engine which services use it, nor when one goes): set, replaced and
 * forgotten through netlink, dropped with their namespace.
 *
 * Locking: IPVS calls fill_param, ct_match and hashkey_raw in softirq
 * under RCU, show_pe_data from its seq_file and netlink dumps; pe_data
 * belongs to the connection parameters, then to the template, and IPVS
 * frees it. Templates hold a reference on this module (ip_vs_pe_get), so
 * it cannot be unloaded while one exists. The engine policies are an
 * RCU hash: fill_param reads it under RCU; every writer (netlink's edit
 * and forget, namespace exit) holds nc_pe_mutex, asserted with lockdep,
 * and replaces a record whole, freeing the old one after a grace period.
 * nc_pe_mutex is a leaf: nothing else is taken under it (nc.h).
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "nc.h"

/* The engine policy of one service. */
struct nc_pe_svc {
	struct hlist_node	node;		/* nc_pe_svcs, RCU */
	possible_net_t		net;
	struct nc_svc_id	id;
	struct nc_policy	p;
	struct rcu_head		rcu;
};

#define NC_PE_SVC_BITS	6
static struct hlist_head nc_pe_svcs[1 << NC_PE_SVC_BITS];
static DEFINE_MUTEX(nc_pe_mutex);

/*
 * Bucket of a service: by namespace and address only, since a template's
 * parameters carry port 0 for FTP and port-zero services, and a fwmark
 * service's parameters carry the mark where the address would be.
 */
static struct hlist_head *nc_pe_bucket(const struct net *net, int af,
				       const union nf_inet_addr *addr)
{
	u32 h = jhash(addr, af == AF_INET6 ? 16 : 4, hash32_ptr(net));

	return &nc_pe_svcs[hash_32(h, NC_PE_SVC_BITS)];
}

/* The bucket of a record: the mark where the template carries it. */
static struct hlist_head *nc_pe_id_bucket(const struct net *net,
					  const struct nc_svc_id *id)
{
	union nf_inet_addr mark = { .ip = htonl(id->fwmark) };

	return nc_pe_bucket(net, id->af, id->fwmark ? &mark : &id->addr);
}

/*
 * Does record @s belong to the service of template parameters @p? IPVS
 * fills them (ip_vs_sched_persist) with protocol IPPROTO_IP and the mark
 * as address for a fwmark service, and port 0 for port 21 (FTP) and
 * port-zero services.
 */
static bool nc_pe_svc_match(const struct nc_pe_svc *s,
			    const struct ip_vs_conn_param *p)
{
	const struct nc_svc_id *id = &s->id;

	if (!net_eq(read_pnet(&s->net), p->ipvs->net) || id->af != p->af)
		return false;
	if (id->fwmark)
		return p->protocol == IPPROTO_IP &&
		       p->vaddr->ip == htonl(id->fwmark);
	return p->protocol == id->protocol &&
	       ip_vs_addr_equal(p->af, p->vaddr, &id->addr) &&
	       (p->vport == id->port ||
		(!p->vport && (!id->port || id->port == htons(21))));
}

static const struct nc_pe_svc *
nc_pe_svc_lookup_rcu(const struct ip_vs_conn_param *p)
{
	struct nc_pe_svc *s;

	hlist_for_each_entry_rcu(s, nc_pe_bucket(p->ipvs->net, p->af, p->vaddr), node)
		if (nc_pe_svc_match(s, p))
			return s;
	return NULL;
}

static int nc_pe_fill_param(struct ip_vs_conn_param *p, struct sk_buff *skb)
{
	const struct nc_pe_svc *s;
	struct nc_class_key key;

	rcu_read_lock();
	s = nc_pe_svc_lookup_rcu(p);
	if (s)
		nc_addr_key(&s->p, s->p.key_mode, p->af, p->caddr, &key);
	else
		nc_default_addr_key(p->af, p->caddr, &key);
	rcu_read_unlock();
	p->pe_data = kmemdup(&key, sizeof(key), GFP_ATOMIC);
	if (!p->pe_data)
		return -ENOMEM;
	p->pe_data_len = sizeof(key);
	return 0;
}

/*
 * IPVS re-arms a template it reuses for a new connection with the
 * template's own timeout (ip_vs_sched_persist, then ip_vs_conn_put), and
 * ip_vs_conn_expire sets that timeout to 60 s, for good, the first time it
 * keeps the template past its time for a connection still open ("expire
 * later"). A class that had one long connection then kept its server for
 * only 60 s after each new connection, not the persistence time. A
 * template matched here is one IPVS is about to reuse (or to replace, if
 * its server went): give it back its service's persistence time. Called
 * under RCU (ip_vs_ct_in_get); a racing expire timer writes 60 s, which a
 * later match undoes.
 */
static void nc_pe_restore_timeout(struct ip_vs_conn *ct)
{
	struct ip_vs_dest *dest = ct->dest;
	struct ip_vs_service *svc;

	if (!dest)
		return;
	svc = rcu_dereference(dest->svc);
	if (svc && svc->timeout && READ_ONCE(ct->timeout) != svc->timeout)
		WRITE_ONCE(ct->timeout, svc->timeout);
}

/*
 * The template of the same service (vaddr, vport, protocol) and class,
 * unless IPVS invalidated it (ip_vs_check_template: its server went away
 * or was quiesced). 6.12 and older mark that with vport and dport 0xffff
 * and rehash; 7.x sets only dport and leaves the template hashed, so an
 * engine must check dport itself, as IPVS's own lookup does. Without it a
 * class whose server came back returned to the invalidated template
 * (vm.ops_keepalived_pe on 7.2).
 */
static bool nc_pe_ct_match(const struct ip_vs_conn_param *p,
			   struct ip_vs_conn *ct)
{
	/* protocol is IPPROTO_IP when vaddr holds a fwmark */
	int vaf = p->protocol == IPPROTO_IP ? AF_UNSPEC : p->af;

	if (!(ct->af == p->af &&
	      ip_vs_addr_equal(vaf, p->vaddr, &ct->vaddr) &&
	      ct->vport == p->vport &&
	      ct->dport != htons(0xffff) &&
	      (ct->flags & IP_VS_CONN_F_TEMPLATE) &&
	      ct->protocol == p->protocol &&
	      ct->pe_data && ct->pe_data_len == p->pe_data_len &&
	      !memcmp(ct->pe_data, p->pe_data, p->pe_data_len)))
		return false;
	nc_pe_restore_timeout(ct);
	return true;
}

/* Where the template is hashed: by its class alone. */
#ifdef NC_PE_HASH_TAKES_RHT
static u32 nc_pe_hashkey_raw(const struct ip_vs_conn_param *p,
			     struct ip_vs_rht *t, bool inverse)
{
	return (u32)siphash(p->pe_data, p->pe_data_len, &t->hash_key);
}
#else
static u32 nc_pe_hashkey_raw(const struct ip_vs_conn_param *p, u32 initval,
			     bool inverse)
{
	return jhash(p->pe_data, p->pe_data_len, initval);
}
#endif

/* "172.0.0.0/8" in ipvsadm -Lc; data from a sync peer is checked first. */
static int nc_pe_show_pe_data(const struct ip_vs_conn *cp, char *buf)
{
	const struct nc_class_key *key = (const void *)cp->pe_data;

	if (cp->pe_data_len != sizeof(*key))
		return sprintf(buf, "?");
	if (key->family == NC_FAMILY_INET6)
		return sprintf(buf, "%pI6c/%u", key->addr, key->plen);
	if (key->family == NC_FAMILY_INET)
		return sprintf(buf, "%pI4/%u", key->addr, key->plen);
	return sprintf(buf, "?");
}

static struct ip_vs_pe nc_pe = {
	.name =			NC_PE_NAME,
	.refcnt =		ATOMIC_INIT(0),
	.module =		THIS_MODULE,
	.n_list =		LIST_HEAD_INIT(nc_pe.n_list),
	.fill_param =		nc_pe_fill_param,
	.ct_match =		nc_pe_ct_match,
	.hashkey_raw =		nc_pe_hashkey_raw,
	.show_pe_data =		nc_pe_show_pe_data,
};

static struct nc_pe_svc *nc_pe_svc_find(struct net *net,
					const struct nc_svc_id *id)
{
	struct nc_pe_svc *s;

	lockdep_assert_held(&nc_pe_mutex);
	hlist_for_each_entry(s, nc_pe_id_bucket(net, id), node)
		if (net_eq(read_pnet(&s->net), net) &&
		    nc_svc_id_equal(&s->id, id))
			return s;
	return NULL;
}

/* The engine policy of @id in @p: its own, else the module parameters. */
void nc_pe_policy_get(struct net *net, const struct nc_svc_id *id,
		      struct nc_policy *p)
{
	struct nc_pe_svc *s;

	mutex_lock(&nc_pe_mutex);
	s = nc_pe_svc_find(net, id);
	if (s)
		*p = s->p;
	else
		nc_default_policy(p);
	mutex_unlock(&nc_pe_mutex);
}

/*
 * Edit the engine policy of @id in one step under nc_pe_mutex: @edit gets
 * the policy in force (its own, else the module parameters) and changes
 * it, or fails and nothing changes. A forget cannot come between the
 * read and the write, as it could when they were two calls.
 */
int nc_pe_policy_edit(struct net *net, const struct nc_svc_id *id,
		      int (*edit)(struct nc_policy *p, void *arg), void *arg)
{
	struct nc_pe_svc *s, *old;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	write_pnet(&s->net, net);
	s->id = *id;
	mutex_lock(&nc_pe_mutex);
	old = nc_pe_svc_find(net, id);
	if (old)
		s->p = old->p;
	else
		nc_default_policy(&s->p);
	err = edit(&s->p, arg);
	if (!err && old)
		hlist_replace_rcu(&old->node, &s->node);
	else if (!err)
		hlist_add_head_rcu(&s->node, nc_pe_id_bucket(net, id));
	mutex_unlock(&nc_pe_mutex);
	if (err)
		kfree(s);
	else if (old)
		kfree_rcu(old, rcu);
	return err;
}

/* Forgets the engine policy of @id, or with @id NULL all of @net's. */
unsigned int nc_pe_policy_forget(struct net *net, const struct nc_svc_id *id)
{
	struct hlist_node *tmp;
	struct nc_pe_svc *s;
	unsigned int i, n = 0;

	mutex_lock(&nc_pe_mutex);
	for (i = 0; i < ARRAY_SIZE(nc_pe_svcs); i++) {
		hlist_for_each_entry_safe(s, tmp, &nc_pe_svcs[i], node) {
			if (!net_eq(read_pnet(&s->net), net) ||
			    (id && !nc_svc_id_equal(&s->id, id)))
				continue;
			hlist_del_rcu(&s->node);
			kfree_rcu(s, rcu);
			n++;
		}
	}
	mutex_unlock(&nc_pe_mutex);
	return n;
}

static void __net_exit nc_pe_net_exit(struct net *net)
{
	nc_pe_policy_forget(net, NULL);
}

static struct pernet_operations nc_pe_net_ops = {
	.exit = nc_pe_net_exit,
};

/*
 * Before the netlink family that creates policies; unregistering runs
 * nc_pe_net_exit for every namespace left, so nothing outlives it.
 */
int nc_pe_policies_init(void)
{
	return register_pernet_subsys(&nc_pe_net_ops);
}

void nc_pe_policies_exit(void)
{
	unregister_pernet_subsys(&nc_pe_net_ops);
}

int nc_pe_init(void)
{
	return register_ip_vs_pe(&nc_pe);
}

void nc_pe_exit(void)
{
	unregister_ip_vs_pe(&nc_pe);
}
