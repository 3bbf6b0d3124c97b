// SPDX-License-Identifier: MIT
/* client.c - built with `pkg-config --cflags --libs tapqd` against the installed
 * libtapqd-dev: acquires DEVICE from the daemon at SOCKET and checks its queue fds */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapqd.h>

int main(int argc, char **argv)
{
	struct tapqd_client *c = NULL;
	struct tapqd_lease_info l;
	uint16_t version = 0;
	size_t i, want;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: client SOCKET DEVICE QUEUES\n");
		return 2;
	}
	want = strtoul(argv[3], NULL, 10);
	r = tapqd_client_connect(argv[1], &c);
	if (r < 0) {
		fprintf(stderr, "client: connect %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	r = tapqd_client_hello(c, &version);
	if (r == 0)
		r = tapqd_client_acquire(c, argv[2], TAPQD_CONTROL_CLIENT, &l);
	if (r < 0) {
		fprintf(stderr, "client: %s: %s (%s)\n", argv[2], strerror(-r),
			tapqd_client_error(c) ? tapqd_client_error(c) : "");
		tapqd_client_free(c);
		return 1;
	}
	for (i = 0; i < l.n_fds; i++)
		if (fcntl(l.fds[i], F_GETFD) < 0)
			r = -EBADF;
	printf("client: version %u, %s: %zu queue fds\n", version, argv[2], l.n_fds);
	if (l.n_fds != want || r < 0) {
		fprintf(stderr, "client: %zu fds, %zu wanted, %s\n", l.n_fds, want,
			r < 0 ? "one closed" : "all open");
		r = -1;
	}
	if (tapqd_client_release(c, argv[2], l.token) < 0 && r == 0)
		r = -1;
	tapqd_lease_close_fds(&l);
	tapqd_client_free(c);
	return r < 0 ? 1 : 0;
}
