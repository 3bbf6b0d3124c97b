// SPDX-License-Identifier: MIT
/*
 * sync.c - the one place that brings everything derived from the device
 * model into line after a change: workers, ring and budget, following, the
 * stored lease state, the poll timer, STATUS= and the events subscribers
 * hear. Callers change the model and call sync_device(); they never repeat
 * this list.
 */

#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "fdstore.h"
#include "follow.h"
#include "lease.h"
#include "log.h"
#include "monitor.h"
#include "notify.h"
#include "statefile.h"
#include "sync.h"
#include "worker.h"

void sync_event(struct tapqd *d, const struct device *dev, unsigned int kind, pid_t pid,
		struct client *holder)
{
	struct tapqd_event ev = {
		.kind = (uint16_t)kind,
		.active_queues = (uint16_t)device_active_count(dev),
		.pid = pid,
		.vcpus = (uint16_t)follow_vcpus(dev),
	};

	memcpy(ev.name, dev->conf.name, sizeof(ev.name));
	if (pid && dev->lease && lease_pid(dev->lease) == pid)
		snprintf(ev.comm, sizeof(ev.comm), "%s", lease_comm(dev->lease));
	if (kind == TAPQD_EVENT_DEVICE_RENAMED && device_renamed(dev))
		snprintf(ev.new_name, sizeof(ev.new_name), "%s", dev->ifname);
	ctl_event(d, &ev, &dev->conf, holder);
}

void sync_event_daemon(struct tapqd *d, unsigned int kind)
{
	struct tapqd_event ev = {.kind = (uint16_t)kind};

	ctl_event(d, &ev, NULL, NULL);
}

/*
 * The holder's pidfd goes to the fd store in the device's bundle, and the
 * lease state is written: at once under a service manager (the pidfd and
 * the state must agree if tapqd dies next), else after the reply.
 */
static void sync_lease_store(struct tapqd *d, struct device *dev)
{
	if (!dev->lease_dirty)
		return;
	dev->lease_dirty = false;
	if (!d->fdstore) {
		statefile_save_soon(d);
		return;
	}
	fdstore_put_device(d, dev, dev->lease ? lease_pidfd(dev->lease) : -1);
	statefile_save(d);
}

void sync_global(struct tapqd *d)
{
	monitor_poll_update(d);
	notify_status(d);
}

/* What it logs concerns dev, whoever asked: a start, a reload, a QMP follower. */
static void sync_one(struct tapqd *d, struct device *dev)
{
	unsigned int active = device_active_count(dev);
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	if (device_has_queues(dev))
		budget_update(d, dev, active);
	if (d->threads)
		worker_sync(d, dev);
	follow_update(d, dev, dev->lease ? lease_pid(dev->lease) : 0);
	sync_lease_store(d, dev);
	if (active != dev->synced_active) {
		dev->synced_active = active;
		sync_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0,
			   dev->lease ? lease_conn(dev->lease) : NULL);
	}
	if (follow_vcpus(dev) != dev->synced_vcpus) {
		dev->synced_vcpus = follow_vcpus(dev);
		sync_event(d, dev, TAPQD_EVENT_VCPUS_CHANGED, 0, NULL);
	}
	d->log_ctx = was;
}

void sync_device(struct tapqd *d, struct device *dev)
{
	sync_one(d, dev);
	sync_global(d);
}

void sync_all(struct tapqd *d)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		sync_one(d, dev);
	sync_global(d);
}
