/* SPDX-License-Identifier: MIT */
/* statefile.h - saving and reading the lease state: the state file, and the fd store's copy */
#ifndef TAPQD_STATEFILE_H
#define TAPQD_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "state.h"

/* The file beside the control socket: "/run/tapqd/leases" for the default socket. */
#define STATEFILE_NAME "leases"

/* Sets d->state_path from the config's socket path. Return: 0 or -ENAMETOOLONG. */
int statefile_init(struct tapqd *d);
/*
 * Saves the lease of every device in the list under the next generation:
 * to the state file, and to the fd store when a service manager keeps one,
 * there with the config text statefile_keep_conf() kept. Logs its own
 * failures: a lost state costs continuity after a crash, never a device or
 * a lease.
 */
void statefile_save(struct tapqd *d);
/*
 * Without an fd store: saves once the current event is handled, so after the
 * reply that granted or ended a lease is sent. The file is the only copy
 * then, and a crash before it is written leaves that device with its holder,
 * unknown to the next tapqd and so never handed out. Under a service manager
 * the store needs the state before the reply: use statefile_save().
 */
void statefile_save_soon(struct tapqd *d);
/*
 * Keeps text (malloc'ed, len bytes: the config file just applied) for the
 * states saved from now on, freeing the one kept before. Over
 * STATE_CONF_MAX it keeps none, and says what that costs.
 */
void statefile_keep_conf(struct tapqd *d, char *text, size_t len);
/* Writes a save still pending (at stop), frees its event and the config text kept. */
void statefile_close(struct tapqd *d);
/*
 * Reads one saved state from fd (the file or a stored memfd), bounded and
 * strictly. Return: 0, -EBADMSG, -EPROTO, -ENOMEM or another -errno.
 */
int statefile_read_fd(int fd, struct state *ret);
/*
 * Reads the state file. A missing file is no lease (0, n = 0, generation 0).
 * Return: 0 or -errno; -EPERM when the file is not root's own 0600 file.
 */
int statefile_load(struct tapqd *d, struct state *ret);

#endif
