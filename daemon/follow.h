/* SPDX-License-Identifier: MIT */
/* follow.h - a device's queue map follows the vCPUs of the QEMU that holds it */
#ifndef TAPQD_FOLLOW_H
#define TAPQD_FOLLOW_H

#include <stddef.h>

#include "daemon.h"

struct follow;

/*
 * follow_update() - starts, restarts or stops following as dev->conf says
 * (follow = qmp:PATH), after a creation, an adoption or a reload, and
 * tells it the lease holder (0: none), the one process whose threads it
 * pins. Logs what fails; the device goes on without following then.
 */
void follow_update(struct tapqd *d, struct device *dev, pid_t holder);
void follow_free(struct follow *f);

/*
 * follow_map() - the queue->core map that follows @n_vcpus vCPUs: queue i
 * goes to the core of vCPU i mod @n_vcpus, and vCPU j's core is the one
 * placement gave queue j mod @n_queues (@placed). So queue i and vCPU i
 * share a core, and the queues beyond the vCPU count go to the cores of
 * the vCPUs that serve them. No vCPUs (not following): @placed as it is.
 * Pure. @map: @n_queues entries, -1 where placement gave none.
 */
void follow_map(const int *placed, unsigned int n_queues, size_t n_vcpus, int *map);

/* The core status reports for queue q of a device: the followed map, or placement's. */
int follow_queue_cpu(const struct device *dev, unsigned int q);

/* For status: enum tapqd_follow, and the vCPUs of the last reply (0: none). */
unsigned int follow_state(const struct device *dev);
unsigned int follow_vcpus(const struct device *dev);

#endif
