// SPDX-License-Identifier: MIT
/*
 * qmpc.c - the QMP monitor connection of tapqctl qmp-add/qmp-del: greeting
 * and capabilities, one command at a time with an fd attached when getfd
 * wants one, replies told apart from the events QEMU interleaves with them.
 * JSON is json-c's, never parsed by hand.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmpc.h"

#define QMPC_REPLY_TIMEOUT_MS 10000
#define QMPC_DELETED_MAX 8 /* DEVICE_DELETED ids remembered while a reply is awaited */
#define QMPC_ID_MAX 128

#define QMPC_MSG_MAX (1 << 20) /* the longest reply we wait for: query-pci is a few KiB */

struct qmpc {
	int fd;
	json_tokener *tok;
	char error[256];
	/* the ids of the last DEVICE_DELETED events, oldest overwritten first */
	char deleted[QMPC_DELETED_MAX][QMPC_ID_MAX];
	unsigned int n_deleted;
	/* bytes read but not yet parsed: one read may hold several messages */
	char buf[4096];
	size_t off, len;
	size_t msg_bytes; /* fed to the tokener for the message being parsed */
};

static long long qmpc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of buf; the fd, if any, goes with the first byte (SCM_RIGHTS). */
static int qmpc_send(struct qmpc *q, const char *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (iov.iov_len) {
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* the fd went with the bytes already sent */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
	}
	return 0;
}

/* The next message QEMU sends, waiting until deadline (ms, CLOCK_MONOTONIC). */
static int qmpc_recv(struct qmpc *q, long long deadline, json_object **ret)
{
	for (;;) {
		struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
		enum json_tokener_error jerr;
		json_object *obj;
		long long left;
		ssize_t n;

		while (q->off < q->len) {
			obj = json_tokener_parse_ex(q->tok, q->buf + q->off, (int)(q->len - q->off));
			jerr = json_tokener_get_error(q->tok);
			if (jerr == json_tokener_continue) {
				/* a monitor that never ends its message must not grow tapqctl forever */
				q->msg_bytes += q->len - q->off;
				if (q->msg_bytes > QMPC_MSG_MAX) {
					snprintf(q->error, sizeof(q->error),
						 "QEMU sent a message of more than %d bytes", QMPC_MSG_MAX);
					return -EMSGSIZE;
				}
				q->off = q->len;
				break;
			}
			q->msg_bytes = 0;
			q->off += json_tokener_get_parse_end(q->tok);
			if (jerr != json_tokener_success) {
				snprintf(q->error, sizeof(q->error), "QEMU sent no JSON: %s",
					 json_tokener_error_desc(jerr));
				return -EBADMSG;
			}
			json_tokener_reset(q->tok);
			/* "\r\n" between messages parses as nothing */
			if (obj) {
				*ret = obj;
				return 0;
			}
		}
		q->off = q->len = 0;
		left = deadline - qmpc_now_ms();
		if (left <= 0) {
			snprintf(q->error, sizeof(q->error), "QEMU did not answer in time");
			return -ETIMEDOUT;
		}
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		n = read(q->fd, q->buf, sizeof(q->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			snprintf(q->error, sizeof(q->error), "QEMU closed the monitor connection");
			return -ECONNRESET;
		}
		q->len = (size_t)n;
	}
}

/* Events are skipped by whoever waits for a reply; DEVICE_DELETED ids are remembered. */
static void qmpc_event(struct qmpc *q, json_object *msg)
{
	json_object *ev, *data, *dev;
	const char *name, *id;

	if (!json_object_object_get_ex(msg, "event", &ev) ||
	    !(name = json_object_get_string(ev)) || strcmp(name, "DEVICE_DELETED") ||
	    !json_object_object_get_ex(msg, "data", &data) ||
	    !json_object_object_get_ex(data, "device", &dev))
		return;
	id = json_object_get_string(dev);
	snprintf(q->deleted[q->n_deleted++ % QMPC_DELETED_MAX], QMPC_ID_MAX, "%s", id ? id : "");
}

/* Waits for the reply to the command just sent: its "return" or its "error". */
static int qmpc_reply(struct qmpc *q)
{
	long long deadline = qmpc_now_ms() + QMPC_REPLY_TIMEOUT_MS;

	for (;;) {
		json_object *msg, *v, *desc;
		int r = qmpc_recv(q, deadline, &msg);

		if (r < 0)
			return r;
		if (json_object_object_get_ex(msg, "return", &v)) {
			r = 0;
		} else if (json_object_object_get_ex(msg, "error", &v)) {
			snprintf(q->error, sizeof(q->error), "%s",
				 json_object_object_get_ex(v, "desc", &desc)
					 ? json_object_get_string(desc)
					 : json_object_to_json_string(v));
			r = -EREMOTEIO;
		} else {
			qmpc_event(q, msg);
			json_object_put(msg);
			continue;
		}
		json_object_put(msg);
		return r;
	}
}

int qmpc_run(struct qmpc *q, const char *cmd, json_object *args, int fd)
{
	json_object *req = json_object_new_object();
	const char *text;
	int r = -ENOMEM;

	q->error[0] = '\0';
	if (!req) {
		json_object_put(args);
		return r;
	}
	if (json_object_object_add(req, "execute", json_object_new_string(cmd)) < 0 ||
	    (args && json_object_object_add(req, "arguments", args) < 0)) {
		json_object_put(args);
		goto out;
	}
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	r = qmpc_send(q, text, strlen(text), fd);
	if (r == 0)
		r = qmpc_reply(q);
	else
		snprintf(q->error, sizeof(q->error), "sending %s: %s", cmd, strerror(-r));
out:
	json_object_put(req);
	return r;
}

const char *qmpc_error(const struct qmpc *q)
{
	return q->error;
}

static bool qmpc_was_deleted(const struct qmpc *q, const char *id)
{
	for (unsigned int i = 0; i < QMPC_DELETED_MAX && i < q->n_deleted; i++)
		if (!strcmp(q->deleted[i], id))
			return true;
	return false;
}

int qmpc_wait_deleted(struct qmpc *q, const char *id, int timeout_ms)
{
	long long deadline = qmpc_now_ms() + timeout_ms;

	while (!qmpc_was_deleted(q, id)) {
		json_object *msg;
		int r = qmpc_recv(q, deadline, &msg);

		if (r == -ETIMEDOUT)
			snprintf(q->error, sizeof(q->error),
				 "no DEVICE_DELETED for %s within %d ms (the guest did not "
				 "release it)",
				 id, timeout_ms);
		if (r < 0)
			return r;
		qmpc_event(q, msg);
		json_object_put(msg);
	}
	return 0;
}

int qmpc_open(const char *path, struct qmpc **ret, pid_t *ret_pid, char *err, size_t err_size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred uc;
	socklen_t len = sizeof(uc);
	json_object *greeting = NULL, *v;
	struct qmpc *q;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_size, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->tok = json_tokener_new();
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!q->tok || q->fd < 0) {
		r = q->tok ? -errno : -ENOMEM;
		snprintf(q->error, sizeof(q->error), "socket: %s", strerror(-r));
		goto fail;
	}
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		r = -errno;
		snprintf(q->error, sizeof(q->error), "%s: %s", path, strerror(-r));
		goto fail;
	}
	/* {"QMP": {...}} first; anything else is not a QMP monitor */
	r = qmpc_recv(q, qmpc_now_ms() + QMPC_REPLY_TIMEOUT_MS, &greeting);
	if (r == 0 && !json_object_object_get_ex(greeting, "QMP", &v)) {
		snprintf(q->error, sizeof(q->error), "%s is not a QMP monitor", path);
		r = -EPROTO;
	}
	json_object_put(greeting);
	if (r == 0)
		r = qmpc_run(q, "qmp_capabilities", NULL, -1);
	if (r < 0)
		goto fail;
	*ret_pid = uc.pid;
	*ret = q;
	return 0;
fail:
	snprintf(err, err_size, "%s", q->error);
	qmpc_close(q);
	return r;
}

void qmpc_close(struct qmpc *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	free(q);
}
