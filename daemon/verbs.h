/* SPDX-License-Identifier: MIT */
/* verbs.h - serving the requests of the control protocol */
#ifndef TAPQD_VERBS_H
#define TAPQD_VERBS_H

#include "daemon.h"

/* fds (only a RESUME has any) are the verb's: kept or closed. */
void verbs_dispatch(struct tapqd *d, struct client *cl, const struct tapqd_hdr *h,
		    const void *payload, int *fds, size_t n_fds);

#endif
