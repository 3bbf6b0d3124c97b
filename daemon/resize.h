/* SPDX-License-Identifier: MIT */
/* resize.h - changing the active set of unleased devices and daemon-mode leases */
#ifndef TAPQD_RESIZE_H
#define TAPQD_RESIZE_H

#include <stdint.h>

#include "daemon.h"

struct client;

/* A RESIZE the verbs checked (device allowed, n in range, not client mode): answers it. */
void resize_request(struct tapqd *d, struct client *cl, uint32_t seq, struct device *dev,
		    unsigned int n);
/* A RESIZE_ACK: completes the pending shrink it names, if any. Never answered. */
void resize_ack(struct tapqd *d, struct client *cl, const struct tapqd_resize *req);
/* The lease ended with a shrink pending: nobody is left to ack, apply it now. */
void resize_finish_pending(struct tapqd *d, struct device *dev);
/* The device is going away: a resize waiting for its holder's ack is answered with an error. */
void resize_device_gone(struct tapqd *d, struct device *dev);
/* A connection closed: forget it as the one waiting for a reply. */
void resize_client_gone(struct tapqd *d, struct client *cl);

#endif
