// SPDX-License-Identifier: MIT
/* worker.c - per-queue worker threads: not written yet (issue 4, workers) */

#include "daemon.h"
#include "worker.h"

void worker_sync(struct tapqd *d, struct device *dev)
{
	(void)d;
	(void)dev;
}

void worker_stop_all(struct tapqd *d, struct device *dev)
{
	(void)d;
	(void)dev;
}
