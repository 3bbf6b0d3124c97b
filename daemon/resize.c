// SPDX-License-Identifier: MIT
/*
 * resize.c - RESIZE: queues 0..n-1 attached, the rest detached. Growing
 * attaches first and then tells everyone; shrinking a daemon-mode lease tells
 * its holder first and detaches only on its ack or after resize_timeout, so
 * the holder never has a queue vanish under a read. The shrink waiting for
 * an ack is this file's alone (dev->shrink).
 */

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "device.h"
#include "lease.h"
#include "log.h"
#include "resize.h"
#include "sync.h"

struct shrink {
	struct tapqd *d;
	struct device *dev;
	unsigned int target;
	struct client *requester; /* NULL once it disconnected */
	uint32_t seq;
	struct event *timer;
};

/* Return: 0, or a negative errno after logging it with the queue that failed. */
static int resize_apply(struct tapqd *d, struct device *dev, unsigned int n)
{
	unsigned int before = device_active_count(dev), failed;
	int r = device_set_active(dev, n, &failed);

	if (r < 0) {
		int was = d->log_ctx.queue;

		log_queue(d, (int)failed);
		log_err(d, "%s: resize to %u: queue %u: %s", dev->conf.name, n, failed,
			strerror(-r));
		log_queue(d, was);
		return r;
	}
	dev->want_active = n;
	if (before != n) {
		d->stats.resizes++;
		log_info(d, "%s: %u of %u queues active (was %u)", dev->conf.name, n,
			 dev->conf.max_queues, before);
	}
	sync_device(d, dev);
	return 0;
}

static void resize_shrink_free(struct device *dev)
{
	struct shrink *s = dev->shrink;

	dev->shrink = NULL;
	event_free(s->timer);
	free(s);
}

static void resize_complete(struct tapqd *d, struct device *dev)
{
	struct client *requester = dev->shrink->requester;
	uint32_t seq = dev->shrink->seq;
	unsigned int n = dev->shrink->target;
	int r;

	resize_shrink_free(dev);
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
	struct shrink *s = arg;
	struct device *dev = s->dev;
	struct tapqd *d = s->d;
	struct log_ctx was = d->log_ctx;

	(void)fd;
	(void)what;
	log_device(d, dev->conf.name);
	/* the holder that was asked is the peer this is about, not whoever asked */
	if (dev->lease)
		log_peer(d, lease_pid(dev->lease), lease_uid(dev->lease));
	log_warn(s->d, "%s: pid %d did not acknowledge the shrink to %u queues within %u ms; "
		       "detaching anyway",
		 dev->conf.name, dev->lease ? (int)lease_pid(dev->lease) : 0, s->target,
		 s->d->conf.resize_timeout_ms);
	resize_complete(d, dev);
	d->log_ctx = was;
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
	struct shrink *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->timer = evtimer_new(d->base, resize_on_timeout, s);
	if (!s->timer || evtimer_add(s->timer, &tv) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	memcpy(ev.name, dev->conf.name, sizeof(ev.name));
	r = ctl_send(d, lease_conn(dev->lease), TAPQD_EVENT, 0, &ev, sizeof(ev), NULL, 0);
	if (r < 0)
		goto fail;
	s->d = d;
	s->dev = dev;
	s->target = n;
	s->requester = cl;
	s->seq = seq;
	dev->shrink = s;
	log_info(d, "%s: asked pid %d to stop using queues %u-%u", dev->conf.name,
		 (int)lease_pid(dev->lease), n, device_active_count(dev) - 1);
	return 0;
fail:
	if (s->timer)
		event_free(s->timer);
	free(s);
	return r;
}

void resize_request(struct tapqd *d, struct client *cl, uint32_t seq, struct device *dev,
		    unsigned int n)
{
	struct lease *l = dev->lease;
	int r;

	if (dev->shrink) {
		ctl_send_error(d, cl, seq, -EBUSY, "%s: a shrink to %u queues waits for pid %d",
			       dev->conf.name, dev->shrink->target, l ? (int)lease_pid(l) : 0);
		return;
	}
	/*
	 * Only a shrink needs the holder's consent, and a holder that asks for
	 * one has given it; a holder with no connection left cannot be asked.
	 */
	if (n < device_active_count(dev) && l && lease_pid(l) != ctl_peer(cl)->pid &&
	    lease_conn(l)) {
		r = resize_ask_holder(d, cl, seq, dev, n);
		if (r < 0)
			ctl_send_error(d, cl, seq, r, "%s: asking pid %d to shrink: %s",
				       dev->conf.name, (int)lease_pid(l), strerror(-r));
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
	if (!dev || !dev->shrink || !dev->lease || lease_pid(dev->lease) != ctl_peer(cl)->pid ||
	    req->active_queues != dev->shrink->target) {
		log_debug(d, "ignoring a resize ack from pid %d for %.16s", (int)ctl_peer(cl)->pid,
			  req->name);
		return;
	}
	/* the request's: ctl.c puts the context back after */
	log_device(d, dev->conf.name);
	log_info(d, "%s: pid %d acknowledged the shrink to %u queues", dev->conf.name,
		 (int)ctl_peer(cl)->pid, dev->shrink->target);
	resize_complete(d, dev);
}

void resize_finish_pending(struct tapqd *d, struct device *dev)
{
	if (dev->shrink)
		resize_complete(d, dev);
}

void resize_client_gone(struct tapqd *d, struct client *cl)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->shrink && dev->shrink->requester == cl)
			dev->shrink->requester = NULL;
}

void resize_device_gone(struct tapqd *d, struct device *dev)
{
	struct client *requester;
	unsigned int target;
	uint32_t seq;

	if (!dev->shrink)
		return;
	requester = dev->shrink->requester;
	target = dev->shrink->target;
	seq = dev->shrink->seq;
	resize_shrink_free(dev);
	if (requester)
		ctl_send_error(d, requester, seq, -ENODEV,
			       "%s: the device went away before the shrink to %u", dev->conf.name,
			       target);
}
