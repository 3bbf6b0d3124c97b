/* SPDX-License-Identifier: MIT */
/* link.h - link settings through rtnetlink (libnl-route) */
#ifndef TAPQD_LINK_H
#define TAPQD_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;
struct nlmsghdr;
struct conf_device;

int link_open(struct nl_sock **ret);
void link_close(struct nl_sock *sk);
/* txqueuelen: the ring size to set, 0 for the kernel's */
int link_configure(struct nl_sock *sk, int ifindex, const struct conf_device *cd,
		   unsigned int txqueuelen);
/* The ring size the device has now. */
int link_get_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int *ret);
/* One setting each (a reload changes them one by one); 0 or a negative errno. */
int link_set_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int txqueuelen);
int link_set_mtu(struct nl_sock *sk, int ifindex, unsigned int mtu);
int link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[6]);
/* bridge "" takes it out of its bridge; a bridge that does not exist is -ENODEV */
int link_set_bridge(struct nl_sock *sk, int ifindex, const char *bridge);
int link_delete(struct nl_sock *sk, int ifindex);

/* A tun device as rtnetlink reports it; the queue counts are everyone's, not only tapqd's. */
struct link_tun {
	bool is_tun;
	bool tap; /* IFF_TAP, not IFF_TUN */
	bool persist;
	bool multi_queue;
	bool vnet_hdr;
	unsigned int num_queues;   /* attached queues (IFLA_TUN_NUM_QUEUES) */
	unsigned int num_disabled; /* detached ones, which still count toward the 256 limit */
	bool has_counts;           /* the kernel sent them (older kernels do not) */
};
/*
 * The tun attributes of one RTM_NEWLINK (a reply or a notification).
 * Pure. Return: 0, or -ENOTTY when it carries none (no tun device).
 */
int link_tun_parse(struct nlmsghdr *h, struct link_tun *ret);
/* Return: 0, -ENOTTY when ifindex is no tun device, or another negative errno. */
int link_get_tun(struct nl_sock *sk, int ifindex, struct link_tun *ret);
const char *link_strerror(int r);

#endif
