/* SPDX-License-Identifier: MIT */
/* lease.h - exclusive grants of a device's queues to one client process */
#ifndef TAPQD_LEASE_H
#define TAPQD_LEASE_H

#include "daemon.h"

int lease_grant(struct tapqd *d, struct device *dev, struct client *cl, unsigned int control,
		struct lease **ret);
void lease_end(struct tapqd *d, struct lease *l, const char *why);
/* Drops tapqd's side of a lease and nothing else (stopping, device gone). */
void lease_forget(struct lease *l);

#endif
