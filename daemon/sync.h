/* SPDX-License-Identifier: MIT */
/* sync.h - the one step that brings what derives from a device's state into line */
#ifndef TAPQD_SYNC_H
#define TAPQD_SYNC_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"

struct client;

/*
 * After any change to dev (state, lease, active set, config): workers,
 * ring, vCPU following, the stored lease state (fd store and state file),
 * ACTIVE_CHANGED to subscribers when the active count differs from the one
 * they last heard, then sync_global(). No caller repeats any of it.
 */
void sync_device(struct tapqd *d, struct device *dev);
/* Every device, as after a start or a reload. */
void sync_all(struct tapqd *d);
/* What depends on the whole list: the poll timer of down links and STATUS=. */
void sync_global(struct tapqd *d);
/*
 * An event about dev to its subscribers and to holder (NULL: none). With
 * pid the lease's holder, its command name goes too: so send LEASE_ENDED
 * before the lease is freed.
 */
void sync_event(struct tapqd *d, const struct device *dev, unsigned int kind, pid_t pid,
		struct client *holder);
/* An event of no device (a reload) to those who subscribed to every device. */
void sync_event_daemon(struct tapqd *d, unsigned int kind);

#endif
