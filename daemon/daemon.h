/* SPDX-License-Identifier: MIT */
/* daemon.h - the daemon context: the one struct every module is handed, and the hooks of the layers */
#ifndef TAPQD_DAEMON_H
#define TAPQD_DAEMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "conf.h"
#include "tapqd.h"

struct event;
struct event_base;
struct nl_sock;
struct worker;
struct hwloc_topology;
struct adopt;
struct ctl;
struct fdlimit;
struct refuse;

enum log_target {
	LOG_TERMINAL, /* stderr, plain */
	LOG_STREAM,   /* stderr is the journal: "<prio>" prefixes, or fields (log_ctx) natively */
	LOG_JOURNAL,  /* detached: sd_journal_send */
};

/*
 * What the message being logged concerns, for the journal's TAPQD_ fields:
 * set (log_device, log_queue, log_peer) around a request and around the
 * operations on one device, and put back as it was after them. The name is
 * a copy: a request may free the device it names.
 */
struct log_ctx {
	char device[CONF_NAME_MAX]; /* "": none */
	int queue;                  /* -1: none */
	bool peer;
	pid_t peer_pid;
	uid_t peer_uid;
};

struct device;
struct tapqd;

/*
 * How the lower layers report upward: the monitor and the lease watcher
 * never call the model, they call these, which the model sets at start
 * (model_init). Calls go down; reports come up through here.
 */
struct tapqd_hooks {
	/* the interface is gone: deleted from outside, or with the last fds of a holder */
	void (*link_gone)(struct tapqd *d, struct device *dev);
	/* RTM_NEWLINK, or the poll of a down link: the queues may have changed */
	void (*queues_changed)(struct tapqd *d, struct device *dev);
	/* RTM_NEWLINK named the interface otherwise than tapqd last knew it */
	void (*link_renamed)(struct tapqd *d, struct device *dev, const char *name);
	/* the lease holder's pidfd polls readable */
	void (*holder_exited)(struct tapqd *d, struct device *dev);
	/* the followed QEMU's vCPU count changed, or its monitor went (0) */
	void (*vcpus_changed)(struct tapqd *d, struct device *dev);
};

/* What tapqd counts since it started, for STATUS (tapqctl metrics). */
struct tapqd_stats {
	uint64_t resizes;         /* resize.c: RESIZE requests that changed an active set */
	uint64_t reloads_applied; /* reload.c */
	uint64_t reloads_refused;
	_Atomic uint64_t errors;  /* log.c: lines at error priority, from any thread */
};

struct tapqd {
	struct tapqd_hooks hooks;
	struct tapqd_stats stats;
	/*
	 * &stats.errors once main() set it up, NULL in tests: log_msg() takes a
	 * const d (it reads the context), yet counts what it writes.
	 */
	_Atomic uint64_t *log_errors;
	struct event_base *base;
	struct conf conf;
	const char *conf_path;
	enum log_target log_target;
	struct log_ctx log_ctx;
	int log_level;
	struct nl_sock *nl;
	struct nl_sock *nl_monitor; /* RTNLGRP_LINK notifications */
	struct event *monitor_ev;
	bool monitor_dumping;     /* an RTM_GETLINK dump of every link is being read (monitor.c) */
	bool monitor_dump_again;  /* notifications were lost while it was: one more is due */
	bool monitor_dirty;       /* a device's follow_dirty is set: its queues are read soon */
	struct event *settle_timer; /* ... then (monitor.c) */
	struct event *poll_timer; /* reads queue states of down links, which send no notifications */
	struct event *watchdog_ev;
	bool notify_failed;  /* a failed sd_notify is logged once */
	bool fdstore;        /* a service manager listens (NOTIFY_SOCKET): queues go to its fd store */
	bool store_discarded; /* at SIGTERM: systemd stops the unit and empties the store */
	struct adopt *adopt; /* what came back from the fd store, during start-up only */
	struct fdlimit *fdlimit; /* the store's size and what tapqd keeps in it; NULL: unknown */
	int lock_fd;          /* the lock that makes this the one tapqd of its directory (instance.c) */
	char state_path[128]; /* the lease state file (statefile.c) */
	uint64_t state_gen;   /* generation of the last lease state saved */
	char conf_error[300]; /* why the last reload was refused, "" when it was not */
	char *conf_text;      /* the config file last applied, for the stored state (statefile.c) */
	size_t conf_text_len;
	TAILQ_HEAD(device_list, device) devices;
	struct device_list retrying; /* gone, and not created again yet: retried (model.c) */
	struct ctl *ctl; /* the control socket and its clients (ctl.c) */
	struct refuse *refuse; /* refusals: their counters and log budget (refuse.c) */
	/*
	 * Whether log.c writes a line of this priority now (refuse.c: the budget
	 * of a request's uid); NULL: always. The uid is the peer's whose request
	 * is being served, set by ctl.c around the handler.
	 */
	bool (*log_gate)(const struct tapqd *d, int prio);
	bool request_uid_set;
	uid_t request_uid;
	int listen_fd;         /* set before ctl_listen() when the service manager passed it */
	char listen_path[108]; /* unlinked at stop when tapqd created it */
	struct event *signal_evs[3];
	struct hwloc_topology *topo; /* restricted to the cpus = of the config; NULL before topo_init */
	unsigned int cpu_load[CONF_CPUS_MAX]; /* queues placed per PU OS index, for the next device */
	struct event *state_ev; /* writes the state file after the reply (no fd store) */
	bool state_dirty;
	uint64_t lease_ids; /* the last id given to a lease (lease.c) */
	bool threads; /* past daemon(), whose fork threads would not survive: workers may start */
	uint32_t link_group; /* of the devices deleted at stop, in one message (linkgroup.c) */
};

#endif
