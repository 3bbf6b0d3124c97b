/* SPDX-License-Identifier: MIT */
/* monitor.h - tapqctl monitor: tapqd's events as they come, one line each */
#ifndef TAPQCTL_MONITOR_H
#define TAPQCTL_MONITOR_H

#include <stdbool.h>

#include "tapqd.h"

/*
 * Subscribes to device's events (NULL: every device's, and the reloads) and
 * prints each as it comes, a line of text or one JSON object, until the
 * daemon closes the connection. Return: the exit code.
 */
int monitor_run(struct tapqd_client *c, const char *device, bool json);

#endif
