// SPDX-License-Identifier: MIT
/*
 * monitor.c - the rtnetlink link monitor. A client-mode holder (QEMU)
 * attaches and detaches its queues itself; every such change sends an
 * RTM_NEWLINK while the link is up. While the link is down no notification
 * comes, so leased devices are polled instead. A notification of tapqd's
 * own step (expect.c) reads nothing; lost notifications cost one dump of
 * every link. The monitor only reports, through d->hooks: "the queues may
 * have changed", "the link is gone" and "it has another name"; what
 * follows is the model's (model.c).
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
#include <sys/socket.h>

#include "device.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "monitor.h"

/* Half the 100 ms within which status must follow a client. */
#define MONITOR_POLL_MS 50
#define MONITOR_RCVBUF (1 << 20)
#define MONITOR_MSG_BUF (64 << 10)
/*
 * Receive calls in one round; the rest come next round. The monitor runs
 * before the clients (its priority), so the bound also bounds how long
 * they wait for it.
 */
#define MONITOR_BATCH 512
/*
 * A holder changing n queues sends n notifications over a while (a detach
 * waits for an RCU grace period), each a change not tapqd's own: reading
 * the device's queues after each would cost n times max_queues TUNGETIFF,
 * every one taking the rtnl lock the holder's next TUNSETQUEUE waits for.
 * They are read at most this long after the first such notification, or
 * at once when a request comes (monitor_flush), whichever is first.
 */
#define MONITOR_SETTLE_US 5000

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

/*
 * Whether an RTM_NEWLINK can mean that someone else changed the queues,
 * which tapqd then reads (TUNGETIFF on each, every one taking rtnl). Its
 * attached count tells: tapqd's own next step, or the count tapqd holds,
 * needs no reading. A device of which tapqd holds no queue is told of
 * every notification: it follows the kernel's counts, not its own reads.
 */
static bool monitor_foreign_change(struct device *dev, struct nlmsghdr *h)
{
	struct link_tun tun;

	if (!device_has_queues(dev))
		return true;
	if (link_tun_parse(h, &tun) < 0 || !tun.has_counts)
		return true;
	return expect_hear(&dev->own, tun.num_queues, device_active_count(dev)) == EXPECT_OTHER;
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
		if (monitor_foreign_change(dev, h)) {
			dev->follow_dirty = true;
			d->monitor_dirty = true;
		}
	}
	return NL_OK;
}

/* The end of a dump: what it did not show was deleted while its RTM_DELLINK was lost. */
static int monitor_on_dump_done(struct nl_msg *msg, void *arg)
{
	struct tapqd *d = arg;

	(void)msg;
	d->monitor_dumping = false;
	return NL_STOP;
}

/*
 * Notifications were lost (the receive buffer overflowed): the dump of
 * every link tells each device's state again, through monitor_on_msg like
 * any notification, and tapqd's own steps lost with them are forgotten, so
 * that a count that differs from tapqd's means a read. One dump at a time:
 * a loss during one asks for another after it.
 */
static void monitor_dump(struct tapqd *d)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct device *dev;
	int r;

	TAILQ_FOREACH(dev, &d->devices, entry)
		expect_reset(&dev->own);
	if (d->monitor_dumping) {
		d->monitor_dump_again = true;
		return;
	}
	r = nl_send_simple(d->nl_monitor, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	if (r < 0) {
		log_err(d, "rtnetlink monitor: asking for every link: %s", nl_geterror(r));
		return;
	}
	d->monitor_dumping = true;
}

/* After a dump: a device whose interface is no more lost its RTM_DELLINK. */
static void monitor_find_gone(struct tapqd *d)
{
	struct device *dev, *next;
	char name[IF_NAMESIZE];

	for (dev = TAILQ_FIRST(&d->devices); dev; dev = next) {
		next = TAILQ_NEXT(dev, entry);
		if (dev->ifindex > 0 && !if_indextoname((unsigned int)dev->ifindex, name) &&
		    errno == ENXIO)
			d->hooks.link_gone(d, dev);
	}
}

static void monitor_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct timeval settle = {.tv_sec = 0, .tv_usec = MONITOR_SETTLE_US};
	struct tapqd *d = arg;
	bool was_dumping = d->monitor_dumping;
	int r = 0;

	(void)fd;
	(void)what;
	for (unsigned int i = 0; i < MONITOR_BATCH && r >= 0; i++)
		r = nl_recvmsgs_default(d->nl_monitor);
	if (r < 0 && r != -NLE_AGAIN) {
		/*
		 * One line for each dump: losses during one only ask for the
		 * next. libnl calls ENOBUFS "Out of memory".
		 */
		if (!d->monitor_dumping)
			log_warn(d, "rtnetlink monitor: %s: notifications lost; reading every "
				    "link again (RTM_GETLINK)",
				 r == -NLE_NOMEM ? "receive buffer full (ENOBUFS)" : nl_geterror(r));
		monitor_dump(d);
	}
	if (was_dumping && !d->monitor_dumping) {
		monitor_find_gone(d);
		if (d->monitor_dump_again) {
			d->monitor_dump_again = false;
			monitor_dump(d);
		}
	}
	if (d->monitor_dirty && !event_pending(d->settle_timer, EV_TIMEOUT, NULL) &&
	    event_add(d->settle_timer, &settle) < 0) {
		log_err(d, "arming the rtnetlink monitor's timer failed: reading the queues now");
		monitor_flush(d);
	}
}

void monitor_flush(struct tapqd *d)
{
	struct device *dev;

	if (!d->monitor_dirty)
		return;
	d->monitor_dirty = false;
	event_del(d->settle_timer);
	TAILQ_FOREACH(dev, &d->devices, entry) {
		if (dev->follow_dirty) {
			dev->follow_dirty = false;
			d->hooks.queues_changed(d, dev);
		}
	}
}

static void monitor_on_settled(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	monitor_flush(arg);
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

/*
 * The receive buffer holds what arrives while tapqd does something else; a
 * loss costs a dump. SO_RCVBUFFORCE, as tapqd has CAP_NET_ADMIN: SO_RCVBUF
 * stops at net.core.rmem_max, 208 KiB by default.
 */
static int monitor_set_rcvbuf(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk), size = MONITOR_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0 ? -errno : 0;
}

int monitor_open(struct tapqd *d)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	/* notifications carry no sequence numbers of ours, and a dump asks for no ack */
	nl_socket_disable_seq_check(sk);
	nl_socket_disable_auto_ack(sk);
	/*
	 * One recvmsg per notification, not a peek at its size first: a
	 * buffer that holds the largest the kernel sends (a dump's, 32 KiB).
	 */
	nl_socket_disable_msg_peek(sk);
	r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_on_msg, d);
	if (r == 0)
		r = nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, monitor_on_dump_done, d);
	if (r == 0)
		r = nl_connect(sk, NETLINK_ROUTE);
	if (r == 0)
		r = nl_socket_set_nonblocking(sk);
	if (r == 0)
		r = monitor_set_rcvbuf(sk) < 0 ? -NLE_FAILURE : 0;
	if (r == 0)
		r = nl_socket_set_msg_buf_size(sk, MONITOR_MSG_BUF);
	if (r < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	d->nl_monitor = sk;
	d->monitor_ev = event_new(d->base, nl_socket_get_fd(sk), EV_READ | EV_PERSIST,
				  monitor_on_readable, d);
	d->poll_timer = event_new(d->base, -1, EV_PERSIST, monitor_on_poll, d);
	d->settle_timer = evtimer_new(d->base, monitor_on_settled, d);
	/*
	 * Before any client: a request served in the same loop round as the
	 * notification of a change its sender made finds that change followed
	 * (verbs.c flushes what is not read yet).
	 */
	if (!d->monitor_ev || !d->poll_timer || !d->settle_timer ||
	    event_priority_set(d->monitor_ev, 0) < 0 ||
	    event_priority_set(d->settle_timer, 0) < 0 || event_add(d->monitor_ev, NULL) < 0) {
		monitor_close(d);
		return -ENOMEM;
	}
	return 0;
}

int monitor_start(struct tapqd *d)
{
	int r = nl_socket_add_membership(d->nl_monitor, RTNLGRP_LINK);

	if (r < 0)
		return -EIO;
	monitor_dump(d);
	return 0;
}

void monitor_close(struct tapqd *d)
{
	if (d->monitor_ev)
		event_free(d->monitor_ev);
	if (d->poll_timer)
		event_free(d->poll_timer);
	if (d->settle_timer)
		event_free(d->settle_timer);
	if (d->nl_monitor)
		nl_socket_free(d->nl_monitor);
	d->monitor_ev = NULL;
	d->poll_timer = NULL;
	d->settle_timer = NULL;
	d->nl_monitor = NULL;
}
