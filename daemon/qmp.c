// SPDX-License-Identifier: MIT
/*
 * qmp.c - a non-blocking QMP client on the event loop, with one job: keep
 * a QEMU's vCPU list current. QEMU sends one JSON object per line: a
 * greeting, then replies to commands and events, interleaved. There is no
 * "CPU added" event, so query-cpus-fast is asked again on a timer as well
 * as on the events that come with CPU hot-unplug. Whatever goes wrong ends
 * the connection and is retried: a QEMU is never trusted to behave.
 */

#include <errno.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"

#define QMP_DEPTH 16 /* a query-cpus-fast reply nests 4 deep */
#define QMP_ID_CAPS "tapqd-caps"
#define QMP_ID_CPUS "tapqd-cpus"

enum qmp_state {
	QMP_DOWN,     /* the timer makes the next attempt */
	QMP_GREETING, /* connected, waiting for {"QMP": ...} */
	QMP_CAPS,     /* qmp_capabilities sent */
	QMP_READY,    /* commands and events; the timer asks query-cpus-fast again */
};

struct qmp {
	struct event_base *base;
	const struct qmp_ops *ops;
	void *arg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd; /* -1 while down */
	pid_t peer_pid;
	enum qmp_state state;
	struct event *read_ev;
	struct event *timer; /* down: next attempt; greeting, caps: timeout; ready: next query */
	unsigned int retry_ms;
	json_tokener *tok;
	size_t msg_bytes; /* of the message being parsed: bounded by QMP_MSG_MAX */
	bool query_out;   /* a query-cpus-fast awaits its reply */
	struct qmp_vcpu vcpus[QMP_VCPUS_MAX];
};

static int qmp_vcpu_cmp(const void *a, const void *b)
{
	const struct qmp_vcpu *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static bool qmp_get_int(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* The "return" value of query-cpus-fast. */
static int qmp_vcpus_from(json_object *ret, struct qmp_vcpu *v, size_t max)
{
	size_t n;

	if (!json_object_is_type(ret, json_type_array))
		return -EPROTO;
	n = json_object_array_length(ret);
	if (n > max)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(ret, i);
		int64_t index, thread;

		if (!json_object_is_type(e, json_type_object) ||
		    !qmp_get_int(e, "cpu-index", &index) || !qmp_get_int(e, "thread-id", &thread))
			return -EPROTO;
		if (index < 0 || index >= QMP_VCPUS_MAX || thread <= 0 || thread > INT32_MAX)
			return -EPROTO;
		v[i].index = (unsigned int)index;
		v[i].thread = (pid_t)thread;
	}
	qsort(v, n, sizeof(*v), qmp_vcpu_cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i].index == v[i - 1].index)
			return -EPROTO;
	return (int)n;
}

int qmp_parse_vcpus(const char *text, size_t len, struct qmp_vcpu *v, size_t max)
{
	json_tokener *tok;
	json_object *obj, *ret;
	size_t end;
	int r = -EPROTO;

	if (len > QMP_MSG_MAX)
		return -EPROTO;
	tok = json_tokener_new_ex(QMP_DEPTH);
	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* one message, and nothing after it but the line end */
	while (obj && end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	if (obj && end == len && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, "return", &ret))
		r = qmp_vcpus_from(ret, v, max);
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}

/* Down, and the next attempt after a backoff; the owner hears why. */
static void qmp_fail(struct qmp *q, const char *what, int err)
{
	struct timeval tv = {q->retry_ms / 1000, (q->retry_ms % 1000) * 1000};

	if (q->fd >= 0) {
		event_del(q->read_ev);
		close(q->fd);
		q->fd = -1;
	}
	q->state = QMP_DOWN;
	q->peer_pid = 0;
	q->query_out = false;
	q->ops->down(q->arg, what, err);
	/* a failed event_add leaves the client down for good: say so too */
	if (event_add(q->timer, &tv) < 0)
		q->ops->down(q->arg, "arming the retry timer", -ENOMEM);
	q->retry_ms = q->retry_ms * 2 > QMP_RETRY_MAX_MS ? QMP_RETRY_MAX_MS : q->retry_ms * 2;
}

static int qmp_arm(struct qmp *q, unsigned int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	return event_add(q->timer, &tv) < 0 ? -ENOMEM : 0;
}

/*
 * Commands are a few dozen bytes, one at a time, on a socket whose buffer
 * holds far more: a short write means a peer that does not read, and is
 * treated as one that went away.
 */
static int qmp_send(struct qmp *q, const char *cmd)
{
	size_t len = strlen(cmd);
	ssize_t n = send(q->fd, cmd, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EAGAIN;
}

static int qmp_query(struct qmp *q)
{
	int r;

	if (q->query_out)
		return 0;
	r = qmp_send(q, "{\"execute\":\"query-cpus-fast\",\"id\":\"" QMP_ID_CPUS "\"}\n");
	if (r == 0)
		q->query_out = true;
	return r;
}

/* One message. Return: 0, or -errno with *what naming the step. */
static int qmp_handle(struct qmp *q, json_object *obj, const char **what)
{
	json_object *v, *id;
	const char *s;
	int n;

	*what = "reading a message that is not a JSON object";
	if (!json_object_is_type(obj, json_type_object))
		return -EPROTO;
	if (q->state == QMP_GREETING) {
		*what = "waiting for the QMP greeting";
		if (!json_object_object_get_ex(obj, "QMP", &v))
			return -EPROTO;
		q->state = QMP_CAPS;
		*what = "sending qmp_capabilities";
		return qmp_send(q, "{\"execute\":\"qmp_capabilities\",\"id\":\"" QMP_ID_CAPS "\"}\n");
	}
	if (json_object_object_get_ex(obj, "event", &v)) {
		s = json_object_get_string(v);
		/* CPU hot-unplug ends in these; hot-plug sends nothing, the timer covers it */
		if (q->state == QMP_READY && s &&
		    (!strcmp(s, "DEVICE_DELETED") || !strcmp(s, "ACPI_DEVICE_OST"))) {
			*what = "sending query-cpus-fast";
			return qmp_query(q);
		}
		return 0;
	}
	*what = "reading a reply";
	if (!json_object_object_get_ex(obj, "id", &id) || !(s = json_object_get_string(id)))
		return -EPROTO;
	if (json_object_object_get_ex(obj, "error", &v)) {
		*what = !strcmp(s, QMP_ID_CAPS) ? "qmp_capabilities was refused"
						 : "query-cpus-fast was refused";
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(obj, "return", &v))
		return -EPROTO;
	if (q->state == QMP_CAPS && !strcmp(s, QMP_ID_CAPS)) {
		q->state = QMP_READY;
		*what = "sending query-cpus-fast";
		return qmp_query(q);
	}
	if (q->state != QMP_READY || !q->query_out || strcmp(s, QMP_ID_CPUS))
		return -EPROTO;
	*what = "reading the reply to query-cpus-fast";
	n = qmp_vcpus_from(v, q->vcpus, QMP_VCPUS_MAX);
	if (n < 0)
		return n;
	q->query_out = false;
	q->retry_ms = QMP_RETRY_MIN_MS; /* a monitor that answers: the next outage starts afresh */
	q->ops->vcpus(q->arg, q->vcpus, (size_t)n);
	return 0;
}

/* Bytes as they come: json_tokener keeps a message cut between reads. */
static int qmp_feed(struct qmp *q, const char *buf, size_t len, const char **what)
{
	while (len) {
		json_object *obj = json_tokener_parse_ex(q->tok, buf, (int)len);
		size_t used;
		int r;

		if (!obj) {
			*what = "parsing a message";
			if (json_tokener_get_error(q->tok) != json_tokener_continue)
				return -EPROTO;
			q->msg_bytes += len;
			*what = "reading a message longer than 256 KiB";
			return q->msg_bytes > QMP_MSG_MAX ? -EMSGSIZE : 0;
		}
		used = json_tokener_get_parse_end(q->tok);
		json_tokener_reset(q->tok);
		q->msg_bytes = 0;
		r = qmp_handle(q, obj, what);
		json_object_put(obj);
		if (r < 0)
			return r;
		if (used == 0 || used > len) {
			*what = "parsing a message";
			return -EPROTO;
		}
		buf += used;
		len -= used;
	}
	return 0;
}

static void qmp_on_read(evutil_socket_t fd, short events, void *arg)
{
	struct qmp *q = arg;
	const char *what = "reading";
	char buf[4096];
	ssize_t n;
	int r;

	(void)events;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		qmp_fail(q, n == 0 ? "the monitor closed the connection" : "reading",
			 n == 0 ? -ECONNRESET : -errno);
		return;
	}
	r = qmp_feed(q, buf, (size_t)n, &what);
	if (r < 0)
		qmp_fail(q, what, r);
}

static int qmp_connect(struct qmp *q, const char **what)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memcpy(sa.sun_path, q->path, sizeof(q->path));
	*what = "creating a socket";
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -errno;
	/* a Unix stream connect completes or fails at once (EAGAIN: backlog full) */
	*what = "connecting";
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*what = "reading the peer's credentials (SO_PEERCRED)";
	if (getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	q->peer_pid = cred.pid;
	*what = "watching the socket";
	if (event_assign(q->read_ev, q->base, q->fd, EV_READ | EV_PERSIST, qmp_on_read, q) < 0 ||
	    event_add(q->read_ev, NULL) < 0)
		return -ENOMEM;
	json_tokener_reset(q->tok);
	q->msg_bytes = 0;
	q->state = QMP_GREETING;
	/* the greeting and the capabilities reply come at once from a live QEMU */
	*what = "arming the greeting timeout";
	return qmp_arm(q, QMP_POLL_MS);
}

static void qmp_on_timer(evutil_socket_t fd, short events, void *arg)
{
	struct qmp *q = arg;
	const char *what = "";
	int r;

	(void)fd;
	(void)events;
	switch (q->state) {
	case QMP_DOWN:
		r = qmp_connect(q, &what);
		break;
	case QMP_GREETING:
	case QMP_CAPS:
		what = q->state == QMP_GREETING ? "waiting for the QMP greeting"
						: "waiting for the reply to qmp_capabilities";
		r = -ETIMEDOUT;
		break;
	case QMP_READY:
		/* a whole period without a reply: QEMU hangs, or is not QEMU */
		what = "waiting for the reply to query-cpus-fast";
		r = q->query_out ? -ETIMEDOUT : qmp_query(q);
		if (r == 0) {
			what = "arming the poll timer";
			r = qmp_arm(q, QMP_POLL_MS);
		}
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		qmp_fail(q, what, r);
}

struct qmp *qmp_new(struct event_base *base, const char *path, const struct qmp_ops *ops,
		    void *arg)
{
	struct qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->base = base;
	q->ops = ops;
	q->arg = arg;
	q->fd = -1;
	q->retry_ms = QMP_RETRY_MIN_MS;
	snprintf(q->path, sizeof(q->path), "%s", path);
	q->tok = json_tokener_new_ex(QMP_DEPTH);
	/* assigned to the socket at each connection */
	q->read_ev = event_new(base, -1, 0, qmp_on_read, q);
	q->timer = evtimer_new(base, qmp_on_timer, q);
	if (!q->tok || !q->read_ev || !q->timer || qmp_arm(q, 0) < 0) {
		qmp_free(q);
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void qmp_free(struct qmp *q)
{
	if (!q)
		return;
	if (q->read_ev)
		event_free(q->read_ev);
	if (q->timer)
		event_free(q->timer);
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	free(q);
}

pid_t qmp_peer_pid(const struct qmp *q)
{
	return q->peer_pid;
}
