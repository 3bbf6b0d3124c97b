// SPDX-License-Identifier: MIT
/* client.c - libtapqd: a blocking client of the tapqd control socket */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tapqd-fdpass.h"
#include "tapqd.h"

#define CLIENT_REPLY_TIMEOUT_MS 30000
#define CLIENT_EVENTS_MAX 64

struct tapqd_client {
	int fd;
	uint32_t seq;
	/*
	 * What HELLO chose; 0 until then, and requests are written in
	 * TAPQD_VERSION_MIN, which has every request but RESUME_FDS, so that a
	 * client that never says HELLO is understood by every tapqd.
	 */
	uint16_t version;
	char error[TAPQD_ERRMSG_MAX];
	/* events that arrived while a reply was awaited, oldest first */
	size_t n_events;
	struct tapqd_event_info events[CLIENT_EVENTS_MAX];
	tapqd_shrink_fn on_shrink;
	void *on_shrink_arg;
};

/*
 * One received message: the payload is copied out, fds are owned by the
 * caller. A payload is at least its struct (tapqd_msg_unpack() checked), and
 * what a newer daemon appends to it is skipped. DEVICE, LEASE and EVENT are
 * decoded from raw.
 */
struct client_msg {
	struct tapqd_hdr hdr;
	union {
		char raw[TAPQD_MSG_MAX];
		struct tapqd_error error;
		struct tapqd_fds fds;
		struct tapqd_hello hello;
		struct tapqd_reload reload;
	} u;
	size_t n_fds;
	int fds[TAPQD_FDS_PER_MSG];
};

static void client_msg_close_fds(struct client_msg *m)
{
	for (size_t i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	m->n_fds = 0;
}

int tapqd_client_connect(const char *path, struct tapqd_client **ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tapqd_client *c;

	if (!path)
		path = TAPQD_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		tapqd_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void tapqd_client_free(struct tapqd_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

int tapqd_client_fd(const struct tapqd_client *c)
{
	return c->fd;
}

const char *tapqd_client_error(const struct tapqd_client *c)
{
	return c->error;
}

void tapqd_lease_close_fds(struct tapqd_lease_info *l)
{
	for (size_t i = 0; i < l->n_fds; i++) {
		if (l->fds[i] >= 0)
			close(l->fds[i]);
		l->fds[i] = -1;
	}
	l->n_fds = 0;
}

static int client_send_seq(struct tapqd_client *c, uint16_t type, uint32_t seq,
			   const void *payload, size_t len, const int *fds, size_t n_fds)
{
	char buf[TAPQD_MSG_MAX];
	size_t n = tapqd_msg_pack_version(buf, sizeof(buf), c->version ? c->version : TAPQD_VERSION_MIN,
					  type, seq, payload, len);

	if (!n)
		return -EMSGSIZE;
	return tapqd_fdpass_send(c->fd, buf, n, fds, n_fds, 0);
}

static int client_refused(struct tapqd_client *c, int r);

static int client_send(struct tapqd_client *c, uint16_t type, const void *payload, size_t len,
		       const int *fds, size_t n_fds)
{
	int r;

	c->error[0] = '\0';
	if (++c->seq == 0)
		c->seq = 1; /* seq 0 marks events */
	r = client_send_seq(c, type, c->seq, payload, len, fds, n_fds);
	if (r == -EPIPE || r == -ECONNRESET)
		r = client_refused(c, r);
	return r;
}

/* An ack answers nothing, so it leaves seq alone: a reply may be awaited meanwhile. */
static int client_send_ack(struct tapqd_client *c, const char name[TAPQD_NAME_MAX],
			   unsigned int active_queues)
{
	struct tapqd_resize ack = {.active_queues = (uint16_t)active_queues};

	memcpy(ack.name, name, sizeof(ack.name));
	return client_send_seq(c, TAPQD_RESIZE_ACK, 0, &ack, sizeof(ack), NULL, 0);
}

/* Return: true when the event was handled here (a SHRINK, with a callback set). */
static bool client_event_consumed(struct tapqd_client *c, const struct tapqd_event_info *ev)
{
	if (ev->kind != TAPQD_EVENT_SHRINK || !c->on_shrink)
		return false;
	c->on_shrink(ev->name, ev->active_queues, c->on_shrink_arg);
	/* a lost ack only means tapqd waits for its timeout */
	client_send_ack(c, ev->name, ev->active_queues);
	return true;
}

static int client_recv(struct tapqd_client *c, int timeout_ms, struct client_msg *m)
{
	_Alignas(max_align_t) char hdrbuf[TAPQD_MSG_MAX];
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	const void *payload;
	int flags;
	ssize_t n;
	int r;

	m->n_fds = 0;

	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = tapqd_fdpass_recv(c->fd, hdrbuf, sizeof(hdrbuf), m->fds, TAPQD_FDS_PER_MSG, &m->n_fds,
			      0, &flags);
	/*
	 * A daemon that refuses the connection says why and closes it with our
	 * request unread, which the kernel reports as a reset before the reason.
	 */
	if (n == -ECONNRESET) {
		n = tapqd_fdpass_recv(c->fd, hdrbuf, sizeof(hdrbuf), m->fds, TAPQD_FDS_PER_MSG,
				      &m->n_fds, MSG_DONTWAIT, &flags);
		if (n == -EAGAIN)
			n = -ECONNRESET;
	}
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	if (m->n_fds > TAPQD_FDS_PER_MSG)
		m->n_fds = TAPQD_FDS_PER_MSG;
	if (flags & (MSG_CTRUNC | MSG_TRUNC)) {
		client_msg_close_fds(m);
		return -EMSGSIZE;
	}
	r = tapqd_msg_unpack(hdrbuf, (size_t)n, &m->hdr, &payload, c->error, sizeof(c->error));
	if (r < 0) {
		client_msg_close_fds(m);
		return r;
	}
	memcpy(m->u.raw, payload, m->hdr.len);
	return 0;
}

/*
 * The daemon closed the connection before the request went out: the ERROR
 * that says why (seq 0) may wait to be read. Return: its code, or r.
 */
static int client_refused(struct tapqd_client *c, int r)
{
	struct client_msg *m = malloc(sizeof(*m));

	if (!m)
		return r;
	if (client_recv(c, 0, m) == 0 && m->hdr.type == TAPQD_ERROR && m->hdr.seq == 0 &&
	    m->u.error.code > 0) {
		snprintf(c->error, sizeof(c->error), "%.*s", (int)sizeof(m->u.error.msg),
			 m->u.error.msg);
		r = -m->u.error.code;
	}
	client_msg_close_fds(m);
	free(m);
	return r;
}

static long client_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* An EVENT message (seq 0): handled, or kept for tapqd_client_next_event(). */
static int client_keep_event(struct tapqd_client *c, const struct client_msg *m)
{
	struct tapqd_event_info ev;
	int r = tapqd_event_decode(m->u.raw, m->hdr.len, &ev);

	if (r < 0 || client_event_consumed(c, &ev))
		return r;
	if (c->n_events == CLIENT_EVENTS_MAX) {
		memmove(c->events, c->events + 1, sizeof(c->events[0]) * (CLIENT_EVENTS_MAX - 1));
		c->n_events--;
	}
	c->events[c->n_events++] = ev;
	return 0;
}

/*
 * Receives the next message that answers the last request; events that come
 * first are kept for tapqd_client_next_event(). An ERROR reply becomes its
 * negative code, with its message kept.
 */
static int client_reply(struct tapqd_client *c, struct client_msg *m)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CLIENT_REPLY_TIMEOUT_MS / 1000;
	for (;;) {
		int r = client_recv(c, (int)client_ms_left(&deadline), m);

		if (r < 0)
			return r;
		if (m->hdr.type == TAPQD_EVENT && m->hdr.seq == 0) {
			client_msg_close_fds(m);
			r = client_keep_event(c, m);
			if (r < 0)
				return r;
			continue;
		}
		/* seq 0: the daemon refuses the connection itself, and says why */
		if (m->hdr.seq != c->seq && !(m->hdr.type == TAPQD_ERROR && m->hdr.seq == 0)) {
			client_msg_close_fds(m);
			return -EPROTO;
		}
		if (m->hdr.type == TAPQD_ERROR) {
			client_msg_close_fds(m);
			snprintf(c->error, sizeof(c->error), "%.*s", (int)sizeof(m->u.error.msg),
				 m->u.error.msg);
			return m->u.error.code > 0 ? -m->u.error.code : -EPROTO;
		}
		return 0;
	}
}

/* For requests answered by a single OK; n_fds fds go with the request. */
static int client_simple(struct tapqd_client *c, uint16_t type, const void *payload, size_t len,
			 const int *fds, size_t n_fds)
{
	struct client_msg *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = client_send(c, type, payload, len, fds, n_fds);
	if (r == 0)
		r = client_reply(c, m);
	if (r == 0 && (m->hdr.type != TAPQD_OK || m->n_fds)) {
		client_msg_close_fds(m);
		r = -EPROTO;
	}
	free(m);
	return r;
}

static int client_name(char dst[TAPQD_NAME_MAX], const char *name)
{
	memset(dst, 0, TAPQD_NAME_MAX);
	if (!name)
		return 0;
	if (!tapqd_name_valid(name, strlen(name) + 1))
		return -EINVAL;
	memcpy(dst, name, strlen(name));
	return 0;
}

/* For requests answered by one message of their own type (HELLO, a RELOAD query), without fds. */
static int client_exchange(struct tapqd_client *c, uint16_t type, const void *payload, size_t len,
			   struct client_msg *m)
{
	int r;

	m->n_fds = 0; /* nothing to close if the send fails */
	r = client_send(c, type, payload, len, NULL, 0);
	if (r == 0)
		r = client_reply(c, m);
	if (r == 0 && (m->hdr.type != type || m->n_fds))
		r = -EPROTO;
	if (r < 0)
		client_msg_close_fds(m);
	return r;
}

int tapqd_client_hello(struct tapqd_client *c, uint16_t *ret_version)
{
	struct tapqd_hello h = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	struct client_msg *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = client_exchange(c, TAPQD_HELLO, &h, sizeof(h), m);
	/* the daemon's choice must be one of ours */
	if (r == 0 && tapqd_version_choose(m->u.hello.version, m->u.hello.version) < 0) {
		snprintf(c->error, sizeof(c->error),
			 "the daemon chose protocol version %u; this libtapqd speaks %u-%u",
			 m->u.hello.version, TAPQD_VERSION_MIN, TAPQD_VERSION);
		r = -EPROTO;
	}
	if (r == 0)
		c->version = m->u.hello.version;
	if (r == 0 && ret_version)
		*ret_version = m->u.hello.version;
	free(m);
	return r;
}

int tapqd_client_status(struct tapqd_client *c, const char *name,
			struct tapqd_device_info **ret_devs, size_t *ret_n)
{
	return tapqd_client_status_daemon(c, name, ret_devs, ret_n, NULL);
}

int tapqd_client_status_each(struct tapqd_client *c, const char *name, tapqd_status_fn fn,
			     void *arg, struct tapqd_daemon_info *ret_daemon)
{
	struct tapqd_device_info *dev;
	struct tapqd_name req;
	struct client_msg *m;
	int r, fn_r = 0;

	r = client_name(req.name, name);
	if (r < 0)
		return r;
	m = malloc(sizeof(*m));
	dev = malloc(sizeof(*dev));
	if (!m || !dev) {
		free(m);
		free(dev);
		return -ENOMEM;
	}
	r = client_send(c, TAPQD_STATUS, &req, sizeof(req), NULL, 0);
	while (r == 0) {
		r = client_reply(c, m);
		if (r < 0)
			break;
		if (m->n_fds) {
			client_msg_close_fds(m);
			r = -EPROTO;
		} else if (m->hdr.type == TAPQD_OK) {
			if (ret_daemon)
				r = tapqd_daemon_decode(m->u.raw, m->hdr.len, ret_daemon);
			break;
		} else if (m->hdr.type == TAPQD_DEVICE) {
			/* the rest is read all the same: the next request must not find it */
			r = tapqd_device_decode(m->u.raw, m->hdr.len, dev);
			if (r == 0 && fn_r == 0)
				fn_r = fn(arg, dev);
		} else {
			r = -EPROTO;
		}
	}
	free(m);
	free(dev);
	return r < 0 ? r : fn_r;
}

struct client_status_array {
	struct tapqd_device_info *devs;
	size_t n, room;
};

/*
 * arr (n elements of size, room allocated) with room for one more: arr
 * itself, or moved, or NULL for no memory. It doubles: one more each time
 * copied every element again, O(n^2) at 1000 devices.
 */
static void *client_grow(void *arr, size_t n, size_t *room, size_t size)
{
	size_t more = *room ? 2 * *room : 16;
	void *p;

	if (n < *room)
		return arr;
	p = reallocarray(arr, more, size);
	if (p)
		*room = more;
	return p;
}

static int client_status_append(void *arg, const struct tapqd_device_info *dev)
{
	struct client_status_array *a = arg;
	struct tapqd_device_info *devs = client_grow(a->devs, a->n, &a->room, sizeof(*devs));

	if (!devs)
		return -ENOMEM;
	a->devs = devs;
	a->devs[a->n++] = *dev;
	return 0;
}

int tapqd_client_status_daemon(struct tapqd_client *c, const char *name,
			       struct tapqd_device_info **ret_devs, size_t *ret_n,
			       struct tapqd_daemon_info *ret_daemon)
{
	struct client_status_array a = {0};
	int r = tapqd_client_status_each(c, name, client_status_append, &a, ret_daemon);

	if (r < 0) {
		free(a.devs);
		return r;
	}
	*ret_devs = a.devs;
	*ret_n = a.n;
	return 0;
}

/* Moves the fds of one LEASE or FDS message into the lease, checking their place. */
static int client_lease_take(struct tapqd_lease_info *l, struct client_msg *m, unsigned int first,
			     unsigned int count)
{
	if (first != l->n_fds || count != m->n_fds || l->n_fds + count > l->dev.max_queues) {
		client_msg_close_fds(m);
		return -EPROTO;
	}
	memcpy(l->fds + l->n_fds, m->fds, sizeof(int) * count);
	l->n_fds += count;
	m->n_fds = 0;
	return 0;
}

int tapqd_client_acquire(struct tapqd_client *c, const char *name, unsigned int control,
			 struct tapqd_lease_info *ret)
{
	struct tapqd_acquire req = {.control = (uint8_t)control};
	struct client_msg *m;
	int r;

	ret->n_fds = 0;
	r = client_name(req.name, name);
	if (r < 0 || !name)
		return -EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = client_send(c, TAPQD_ACQUIRE, &req, sizeof(req), NULL, 0);
	if (r == 0)
		r = client_reply(c, m);
	if (r == 0 && m->hdr.type != TAPQD_LEASE) {
		client_msg_close_fds(m);
		r = -EPROTO;
	}
	if (r == 0) {
		unsigned int n_fds;

		r = tapqd_lease_decode(m->u.raw, m->hdr.len, ret, &n_fds);
		if (r < 0 || ret->dev.max_queues < 1) {
			client_msg_close_fds(m);
			r = r < 0 ? r : -EPROTO;
		} else {
			r = client_lease_take(ret, m, 0, n_fds);
		}
	}
	while (r == 0 && ret->n_fds < ret->dev.max_queues) {
		r = client_reply(c, m);
		if (r == 0 && m->hdr.type != TAPQD_FDS) {
			client_msg_close_fds(m);
			r = -EPROTO;
		}
		if (r == 0)
			r = client_lease_take(ret, m, m->u.fds.first_fd, m->u.fds.n_fds);
	}
	free(m);
	if (r < 0)
		tapqd_lease_close_fds(ret);
	return r;
}

int tapqd_client_release(struct tapqd_client *c, const char *name,
			 const uint8_t token[TAPQD_TOKEN_LEN])
{
	struct tapqd_release req = {0};
	int r = client_name(req.name, name);

	if (r < 0 || !name)
		return -EINVAL;
	if (token)
		memcpy(req.token, token, TAPQD_TOKEN_LEN);
	return client_simple(c, TAPQD_RELEASE, &req, sizeof(req), NULL, 0);
}

int tapqd_client_resume(struct tapqd_client *c, const char *name,
			const uint8_t token[TAPQD_TOKEN_LEN])
{
	return tapqd_client_resume_fds(c, name, token, NULL, 0);
}

/*
 * Version 3 asks before fds come: the OK to RESUME says whether the daemon
 * wants them, and they follow in RESUME_FDS (none from tapqd_client_resume(),
 * which the daemon then refuses with EAGAIN, as version 2 did). A client
 * that has not said HELLO says it first, to know the daemon's version.
 */
int tapqd_client_resume_fds(struct tapqd_client *c, const char *name,
			    const uint8_t token[TAPQD_TOKEN_LEN], const int *fds, size_t n)
{
	struct tapqd_resume req;
	struct tapqd_resume_reply rep = {0};
	struct client_msg *m;
	int r = client_name(req.name, name);

	if (r < 0 || !name || !token || (n && !fds))
		return -EINVAL;
	if (n > TAPQD_FDS_PER_MSG)
		return -E2BIG;
	memcpy(req.token, token, TAPQD_TOKEN_LEN);
	/* which way the fds go depends on the daemon's version */
	if (!c->version) {
		r = tapqd_client_hello(c, NULL);
		if (r < 0)
			return r;
	}
	if (c->version < 3)
		return client_simple(c, TAPQD_RESUME, &req, sizeof(req), fds, n);
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->n_fds = 0;
	r = client_send(c, TAPQD_RESUME, &req, sizeof(req), NULL, 0);
	if (r == 0)
		r = client_reply(c, m);
	if (r == 0 && (m->hdr.type != TAPQD_OK || m->n_fds))
		r = -EPROTO;
	client_msg_close_fds(m);
	if (r == 0 && m->hdr.len >= sizeof(rep))
		memcpy(&rep, m->u.raw, sizeof(rep));
	free(m);
	if (r < 0 || !(rep.flags & TAPQD_RESUME_SEND_FDS))
		return r;
	return client_simple(c, TAPQD_RESUME_FDS, &req, sizeof(req), fds, n);
}

int tapqd_client_handover(struct tapqd_client *c, const char *name,
			  const uint8_t token[TAPQD_TOKEN_LEN], pid_t pid)
{
	struct tapqd_handover req = {.pid = (int32_t)pid};
	int r = client_name(req.name, name);

	if (r < 0 || !name || pid <= 0)
		return -EINVAL;
	if (token)
		memcpy(req.token, token, TAPQD_TOKEN_LEN);
	return client_simple(c, TAPQD_HANDOVER, &req, sizeof(req), NULL, 0);
}

int tapqd_client_resize(struct tapqd_client *c, const char *name, unsigned int active_queues)
{
	struct tapqd_resize req = {.active_queues = (uint16_t)active_queues};
	int r = client_name(req.name, name);

	if (r < 0 || !name || active_queues > TAPQD_MAX_QUEUES)
		return -EINVAL;
	return client_simple(c, TAPQD_RESIZE, &req, sizeof(req), NULL, 0);
}

int tapqd_client_subscribe(struct tapqd_client *c, const char *name)
{
	struct tapqd_name req;
	int r = client_name(req.name, name);

	if (r < 0)
		return r;
	return client_simple(c, TAPQD_SUBSCRIBE, &req, sizeof(req), NULL, 0);
}

int tapqd_client_create(struct tapqd_client *c, const char *name, const char *template_name,
			unsigned int max_queues)
{
	struct tapqd_create req = {.max_queues = (uint16_t)max_queues};
	int r = client_name(req.name, name);

	if (r < 0 || !name || !template_name || max_queues > TAPQD_MAX_QUEUES ||
	    strlen(template_name) >= sizeof(req.template_name))
		return -EINVAL;
	memcpy(req.template_name, template_name, strlen(template_name));
	return client_simple(c, TAPQD_CREATE, &req, sizeof(req), NULL, 0);
}

int tapqd_client_destroy(struct tapqd_client *c, const char *name)
{
	struct tapqd_name req;
	int r = client_name(req.name, name);

	if (r < 0 || !name)
		return -EINVAL;
	return client_simple(c, TAPQD_DESTROY, &req, sizeof(req), NULL, 0);
}

/* One TEMPLATE into the array. */
static int client_template_append(struct tapqd_template_info **ts, size_t *n, size_t *room,
				  const struct client_msg *m)
{
	struct tapqd_template_info *nt = client_grow(*ts, *n, room, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	*ts = nt;
	if (tapqd_template_decode(m->u.raw, m->hdr.len, &(*ts)[*n]) < 0)
		return -EBADMSG;
	(*n)++;
	return 0;
}

int tapqd_client_templates(struct tapqd_client *c, struct tapqd_template_info **ret,
			   size_t *ret_n)
{
	struct tapqd_template_info *ts = NULL;
	struct client_msg *m = malloc(sizeof(*m));
	size_t n = 0, room = 0;
	int r, failed = 0;

	if (!m)
		return -ENOMEM;
	r = client_send(c, TAPQD_TEMPLATES, NULL, 0, NULL, 0);
	while (r == 0) {
		r = client_reply(c, m);
		if (r < 0)
			break;
		if (m->n_fds || (m->hdr.type != TAPQD_OK && m->hdr.type != TAPQD_TEMPLATE)) {
			client_msg_close_fds(m);
			r = -EPROTO;
		} else if (m->hdr.type == TAPQD_OK) {
			break;
		} else if (failed == 0) {
			/* the rest is read all the same: the next request must not find it */
			failed = client_template_append(&ts, &n, &room, m);
		}
	}
	free(m);
	if (r == 0)
		r = failed;
	if (r < 0) {
		free(ts);
		return r;
	}
	*ret = ts;
	*ret_n = n;
	return 0;
}

/* The daemon answers once the reload is applied or refused; client_reply waits 30 s at most. */
int tapqd_client_reload(struct tapqd_client *c)
{
	struct tapqd_reload req = {0};

	return client_simple(c, TAPQD_RELOAD, &req, sizeof(req), NULL, 0);
}

int tapqd_client_reload_error(struct tapqd_client *c, char *buf, size_t size)
{
	struct tapqd_reload req = {.flags = TAPQD_RELOAD_QUERY};
	struct client_msg *m;
	int r;

	if (!size)
		return -EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = client_exchange(c, TAPQD_RELOAD, &req, sizeof(req), m);
	if (r == 0)
		snprintf(buf, size, "%.*s", (int)sizeof(m->u.reload.msg), m->u.reload.msg);
	free(m);
	return r;
}

int tapqd_client_next_event(struct tapqd_client *c, int timeout_ms, struct tapqd_event_info *ret)
{
	struct timespec deadline;
	struct client_msg *m;
	int r;

	if (c->n_events) {
		*ret = c->events[0];
		memmove(c->events, c->events + 1, sizeof(c->events[0]) * --c->n_events);
		return 0;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	for (;;) {
		r = client_recv(c, timeout_ms < 0 ? -1 : (int)client_ms_left(&deadline), m);
		if (r < 0)
			break;
		client_msg_close_fds(m);
		if (m->hdr.type != TAPQD_EVENT || m->hdr.seq != 0) {
			r = -EPROTO;
			break;
		}
		r = tapqd_event_decode(m->u.raw, m->hdr.len, ret);
		if (r < 0 || !client_event_consumed(c, ret))
			break;
	}
	free(m);
	return r;
}

void tapqd_client_on_shrink(struct tapqd_client *c, tapqd_shrink_fn fn, void *arg)
{
	c->on_shrink = fn;
	c->on_shrink_arg = arg;
}

int tapqd_client_resize_ack(struct tapqd_client *c, const char *name, unsigned int active_queues)
{
	struct tapqd_resize req;
	int r = client_name(req.name, name);

	if (r < 0 || !name || active_queues > TAPQD_MAX_QUEUES)
		return -EINVAL;
	return client_send_ack(c, req.name, active_queues);
}
