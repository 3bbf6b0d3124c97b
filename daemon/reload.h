/* SPDX-License-Identifier: MIT */
/* reload.h - applying a changed config to the running daemon (SIGHUP, RELOAD) */
#ifndef TAPQD_RELOAD_H
#define TAPQD_RELOAD_H

#include <stdbool.h>

#include "daemon.h"

/*
 * reload_run() - re-reads d->conf_path and applies the difference, between
 * RELOADING=1 and READY=1. A config that does not parse, validate or fit
 * this machine (cpus =) is refused as a whole: the running one stays, and
 * d->conf_error says why until a later reload succeeds. What a lease holds
 * is left for reload_released(); failures of single changes are logged and
 * do not refuse the reload.
 *
 * Return: 0 when applied, or the negative errno of the refusal.
 */
int reload_run(struct tapqd *d);

/*
 * reload_released() - a lease of dev just ended: what a reload kept for then
 * is done now (the device deleted, or changed, or created again).
 *
 * Return: true when dev is gone (freed); false when it stays, unleased.
 */
bool reload_released(struct tapqd *d, struct device *dev);

#endif
