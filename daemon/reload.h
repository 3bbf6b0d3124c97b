/* SPDX-License-Identifier: MIT */
/* reload.h - reloading the configuration on SIGHUP or RELOAD */
#ifndef TAPQD_RELOAD_H
#define TAPQD_RELOAD_H

#include "daemon.h"

/*
 * Re-reads d->conf_path: a file that does not parse or validate is refused
 * whole (why in d->conf_error); otherwise its difference is applied.
 * Return: 0, or the -errno of the refusal.
 */
int reload_run(struct tapqd *d);

#endif
