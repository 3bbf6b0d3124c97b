/* SPDX-License-Identifier: MIT */
/* ctl.h - the control socket: listening, connections, sending with fds, events to subscribers */
#ifndef TAPQD_CTL_H
#define TAPQD_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* One connection; what it is stays in ctl.c. */
struct client;

/* Who is at the other end, as SO_PEERCRED and SO_PEERGROUPS said when it connected. */
struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
};

/* What the layer above does with what arrives (verbs.c registers it). */
struct ctl_ops {
	/* one request, checked (tapqd_msg_unpack); fds (RESUME_FDS, RESUME) are the handler's */
	void (*request)(struct tapqd *d, struct client *cl, const struct tapqd_hdr *h,
			const void *payload, int *fds, size_t n_fds);
	/* cl is closing: forget it; it may not be sent to any more */
	void (*gone)(struct tapqd *d, struct client *cl);
	/* a message sent with a non-zero cookie was dropped before the peer got it */
	void (*undelivered)(struct tapqd *d, uint64_t cookie);
};

int ctl_listen(struct tapqd *d, const struct ctl_ops *ops, char *what, size_t what_size);
void ctl_stop(struct tapqd *d);
/*
 * Sends one message, or queues it when the peer's buffer is full (with
 * duplicates of fds). Return: 0 sent or queued, or a negative errno, and
 * the connection is dropped then.
 */
int ctl_send(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq, const void *payload,
	     size_t len, const int *fds, size_t n_fds);
/* The same, and ops->undelivered(cookie) if the message is dropped unread with its connection. */
int ctl_send_tracked(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq,
		     const void *payload, size_t len, const int *fds, size_t n_fds, uint64_t cookie);
/* Sends ERROR with a positive errno and a message; code is a negative errno. */
void ctl_send_error(struct tapqd *d, struct client *cl, uint32_t seq, int code, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));
/*
 * Refuses a request: counts it under why and logs it with the peer's pid and
 * uid, at most so often per uid (refuse.c), and answers ERROR code (a
 * negative errno) with the message. Every refusal goes through here.
 */
void ctl_send_refusal(struct tapqd *d, struct client *cl, uint32_t seq, enum tapqd_refusal why,
		      int code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * ev to every client subscribed to its device, and to holder (NULL: none)
 * whether or not it is. The pid and command name in it go only to holder
 * and to those cd's allow lists admit: to anyone else they read 0 and "",
 * as in STATUS, and VCPUS_CHANGED does not go to them at all. cd NULL: an
 * event of no device (a reload), to those subscribed to every device.
 */
void ctl_event(struct tapqd *d, const struct tapqd_event *ev, const struct conf_device *cd,
	       struct client *holder);
/* Whether the peer of cl is on cd's allow lists (root always is). */
bool ctl_peer_permits(const struct client *cl, const struct conf_device *cd);
/* From now on cl gets the events of device name ("" every device). */
void ctl_subscribe(struct client *cl, const char name[TAPQD_NAME_MAX]);
/* Sends more of a long answer; true once it is complete (or the peer is gone). */
typedef bool (*ctl_more_fn)(struct tapqd *d, struct client *cl, void *arg);
void ctl_stream(struct tapqd *d, struct client *cl, ctl_more_fn more, void *arg);
/* Control connections open now. */
size_t ctl_n_clients(const struct tapqd *d);
/* Bytes that may still be queued for the peer before client_output_max. */
size_t ctl_room(const struct client *cl);
const struct ctl_peer *ctl_peer(const struct client *cl);
/* The connection's socket: for SO_PEERPIDFD. */
int ctl_client_fd(const struct client *cl);
/*
 * Starts the thread that closes fds clients sent (closer.c), after daemon():
 * threads do not survive fork.
 */
int ctl_closer_start(struct tapqd *d);
/*
 * Closes fds cl sent, never on the loop unless they are tap queues (or
 * tapqd is out of memory to hold them); cl is dropped when the closer
 * thread is too far behind to take them.
 */
void ctl_close_fds(struct tapqd *d, struct client *cl, const int *fds, size_t n);
/*
 * Lets cl send fds with its next message, which must be RESUME_FDS
 * (SO_PASSRIGHTS on until it is read). Return: 0 or a negative errno.
 */
int ctl_ask_fds(struct tapqd *d, struct client *cl);

#endif
