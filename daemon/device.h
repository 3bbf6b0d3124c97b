/* SPDX-License-Identifier: MIT */
/* device.h - one multiqueue tap, every one of its queue fds, and the one state it is in */
#ifndef TAPQD_DEVICE_H
#define TAPQD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"
#include "expect.h"

struct lease;
struct shrink;
struct follow;
struct model_retry;

/*
 * The life of a device. Every change goes through device_set_state(), which
 * refuses a transition the table in device.c does not allow:
 *
 *   CREATING -> READY | LEASED | WAITING | BY_NAME | REMOVING
 *   READY    -> LEASED | REMOVING
 *   LEASED   -> READY | REMOVING
 *   WAITING  -> LEASED (the holder resumed with its fds) | ORPHANED | REMOVING
 *   ORPHANED -> REMOVING
 *   BY_NAME  -> REMOVING
 *
 * REMOVING is the last: the device is being torn down (model_destroy).
 */
enum device_state {
	DEVICE_CREATING, /* being set up, or taken back at start; not in the list yet */
	DEVICE_READY,    /* tapqd holds every queue and keeps the active set; no lease */
	DEVICE_LEASED,   /* a holder has the queues (lease.c) */
	/*
	 * Restarted without the fd store while the interface lived on: the
	 * holder of an earlier tapqd has every queue and tapqd none, until the
	 * holder resumes with them (LEASED) or exits (ORPHANED).
	 */
	DEVICE_WAITING,
	/* that holder's lease ended: tapqd waits for the interface to go with its fds */
	DEVICE_ORPHANED,
	DEVICE_BY_NAME,  /* handoff = name: persistent, opened by name by its client; tapqd holds none */
	DEVICE_REMOVING,
};

/*
 * What a worker did (its own copy, written by it alone, read by the main
 * thread for status), or what the workers of one queue that have ended did
 * (the device's, written by the main thread after each join).
 */
struct queue_counters {
	_Atomic uint64_t rx_packets;
	_Atomic uint64_t rx_bytes;
	_Atomic uint64_t tx_packets;
	_Atomic uint64_t tx_bytes;
	_Atomic uint64_t drops;
	uint64_t cpu_ns; /* in the device's totals only: a running worker's is its thread's clock */
};

struct device {
	TAILQ_ENTRY(device) entry;
	enum device_state state;
	struct conf_device conf;
	int ifindex;
	char ifname[TAPQD_NAME_MAX];     /* the interface's name in the kernel (monitor.c follows renames) */
	unsigned int tun_flags;
	int fds[TAPQD_MAX_QUEUES];      /* tapqd's own copy of every queue, -1 once closed */
	bool attached[TAPQD_MAX_QUEUES]; /* as last read or set */
	int cpu[TAPQD_MAX_QUEUES];      /* core assigned to each queue, -1: none */
	unsigned int want_active;       /* the active set tapqd keeps while it is READY */
	struct lease *lease;            /* LEASED and WAITING: the holder's (lease.c), else NULL */
	struct shrink *shrink;          /* a shrink waiting for the holder's ack (resize.c) */
	struct follow *follow;          /* the vCPUs of the QEMU that holds it (follow.c) */
	struct model_retry *retry;      /* in d->retrying: its next attempt (model.c), else NULL */
	int create_error;               /* in d->retrying: errno of the last failed attempt */
	uint64_t tunsetqueue_calls;     /* every TUNSETQUEUE tapqd issued on it */
	bool link_up;                   /* as the last RTM_NEWLINK said */
	bool follow_dirty;              /* notified of a change not tapqd's own since its queues were last read */
	struct expect own;              /* tapqd's own queue steps the monitor has not heard back yet */
	unsigned int txqueuelen;        /* ring size of every queue, as tapqd last set it */
	unsigned int txqueuelen_pending; /* a ring to set once nothing reads, 0: none */

	/* What a reload left for the end of the lease or of the interface (reload.c). */
	bool removal_pending;           /* gone from the config */
	bool conf_pending;              /* pending_conf is applied then */
	struct conf_device pending_conf;

	/*
	 * BY_NAME: queues open outside tapqd beyond max_queues, as last logged.
	 * The kernel sets no limit per device, so tapqd can only say so.
	 */
	unsigned int by_name_excess;

	/* What sync_device() last made of the state: it acts on the differences. */
	unsigned int synced_active;     /* the active count subscribers last heard of */
	unsigned int synced_vcpus;      /* the followed vCPU count subscribers last heard of */
	bool lease_dirty;               /* the lease changed since the state was last stored */
	uint64_t fdstore_gen;           /* of its bundle in the fd store (fdstore.c), 0: none */

	struct worker *workers[TAPQD_MAX_QUEUES]; /* NULL where no worker runs */
	struct queue_counters counters[TAPQD_MAX_QUEUES];
};

const char *device_state_name(enum device_state state);
/* Return: 0, or -EINVAL when the table does not allow it (dev stays as it was). */
int device_set_state(struct device *dev, enum device_state to);
/* tapqd has its own copy of every queue: READY or LEASED. */
bool device_has_queues(const struct device *dev);

/* An empty device of that config, CREATING: no fds (-1), not in the list. NULL when out of memory. */
struct device *device_new(const struct conf_device *cd);
/*
 * Creates the tap of cd with every queue (or, handed off by name, the
 * persistent device), sets it up and places it. Return: 0 or a negative
 * errno; on failure what names the step that failed.
 */
int device_create(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		  size_t what_size);
/*
 * Takes over a device that already exists, its queue fds in dev->fds (back
 * from the fd store, or a resuming holder's, checked): reads the queue
 * states, applies the config, and leaves what a holder owns (active set,
 * vnet header, offloads) alone when leased is true. Return as device_create().
 */
int device_adopt(struct tapqd *d, struct device *dev, bool leased, char *what, size_t what_size);
/* The TUNSETIFF flags of every queue of a device of that config. */
unsigned int device_tun_flags(const struct conf_device *cd);
/* Whether tapqd deletes a device of this config when it stops (device.c says when). */
bool device_deleted_at_stop(const struct tapqd *d, const struct conf_device *cd);
/*
 * After a lease: the holder may have passed its queue files on, and a
 * detached file can still inject frames and attach itself again (README,
 * "Between two leases"). Every queue gets a fresh file opened by the
 * interface's name, attached as the old one was, and the config's tun
 * settings; the old files are detached and tapqd's copies closed.
 * Return: 0 when no old file is open anywhere else; -EBUSY when some still
 * are (ret_left says how many: only deleting the interface cuts them off);
 * another -errno (-E2BIG: those files fill the kernel's 256 queues), what
 * says which step. On failure some queues may be fresh and some old.
 */
int device_renew_queues(struct tapqd *d, struct device *dev, unsigned int *ret_left, char *what,
			size_t what_size);
/* Stops its workers, gives its cores back, closes tapqd's copies and frees it. */
void device_free(struct tapqd *d, struct device *dev);
struct device *device_find(struct tapqd *d, const char *name);
struct device *device_find_in(struct device_list *list, const char *name);
struct device *device_find_ifindex(struct tapqd *d, int ifindex);
int device_refresh(struct device *dev);
/* Its interface has another name than the config's (renamed outside tapqd). */
bool device_renamed(const struct device *dev);
int device_set_active(struct device *dev, unsigned int n, unsigned int *ret_failed_queue);
unsigned int device_active_count(const struct device *dev);
/*
 * BY_NAME: the queues open outside tapqd, as the kernel counts them
 * (rtnetlink; tapqd has no fd to ask). A failure is logged here.
 * Return: 0 or -errno.
 */
int device_count_outside(struct tapqd *d, const struct device *dev, unsigned int *ret_attached,
			 unsigned int *ret_open);

#endif
