/* SPDX-License-Identifier: MIT */
/* lease.h - exclusive grants of a device's queues to one client process */
#ifndef TAPQD_LEASE_H
#define TAPQD_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "state.h"

struct client;
struct lease;

/*
 * Binds dev to the process at the other end of cl (its pidfd), with a new
 * token; dev->lease is the new lease. When that process exits,
 * d->hooks.holder_exited() says so. The device's state is the caller's.
 * Return: 0 or -errno, and dev is as it was.
 */
int lease_grant(struct tapqd *d, struct device *dev, struct client *cl, unsigned int control,
		struct lease **ret);
/*
 * Moves l to process pid, which must be alive, one that uid by_uid could
 * signal (acl_may_signal), and allowed to use the device (its effective uid
 * in *ret_uid once read): the lease then ends when pid exits. The ids are
 * read from /proc between opening a pidfd and finding that process still
 * alive, so they are that process's, not a reused pid's.
 * Return: 0, -ESRCH (no such process), -EPERM (not by_uid's to signal),
 * -EACCES (not allowed), or -errno; the lease is unchanged on failure.
 */
int lease_handover(struct tapqd *d, struct lease *l, pid_t pid, uid_t by_uid, uid_t *ret_uid);
/*
 * Restores a lease of an earlier tapqd on dev, watching its holder through
 * pidfd (taken on success; the caller closes it otherwise). The holder keeps
 * no connection until it resumes. Return: 0, -ESRCH (the holder has exited),
 * -ESTALE (the pidfd is another process than the record's), or -errno.
 */
int lease_adopt(struct tapqd *d, struct device *dev, int pidfd, const struct state_lease *rec);
/* The holder is gone though its exit event may not have run yet. */
bool lease_holder_exited(const struct lease *l);
/* Ends tapqd's side of a lease: dev->lease is NULL after. Nothing else changes. */
void lease_free(struct lease *l);
/* cl is closing: the leases it acquired or resumed stay, without a connection. */
void lease_client_gone(struct tapqd *d, const struct client *cl);
/* The device whose lease has that id, NULL when it has ended. */
struct device *lease_find_id(struct tapqd *d, uint64_t id);
/* token is this lease's (all zero never is). Constant time. */
bool lease_token_matches(const struct lease *l, const uint8_t token[TAPQD_TOKEN_LEN]);
/* The lease as the state file and the fd store keep it. */
void lease_record(const struct lease *l, const char *name, struct state_lease *rec);

pid_t lease_pid(const struct lease *l);
/* The holder's command name, as /proc/PID/comm said when it took the lease; "" if unknown. */
const char *lease_comm(const struct lease *l);
uid_t lease_uid(const struct lease *l);
unsigned int lease_control(const struct lease *l);
uint64_t lease_id(const struct lease *l);
int lease_pidfd(const struct lease *l);
const uint8_t *lease_token(const struct lease *l);
struct client *lease_conn(const struct lease *l);
void lease_set_conn(struct lease *l, struct client *cl);

#endif
