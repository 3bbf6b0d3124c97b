/* SPDX-License-Identifier: MIT */
/* lease.h - exclusive grants of a device's queues to one client process */
#ifndef TAPQD_LEASE_H
#define TAPQD_LEASE_H

#include "daemon.h"
#include "state.h"

int lease_grant(struct tapqd *d, struct device *dev, struct client *cl, unsigned int control,
		struct lease **ret);
/*
 * Moves l to process pid, which must be alive and allowed to use the device
 * (its uid in *ret_uid once read): the lease then ends when pid exits.
 * Return: 0, -ESRCH (no such process), -EACCES (not allowed), or -errno;
 * the lease is unchanged on failure.
 */
int lease_handover(struct tapqd *d, struct lease *l, pid_t pid, uid_t *ret_uid);
void lease_end(struct tapqd *d, struct lease *l, const char *why);
/*
 * Restores a lease of an earlier tapqd on dev, watching its holder through
 * pidfd (taken on success; the caller closes it otherwise). The holder keeps
 * no connection until it resumes. Return: 0, -ESRCH (the holder has exited),
 * -ESTALE (the pidfd is another process than the record's), or -errno.
 */
int lease_adopt(struct tapqd *d, struct device *dev, int pidfd, const struct state_lease *rec);
/* The holder is gone though its exit event may not have run yet. */
bool lease_holder_exited(const struct lease *l);
/* Drops tapqd's side of a lease and nothing else (stopping, device gone). */
void lease_forget(struct lease *l);

#endif
