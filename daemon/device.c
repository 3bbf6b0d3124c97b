// SPDX-License-Identifier: MIT
/*
 * device.c - creating a multiqueue tap with all its queues, fresh ones after
 * a lease, its active set, and its state table
 */

#include <errno.h>
#include <event2/event.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "device.h"
#include "follow.h"
#include "link.h"
#include "log.h"
#include "tap.h"
#include "topo.h"
#include "worker.h"

/*
 * libvirt opens an existing tap with IFF_MULTI_QUEUE only for queues > 1
 * (virNetDevTapCreate), and the kernel refuses a TUNSETIFF whose
 * IFF_MULTI_QUEUE differs from the device's: a one-queue device handed off
 * by name is a single-queue tap.
 */
unsigned int device_tun_flags(const struct conf_device *cd)
{
	unsigned int flags = IFF_TAP | IFF_NO_PI;

	if (cd->handoff != CONF_HANDOFF_NAME || cd->max_queues > 1)
		flags |= IFF_MULTI_QUEUE;

	if (cd->vnet_hdr)
		flags |= IFF_VNET_HDR;
	return flags;
}

/*
 * A tap with neither owner nor group lets any uid attach a queue by name
 * (TUNSETIFF) and so read a tenant's traffic; one owned by tapqd's uid
 * leaves that to CAP_NET_ADMIN. Owner and group from the config grant it
 * to those on purpose (README, "Between two leases"). -1: leave it unset.
 */
static uid_t device_owner(const struct conf_device *cd)
{
	if (cd->has_owner)
		return cd->owner;
	return cd->has_group ? (uid_t)-1 : geteuid();
}

/* Device-wide settings go through the first queue; the kernel applies them to the device. */
static int device_setup_tun(struct device *dev, char *what, size_t what_size)
{
	const struct conf_device *cd = &dev->conf;
	uid_t owner = device_owner(cd);
	int fd = dev->fds[0], r = 0;

	if (cd->vnet_hdr) {
		r = tap_set_vnet_hdr_size(fd, (int)cd->vnet_hdr_size);
		if (r < 0) {
			snprintf(what, what_size, "TUNSETVNETHDRSZ %u", cd->vnet_hdr_size);
			return r;
		}
		r = tap_set_offload(fd, cd->offloads);
		if (r < 0) {
			snprintf(what, what_size, "TUNSETOFFLOAD 0x%x", cd->offloads);
			return r;
		}
	}
	if (owner != (uid_t)-1 && (r = tap_set_owner(fd, owner)) < 0) {
		snprintf(what, what_size, "TUNSETOWNER %u", (unsigned int)owner);
		return r;
	}
	if (cd->has_group && (r = tap_set_group(fd, cd->group)) < 0) {
		snprintf(what, what_size, "TUNSETGROUP %u", (unsigned int)cd->group);
		return r;
	}
	return 0;
}

/*
 * The devices nothing but tapqd keeps: in its link group from their
 * creation, so that a stop deletes them in one message (linkgroup.c). A
 * persistent device or one handed off by name stays.
 */
static bool device_in_link_group(const struct conf_device *cd)
{
	return !cd->persist && cd->handoff == CONF_HANDOFF_FD;
}

/*
 * Without a service manager tapqd deletes them at SIGTERM. Under one, only
 * when systemd stops the unit for good (fdlimit_unit_stopping()): a restart
 * takes them back from the fd store.
 */
bool device_deleted_at_stop(const struct tapqd *d, const struct conf_device *cd)
{
	return (!d->fdstore || d->store_discarded) && device_in_link_group(cd);
}

struct device *device_new(const struct conf_device *cd)
{
	struct device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->conf = *cd;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", cd->name);
	dev->tun_flags = device_tun_flags(cd);
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		dev->fds[i] = -1;
		dev->cpu[i] = -1;
	}
	dev->want_active = cd->active_queues == CONF_ACTIVE_ALL ? cd->max_queues : cd->active_queues;
	return dev;
}

/* Unleased, tapqd sets the device's tun settings and active set; a holder owns them otherwise. */
static int device_own_queues(struct device *dev, bool leased, char *what, size_t what_size)
{
	unsigned int failed;
	int r;

	if (leased)
		return 0;
	r = device_setup_tun(dev, what, what_size);
	if (r < 0)
		return r;
	r = device_set_active(dev, dev->want_active, &failed);
	if (r < 0)
		snprintf(what, what_size, "%s queue %u (TUNSETQUEUE)",
			 failed < dev->want_active ? "attaching" : "detaching", failed);
	return r;
}

/*
 * The ring (sized for every queue: the active set may grow to all of them;
 * an existing device keeps the one it has), the link settings, the cores.
 */
static int device_link_place(struct tapqd *d, struct device *dev, bool existing, char *what,
			     size_t what_size)
{
	const struct conf_device *cd = &dev->conf;
	int r;

	if (existing) {
		r = link_get_txqueuelen(d->nl, dev->ifindex, &dev->txqueuelen);
		if (r < 0) {
			snprintf(what, what_size, "reading its txqueuelen");
			return r;
		}
	} else {
		dev->txqueuelen = budget_ring(cd, cd->max_queues);
		r = link_set_noqueue(d->nl, dev->ifindex);
		if (r < 0) {
			snprintf(what, what_size, "setting a noqueue root qdisc");
			return r;
		}
	}
	r = link_configure(d->nl, dev->ifindex, cd, existing ? 0 : dev->txqueuelen,
			   device_in_link_group(cd) ? d->link_group : 0);
	if (r < 0) {
		if (cd->bridge[0] && r == -ENODEV)
			snprintf(what, what_size, "bridge %s not found", cd->bridge);
		else
			snprintf(what, what_size, "configuring the link (MTU, MAC, txqueuelen, up)");
		return r;
	}
	dev->link_up = true;
	r = topo_place(d, dev);
	if (r < 0)
		snprintf(what, what_size, "placing its queues on cores");
	return r;
}

/*
 * What a created and an adopted device both get from the config: link,
 * persistence, cores, ring. An adopted device keeps the ring it has, which
 * the budget may grow, or shrink only when nothing reads it: shrinking drops
 * queued packets.
 */
static int device_settle(struct tapqd *d, struct device *dev, bool adopted, bool leased,
			 char *what, size_t what_size)
{
	const struct conf_device *cd = &dev->conf;
	int r;

	dev->ifindex = link_ifindex(d->nl, cd->name);
	if (dev->ifindex < 0) {
		snprintf(what, what_size, "looking up its ifindex");
		return dev->ifindex;
	}
	r = device_own_queues(dev, leased, what, what_size);
	if (r < 0)
		return r;
	r = device_link_place(d, dev, adopted, what, what_size);
	if (r < 0)
		return r;
	/* Last, so that a failed creation leaves nothing behind. */
	if (cd->persist && (r = tap_set_persist(dev->fds[0], true)) < 0) {
		topo_unplace(d, dev);
		snprintf(what, what_size, "TUNSETPERSIST");
		return r;
	}
	return 0;
}

/*
 * A device handed off by name that exists already was left by an earlier
 * tapqd (it persists): taken over if it is a persistent tap its client can
 * open with the config's flags. Owner, group and vnet header stay as they
 * are: setting them needs a queue of the device, and opening one would take
 * a share of the traffic of whoever uses it now.
 */
static int device_take_over(struct tapqd *d, struct device *dev, char *what, size_t what_size)
{
	struct link_tun t;
	int r = link_get_tun(d->nl, dev->ifindex, &t);

	if (r < 0 && r != -ENOTTY) {
		snprintf(what, what_size, "reading its tun attributes (rtnetlink)");
		return r;
	}
	if (r == -ENOTTY || !t.tap || !t.persist ||
	    t.multi_queue != !!(dev->tun_flags & IFF_MULTI_QUEUE)) {
		snprintf(what, what_size,
			 "interface exists and is not a persistent %stap as the config describes: "
			 "left alone",
			 dev->tun_flags & IFF_MULTI_QUEUE ? "multiqueue " : "single-queue ");
		return -EEXIST;
	}
	log_info(d, "%s: exists, persistent, %u queues attached and %u detached outside tapqd: "
		    "taken over as it is (owner, group and vnet header unchanged)",
		 dev->conf.name, t.num_queues, t.num_disabled);
	return device_link_place(d, dev, true, what, what_size);
}

/*
 * Handoff by name: one queue is enough to create the device and set it up;
 * once it persists tapqd closes it, and the client opens the device by name
 * as many times as it wants queues. Persistence comes last, so that a
 * failure before it leaves nothing behind.
 */
static int device_create_by_name(struct tapqd *d, struct device *dev, char *what,
				 size_t what_size)
{
	int r;

	dev->ifindex = link_ifindex(d->nl, dev->conf.name);
	if (dev->ifindex > 0)
		return device_take_over(d, dev, what, what_size);
	r = tap_queue_open(dev->conf.name, dev->tun_flags);
	if (r < 0) {
		snprintf(what, what_size, "opening its first queue (TUNSETIFF)");
		return r;
	}
	dev->fds[0] = r;
	r = device_setup_tun(dev, what, what_size);
	if (r < 0)
		return r;
	dev->ifindex = link_ifindex(d->nl, dev->conf.name);
	if (dev->ifindex < 0) {
		snprintf(what, what_size, "looking up its ifindex");
		return dev->ifindex;
	}
	r = device_link_place(d, dev, false, what, what_size);
	if (r < 0)
		return r;
	r = tap_set_persist(dev->fds[0], true);
	if (r < 0) {
		topo_unplace(d, dev);
		snprintf(what, what_size, "TUNSETPERSIST");
		return r;
	}
	/* a close() never fails to release a tap queue: nothing to check */
	close(dev->fds[0]);
	dev->fds[0] = -1;
	return 0;
}

int device_create(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		  size_t what_size)
{
	bool by_name = cd->handoff == CONF_HANDOFF_NAME;
	struct device *dev;
	int r;

	dev = device_new(cd);
	if (!dev) {
		snprintf(what, what_size, "allocating the device");
		return -ENOMEM;
	}
	if (by_name) {
		r = device_create_by_name(d, dev, what, what_size);
		if (r < 0)
			goto fail;
		*ret = dev;
		return 0;
	}
	for (unsigned int i = 0; i < cd->max_queues; i++) {
		/*
		 * A plain TUNSETIFF would attach our queues to a foreign multiqueue
		 * tap of that name: the first one creates the device or fails
		 * (IFF_TUN_EXCL), with no window for another to take the name.
		 */
		r = tap_queue_open(cd->name, dev->tun_flags | (i == 0 ? IFF_TUN_EXCL : 0));
		if (r == -EBUSY && i == 0) {
			snprintf(what, what_size,
				 "interface exists and no fd of it came back from a service "
				 "manager's fd store (a client may still use it: left alone; "
				 "'ip link del %s' if not)",
				 cd->name);
			r = -EEXIST;
			goto fail;
		}
		if (r < 0) {
			snprintf(what, what_size, "opening queue %u (TUNSETIFF)", i);
			goto fail;
		}
		dev->fds[i] = r;
		dev->attached[i] = true;
	}
	r = device_settle(d, dev, false, false, what, what_size);
	if (r < 0)
		goto fail;
	*ret = dev;
	return 0;
fail:
	device_free(d, dev);
	return r;
}

/*
 * Queue i gets the fresh file fd in place of the old one, which is detached
 * and closed: the fresh one comes attached, so the one of the two that goes
 * detached is the one that keeps the active set as it was.
 */
static int device_swap_queue(struct device *dev, unsigned int i, int fd)
{
	int old = dev->fds[i], r;

	dev->tunsetqueue_calls++;
	r = tap_queue_set_attached(dev->attached[i] ? old : fd, false);
	if (r < 0)
		return r;
	dev->fds[i] = fd;
	close(old);
	return 0;
}

/* A file opened by name belongs to the interface that has the name now: ours, or not. */
static int device_open_fresh(struct device *dev, unsigned int i, char *what, size_t what_size)
{
	char name[IF_NAMESIZE];
	int fd = tap_queue_open(dev->ifname, dev->tun_flags), r;

	if (fd < 0) {
		snprintf(what, what_size, "opening a fresh queue %u (TUNSETIFF)", i);
		return fd;
	}
	r = tap_queue_name(fd, name, NULL);
	if (r == 0 && if_nametoindex(name) != (unsigned int)dev->ifindex)
		r = -ENODEV;
	if (r < 0) {
		snprintf(what, what_size, "fresh queue %u: not of ifindex %d (renamed meanwhile?)",
			 i, dev->ifindex);
		close(fd);
		return r;
	}
	return fd;
}

int device_renew_queues(struct tapqd *d, struct device *dev, unsigned int *ret_left, char *what,
			size_t what_size)
{
	unsigned int max = dev->conf.max_queues;
	struct link_tun t;
	int r = device_refresh(dev);

	if (r < 0) {
		snprintf(what, what_size, "reading its queue states (TUNGETIFF)");
		return r;
	}
	for (unsigned int i = 0; i < max; i++) {
		int fd = device_open_fresh(dev, i, what, what_size);

		if (fd < 0)
			return fd;
		r = device_swap_queue(dev, i, fd);
		if (r < 0) {
			snprintf(what, what_size, "detaching queue %u (TUNSETQUEUE)", i);
			close(fd);
			return r;
		}
	}
	r = device_setup_tun(dev, what, what_size);
	if (r < 0)
		return r;
	/* tapqd's copies are closed: what the kernel counts beyond its own is open elsewhere */
	r = link_get_tun(d->nl, dev->ifindex, &t);
	if (r < 0) {
		snprintf(what, what_size, "counting its queues (rtnetlink)");
		return r;
	}
	*ret_left = t.num_queues + t.num_disabled > max ? t.num_queues + t.num_disabled - max : 0;
	if (*ret_left) {
		snprintf(what, what_size, "%u of its old queue files are still open elsewhere",
			 *ret_left);
		return -EBUSY;
	}
	return 0;
}

int device_adopt(struct tapqd *d, struct device *dev, bool leased, char *what, size_t what_size)
{
	int r = device_refresh(dev);

	if (r < 0) {
		snprintf(what, what_size, "reading its queue states (TUNGETIFF)");
		return r;
	}
	return device_settle(d, dev, true, leased, what, what_size);
}

void device_free(struct tapqd *d, struct device *dev)
{
	worker_stop_all(d, dev);
	topo_unplace(d, dev);
	follow_free(dev->follow);
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++)
		if (dev->fds[i] >= 0)
			close(dev->fds[i]);
	free(dev);
}

int device_count_outside(struct tapqd *d, const struct device *dev, unsigned int *ret_attached,
			 unsigned int *ret_open)
{
	struct link_tun t;
	int r = link_get_tun(d->nl, dev->ifindex, &t);

	if (r < 0) {
		log_warn(d, "%s: counting the queues open outside tapqd (rtnetlink): %s",
			 dev->conf.name, strerror(-r));
		return r;
	}
	*ret_attached = t.num_queues;
	*ret_open = t.num_queues + t.num_disabled;
	return 0;
}

static const char *const device_state_names[] = {
	[DEVICE_CREATING] = "creating", [DEVICE_READY] = "ready",       [DEVICE_LEASED] = "leased",
	[DEVICE_WAITING] = "waiting",   [DEVICE_ORPHANED] = "orphaned", [DEVICE_BY_NAME] = "by-name",
	[DEVICE_REMOVING] = "removing",
};

const char *device_state_name(enum device_state state)
{
	return state < sizeof(device_state_names) / sizeof(device_state_names[0])
		       ? device_state_names[state]
		       : "?";
}

/* Which state may follow which: the one place that says so (device.h draws it). */
static bool device_transition_allowed(enum device_state from, enum device_state to)
{
	if (to == DEVICE_REMOVING)
		return from != DEVICE_REMOVING;
	switch (from) {
	case DEVICE_CREATING:
		return to != DEVICE_ORPHANED && to != DEVICE_CREATING;
	case DEVICE_READY:
		return to == DEVICE_LEASED;
	case DEVICE_LEASED:
		return to == DEVICE_READY;
	case DEVICE_WAITING:
		return to == DEVICE_LEASED || to == DEVICE_ORPHANED;
	case DEVICE_ORPHANED:
	case DEVICE_BY_NAME:
	case DEVICE_REMOVING:
		break;
	}
	return false;
}

int device_set_state(struct device *dev, enum device_state to)
{
	if (!device_transition_allowed(dev->state, to))
		return -EINVAL;
	dev->state = to;
	return 0;
}

bool device_has_queues(const struct device *dev)
{
	return dev->state == DEVICE_READY || dev->state == DEVICE_LEASED;
}

struct device *device_find_ifindex(struct tapqd *d, int ifindex)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->ifindex == ifindex)
			return dev;
	return NULL;
}

struct device *device_find_in(struct device_list *list, const char *name)
{
	struct device *dev;

	TAILQ_FOREACH(dev, list, entry)
		if (!strncmp(dev->conf.name, name, TAPQD_NAME_MAX))
			return dev;
	return NULL;
}

struct device *device_find(struct tapqd *d, const char *name)
{
	return device_find_in(&d->devices, name);
}

bool device_renamed(const struct device *dev)
{
	return strncmp(dev->ifname, dev->conf.name, sizeof(dev->ifname)) != 0;
}

/* Reads every queue's state from the kernel: a client may have changed it. */
int device_refresh(struct device *dev)
{
	for (unsigned int i = 0; i < dev->conf.max_queues; i++) {
		int r = tap_queue_attached(dev->fds[i]);

		if (r < 0)
			return r;
		dev->attached[i] = r;
	}
	return 0;
}

/*
 * Every TUNSETQUEUE tapqd issues goes through here, so that status can count
 * them and the monitor knows the notification each one sends while the link
 * is up (*count: the attached count, kept up to date).
 */
static int device_queue_set(struct device *dev, unsigned int i, bool attach, unsigned int *count)
{
	unsigned int before = *count;
	int r;

	dev->tunsetqueue_calls++;
	r = tap_queue_set_attached(dev->fds[i], attach);
	if (r < 0)
		return r;
	dev->attached[i] = attach;
	*count = attach ? before + 1 : before - 1;
	if (dev->link_up)
		expect_step(&dev->own, before, *count);
	return 0;
}

/* Attaches queues 0..n-1 first (a grow never drops below the old set), then detaches the rest. */
int device_set_active(struct device *dev, unsigned int n, unsigned int *ret_failed_queue)
{
	unsigned int count = device_active_count(dev);
	int r;

	for (unsigned int i = 0; i < n; i++) {
		if (!dev->attached[i] && (r = device_queue_set(dev, i, true, &count)) < 0) {
			*ret_failed_queue = i;
			return r;
		}
	}
	for (unsigned int i = dev->conf.max_queues; i-- > n;) {
		if (dev->attached[i] && (r = device_queue_set(dev, i, false, &count)) < 0) {
			*ret_failed_queue = i;
			return r;
		}
	}
	return 0;
}

unsigned int device_active_count(const struct device *dev)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < dev->conf.max_queues; i++)
		n += dev->attached[i];
	return n;
}
