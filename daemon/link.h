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
/* The ifindex of an interface by name, or a negative errno (-ENODEV: none). */
int link_ifindex(struct nl_sock *sk, const char *name);
/* A noqueue root qdisc: for a device not up yet (see link.c). */
int link_set_noqueue(struct nl_sock *sk, int ifindex);
/* txqueuelen: the ring size to set, 0 for the kernel's; group: the link group, 0 to leave it */
int link_configure(struct nl_sock *sk, int ifindex, const struct conf_device *cd,
		   unsigned int txqueuelen, uint32_t group);
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

/* Called for each interface of a group; t->is_tun false for any other kind. */
typedef void (*link_group_fn)(void *arg, int ifindex, const struct link_tun *t);
int link_group_members(struct nl_sock *sk, uint32_t group, link_group_fn fn, void *arg);
int link_set_group(struct nl_sock *sk, int ifindex, uint32_t group);
/* Deletes every interface in the group, at once. */
int link_delete_group(struct nl_sock *sk, uint32_t group);
const char *link_strerror(int r);

#endif
