/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ip_vs_nc.h - user-visible interface of the IPVS natural-class scheduler.
 *
 * Shared by the kernel module (kmod/) and ncadm (userland/). Everything
 * here is part of the ABI between the two: values are never renumbered,
 * only appended.
 */
#ifndef _UAPI_IP_VS_NC_H
#define _UAPI_IP_VS_NC_H

/* Name of the scheduler as given to ipvsadm -s / ncadm -s. */
#define NC_SCHED_NAME		"nc"

/**
 * enum nc_key_mode - how a client address is reduced to its class
 * @NC_KEY_OCTET: first octet of an IPv4 source (the natural class, /8)
 * @NC_KEY_CLASSFUL: classful network: A /8, B /16, C /24; D and E per address
 * @NC_KEY_PREFIX: a configured IPv4 prefix length (/0../32)
 *
 * IPv6 clients are grouped by an IPv6 prefix length in every mode.
 */
enum nc_key_mode {
	NC_KEY_OCTET = 0,
	NC_KEY_CLASSFUL = 1,
	NC_KEY_PREFIX = 2,
};

/* Default IPv6 class: a /48, the usual end-site assignment (RFC 6177). */
#define NC_DEFAULT_PLEN6	48

/* Default sticky time in seconds (the design card's "--sticky 30" minutes). */
#define NC_DEFAULT_STICKY_SECS	1800

#endif /* _UAPI_IP_VS_NC_H */
