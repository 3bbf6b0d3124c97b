// SPDX-License-Identifier: MIT
/*
 * linkgroup.c - the link group of the devices tapqd deletes at stop, and
 * the one RTM_DELLINK by group that deletes them all at once
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "link.h"
#include "linkgroup.h"
#include "log.h"
#include "worker.h"

/*
 * A number from the socket path, which names the tapqd instance
 * (instance.c): two tapqds of one namespace get two groups, a restarted one
 * the group of the one before. Bit 30 keeps it away from the small numbers
 * operators give groups in /etc/iproute2/group (0 is every interface's);
 * bit 31 clear, since ip(8) reads and prints a group as a signed int.
 */
void linkgroup_init(struct tapqd *d)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = "tapqd:"; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = d->conf.socket_path; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	d->link_group = (h & 0x7fffffffu) | 0x40000000u;
}

struct linkgroup_dev {
	struct device *dev;
	int ifindex;
	unsigned int queues; /* tapqd's own: a count above it means someone else holds one */
	bool member;
};

struct linkgroup_scan {
	struct tapqd *d;
	struct linkgroup_dev *del; /* sorted by ifindex */
	size_t n_del;
	int *keep; /* tapqd's members that must stay: out of the group before the delete */
	size_t n_keep;
	size_t n_devices; /* the room in del and keep */
	int foreign; /* the first member that is not tapqd's, 0 for none */
	size_t members;
};

static int linkgroup_cmp(const void *a, const void *b)
{
	const struct linkgroup_dev *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void linkgroup_on_member(void *arg, int ifindex, const struct link_tun *t)
{
	struct linkgroup_scan *s = arg;
	struct linkgroup_dev key = {.ifindex = ifindex}, *dev;

	dev = bsearch(&key, s->del, s->n_del, sizeof(key), linkgroup_cmp);
	if (dev && t->is_tun && t->num_queues + t->num_disabled == dev->queues) {
		dev->member = true;
		s->members++;
	} else if ((dev || device_find_ifindex(s->d, ifindex)) && s->n_keep < s->n_devices) {
		s->keep[s->n_keep++] = ifindex;
	} else if (!s->foreign) {
		s->foreign = ifindex;
	}
}

/* The devices to delete: unleased and tapqd's alone (device_deleted_at_stop). */
static size_t linkgroup_collect(struct tapqd *d, struct linkgroup_dev *del)
{
	struct device *dev;
	size_t n = 0;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->state == DEVICE_READY && device_deleted_at_stop(d, &dev->conf))
			del[n++] = (struct linkgroup_dev){.dev = dev, .ifindex = dev->ifindex,
							  .queues = dev->conf.max_queues};
	qsort(del, n, sizeof(*del), linkgroup_cmp);
	return n;
}

/*
 * Closing a device's last queue deletes it, with an RCU grace period each:
 * about 20 ms a device, one after another. RTM_DELLINK by group deletes
 * them all in one. It deletes whatever is in the group, so the members are
 * checked first: any interface that is not tapqd's, and the whole batch is
 * left to the closes. What stays (leased, persistent, or held elsewhere
 * too) leaves the group first. The race that remains: an interface put in
 * the group between the dump and the delete (by a process with
 * CAP_NET_ADMIN here that picks this very number) would be deleted too.
 */
void linkgroup_delete(struct tapqd *d)
{
	struct linkgroup_scan s = {.d = d};
	size_t n = 0;
	struct device *dev;
	int r;

	if ((d->fdstore && !d->store_discarded) || !d->link_group)
		return;
	TAILQ_FOREACH(dev, &d->devices, entry)
		n++;
	s.del = calloc(n ? n : 1, sizeof(*s.del));
	s.keep = calloc(n ? n : 1, sizeof(*s.keep));
	if (!s.del || !s.keep) {
		log_warn(d, "out of memory: deleting the devices one by one");
		goto out;
	}
	s.n_devices = n;
	s.n_del = linkgroup_collect(d, s.del);
	if (!s.n_del)
		goto out;
	r = link_group_members(d->nl, d->link_group, linkgroup_on_member, &s);
	if (r < 0) {
		log_warn(d, "listing link group %u: %s; deleting the devices one by one",
			 d->link_group, strerror(-r));
		goto out;
	}
	if (s.foreign) {
		log_warn(d, "link group %u holds ifindex %d, which is not tapqd's: deleting the "
			    "devices one by one",
			 d->link_group, s.foreign);
		goto out;
	}
	for (size_t i = 0; i < s.n_keep; i++) {
		r = link_set_group(d->nl, s.keep[i], 0);
		if (r < 0 && r != -ENODEV) {
			log_warn(d, "taking ifindex %d out of link group %u: %s; deleting the "
				    "devices one by one",
				 s.keep[i], d->link_group, strerror(-r));
			goto out;
		}
	}
	if (!s.members)
		goto out;
	/* a worker whose queue's device goes under it would log that as its failure */
	for (size_t i = 0; i < s.n_del; i++)
		if (s.del[i].member)
			worker_stop_all(d, s.del[i].dev);
	r = link_delete_group(d->nl, d->link_group);
	if (r < 0)
		log_warn(d, "deleting link group %u: %s; deleting the devices one by one",
			 d->link_group, strerror(-r));
	else
		log_info(d, "deleted %zu device%s in one message (link group %u)", s.members,
			 s.members == 1 ? "" : "s", d->link_group);
out:
	free(s.del);
	free(s.keep);
}
