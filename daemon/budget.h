/* SPDX-License-Identifier: MIT */
/* budget.h - the size of every queue's ring (txqueuelen), from the device's queue_memory */
#ifndef TAPQD_BUDGET_H
#define TAPQD_BUDGET_H

#include <stdbool.h>

struct tapqd;
struct device;
struct conf_device;

#define BUDGET_RING_MIN 256 /* a whole virtio ring always fits */

/* The ring that spreads queue_memory over `queues` queues, never below BUDGET_RING_MIN. */
unsigned int budget_ring(const struct conf_device *cd, unsigned int queues);

/*
 * Sizes the rings for the current active set: grows them at once; shrinks
 * them only when may_shrink (no lease and no worker reads the device, since
 * a shrink frees queued packets without counting them), else records the
 * shrink as pending. Failures are logged here.
 */
void budget_update(struct tapqd *d, struct device *dev, bool may_shrink);

#endif
