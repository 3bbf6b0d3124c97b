/* SPDX-License-Identifier: MIT */
/* monitor.h - hearing what the kernel says of our devices: queue changes, link state, deletion */
#ifndef TAPQD_MONITOR_H
#define TAPQD_MONITOR_H

struct tapqd;

/*
 * Opens the socket that hears rtnetlink link notifications; what they say
 * of a device of the list goes to d->hooks (link_gone, queues_changed,
 * link_renamed). Return: 0 or -errno.
 */
int monitor_open(struct tapqd *d);
/*
 * Subscribes, once the devices of the start are made: tapqd's own changes
 * while it makes them (six notifications each, thousands at 1000 devices)
 * would only fill the buffer. One dump of every link then tells what
 * changed meanwhile, as notifications would have. Return: 0 or -errno.
 */
int monitor_start(struct tapqd *d);
void monitor_close(struct tapqd *d);

/*
 * Reads now the queues of the devices notified of a change not tapqd's
 * own, which the monitor otherwise reads a few ms later: before a request
 * is served, so that it finds its sender's change followed.
 */
void monitor_flush(struct tapqd *d);

/* Polls the queue states of leased devices whose link is down, which send no notifications. */
void monitor_poll_update(struct tapqd *d);

#endif
