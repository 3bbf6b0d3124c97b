/* SPDX-License-Identifier: MIT */
/* metrics.h - tapqctl metrics: STATUS in the Prometheus text format */
#ifndef TAPQCTL_METRICS_H
#define TAPQCTL_METRICS_H

#include "tapqd.h"

/* Prints the metrics of every device, or of device (NULL: all). Return: the exit code. */
int metrics_run(struct tapqd_client *c, const char *device);

#endif
