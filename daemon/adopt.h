/* SPDX-License-Identifier: MIT */
/* adopt.h - taking back, at start, what systemd passes: the control socket and the fd store */
#ifndef TAPQD_ADOPT_H
#define TAPQD_ADOPT_H

#include <stddef.h>

#include "daemon.h"
#include "state.h"

/*
 * Reads LISTEN_FDS/LISTEN_FDNAMES: the one listening SEQPACKET Unix socket
 * becomes d->listen_fd, fd store fds are kept for adopt_device(), the newest
 * stored lease state is read. Anything else passed is refused. Changes
 * nothing, in the store or elsewhere: it runs before tapqd knows it is the
 * one tapqd of its directory (instance.c).
 * Return: 0 or -errno with what saying why (a start-up failure).
 */
int adopt_start(struct tapqd *d, char *what, size_t what_size);
/*
 * The config text the newest stored state carries, handed over (malloc'ed,
 * *ret_len bytes): the config the stored devices were made under. NULL
 * when the store passed back no state, or one without a config.
 */
char *adopt_take_conf(struct tapqd *d, size_t *ret_len);
/*
 * Once this tapqd is the one that runs: unsets LISTEN_*, drops the stored
 * states not read from the store, and without a stored state reads the
 * state file (statefile_init() first).
 */
void adopt_leases(struct tapqd *d);
/*
 * Re-adopts the declared device cd from its stored queue fds, with its lease
 * when the holder still lives. Return: 0, -ENOENT when nothing of it was
 * stored (the caller creates it), or -errno with what saying why it was not
 * adopted (its stored fds are then closed and removed from the store).
 */
int adopt_device(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		 size_t what_size);
/*
 * Without stored fds of cd, when its interface exists and the lease state
 * (fd store or state file) names a lease of it whose holder lives (pidfd,
 * and the uid in /proc matches): a device without fds that waits for its
 * holder, leased to it, watched through its pidfd. Return: 0, -ENOENT (no
 * interface, or no lease of it), -ESRCH (the holder is gone) or -errno,
 * with what naming the lease.
 */
int adopt_waiting(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		  size_t what_size);
/*
 * A waiting device takes the fds its holder resumed with as its own copies:
 * max_queues of them, in queue order, each of this device with the flags of
 * its config, no two the same queue. Then it is adopted as from the fd store
 * (device_adopt), its queues stored, its workers and placement set. Return:
 * 0 (the fds are the device's), or -errno with what saying why (the caller
 * still owns and closes them; the device still waits).
 */
int adopt_holder_fds(struct tapqd *d, struct device *dev, const int *fds, size_t n, char *what,
		     size_t what_size);
/* The devices clients created, as the stored state lists them (NULL, 0: none). */
const struct state_created *adopt_created(struct tapqd *d, size_t *ret_n);
/*
 * The config a created device was made with, read back from its record
 * strictly (it is input), with its template and creator. Return: 0, or
 * -errno with what saying why.
 */
int adopt_created_conf(const struct state_created *c, struct conf_device *ret, char *what,
		       size_t what_size);
/*
 * Without stored fds of a created device, when its interface is still
 * there (persist = yes, or its last files outlived tapqd) under the
 * ifindex the state recorded, and no queue of it is open anywhere: fresh
 * queues of it, adopted as from the fd store. Return: 0, -ENOENT (no
 * record, no interface), or -errno with what saying why it is not taken.
 */
int adopt_created_interface(struct tapqd *d, const struct conf_device *cd, struct device **ret,
			    char *what, size_t what_size);
/* Closes, logs and removes from the store every stored fd no device took; writes the lease state. */
void adopt_finish(struct tapqd *d);

#endif
