// SPDX-License-Identifier: GPL-2.0
/*
 * The "nc" IPVS persistence engine (ipvsadm -p TIME --pe nc): persistence
 * templates keyed by the client's natural class instead of its masked
 * address, so IPVS itself keeps a class on one real server, its sync
 * daemon replicates the choice (the class travels as the template's
 * pe_data), and a template outlives its class's open connections.
 *
 * pe_data is the struct nc_class_key of the client address IPVS hands
 * over (already masked by the service's -M netmask), under the module
 * parameters' key (services have no per-service engine policy yet).
 *
 * Locking: none of its own. IPVS calls fill_param, ct_match and
 * hashkey_raw in softirq under RCU, show_pe_data from its seq_file and
 * netlink dumps; pe_data belongs to the connection parameters, then to
 * the template, and IPVS frees it. Templates hold a reference on this
 * module (ip_vs_pe_get), so it cannot be unloaded while one exists.
 */
#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/jhash.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "nc.h"

static int nc_pe_fill_param(struct ip_vs_conn_param *p, struct sk_buff *skb)
{
	struct nc_class_key key;
	struct nc_policy pol;

	nc_default_policy(&pol);
	nc_addr_key(&pol, pol.key_mode, p->af, p->caddr, &key);
	p->pe_data = kmemdup(&key, sizeof(key), GFP_ATOMIC);
	if (!p->pe_data)
		return -ENOMEM;
	p->pe_data_len = sizeof(key);
	return 0;
}

/* The template of the same service (vaddr, vport, protocol) and class. */
static bool nc_pe_ct_match(const struct ip_vs_conn_param *p,
			   struct ip_vs_conn *ct)
{
	/* protocol is IPPROTO_IP when vaddr holds a fwmark */
	int vaf = p->protocol == IPPROTO_IP ? AF_UNSPEC : p->af;

	return ct->af == p->af &&
	       ip_vs_addr_equal(vaf, p->vaddr, &ct->vaddr) &&
	       ct->vport == p->vport &&
	       (ct->flags & IP_VS_CONN_F_TEMPLATE) &&
	       ct->protocol == p->protocol &&
	       ct->pe_data && ct->pe_data_len == p->pe_data_len &&
	       !memcmp(ct->pe_data, p->pe_data, p->pe_data_len);
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

int nc_pe_init(void)
{
	return register_ip_vs_pe(&nc_pe);
}

void nc_pe_exit(void)
{
	unregister_ip_vs_pe(&nc_pe);
}
