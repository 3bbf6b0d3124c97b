/* SPDX-License-Identifier: MIT */
/* monitor.h - hearing what the kernel says of our devices: queue changes, link state, deletion */
#ifndef TAPQD_MONITOR_H
#define TAPQD_MONITOR_H

struct tapqd;

/*
 * Subscribes to rtnetlink link notifications; what they say of a device of
 * the list goes to d->hooks (link_gone, queues_changed). Return: 0 or -errno.
 */
int monitor_open(struct tapqd *d);
void monitor_close(struct tapqd *d);

/* Polls the queue states of leased devices whose link is down, which send no notifications. */
void monitor_poll_update(struct tapqd *d);

#endif
