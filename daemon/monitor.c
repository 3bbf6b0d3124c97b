// SPDX-License-Identifier: MIT
/*
 * monitor.c - the rtnetlink link monitor. A client-mode holder (QEMU)
 * attaches and detaches its queues itself; every such change sends an
 * RTM_NEWLINK while the link is up, and TUNGETIFF on tapqd's own copy of each
 * queue then tells which queues are attached. While the link is down no
 * notification comes, so those devices are polled instead. A device deleted
 * from outside is reported and, being declared in the config, created again.
 */

#include <errno.h>
#include <event2/event.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "fdstore.h"
#include "lease.h"
#include "log.h"
#include "monitor.h"
#include "resize.h"
#include "topo.h"
#include "worker.h"

/* Half the 100 ms within which status must follow a client. */
#define MONITOR_POLL_MS 50
#define MONITOR_RCVBUF (1 << 20)
#define MONITOR_BATCH 64 /* receive calls before the devices are read; the rest come next round */

static struct device *monitor_device(struct tapqd *d, int ifindex)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->ifindex == ifindex)
			return dev;
	return NULL;
}

void monitor_follow(struct tapqd *d, struct device *dev)
{
	bool before[TAPQD_MAX_QUEUES];
	unsigned int was, now;
	int r;

	if (dev->waiting || dev->conf.handoff == CONF_HANDOFF_NAME)
		return; /* no fd to read the queues through */
	memcpy(before, dev->attached, sizeof(before));
	was = device_active_count(dev);
	r = device_refresh(dev);
	if (r < 0) {
		log_warn(d, "%s: reading queue states: %s", dev->conf.name, strerror(-r));
		return;
	}
	if (!memcmp(before, dev->attached, sizeof(before)))
		return;
	now = device_active_count(dev);
	if (dev->lease)
		log_info(d, "%s: pid %d set %u of %u queues active (was %u)", dev->conf.name,
			 (int)dev->lease->pid, now, dev->conf.max_queues, was);
	else
		log_warn(d, "%s: %u of %u queues active (was %u), changed outside tapqd",
			 dev->conf.name, now, dev->conf.max_queues, was);
	budget_update(d, dev, false);
	/* changed outside tapqd: workers follow the queues that are attached now */
	if (!dev->lease)
		worker_sync(d, dev);
	ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
}

/*
 * Deleted with "ip link del" (our fds now belong to no device), or gone with
 * the fds of the holder a waiting device had.
 */
void monitor_device_gone(struct tapqd *d, struct device *dev)
{
	struct device *again;
	char what[160] = "";
	int r;

	if (dev->waiting)
		log_info(d, "%s: its interface went with its holder's fds (ifindex %d): creating "
			    "it afresh",
			 dev->conf.name, dev->ifindex);
	else
		log_err(d, "%s: deleted from outside tapqd (ifindex %d)", dev->conf.name,
			dev->ifindex);
	resize_device_gone(d, dev);
	ctl_send_event(d, dev, TAPQD_EVENT_DEVICE_REMOVED, dev->lease ? dev->lease->pid : 0);
	if (dev->lease)
		lease_forget(dev->lease);
	worker_stop_all(d, dev);
	TAILQ_REMOVE(&d->devices, dev, entry);
	topo_unplace(d, dev);
	/* its stored queues name a device that is gone */
	fdstore_forget_device(d, dev);
	/* a reload had it removed or changed at the end of the lease: that end is now */
	if (dev->remove_pending) {
		log_info(d, "%s: removed, as the config says since the last reload", dev->conf.name);
		device_free(dev);
		return;
	}
	r = device_create(d, dev->reconf_pending ? &dev->next_conf : &dev->conf, &again, what,
			  sizeof(what));
	if (r < 0)
		log_err(d, "%s: not created again: %s: %s", dev->conf.name, what, strerror(-r));
	device_free(dev);
	if (r < 0)
		return;
	TAILQ_INSERT_TAIL(&d->devices, again, entry);
	fdstore_add_device(d, again);
	worker_sync(d, again);
	log_info(d, "%s: created again, ifindex %d", again->conf.name, again->ifindex);
}

static int monitor_on_msg(struct nl_msg *msg, void *arg)
{
	struct tapqd *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	struct device *dev;

	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    !nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(h);
	dev = monitor_device(d, ifi->ifi_index);
	if (!dev)
		return NL_OK;
	if (h->nlmsg_type == RTM_DELLINK) {
		char name[IF_NAMESIZE];

		/*
		 * A port leaving a bridge gets an RTM_DELLINK of family
		 * AF_BRIDGE with its own ifindex: the interface is still there.
		 */
		if (ifi->ifi_family != AF_UNSPEC || if_indextoname((unsigned int)ifi->ifi_index, name))
			return NL_OK;
		monitor_device_gone(d, dev);
	} else {
		dev->link_up = ifi->ifi_flags & IFF_UP;
		dev->follow_dirty = true;
	}
	return NL_OK;
}

static void monitor_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct device *dev;
	int r;

	(void)fd;
	(void)what;
	/*
	 * A resize of N queues sends N notifications: drain them all, then read
	 * each device once, not N times N queues.
	 */
	for (unsigned int i = 0; i < MONITOR_BATCH; i++) {
		r = nl_recvmsgs_default(d->nl_monitor);
		if (r < 0)
			break;
	}
	if (r < 0 && r != -NLE_AGAIN) {
		/* an overrun loses notifications: read every device again */
		log_warn(d, "rtnetlink monitor: %s; reading every device again", nl_geterror(r));
		TAILQ_FOREACH(dev, &d->devices, entry)
			dev->follow_dirty = true;
	}
	TAILQ_FOREACH(dev, &d->devices, entry) {
		if (dev->follow_dirty) {
			dev->follow_dirty = false;
			monitor_follow(d, dev);
		}
	}
	monitor_poll_update(d);
}

static void monitor_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct device *dev;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->lease && !dev->link_up)
			monitor_follow(d, dev);
}

void monitor_poll_update(struct tapqd *d)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = MONITOR_POLL_MS * 1000};
	struct device *dev;
	bool needed = false;

	TAILQ_FOREACH(dev, &d->devices, entry)
		needed |= dev->lease && !dev->waiting && !dev->link_up;
	if (!needed)
		event_del(d->poll_timer);
	else if (!event_pending(d->poll_timer, EV_TIMEOUT, NULL) && event_add(d->poll_timer, &tv) < 0)
		log_err(d, "arming the queue poll timer failed");
}

int monitor_open(struct tapqd *d)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	/* notifications carry no sequence numbers of ours */
	nl_socket_disable_seq_check(sk);
	r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_on_msg, d);
	if (r == 0)
		r = nl_connect(sk, NETLINK_ROUTE);
	if (r == 0)
		r = nl_socket_add_membership(sk, RTNLGRP_LINK);
	if (r == 0)
		r = nl_socket_set_nonblocking(sk);
	if (r == 0)
		r = nl_socket_set_buffer_size(sk, MONITOR_RCVBUF, 0);
	if (r < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	d->nl_monitor = sk;
	d->monitor_ev = event_new(d->base, nl_socket_get_fd(sk), EV_READ | EV_PERSIST,
				  monitor_on_readable, d);
	d->poll_timer = event_new(d->base, -1, EV_PERSIST, monitor_on_poll, d);
	if (!d->monitor_ev || !d->poll_timer || event_add(d->monitor_ev, NULL) < 0) {
		monitor_close(d);
		return -ENOMEM;
	}
	return 0;
}

void monitor_close(struct tapqd *d)
{
	if (d->monitor_ev)
		event_free(d->monitor_ev);
	if (d->poll_timer)
		event_free(d->poll_timer);
	if (d->nl_monitor)
		nl_socket_free(d->nl_monitor);
	d->monitor_ev = NULL;
	d->poll_timer = NULL;
	d->nl_monitor = NULL;
}
