// SPDX-License-Identifier: MIT
/*
 * link.c - MTU, MAC, txqueuelen, bridge master, link group, root qdisc and
 * up state of a device, through libnl-route
 */

#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <netlink/socket.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conf.h"
#include "link.h"

/* libnl returns its own negative codes; this maps the common ones back to errno. */
static int link_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	}
	return -EIO;
}

int link_open(struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return link_errno(r);
	}
	*ret = sk;
	return 0;
}

void link_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

const char *link_strerror(int r)
{
	return strerror(-r);
}

/*
 * SIOCGIFINDEX on the rtnetlink socket tapqd has anyway: any socket answers
 * it, and if_nametoindex() would open and close one for every lookup.
 */
int link_ifindex(struct nl_sock *sk, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(nl_socket_get_fd(sk), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

/*
 * Sends one RTM_NEWLINK with what change sets. libnl diffs it against a
 * link object; one that names only the ifindex is enough, and saves the
 * RTM_GETLINK a copy of the link as it is would cost.
 */
static int link_apply(struct nl_sock *sk, int ifindex, struct rtnl_link *change)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int r;

	if (!orig)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	r = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(orig);
	return r < 0 ? link_errno(r) : 0;
}

/*
 * A noqueue root qdisc, for a device still down: bringing a multiqueue tap
 * up otherwise builds mq with a pfifo_fast per transmit queue (256 of them,
 * each with buffers of txqueuelen entries), 5.6 MiB and milliseconds per
 * device. The tap's own per-queue ring already holds txqueuelen packets,
 * and the driver drops into it without pushing back, so a qdisc in front
 * queues nothing useful (doc/scale-costs.md).
 */
int link_set_noqueue(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int r;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	r = rtnl_tc_set_kind(TC_CAST(q), "noqueue");
	if (r == 0)
		r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_qdisc_put(q);
	return r < 0 ? link_errno(r) : 0;
}

/*
 * Applies the link settings of a device in one RTM_NEWLINK, then sets it up.
 * The bridge must exist: a missing one is -ENODEV, reported for that device.
 */
int link_configure(struct nl_sock *sk, int ifindex, const struct conf_device *cd,
		   unsigned int txqueuelen, uint32_t group)
{
	struct rtnl_link *change = rtnl_link_alloc();
	struct nl_addr *mac = NULL;
	int r = 0;

	if (!change)
		return -ENOMEM;
	if (cd->mtu)
		rtnl_link_set_mtu(change, cd->mtu);
	if (txqueuelen)
		rtnl_link_set_txqlen(change, txqueuelen);
	if (cd->has_mac) {
		mac = nl_addr_build(AF_LLC, cd->mac, sizeof(cd->mac));
		if (!mac) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_addr(change, mac);
	}
	if (cd->bridge[0]) {
		unsigned int master = if_nametoindex(cd->bridge);

		if (!master) {
			r = -ENODEV;
			goto out;
		}
		rtnl_link_set_master(change, (int)master);
	}
	if (group)
		rtnl_link_set_group(change, group);
	/*
	 * The kernel applies IFF_UP before IFLA_TXQLEN in one message, and a
	 * txqueuelen change on an up device deactivates it, which waits for an
	 * RCU grace period: the settings go first while it is down, the up alone.
	 */
	r = link_apply(sk, ifindex, change);
	if (r == 0) {
		rtnl_link_put(change);
		change = rtnl_link_alloc();
		if (!change)
			return -ENOMEM;
		rtnl_link_set_flags(change, IFF_UP);
		r = link_apply(sk, ifindex, change);
	}
out:
	nl_addr_put(mac);
	rtnl_link_put(change);
	return r;
}

int link_get_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int *ret)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);

	if (r < 0)
		return link_errno(r);
	*ret = rtnl_link_get_txqlen(link);
	rtnl_link_put(link);
	return 0;
}

enum link_attr {
	LINK_TXQLEN,
	LINK_MTU,
	LINK_MASTER,
	LINK_MAC,
};

/* One attribute in one RTM_NEWLINK: a reload changes settings one by one, each with its error. */
static int link_set_attr(struct nl_sock *sk, int ifindex, enum link_attr attr, unsigned int value,
			 const uint8_t *mac)
{
	struct rtnl_link *change = rtnl_link_alloc();
	struct nl_addr *addr = NULL;
	int r;

	if (!change)
		return -ENOMEM;
	switch (attr) {
	case LINK_TXQLEN:
		rtnl_link_set_txqlen(change, value);
		break;
	case LINK_MTU:
		rtnl_link_set_mtu(change, value);
		break;
	case LINK_MASTER:
		/* IFLA_MASTER 0 takes the device out of its bridge */
		rtnl_link_set_master(change, (int)value);
		break;
	case LINK_MAC:
		addr = nl_addr_build(AF_LLC, mac, 6);
		if (!addr) {
			rtnl_link_put(change);
			return -ENOMEM;
		}
		rtnl_link_set_addr(change, addr);
		break;
	}
	r = link_apply(sk, ifindex, change);
	nl_addr_put(addr);
	rtnl_link_put(change);
	return r;
}

int link_set_txqueuelen(struct nl_sock *sk, int ifindex, unsigned int txqueuelen)
{
	return link_set_attr(sk, ifindex, LINK_TXQLEN, txqueuelen, NULL);
}

int link_set_mtu(struct nl_sock *sk, int ifindex, unsigned int mtu)
{
	return link_set_attr(sk, ifindex, LINK_MTU, mtu, NULL);
}

int link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[6])
{
	return link_set_attr(sk, ifindex, LINK_MAC, 0, mac);
}

int link_set_bridge(struct nl_sock *sk, int ifindex, const char *bridge)
{
	unsigned int master = 0;

	if (bridge[0] && !(master = if_nametoindex(bridge)))
		return -ENODEV;
	return link_set_attr(sk, ifindex, LINK_MASTER, master, NULL);
}

/* RTM_DELLINK: the interface goes even when someone else still has a queue open, or it persists. */
int link_delete(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	r = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return r < 0 ? link_errno(r) : 0;
}

/* The tun attributes of one RTM_NEWLINK's attributes; false: not a tun device. */
static bool link_tun_attrs(struct nlattr **tb, struct link_tun *t)
{
	struct nlattr *info[IFLA_INFO_MAX + 1], *tun[IFLA_TUN_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (!tb[IFLA_LINKINFO] || nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0)
		return false;
	if (!info[IFLA_INFO_KIND] || nla_strcmp(info[IFLA_INFO_KIND], "tun") ||
	    !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(tun, IFLA_TUN_MAX, info[IFLA_INFO_DATA], NULL) < 0)
		return false;
	t->is_tun = true;
	t->tap = tun[IFLA_TUN_TYPE] && nla_get_u8(tun[IFLA_TUN_TYPE]) == IFF_TAP;
	t->persist = tun[IFLA_TUN_PERSIST] && nla_get_u8(tun[IFLA_TUN_PERSIST]);
	t->multi_queue = tun[IFLA_TUN_MULTI_QUEUE] && nla_get_u8(tun[IFLA_TUN_MULTI_QUEUE]);
	t->vnet_hdr = tun[IFLA_TUN_VNET_HDR] && nla_get_u8(tun[IFLA_TUN_VNET_HDR]);
	t->num_queues = tun[IFLA_TUN_NUM_QUEUES] ? nla_get_u32(tun[IFLA_TUN_NUM_QUEUES]) : 0;
	t->num_disabled =
	    tun[IFLA_TUN_NUM_DISABLED_QUEUES] ? nla_get_u32(tun[IFLA_TUN_NUM_DISABLED_QUEUES]) : 0;
	t->has_counts = tun[IFLA_TUN_NUM_QUEUES] != NULL;
	return true;
}

int link_tun_parse(struct nlmsghdr *h, struct link_tun *t)
{
	struct nlattr *tb[IFLA_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ||
	    !link_tun_attrs(tb, t))
		return -ENOTTY;
	return 0;
}

/* Picks the tun attributes out of the RTM_NEWLINK that answers link_get_tun(). */
static int link_tun_on_msg(struct nl_msg *msg, void *arg)
{
	return link_tun_parse(nlmsg_hdr(msg), arg) < 0 ? NL_SKIP : NL_OK;
}

/* A clone of the socket's callbacks with fn for every valid message. */
static struct nl_cb *link_cb(struct nl_sock *sk, nl_recvmsg_msg_cb_t fn, void *arg)
{
	/* nl_socket_get_cb() takes a reference of the socket's callbacks */
	struct nl_cb *sk_cb = nl_socket_get_cb(sk), *cb = nl_cb_clone(sk_cb);

	nl_cb_put(sk_cb);
	if (cb)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	return cb;
}

/*
 * The kernel's own view of a tun device (IFLA_INFO_DATA of kind "tun"), the
 * only one there is for a device whose queues all belong to others: libnl
 * parses no tun attributes, so the reply is read here. One RTM_GETLINK, as
 * rtnl_link_get_kernel() sends it: the reply, then the ack libnl asked for.
 */
int link_get_tun(struct nl_sock *sk, int ifindex, struct link_tun *ret)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct nl_cb *cb;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!msg)
		return -ENOMEM;
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (r == 0)
		r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return link_errno(r);
	cb = link_cb(sk, link_tun_on_msg, ret);
	if (!cb)
		return -ENOMEM;
	r = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	if (r < 0)
		return link_errno(r);
	return ret->is_tun ? 0 : -ENOTTY;
}

struct link_group_walk {
	uint32_t group;
	link_group_fn fn;
	void *arg;
};

static int link_group_on_msg(struct nl_msg *msg, void *arg)
{
	struct link_group_walk *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct link_tun t;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_GROUP] ||
	    nla_get_u32(tb[IFLA_GROUP]) != w->group)
		return NL_OK;
	link_tun_attrs(tb, &t);
	w->fn(w->arg, ((struct ifinfomsg *)nlmsg_data(h))->ifi_index, &t);
	return NL_OK;
}

/* One RTM_GETLINK dump of every interface of the namespace (the kernel filters no dump by group). */
int link_group_members(struct nl_sock *sk, uint32_t group, link_group_fn fn, void *arg)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct link_group_walk w = {.group = group, .fn = fn, .arg = arg};
	struct nl_cb *cb;
	int r = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));

	if (r < 0)
		return link_errno(r);
	cb = link_cb(sk, link_group_on_msg, &w);
	if (!cb)
		return -ENOMEM;
	r = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return r < 0 ? link_errno(r) : 0;
}

int link_set_group(struct nl_sock *sk, int ifindex, uint32_t group)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return -ENOMEM;
	rtnl_link_set_group(change, group);
	r = link_apply(sk, ifindex, change);
	rtnl_link_put(change);
	return r;
}

/*
 * One RTM_DELLINK with ifindex 0 and IFLA_GROUP: the kernel deletes every
 * member in one unregister_netdevice_many(), one RCU grace period for all,
 * where the last close of each tap waits for its own. Whatever is in the
 * group goes, whoever's it is: the caller has checked the members.
 */
int link_delete_group(struct nl_sock *sk, uint32_t group)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	int r;

	if (!msg)
		return -ENOMEM;
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (r == 0)
		r = nla_put_u32(msg, IFLA_GROUP, group);
	if (r == 0)
		r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	return r < 0 ? link_errno(r) : 0;
}
