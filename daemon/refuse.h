/* SPDX-License-Identifier: MIT */
/* refuse.h - every refusal counted by reason, and logged at most so often per uid */
#ifndef TAPQD_REFUSE_H
#define TAPQD_REFUSE_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"

/* A uid may have REFUSE_BURST refusals logged every REFUSE_INTERVAL_MS, as printk_ratelimit. */
#define REFUSE_INTERVAL_MS 5000
#define REFUSE_BURST 10
/*
 * Lines of info level a request of a non-root uid causes (leases taken and
 * ended, resizes): so many every so often per uid. 33 slots of 5 lines a
 * second stay under journald's default 10,000 lines in 30 s for the service.
 */
#define ACTS_INTERVAL_MS 10000
#define ACTS_BURST 50

int refuse_init(struct tapqd *d);
void refuse_fini(struct tapqd *d);
/*
 * Counts one refusal of pid/uid under why, and logs msg with them unless
 * that uid is over its budget; what is not logged is said as a count when
 * the window ends.
 */
void refuse_note(struct tapqd *d, pid_t pid, uid_t uid, enum tapqd_refusal why, const char *msg);
/* The counters, for STATUS. */
const uint64_t *refuse_counts(const struct tapqd *d);

#endif
