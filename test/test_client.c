// SPDX-License-Identifier: MIT
/*
 * test_client.c - unit tests of libtapqd's client (lib/client.c) against a
 * scripted daemon: a listening SEQPACKET socket of the test's own, whose
 * answers are queued before the call reads them. TEMPLATES: the list, an
 * empty one, an older daemon's refusal, and a malformed TEMPLATE that fails
 * the call without leaving the rest of its answer for the next request.
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "tapqd.h"

#define DIR_TEMPLATE "/tmp/tapqd-test-client-XXXXXX"
static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 8];
static int listener = -1;

static void setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memcpy(dir, DIR_TEMPLATE, sizeof(dir)); /* mkdtemp() wrote over the last one */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(listener, 0);
	ck_assert_int_eq(bind(listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(listener, 1), 0);
}

static void teardown(void)
{
	close(listener);
	unlink(path);
	rmdir(dir);
}

/* A client connected to the scripted daemon, whose end is *ret_srv. */
static struct tapqd_client *connect_scripted(int *ret_srv)
{
	struct tapqd_client *c;

	ck_assert_int_eq(tapqd_client_connect(path, &c), 0);
	*ret_srv = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(*ret_srv, 0);
	return c;
}

/* The daemon's answer to request seq: one message. */
static void daemon_says(int srv, uint16_t type, uint32_t seq, const void *payload, size_t len)
{
	char msg[TAPQD_MSG_MAX];
	size_t n = tapqd_msg_pack(msg, sizeof(msg), type, seq, payload, len);

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(send(srv, msg, n, 0), (ssize_t)n);
}

static void daemon_says_template(int srv, uint32_t seq, const char *name, const char *names,
				 unsigned int max_per_user, unsigned int created)
{
	struct tapqd_template_info t = {.max_queues = 4, .max_per_user = max_per_user,
					.created = created};
	char buf[sizeof(struct tapqd_wire_template)];
	ssize_t n;

	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.names, sizeof(t.names), "%s", names);
	n = tapqd_template_encode(&t, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	daemon_says(srv, TAPQD_TEMPLATE, seq, buf, (size_t)n);
}

/* The request the client sent: its type and seq. */
static void client_asked(int srv, uint16_t type, uint32_t *ret_seq)
{
	_Alignas(max_align_t) char msg[TAPQD_MSG_MAX];
	ssize_t n = recv(srv, msg, sizeof(msg), MSG_DONTWAIT);
	struct tapqd_hdr h;
	const void *p;

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tapqd_msg_unpack(msg, (size_t)n, &h, &p, NULL, 0), 0);
	ck_assert_uint_eq(h.type, type);
	*ret_seq = h.seq;
}

START_TEST(test_templates_listed)
{
	struct tapqd_template_info *ts = NULL;
	struct tapqd_client *c;
	uint32_t seq;
	size_t n = 0;
	int srv;

	c = connect_scripted(&srv);
	/* the first request's seq is 1 */
	daemon_says_template(srv, 1, "vm", "tqvm*", 2, 1);
	daemon_says_template(srv, 1, "lab", "tql[0-9]", 0, 0);
	daemon_says(srv, TAPQD_OK, 1, NULL, 0);
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), 0);
	client_asked(srv, TAPQD_TEMPLATES, &seq);
	ck_assert_uint_eq(seq, 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ts[0].name, "vm");
	ck_assert_str_eq(ts[0].names, "tqvm*");
	ck_assert_uint_eq(ts[0].max_queues, 4);
	ck_assert_uint_eq(ts[0].max_per_user, 2);
	ck_assert_uint_eq(ts[0].created, 1);
	ck_assert_str_eq(ts[1].name, "lab");
	ck_assert_uint_eq(ts[1].max_per_user, 0);
	free(ts);
	tapqd_client_free(c);
	close(srv);
}
END_TEST

START_TEST(test_templates_none)
{
	struct tapqd_template_info *ts = NULL;
	struct tapqd_client *c;
	size_t n = 7;
	int srv;

	c = connect_scripted(&srv);
	daemon_says(srv, TAPQD_OK, 1, NULL, 0);
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ts);
	tapqd_client_free(c);
	close(srv);
}
END_TEST

/* A tapqd that does not know TEMPLATES refuses the type, saying so. */
START_TEST(test_templates_older_daemon)
{
	struct tapqd_error e = {.code = EOPNOTSUPP,
				.msg = "unknown message type 14 in protocol version 2"};
	struct tapqd_template_info *ts = NULL;
	struct tapqd_client *c;
	size_t n = 0;
	int srv;

	c = connect_scripted(&srv);
	daemon_says(srv, TAPQD_ERROR, 1, &e, sizeof(e));
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), -EOPNOTSUPP);
	ck_assert_ptr_null(ts);
	ck_assert_str_eq(tapqd_client_error(c), e.msg);
	tapqd_client_free(c);
	close(srv);
}
END_TEST

/* A TEMPLATE that does not decode fails the call; the rest of the answer is read all the same. */
START_TEST(test_templates_malformed)
{
	struct tapqd_wire_template w = {.info_size = sizeof(w)};
	struct tapqd_template_info *ts = NULL;
	struct tapqd_client *c;
	size_t n = 0;
	int srv;

	memset(w.name, 'a', sizeof(w.name)); /* no NUL */
	c = connect_scripted(&srv);
	daemon_says(srv, TAPQD_TEMPLATE, 1, &w, sizeof(w));
	daemon_says_template(srv, 1, "vm", "tqvm*", 2, 1);
	daemon_says(srv, TAPQD_OK, 1, NULL, 0);
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), -EBADMSG);
	ck_assert_ptr_null(ts);
	/* the next request gets its own answer, not what was left of this one */
	daemon_says_template(srv, 2, "vm", "tqvm*", 2, 1);
	daemon_says(srv, TAPQD_OK, 2, NULL, 0);
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ts[0].name, "vm");
	free(ts);
	tapqd_client_free(c);
	close(srv);
}
END_TEST

/* An answer of another type than TEMPLATE or OK, or with fds, is not the daemon's protocol. */
START_TEST(test_templates_wrong_type)
{
	struct tapqd_template_info *ts = NULL;
	struct tapqd_client *c;
	char device[512] = {0};
	size_t n = 0;
	int srv;

	c = connect_scripted(&srv);
	daemon_says(srv, TAPQD_DEVICE, 1, device, sizeof(device));
	ck_assert_int_eq(tapqd_client_templates(c, &ts, &n), -EPROTO);
	ck_assert_ptr_null(ts);
	tapqd_client_free(c);
	close(srv);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("templates");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_templates_listed);
	tcase_add_test(tc, test_templates_none);
	tcase_add_test(tc, test_templates_older_daemon);
	tcase_add_test(tc, test_templates_malformed);
	tcase_add_test(tc, test_templates_wrong_type);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(client_suite());
}
