/* SPDX-License-Identifier: MIT */
/* fdstore.h - what tapqd keeps in the service manager's fd store, and under which names */
#ifndef TAPQD_FDSTORE_H
#define TAPQD_FDSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* FDNAME= is at most 255 characters; ours are far shorter. */
#define FDSTORE_NAME_MAX 64
#define FDSTORE_STATE "state"

enum fdstore_kind {
	FDSTORE_FOREIGN, /* not a name tapqd gives: the socket of a socket unit, or a stray */
	FDSTORE_BUNDLE,  /* "b.PARITY.DEVICE": its queues and holder in one socket (fdbundle.h) */
	FDSTORE_QUEUE,   /* "q.INDEX.DEVICE": one queue fd, as tapqd stored them up to 0.3 */
	FDSTORE_HOLDER,  /* "h.DEVICE": the pidfd of the device's lease holder, up to 0.3 */
	FDSTORE_LEASES,  /* "state.0", "state.1": the lease state memfd (state.c) */
};

/*
 * Names are ASCII without ':' (the separator of LISTEN_FDNAMES) and carry
 * the device last, since an interface name may itself contain '.'.
 */
void fdstore_queue_name(char *buf, size_t size, const char *dev, unsigned int queue);
void fdstore_holder_name(char *buf, size_t size, const char *dev);
/* A device's bundle alternates between two names, by the parity of its generation. */
void fdstore_bundle_name(char *buf, size_t size, const char *dev, uint64_t generation);
/* The state alternates between two names, by the parity of its generation. */
void fdstore_state_name(char *buf, size_t size, uint64_t generation);
/*
 * Pure. dev gets the device of a BUNDLE, QUEUE or HOLDER name, queue the
 * index of a QUEUE or the parity of a BUNDLE.
 */
enum fdstore_kind fdstore_name_parse(const char *name, char dev[TAPQD_NAME_MAX],
				     unsigned int *ret_queue);

/*
 * Each stores nothing without a service manager (d->fdstore) and logs its own
 * failures: a failed store costs continuity after a crash, never the device.
 */
/*
 * Stores dev's queues and its lease holder's pidfd (-1: none) as one
 * bundle under the name of the next generation, then removes the one
 * before (dev->fdstore_gen): a crash in between leaves both, and the
 * restarted tapqd takes the higher generation (adopt.c). A device without
 * queue fds (handed off by name, or waiting) stores its holder alone.
 */
void fdstore_put_device(struct tapqd *d, struct device *dev, int holder_pidfd);
/*
 * For a device deleted on purpose (or from outside): its bundle leaves the
 * store; the lease state is saved without it, store or not.
 */
void fdstore_forget_device(struct tapqd *d, const struct device *dev);
/* Stores an encoded lease state (statefile.c) as a sealed memfd, then drops the one before. */
void fdstore_put_state(struct tapqd *d, const uint8_t *buf, size_t size, uint64_t generation);
void fdstore_remove(struct tapqd *d, const char *name);

#endif
