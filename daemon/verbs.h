/* SPDX-License-Identifier: MIT */
/* verbs.h - serving the requests of the control protocol */
#ifndef TAPQD_VERBS_H
#define TAPQD_VERBS_H

#include "ctl.h"

/* What ctl_listen() hands requests, closed connections and undelivered leases to. */
extern const struct ctl_ops verbs_ops;

#endif
