/* SPDX-License-Identifier: MIT */
/* link.h - link settings through rtnetlink (libnl-route) */
#ifndef TAPQD_LINK_H
#define TAPQD_LINK_H

struct nl_sock;
struct conf_device;

int link_open(struct nl_sock **ret);
void link_close(struct nl_sock *sk);
/* txqueuelen: the ring size to set, 0 for the kernel's */
int link_configure(struct nl_sock *sk, int ifindex, const struct conf_device *cd,
		   unsigned int txqueuelen);
/* The ring size the device has now. */
int link_get_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int *ret);
int link_set_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int txqueuelen);
const char *link_strerror(int r);

#endif
