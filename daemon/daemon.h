/* SPDX-License-Identifier: MIT */
/* daemon.h - the daemon context and the objects it owns: devices, leases, clients */
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
struct lease;
struct client;
struct worker;
struct hwloc_topology;
struct adopt;
struct follow;
struct fdlimit;

/*
 * What the workers of one queue did, over every worker that served it: one
 * writer (the queue's worker), read by the main thread for status.
 */
struct queue_counters {
	_Atomic uint64_t rx_packets;
	_Atomic uint64_t rx_bytes;
	_Atomic uint64_t tx_packets;
	_Atomic uint64_t tx_bytes;
	_Atomic uint64_t drops;
};

struct device {
	TAILQ_ENTRY(device) entry;
	struct conf_device conf;
	int ifindex;
	unsigned int tun_flags;
	int fds[TAPQD_MAX_QUEUES];      /* tapqd's own copy of every queue, -1 once closed */
	bool attached[TAPQD_MAX_QUEUES]; /* as last read or set */
	int cpu[TAPQD_MAX_QUEUES];      /* core assigned to each queue */
	unsigned int want_active;       /* the active set tapqd keeps while unleased */
	struct lease *lease;            /* NULL when not leased */
	/*
	 * Restarted without the fd store while its interface lived on, held by
	 * the lease of an earlier tapqd: tapqd has no fd of it (fds all -1, queue
	 * states unknown) until the holder resumes with them (adopt_holder_fds),
	 * or until the interface goes and the device is created afresh.
	 */
	bool waiting;
	uint64_t tunsetqueue_calls;     /* every TUNSETQUEUE tapqd issued on it */
	/* handoff = name: queues the kernel last counted open outside tapqd (there are no others) */
	unsigned int outside_attached;
	unsigned int outside_detached;
	bool link_up;                   /* as the last RTM_NEWLINK said */
	bool follow_dirty;              /* notified since its queues were last read */
	unsigned int txqueuelen;        /* ring size of every queue, as tapqd last set it */
	unsigned int txqueuelen_pending; /* a smaller ring to set once nothing reads, 0: none */

	/* A shrink of a daemon-mode lease waiting for the holder's ack. */
	bool shrink_pending;
	unsigned int shrink_target;
	struct client *shrink_requester; /* NULL once it disconnected */
	uint32_t shrink_seq;
	struct event *shrink_timer;
	struct worker *workers[TAPQD_MAX_QUEUES]; /* NULL where no worker runs */
	struct queue_counters counters[TAPQD_MAX_QUEUES];

	/* What a reload left for the end of the lease (reload.c): nothing a holder has changes. */
	bool remove_pending;           /* gone from the config: deleted at release */
	bool reconf_pending;           /* next_conf is applied at release */
	struct conf_device next_conf;

	struct follow *follow; /* the vCPUs of the QEMU that holds it (follow.c), NULL: none */
};

struct lease {
	struct tapqd *d;
	struct device *dev;
	pid_t pid;
	uid_t uid;
	int pidfd;
	struct event *exit_ev;
	struct client *conn; /* the connection that acquired it, NULL once closed */
	unsigned int control;
	uint8_t token[TAPQD_TOKEN_LEN];
};

/* One queued outgoing message; it owns duplicates of the fds it carries. */
struct outmsg {
	STAILQ_ENTRY(outmsg) entry;
	size_t len;
	size_t n_fds;
	int *fds;
	char buf[];
};


struct client {
	TAILQ_ENTRY(client) entry;
	struct tapqd *d;
	int fd;
	struct event *read_ev;
	struct event *write_ev;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	size_t n_groups;
	gid_t *groups; /* malloc'ed, NULL when none */
	bool subscribed;
	char sub_name[TAPQD_NAME_MAX]; /* "" = every device */
	size_t out_len;                 /* queued messages */
	STAILQ_HEAD(, outmsg) outq;
	bool dead; /* closed by the reaper, after the current callback */
};

enum log_target {
	LOG_TERMINAL, /* stderr, plain */
	LOG_STREAM,   /* stderr connected to the journal: "<prio>" prefixes */
	LOG_JOURNAL,  /* detached: sd_journal_print */
};

struct tapqd {
	struct event_base *base;
	struct conf conf;
	const char *conf_path;
	enum log_target log_target;
	int log_level;
	struct nl_sock *nl;
	struct nl_sock *nl_monitor; /* RTNLGRP_LINK notifications */
	struct event *monitor_ev;
	struct event *poll_timer; /* reads queue states of down links, which send no notifications */
	struct event *watchdog_ev;
	bool notify_failed;  /* a failed sd_notify is logged once */
	bool fdstore;        /* a service manager listens (NOTIFY_SOCKET): queues go to its fd store */
	struct adopt *adopt; /* what came back from the fd store, during start-up only */
	struct fdlimit *fdlimit; /* the store's size and what tapqd keeps in it; NULL: unknown */
	char state_path[128]; /* the lease state file (statefile.c) */
	uint64_t state_gen;   /* generation of the last lease state saved */
	char conf_error[300]; /* why the last reload was refused, "" when it was not */
	TAILQ_HEAD(, device) devices;
	TAILQ_HEAD(, client) clients;
	int listen_fd;         /* set before ctl_listen() when the service manager passed it */
	char listen_path[108]; /* unlinked at stop when tapqd created it */
	struct event *listen_ev;
	struct event *accept_pause_ev;
	struct event *reap_ev;
	struct event *signal_evs[3];
	struct hwloc_topology *topo; /* restricted to the cpus = of the config; NULL before topo_init */
	unsigned int cpu_load[CONF_CPUS_MAX]; /* queues placed per PU OS index, for the next device */
	struct event *state_ev; /* writes the state file after the reply (no fd store) */
	bool state_dirty;
	int closer_fd; /* to the thread that closes fds clients sent; -1 until needed */
};

#endif
