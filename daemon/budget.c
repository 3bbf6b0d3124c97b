// SPDX-License-Identifier: MIT
/*
 * budget.c - the queue memory budget: txqueuelen is a count of packets per
 * queue, so a budget in bytes becomes a ring size from the frame size and the
 * number of queues sharing it
 */

#include <errno.h>
#include <string.h>

#include "budget.h"
#include "daemon.h"
#include "device.h"
#include "link.h"
#include "log.h"
#include "worker.h"

#define BUDGET_RING_MAX 1000000 /* as the txqueuelen key allows */
#define BUDGET_HEADERS 26       /* Ethernet header and the largest virtio-net header */
#define BUDGET_MTU_DEFAULT 1500

unsigned int budget_ring(const struct conf_device *cd, unsigned int queues)
{
	uint64_t frame = (cd->mtu ? cd->mtu : BUDGET_MTU_DEFAULT) + BUDGET_HEADERS;
	uint64_t ring;

	if (cd->txqueuelen)
		return cd->txqueuelen;
	ring = cd->queue_memory / ((queues ? queues : 1) * frame);
	if (ring < BUDGET_RING_MIN)
		return BUDGET_RING_MIN;
	return ring > BUDGET_RING_MAX ? BUDGET_RING_MAX : (unsigned int)ring;
}

void budget_update(struct tapqd *d, struct device *dev, unsigned int active)
{
	unsigned int want = budget_ring(&dev->conf, active);
	bool leased = dev->state == DEVICE_LEASED;
	/* a worker may have frames queued in the ring: only an unread ring shrinks */
	bool workers = worker_running(dev);
	int r;

	/* a fixed txqueuelen comes here only when a reload changed it */
	if (want == dev->txqueuelen) {
		dev->txqueuelen_pending = 0;
		return;
	}
	if (leased || (want < dev->txqueuelen && workers)) {
		if (dev->txqueuelen_pending != want)
			log_info(d, "%s: ring stays at %u packets while %s (%u after)", dev->conf.name,
				 dev->txqueuelen, leased ? "leased" : "workers read it", want);
		dev->txqueuelen_pending = want;
		return;
	}
	r = link_set_txqueuelen(d->nl, dev->ifindex, want);
	if (r < 0) {
		log_err(d, "%s: setting txqueuelen %u: %s", dev->conf.name, want, strerror(-r));
		return;
	}
	if (dev->conf.txqueuelen)
		log_info(d, "%s: ring %u packets per queue, as txqueuelen says (was %u)",
			 dev->conf.name, want, dev->txqueuelen);
	else
		log_info(d, "%s: ring %u packets per queue for %u active queues (was %u)",
			 dev->conf.name, want, active, dev->txqueuelen);
	dev->txqueuelen = want;
	dev->txqueuelen_pending = 0;
}
