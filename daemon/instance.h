/* SPDX-License-Identifier: MIT */
/* instance.h - one tapqd per runtime directory: the lock file that says which one runs */
#ifndef TAPQD_INSTANCE_H
#define TAPQD_INSTANCE_H

#include <stddef.h>

#include "daemon.h"

/* Beside the control socket, as the lease state: "/run/tapqd/tapqd.lock" for the default socket. */
#define INSTANCE_LOCK "tapqd.lock"

/* buf = the directory of the config's socket path + "/" + name. Return: 0 or -ENAMETOOLONG. */
int instance_path(const struct tapqd *d, const char *name, char *buf, size_t size);
/*
 * Before anything else is touched: refuses when another tapqd holds the
 * lock file (naming its pid) or, without a socket from the service manager,
 * when something answers on the socket path; otherwise takes the lock into
 * d->lock_fd and writes this pid into the file.
 * Return: 0 or -errno with what saying why (a start-up failure).
 */
int instance_claim(struct tapqd *d, char *what, size_t what_size);
/* Writes this pid into the lock file again: daemon() made a new one. Return: 0 or -errno. */
int instance_note_pid(struct tapqd *d, char *what, size_t what_size);
/* At stop: lets the lock go. */
void instance_release(struct tapqd *d);

#endif
