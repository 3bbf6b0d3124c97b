// SPDX-License-Identifier: MIT
/*
 * monitor.c - the rtnetlink link monitor. A client-mode holder (QEMU)
 * attaches and detaches its queues itself; every such change sends an
 * RTM_NEWLINK while the link is up. While the link is down no notification
 * comes, so leased devices are polled instead. The monitor only reports,
 * through d->hooks: "the queues may have changed", "the link is gone" and
 * "it has another name"; what follows is the model's (model.c).
 */

#include <errno.h>
#include <event2/event.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "monitor.h"

/* Half the 100 ms within which status must follow a client. */
#define MONITOR_POLL_MS 50
#define MONITOR_RCVBUF (1 << 20)
/*
 * Receive calls before the devices are read; the rest come next round. A
 * resize of a 256-queue device sends 256 notifications: read them all, then
 * each device once, not 256 queues a quarter as many times more. The monitor
 * runs before the clients (its priority), so the bound also bounds how long
 * they wait for it.
 */
#define MONITOR_BATCH 512

/* "ip link set NAME name OTHER" sends an RTM_NEWLINK with the new IFLA_IFNAME, same ifindex. */
static void monitor_check_name(struct tapqd *d, struct device *dev, struct nlmsghdr *h)
{
	struct nlattr *tb[IFLA_MAX + 1];
	char name[IF_NAMESIZE];

	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return;
	nla_strlcpy(name, tb[IFLA_IFNAME], sizeof(name));
	if (strcmp(name, dev->ifname))
		d->hooks.link_renamed(d, dev, name);
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
	dev = device_find_ifindex(d, ifi->ifi_index);
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
		d->hooks.link_gone(d, dev);
	} else {
		monitor_check_name(d, dev, h);
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
			d->hooks.queues_changed(d, dev);
		}
	}
}

static void monitor_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;
	struct device *dev;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->state == DEVICE_LEASED && !dev->link_up)
			d->hooks.queues_changed(d, dev);
}

void monitor_poll_update(struct tapqd *d)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = MONITOR_POLL_MS * 1000};
	struct device *dev;
	bool needed = false;

	TAILQ_FOREACH(dev, &d->devices, entry)
		needed |= dev->state == DEVICE_LEASED && !dev->link_up;
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
	/*
	 * Before any client: a request served in the same loop round as the
	 * notification of a change its sender made finds that change followed.
	 */
	if (!d->monitor_ev || !d->poll_timer || event_priority_set(d->monitor_ev, 0) < 0 ||
	    event_add(d->monitor_ev, NULL) < 0) {
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
