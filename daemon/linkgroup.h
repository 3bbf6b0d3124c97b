/* SPDX-License-Identifier: MIT */
/* linkgroup.h - the link group of the devices tapqd deletes at stop, all in one message */
#ifndef TAPQD_LINKGROUP_H
#define TAPQD_LINKGROUP_H

#include "daemon.h"

/* Picks this tapqd's group (d->link_group), from its socket path: before any device is made. */
void linkgroup_init(struct tapqd *d);
/*
 * At stop, before the devices are freed: deletes the unleased, non-persistent
 * ones in one RTM_DELLINK when the group holds nothing else; otherwise leaves
 * them to the last close of their queues, one by one, as before.
 */
void linkgroup_delete(struct tapqd *d);

#endif
