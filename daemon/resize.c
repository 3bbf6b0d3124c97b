// SPDX-License-Identifier: MIT
/*
 * resize.c - RESIZE: queues 0..n-1 attached, the rest detached. Growing
 * attaches first and then tells everyone; shrinking a daemon-mode lease tells
 * its holder first and detaches only on its ack or after resize_timeout, so
 * the holder never has a queue vanish under a read.
 */

#include <errno.h>
#include <event2/event.h>
#include <string.h>

#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "log.h"
#include "resize.h"
#include "worker.h"

/* Return: 0, or a negative errno after logging it with the queue that failed. */
static int resize_apply(struct tapqd *d, struct device *dev, unsigned int n)
{
	unsigned int before = device_active_count(dev), failed;
	int r = device_set_active(dev, n, &failed);

	if (r < 0) {
		log_err(d, "%s: resize to %u: queue %u: %s", dev->conf.name, n, failed,
			strerror(-r));
		return r;
	}
	dev->want_active = n;
	budget_update(d, dev, false);
	worker_sync(d, dev);
	if (before != n) {
		log_info(d, "%s: %u of %u queues active (was %u)", dev->conf.name, n,
			 dev->conf.max_queues, before);
		ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
	}
	return 0;
}

static void resize_complete(struct tapqd *d, struct device *dev)
{
	struct client *requester = dev->shrink_requester;
	uint32_t seq = dev->shrink_seq;
	unsigned int n = dev->shrink_target;
	int r;

	event_del(dev->shrink_timer);
	dev->shrink_pending = false;
	dev->shrink_requester = NULL;
	r = resize_apply(d, dev, n);
	if (!requester)
		return;
	if (r < 0)
		ctl_send_error(d, requester, seq, r, "%s: resize to %u: %s", dev->conf.name, n,
			       strerror(-r));
	else
		ctl_send(d, requester, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

static void resize_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct device *dev = arg;
	struct tapqd *d = dev->lease ? dev->lease->d : NULL;

	(void)fd;
	(void)what;
	if (!d || !dev->shrink_pending)
		return;
	log_warn(d, "%s: pid %d did not acknowledge the shrink to %u queues within %u ms; "
		    "detaching anyway",
		 dev->conf.name, (int)dev->lease->pid, dev->shrink_target, d->conf.resize_timeout_ms);
	resize_complete(d, dev);
}

/* Asks the holder to stop using queues n.. and waits for its ack. Return: 0 or -errno. */
static int resize_ask_holder(struct tapqd *d, struct client *cl, uint32_t seq, struct device *dev,
			     unsigned int n)
{
	struct tapqd_event ev = {.kind = TAPQD_EVENT_SHRINK, .active_queues = (uint16_t)n};
	struct timeval tv = {
		.tv_sec = d->conf.resize_timeout_ms / 1000,
		.tv_usec = (d->conf.resize_timeout_ms % 1000) * 1000,
	};
	int r;

	if (!dev->shrink_timer) {
		dev->shrink_timer = evtimer_new(d->base, resize_on_timeout, dev);
		if (!dev->shrink_timer)
			return -ENOMEM;
	}
	memcpy(ev.name, dev->conf.name, sizeof(ev.name));
	r = ctl_send(d, dev->lease->conn, TAPQD_EVENT, 0, &ev, sizeof(ev), NULL, 0);
	if (r < 0)
		return r;
	if (evtimer_add(dev->shrink_timer, &tv) < 0)
		return -ENOMEM;
	dev->shrink_pending = true;
	dev->shrink_target = n;
	dev->shrink_requester = cl;
	dev->shrink_seq = seq;
	log_info(d, "%s: asked pid %d to stop using queues %u-%u", dev->conf.name,
		 (int)dev->lease->pid, n, device_active_count(dev) - 1);
	return 0;
}

void resize_request(struct tapqd *d, struct client *cl, uint32_t seq, struct device *dev,
		    unsigned int n)
{
	struct lease *l = dev->lease;
	int r;

	if (dev->shrink_pending) {
		ctl_send_error(d, cl, seq, -EBUSY, "%s: a shrink to %u queues waits for pid %d",
			       dev->conf.name, dev->shrink_target, l ? (int)l->pid : 0);
		return;
	}
	/*
	 * Only a shrink needs the holder's consent, and a holder that asks for
	 * one has given it; a holder with no connection left cannot be asked.
	 */
	if (n < device_active_count(dev) && l && l->pid != cl->pid && l->conn) {
		r = resize_ask_holder(d, cl, seq, dev, n);
		if (r < 0)
			ctl_send_error(d, cl, seq, r, "%s: asking pid %d to shrink: %s",
				       dev->conf.name, (int)l->pid, strerror(-r));
		return;
	}
	r = resize_apply(d, dev, n);
	if (r < 0)
		ctl_send_error(d, cl, seq, r, "%s: resize to %u: %s", dev->conf.name, n,
			       strerror(-r));
	else
		ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

void resize_ack(struct tapqd *d, struct client *cl, const struct tapqd_resize *req)
{
	struct device *dev;

	if (!tapqd_name_valid(req->name, sizeof(req->name)))
		return;
	dev = device_find(d, req->name);
	if (!dev || !dev->shrink_pending || !dev->lease || dev->lease->pid != cl->pid ||
	    req->active_queues != dev->shrink_target) {
		log_debug(d, "ignoring a resize ack from pid %d for %.16s", (int)cl->pid, req->name);
		return;
	}
	log_info(d, "%s: pid %d acknowledged the shrink to %u queues", dev->conf.name,
		 (int)cl->pid, dev->shrink_target);
	resize_complete(d, dev);
}

void resize_finish_pending(struct tapqd *d, struct device *dev)
{
	if (dev->shrink_pending)
		resize_complete(d, dev);
}

void resize_client_gone(struct tapqd *d, struct client *cl)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->shrink_requester == cl)
			dev->shrink_requester = NULL;
}

void resize_device_gone(struct tapqd *d, struct device *dev)
{
	if (!dev->shrink_pending)
		return;
	event_del(dev->shrink_timer);
	dev->shrink_pending = false;
	if (dev->shrink_requester)
		ctl_send_error(d, dev->shrink_requester, dev->shrink_seq, -ENODEV,
			       "%s: the device went away before the shrink to %u", dev->conf.name,
			       dev->shrink_target);
	dev->shrink_requester = NULL;
}
