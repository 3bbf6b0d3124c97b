// SPDX-License-Identifier: MIT
/* pkgconfig.c - a C client built with `pkg-config --cflags --libs tapqd` against an installed tree */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tapqd.h>

int main(void)
{
	struct tapqd_client *c = NULL;
	int r = tapqd_client_connect("/nonexistent/tapqd.sock", &c);

	if (r != -ENOENT || c) {
		fprintf(stderr, "pkgconfig: connecting to a missing socket: %d, not -ENOENT\n", r);
		return 1;
	}
	printf("ok installed libtapqd: connecting to a missing socket: %s\n", strerror(-r));
	return 0;
}
