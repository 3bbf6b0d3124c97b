/* SPDX-License-Identifier: MIT */
/* ctl.h - the control socket: listening, connections, sending with fds */
#ifndef TAPQD_CTL_H
#define TAPQD_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

int ctl_listen(struct tapqd *d, char *what, size_t what_size);
void ctl_stop(struct tapqd *d);
int ctl_send(struct tapqd *d, struct client *cl, uint16_t type, uint32_t seq, const void *payload,
	     size_t len, const int *fds, size_t n_fds);
/* Sends ERROR with a positive errno and a message; code is a negative errno. */
void ctl_send_error(struct tapqd *d, struct client *cl, uint32_t seq, int code, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));
/* Starts the thread that closes fds clients sent (after daemon(): threads do not survive fork). */
int ctl_closer_start(struct tapqd *d);
/* Closes fds a client sent, never blocking the loop on them. */
void ctl_close_fds(struct tapqd *d, const int *fds, size_t n);
void ctl_send_event(struct tapqd *d, const struct device *dev, unsigned int kind, pid_t pid);

#endif
