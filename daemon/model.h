/* SPDX-License-Identifier: MIT */
/* model.h - the devices of a tapqd: their transitions and what each one takes */
#ifndef TAPQD_MODEL_H
#define TAPQD_MODEL_H

#include <stddef.h>

#include "daemon.h"

struct client;
struct lease;

/* How a device leaves the list: each says what happens to its interface and what is logged. */
enum model_end {
	MODEL_DELETE,  /* on purpose (reload): the interface is deleted */
	MODEL_GONE,    /* the interface is already gone (ip link del, or with a holder's fds) */
	MODEL_FORGET,  /* tapqd lets go and leaves the interface to the fds its old holder left */
	MODEL_STOP,    /* tapqd stops: its copies close; the fd store or a holder may keep it */
};

/* Registers the hooks the monitor and the lease watcher report through. */
void model_init(struct tapqd *d);
/*
 * The devices of the config, in its order: taken back from the fd store,
 * waiting for the holder of an earlier tapqd, or created. Logs each.
 */
void model_start(struct tapqd *d);
/* Creates a device of the config and adds it to the list; logs either way. NULL on failure. */
struct device *model_add(struct tapqd *d, const struct conf_device *cd);
/*
 * Creates the device cd (a CREATE) and adds it to the list, logged with
 * how. Return: 0, or -errno with what saying which step failed (not logged:
 * the caller says it to whoever asked).
 */
int model_create_device(struct tapqd *d, const struct conf_device *cd, const char *how,
			struct device **ret, char *what, size_t what_size);
/* A device waiting in d->retrying is given up (DESTROY). Return: 0, or -ENOENT. */
int model_drop_retrying(struct tapqd *d, const char *name);
/*
 * The one teardown: dev leaves the list and is freed. why completes the log
 * line of MODEL_DELETE and MODEL_FORGET; the other two log their own.
 */
void model_destroy(struct tapqd *d, struct device *dev, enum model_end how, const char *why);
/*
 * READY -> LEASED for the peer at cl: a new lease, the workers stopped, and
 * in client mode every queue attached. The caller hands the fds over, then
 * calls sync_device(); the device is as it was on failure.
 * Return: 0 or -errno, with what failed in what.
 */
int model_lease_begin(struct tapqd *d, struct device *dev, struct client *cl,
		      unsigned int control, struct lease **ret, char *what, size_t what_size);
/*
 * The lease of dev ends: LEASED -> READY (or the removal or new config a
 * reload kept for this moment), WAITING -> ORPHANED. Subscribers and the
 * holder's connection hear LEASE_ENDED. dev may be freed on return.
 */
void model_lease_end(struct tapqd *d, struct device *dev, const char *why);
/*
 * WAITING -> LEASED: the holder resumed with fds, queue i at fds[i], which
 * become tapqd's copies on success. Return: 0 or -errno, what says why;
 * the device waits on as it was, and the fds are still the caller's.
 */
int model_resume(struct tapqd *d, struct device *dev, pid_t from, const int *fds, size_t n,
		 char *what, size_t what_size);
/*
 * A device of the config whose interface is gone and could not be created
 * again: tapqd retries it (pending create in its status). NULL when none.
 */
struct device *model_find_retrying(struct tapqd *d, const char *name);
/* A device by name: in the list, or waiting to be created again. NULL when none. */
struct device *model_find_any(struct tapqd *d, const char *name);
/* tapqd stops: every device goes (MODEL_STOP). */
void model_stop(struct tapqd *d);

#endif
