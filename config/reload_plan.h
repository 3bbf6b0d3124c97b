/* SPDX-License-Identifier: MIT */
/*
 * reload_plan.h - what a reload does to each device, decided from the old
 * and the new config and from what the daemon knows of each device, without
 * touching anything: the daemon applies the plan, the unit tests read it
 */
#ifndef TAPQD_RELOAD_PLAN_H
#define TAPQD_RELOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* What the running daemon knows of one device, as much as the plan needs. */
enum plan_state {
	PLAN_READY,    /* tapqd holds every queue fd; no lease */
	PLAN_LEASED,   /* a holder has the queues (client or daemon mode) */
	/*
	 * Restarted without the fd store: the holder of an earlier tapqd has
	 * the queues, tapqd has no fd until it resumes.
	 */
	PLAN_WAITING,
	/*
	 * That holder's lease ended: tapqd waits for the interface to go with
	 * the fds it left, then creates the device afresh.
	 */
	PLAN_ORPHANED,
	/* handoff = name: persistent, its client opens it by name; tapqd holds no fd */
	PLAN_BY_NAME,
};

struct plan_device_in {
	const struct conf_device *running; /* what the device was set up with (dev->conf) */
	enum plan_state state;             /* PLAN_BY_NAME exactly when running->handoff is name */
	/* PLAN_BY_NAME: queues open outside tapqd (the kernel's count), -1: not counted */
	int queues_open;
	const struct conf_device *pending; /* the config kept for the end of the lease, or NULL */
	bool removal_pending;              /* gone from the config, deleted at the lease's end */
};

/*
 * One bit per setting of struct conf_device that differs. Some need no
 * action of their own: MAC_UNSET is only noted; ALLOW, BACKEND and PIN take
 * effect by being in the device's config (but see PLAN_CH_WORKERS). No bit
 * at all for name (devices are matched by it) and line and the *_line
 * fields (where the file said it, for its errors only).
 */
enum plan_change {
	/* the TUNSETIFF flags of every queue fd, or an owner or group the kernel cannot unset */
	PLAN_CH_MAX_QUEUES = 1u << 0,
	PLAN_CH_VNET_HDR = 1u << 1,
	PLAN_CH_HANDOFF = 1u << 2,
	PLAN_CH_OWNER_REMOVED = 1u << 3,
	PLAN_CH_GROUP_REMOVED = 1u << 4,
	/* what a holder sets itself on its fds, or its active set */
	PLAN_CH_ACTIVE_QUEUES = 1u << 5,
	PLAN_CH_VNET_HDR_SIZE = 1u << 6, /* only counted with vnet_hdr = yes in the new config */
	PLAN_CH_OFFLOADS = 1u << 7,      /* likewise */
	/* the link, through rtnetlink: a holder does not notice */
	PLAN_CH_MTU = 1u << 8,
	PLAN_CH_MAC = 1u << 9,       /* set to the new address */
	PLAN_CH_MAC_UNSET = 1u << 10, /* no longer set: only noted, the device keeps its address */
	PLAN_CH_BRIDGE = 1u << 11,
	/* ioctls on the device through tapqd's first queue: a holder does not notice */
	PLAN_CH_OWNER = 1u << 12, /* set, or set to another user */
	PLAN_CH_GROUP = 1u << 13,
	PLAN_CH_PERSIST = 1u << 14,
	/* the ring's size */
	PLAN_CH_TXQUEUELEN = 1u << 15,
	PLAN_CH_QUEUE_MEMORY = 1u << 16,
	/* read by tapqd alone: they take effect by being in the device's config */
	PLAN_CH_ALLOW = 1u << 17, /* allow_users, allow_groups */
	PLAN_CH_BACKEND = 1u << 18,
	PLAN_CH_FOLLOW = 1u << 19, /* follow = qmp:PATH: follow_update() starts or stops it */
	PLAN_CH_PIN = 1u << 20,    /* pin_client_threads: the follower reads it at each poll */
};

#define PLAN_CH_NEW_FDS                                                                            \
	(PLAN_CH_MAX_QUEUES | PLAN_CH_VNET_HDR | PLAN_CH_HANDOFF | PLAN_CH_OWNER_REMOVED |         \
	 PLAN_CH_GROUP_REMOVED)
#define PLAN_CH_HOLDER (PLAN_CH_ACTIVE_QUEUES | PLAN_CH_VNET_HDR_SIZE | PLAN_CH_OFFLOADS)
#define PLAN_CH_LINK (PLAN_CH_MTU | PLAN_CH_MAC | PLAN_CH_MAC_UNSET | PLAN_CH_BRIDGE)
/* ioctls through tapqd's first queue, as at creation */
#define PLAN_CH_TUN (PLAN_CH_OWNER | PLAN_CH_GROUP | PLAN_CH_PERSIST)
/* the ring holds txqueuelen packets, or queue_memory's worth of MTU-sized frames */
#define PLAN_CH_RING (PLAN_CH_MTU | PLAN_CH_TXQUEUELEN | PLAN_CH_QUEUE_MEMORY)
/*
 * Workers keep their header length and data path from their start: when
 * one of these applies now to a device whose workers run (unleased), they
 * stop and start again.
 */
#define PLAN_CH_WORKERS (PLAN_CH_BACKEND | PLAN_CH_VNET_HDR_SIZE)
/* a device handed off by name gets these at its creation only */
#define PLAN_CH_BY_NAME_SETUP                                                                      \
	(PLAN_CH_NEW_FDS | PLAN_CH_VNET_HDR_SIZE | PLAN_CH_OFFLOADS | PLAN_CH_OWNER |              \
	 PLAN_CH_GROUP | PLAN_CH_TXQUEUELEN | PLAN_CH_QUEUE_MEMORY)

enum plan_kind {
	PLAN_NOTHING,  /* nothing tapqd acts on differs */
	PLAN_APPLY,    /* apply the now bits */
	PLAN_DEFER,    /* apply the now bits; the new config waits with the later bits */
	PLAN_RECREATE, /* delete now; the create pass creates it again from the new config */
	PLAN_REMOVE,   /* delete now */
	PLAN_REMOVE_AT_LEASE_END,
	PLAN_REMOVE_LATER, /* handed off by name: kept until no queue is open outside tapqd */
	PLAN_FORGET,       /* drop it from tapqd's list; the interface goes with its holder's fds */
};

/* What happens to the ring (PLAN_CH_RING differs), which a lease never sees resized. */
enum plan_ring {
	PLAN_RING_SAME,
	PLAN_RING_NOW,          /* sized again from the new config */
	PLAN_RING_AT_LEASE_END, /* the size the new config wants is kept pending */
};

enum plan_flag {
	PLAN_F_BACK_IN_CONFIG = 1u << 0, /* its removal was pending: it stays */
	PLAN_F_NOTHING_WAITS = 1u << 1,  /* a config was pending: it no longer differs */
	PLAN_F_STILL_REMOVED = 1u << 2,  /* its removal was pending already: nothing new */
};

struct plan_action {
	enum plan_kind kind;
	enum plan_state state;  /* as given */
	int queues_open;        /* as given: why a PLAN_BY_NAME change or removal waits */
	unsigned int now;       /* enum plan_change: applied now */
	unsigned int later;     /* enum plan_change: wait; non-zero: next is the pending config */
	unsigned int flags;     /* enum plan_flag */
	enum plan_ring ring;
	bool place;             /* its queues take part in placement (tapqd knows them) */
	const struct conf_device *running;
	const struct conf_device *next; /* in the new config; NULL when removed from it */
	/*
	 * What the device runs with once the now bits are applied: next, but
	 * with running's settings for the later bits. The applier puts back
	 * running's for a change that fails too, with plan_keep(). Removed
	 * from the config: running, unchanged.
	 */
	struct conf_device conf;
};

/* The [tapqd] settings that differ, one bit each: every key of struct conf but devices. */
enum plan_global {
	PLAN_G_SOCKET_PATH = 1u << 0, /* applies at the next start: the old path stays in use */
	PLAN_G_SOCKET_MODE = 1u << 1,
	PLAN_G_SOCKET_GROUP = 1u << 2,
	PLAN_G_LOG_LEVEL = 1u << 3,
	/*
	 * Queues are placed again. The applier places them at every reload,
	 * since it reads the topology again too, which this plan cannot see.
	 */
	PLAN_G_CPUS = 1u << 4,
	PLAN_G_PLACEMENT = 1u << 5,
	PLAN_G_RESIZE_TIMEOUT = 1u << 6, /* read by the next shrink */
	/* read at the next accept: connections open over a lowered cap stay */
	PLAN_G_MAX_CONNECTIONS = 1u << 7,
	PLAN_G_MAX_CONNECTIONS_PER_UID = 1u << 8,
	PLAN_G_HELLO_TIMEOUT = 1u << 9, /* for connections accepted from then on */
	PLAN_G_CLIENT_OUTPUT_MAX = 1u << 10, /* read by the next message queued */
	PLAN_G_LAST = PLAN_G_CLIENT_OUTPUT_MAX,
};

/*
 * Applied in this order: the globals; each device's action, in order (a
 * device that stays runs with its conf, keeps next as its pending config
 * when later is non-zero and none otherwise, and drops a pending removal;
 * one removed later keeps no pending config); placement of every device
 * whose action says place; the creations.
 */
struct reload_plan {
	struct plan_action *devs; /* one per device given, in the same order */
	size_t n_devs;
	/*
	 * Created after the actions, in next's order: its devices no device
	 * runs as, and those PLAN_RECREATE deletes.
	 */
	const struct conf_device **create; /* malloc'ed, room for every device of next */
	size_t n_create;
	unsigned int globals; /* enum plan_global */
};

/*
 * Plans one device: next is its entry in the new config, NULL when the new
 * config no longer has it. Also how the end of a lease applies what waited:
 * the device is then PLAN_READY, next is the pending config.
 * Return: 0, or -EINVAL when in contradicts itself.
 */
int reload_plan_device(const struct plan_device_in *in, const struct conf_device *next,
		       struct plan_action *ret);

/*
 * Plans a reload from old to next of the n running devices. The devices
 * are matched by name, and old only gives the [tapqd] settings that ran.
 * Return: 0, -EINVAL (an input contradicts itself) or -ENOMEM; on success
 * free ret with reload_plan_free().
 */
int reload_plan(const struct conf *old, const struct conf *next, const struct plan_device_in *devs,
		size_t n, struct reload_plan *ret);
void reload_plan_free(struct reload_plan *plan);

/* Copies from's settings of the change bits into conf: what a change that waits or fails keeps. */
void plan_keep(struct conf_device *conf, const struct conf_device *from, unsigned int changes);

/*
 * One change of an action as a log line says it: "mtu 1500 -> 1400". when
 * is NULL for a change applied now, else the moment it waits for ("when the
 * lease of pid 42 ends"), which the line ends with.
 * Return: buf, always NUL-terminated.
 */
const char *plan_change_text(const struct plan_action *a, unsigned int change, const char *when,
			     char *buf, size_t size);

/*
 * Why the action deletes, keeps or forgets the device, or why its changes
 * wait, when it is more than its changes say ("removed from the config"),
 * ending with when where the action waits for it. Return: buf, or NULL when
 * there is nothing more to say.
 */
const char *plan_why_text(const struct plan_action *a, const char *when, char *buf, size_t size);

/* The line for one enum plan_flag of an action, NULL when it has none. */
const char *plan_flag_text(const struct plan_action *a, unsigned int flag);

/* One enum plan_global that differs between old and next, as a log line says it. */
const char *plan_global_text(unsigned int global, const struct conf *old, const struct conf *next,
			     char *buf, size_t size);

#endif
