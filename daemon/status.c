// SPDX-License-Identifier: MIT
/*
 * status.c - the description of a device that STATUS and LEASE carry, read
 * from the model as it is: nothing here changes a device
 */

#include <stdio.h>
#include <string.h>

#include "device.h"
#include "follow.h"
#include "lease.h"
#include "status.h"
#include "worker.h"

/* The config's enum and the protocol's are kept apart: the protocol is what clients build against. */
static unsigned int status_backend(enum conf_backend b)
{
	switch (b) {
	case CONF_BACKEND_SINK:
		return TAPQD_BACKEND_SINK;
	case CONF_BACKEND_ECHO:
		return TAPQD_BACKEND_ECHO;
	case CONF_BACKEND_NONE:
		break;
	}
	return TAPQD_BACKEND_NONE;
}

/*
 * The queues of a device handed off by name are all someone else's: only
 * the kernel can count them (tapqd has no fd to ask with TUNGETIFF), and
 * tapqd cannot tell which is which, so they are laid out as slots.
 */
static void status_by_name(struct tapqd *d, const struct device *dev,
			   struct tapqd_device_info *info)
{
	unsigned int attached, held;

	if (device_count_outside(d, dev, &attached, &held) < 0)
		return;
	if (attached > TAPQD_MAX_QUEUES)
		attached = TAPQD_MAX_QUEUES;
	if (held > TAPQD_MAX_QUEUES)
		held = TAPQD_MAX_QUEUES;
	info->active_queues = attached;
	/* a slot per queue open outside, which may be more than max_queues (the kernel allows it) */
	if (held > info->n_queues)
		info->n_queues = held;
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		info->queues[i].active = i < attached;
		info->queues[i].held = i < held;
	}
}

void status_device_info(struct tapqd *d, const struct device *dev,
			struct tapqd_device_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->name, dev->conf.name, sizeof(info->name));
	info->ifindex = (unsigned int)dev->ifindex;
	if (dev->conf.template_name[0]) {
		info->created = true;
		snprintf(info->template_name, sizeof(info->template_name), "%s",
			 dev->conf.template_name);
		info->created_by = dev->conf.creator;
	}
	info->max_queues = dev->conf.max_queues;
	info->n_queues = dev->conf.max_queues;
	info->active_queues = device_active_count(dev);
	info->vnet_hdr_size = dev->conf.vnet_hdr ? dev->conf.vnet_hdr_size : 0;
	info->tun_flags = dev->tun_flags;
	info->offloads = dev->conf.offloads;
	info->backend = status_backend(dev->conf.backend);
	if (dev->removal_pending)
		info->pending = TAPQD_PENDING_REMOVE;
	else if (dev->conf_pending)
		info->pending = TAPQD_PENDING_RECONFIGURE;
	else if (dev->create_error)
		info->pending = TAPQD_PENDING_CREATE;
	info->create_error = (unsigned int)dev->create_error;
	info->renamed = device_renamed(dev);
	info->txqueuelen = dev->txqueuelen;
	info->txqueuelen_pending = dev->txqueuelen_pending;
	info->queue_memory = dev->conf.txqueuelen ? 0 : dev->conf.queue_memory;
	info->tunsetqueue_calls = dev->tunsetqueue_calls;
	info->waiting = dev->state == DEVICE_WAITING || dev->state == DEVICE_ORPHANED;
	info->follow = follow_state(dev);
	info->vcpus = follow_vcpus(dev);
	info->handoff = dev->state == DEVICE_BY_NAME ? TAPQD_HANDOFF_NAME : TAPQD_HANDOFF_FD;
	if (dev->lease) {
		info->leased = true;
		info->control = lease_control(dev->lease);
		info->holder_pid = lease_pid(dev->lease);
		snprintf(info->holder_comm, sizeof(info->holder_comm), "%s",
			 lease_comm(dev->lease));
	}
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		info->queues[i].active = i < dev->conf.max_queues && dev->attached[i];
		info->queues[i].cpu = i < dev->conf.max_queues ? follow_queue_cpu(dev, i) : -1;
		worker_queue_info(dev, i, &info->queues[i]);
	}
	if (dev->state == DEVICE_BY_NAME)
		status_by_name(d, dev, info);
}

void status_redact(struct tapqd_device_info *info)
{
	info->holder_pid = 0;
	info->holder_comm[0] = '\0';
	info->follow = TAPQD_FOLLOW_NONE;
	info->vcpus = 0;
	/*
	 * Who created it from which template: TEMPLATES does not name a template
	 * to whom its allow lists leave out, nor does this; it reads as declared.
	 */
	info->created = false;
	info->created_by = 0;
	memset(info->template_name, 0, sizeof(info->template_name));
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		struct tapqd_queue_info *q = &info->queues[i];

		q->rx_packets = q->rx_bytes = q->tx_packets = q->tx_bytes = q->drops = 0;
		q->cpu_ns = 0;
	}
}
