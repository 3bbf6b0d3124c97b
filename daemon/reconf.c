// SPDX-License-Identifier: MIT
/*
 * reconf.c - applies to one running device the changes a reload plan
 * (config/reload_plan.c) says may be made now: link settings through
 * rtnetlink, tun settings through tapqd's first queue, what a holder would
 * own while there is none, the ring; and keeps the rest pending. Deleting
 * and creating devices is the caller's (reload.c, model.c).
 */

#include <errno.h>
#include <net/ethernet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "device.h"
#include "lease.h"
#include "link.h"
#include "log.h"
#include "reconf.h"
#include "tap.h"
#include "worker.h"

/* One line per change: info when made or kept for later, err with the reason when it failed. */
static void reconf_note(struct tapqd *d, const struct plan_action *a, unsigned int change, int r,
			const char *when)
{
	char line[256];

	plan_change_text(a, change, when, line, sizeof(line));
	if (r < 0)
		log_err(d, "%s: %s: %s", a->running->name, line, strerror(-r));
	else
		log_info(d, "%s: %s", a->running->name, line);
}

void reconf_plan_in(struct tapqd *d, const struct device *dev, struct plan_device_in *in)
{
	static const enum plan_state states[] = {
		[DEVICE_READY] = PLAN_READY,       [DEVICE_LEASED] = PLAN_LEASED,
		[DEVICE_WAITING] = PLAN_WAITING,   [DEVICE_ORPHANED] = PLAN_ORPHANED,
		[DEVICE_BY_NAME] = PLAN_BY_NAME,
	};
	unsigned int attached, open;

	memset(in, 0, sizeof(*in));
	in->running = &dev->conf;
	in->state = states[dev->state];
	in->pending = dev->conf_pending ? &dev->pending_conf : NULL;
	in->removal_pending = dev->removal_pending;
	in->queues_open = -1;
	if (dev->state == DEVICE_BY_NAME && device_count_outside(d, dev, &attached, &open) == 0)
		in->queues_open = (int)open;
}

/* Through rtnetlink, each alone; one that fails keeps its old value in conf. */
static void reconf_link(struct tapqd *d, struct device *dev, const struct plan_action *a,
			struct conf_device *conf)
{
	const struct conf_device *next = a->next;
	int r;

	if (a->now & PLAN_CH_MTU) {
		/* 0 is the kernel's default, which for a tap is Ethernet's */
		r = link_set_mtu(d->nl, dev->ifindex, next->mtu ? next->mtu : ETH_DATA_LEN);
		reconf_note(d, a, PLAN_CH_MTU, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_MTU);
	}
	if (a->now & PLAN_CH_MAC) {
		r = link_set_mac(d->nl, dev->ifindex, next->mac);
		reconf_note(d, a, PLAN_CH_MAC, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_MAC);
	}
	if (a->now & PLAN_CH_MAC_UNSET)
		reconf_note(d, a, PLAN_CH_MAC_UNSET, 0, NULL);
	if (a->now & PLAN_CH_BRIDGE) {
		r = link_set_bridge(d->nl, dev->ifindex, next->bridge);
		reconf_note(d, a, PLAN_CH_BRIDGE, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_BRIDGE);
	}
}

/* ioctls on the device through tapqd's first queue, as at creation; a holder's fds do not notice. */
static void reconf_tun(struct tapqd *d, struct device *dev, const struct plan_action *a,
		       struct conf_device *conf)
{
	const struct conf_device *next = a->next;
	int fd = dev->fds[0], r;

	if (a->now & PLAN_CH_OWNER) {
		r = tap_set_owner(fd, next->owner);
		reconf_note(d, a, PLAN_CH_OWNER, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_OWNER);
	}
	if (a->now & PLAN_CH_GROUP) {
		r = tap_set_group(fd, next->group);
		reconf_note(d, a, PLAN_CH_GROUP, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_GROUP);
	}
	if (a->now & PLAN_CH_PERSIST) {
		r = tap_set_persist(fd, next->persist);
		reconf_note(d, a, PLAN_CH_PERSIST, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_PERSIST);
	}
}

/* What a holder sets up itself: the plan puts it in now only while there is none. */
static void reconf_holder_settings(struct tapqd *d, struct device *dev,
				   const struct plan_action *a, struct conf_device *conf)
{
	const struct conf_device *next = a->next;
	unsigned int want, failed;
	int r;

	if (a->now & PLAN_CH_VNET_HDR_SIZE) {
		r = tap_set_vnet_hdr_size(dev->fds[0], (int)next->vnet_hdr_size);
		reconf_note(d, a, PLAN_CH_VNET_HDR_SIZE, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_VNET_HDR_SIZE);
	}
	if (a->now & PLAN_CH_OFFLOADS) {
		r = tap_set_offload(dev->fds[0], next->offloads);
		reconf_note(d, a, PLAN_CH_OFFLOADS, r, NULL);
		if (r < 0)
			plan_keep(conf, a->running, PLAN_CH_OFFLOADS);
	}
	if (!(a->now & PLAN_CH_ACTIVE_QUEUES))
		return;
	/* the config's count replaces whatever a RESIZE set since */
	want = next->active_queues == CONF_ACTIVE_ALL ? next->max_queues : next->active_queues;
	r = device_set_active(dev, want, &failed);
	reconf_note(d, a, PLAN_CH_ACTIVE_QUEUES, r, NULL);
	if (r < 0)
		plan_keep(conf, a->running, PLAN_CH_ACTIVE_QUEUES);
	else
		dev->want_active = want;
}

/* Notes for what takes effect by being in the config: allow lists, backend, following. */
static void reconf_policy(struct tapqd *d, const struct plan_action *a)
{
	static const unsigned int noted[] = {PLAN_CH_ALLOW, PLAN_CH_BACKEND, PLAN_CH_FOLLOW,
					     PLAN_CH_PIN, PLAN_CH_TXQUEUELEN,
					     PLAN_CH_QUEUE_MEMORY};

	for (size_t i = 0; i < sizeof(noted) / sizeof(noted[0]); i++)
		if (a->now & noted[i])
			reconf_note(d, a, noted[i], 0, NULL);
}

/*
 * A leased device keeps its ring until the lease ends, larger or smaller:
 * the kernel resizes a ring with the qdisc deactivated, and what is sent
 * meanwhile is dropped. Unleased, sync_device() sizes it (budget.c).
 */
static void reconf_ring_later(struct tapqd *d, struct device *dev, const char *when)
{
	unsigned int want = budget_ring(&dev->conf, device_active_count(dev));

	dev->txqueuelen_pending = want == dev->txqueuelen ? 0 : want;
	if (want != dev->txqueuelen)
		log_info(d, "%s: ring %u -> %u packets %s (resizing drops packets)", dev->conf.name,
			 dev->txqueuelen, want, when);
}

const char *reconf_when(const struct device *dev, char *buf, size_t size)
{
	if (dev->lease)
		snprintf(buf, size, "when the lease of pid %d ends", (int)lease_pid(dev->lease));
	else
		snprintf(buf, size, "when it is created again");
	return buf;
}

void reconf_apply(struct tapqd *d, struct device *dev, const struct plan_action *a)
{
	struct conf_device conf = a->conf;
	char when[64], why[256];
	const char *flag;

	reconf_when(dev, when, sizeof(when));
	for (unsigned int f = PLAN_F_BACK_IN_CONFIG; f <= PLAN_F_STILL_REMOVED; f <<= 1)
		if ((flag = plan_flag_text(a, f)))
			log_info(d, "%s: %s", dev->conf.name, flag);
	if (plan_why_text(a, when, why, sizeof(why)))
		log_info(d, "%s: %s", dev->conf.name, why);
	for (unsigned int c = 1; a->later && c && c <= PLAN_CH_PIN; c <<= 1)
		if (a->later & c)
			reconf_note(d, a, c, 0, when);
	dev->removal_pending = false;
	dev->conf_pending = a->later != 0;
	if (dev->conf_pending)
		dev->pending_conf = *a->next;
	if (a->kind == PLAN_NOTHING)
		return;
	/* workers keep their header length and data path from their start: sync starts them again */
	if (a->now & PLAN_CH_WORKERS)
		worker_stop_all(d, dev);
	reconf_link(d, dev, a, &conf);
	if (device_has_queues(dev)) {
		reconf_tun(d, dev, a, &conf);
		reconf_holder_settings(d, dev, a, &conf);
	}
	reconf_policy(d, a);
	dev->conf = conf;
	if (a->ring == PLAN_RING_AT_LEASE_END)
		reconf_ring_later(d, dev, when);
}

enum reconf_result reconf_pending(struct tapqd *d, struct device *dev)
{
	struct conf_device next = dev->pending_conf;
	struct plan_device_in in;
	struct plan_action a;
	int r;

	reconf_plan_in(d, dev, &in);
	in.pending = NULL;
	r = reload_plan_device(&in, &next, &a);
	if (r < 0) {
		log_err(d, "%s: planning the config of the last reload: %s", dev->conf.name,
			strerror(-r));
		return RECONF_KEPT;
	}
	if (a.kind == PLAN_RECREATE)
		return RECONF_RECREATE;
	reconf_apply(d, dev, &a);
	return RECONF_KEPT;
}
