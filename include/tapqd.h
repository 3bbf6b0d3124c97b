/* SPDX-License-Identifier: MIT */
/*
 * tapqd.h - the tapqd control protocol (version 3) and the libtapqd client API
 *
 * This header is all a client needs. The control socket is a local
 * SOCK_SEQPACKET Unix socket: every datagram is one message, made of a
 * struct tapqd_hdr followed by hdr.len bytes of payload, at most
 * TAPQD_MSG_MAX bytes in all. Integers are in host byte order (the socket
 * never leaves the machine). Strings are fixed-size, NUL-padded arrays.
 * Every byte of a wire struct has a name (reserved ones are sent as zero),
 * and every offset is checked at compile time below.
 *
 * Versions. Every message of every version starts with the same 16 bytes,
 * struct tapqd_hdr (magic, version, type, seq, len), and TAPQD_MSG_MAX is
 * the same in every version. hdr.version is the version the message is
 * written in. A client starts with HELLO, naming the versions it speaks
 * (version_min..version_max); the daemon answers HELLO with the highest
 * version both speak in version (its own range in version_min..version_max),
 * or ERROR EPROTO when they share none. Both then write that version.
 * HELLO and ERROR read the same in every version, so a peer takes them
 * whatever version their header names and negotiation, or its refusal,
 * always gets through; any other message in a version the receiver does not
 * speak is refused with EPROTO. The daemon answers a request in the version
 * it was written in, and writes events in that of the connection's last
 * request. This header speaks TAPQD_VERSION_MIN to TAPQD_VERSION.
 *
 * Growing. A newer version may append fields to any struct; an older peer
 * reads what it knows:
 *  - a request (client -> daemon) longer than the struct of its type is
 *    accepted when every byte past the struct is zero: a newer client that
 *    uses nothing new. A non-zero byte there is refused with EOPNOTSUPP,
 *    naming how many and where. HELLO is read whatever follows its struct;
 *  - a reply or an event (daemon -> client) longer than its struct is read
 *    up to the struct, and the rest skipped;
 *  - a payload shorter than its struct is malformed (EBADMSG), either way.
 * Like netlink, a part that something follows says its own size, and an
 * array carries its count, so that an older peer skips what it does not
 * know. The device of DEVICE and LEASE is sized by its queues, not by
 * TAPQD_MAX_QUEUES:
 *
 *   DEVICE  struct tapqd_wire_device  (info_size bytes: 80 in versions 2 and 3,
 *           120 from a daemon that knows CREATE, 136 with holder_comm)
 *           n_queues x struct tapqd_wire_queue  (queue_info_size bytes each, 56;
 *                                                48 before cpu_ns was appended)
 *   LEASE   struct tapqd_wire_lease  (lease_size bytes, 24), then a DEVICE payload
 *
 * n_queues is max_queues, or more slots for a device handed off by name
 * (see handoff). With the 16-byte header, DEVICE is 376 bytes for 4 queues and
 * 14,488 for 256; LEASE is 24 more. A queue entry of 48 bytes, from a tapqd
 * that did not send cpu_ns yet, is read with cpu_ns 0. libtapqd decodes them
 * into struct tapqd_device_info, which has room for every queue
 * (tapqd_device_decode()).
 *
 * Requests (client -> daemon) and what answers them, in order:
 *
 *   HELLO     struct tapqd_hello        -> HELLO (the version chosen) or ERROR
 *   STATUS    struct tapqd_name ("" all) -> DEVICE per device, then OK carrying
 *                                          struct tapqd_wire_daemon (see below)
 *   ACQUIRE   struct tapqd_acquire      -> LEASE (+ first fds), FDS..., or ERROR
 *   RELEASE   struct tapqd_release      -> OK or ERROR
 *   RESIZE    struct tapqd_resize       -> OK (when applied) or ERROR
 *   SUBSCRIBE struct tapqd_name ("" all) -> OK, then EVENT messages (seq 0)
 *   RESIZE_ACK struct tapqd_resize      -> nothing (see below)
 *   RELOAD    struct tapqd_reload       -> OK (applied) or ERROR (refused);
 *                                          with TAPQD_RELOAD_QUERY: RELOAD
 *   RESUME    struct tapqd_resume       -> OK (struct tapqd_resume_reply from
 *                                          version 3) or ERROR
 *   HANDOVER  struct tapqd_handover     -> OK or ERROR
 *   RESUME_FDS struct tapqd_resume + fds -> OK or ERROR (version 3; only when
 *                                          the OK to RESUME asked for it)
 *   CREATE    struct tapqd_create       -> OK (created) or ERROR
 *   DESTROY   struct tapqd_name         -> OK (deleted) or ERROR
 *   TEMPLATES nothing                   -> TEMPLATE per template, then OK
 *
 * Every reply carries the seq of its request. A request the daemon cannot
 * take (bad magic, a version it does not speak, a size that does not fit,
 * unknown non-zero bytes, an unknown type, fds it did not ask for, more fds
 * than one message carries) is answered with ERROR saying why when the
 * header could be read, and the connection is closed. So is a connection
 * that lets more replies and events pile up unread than the daemon's
 * client_output_max (1 MiB by default; the whole answer to any one request
 * fits). The daemon never takes an fd it did not ask for: on Linux 6.16+
 * its socket has SO_PASSRIGHTS off, and a client's sendmsg() with
 * SCM_RIGHTS fails with EPERM, except for the one RESUME_FDS it asked for.
 *
 * An ERROR with seq 0 answers no request: the daemon refuses or closes the
 * connection itself (too many connections, out of fds, no request within
 * its hello_timeout) and says why; the connection is closed after it.
 *
 * The OK that ends a STATUS reply carries what the daemon says of itself,
 * struct tapqd_wire_daemon (info_size bytes), then n_refusals counters
 * (uint64_t), one per enum tapqd_refusal in its order: the refusals since
 * the daemon started, every one counted whether or not it was logged. An
 * older daemon's OK is empty: nothing known. OK to anything else is empty.
 *
 * A lease hands over every queue fd of a device via SCM_RIGHTS: the LEASE
 * message carries the first min(max_queues, TAPQD_FDS_PER_MSG) fds, and
 * FDS messages carry the rest, in queue order. Receive with
 * MSG_CMSG_CLOEXEC and treat MSG_CTRUNC as an error. A LEASE or FDS message
 * that cannot be sent, or that is still queued when the connection closes,
 * ends the lease at once (LEASE_ENDED): its process never got the queues.
 *
 * Control modes: in TAPQD_CONTROL_CLIENT (the default, the one for QEMU)
 * every queue is attached when it is handed over and the client attaches
 * and detaches queues itself; the daemon never does so while the lease
 * lasts. In TAPQD_CONTROL_DAEMON the active set is handed over as it is
 * and changes only through RESIZE, announced with EVENT.
 *
 * Resizing a daemon-mode lease: growing attaches the new queues first, then
 * sends ACTIVE_CHANGED to the holder's connection and to subscribers.
 * Shrinking first sends SHRINK to the holder's connection (whether or not it
 * subscribed), with the new count in active_queues; the holder stops using
 * queues n.. and answers RESIZE_ACK with the same name and count. The daemon
 * detaches them on the ack, or when its resize_timeout passes without one,
 * then answers the RESIZE and sends ACTIVE_CHANGED. RESIZE_ACK has no reply,
 * so that a client may send it while it waits for the reply to anything else;
 * an ack that matches no pending shrink is ignored. libtapqd does all of this
 * through tapqd_client_on_shrink().
 *
 * A lease belongs to the process that acquired it (its pid at connect()),
 * not to the connection: it ends on RELEASE or when that process exits.
 * It outlives the connection and a restart of the daemon (under systemd,
 * through its fd store). RESUME with the device name and the lease token
 * makes the connection it arrives on the lease's connection again: from
 * then on it receives the holder's events (SHRINK, LEASE_ENDED, ...) and may
 * RELEASE. Any process that has the token may resume; no fds are passed
 * again, since the holder still has them.
 *
 * HANDOVER moves a lease to another process, pid: how tapqctl qmp-add gives
 * the lease it acquired to the QEMU it put the fds into. The holder asks
 * (or anyone with the lease token). tapqd opens a pidfd for pid, checks that
 * the process's effective uid, gid and groups (/proc/PID/status) may use the
 * device as a client of its own would have to, and from then on the lease
 * ends when that process exits (or on RELEASE); holder_pid names it. Refused
 * when pid has exited (ESRCH) or may not use the device (EACCES); the lease
 * then stays as it was. The token and the control mode stay; the connection
 * that asked stays the lease's until it closes, and the new holder may take
 * it over with RESUME.
 *
 * Without a service manager, a restarted tapqd has no fd of a device whose
 * holder lives on: the device waits for its holder (waiting in its status),
 * ACQUIRE is refused naming the holder. In version 3, RESUME with the
 * right token answers OK with TAPQD_RESUME_SEND_FDS set in its
 * tapqd_resume_reply, and the daemon takes fds on that connection for one
 * message: the holder sends RESUME_FDS (the same name and token) with every
 * queue fd attached (SCM_RIGHTS, queue i as the i-th fd, exactly max_queues
 * of them, so at most TAPQD_FDS_PER_MSG: a device of more queues cannot be
 * taken back so); a RESUME_FDS without fds is refused with EAGAIN, as is a
 * version 2 RESUME without fds. Version 2 attached the fds to RESUME itself;
 * a kernel with SO_PASSRIGHTS refuses that send (EPERM), and the daemon
 * takes such fds only on a kernel without it. Every fd must be a tap queue
 * (/dev/net/tun), or the connection is refused.
 * tapqd checks each (TUNGETIFF: this device, the flags of its config, each
 * fd a distinct queue) and keeps them as its own copies; the device then is
 * a normal leased one again, same ifindex. A wrong token or a wrong fd is an
 * ERROR, and tapqd closes every fd it received. When the holder exits
 * instead, its interface goes with its fds and tapqd creates the device
 * afresh. Fds that come with a RESUME_FDS of a device that is not waiting
 * are closed; any other message than RESUME_FDS after an OK that asked for
 * fds closes the connection.
 *
 * RELOAD (root only) re-reads the configuration file tapqd started with, as
 * SIGHUP does, and answers once the difference is applied. A file that
 * does not parse or validate is refused as a whole: tapqd keeps running the
 * old one and the ERROR says "FILE:LINE: message". A refusal is kept until
 * a later reload succeeds; RELOAD with TAPQD_RELOAD_QUERY (anyone) changes
 * nothing and answers RELOAD with that message in msg ("" when none); to
 * anyone but root, every value it quotes from the file reads "...".
 * What a lease holds is never changed by a reload: a device removed from
 * the config while leased is deleted when its lease ends, and changes that
 * need new queue fds (max_queues, vnet_hdr) or that the holder sets up
 * itself (vnet_hdr_size, offloads, active_queues) wait for that too;
 * pending in its status says which.
 *
 * CREATE makes a device at runtime from a [template NAME] of the config:
 * the name must match the template's names glob and be free (no device of
 * tapqd's, declared or created, and no interface of the host by it), the
 * peer must be root or on the template's allow lists, and the template's
 * max_per_user caps the devices one uid has created from it. max_queues 0
 * takes the template's, any other at most it. The device lives until
 * DESTROY, across reloads (with the config it was created with) and
 * restarts. Its creator may ACQUIRE it, as may whoever the template's
 * allow lists name. DESTROY, by the creator or root, deletes the
 * interface; a leased device is refused (EBUSY, naming the holder). A
 * daemon that does not know CREATE or DESTROY answers EOPNOTSUPP (unknown
 * message type): both came after version 3 was defined, and need no new
 * version since nothing else changed, and an older daemon refuses them
 * cleanly; status says template and creator after the fields of version 3
 * (info_size tells an older reader to skip them).
 *
 * TEMPLATES lists the templates the peer may create from (root: all, anyone
 * else: those whose allow lists name it), one TEMPLATE message each,
 * struct tapqd_wire_template (info_size bytes), in the config's order, then
 * an empty OK. Each says the template's name, its names glob, max_queues,
 * max_per_user and how many devices the asking uid has created from it now.
 * Like CREATE it came after version 3 was defined and needs no new version:
 * a daemon that does not know it answers EOPNOTSUPP (unknown message type)
 * and closes the connection, and a client that never asks never gets a
 * TEMPLATE.
 */
#ifndef TAPQD_H
#define TAPQD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAPQD_MAGIC 0x51504154u /* "TAPQ" in memory on little-endian hosts */
/*
 * The versions spoken here, a range: speaking 3 as well is TAPQD_VERSION 3
 * (HELLO then picks 3 with a client that speaks it, 2 with one that does not).
 */
#define TAPQD_VERSION_MIN 2
/*
 * The newest, the one this header describes. 3: RESUME asks before fds
 * come (RESUME_FDS), since a kernel with SO_PASSRIGHTS refuses version 2's
 * RESUME with fds attached.
 */
#define TAPQD_VERSION 3
#define TAPQD_MSG_MAX 32768 /* the same in every version */
#define TAPQD_NAME_MAX 16   /* IFNAMSIZ, NUL included */
#define TAPQD_MAX_QUEUES 256
#define TAPQD_FDS_PER_MSG 253 /* the kernel's SCM_MAX_FD */
#define TAPQD_TOKEN_LEN 16
#define TAPQD_ERRMSG_MAX 200
#define TAPQD_DEFAULT_SOCKET "/run/tapqd/tapqd.sock"

/* A compile-time check that works in C and in C++. */
#ifdef __cplusplus
#define TAPQD_STATIC_ASSERT(expr) static_assert(expr, #expr)
#else
#define TAPQD_STATIC_ASSERT(expr) _Static_assert(expr, #expr)
#endif

enum tapqd_type {
	TAPQD_HELLO = 1,
	TAPQD_STATUS = 2,
	TAPQD_ACQUIRE = 3,
	TAPQD_RELEASE = 4,
	TAPQD_RESIZE = 5,
	TAPQD_SUBSCRIBE = 6,
	TAPQD_RESIZE_ACK = 7,
	TAPQD_RELOAD = 8,
	TAPQD_RESUME = 9,
	TAPQD_HANDOVER = 10,
	TAPQD_RESUME_FDS = 11, /* version 3 */
	TAPQD_CREATE = 12,
	TAPQD_DESTROY = 13,
	TAPQD_TEMPLATES = 14,

	TAPQD_OK = 64, /* replies and events from here on */
	TAPQD_ERROR = 65,
	TAPQD_DEVICE = 66,
	TAPQD_LEASE = 67,
	TAPQD_FDS = 68,
	TAPQD_EVENT = 69,
	TAPQD_TEMPLATE = 70,
};

enum tapqd_control {
	TAPQD_CONTROL_NONE = 0, /* in status: not leased */
	TAPQD_CONTROL_CLIENT = 1,
	TAPQD_CONTROL_DAEMON = 2,
};

enum tapqd_event_kind {
	TAPQD_EVENT_ACTIVE_CHANGED = 1, /* active set of a device changed */
	TAPQD_EVENT_LEASE_ENDED = 2,    /* released, holder exited, or revoked */
	TAPQD_EVENT_DEVICE_REMOVED = 3,
	TAPQD_EVENT_SHRINK = 4, /* to a daemon-mode holder: stop using queues n.., then ack */
	/*
	 * Appended: to subscribers only (never to a holder's connection that did
	 * not subscribe), who skip kinds they do not know.
	 */
	TAPQD_EVENT_LEASE_TAKEN = 5,    /* ACQUIRE, HANDOVER (pid: the new holder) or a resume */
	TAPQD_EVENT_DEVICE_CREATED = 6, /* by the config, a reload, CREATE, or again after it went */
	TAPQD_EVENT_DEVICE_RENAMED = 7, /* outside tapqd: new_name, "" when renamed back */
	TAPQD_EVENT_RELOAD_APPLIED = 8, /* name "" */
	TAPQD_EVENT_RELOAD_REFUSED = 9, /* name ""; RELOAD with TAPQD_RELOAD_QUERY says why */
	TAPQD_EVENT_VCPUS_CHANGED = 10, /* the followed QEMU's vCPUs: vcpus */
};

/* What a device waits for the end of its lease to do, after a reload. */
enum tapqd_pending {
	TAPQD_PENDING_NONE = 0,
	TAPQD_PENDING_REMOVE = 1,      /* gone from the config: deleted at release */
	TAPQD_PENDING_RECONFIGURE = 2, /* config changes applied at release */
	TAPQD_PENDING_CREATE = 3,      /* its interface is gone and creating it again failed: retrying */
};

/* Following the vCPUs of the QEMU that holds a device (config: follow = qmp:PATH). */
enum tapqd_follow {
	TAPQD_FOLLOW_NONE = 0,       /* not configured */
	TAPQD_FOLLOW_CONNECTING = 1, /* the monitor did not answer yet, or went away: retrying */
	TAPQD_FOLLOW_UP = 2,         /* vcpus and the queue cpus follow its replies */
};

enum tapqd_reload_flags {
	TAPQD_RELOAD_QUERY = 1, /* reload nothing: answer why the last reload was refused */
};

enum tapqd_backend {
	TAPQD_BACKEND_NONE = 0,
	TAPQD_BACKEND_SINK = 1, /* reads and counts frames */
	TAPQD_BACKEND_ECHO = 2, /* reflects frames, addresses and ports swapped */
};

enum tapqd_handoff {
	TAPQD_HANDOFF_FD = 0,   /* tapqd holds every queue and hands them over with ACQUIRE */
	TAPQD_HANDOFF_NAME = 1, /* the client opens the device by name; tapqd holds no queue */
};

/*
 * Why a request or a connection was refused, as the daemon counts them
 * (STATUS). A newer daemon may count more, appended.
 */
enum tapqd_refusal {
	TAPQD_REFUSAL_NOT_ALLOWED = 0, /* the device's allow lists do not name the peer (EACCES) */
	TAPQD_REFUSAL_NOT_PERMITTED = 1, /* RELEASE, RESIZE, HANDOVER, RELOAD by whom may not (EPERM) */
	TAPQD_REFUSAL_BAD_TOKEN = 2,     /* RESUME with a wrong lease token */
	TAPQD_REFUSAL_BAD_FDS = 3,       /* RESUME with fds that are not the device's queues */
	TAPQD_REFUSAL_BAD_TARGET = 4,    /* HANDOVER to a gone, not allowed or unsignalable process */
	TAPQD_REFUSAL_BAD_MESSAGE = 5,   /* malformed, oversized, unknown: the connection closed */
	TAPQD_REFUSAL_UID_CAP = 6,       /* a connection over max_connections_per_uid */
	TAPQD_REFUSAL_TOTAL_CAP = 7,     /* a connection over max_connections */
	TAPQD_REFUSAL_FD_LIMIT = 8,      /* a connection while tapqd is out of fds */
	TAPQD_REFUSAL_IDLE = 9,          /* a connection that sent no request within hello_timeout */
	TAPQD_REFUSAL_UNREAD = 10,       /* a connection over client_output_max: dropped */
	TAPQD_REFUSAL_BAD_TEMPLATE = 11, /* CREATE: no such template, or more queues than it has */
	TAPQD_REFUSAL_BAD_NAME = 12,     /* CREATE: not the template's glob, or the name is taken */
	TAPQD_REFUSAL_QUOTA = 13,        /* CREATE: the uid has max_per_user of the template */
	TAPQD_REFUSAL_HOST_LIMIT = 14,   /* CREATE: the host refused (fds, memory, the kernel) */
	TAPQD_REFUSAL_COUNT = 15,        /* the number this header knows */
};

/* ---- the wire: what travels on the socket, version 3 (2 without RESUME_FDS) ---- */

/* The first 16 bytes of every message, in every version. */
struct tapqd_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type; /* enum tapqd_type */
	uint32_t seq;  /* chosen by the client, echoed in replies; 0 in events */
	uint32_t len;  /* payload bytes after this header */
};

/* The same in every version. */
struct tapqd_hello {
	uint16_t version_min; /* request: the client's; reply: the daemon's */
	uint16_t version_max;
	uint16_t version; /* reply: the version chosen, the highest both speak; request: 0 */
	uint16_t reserved;
};

struct tapqd_name {
	char name[TAPQD_NAME_MAX];
};

struct tapqd_acquire {
	char name[TAPQD_NAME_MAX];
	uint8_t control; /* enum tapqd_control; NONE means CLIENT */
	uint8_t reserved[7];
};

/* The holder releases by name; anyone else needs the token, or to be root. */
struct tapqd_release {
	char name[TAPQD_NAME_MAX];
	uint8_t token[TAPQD_TOKEN_LEN]; /* all zero: none */
};

/* Takes the lease of name back on this connection, after a reconnect or a daemon restart. */
struct tapqd_resume {
	char name[TAPQD_NAME_MAX];
	uint8_t token[TAPQD_TOKEN_LEN];
};

enum tapqd_resume_flags {
	TAPQD_RESUME_SEND_FDS = 1, /* the device waits for its queue fds: send RESUME_FDS now */
};

/* The OK to a version 3 RESUME. */
struct tapqd_resume_reply {
	uint32_t flags; /* enum tapqd_resume_flags */
	uint32_t reserved;
};

/* Moves the lease of name to process pid; the holder asks, or anyone with the token. */
struct tapqd_handover {
	char name[TAPQD_NAME_MAX];
	uint8_t token[TAPQD_TOKEN_LEN]; /* all zero: none, the holder asks */
	int32_t pid;
	uint32_t reserved;
};

struct tapqd_resize {
	char name[TAPQD_NAME_MAX];
	uint16_t active_queues; /* queues 0..n-1 attached, the rest detached */
	uint8_t reserved[6];
};

#define TAPQD_TEMPLATE_MAX 32 /* a template's name, NUL included */
#define TAPQD_GLOB_MAX 64     /* a template's names glob, NUL included */

/* Creates device name from template (see CREATE above). */
struct tapqd_create {
	char name[TAPQD_NAME_MAX];
	char template_name[TAPQD_TEMPLATE_MAX];
	uint16_t max_queues; /* 0: the template's */
	uint8_t reserved[6];
};

struct tapqd_reload {
	uint32_t flags; /* enum tapqd_reload_flags; 0 in a reply */
	uint32_t reserved;
	char msg[TAPQD_ERRMSG_MAX]; /* in the reply to a query: the last refusal, "" if none */
};

/* The same in every version. */
struct tapqd_error {
	int32_t code; /* a positive errno value */
	char msg[TAPQD_ERRMSG_MAX];
};

/* One queue of a DEVICE; struct tapqd_queue_info says what each field means. */
struct tapqd_wire_queue {
	uint8_t active;
	uint8_t worker;
	int16_t cpu;
	uint8_t held;
	uint8_t reserved[3];
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t drops;
	uint64_t cpu_ns;
};

/*
 * The payload of DEVICE, and the device of a LEASE: this struct (info_size
 * bytes), then n_queues entries of queue_info_size bytes each. A reader
 * takes the fields it knows of each and skips the rest. struct
 * tapqd_device_info says what each field means.
 */
struct tapqd_wire_device {
	uint16_t info_size;       /* this struct as the sender wrote it: where the queues start */
	uint16_t queue_info_size; /* bytes of each queue entry */
	uint16_t n_queues;        /* queue entries that follow */
	uint16_t max_queues;
	char name[TAPQD_NAME_MAX];
	uint32_t ifindex;
	uint16_t active_queues;
	uint16_t vnet_hdr_size;
	int32_t holder_pid;
	uint32_t tun_flags;
	uint32_t offloads;
	uint32_t txqueuelen;
	uint32_t txqueuelen_pending;
	uint8_t leased;
	uint8_t control;
	uint8_t backend;
	uint8_t pending;
	uint8_t waiting;
	uint8_t handoff;
	uint8_t follow;
	uint8_t renamed;
	uint16_t vcpus;
	uint16_t create_error;
	uint64_t queue_memory;
	uint64_t tunsetqueue_calls;
	/* after the fields of version 3: an older reader skips them (info_size) */
	char template_name[TAPQD_TEMPLATE_MAX]; /* "" for a device of the config */
	uint32_t created_by;                    /* the creator's uid, with created */
	uint8_t created;
	uint8_t reserved[3];
	/* appended (info_size 136): the holder's /proc/PID/comm when it took the lease */
	char holder_comm[TAPQD_NAME_MAX];
};

/* The payload of LEASE: this struct (lease_size bytes), then the device as in DEVICE. */
struct tapqd_wire_lease {
	uint16_t lease_size; /* this struct as the sender wrote it: where the device starts */
	uint16_t first_fd;   /* queue index of the first fd in this message: 0 */
	uint16_t n_fds;      /* fds attached to this message */
	uint16_t reserved;
	uint8_t token[TAPQD_TOKEN_LEN];
};

struct tapqd_fds {
	uint16_t first_fd;
	uint16_t n_fds;
	uint8_t reserved[4];
};

struct tapqd_event {
	uint16_t kind; /* enum tapqd_event_kind */
	uint16_t active_queues;
	int32_t pid; /* the holder, for LEASE_ENDED; 0 to a peer that may not use the device */
	char name[TAPQD_NAME_MAX];
	/* appended (64 bytes): an older reader takes the first 24 */
	char comm[TAPQD_NAME_MAX];     /* the holder's command name, with pid ("" with pid 0) */
	char new_name[TAPQD_NAME_MAX]; /* DEVICE_RENAMED: the interface's name now */
	uint16_t vcpus;                /* the followed vCPU count, in every kind (0: hidden) */
	uint8_t reserved[6];
};

/* The payload of the OK ending STATUS: this struct (info_size bytes), then the counters. */
struct tapqd_wire_daemon {
	uint16_t info_size;  /* this struct as the sender wrote it: where the counters start */
	uint16_t n_refusals; /* uint64_t counters that follow, enum tapqd_refusal order */
	uint32_t reserved;
	/* appended (info_size 48): an older daemon's 8 bytes decode as stats_known false */
	uint64_t resizes;         /* RESIZE requests that changed an active set */
	uint64_t reloads_applied; /* RELOAD and SIGHUP, by outcome */
	uint64_t reloads_refused;
	uint64_t errors;          /* lines tapqd logged at error priority */
	uint32_t connections;     /* control connections open now, the asking one included */
	uint32_t reserved2;
};

/* The payload of TEMPLATE: one template the peer may create from, as struct tapqd_template_info. */
struct tapqd_wire_template {
	uint16_t info_size; /* this struct as the sender wrote it */
	uint16_t max_queues;
	uint32_t max_per_user;
	uint32_t created;
	uint32_t reserved;
	char name[TAPQD_TEMPLATE_MAX];
	char names[TAPQD_GLOB_MAX];
};

/* The size of a whole DEVICE or LEASE message (header included) of n queues. */
#define TAPQD_DEVICE_MSG_SIZE(n)                                                            \
	(sizeof(struct tapqd_hdr) + sizeof(struct tapqd_wire_device) +                       \
	 (size_t)(n) * sizeof(struct tapqd_wire_queue))
#define TAPQD_LEASE_MSG_SIZE(n) (sizeof(struct tapqd_wire_lease) + TAPQD_DEVICE_MSG_SIZE(n))

/* The layout of versions 2 and 3, byte by byte: every field where it is, no hole anywhere. */
#define TAPQD_WIRE_AT(type, field, offset)                                                  \
	TAPQD_STATIC_ASSERT(offsetof(struct type, field) == (offset))
TAPQD_WIRE_AT(tapqd_hdr, magic, 0);
TAPQD_WIRE_AT(tapqd_hdr, version, 4);
TAPQD_WIRE_AT(tapqd_hdr, type, 6);
TAPQD_WIRE_AT(tapqd_hdr, seq, 8);
TAPQD_WIRE_AT(tapqd_hdr, len, 12);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_hdr) == 16);
TAPQD_WIRE_AT(tapqd_hello, version_min, 0);
TAPQD_WIRE_AT(tapqd_hello, version_max, 2);
TAPQD_WIRE_AT(tapqd_hello, version, 4);
TAPQD_WIRE_AT(tapqd_hello, reserved, 6);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_hello) == 8);
TAPQD_WIRE_AT(tapqd_name, name, 0);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_name) == 16);
TAPQD_WIRE_AT(tapqd_acquire, name, 0);
TAPQD_WIRE_AT(tapqd_acquire, control, 16);
TAPQD_WIRE_AT(tapqd_acquire, reserved, 17);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_acquire) == 24);
TAPQD_WIRE_AT(tapqd_release, name, 0);
TAPQD_WIRE_AT(tapqd_release, token, 16);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_release) == 32);
TAPQD_WIRE_AT(tapqd_resume, name, 0);
TAPQD_WIRE_AT(tapqd_resume, token, 16);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_resume) == 32);
TAPQD_WIRE_AT(tapqd_resume_reply, flags, 0);
TAPQD_WIRE_AT(tapqd_resume_reply, reserved, 4);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_resume_reply) == 8);
TAPQD_WIRE_AT(tapqd_handover, name, 0);
TAPQD_WIRE_AT(tapqd_handover, token, 16);
TAPQD_WIRE_AT(tapqd_handover, pid, 32);
TAPQD_WIRE_AT(tapqd_handover, reserved, 36);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_handover) == 40);
TAPQD_WIRE_AT(tapqd_resize, name, 0);
TAPQD_WIRE_AT(tapqd_resize, active_queues, 16);
TAPQD_WIRE_AT(tapqd_resize, reserved, 18);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_resize) == 24);
TAPQD_WIRE_AT(tapqd_reload, flags, 0);
TAPQD_WIRE_AT(tapqd_reload, reserved, 4);
TAPQD_WIRE_AT(tapqd_reload, msg, 8);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_reload) == 208);
TAPQD_WIRE_AT(tapqd_error, code, 0);
TAPQD_WIRE_AT(tapqd_error, msg, 4);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_error) == 204);
TAPQD_WIRE_AT(tapqd_wire_queue, active, 0);
TAPQD_WIRE_AT(tapqd_wire_queue, worker, 1);
TAPQD_WIRE_AT(tapqd_wire_queue, cpu, 2);
TAPQD_WIRE_AT(tapqd_wire_queue, held, 4);
TAPQD_WIRE_AT(tapqd_wire_queue, reserved, 5);
TAPQD_WIRE_AT(tapqd_wire_queue, rx_packets, 8);
TAPQD_WIRE_AT(tapqd_wire_queue, rx_bytes, 16);
TAPQD_WIRE_AT(tapqd_wire_queue, tx_packets, 24);
TAPQD_WIRE_AT(tapqd_wire_queue, tx_bytes, 32);
TAPQD_WIRE_AT(tapqd_wire_queue, drops, 40);
TAPQD_WIRE_AT(tapqd_wire_queue, cpu_ns, 48);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_wire_queue) == 56);
TAPQD_WIRE_AT(tapqd_wire_device, info_size, 0);
TAPQD_WIRE_AT(tapqd_wire_device, queue_info_size, 2);
TAPQD_WIRE_AT(tapqd_wire_device, n_queues, 4);
TAPQD_WIRE_AT(tapqd_wire_device, max_queues, 6);
TAPQD_WIRE_AT(tapqd_wire_device, name, 8);
TAPQD_WIRE_AT(tapqd_wire_device, ifindex, 24);
TAPQD_WIRE_AT(tapqd_wire_device, active_queues, 28);
TAPQD_WIRE_AT(tapqd_wire_device, vnet_hdr_size, 30);
TAPQD_WIRE_AT(tapqd_wire_device, holder_pid, 32);
TAPQD_WIRE_AT(tapqd_wire_device, tun_flags, 36);
TAPQD_WIRE_AT(tapqd_wire_device, offloads, 40);
TAPQD_WIRE_AT(tapqd_wire_device, txqueuelen, 44);
TAPQD_WIRE_AT(tapqd_wire_device, txqueuelen_pending, 48);
TAPQD_WIRE_AT(tapqd_wire_device, leased, 52);
TAPQD_WIRE_AT(tapqd_wire_device, control, 53);
TAPQD_WIRE_AT(tapqd_wire_device, backend, 54);
TAPQD_WIRE_AT(tapqd_wire_device, pending, 55);
TAPQD_WIRE_AT(tapqd_wire_device, waiting, 56);
TAPQD_WIRE_AT(tapqd_wire_device, handoff, 57);
TAPQD_WIRE_AT(tapqd_wire_device, follow, 58);
TAPQD_WIRE_AT(tapqd_wire_device, renamed, 59);
TAPQD_WIRE_AT(tapqd_wire_device, vcpus, 60);
TAPQD_WIRE_AT(tapqd_wire_device, create_error, 62);
TAPQD_WIRE_AT(tapqd_wire_device, queue_memory, 64);
TAPQD_WIRE_AT(tapqd_wire_device, tunsetqueue_calls, 72);
TAPQD_WIRE_AT(tapqd_wire_device, template_name, 80);
TAPQD_WIRE_AT(tapqd_wire_device, created_by, 112);
TAPQD_WIRE_AT(tapqd_wire_device, created, 116);
TAPQD_WIRE_AT(tapqd_wire_device, reserved, 117);
TAPQD_WIRE_AT(tapqd_wire_device, holder_comm, 120);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_wire_device) == 136);
TAPQD_WIRE_AT(tapqd_create, name, 0);
TAPQD_WIRE_AT(tapqd_create, template_name, 16);
TAPQD_WIRE_AT(tapqd_create, max_queues, 48);
TAPQD_WIRE_AT(tapqd_create, reserved, 50);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_create) == 56);
TAPQD_WIRE_AT(tapqd_wire_lease, lease_size, 0);
TAPQD_WIRE_AT(tapqd_wire_lease, first_fd, 2);
TAPQD_WIRE_AT(tapqd_wire_lease, n_fds, 4);
TAPQD_WIRE_AT(tapqd_wire_lease, reserved, 6);
TAPQD_WIRE_AT(tapqd_wire_lease, token, 8);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_wire_lease) == 24);
TAPQD_WIRE_AT(tapqd_fds, first_fd, 0);
TAPQD_WIRE_AT(tapqd_fds, n_fds, 2);
TAPQD_WIRE_AT(tapqd_fds, reserved, 4);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_fds) == 8);
TAPQD_WIRE_AT(tapqd_event, kind, 0);
TAPQD_WIRE_AT(tapqd_event, active_queues, 2);
TAPQD_WIRE_AT(tapqd_event, pid, 4);
TAPQD_WIRE_AT(tapqd_event, name, 8);
TAPQD_WIRE_AT(tapqd_event, comm, 24);
TAPQD_WIRE_AT(tapqd_event, new_name, 40);
TAPQD_WIRE_AT(tapqd_event, vcpus, 56);
TAPQD_WIRE_AT(tapqd_event, reserved, 58);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_event) == 64);
TAPQD_WIRE_AT(tapqd_wire_daemon, info_size, 0);
TAPQD_WIRE_AT(tapqd_wire_daemon, n_refusals, 2);
TAPQD_WIRE_AT(tapqd_wire_daemon, reserved, 4);
TAPQD_WIRE_AT(tapqd_wire_daemon, resizes, 8);
TAPQD_WIRE_AT(tapqd_wire_daemon, reloads_applied, 16);
TAPQD_WIRE_AT(tapqd_wire_daemon, reloads_refused, 24);
TAPQD_WIRE_AT(tapqd_wire_daemon, errors, 32);
TAPQD_WIRE_AT(tapqd_wire_daemon, connections, 40);
TAPQD_WIRE_AT(tapqd_wire_daemon, reserved2, 44);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_wire_daemon) == 48);
TAPQD_WIRE_AT(tapqd_wire_template, info_size, 0);
TAPQD_WIRE_AT(tapqd_wire_template, max_queues, 2);
TAPQD_WIRE_AT(tapqd_wire_template, max_per_user, 4);
TAPQD_WIRE_AT(tapqd_wire_template, created, 8);
TAPQD_WIRE_AT(tapqd_wire_template, reserved, 12);
TAPQD_WIRE_AT(tapqd_wire_template, name, 16);
TAPQD_WIRE_AT(tapqd_wire_template, names, 48);
TAPQD_STATIC_ASSERT(sizeof(struct tapqd_wire_template) == 112);
/* The largest messages, of a 256-queue device, fill half of TAPQD_MSG_MAX: room to double. */
TAPQD_STATIC_ASSERT(2 * TAPQD_DEVICE_MSG_SIZE(TAPQD_MAX_QUEUES) <= TAPQD_MSG_MAX);
TAPQD_STATIC_ASSERT(2 * TAPQD_LEASE_MSG_SIZE(TAPQD_MAX_QUEUES) <= TAPQD_MSG_MAX);
TAPQD_STATIC_ASSERT(TAPQD_MAX_QUEUES <= UINT16_MAX);

/* ---- what libtapqd gives a program: decoded, the same whatever the version spoken ---- */

/* One queue. Counters count what tapqd's own workers did; a leased queue's traffic is not. */
struct tapqd_queue_info {
	bool active; /* attached */
	bool worker; /* a worker thread serves this queue now */
	bool held;   /* handoff by name: a queue open outside tapqd (see handoff) */
	int cpu;     /* core assigned to this queue, -1 for none */
	uint64_t rx_packets; /* frames read from the queue */
	uint64_t rx_bytes;
	uint64_t tx_packets; /* frames written to it */
	uint64_t tx_bytes;
	uint64_t drops; /* read but not written back (echo), or a failed read */
	/* CPU time its workers' threads used (CLOCK_THREAD_CPUTIME_ID), 0 from an older tapqd */
	uint64_t cpu_ns;
};

/*
 * STATUS tells a peer all of a device it may use (root, or on its allow
 * lists) or whose lease a process of its uid holds. Of any other device,
 * holder_pid is 0 (leased still says whether it is leased), follow and vcpus
 * are 0, and every queue's traffic counters and cpu_ns are 0.
 */
struct tapqd_device_info {
	char name[TAPQD_NAME_MAX]; /* NUL-terminated */
	unsigned int ifindex;
	unsigned int max_queues;
	unsigned int active_queues;
	bool leased;
	unsigned int control; /* enum tapqd_control */
	pid_t holder_pid;     /* 0 when not leased, or not this peer's to know (see above) */
	/* its command name, read when it took the lease; "" with holder_pid 0, or from an older tapqd */
	char holder_comm[TAPQD_NAME_MAX];
	unsigned int vnet_hdr_size; /* 0 without IFF_VNET_HDR */
	uint32_t tun_flags;         /* the TUNSETIFF flags of every queue */
	uint32_t offloads;          /* TUN_F_* bits set with TUNSETOFFLOAD */
	unsigned int backend;       /* enum tapqd_backend */
	unsigned int pending;       /* enum tapqd_pending */
	/*
	 * Its interface was renamed outside tapqd: ifindex is still the
	 * device's, under another name, and ACQUIRE and RESIZE by this name are
	 * refused until it is renamed back (another interface may have the name).
	 */
	bool renamed;
	/*
	 * pending TAPQD_PENDING_CREATE: the errno of the last failed attempt to
	 * create it again; tapqd retries with a growing delay. 0 otherwise.
	 */
	unsigned int create_error;
	/*
	 * tapqd restarted without a service manager's fd store and found the
	 * interface alive, held by the lease holder_pid of the tapqd before
	 * (its state file said so). tapqd has none of its fds until the holder
	 * resumes with them, so the queue states are unknown: active_queues is
	 * 0, every queue reads inactive with cpu -1; ifindex, max_queues and
	 * txqueuelen are the interface's. leased false with waiting: that lease
	 * ended, and tapqd waits for the interface to go with the fds the
	 * holder left, to create the device afresh.
	 */
	bool waiting;
	/*
	 * enum tapqd_handoff. TAPQD_HANDOFF_NAME: the device is persistent and
	 * its client (libvirt) opens it by name itself; tapqd holds none of its
	 * queues, refuses ACQUIRE and RESIZE, and reports the kernel's counts
	 * (rtnetlink): queues[i].held for i < the number of queues open outside
	 * tapqd, queues[i].active for i < the attached ones among them. These
	 * are counts laid out as slots, not the client's fd order, and may
	 * exceed max_queues (n_queues says how many slots); cpu is tapqd's
	 * placement for queue i as always.
	 */
	unsigned int handoff;
	/*
	 * The kernel's ring of each queue holds txqueuelen packets, not bytes: a
	 * packet may be a 64 KiB GSO frame, so the worst case per queue is
	 * txqueuelen * 65536 bytes. txqueuelen_pending is the ring tapqd will
	 * set once the lease ends, or once no worker reads a shrinking ring (0:
	 * none). A leased device's ring is never resized: the kernel drops what
	 * is sent while it resizes (the qdisc is deactivated meanwhile), and a
	 * shrink also frees queued packets without counting them.
	 */
	uint32_t txqueuelen;
	uint32_t txqueuelen_pending;
	uint64_t queue_memory;      /* the budget txqueuelen comes from, 0 when fixed */
	uint64_t tunsetqueue_calls; /* TUNSETQUEUE ioctls tapqd issued on this device */
	/*
	 * With follow: the followed QEMU's vCPUs (0 while its monitor does not
	 * answer), and queues[i].cpu is then the core of vCPU i mod vcpus, vCPU
	 * j's core being the one placement gave queue j mod max_queues.
	 */
	unsigned int vcpus;
	unsigned int follow; /* enum tapqd_follow */
	/* queues[0..n_queues-1] are the daemon's; the others read inactive, with cpu -1 */
	unsigned int n_queues;
	struct tapqd_queue_info queues[TAPQD_MAX_QUEUES];
	/* made at runtime with CREATE from template_name by uid created_by; false: declared */
	bool created;
	char template_name[TAPQD_TEMPLATE_MAX]; /* NUL-terminated, "" when not created */
	uid_t created_by;
};

/* A received lease: the device and the fds, queue i at fds[i]. */
struct tapqd_lease_info {
	uint8_t token[TAPQD_TOKEN_LEN];
	struct tapqd_device_info dev;
	size_t n_fds;
	int fds[TAPQD_MAX_QUEUES];
};

struct tapqd_event_info {
	unsigned int kind; /* enum tapqd_event_kind */
	unsigned int active_queues;
	pid_t pid;                     /* the holder, for LEASE_TAKEN and LEASE_ENDED */
	char name[TAPQD_NAME_MAX];     /* NUL-terminated */
	char comm[TAPQD_NAME_MAX];     /* the holder's command name; "" from an older daemon */
	char new_name[TAPQD_NAME_MAX]; /* DEVICE_RENAMED */
	unsigned int vcpus;            /* the followed vCPU count, in every kind (0: hidden) */
};

/* What the daemon says of itself at the end of STATUS. */
struct tapqd_daemon_info {
	bool known; /* false: an older daemon said nothing */
	/* refusals[r] for enum tapqd_refusal r: counted since the daemon started */
	uint64_t refusals[TAPQD_REFUSAL_COUNT];
	/* false from a daemon that did not send the counters below (info_size 8) */
	bool stats_known;
	uint64_t resizes;
	uint64_t reloads_applied;
	uint64_t reloads_refused;
	uint64_t errors;
	unsigned int connections;
};

/* A template the peer may create from (TEMPLATES). */
struct tapqd_template_info {
	char name[TAPQD_TEMPLATE_MAX]; /* NUL-terminated */
	char names[TAPQD_GLOB_MAX];    /* the fnmatch(3) glob a created device's name must match */
	unsigned int max_queues;       /* the most a device of it may have, and the default */
	unsigned int max_per_user;     /* devices one uid may have created from it at once; 0: any */
	unsigned int created;          /* devices the asking uid has created from it now */
};

/* libtapqd's shared object exports what is declared from here on, and nothing else. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- messages (pure: no I/O; used by the daemon, libtapqd and the fuzzers) ---- */

/* Writes a header and payload into buf. Return: bytes used, or 0 if cap is too small. */
size_t tapqd_msg_pack(void *buf, size_t cap, uint16_t type, uint32_t seq, const void *payload,
		      size_t len);
/* The same in a given version: the one negotiated with the peer. */
size_t tapqd_msg_pack_version(void *buf, size_t cap, uint16_t version, uint16_t type,
			      uint32_t seq, const void *payload, size_t len);

/*
 * Checks a received message: magic, a version spoken here (any for HELLO and
 * ERROR), a known type, a payload of the size its header says, at least the
 * size of its type's struct and, in a request other than HELLO, nothing but
 * zeros past it. On success *ret_hdr is the header and *ret_payload points
 * into buf; *ret_hdr is also set on a failure once the magic matched. why
 * (may be NULL) gets a sentence saying what is wrong, for a log or an ERROR.
 * Return: 0, -EBADMSG (malformed), -EPROTO (a version not spoken here), or
 * -EOPNOTSUPP (an unknown type, or a request with unknown non-zero bytes).
 */
int tapqd_msg_unpack(const void *buf, size_t len, struct tapqd_hdr *ret_hdr,
		     const void **ret_payload, char *why, size_t why_size);

/*
 * The size of a type's struct in this version (for DEVICE and LEASE, the part
 * before the queues), or -1 for an unknown type.
 */
ssize_t tapqd_msg_payload_size(uint16_t type);

/* The version to speak with a peer that speaks min..max, the highest both do; or -EPROTO. */
int tapqd_version_choose(unsigned int min, unsigned int max);

/*
 * DEVICE and LEASE payloads. An encoder writes dev->n_queues queue entries.
 * Return: bytes written, -EMSGSIZE when cap is too small, -EINVAL when a count
 * exceeds TAPQD_MAX_QUEUES. A decoder checks every size and count against len,
 * reads what this version knows and skips the rest. Return: 0 or -EBADMSG.
 */
ssize_t tapqd_device_encode(const struct tapqd_device_info *dev, void *buf, size_t cap);
int tapqd_device_decode(const void *payload, size_t len, struct tapqd_device_info *ret);
/* The LEASE of l->token and l->dev, with n_fds fds attached; l->fds are not read. */
ssize_t tapqd_lease_encode(const struct tapqd_lease_info *l, unsigned int n_fds, void *buf,
			   size_t cap);
/* Sets ret->token and ret->dev, and *ret_n_fds to the fds the message says it carries. */
int tapqd_lease_decode(const void *payload, size_t len, struct tapqd_lease_info *ret,
		       unsigned int *ret_n_fds);
int tapqd_event_decode(const void *payload, size_t len, struct tapqd_event_info *ret);
/* The OK ending STATUS; an empty one (an older daemon) decodes as not known. */
ssize_t tapqd_daemon_encode(const struct tapqd_daemon_info *info, void *buf, size_t cap);
int tapqd_daemon_decode(const void *payload, size_t len, struct tapqd_daemon_info *ret);
/*
 * TEMPLATE payloads. The encoder returns the bytes written, -EMSGSIZE when
 * cap is too small, -EINVAL when max_queues exceeds TAPQD_MAX_QUEUES; the
 * decoder reads what this version knows and skips the rest: 0 or -EBADMSG.
 */
ssize_t tapqd_template_encode(const struct tapqd_template_info *t, void *buf, size_t cap);
int tapqd_template_decode(const void *payload, size_t len, struct tapqd_template_info *ret);
/* "not_allowed", "bad_token", ...: the key of an enum tapqd_refusal; NULL for an unknown one. */
const char *tapqd_refusal_name(unsigned int refusal);

/* True if name is a NUL-terminated interface name that the kernel would accept. */
int tapqd_name_valid(const char *name, size_t size);

const char *tapqd_control_name(unsigned int control);
int tapqd_control_parse(const char *s, unsigned int *ret_control);

/* ---- libtapqd: a blocking client ---- */

struct tapqd_client;

/* Every call returns 0 or a negative errno; on an ERROR reply, the daemon's code, and
 * tapqd_client_error() returns its message. */
int tapqd_client_connect(const char *path, struct tapqd_client **ret);
void tapqd_client_free(struct tapqd_client *c);
int tapqd_client_fd(const struct tapqd_client *c);
const char *tapqd_client_error(const struct tapqd_client *c);

/*
 * Negotiates the version: *ret_version; -EPROTO when the daemon speaks none of
 * the library's. Until then the library writes TAPQD_VERSION_MIN, which
 * every daemon reads.
 */
int tapqd_client_hello(struct tapqd_client *c, uint16_t *ret_version);
/* *ret_devs is malloc'ed; free() it. */
int tapqd_client_status(struct tapqd_client *c, const char *name,
			struct tapqd_device_info **ret_devs, size_t *ret_n);
/* The same, and what the daemon says of itself (ret_daemon may be NULL). */
int tapqd_client_status_daemon(struct tapqd_client *c, const char *name,
			       struct tapqd_device_info **ret_devs, size_t *ret_n,
			       struct tapqd_daemon_info *ret_daemon);
/*
 * The same, one device at a time, with no array of them all (a struct
 * tapqd_device_info has room for 256 queues: 10 KiB a device). fn sees each
 * device as it arrives, dev valid during the call only; the first non-zero
 * fn returns is returned once the whole reply is read, and fn is not called
 * again. Since 0.4.
 */
typedef int (*tapqd_status_fn)(void *arg, const struct tapqd_device_info *dev);
int tapqd_client_status_each(struct tapqd_client *c, const char *name, tapqd_status_fn fn,
			     void *arg, struct tapqd_daemon_info *ret_daemon);
int tapqd_client_acquire(struct tapqd_client *c, const char *name, unsigned int control,
			 struct tapqd_lease_info *ret);
int tapqd_client_release(struct tapqd_client *c, const char *name,
			 const uint8_t token[TAPQD_TOKEN_LEN]);
int tapqd_client_resize(struct tapqd_client *c, const char *name, unsigned int active_queues);
/* Makes this connection the lease's again (events, release), by its token. */
int tapqd_client_resume(struct tapqd_client *c, const char *name,
			const uint8_t token[TAPQD_TOKEN_LEN]);
/*
 * The same, handing tapqd the lease's queue fds again (n of them, queue i at
 * fds[i], n == max_queues <= TAPQD_FDS_PER_MSG): how a holder gives a tapqd
 * restarted without systemd its device back, in RESUME_FDS when the daemon
 * asks for them (version 3), with RESUME in version 2 (it says HELLO first
 * when c has not, to know which). The caller keeps its fds.
 * Return: as tapqd_client_resume(); -E2BIG for more than one message's fds.
 */
int tapqd_client_resume_fds(struct tapqd_client *c, const char *name,
			    const uint8_t token[TAPQD_TOKEN_LEN], const int *fds, size_t n);
/* Moves the lease of name to process pid: asked by the holder, or with the token (else NULL). */
int tapqd_client_handover(struct tapqd_client *c, const char *name,
			  const uint8_t token[TAPQD_TOKEN_LEN], pid_t pid);
int tapqd_client_subscribe(struct tapqd_client *c, const char *name);
/* Reloads the daemon's config and waits: 0 applied, else refused (see tapqd_client_error). */
int tapqd_client_reload(struct tapqd_client *c);
/* Why the daemon's last reload was refused, into buf ("" when it was not). */
int tapqd_client_reload_error(struct tapqd_client *c, char *buf, size_t size);
/* Waits for the next EVENT; timeout_ms < 0 waits forever. -ETIMEDOUT when none came. */
int tapqd_client_next_event(struct tapqd_client *c, int timeout_ms, struct tapqd_event_info *ret);

/*
 * For a daemon-mode holder: called when tapqd is about to detach queues
 * active_queues.. of device name. When it returns, the holder must no longer
 * use those queues; the library then acknowledges with RESIZE_ACK. It runs
 * inside whichever call is receiving (any request, or next_event), so it must
 * not call the library itself. SHRINK events handled so are not returned by
 * tapqd_client_next_event(). Without a callback they are, and the holder
 * acknowledges with tapqd_client_resize_ack() (or tapqd detaches after its
 * resize_timeout).
 */
typedef void (*tapqd_shrink_fn)(const char *name, unsigned int active_queues, void *arg);
void tapqd_client_on_shrink(struct tapqd_client *c, tapqd_shrink_fn fn, void *arg);
int tapqd_client_resize_ack(struct tapqd_client *c, const char *name, unsigned int active_queues);

/*
 * Creates device name from template (max_queues 0: the template's), and
 * deletes one: see CREATE and DESTROY above.
 */
int tapqd_client_create(struct tapqd_client *c, const char *name, const char *template_name,
			unsigned int max_queues);
int tapqd_client_destroy(struct tapqd_client *c, const char *name);
/*
 * The templates this peer may create from (see TEMPLATES above); *ret is
 * malloc'ed, free() it. -EOPNOTSUPP from a daemon that does not know
 * TEMPLATES, which then closes the connection.
 */
int tapqd_client_templates(struct tapqd_client *c, struct tapqd_template_info **ret,
			   size_t *ret_n);

/* Closes every fd of a lease and marks them -1. */
void tapqd_lease_close_fds(struct tapqd_lease_info *l);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
