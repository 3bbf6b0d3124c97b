/* SPDX-License-Identifier: MIT */
/* reconf.h - applying to one running device what a reload plan says may change now */
#ifndef TAPQD_RECONF_H
#define TAPQD_RECONF_H

#include "daemon.h"
#include "reload_plan.h"

enum reconf_result {
	RECONF_KEPT,     /* applied to dev, or kept pending in it */
	RECONF_RECREATE, /* the caller deletes dev and creates it again from the new config */
};

/* The moment a change of dev waits for, as log lines end: "when the lease of pid 42 ends". */
const char *reconf_when(const struct device *dev, char *buf, size_t size);
/* What the plan needs of dev (reload_plan.h), read from the model and the kernel. */
void reconf_plan_in(struct tapqd *d, const struct device *dev, struct plan_device_in *in);
/*
 * Applies an action of kind NOTHING, APPLY or DEFER to dev: its now bits
 * (each change logged, one line each; a failed one keeps its old value),
 * and for the later bits the new config is kept pending. The caller then
 * calls sync_device(), which restarts workers, sizes rings and follows.
 */
void reconf_apply(struct tapqd *d, struct device *dev, const struct plan_action *a);
/*
 * The lease of dev ended with a config pending: the plan of that config
 * for the device as it is now, applied. Return: what the caller does next.
 */
enum reconf_result reconf_pending(struct tapqd *d, struct device *dev);

#endif
