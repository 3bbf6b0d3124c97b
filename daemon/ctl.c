// SPDX-License-Identifier: MIT
/*
 * ctl.c - the control socket: creating it (or refusing when another tapqd
 * owns it), accepting peers with their credentials within the connection
 * caps, reading one message at a time, taking fds only when asked for and
 * never closing one where it can stall the loop, and sending replies without
 * ever blocking on a slow client
 */

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "acl.h"
#include "closer.h"
#include "ctl.h"
#include "log.h"
#include "sockfile.h"
#include "refuse.h"
#include "tapqd-fdpass.h"

#define CTL_BACKLOG 128
#define CTL_ACCEPT_PAUSE_SEC 1
/*
 * Spare fds kept for root: out of fds, tapqd closes one to accept a peer,
 * refuses anyone but root, and opens it again. Root may hold this many
 * connections beyond the fd limit.
 */
#define CTL_RESERVE_FDS 4
/* Linux 6.16: without it on the receiving socket, a sender's SCM_RIGHTS fails with EPERM */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

/* One queued outgoing message; it owns duplicates of the fds it carries. */
struct outmsg {
	STAILQ_ENTRY(outmsg) entry;
	uint64_t cookie; /* ctl_send_tracked()'s, 0: none */
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
	struct ctl_peer peer;
	gid_t *groups; /* malloc'ed, NULL when none; peer.groups points here */
	bool subscribed;
	char sub_name[TAPQD_NAME_MAX]; /* "" = every device */
	size_t out_bytes; /* queued, as ctl_outmsg_size() counts them */
	STAILQ_HEAD(, outmsg) outq;
	bool dead; /* closed by the reaper, after the current callback */
	struct event *hello_ev; /* closes it if no request comes first; NULL once one did */
	bool fds_asked; /* SO_PASSRIGHTS is on for the one message ctl_ask_fds() asked for */
	bool fds_queued; /* messages with fds may wait unread: closing the socket releases them */
	bool stalled;   /* not read while the closer thread is behind */
	/* an answer made as the peer reads it (ctl_stream()); not read meanwhile */
	ctl_more_fn more;
	void *more_arg;
	uint16_t version; /* of its last request: what it is answered in */
};

struct ctl {
	const struct ctl_ops *ops;
	TAILQ_HEAD(, client) clients;
	struct event *listen_ev;
	struct event *accept_pause_ev;
	struct event *reap_ev;
	size_t n_clients;
	int reserve[CTL_RESERVE_FDS]; /* the spare fds, reserve[0..n_reserve-1] */
	size_t n_reserve;
	struct closer *closer; /* closes the fds clients sent, off the loop */
	bool passrights;       /* fds arrive only when asked for */
	bool accept_stalled;   /* not accepting while the closer thread is stuck */
};

/* Takes back the spare fds given out, as far as the fds just freed allow. */
static void ctl_reserve_fill(struct ctl *c)
{
	while (c->n_reserve < CTL_RESERVE_FDS) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return;
		c->reserve[c->n_reserve++] = fd;
	}
}

static void ctl_outmsg_free(struct outmsg *m)
{
	for (size_t i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	free(m->fds);
	free(m);
}

/* Dead clients are closed after the callback that found them dead, never under its feet. */
static void ctl_mark_dead(struct client *cl)
{
	cl->dead = true;
	event_active(cl->d->ctl->reap_ev, 0, 0);
}

int ctl_closer_start(struct tapqd *d)
{
	return closer_start(d->ctl->closer);
}

/* A tun queue never waits on anyone when closed (and the loop has to see it go at once). */
static bool ctl_is_tap(int fd)
{
	struct statx stx;

	/* fstat() may ask a FUSE server; the cached type and device number are enough */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0)
		return false;
	return S_ISCHR(stx.stx_mode) && stx.stx_rdev_major == 10 && stx.stx_rdev_minor == 200;
}

/*
 * A connection that can send fds tapqd did not ask for: on a kernel without
 * SO_PASSRIGHTS any but root's (root may do everything anyway).
 */
static bool ctl_may_send_fds(const struct ctl *c, const struct client *cl)
{
	return cl->fds_queued || (!c->passrights && cl->peer.uid != 0);
}

/* The closer thread has room again: read again whom it stopped. */
static void ctl_unstall(struct tapqd *d)
{
	struct client *cl;

	ctl_reserve_fill(d->ctl);
	if (closer_full(d->ctl->closer, TAPQD_FDS_PER_MSG))
		return;
	if (d->ctl->accept_stalled) {
		d->ctl->accept_stalled = false;
		log_info(d, "accept: taking new connections again");
		if (event_add(d->ctl->listen_ev, NULL) < 0)
			log_warn(d, "accept: cannot listen again: out of memory");
	}
	TAILQ_FOREACH(cl, &d->ctl->clients, entry) {
		if (!cl->stalled || cl->dead)
			continue;
		cl->stalled = false;
		if (!cl->more && event_add(cl->read_ev, NULL) < 0)
			ctl_mark_dead(cl);
	}
}

/* The connection's socket: messages with fds may wait in it, and closing it would release them. */
static void ctl_close_socket(struct tapqd *d, struct client *cl)
{
	if (ctl_may_send_fds(d->ctl, cl))
		closer_give(d->ctl->closer, cl->fd);
	else
		close(cl->fd);
}

void ctl_close_fds(struct tapqd *d, struct client *cl, const int *fds, size_t n)
{
	const struct linger no_linger = {.l_onoff = 0};
	bool held = false;

	for (size_t i = 0; i < n; i++) {
		if (ctl_is_tap(fds[i])) {
			close(fds[i]);
			continue;
		}
		/*
		 * A TCP socket's close waits out the linger time its sender chose;
		 * without one, the closer thread is not held up by it. Anything but
		 * a socket says ENOTSOCK, and that is all right.
		 */
		(void)setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
		if (closer_give(d->ctl->closer, fds[i]))
			held = true;
	}
	if (held && !cl->dead) {
		log_debug(d, "client pid %d uid %u: dropping the connection: the fds it sends cannot "
			     "be closed as fast",
			  (int)cl->peer.pid, (unsigned int)cl->peer.uid);
		ctl_mark_dead(cl);
	}
}

static int ctl_passrights(int fd, int on)
{
	if (setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &on, sizeof(on)) < 0)
		return -errno;
	return 0;
}

int ctl_ask_fds(struct tapqd *d, struct client *cl)
{
	int r = d->ctl->passrights ? ctl_passrights(cl->fd, 1) : 0;

	if (r < 0)
		return r;
	cl->fds_asked = true;
	/* the peer may queue more than the one message until it is off again */
	cl->fds_queued = true;
	return 0;
}

/*
 * The layer above hears of the close first, while the client can still be
 * compared with what it keeps, but can no longer be sent to; then of every
 * tracked message the peer never got.
 */
static void ctl_client_close(struct tapqd *d, struct client *cl)
{
	struct log_ctx was = d->log_ctx;
	struct outmsg *m;

	/* a reaper's round closes many: each close is its own peer's (once it is known) */
	if (cl->peer.pid > 0)
		log_peer(d, cl->peer.pid, cl->peer.uid);
	cl->dead = true;
	TAILQ_REMOVE(&d->ctl->clients, cl, entry);
	d->ctl->n_clients--;
	if (cl->read_ev)
		d->ctl->ops->gone(d, cl);
	/*
	 * Every queued copy of a queue fd closes before the layer above hears of
	 * an undelivered lease: it counts who else still holds the queue files.
	 */
	STAILQ_FOREACH(m, &cl->outq, entry) {
		for (size_t i = 0; i < m->n_fds; i++)
			close(m->fds[i]);
		m->n_fds = 0;
	}
	while ((m = STAILQ_FIRST(&cl->outq))) {
		STAILQ_REMOVE_HEAD(&cl->outq, entry);
		if (m->cookie)
			d->ctl->ops->undelivered(d, m->cookie);
		ctl_outmsg_free(m);
	}
	free(cl->more_arg);
	/* an accept that failed half-way has no events: libevent's event_free(NULL) crashes */
	if (cl->read_ev)
		event_free(cl->read_ev);
	if (cl->write_ev)
		event_free(cl->write_ev);
	if (cl->hello_ev)
		event_free(cl->hello_ev);
	free(cl->groups);
	ctl_close_socket(d, cl);
	log_debug(d, "client pid %d disconnected", (int)cl->peer.pid);
	free(cl);
	ctl_reserve_fill(d->ctl);
	d->log_ctx = was;
}

static void ctl_on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct client *cl, *next;

	(void)fd;
	(void)what;
	for (cl = TAILQ_FIRST(&d->ctl->clients); cl; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if (cl->dead)
			ctl_client_close(d, cl);
	}
}

/* What a queued message costs tapqd: what client_output_max bounds. */
static size_t ctl_outmsg_size(size_t len, size_t n_fds)
{
	return sizeof(struct outmsg) + len + n_fds * sizeof(int);
}

/*
 * Keeps a message for later; it holds duplicates, so the device may go away
 * meanwhile. A peer that lets more than client_output_max pile up is not
 * reading (the largest answer to one request fits in the default).
 */
static int ctl_enqueue(struct client *cl, const void *buf, size_t len, const int *fds,
		       size_t n_fds, uint64_t cookie)
{
	size_t size = ctl_outmsg_size(len, n_fds);
	struct outmsg *m;

	if (cl->out_bytes + size > cl->d->conf.client_output_max)
		return -ENOBUFS;
	m = malloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->cookie = cookie;
	m->len = len;
	m->n_fds = 0;
	m->fds = n_fds ? calloc(n_fds, sizeof(int)) : NULL;
	if (n_fds && !m->fds) {
		free(m);
		return -ENOMEM;
	}
	memcpy(m->buf, buf, len);
	for (size_t i = 0; i < n_fds; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

		if (fd < 0) {
			int r = -errno;

			for (size_t j = 0; j < m->n_fds; j++)
				close(m->fds[j]);
			free(m->fds);
			free(m);
			return r;
		}
		m->fds[m->n_fds++] = fd;
	}
	STAILQ_INSERT_TAIL(&cl->outq, m, entry);
	cl->out_bytes += size;
	event_add(cl->write_ev, NULL);
	return 0;
}

/*
 * Why cl is dropped, said of cl alone: an event for another peer's request
 * may be what found it not reading.
 */
static void ctl_log_drop(struct tapqd *d, struct client *cl, int r)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, NULL);
	log_queue(d, -1);
	log_peer(d, cl->peer.pid, cl->peer.uid);
	if (r == -ENOBUFS) {
		char why[160];

		/* counted and rate-limited as a refusal: reconnecting to do it again is cheap */
		snprintf(why, sizeof(why),
			 "dropping the connection: it does not read: %zu bytes queued for it, "
			 "client_output_max is %llu",
			 cl->out_bytes, (unsigned long long)d->conf.client_output_max);
		refuse_note(d, cl->peer.pid, cl->peer.uid, TAPQD_REFUSAL_UNREAD, why);
	} else if (r == -EPIPE || r == -ECONNRESET) {
		/* a peer that closed before its answer: its own business, and any peer can repeat it */
		log_debug(d, "client pid %d uid %u: gone before its answer: %s", (int)cl->peer.pid,
			  (unsigned int)cl->peer.uid, strerror(-r));
	} else {
		log_warn(d, "client pid %d uid %u: dropping the connection: %s", (int)cl->peer.pid,
			 (unsigned int)cl->peer.uid, strerror(-r));
	}
	d->log_ctx = was;
}

int ctl_send_tracked(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq,
		     const void *payload, size_t len, const int *fds, size_t n_fds, uint64_t cookie)
{
	char buf[TAPQD_MSG_MAX];
	size_t n;
	int r;

	/* a dead client is sent nothing more, events included: the drop below is logged once */
	if (cl->dead)
		return -ECONNRESET;
	n = tapqd_msg_pack_version(buf, sizeof(buf), cl->version, type, seq, payload, len);
	if (!n)
		return -EMSGSIZE;
	r = STAILQ_EMPTY(&cl->outq) ? tapqd_fdpass_send(cl->fd, buf, n, fds, n_fds, MSG_DONTWAIT) : -EAGAIN;
	if (r == -EAGAIN)
		r = ctl_enqueue(cl, buf, n, fds, n_fds, cookie);
	if (r < 0) {
		ctl_log_drop(d, cl, r);
		ctl_mark_dead(cl);
	}
	return r;
}

int ctl_send(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq, const void *payload,
	     size_t len, const int *fds, size_t n_fds)
{
	return ctl_send_tracked(d, cl, type, seq, payload, len, fds, n_fds, 0);
}

void ctl_send_error(struct tapqd *d, struct client *cl, uint32_t seq, int code, const char *fmt,
		    ...)
{
	struct tapqd_error e = {.code = -code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	ctl_send(d, cl, TAPQD_ERROR, seq, &e, sizeof(e), NULL, 0);
}

void ctl_send_refusal(struct tapqd *d, struct client *cl, uint32_t seq, enum tapqd_refusal why,
		      int code, const char *fmt, ...)
{
	struct tapqd_error e = {.code = -code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	refuse_note(d, cl->peer.pid, cl->peer.uid, why, e.msg);
	ctl_send(d, cl, TAPQD_ERROR, seq, &e, sizeof(e), NULL, 0);
}

/*
 * An ERROR with seq 0 to a connection tapqd is about to close of its own
 * accord: sent if the socket takes it now, never queued, since the peer
 * may be the one that does not read.
 */
static void ctl_say_closing(struct tapqd *d, struct client *cl, enum tapqd_refusal why, int code,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void ctl_say_closing(struct tapqd *d, struct client *cl, enum tapqd_refusal why, int code,
			    const char *fmt, ...)
{
	struct tapqd_error e = {.code = -code};
	char buf[sizeof(struct tapqd_hdr) + sizeof(e)];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	refuse_note(d, cl->peer.pid, cl->peer.uid, why, e.msg);
	n = tapqd_msg_pack_version(buf, sizeof(buf), cl->version, TAPQD_ERROR, 0, &e, sizeof(e));
	/* whether it arrives changes nothing: the connection closes either way */
	if (tapqd_fdpass_send(cl->fd, buf, n, NULL, 0, MSG_DONTWAIT) < 0)
		log_debug(d, "client pid %d: the reason for closing was not sent",
			  (int)cl->peer.pid);
}

void ctl_event(struct tapqd *d, const struct tapqd_event *ev, const struct conf_device *cd,
	       struct client *holder)
{
	struct tapqd_event hidden = *ev;
	struct client *cl;

	if (!d->ctl)
		return; /* at start, before the socket listens: nobody to tell */
	hidden.pid = 0;
	memset(hidden.comm, 0, sizeof(hidden.comm));
	/* every kind carries the followed vCPU count, not only VCPUS_CHANGED: hidden as that is */
	hidden.vcpus = 0;
	TAILQ_FOREACH(cl, &d->ctl->clients, entry) {
		bool sees_all;

		if (cl != holder &&
		    (!cl->subscribed ||
		     (cl->sub_name[0] && strncmp(cl->sub_name, ev->name, sizeof(ev->name)))))
			continue;
		sees_all = cl == holder || !cd || ctl_peer_permits(cl, cd);
		/* status hides the vCPUs of the QEMU a device follows from whoever may not use it */
		if (!sees_all && ev->kind == TAPQD_EVENT_VCPUS_CHANGED)
			continue;
		ctl_send(d, cl, TAPQD_EVENT, 0, sees_all ? ev : &hidden, sizeof(*ev), NULL, 0);
	}
}

bool ctl_peer_permits(const struct client *cl, const struct conf_device *cd)
{
	struct acl_peer peer = {
		.uid = cl->peer.uid,
		.gid = cl->peer.gid,
		.groups = cl->peer.groups,
		.n_groups = cl->peer.n_groups,
	};

	return acl_permits(cd, &peer);
}

void ctl_subscribe(struct client *cl, const char name[TAPQD_NAME_MAX])
{
	cl->subscribed = true;
	memcpy(cl->sub_name, name, sizeof(cl->sub_name));
}

const struct ctl_peer *ctl_peer(const struct client *cl)
{
	return &cl->peer;
}

int ctl_client_fd(const struct client *cl)
{
	return cl->fd;
}

size_t ctl_n_clients(const struct tapqd *d)
{
	return d->ctl ? d->ctl->n_clients : 0;
}

size_t ctl_room(const struct client *cl)
{
	size_t max = cl->d->conf.client_output_max;

	return cl->out_bytes < max ? max - cl->out_bytes : 0;
}

/* Sends what fits of the answer; once it is complete, reads the peer's requests again. */
static void ctl_stream_more(struct tapqd *d, struct client *cl)
{
	if (!cl->dead && !cl->more(d, cl, cl->more_arg))
		return;
	cl->more = NULL;
	free(cl->more_arg);
	cl->more_arg = NULL;
	if (!cl->dead && !cl->stalled && event_add(cl->read_ev, NULL) < 0)
		ctl_mark_dead(cl);
}

/*
 * An answer too large to queue at once (STATUS of thousands of devices)
 * goes out as the peer reads it: more() sends while ctl_room() allows, and
 * is called again each time the queue has drained. Requests that come
 * meanwhile wait unread, so that answers keep their order. arg is malloc'ed
 * and freed here.
 */
void ctl_stream(struct tapqd *d, struct client *cl, ctl_more_fn more, void *arg)
{
	cl->more = more;
	cl->more_arg = arg;
	event_del(cl->read_ev);
	ctl_stream_more(d, cl);
}

static void ctl_write(struct client *cl, evutil_socket_t fd)
{
	struct outmsg *m;

	while ((m = STAILQ_FIRST(&cl->outq))) {
		int r = tapqd_fdpass_send(fd, m->buf, m->len, m->fds, m->n_fds, MSG_DONTWAIT);

		if (r == -EAGAIN)
			return;
		if (r < 0) {
			/* m stays queued: the reaper tells what went undelivered (ctl_client_close) */
			ctl_mark_dead(cl);
			return;
		}
		STAILQ_REMOVE_HEAD(&cl->outq, entry);
		cl->out_bytes -= ctl_outmsg_size(m->len, m->n_fds);
		ctl_outmsg_free(m);
	}
	event_del(cl->write_ev);
	if (cl->more)
		ctl_stream_more(cl->d, cl);
}

/* Answers a message that cannot be served, when it has a header to answer, and drops the peer. */
static void ctl_refuse(struct tapqd *d, struct client *cl, const char *buf, size_t n, int r,
		       const char *why)
{
	struct tapqd_hdr h = {0};
	char msg[TAPQD_ERRMSG_MAX + 32];

	if (n >= sizeof(h))
		memcpy(&h, buf, sizeof(h));
	snprintf(msg, sizeof(msg), "closing the connection: %s", why);
	refuse_note(d, cl->peer.pid, cl->peer.uid, TAPQD_REFUSAL_BAD_MESSAGE, msg);
	if (h.magic == TAPQD_MAGIC)
		ctl_send_error(d, cl, h.seq, r, "%s", why);
	ctl_mark_dead(cl);
}

/* The first request of a connection: it is not an idle one. */
static void ctl_greeted(struct client *cl)
{
	if (!cl->hello_ev)
		return;
	event_free(cl->hello_ev);
	cl->hello_ev = NULL;
}

/*
 * Fds come with the RESUME_FDS that ctl_ask_fds() asked for, and on a kernel
 * without SO_PASSRIGHTS with any RESUME (verbs_resume() closes them for a v3
 * one, which asks for them); each must be a tap queue, since the
 * handler asks each one with an ioctl. Return: NULL when they may come, else why not.
 */
static const char *ctl_fds_refused(const struct ctl *c, bool asked, const struct tapqd_hdr *h,
				   const int *fds, size_t n_fds)
{
	if (h->type == TAPQD_RESUME_FDS && !asked)
		return "RESUME_FDS that no RESUME asked for";
	if (!n_fds)
		return NULL;
	if (h->type != TAPQD_RESUME_FDS && (h->type != TAPQD_RESUME || c->passrights))
		return "fds attached to a request that takes none";
	for (size_t i = 0; i < n_fds; i++)
		if (!ctl_is_tap(fds[i]))
			return "fds that are not tap queues";
	return NULL;
}

/*
 * One message per call: libevent's loop goes round every ready peer before
 * this one is read again, so no peer has the loop to itself.
 */
static void ctl_read(struct tapqd *d, struct client *cl, int fd)
{
	/* aligned, so that the payload can be read through its struct */
	_Alignas(max_align_t) char buf[TAPQD_MSG_MAX];
	struct tapqd_hdr h;
	const void *payload;
	char why[TAPQD_ERRMSG_MAX];
	const char *refused;
	int fds[TAPQD_FDS_PER_MSG];
	size_t n_fds, kept;
	bool asked;
	int flags;
	ssize_t n;
	int r;

	if (cl->dead)
		return;
	if (ctl_may_send_fds(d->ctl, cl) && closer_full(d->ctl->closer, TAPQD_FDS_PER_MSG)) {
		event_del(cl->read_ev);
		cl->stalled = true;
		return;
	}
	n = tapqd_fdpass_recv(fd, buf, sizeof(buf), fds, TAPQD_FDS_PER_MSG, &n_fds, MSG_DONTWAIT,
			      &flags);
	if (n == -EAGAIN || n == -EINTR)
		return;
	kept = n_fds < TAPQD_FDS_PER_MSG ? n_fds : TAPQD_FDS_PER_MSG;
	asked = cl->fds_asked;
	if (asked) {
		/* one message was asked for; a peer that sent more is dropped below */
		cl->fds_asked = false;
		r = d->ctl->passrights ? ctl_passrights(fd, 0) : 0;
		if (r < 0) {
			ctl_close_fds(d, cl, fds, kept);
			log_warn(d, "client pid %d: dropping the connection: SO_PASSRIGHTS: %s",
				 (int)cl->peer.pid, strerror(-r));
			ctl_mark_dead(cl);
			return;
		}
	}
	if (n <= 0) {
		ctl_close_fds(d, cl, fds, kept);
		ctl_client_close(d, cl);
		return;
	}
	if (n_fds > TAPQD_FDS_PER_MSG || (flags & MSG_CTRUNC)) {
		ctl_close_fds(d, cl, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, -E2BIG,
			   "more fds than one message carries (253, SCM_MAX_FD)");
		return;
	}
	if (flags & MSG_TRUNC) {
		ctl_close_fds(d, cl, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, -EMSGSIZE, "message too large");
		return;
	}
	r = tapqd_msg_unpack(buf, (size_t)n, &h, &payload, why, sizeof(why));
	if (r == 0 && h.type >= TAPQD_OK) {
		r = -EOPNOTSUPP;
		snprintf(why, sizeof(why), "a reply or an event is no request");
	}
	if (r == 0 && asked && h.type != TAPQD_RESUME_FDS) {
		r = -EBADMSG;
		snprintf(why, sizeof(why), "RESUME_FDS was asked for, another request came");
	}
	refused = r < 0 ? why : ctl_fds_refused(d->ctl, asked, &h, fds, kept);
	if (refused) {
		ctl_close_fds(d, cl, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, r < 0 ? r : -EBADMSG, refused);
		return;
	}
	ctl_greeted(cl);
	if (h.type != TAPQD_HELLO)
		cl->version = h.version;
	/* the fds are the handler's from here */
	d->request_uid = cl->peer.uid;
	d->request_uid_set = true;
	d->ctl->ops->request(d, cl, &h, payload, fds, kept);
	d->request_uid_set = false;
}

/*
 * Whatever is logged while a peer's message is read, or the rest of an
 * answer to it written (a STATUS of every device), concerns that peer (log.c).
 */
static void ctl_on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct tapqd *d = cl->d;
	struct log_ctx was = d->log_ctx;

	log_peer(d, cl->peer.pid, cl->peer.uid);
	if (what & EV_READ)
		ctl_read(d, cl, fd);
	else
		ctl_write(cl, fd);
	d->log_ctx = was;
}

static int ctl_peer_credentials(struct client *cl)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	cl->peer.pid = uc.pid;
	cl->peer.uid = uc.uid;
	cl->peer.gid = uc.gid;
	/* as many groups as the peer has (LDAP users may have hundreds): ask for the size first */
	len = 0;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno != ERANGE)
		return -errno;
	if (!len)
		return 0;
	cl->groups = malloc(len);
	if (!cl->groups)
		return -ENOMEM;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERGROUPS, cl->groups, &len) < 0)
		return -errno;
	cl->peer.groups = cl->groups;
	cl->peer.n_groups = len / sizeof(gid_t);
	return 0;
}

/*
 * A peer that connected before the listener had SO_PASSRIGHTS off (to a
 * socket the service manager made) has it on, and may have sent fds already.
 */
static int ctl_rights_off(struct tapqd *d, struct client *cl)
{
	int on = 0;
	socklen_t len = sizeof(on);

	if (!d->ctl->passrights)
		return 0;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PASSRIGHTS, &on, &len) < 0)
		return -errno;
	if (!on)
		return 0;
	cl->fds_queued = true;
	return ctl_passrights(cl->fd, 0);
}

static void ctl_on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;

	(void)fd;
	(void)what;
	event_add(d->ctl->listen_ev, NULL);
}

/*
 * Any request counts, HELLO or not: tapqctl and the libtapqd of protocol
 * version 2 send theirs straight away, and a long-lived client (a daemon-mode
 * holder) must not be cut off for having skipped HELLO.
 */
static void ctl_on_hello_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct tapqd *d = cl->d;
	struct log_ctx was = d->log_ctx;

	(void)fd;
	(void)what;
	if (cl->dead)
		return;
	log_peer(d, cl->peer.pid, cl->peer.uid);
	ctl_say_closing(d, cl, TAPQD_REFUSAL_IDLE, -ETIMEDOUT,
			"closed: no request within hello_timeout (%u ms)", d->conf.hello_timeout_ms);
	ctl_mark_dead(cl);
	d->log_ctx = was;
}

static size_t ctl_count_uid(const struct ctl *c, uid_t uid)
{
	const struct client *cl;
	size_t n = 0;

	TAILQ_FOREACH(cl, &c->clients, entry)
		n += cl->peer.uid == uid;
	return n;
}

/*
 * Whether a new connection (already in the table) may stay. Root always
 * may; the caps are read here, so a reload changes them for the next peer
 * and leaves open connections alone. Return: true, or false after saying why.
 */
static bool ctl_admit(struct tapqd *d, struct client *cl, bool spare)
{
	const struct conf *cf = &d->conf;
	uid_t uid = cl->peer.uid;
	size_t mine;

	if (uid == 0)
		return true;
	if (spare) {
		ctl_say_closing(d, cl, TAPQD_REFUSAL_FD_LIMIT, -EMFILE,
				"refused: tapqd is out of file descriptors; try again later");
		return false;
	}
	if (d->ctl->n_clients > cf->max_connections) {
		ctl_say_closing(d, cl, TAPQD_REFUSAL_TOTAL_CAP, -EUSERS,
				"refused: %zu connections are open (max_connections = %u)",
				d->ctl->n_clients - 1, cf->max_connections);
		return false;
	}
	mine = ctl_count_uid(d->ctl, uid);
	if (mine > cf->max_connections_per_uid) {
		ctl_say_closing(d, cl, TAPQD_REFUSAL_UID_CAP, -EUSERS,
				"refused: uid %u has %zu connections open (max_connections_per_uid "
				"= %u)",
				(unsigned int)uid, mine - 1, cf->max_connections_per_uid);
		return false;
	}
	return true;
}

/* Out of fds, the peer in front is let in through a spare one, far enough to know who it is. */
static int ctl_accept_fd(struct tapqd *d, int lfd, bool *ret_spare)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	*ret_spare = false;
	if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || !d->ctl->n_reserve)
		return fd < 0 ? -errno : fd;
	close(d->ctl->reserve[--d->ctl->n_reserve]);
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		ctl_reserve_fill(d->ctl);
		return r;
	}
	*ret_spare = true;
	return fd;
}

/* A peer known by its credentials: let in, or told why not. */
static void ctl_welcome(struct tapqd *d, struct client *cl, bool spare)
{
	struct timeval hello = {.tv_sec = d->conf.hello_timeout_ms / 1000,
				.tv_usec = d->conf.hello_timeout_ms % 1000 * 1000};

	if (!ctl_admit(d, cl, spare)) {
		ctl_client_close(d, cl);
		return;
	}
	cl->read_ev = event_new(d->base, cl->fd, EV_READ | EV_PERSIST, ctl_on_ready, cl);
	cl->write_ev = event_new(d->base, cl->fd, EV_WRITE | EV_PERSIST, ctl_on_ready, cl);
	cl->hello_ev = evtimer_new(d->base, ctl_on_hello_timeout, cl);
	if (!cl->read_ev || !cl->write_ev || !cl->hello_ev || event_add(cl->read_ev, NULL) < 0 ||
	    evtimer_add(cl->hello_ev, &hello) < 0) {
		log_warn(d, "accept: out of memory");
		ctl_client_close(d, cl);
		return;
	}
	log_debug(d, "client pid %d uid %u connected%s", (int)cl->peer.pid,
		  (unsigned int)cl->peer.uid, spare ? " through a spare fd" : "");
}

static void ctl_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct log_ctx was = d->log_ctx;
	struct client *cl;
	bool spare;
	int fd, r;

	(void)what;
	/* a socket the closer thread closed freed an fd that the spares may need */
	ctl_reserve_fill(d->ctl);
	/*
	 * Without SO_PASSRIGHTS every unprivileged socket tapqd drops goes to the
	 * closer thread; while it is stuck, a new peer would only add one more fd
	 * held. ctl_unstall() listens again.
	 */
	if (!d->ctl->passrights && closer_full(d->ctl->closer, TAPQD_FDS_PER_MSG)) {
		if (!d->ctl->accept_stalled)
			log_warn(d, "accept: paused while the thread that closes what clients sent is "
				    "stuck (a kernel without SO_PASSRIGHTS)");
		d->ctl->accept_stalled = true;
		event_del(d->ctl->listen_ev);
		return;
	}
	fd = ctl_accept_fd(d, lfd, &spare);
	if (fd < 0) {
		if (fd == -EMFILE || fd == -ENFILE) {
			/* Level-triggered accept would spin: pause until fds are freed. */
			struct timeval tv = {.tv_sec = CTL_ACCEPT_PAUSE_SEC};

			log_warn(d, "accept: %s, and the fds kept for root are in use: pausing new "
				    "connections for %d s",
				 strerror(-fd), CTL_ACCEPT_PAUSE_SEC);
			event_del(d->ctl->listen_ev);
			event_add(d->ctl->accept_pause_ev, &tv);
		} else if (fd != -EAGAIN && fd != -EINTR && fd != -ECONNABORTED) {
			log_warn(d, "accept: %s", strerror(-fd));
		}
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		log_warn(d, "accept: out of memory");
		close(fd);
		ctl_reserve_fill(d->ctl);
		return;
	}
	cl->fd = fd;
	cl->d = d;
	cl->version = TAPQD_VERSION_MIN; /* until it says: what every client reads */
	STAILQ_INIT(&cl->outq);
	TAILQ_INSERT_TAIL(&d->ctl->clients, cl, entry);
	d->ctl->n_clients++;
	r = ctl_rights_off(d, cl);
	if (r == 0)
		r = ctl_peer_credentials(cl);
	if (r < 0) {
		/* a peer not known: its socket may hold fds, so the closer thread closes it */
		cl->fds_queued = true;
		log_warn(d, "accept: setting up the connection: %s", strerror(-r));
		ctl_client_close(d, cl);
		return;
	}
	log_peer(d, cl->peer.pid, cl->peer.uid);
	ctl_welcome(d, cl, spare);
	d->log_ctx = was;
}

/*
 * An existing socket file is replaced only if nobody answers on it: a live
 * one means another tapqd is serving it.
 */
static int ctl_claim_path(const struct sockaddr_un *sa, char *what, size_t what_size)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(what, what_size, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0) {
		snprintf(what, what_size, "%s: already running (the socket answers)", sa->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Fds reach tapqd only when it asks for them (SO_PASSRIGHTS, Linux 6.16):
 * any other could be a file whose close never returns. An older kernel is
 * said once, with what it leaves open.
 */
static int ctl_listener_rights(struct tapqd *d, int fd)
{
	int r = ctl_passrights(fd, 0);

	d->ctl->passrights = r == 0;
	if (r == -ENOPROTOOPT || r == -EINVAL) {
		log_warn(d, "this kernel has no SO_PASSRIGHTS (Linux 6.16+): any client can send fds "
			    "to tapqd; they are closed on a thread of their own, a client whose fds "
			    "pile up is dropped, and unprivileged clients are not read while they "
			    "do; see the README");
		return 0;
	}
	return r;
}

static int ctl_bind(struct tapqd *d, char *what, size_t what_size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = d->conf.socket_path;
	int fd, r;

	snprintf(what, what_size, "control socket %s", path);
	memcpy(sa.sun_path, path, sizeof(sa.sun_path));
	r = sockfile_make_dir(path, what, what_size);
	if (r < 0)
		return r;
	r = ctl_claim_path(&sa, what, what_size);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* before listen(): a peer's connection inherits the listener's setting when it connects */
	r = ctl_listener_rights(d, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* bind() gives the file this mode less the umask: never more than socket_mode */
	if (fchmod(fd, d->conf.socket_mode) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	memcpy(d->listen_path, path, sizeof(d->listen_path));
	r = sockfile_set(path, d->conf.socket_mode,
			 d->conf.has_socket_group ? d->conf.socket_group : (gid_t)-1, what,
			 what_size);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (listen(fd, CTL_BACKLOG) < 0)
		goto fail;
	d->listen_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

/*
 * A socket passed by the service manager (d->listen_fd already set) is used
 * as it is: its path, mode and group are the socket unit's, and tapqd never
 * unlinks it. Accept must not block, whoever made the socket.
 */
int ctl_listen(struct tapqd *d, const struct ctl_ops *ops, char *what, size_t what_size)
{
	struct ctl *c = calloc(1, sizeof(*c));
	int r, flags;

	if (!c)
		return -ENOMEM;
	c->ops = ops;
	TAILQ_INIT(&c->clients);
	d->ctl = c;
	ctl_reserve_fill(c);
	if (c->n_reserve < CTL_RESERVE_FDS)
		return -errno;
	c->closer = closer_new(d, ctl_unstall);
	if (!c->closer)
		return -ENOMEM;

	if (d->listen_fd < 0) {
		r = ctl_bind(d, what, what_size);
		if (r < 0)
			return r;
	} else {
		snprintf(what, what_size, "the socket from the service manager (fd %d)",
			 d->listen_fd);
		flags = fcntl(d->listen_fd, F_GETFL);
		if (flags < 0 || fcntl(d->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
			return -errno;
		r = ctl_listener_rights(d, d->listen_fd);
		if (r < 0)
			return r;
	}
	c->listen_ev = event_new(d->base, d->listen_fd, EV_READ | EV_PERSIST, ctl_on_accept, d);
	c->accept_pause_ev = evtimer_new(d->base, ctl_on_accept_resume, d);
	c->reap_ev = event_new(d->base, -1, 0, ctl_on_reap, d);
	if (!c->listen_ev || !c->accept_pause_ev || !c->reap_ev || event_add(c->listen_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void ctl_stop(struct tapqd *d)
{
	struct ctl *c = d->ctl;
	struct client *cl;

	if (c) {
		while ((cl = TAILQ_FIRST(&c->clients)))
			ctl_client_close(d, cl);
		while (c->n_reserve)
			close(c->reserve[--c->n_reserve]);
		if (c->listen_ev)
			event_free(c->listen_ev);
		if (c->accept_pause_ev)
			event_free(c->accept_pause_ev);
		if (c->reap_ev)
			event_free(c->reap_ev);
		closer_free(c->closer);
		free(c);
		d->ctl = NULL;
	}
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	d->listen_fd = -1;
	if (d->listen_path[0] && unlink(d->listen_path) < 0 && errno != ENOENT)
		log_warn(d, "removing %s: %s", d->listen_path, strerror(errno));
	d->listen_path[0] = '\0';
}
