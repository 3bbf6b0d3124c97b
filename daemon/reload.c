// SPDX-License-Identifier: MIT
/*
 * reload.c - SIGHUP and RELOAD: re-reads the config, refuses it whole or
 * applies only its difference, and keeps for the end of a lease whatever
 * would disturb the holder
 */

#include <errno.h>
#include <net/ethernet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "follow.h"
#include "link.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "tap.h"
#include "topo.h"
#include "worker.h"

/*
 * The one place a reload logs: one line per change, at info when applied,
 * at err with the reason when not. name is the device, NULL for [tapqd].
 */
static void __attribute__((format(printf, 4, 5)))
reload_note(const struct tapqd *d, const char *name, int r, const char *fmt, ...)
{
	char change[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(change, sizeof(change), fmt, ap);
	va_end(ap);
	if (r < 0)
		log_err(d, "%s: %s: %s", name ? name : "config", change, strerror(-r));
	else
		log_info(d, "%s: %s", name ? name : "config", change);
}

static const char *reload_active_name(unsigned int active, char *buf, size_t size)
{
	if (active == CONF_ACTIVE_ALL)
		return "all";
	snprintf(buf, size, "%u", active);
	return buf;
}

/* A queue fd's TUNSETIFF flags are fixed, and the kernel cannot unset an owner or a group. */
static bool reload_needs_new_fds(const struct conf_device *held, const struct conf_device *cd)
{
	return held->max_queues != cd->max_queues || held->vnet_hdr != cd->vnet_hdr ||
	       held->handoff != cd->handoff ||
	       (held->has_owner && !cd->has_owner) || (held->has_group && !cd->has_group);
}

/* Settings a holder such as QEMU makes itself on its fds, or that change its active set. */
static bool reload_holder_differs(const struct conf_device *held, const struct conf_device *cd)
{
	return held->active_queues != cd->active_queues ||
	       (cd->vnet_hdr &&
		(held->vnet_hdr_size != cd->vnet_hdr_size || held->offloads != cd->offloads));
}

/* Keeps in next what the lease holds, for the release. */
static void reload_keep_held(struct conf_device *next, const struct conf_device *held)
{
	next->max_queues = held->max_queues;
	next->handoff = held->handoff;
	next->active_queues = held->active_queues;
	next->vnet_hdr = held->vnet_hdr;
	next->vnet_hdr_size = held->vnet_hdr_size;
	next->offloads = held->offloads;
	if (!next->has_owner && held->has_owner) {
		next->has_owner = true;
		next->owner = held->owner;
	}
	if (!next->has_group && held->has_group) {
		next->has_group = true;
		next->group = held->group;
	}
}

/* One line per change that waits for the lease to end. */
static void reload_log_deferred(struct tapqd *d, const struct device *dev,
				const struct conf_device *cd)
{
	const struct conf_device *held = &dev->conf;
	const char *name = held->name;
	char a[12], b[12], when[64];

	snprintf(when, sizeof(when), "when the lease of pid %d ends", (int)dev->lease->pid);
	if (held->max_queues != cd->max_queues)
		reload_note(d, name, 0, "max_queues %u -> %u %s", held->max_queues, cd->max_queues,
			    when);
	if (held->vnet_hdr != cd->vnet_hdr)
		reload_note(d, name, 0, "vnet_hdr %s -> %s %s", held->vnet_hdr ? "yes" : "no",
			    cd->vnet_hdr ? "yes" : "no", when);
	if (held->handoff != cd->handoff)
		reload_note(d, name, 0, "handoff %s -> %s %s (the device is created again)",
			    conf_handoff_name(held->handoff), conf_handoff_name(cd->handoff), when);
	if (held->has_owner && !cd->has_owner)
		reload_note(d, name, 0, "owner %u removed %s (the device is created again)",
			    (unsigned int)held->owner, when);
	if (held->has_group && !cd->has_group)
		reload_note(d, name, 0, "group %u removed %s (the device is created again)",
			    (unsigned int)held->group, when);
	if (held->active_queues != cd->active_queues)
		reload_note(d, name, 0, "active_queues %s -> %s %s",
			    reload_active_name(held->active_queues, a, sizeof(a)),
			    reload_active_name(cd->active_queues, b, sizeof(b)), when);
	if (cd->vnet_hdr && held->vnet_hdr_size != cd->vnet_hdr_size)
		reload_note(d, name, 0, "vnet_hdr_size %u -> %u %s", held->vnet_hdr_size,
			    cd->vnet_hdr_size, when);
	if (cd->vnet_hdr && held->offloads != cd->offloads)
		reload_note(d, name, 0, "offloads 0x%x -> 0x%x %s", held->offloads, cd->offloads,
			    when);
}

/* Deletes a device on purpose; its subscribers hear of it first. */
static void reload_delete(struct tapqd *d, struct device *dev, const char *why)
{
	char name[TAPQD_NAME_MAX];

	memcpy(name, dev->conf.name, sizeof(name));
	ctl_send_event(d, dev, TAPQD_EVENT_DEVICE_REMOVED, 0);
	reload_note(d, name, device_delete(d, dev), "deleted: %s", why);
}

/* MTU, MAC, bridge through rtnetlink, each alone; a failed one keeps its old value in next. */
static void reload_link(struct tapqd *d, struct device *dev, struct conf_device *next)
{
	const struct conf_device *old = &dev->conf;
	const char *name = old->name;
	int r;

	if (old->mtu != next->mtu) {
		/* 0 is the kernel's default, which for a tap is Ethernet's */
		r = link_set_mtu(d->nl, dev->ifindex, next->mtu ? next->mtu : ETH_DATA_LEN);
		reload_note(d, name, r, "mtu %u -> %u", old->mtu ? old->mtu : ETH_DATA_LEN,
			    next->mtu ? next->mtu : ETH_DATA_LEN);
		if (r < 0)
			next->mtu = old->mtu;
	}
	if (next->has_mac && (!old->has_mac || memcmp(old->mac, next->mac, sizeof(next->mac)))) {
		const uint8_t *m = next->mac;

		r = link_set_mac(d->nl, dev->ifindex, m);
		reload_note(d, name, r, "mac %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			    m[4], m[5]);
		if (r < 0) {
			next->has_mac = old->has_mac;
			memcpy(next->mac, old->mac, sizeof(next->mac));
		}
	} else if (old->has_mac && !next->has_mac) {
		reload_note(d, name, 0, "mac no longer set: the device keeps the one it has");
	}
	if (strcmp(old->bridge, next->bridge)) {
		r = link_set_bridge(d->nl, dev->ifindex, next->bridge);
		reload_note(d, name, r, "bridge %s -> %s", old->bridge[0] ? old->bridge : "none",
			    next->bridge[0] ? next->bridge : "none");
		if (r < 0)
			memcpy(next->bridge, old->bridge, sizeof(next->bridge));
	}
}

/*
 * Owner, group, persistence: ioctls on the device (through our first queue,
 * as at creation), which a holder's fds do not notice.
 */
static void reload_tun(struct tapqd *d, struct device *dev, struct conf_device *next)
{
	const struct conf_device *old = &dev->conf;
	const char *name = old->name;
	int r;

	if (next->has_owner && (!old->has_owner || old->owner != next->owner)) {
		r = tap_set_owner(dev->fds[0], next->owner);
		reload_note(d, name, r, "owner %u (TUNSETOWNER)", (unsigned int)next->owner);
		if (r < 0) {
			next->has_owner = old->has_owner;
			next->owner = old->owner;
		}
	}
	if (next->has_group && (!old->has_group || old->group != next->group)) {
		r = tap_set_group(dev->fds[0], next->group);
		reload_note(d, name, r, "group %u (TUNSETGROUP)", (unsigned int)next->group);
		if (r < 0) {
			next->has_group = old->has_group;
			next->group = old->group;
		}
	}
	if (old->persist != next->persist) {
		r = tap_set_persist(dev->fds[0], next->persist);
		reload_note(d, name, r, "persist %s -> %s", old->persist ? "yes" : "no",
			    next->persist ? "yes" : "no");
		if (r < 0)
			next->persist = old->persist;
	}
}

/* What the holder sets up itself, applied only while there is none. */
static void reload_holder_settings(struct tapqd *d, struct device *dev, struct conf_device *next)
{
	const struct conf_device *old = &dev->conf;
	const char *name = old->name;
	unsigned int want, before, failed;
	char a[12], b[12];
	int r;

	if (next->vnet_hdr && old->vnet_hdr_size != next->vnet_hdr_size) {
		r = tap_set_vnet_hdr_size(dev->fds[0], (int)next->vnet_hdr_size);
		reload_note(d, name, r, "vnet_hdr_size %u -> %u", old->vnet_hdr_size,
			    next->vnet_hdr_size);
		if (r < 0)
			next->vnet_hdr_size = old->vnet_hdr_size;
	}
	if (next->vnet_hdr && old->offloads != next->offloads) {
		r = tap_set_offload(dev->fds[0], next->offloads);
		reload_note(d, name, r, "offloads 0x%x -> 0x%x", old->offloads, next->offloads);
		if (r < 0)
			next->offloads = old->offloads;
	}
	if (old->active_queues == next->active_queues)
		return;
	/* the config's count replaces whatever a RESIZE set since */
	want = next->active_queues == CONF_ACTIVE_ALL ? next->max_queues : next->active_queues;
	before = device_active_count(dev);
	r = device_set_active(dev, want, &failed);
	reload_note(d, name, r, "active_queues %s -> %s%s",
		    reload_active_name(old->active_queues, a, sizeof(a)),
		    reload_active_name(next->active_queues, b, sizeof(b)),
		    r < 0 ? ", TUNSETQUEUE" : "");
	if (r < 0) {
		next->active_queues = old->active_queues;
		return;
	}
	dev->want_active = want;
	if (device_active_count(dev) != before)
		ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
}

static bool reload_acl_equal(const struct conf_device *a, const struct conf_device *b)
{
	return a->n_allow_users == b->n_allow_users && a->n_allow_groups == b->n_allow_groups &&
	       !memcmp(a->allow_users, b->allow_users, sizeof(uid_t) * a->n_allow_users) &&
	       !memcmp(a->allow_groups, b->allow_groups, sizeof(gid_t) * a->n_allow_groups);
}

/* Settings only tapqd reads: they take effect by being in dev->conf. */
static void reload_policy(struct tapqd *d, const struct device *dev, const struct conf_device *next)
{
	const struct conf_device *old = &dev->conf;

	if (!reload_acl_equal(old, next))
		reload_note(d, old->name, 0, "allow lists: %zu users, %zu groups%s",
			    next->n_allow_users, next->n_allow_groups,
			    dev->lease ? " (for the next ACQUIRE; the current lease stays)" : "");
	if (old->backend != next->backend)
		reload_note(d, old->name, 0, "backend %s -> %s", conf_backend_name(old->backend),
			    conf_backend_name(next->backend));
}

/*
 * The ring follows txqueuelen, queue_memory and the MTU; budget_update() logs
 * what it sets. A leased device keeps its ring until the release, larger or
 * smaller: the kernel resizes a ring with the device's qdisc deactivated, and
 * what is sent meanwhile is dropped (one ping in 2 ms, with pfifo_fast).
 */
static void reload_ring(struct tapqd *d, struct device *dev, const struct conf_device *old)
{
	unsigned int ring = dev->txqueuelen, pending = dev->txqueuelen_pending, want;
	const struct conf_device *cd = &dev->conf;
	bool budget_changed =
	    old->txqueuelen != cd->txqueuelen || old->queue_memory != cd->queue_memory;

	if (!budget_changed && old->mtu == cd->mtu)
		return;
	if (dev->lease) {
		want = budget_ring(cd, device_active_count(dev));
		dev->txqueuelen_pending = want == ring ? 0 : want;
		if (want != ring)
			reload_note(d, cd->name, 0,
				    "ring %u -> %u packets when the lease of pid %d ends (resizing "
				    "drops packets)",
				    ring, want, (int)dev->lease->pid);
		return;
	}
	/* a worker may have packets queued: only an unread ring shrinks, as for a resize */
	budget_update(d, dev, false);
	if (budget_changed && dev->txqueuelen == ring && dev->txqueuelen_pending == pending)
		reload_note(d, cd->name, 0,
			    "txqueuelen %u, queue_memory %llu: ring stays at %u packets",
			    cd->txqueuelen, (unsigned long long)cd->queue_memory, ring);
}

/* Anything of a device handed off by name but its link settings: set up at creation only. */
static bool reload_by_name_recreates(const struct conf_device *old, const struct conf_device *cd)
{
	return old->handoff != cd->handoff || old->max_queues != cd->max_queues ||
	       old->vnet_hdr != cd->vnet_hdr || old->vnet_hdr_size != cd->vnet_hdr_size ||
	       old->offloads != cd->offloads || old->has_owner != cd->has_owner ||
	       old->owner != cd->owner || old->has_group != cd->has_group ||
	       old->group != cd->group || old->txqueuelen != cd->txqueuelen ||
	       old->queue_memory != cd->queue_memory;
}

/*
 * Queues of a device handed off by name that are open outside tapqd, from
 * the kernel's counts. Return: their number, or -errno.
 */
static int reload_by_name_held(struct tapqd *d, struct device *dev)
{
	int r = device_count_outside(d, dev);

	if (r < 0) {
		reload_note(d, dev->conf.name, r, "counting its queues (rtnetlink)");
		return r;
	}
	return (int)(dev->outside_attached + dev->outside_detached);
}

/*
 * A device handed off by name, or one that was: tapqd has no queue of it to
 * change anything through. Its link settings (MTU, MAC, bridge) apply now;
 * anything else needs the device created again, which happens only while no
 * queue is open (the client holds it otherwise, and deleting it would cut a
 * VM off): until then the change waits, and the next reload, or the device
 * deleted from outside, applies it.
 * Return: false when the device was deleted.
 */
static bool reload_by_name(struct tapqd *d, struct device *dev, const struct conf_device *cd)
{
	struct conf_device next = dev->conf;
	int held;

	dev->reconf_pending = false;
	dev->remove_pending = false;
	if (reload_by_name_recreates(&dev->conf, cd)) {
		held = reload_by_name_held(d, dev);
		if (held == 0) {
			reload_delete(d, dev, "its setup changes (handoff, queues, vnet header, "
					      "owner, group or ring) and no queue is open: created "
					      "again");
			return false;
		}
		if (held > 0)
			reload_note(d, cd->name, 0,
				    "changes other than mtu, mac and bridge wait: %d queues are "
				    "open outside tapqd (reload again once they are closed)",
				    held);
		dev->next_conf = *cd;
		dev->reconf_pending = true;
	}
	next.mtu = cd->mtu;
	next.has_mac = cd->has_mac;
	memcpy(next.mac, cd->mac, sizeof(next.mac));
	memcpy(next.bridge, cd->bridge, sizeof(next.bridge));
	reload_link(d, dev, &next);
	if (!dev->reconf_pending) {
		/* nothing else differs that tapqd acts on: lines, persist */
		dev->conf = *cd;
		dev->conf.mtu = next.mtu;
		dev->conf.has_mac = next.has_mac;
		memcpy(dev->conf.mac, next.mac, sizeof(next.mac));
		memcpy(dev->conf.bridge, next.bridge, sizeof(next.bridge));
	} else {
		dev->conf = next;
	}
	return true;
}

/* Gone from the config: the interface goes only once nobody has a queue of it open. */
static void reload_by_name_remove(struct tapqd *d, struct device *dev)
{
	int held = reload_by_name_held(d, dev);

	if (held == 0) {
		reload_delete(d, dev, "removed from the config, no queue open");
		return;
	}
	if (held > 0 && !dev->remove_pending)
		reload_note(d, dev->conf.name, 0,
			    "removed from the config: %d queues are open outside tapqd: kept "
			    "(deleted by a reload once they are closed)",
			    held);
	dev->remove_pending = true;
	dev->reconf_pending = false;
}

/*
 * Applies one device's new config. Unleased, everything applies now, and a
 * change of fds means the device is deleted here and created again with the
 * new devices. Leased, what the holder has is kept in dev->conf and the new
 * config waits in next_conf for the release.
 * Return: false when the device was deleted.
 */
static bool reload_device(struct tapqd *d, struct device *dev, const struct conf_device *cd)
{
	struct conf_device next = *cd, old = dev->conf;
	bool was_pending = dev->reconf_pending;

	if (old.handoff == CONF_HANDOFF_NAME)
		return reload_by_name(d, dev, cd);
	if (dev->remove_pending) {
		dev->remove_pending = false;
		reload_note(d, cd->name, 0, "back in the config: stays after the lease");
	}
	dev->reconf_pending = false;
	if (!dev->lease && reload_needs_new_fds(&dev->conf, cd)) {
		reload_delete(d, dev,
			      "its queues change (max_queues, vnet_hdr, owner or group): "
			      "created again");
		return false;
	}
	if (dev->lease &&
	    (reload_needs_new_fds(&dev->conf, cd) || reload_holder_differs(&dev->conf, cd))) {
		reload_log_deferred(d, dev, cd);
		dev->next_conf = *cd;
		dev->reconf_pending = true;
		reload_keep_held(&next, &dev->conf);
	} else if (was_pending) {
		reload_note(d, cd->name, 0, "nothing waits for the lease any more");
	}
	/* workers keep their header length and mode from their start: they start again */
	if (!dev->lease &&
	    (dev->conf.backend != next.backend || dev->conf.vnet_hdr_size != next.vnet_hdr_size))
		worker_stop_all(d, dev);
	reload_link(d, dev, &next);
	reload_tun(d, dev, &next);
	if (!dev->lease)
		reload_holder_settings(d, dev, &next);
	reload_policy(d, dev, &next);
	dev->conf = next;
	reload_ring(d, dev, &old);
	follow_update(d, dev);
	return true;
}

/* Queue placement from scratch, in list order, as at start-up; workers follow. */
static void reload_place_all(struct tapqd *d)
{
	struct device *dev;

	memset(d->cpu_load, 0, sizeof(d->cpu_load));
	TAILQ_FOREACH(dev, &d->devices, entry)
	{
		int before[TAPQD_MAX_QUEUES];
		size_t n = dev->conf.max_queues * sizeof(int);
		int r;

		memcpy(before, dev->cpu, n);
		r = topo_place(d, dev);
		/* its old cores may be outside the new cpus, and are in no load count now */
		if (r < 0)
			for (unsigned int q = 0; q < dev->conf.max_queues; q++)
				dev->cpu[q] = -1;
		if (r < 0 || memcmp(before, dev->cpu, n)) {
			char cpus[160] = "";
			size_t o = 0;

			for (unsigned int q = 0; q < dev->conf.max_queues && o < sizeof(cpus); q++)
				o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%d",
						      q ? "," : "", dev->cpu[q]);
			reload_note(d, dev->conf.name, r, "queues placed again: cpus %s", cpus);
		}
		worker_sync(d, dev);
	}
}

static void reload_devices(struct tapqd *d)
{
	struct device *dev, *next;

	for (dev = TAILQ_FIRST(&d->devices); dev; dev = next) {
		const struct conf_device *cd = conf_find_device(&d->conf, dev->conf.name);

		next = TAILQ_NEXT(dev, entry);
		if (cd) {
			reload_device(d, dev, cd);
		} else if (dev->conf.handoff == CONF_HANDOFF_NAME) {
			reload_by_name_remove(d, dev);
		} else if (!dev->lease && !dev->waiting) {
			reload_delete(d, dev, "removed from the config");
		} else if (!dev->remove_pending) {
			dev->remove_pending = true;
			dev->reconf_pending = false;
			reload_note(
			    d, dev->conf.name, 0,
			    "removed from the config: deleted when the lease of pid %d ends",
			    (int)dev->lease->pid);
		}
	}
	reload_place_all(d);
	/* new devices, and those deleted above to be created again with their new queues */
	for (size_t i = 0; i < d->conf.n_devices; i++) {
		if (device_find(d, d->conf.devices[i].name))
			continue;
		dev = device_add(d, &d->conf.devices[i]);
		if (dev) {
			worker_sync(d, dev);
			ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
		}
	}
}

/* The socket exists already: its mode and group can change, its path only at the next start. */
static void reload_socket(struct tapqd *d, const struct conf *prev)
{
	struct conf *c = &d->conf;
	int r;

	if (strcmp(prev->socket_path, c->socket_path)) {
		reload_note(d, NULL, 0,
			    "socket %s: applies at the next start; still listening on %s",
			    c->socket_path, prev->socket_path);
		memcpy(c->socket_path, prev->socket_path, sizeof(c->socket_path));
	}
	if (prev->socket_mode == c->socket_mode && prev->has_socket_group == c->has_socket_group &&
	    prev->socket_group == c->socket_group)
		return;
	if (!d->listen_path[0]) {
		reload_note(d, NULL, 0,
			    "socket_mode, socket_group: the socket is the service "
			    "manager's; its socket unit sets them");
		goto keep;
	}
	if (prev->socket_mode != c->socket_mode) {
		r = chmod(d->listen_path, c->socket_mode) < 0 ? -errno : 0;
		reload_note(d, NULL, r, "socket_mode %04o -> %04o", prev->socket_mode,
			    c->socket_mode);
		if (r < 0)
			goto keep;
	}
	if (prev->has_socket_group != c->has_socket_group ||
	    prev->socket_group != c->socket_group) {
		/* no socket_group: the group tapqd runs as, as when it created the socket */
		gid_t gid = c->has_socket_group ? c->socket_group : getegid();

		r = chown(d->listen_path, (uid_t)-1, gid) < 0 ? -errno : 0;
		reload_note(d, NULL, r, "socket_group %u", (unsigned int)gid);
		if (r < 0)
			goto keep;
	}
	return;
keep:
	c->socket_mode = prev->socket_mode;
	c->has_socket_group = prev->has_socket_group;
	c->socket_group = prev->socket_group;
}

static void reload_globals(struct tapqd *d, const struct conf *prev)
{
	const struct conf *c = &d->conf;

	reload_socket(d, prev);
	if (prev->log_level != c->log_level) {
		d->log_level = (int)c->log_level;
		reload_note(d, NULL, 0, "log_level %s -> %s", conf_log_level_name(prev->log_level),
			    conf_log_level_name(c->log_level));
	}
	if (prev->cpus_all != c->cpus_all || memcmp(prev->cpus, c->cpus, sizeof(c->cpus)))
		reload_note(d, NULL, 0, "cpus changed: queues are placed again");
	if (prev->placement != c->placement)
		reload_note(d, NULL, 0, "placement %s -> %s: queues are placed again",
			    conf_placement_name(prev->placement),
			    conf_placement_name(c->placement));
	if (prev->resize_timeout_ms != c->resize_timeout_ms)
		reload_note(d, NULL, 0, "resize_timeout %u -> %u ms", prev->resize_timeout_ms,
			    c->resize_timeout_ms);
}

/*
 * Takes next as the running config if this machine can run it: the
 * topology (cpus =) is checked, and loaded again, only here.
 */
static int reload_adopt(struct tapqd *d, const struct conf *next, struct conf *prev)
{
	char what[512] = "";
	int r;

	*prev = d->conf;
	d->conf = *next;
	r = topo_init(d, what, sizeof(what));
	if (r == 0)
		return 0;
	d->conf = *prev;
	if (r == -EINVAL)
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: %s", d->conf_path, what);
	else
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: %s: %s", d->conf_path, what,
			 strerror(-r));
	return r;
}

int reload_run(struct tapqd *d)
{
	struct conf *next = malloc(sizeof(*next)), *prev = malloc(sizeof(*prev));
	struct conf_error err;
	int r;

	notify_reloading(d);
	log_info(d, "reloading %s", d->conf_path);
	if (!next || !prev) {
		r = -ENOMEM;
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: out of memory", d->conf_path);
		goto refused;
	}
	r = conf_load_file(d->conf_path, &conf_lookup_system, next, &err);
	if (r < 0) {
		conf_error_format(&err, d->conf_error, sizeof(d->conf_error));
		goto refused;
	}
	r = reload_adopt(d, next, prev);
	if (r < 0)
		goto refused;
	d->conf_error[0] = '\0';
	reload_globals(d, prev);
	reload_devices(d);
	log_info(d, "reloaded %s: %zu devices declared", d->conf_path, d->conf.n_devices);
	goto out;
refused:
	log_err(d, "reload refused, the previous configuration stays: %s", d->conf_error);
out:
	free(next);
	free(prev);
	notify_ready(d);
	return r;
}

bool reload_released(struct tapqd *d, struct device *dev)
{
	struct conf_device cd;

	if (dev->remove_pending) {
		reload_delete(d, dev, "its lease ended, and the config no longer has it");
		return true;
	}
	if (!dev->reconf_pending)
		return false;
	cd = dev->next_conf;
	reload_note(d, cd.name, 0, "its lease ended: applying the config of the last reload");
	if (reload_device(d, dev, &cd))
		return false;
	dev = device_add(d, &cd);
	if (dev) {
		worker_sync(d, dev);
		ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
	}
	return true;
}
