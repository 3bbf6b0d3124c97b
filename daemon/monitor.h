/* SPDX-License-Identifier: MIT */
/* monitor.h - following what the kernel says of our devices: queue states, link state, deletion */
#ifndef TAPQD_MONITOR_H
#define TAPQD_MONITOR_H

struct tapqd;
struct device;

/* Subscribes to rtnetlink link notifications. Return: 0 or -errno. */
int monitor_open(struct tapqd *d);
void monitor_close(struct tapqd *d);

/*
 * Reads every queue's state of one device and, when a client changed it,
 * follows: log, ring budget, ACTIVE_CHANGED event.
 */
void monitor_follow(struct tapqd *d, struct device *dev);

/* Polls the queue states of leased devices whose link is down, which send no notifications. */
void monitor_poll_update(struct tapqd *d);

/*
 * The interface of dev is gone: dev leaves the list (lease, workers, store)
 * and, declared in the config, is created afresh.
 */
void monitor_device_gone(struct tapqd *d, struct device *dev);

#endif
