// SPDX-License-Identifier: MIT
/*
 * test_qmp.c - unit tests of daemon/qmp.c and the map of daemon/follow.c:
 * query-cpus-fast replies (real, garbage, cut), the queue map, and the
 * client against a fake monitor (greeting, capabilities, events between
 * replies, messages cut across reads, garbage, oversized messages).
 */

#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "follow.h"
#include "qmp.h"

/* What QEMU 7.2 answers with -smp 1,maxcpus=4 after one CPU was hot-added. */
static const char reply_qemu[] =
	"{\"return\": [{\"thread-id\": 4242, \"props\": {\"core-id\": 1, \"thread-id\": 0, "
	"\"socket-id\": 0}, \"qom-path\": \"/machine/peripheral/cpu1\", \"cpu-index\": 1, "
	"\"target\": \"x86_64\"}, {\"thread-id\": 4240, \"props\": {\"core-id\": 0, "
	"\"thread-id\": 0, \"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device[0]\", "
	"\"cpu-index\": 0, \"target\": \"x86_64\"}], \"id\": \"tapqd-cpus\"}\r\n";

START_TEST(test_parse_reply)
{
	struct qmp_vcpu v[4];

	ck_assert_int_eq(qmp_parse_vcpus(reply_qemu, strlen(reply_qemu), v, 4), 2);
	/* sorted by cpu-index, whatever order QEMU lists them in */
	ck_assert_uint_eq(v[0].index, 0);
	ck_assert_int_eq(v[0].thread, 4240);
	ck_assert_uint_eq(v[1].index, 1);
	ck_assert_int_eq(v[1].thread, 4242);
	ck_assert_int_eq(qmp_parse_vcpus("{\"return\": []}", 14, v, 4), 0);
	ck_assert_int_eq(qmp_parse_vcpus(reply_qemu, strlen(reply_qemu), v, 1), -E2BIG);
}
END_TEST

static const char *const bad_replies[] = {
	"",
	"garbage",
	"\x01\x02\xff",
	"[1, 2]",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 1}]",  /* cut */
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 1}]} x", /* something after it */
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 1}]}{\"return\": []}",
	"{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}}",
	"{\"return\": {}}",
	"{\"return\": [1]}",
	"{\"return\": [{\"cpu-index\": 0}]}",
	"{\"return\": [{\"thread-id\": 7}]}",
	"{\"return\": [{\"cpu-index\": \"0\", \"thread-id\": 7}]}",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 7.5}]}",
	"{\"return\": [{\"cpu-index\": -1, \"thread-id\": 7}]}",
	"{\"return\": [{\"cpu-index\": 1024, \"thread-id\": 7}]}",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 0}]}",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 4294967296}]}",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 7}, {\"cpu-index\": 0, \"thread-id\": 8}]}",
};

START_TEST(test_parse_bad)
{
	const char *t = bad_replies[_i];
	struct qmp_vcpu v[4];

	ck_assert_msg(qmp_parse_vcpus(t, strlen(t), v, 4) == -EPROTO, "accepted: %s", t);
}
END_TEST

START_TEST(test_parse_every_cut)
{
	struct qmp_vcpu v[4];

	/* every proper prefix up to the closing brace is a cut message */
	for (size_t n = 0; n < strlen(reply_qemu) - 3; n++)
		ck_assert_msg(qmp_parse_vcpus(reply_qemu, n, v, 4) == -EPROTO, "accepted %zu bytes",
			      n);
}
END_TEST

START_TEST(test_map)
{
	const int placed[4] = {2, 5, 7, 9};
	int map[4];

	follow_map(placed, 4, 0, map); /* not following: placement */
	ck_assert(map[0] == 2 && map[1] == 5 && map[2] == 7 && map[3] == 9);
	follow_map(placed, 4, 1, map);
	ck_assert(map[0] == 2 && map[1] == 2 && map[2] == 2 && map[3] == 2);
	follow_map(placed, 4, 2, map);
	ck_assert(map[0] == 2 && map[1] == 5 && map[2] == 2 && map[3] == 5);
	follow_map(placed, 4, 3, map);
	ck_assert(map[0] == 2 && map[1] == 5 && map[2] == 7 && map[3] == 2);
	follow_map(placed, 4, 4, map);
	ck_assert(map[0] == 2 && map[1] == 5 && map[2] == 7 && map[3] == 9);
	/* more vCPUs than queues: queue i and vCPU i still share a core */
	follow_map(placed, 4, 6, map);
	ck_assert(map[0] == 2 && map[1] == 5 && map[2] == 7 && map[3] == 9);
	follow_map((const int[]){-1, 3}, 2, 1, map);
	ck_assert(map[0] == -1 && map[1] == -1);
}
END_TEST

/* ---- the client against a fake monitor ---- */

struct seen {
	int vcpu_calls;
	size_t n;
	struct qmp_vcpu v[4];
	int down_calls;
	int err;
	char what[128];
};

static void on_vcpus(void *arg, const struct qmp_vcpu *v, size_t n)
{
	struct seen *s = arg;

	s->vcpu_calls++;
	s->n = n;
	memcpy(s->v, v, (n < 4 ? n : 4) * sizeof(*v));
}

static void on_down(void *arg, const char *what, int err)
{
	struct seen *s = arg;

	s->down_calls++;
	s->err = err;
	snprintf(s->what, sizeof(s->what), "%s", what);
}

static const struct qmp_ops ops = {on_vcpus, on_down};

struct fake {
	char dir[64];
	char path[108];
	int listen_fd;
	int fd;
	struct event_base *base;
	struct qmp *q;
	struct seen seen;
};

static void fake_start(struct fake *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tqqmp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/m.sock", f->dir);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f->listen_fd, 0);
	ck_assert_int_eq(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->listen_fd, 4), 0);
	f->fd = -1;
	f->base = event_base_new();
	ck_assert_ptr_nonnull(f->base);
	f->q = qmp_new(f->base, f->path, &ops, &f->seen);
	ck_assert_ptr_nonnull(f->q);
}

static void fake_stop(struct fake *f)
{
	qmp_free(f->q);
	event_base_free(f->base);
	if (f->fd >= 0)
		close(f->fd);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
}

/* Runs the loop until the client connected (its first timer is immediate), and accepts. */
static void fake_accept(struct fake *f)
{
	struct pollfd p = {.fd = f->listen_fd, .events = POLLIN};

	for (int i = 0; i < 50 && poll(&p, 1, 0) == 0; i++)
		event_base_loop(f->base, EVLOOP_ONCE);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(f->fd, 0);
}

static void fake_send(struct fake *f, const char *text)
{
	ck_assert_int_eq(write(f->fd, text, strlen(text)), (ssize_t)strlen(text));
	event_base_loop(f->base, EVLOOP_ONCE);
}

/* The next command the client sent, which must contain @want. */
static void fake_expect(struct fake *f, const char *want)
{
	struct pollfd p = {.fd = f->fd, .events = POLLIN};
	char buf[512];
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 3000), 1);
	n = read(f->fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, want), "sent %s, wanted %s", buf, want);
}

/* The client went down, and said why. */
static void fake_expect_down(const struct fake *f, int err, const char *what)
{
	ck_assert_int_eq(f->seen.err, err);
	ck_assert_str_eq(f->seen.what, what);
}

static void fake_handshake(struct fake *f)
{
	fake_accept(f);
	/* the greeting cut across two reads */
	fake_send(f, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, ");
	fake_send(f, "\"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n");
	fake_expect(f, "\"qmp_capabilities\"");
	fake_send(f, "{\"return\": {}, \"id\": \"tapqd-caps\"}\r\n");
	fake_expect(f, "\"query-cpus-fast\"");
}

START_TEST(test_client_events_between)
{
	struct fake f;

	fake_start(&f);
	fake_handshake(&f);
	ck_assert_int_eq(qmp_peer_pid(f.q), getpid());
	/* an event before the reply, in the same read */
	fake_send(&f, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": "
		      "\"RESUME\"}\r\n{\"return\": [{\"cpu-index\": 0, \"thread-id\": 99}], "
		      "\"id\": \"tapqd-cpus\"}\r\n");
	ck_assert_int_eq(f.seen.vcpu_calls, 1);
	ck_assert_uint_eq(f.seen.n, 1);
	ck_assert_int_eq(f.seen.v[0].thread, 99);
	/* an event that may mean a CPU went: asked again at once */
	fake_send(&f, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"cpu1\"}}\r\n");
	fake_expect(&f, "\"query-cpus-fast\"");
	fake_send(&f, reply_qemu);
	ck_assert_int_eq(f.seen.vcpu_calls, 2);
	ck_assert_uint_eq(f.seen.n, 2);
	ck_assert_int_eq(f.seen.down_calls, 0);
	fake_stop(&f);
}
END_TEST

START_TEST(test_client_garbage)
{
	struct fake f;

	fake_start(&f);
	fake_handshake(&f);
	fake_send(&f, "{\"return\": [}\r\n");
	ck_assert_int_eq(f.seen.down_calls, 1);
	fake_expect_down(&f, -EPROTO, "parsing a message");
	/* retried: a monitor that behaves now is followed */
	fake_handshake(&f);
	fake_send(&f, "{\"return\": [], \"id\": \"tapqd-cpus\"}\n");
	ck_assert_int_eq(f.seen.vcpu_calls, 1);
	ck_assert_uint_eq(f.seen.n, 0);
	fake_stop(&f);
}
END_TEST

START_TEST(test_client_refused_and_unasked)
{
	struct fake f;

	fake_start(&f);
	fake_accept(&f);
	fake_send(&f, "{\"no greeting\": 1}\n");
	fake_expect_down(&f, -EPROTO, "waiting for the QMP greeting");
	fake_handshake(&f);
	fake_send(&f, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, "
		      "\"id\": \"tapqd-cpus\"}\n");
	fake_expect_down(&f, -EREMOTEIO, "query-cpus-fast was refused");
	fake_handshake(&f);
	fake_send(&f, "{\"return\": [], \"id\": \"tapqd-cpus\"}\n");
	/* a reply nobody asked for */
	fake_send(&f, "{\"return\": [], \"id\": \"tapqd-cpus\"}\n");
	ck_assert_int_eq(f.seen.err, -EPROTO);
	ck_assert_int_eq(f.seen.down_calls, 3);
	fake_stop(&f);
}
END_TEST

START_TEST(test_client_oversized)
{
	static char big[64 << 10];
	struct fake f;
	size_t sent = 0;

	fake_start(&f);
	fake_handshake(&f);
	memset(big, ' ', sizeof(big));
	big[0] = '"'; /* one long string that never ends */
	ck_assert_int_eq(write(f.fd, big, sizeof(big)), (ssize_t)sizeof(big));
	memset(big, 'x', sizeof(big));
	while (f.seen.down_calls == 0 && sent <= 2 * QMP_MSG_MAX) {
		ssize_t n = send(f.fd, big, sizeof(big), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
			sent += (size_t)n;
		event_base_loop(f.base, EVLOOP_NONBLOCK);
	}
	ck_assert_int_eq(f.seen.err, -EMSGSIZE);
	fake_stop(&f);
}
END_TEST

START_TEST(test_client_closed)
{
	struct fake f;

	fake_start(&f);
	fake_handshake(&f);
	close(f.fd);
	f.fd = -1;
	event_base_loop(f.base, EVLOOP_ONCE);
	fake_expect_down(&f, -ECONNRESET, "the monitor closed the connection");
	ck_assert_int_eq(qmp_peer_pid(f.q), 0);
	fake_stop(&f);
}
END_TEST

START_TEST(test_client_missing)
{
	struct seen s = {0};
	struct event_base *b = event_base_new();
	struct qmp *q = qmp_new(b, "/nonexistent/tapqd-test.sock", &ops, &s);

	ck_assert_ptr_nonnull(q);
	event_base_loop(b, EVLOOP_ONCE);
	ck_assert_int_eq(s.down_calls, 1);
	ck_assert_int_eq(s.err, -ENOENT);
	ck_assert_str_eq(s.what, "connecting");
	qmp_free(q);
	event_base_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("qmp");
	TCase *parse = tcase_create("parse"), *client = tcase_create("client");

	tcase_add_test(parse, test_parse_reply);
	tcase_add_loop_test(parse, test_parse_bad, 0,
			    (int)(sizeof(bad_replies) / sizeof(bad_replies[0])));
	tcase_add_test(parse, test_parse_every_cut);
	tcase_add_test(parse, test_map);
	suite_add_tcase(s, parse);
	tcase_set_timeout(client, 20);
	tcase_add_test(client, test_client_events_between);
	tcase_add_test(client, test_client_garbage);
	tcase_add_test(client, test_client_refused_and_unasked);
	tcase_add_test(client, test_client_oversized);
	tcase_add_test(client, test_client_closed);
	tcase_add_test(client, test_client_missing);
	suite_add_tcase(s, client);
	return check_run(s);
}
