// SPDX-License-Identifier: MIT
/*
 * fuzz_client.c - libFuzzer target: the other direction of the protocol,
 * what a daemon sends, through libtapqd's client as a program calls it.
 * The input names one call and the messages the "daemon" has sent by then
 * on a real SEQPACKET socket, some with fds. Whatever the call returns, it
 * returns no fd it was not handed and leaks none.
 *
 * Input: byte 0 picks the call; then messages, each [flags][fds][len, 2 bytes][len
 * bytes], with that many fds (up to TAPQD_FDS_PER_MSG). flags bit 7: the bytes
 * are a type and a payload, packed by tapqd_msg_pack() with the seq of the
 * call (bit 6: seq 0); without it they are the whole message, header included.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tapqd-fdpass.h"
#include "tapqd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSGS_MAX 64

static char dir[] = "/tmp/tapqd-fuzz-client-XXXXXX";
static char path[sizeof(dir) + 8];
static int listener = -1, devnull = -1;
static int fds_before;

static void fuzz_cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* Open fds, counted in one pass over /proc/self/fd (one getdents, not a syscall per number). */
static int fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		abort();
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Once: the listening socket, and the fds open before any input (libFuzzer's own among them). */
static void fuzz_setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listener, 4) < 0)
		abort();
	atexit(fuzz_cleanup);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		abort();
	fds_before = fds_open();
}

static void shrink_seen(const char *name, unsigned int active_queues, void *arg)
{
	(void)active_queues;
	(void)arg;
	if (!memchr(name, '\0', TAPQD_NAME_MAX))
		abort();
}

/* Sends the input's messages as the daemon would have; stops at the first that does not fit. */
static void daemon_says(int srv, const uint8_t *p, size_t size)
{
	static char msg[TAPQD_MSG_MAX + 64];
	int fds[TAPQD_FDS_PER_MSG];

	for (size_t i = 0; i < TAPQD_FDS_PER_MSG; i++)
		fds[i] = devnull;
	for (int k = 0; k < MSGS_MAX && size >= 4; k++) {
		uint8_t flags = p[0];
		size_t n_fds = p[1] < TAPQD_FDS_PER_MSG ? p[1] : TAPQD_FDS_PER_MSG;
		size_t len = (size_t)p[2] | (size_t)p[3] << 8, n = len;

		p += 4;
		size -= 4;
		if (len > size)
			len = n = size;
		if (flags & 0x80) {
			if (len == 0)
				break;
			n = tapqd_msg_pack(msg, sizeof(msg), p[0], flags & 0x40 ? 0 : 1, p + 1, len - 1);
			if (!n)
				break;
		} else {
			memcpy(msg, p, len);
		}
		if (n == 0 || tapqd_fdpass_send(srv, msg, n, fds, n_fds, MSG_DONTWAIT) < 0)
			break;
		p += len;
		size -= len;
	}
}

/* A lease's fds: one per queue, each open. */
static void lease_check(struct tapqd_lease_info *l)
{
	if (l->n_fds != l->dev.max_queues || l->n_fds > TAPQD_MAX_QUEUES)
		abort();
	for (size_t i = 0; i < l->n_fds; i++)
		if (fcntl(l->fds[i], F_GETFD) < 0)
			abort();
	tapqd_lease_close_fds(l);
}

static int client_call(struct tapqd_client *c, uint8_t call)
{
	static const uint8_t token[TAPQD_TOKEN_LEN] = {1};
	static struct tapqd_lease_info lease;
	struct tapqd_device_info *devs = NULL;
	struct tapqd_template_info *templates;
	struct tapqd_event_info ev;
	char buf[TAPQD_ERRMSG_MAX];
	uint16_t version;
	size_t n = 0;
	int r;

	/*
	 * bits 4 and 5 are options of the call: mode, name, templates rather than
	 * an event; and the shrink callback
	 */
	switch ((call & 0xf) % 12) {
	case 0:
		r = tapqd_client_hello(c, &version);
		if (r == 0 && (version < TAPQD_VERSION_MIN || version > TAPQD_VERSION))
			abort();
		return r;
	case 1:
	case 2:
		r = tapqd_client_status(c, (call & 0xf) == 1 ? NULL : "tapq0", &devs, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (devs[i].n_queues > TAPQD_MAX_QUEUES || !memchr(devs[i].name, '\0',
									   sizeof(devs[i].name)))
				abort();
		free(devs);
		return r;
	case 3:
		r = tapqd_client_acquire(c, "tapq0", call & 0x10 ? TAPQD_CONTROL_DAEMON
							       : TAPQD_CONTROL_CLIENT, &lease);
		if (r == 0)
			lease_check(&lease);
		else if (lease.n_fds)
			abort();
		return r;
	case 4:
		return tapqd_client_release(c, "tapq0", token);
	case 5:
		return tapqd_client_resume_fds(c, "tapq0", token, &devnull, call & 0x10 ? 1 : 0);
	case 6:
		return tapqd_client_handover(c, "tapq0", token, 1);
	case 7:
		return tapqd_client_resize(c, "tapq0", 2);
	case 8:
		return tapqd_client_subscribe(c, call & 0x10 ? "tapq0" : NULL);
	case 9:
		return tapqd_client_reload(c);
	case 10:
		r = tapqd_client_reload_error(c, buf, sizeof(buf));
		if (r == 0 && !memchr(buf, '\0', sizeof(buf)))
			abort();
		return r;
	default:
		if (!(call & 0x10))
			return tapqd_client_next_event(c, 0, &ev);
		r = tapqd_client_templates(c, &templates, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (!memchr(templates[i].name, '\0', sizeof(templates[i].name)) ||
			    !memchr(templates[i].names, '\0', sizeof(templates[i].names)) ||
			    templates[i].max_queues > TAPQD_MAX_QUEUES)
				abort();
		if (r == 0)
			free(templates);
		return r;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapqd_client *c;
	struct tapqd_event_info ev;
	int srv, r;

	if (listener < 0)
		fuzz_setup();
	if (size < 1)
		return 0;
	if (tapqd_client_connect(path, &c) < 0)
		abort();
	srv = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (srv < 0)
		abort();
	if (data[0] & 0x20)
		tapqd_client_on_shrink(c, shrink_seen, NULL);
	daemon_says(srv, data + 1, size - 1);
	/* no more from the daemon: a call that waits on, reads the end of the connection */
	if (shutdown(srv, SHUT_WR) < 0)
		abort();
	r = client_call(c, data[0]);
	if (r > 0 || !memchr(tapqd_client_error(c), '\0', TAPQD_ERRMSG_MAX))
		abort();
	/* events kept while a reply was awaited come out first */
	while (r == 0 && tapqd_client_next_event(c, 0, &ev) == 0)
		if (!memchr(ev.name, '\0', sizeof(ev.name)))
			abort();
	tapqd_client_free(c);
	if (close(srv) < 0)
		abort();
	if (fds_open() != fds_before)
		abort();
	return 0;
}
