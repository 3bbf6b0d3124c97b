/* SPDX-License-Identifier: MIT */
/* worker.h - the threads that serve a device's queues when it has a backend and no lease */
#ifndef TAPQD_WORKER_H
#define TAPQD_WORKER_H

#include <stdbool.h>

struct tapqd;
struct device;
struct tapqd_queue_info;

/*
 * Makes the running workers match the device: one per attached queue, pinned
 * to that queue's core, while the device has a backend and no lease; none
 * otherwise. Called after every change of lease, active set or placement.
 */
void worker_sync(struct tapqd *d, struct device *dev);

/* Stops every worker of the device (before its fds are closed). */
void worker_stop_all(struct tapqd *d, struct device *dev);
/* Some worker of dev runs, or has not been reaped yet. */
bool worker_running(const struct device *dev);

/* Fills the worker flag and the counters of one queue's status. */
void worker_queue_info(const struct device *dev, unsigned int queue, struct tapqd_queue_info *qi);

#endif
