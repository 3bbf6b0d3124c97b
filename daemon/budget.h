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
 * Sizes the rings for active queues (the active set now). A leased device's ring is never
 * changed: on an up link any txqueuelen change deactivates the qdisc for a
 * moment and drops what arrives meanwhile, and a shrink also frees queued
 * packets that no longer fit, uncounted; the new size waits for the lease's
 * end (txqueuelen_pending). An unleased ring grows at once, and shrinks at
 * once unless workers read it (worker_running). Failures are logged here.
 */
void budget_update(struct tapqd *d, struct device *dev, unsigned int active);

#endif
