// SPDX-License-Identifier: MIT
/*
 * ctl.c - the control socket: creating it (or refusing when another tapqd
 * owns it), accepting peers with their credentials within the connection
 * caps, reading one message at a time, and sending replies without ever
 * blocking on a slow client
 */

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "acl.h"
#include "ctl.h"
#include "log.h"
#include "sockfile.h"
#include "refuse.h"
#include "tapqd-fdpass.h"

#define CTL_CLOSER_STACK (256u << 10) /* room for the sanitizers too */

#define CTL_BACKLOG 128
#define CTL_OUTQ_MAX 1024 /* queued messages before a client is dropped as too slow */
#define CTL_ACCEPT_PAUSE_SEC 1
/*
 * Spare fds kept for root: out of fds, tapqd closes one to accept a peer,
 * refuses anyone but root, and opens it again. Root may hold this many
 * connections beyond the fd limit.
 */
#define CTL_RESERVE_FDS 4

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
	size_t out_len;                 /* queued messages */
	STAILQ_HEAD(, outmsg) outq;
	bool dead; /* closed by the reaper, after the current callback */
	struct event *hello_ev; /* closes it if no request comes first; NULL once one did */
};

struct ctl {
	const struct ctl_ops *ops;
	TAILQ_HEAD(, client) clients;
	struct event *listen_ev;
	struct event *accept_pause_ev;
	struct event *reap_ev;
	int closer_fd; /* to the thread that closes fds clients sent; -1 until needed */
	size_t n_clients;
	int reserve[CTL_RESERVE_FDS]; /* the spare fds, reserve[0..n_reserve-1] */
	size_t n_reserve;
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

/*
 * The layer above hears of the close first, while the client can still be
 * compared with what it keeps, but can no longer be sent to; then of every
 * tracked message the peer never got.
 */
static void ctl_client_close(struct tapqd *d, struct client *cl)
{
	struct outmsg *m;

	cl->dead = true;
	TAILQ_REMOVE(&d->ctl->clients, cl, entry);
	d->ctl->n_clients--;
	if (cl->read_ev)
		d->ctl->ops->gone(d, cl);
	while ((m = STAILQ_FIRST(&cl->outq))) {
		STAILQ_REMOVE_HEAD(&cl->outq, entry);
		if (m->cookie)
			d->ctl->ops->undelivered(d, m->cookie);
		ctl_outmsg_free(m);
	}
	/* an accept that failed half-way has no events: libevent's event_free(NULL) crashes */
	if (cl->read_ev)
		event_free(cl->read_ev);
	if (cl->write_ev)
		event_free(cl->write_ev);
	if (cl->hello_ev)
		event_free(cl->hello_ev);
	free(cl->groups);
	close(cl->fd);
	log_debug(d, "client pid %d disconnected", (int)cl->peer.pid);
	free(cl);
	ctl_reserve_fill(d->ctl);
}

/* Dead clients are closed after the callback that found them dead, never under its feet. */
static void ctl_mark_dead(struct client *cl)
{
	cl->dead = true;
	event_active(cl->d->ctl->reap_ev, 0, 0);
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


/* Keeps a message for later; it holds duplicates, so the device may go away meanwhile. */
static int ctl_enqueue(struct client *cl, const void *buf, size_t len, const int *fds,
		       size_t n_fds, uint64_t cookie)
{
	struct outmsg *m;

	if (cl->out_len >= CTL_OUTQ_MAX)
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
	cl->out_len++;
	event_add(cl->write_ev, NULL);
	return 0;
}

int ctl_send_tracked(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq,
		     const void *payload, size_t len, const int *fds, size_t n_fds, uint64_t cookie)
{
	char buf[TAPQD_MSG_MAX];
	size_t n;
	int r;

	if (cl->dead)
		return -ECONNRESET;
	n = tapqd_msg_pack(buf, sizeof(buf), type, seq, payload, len);
	if (!n)
		return -EMSGSIZE;
	r = STAILQ_EMPTY(&cl->outq) ? tapqd_fdpass_send(cl->fd, buf, n, fds, n_fds, MSG_DONTWAIT) : -EAGAIN;
	if (r == -EAGAIN)
		r = ctl_enqueue(cl, buf, n, fds, n_fds, cookie);
	if (r < 0) {
		log_warn(d, "client pid %d: dropping the connection: %s", (int)cl->peer.pid,
			 r == -ENOBUFS ? "it does not read its replies" : strerror(-r));
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
	n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_ERROR, 0, &e, sizeof(e));
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
	TAILQ_FOREACH(cl, &d->ctl->clients, entry) {
		if (cl != holder &&
		    (!cl->subscribed ||
		     (cl->sub_name[0] && strncmp(cl->sub_name, ev->name, sizeof(ev->name)))))
			continue;
		ctl_send(d, cl, TAPQD_EVENT, 0,
			 cl == holder || ctl_peer_permits(cl, cd) ? ev : &hidden, sizeof(*ev), NULL,
			 0);
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

static void ctl_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct outmsg *m;

	(void)what;
	while ((m = STAILQ_FIRST(&cl->outq))) {
		int r = tapqd_fdpass_send(fd, m->buf, m->len, m->fds, m->n_fds, MSG_DONTWAIT);

		if (r == -EAGAIN)
			return;
		STAILQ_REMOVE_HEAD(&cl->outq, entry);
		cl->out_len--;
		if (r < 0) {
			/* dead first: what the layer above does next sends nothing more here */
			ctl_mark_dead(cl);
			if (m->cookie)
				cl->d->ctl->ops->undelivered(cl->d, m->cookie);
		}
		ctl_outmsg_free(m);
		if (r < 0)
			return;
	}
	event_del(cl->write_ev);
}

/* The closer thread: closes what the main thread gives it, until the pipe closes. */
static void *ctl_closer_main(void *arg)
{
	int rfd = (int)(intptr_t)arg, fd;

	while (read(rfd, &fd, sizeof(fd)) == sizeof(fd))
		close(fd);
	close(rfd);
	return NULL;
}

/* Detached, signals blocked, a small stack: it only ever sits in read() or close(). */
int ctl_closer_start(struct tapqd *d)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = pthread_attr_init(&attr);
	if (r == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, CTL_CLOSER_STACK);
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&t, &attr, ctl_closer_main, (void *)(intptr_t)p[0]);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (r) {
		close(p[0]);
		close(p[1]);
		return -r;
	}
	d->ctl->closer_fd = p[1];
	return 0;
}

/*
 * Closes fds a client sent. A tap queue is closed here; anything else may be
 * a file whose close waits on someone (a FUSE server's flush that never
 * answers), so the closer thread does it and the loop never waits.
 */
void ctl_close_fds(struct tapqd *d, const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (fstat(fds[i], &st) == 0 && S_ISCHR(st.st_mode) &&
		    st.st_rdev == makedev(10, 200)) {
			close(fds[i]);
			continue;
		}
		/* without the thread (it could not start), here then */
		if (!d->ctl || d->ctl->closer_fd < 0 ||
		    write(d->ctl->closer_fd, &fds[i], sizeof(fds[i])) != sizeof(fds[i]))
			close(fds[i]);
	}
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

static void ctl_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct tapqd *d = cl->d;
	/* aligned, so that the payload can be read through its struct */
	_Alignas(max_align_t) char buf[TAPQD_MSG_MAX];
	struct tapqd_hdr h;
	const void *payload;
	char why[TAPQD_ERRMSG_MAX];
	int fds[TAPQD_FDS_PER_MSG];
	size_t n_fds, kept;
	int flags;
	ssize_t n;
	int r;

	(void)what;
	if (cl->dead)
		return;
	/* only RESUME may carry fds (a holder's queues), and one message's worth at most */
	n = tapqd_fdpass_recv(fd, buf, sizeof(buf), fds, TAPQD_FDS_PER_MSG, &n_fds, MSG_DONTWAIT,
			      &flags);
	if (n == -EAGAIN || n == -EINTR)
		return;
	kept = n_fds < TAPQD_FDS_PER_MSG ? n_fds : TAPQD_FDS_PER_MSG;
	if (n <= 0) {
		ctl_close_fds(d, fds, kept);
		ctl_client_close(d, cl);
		return;
	}
	if (n_fds > TAPQD_FDS_PER_MSG || (flags & MSG_CTRUNC)) {
		ctl_close_fds(d, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, -E2BIG,
			   "more fds than one message carries (253, SCM_MAX_FD)");
		return;
	}
	if (flags & MSG_TRUNC) {
		ctl_close_fds(d, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, -EMSGSIZE, "message too large");
		return;
	}
	r = tapqd_msg_unpack(buf, (size_t)n, &h, &payload, why, sizeof(why));
	if (r == 0 && h.type >= TAPQD_OK) {
		r = -EOPNOTSUPP;
		snprintf(why, sizeof(why), "a reply or an event is no request");
	}
	if (r < 0 || (kept && h.type != TAPQD_RESUME)) {
		ctl_close_fds(d, fds, kept);
		ctl_refuse(d, cl, buf, (size_t)n, r < 0 ? r : -EBADMSG,
			   r < 0 ? why : "fds attached to a request other than RESUME");
		return;
	}
	ctl_greeted(cl);
	/* the fds are the handler's from here */
	d->ctl->ops->request(d, cl, &h, payload, fds, kept);
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

	(void)fd;
	(void)what;
	if (cl->dead)
		return;
	ctl_say_closing(d, cl, TAPQD_REFUSAL_IDLE, -ETIMEDOUT,
			"closed: no request within hello_timeout (%u ms)", d->conf.hello_timeout_ms);
	ctl_mark_dead(cl);
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

static void ctl_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct timeval hello = {.tv_sec = d->conf.hello_timeout_ms / 1000,
				.tv_usec = d->conf.hello_timeout_ms % 1000 * 1000};
	struct client *cl;
	bool spare;
	int fd, r;

	(void)what;
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
	STAILQ_INIT(&cl->outq);
	TAILQ_INSERT_TAIL(&d->ctl->clients, cl, entry);
	d->ctl->n_clients++;
	r = ctl_peer_credentials(cl);
	if (r < 0) {
		log_warn(d, "accept: reading peer credentials: %s", strerror(-r));
		ctl_client_close(d, cl);
		return;
	}
	if (!ctl_admit(d, cl, spare)) {
		ctl_client_close(d, cl);
		return;
	}
	cl->read_ev = event_new(d->base, fd, EV_READ | EV_PERSIST, ctl_on_readable, cl);
	cl->write_ev = event_new(d->base, fd, EV_WRITE | EV_PERSIST, ctl_on_writable, cl);
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

static int ctl_bind(struct tapqd *d, char *what, size_t what_size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = d->conf.socket_path;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd, r;

	snprintf(what, what_size, "control socket %s", path);
	memcpy(sa.sun_path, path, sizeof(sa.sun_path));
	memcpy(dir, path, sizeof(dir));
	/* validate.c makes the path absolute: there is a slash */
	slash = strrchr(dir, '/');
	slash[slash == dir] = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = sockfile_check_dir(dir, what, what_size);
	if (r < 0)
		return r;
	r = ctl_claim_path(&sa, what, what_size);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
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
	c->closer_fd = -1;
	TAILQ_INIT(&c->clients);
	d->ctl = c;
	ctl_reserve_fill(c);
	if (c->n_reserve < CTL_RESERVE_FDS)
		return -errno;

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
		/* the closer thread ends once it has closed what it was given */
		if (c->closer_fd >= 0)
			close(c->closer_fd);
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
