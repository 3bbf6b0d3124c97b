// SPDX-License-Identifier: MIT
/*
 * reload_plan.c - the decision half of a reload: for each running device,
 * what changes now, what waits for the end of a lease (or for the queues a
 * client opened by name to close), what is deleted, created again or
 * forgotten; and the words the daemon logs all that with
 */

#include <errno.h>
#include <net/ethernet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reload_plan.h"

#define PLAN_N_CHANGES 21 /* bits of enum plan_change */
#define PLAN_VALUE_MAX (CONF_PATH_MAX + 8)

typedef void plan_value_fn(const struct conf_device *cd, char *buf, size_t size);

static void plan_value_max_queues(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%u", cd->max_queues);
}

static void plan_value_active_queues(const struct conf_device *cd, char *buf, size_t size)
{
	if (cd->active_queues == CONF_ACTIVE_ALL)
		snprintf(buf, size, "all");
	else
		snprintf(buf, size, "%u", cd->active_queues);
}

static void plan_value_vnet_hdr(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%s", cd->vnet_hdr ? "yes" : "no");
}

static void plan_value_vnet_hdr_size(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%u", cd->vnet_hdr_size);
}

static void plan_value_offloads(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "0x%x", cd->offloads);
}

static void plan_value_mtu(const struct conf_device *cd, char *buf, size_t size)
{
	/* 0 is the kernel's default, which for a tap is Ethernet's */
	snprintf(buf, size, "%u", cd->mtu ? cd->mtu : ETH_DATA_LEN);
}

static void plan_value_mac(const struct conf_device *cd, char *buf, size_t size)
{
	const uint8_t *m = cd->mac;

	if (!cd->has_mac)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			 m[5]);
}

static void plan_value_bridge(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", CONF_NAME_MAX, cd->bridge[0] ? cd->bridge : "none");
}

static void plan_value_owner(const struct conf_device *cd, char *buf, size_t size)
{
	if (cd->has_owner)
		snprintf(buf, size, "%u", (unsigned int)cd->owner);
	else
		snprintf(buf, size, "none");
}

static void plan_value_group(const struct conf_device *cd, char *buf, size_t size)
{
	if (cd->has_group)
		snprintf(buf, size, "%u", (unsigned int)cd->group);
	else
		snprintf(buf, size, "none");
}

static void plan_value_persist(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%s", cd->persist ? "yes" : "no");
}

static void plan_value_txqueuelen(const struct conf_device *cd, char *buf, size_t size)
{
	/* unset, queue_memory sizes the ring */
	if (cd->txqueuelen)
		snprintf(buf, size, "%u", cd->txqueuelen);
	else
		snprintf(buf, size, "unset");
}

static void plan_value_queue_memory(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%llu", (unsigned long long)cd->queue_memory);
}

static void plan_value_allow(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%zu users, %zu groups", cd->n_allow_users, cd->n_allow_groups);
}

static void plan_value_backend(const struct conf_device *cd, char *buf, size_t size)
{
	const char *name = conf_backend_name(cd->backend);

	snprintf(buf, size, "%s", name ? name : "?");
}

static void plan_value_follow(const struct conf_device *cd, char *buf, size_t size)
{
	if (cd->follow_qmp[0])
		snprintf(buf, size, "qmp:%.*s", CONF_PATH_MAX, cd->follow_qmp);
	else
		snprintf(buf, size, "none");
}

static void plan_value_pin(const struct conf_device *cd, char *buf, size_t size)
{
	snprintf(buf, size, "%s", cd->pin_client_threads ? "yes" : "no");
}

static void plan_value_handoff(const struct conf_device *cd, char *buf, size_t size)
{
	const char *name = conf_handoff_name(cd->handoff);

	snprintf(buf, size, "%s", name ? name : "?");
}

/* The one table of the changes' names: entry i is bit 1 << i of enum plan_change. */
static const struct {
	const char *key;
	plan_value_fn *value;
} plan_changes[PLAN_N_CHANGES] = {
	{"max_queues", plan_value_max_queues},
	{"vnet_hdr", plan_value_vnet_hdr},
	{"handoff", plan_value_handoff},
	{"owner", plan_value_owner},
	{"group", plan_value_group},
	{"active_queues", plan_value_active_queues},
	{"vnet_hdr_size", plan_value_vnet_hdr_size},
	{"offloads", plan_value_offloads},
	{"mtu", plan_value_mtu},
	{"mac", plan_value_mac},
	{"mac", plan_value_mac},
	{"bridge", plan_value_bridge},
	{"owner", plan_value_owner},
	{"group", plan_value_group},
	{"persist", plan_value_persist},
	{"txqueuelen", plan_value_txqueuelen},
	{"queue_memory", plan_value_queue_memory},
	{"allow lists", plan_value_allow},
	{"backend", plan_value_backend},
	{"follow", plan_value_follow},
	{"pin_client_threads", plan_value_pin},
};
_Static_assert(PLAN_CH_PIN == 1u << (PLAN_N_CHANGES - 1), "one plan_changes entry per bit");

/* Counts beyond the arrays (a config that skipped validation) compare what the arrays hold. */
static bool plan_acl_equal(const struct conf_device *a, const struct conf_device *b)
{
	size_t users = a->n_allow_users < CONF_MAX_ACL ? a->n_allow_users : CONF_MAX_ACL;
	size_t groups = a->n_allow_groups < CONF_MAX_ACL ? a->n_allow_groups : CONF_MAX_ACL;

	return a->n_allow_users == b->n_allow_users && a->n_allow_groups == b->n_allow_groups &&
	       !memcmp(a->allow_users, b->allow_users, sizeof(uid_t) * users) &&
	       !memcmp(a->allow_groups, b->allow_groups, sizeof(gid_t) * groups);
}

/* Every setting tapqd acts on that differs from run to next, as enum plan_change bits. */
static unsigned int plan_diff(const struct conf_device *run, const struct conf_device *next)
{
	unsigned int ch = 0;

#define PLAN_DIFF(cond, bit)                                                                       \
	do {                                                                                       \
		if (cond)                                                                          \
			ch |= (bit);                                                               \
	} while (0)
	PLAN_DIFF(run->max_queues != next->max_queues, PLAN_CH_MAX_QUEUES);
	PLAN_DIFF(run->vnet_hdr != next->vnet_hdr, PLAN_CH_VNET_HDR);
	PLAN_DIFF(run->handoff != next->handoff, PLAN_CH_HANDOFF);
	PLAN_DIFF(run->has_owner && !next->has_owner, PLAN_CH_OWNER_REMOVED);
	PLAN_DIFF(run->has_group && !next->has_group, PLAN_CH_GROUP_REMOVED);
	PLAN_DIFF(run->active_queues != next->active_queues, PLAN_CH_ACTIVE_QUEUES);
	/* without a header there is no size or offload to set: the fds change anyway */
	PLAN_DIFF(next->vnet_hdr && run->vnet_hdr_size != next->vnet_hdr_size,
		  PLAN_CH_VNET_HDR_SIZE);
	PLAN_DIFF(next->vnet_hdr && run->offloads != next->offloads, PLAN_CH_OFFLOADS);
	PLAN_DIFF(run->mtu != next->mtu, PLAN_CH_MTU);
	PLAN_DIFF(next->has_mac && (!run->has_mac || memcmp(run->mac, next->mac, sizeof(run->mac))),
		  PLAN_CH_MAC);
	PLAN_DIFF(run->has_mac && !next->has_mac, PLAN_CH_MAC_UNSET);
	PLAN_DIFF(strncmp(run->bridge, next->bridge, CONF_NAME_MAX), PLAN_CH_BRIDGE);
	PLAN_DIFF(next->has_owner && (!run->has_owner || run->owner != next->owner),
		  PLAN_CH_OWNER);
	PLAN_DIFF(next->has_group && (!run->has_group || run->group != next->group),
		  PLAN_CH_GROUP);
	PLAN_DIFF(run->persist != next->persist, PLAN_CH_PERSIST);
	PLAN_DIFF(run->txqueuelen != next->txqueuelen, PLAN_CH_TXQUEUELEN);
	PLAN_DIFF(run->queue_memory != next->queue_memory, PLAN_CH_QUEUE_MEMORY);
	PLAN_DIFF(!plan_acl_equal(run, next), PLAN_CH_ALLOW);
	PLAN_DIFF(run->backend != next->backend, PLAN_CH_BACKEND);
	PLAN_DIFF(strncmp(run->follow_qmp, next->follow_qmp, CONF_PATH_MAX), PLAN_CH_FOLLOW);
	PLAN_DIFF(run->pin_client_threads != next->pin_client_threads, PLAN_CH_PIN);
#undef PLAN_DIFF
	return ch;
}

#define PLAN_FIELD(bits, field)                                                                    \
	{(bits), offsetof(struct conf_device, field), sizeof(((struct conf_device *)0)->field)}

/* Which fields of a device each change covers: what a change that does not happen leaves. */
static const struct {
	unsigned int bits;
	size_t offset, size;
} plan_fields[] = {
	PLAN_FIELD(PLAN_CH_MAX_QUEUES, max_queues),
	PLAN_FIELD(PLAN_CH_VNET_HDR, vnet_hdr),
	/* the header's size and offloads go with the header */
	PLAN_FIELD(PLAN_CH_VNET_HDR | PLAN_CH_VNET_HDR_SIZE, vnet_hdr_size),
	PLAN_FIELD(PLAN_CH_VNET_HDR | PLAN_CH_OFFLOADS, offloads),
	PLAN_FIELD(PLAN_CH_HANDOFF, handoff),
	PLAN_FIELD(PLAN_CH_OWNER | PLAN_CH_OWNER_REMOVED, has_owner),
	PLAN_FIELD(PLAN_CH_OWNER | PLAN_CH_OWNER_REMOVED, owner),
	PLAN_FIELD(PLAN_CH_GROUP | PLAN_CH_GROUP_REMOVED, has_group),
	PLAN_FIELD(PLAN_CH_GROUP | PLAN_CH_GROUP_REMOVED, group),
	PLAN_FIELD(PLAN_CH_ACTIVE_QUEUES, active_queues),
	PLAN_FIELD(PLAN_CH_MTU, mtu),
	PLAN_FIELD(PLAN_CH_MAC | PLAN_CH_MAC_UNSET, has_mac),
	PLAN_FIELD(PLAN_CH_MAC | PLAN_CH_MAC_UNSET, mac),
	PLAN_FIELD(PLAN_CH_BRIDGE, bridge),
	PLAN_FIELD(PLAN_CH_PERSIST, persist),
	PLAN_FIELD(PLAN_CH_TXQUEUELEN, txqueuelen),
	PLAN_FIELD(PLAN_CH_QUEUE_MEMORY, queue_memory),
	PLAN_FIELD(PLAN_CH_ALLOW, n_allow_users),
	PLAN_FIELD(PLAN_CH_ALLOW, allow_users),
	PLAN_FIELD(PLAN_CH_ALLOW, n_allow_groups),
	PLAN_FIELD(PLAN_CH_ALLOW, allow_groups),
	PLAN_FIELD(PLAN_CH_BACKEND, backend),
	PLAN_FIELD(PLAN_CH_FOLLOW, follow_qmp),
	PLAN_FIELD(PLAN_CH_PIN, pin_client_threads),
};

void plan_keep(struct conf_device *conf, const struct conf_device *from, unsigned int changes)
{
	for (size_t i = 0; i < sizeof(plan_fields) / sizeof(plan_fields[0]); i++)
		if (changes & plan_fields[i].bits)
			memcpy((char *)conf + plan_fields[i].offset,
			       (const char *)from + plan_fields[i].offset, plan_fields[i].size);
}

/*
 * tapqd holds every queue: everything applies now, and new fds mean the
 * device is deleted and created again.
 */
static void plan_ready(struct plan_action *a, unsigned int diff)
{
	a->now = diff;
	if (diff & PLAN_CH_NEW_FDS) {
		a->kind = PLAN_RECREATE;
		return;
	}
	a->place = true;
	a->ring = diff & PLAN_CH_RING ? PLAN_RING_NOW : PLAN_RING_SAME;
}

/*
 * What the holder has is never changed: its fds' flags, what it sets on
 * them itself, its active set. The rest reaches the device without the
 * holder noticing, but its ring, whose resize drops packets.
 */
static void plan_leased(struct plan_action *a, unsigned int diff)
{
	a->later = diff & (PLAN_CH_NEW_FDS | PLAN_CH_HOLDER);
	a->now = diff & ~a->later;
	a->place = true;
	a->ring = a->now & PLAN_CH_RING ? PLAN_RING_AT_LEASE_END : PLAN_RING_SAME;
}

/*
 * Handed off by name, tapqd has no queue to change anything through but
 * the link. The rest is set up at creation only, and deleting the device
 * while its client has a queue open would cut a VM off: it waits until no
 * queue is open, -1 (not counted) included.
 */
static void plan_by_name(struct plan_action *a, unsigned int diff)
{
	a->now = diff & PLAN_CH_LINK;
	if (!(diff & PLAN_CH_BY_NAME_SETUP)) {
		/* the others (active_queues, persist, follow...) are taken as they are */
		a->place = true;
		return;
	}
	if (a->queues_open == 0) {
		a->now = diff;
		a->kind = PLAN_RECREATE;
		return;
	}
	a->later = diff & ~PLAN_CH_LINK;
	a->place = true;
}

static void plan_removed(const struct plan_device_in *in, struct plan_action *a)
{
	switch (in->state) {
	case PLAN_READY:
		a->kind = PLAN_REMOVE;
		return;
	case PLAN_LEASED:
	case PLAN_WAITING:
		/* its link stays: a waiting one's holder may still carry a VM with its fds */
		a->kind = PLAN_REMOVE_AT_LEASE_END;
		a->place = in->state == PLAN_LEASED;
		break;
	case PLAN_ORPHANED:
		/* its interface goes with the fds the holder left, and nothing creates it again */
		a->kind = PLAN_FORGET;
		return;
	case PLAN_BY_NAME:
		if (in->queues_open == 0) {
			a->kind = PLAN_REMOVE;
			return;
		}
		a->kind = PLAN_REMOVE_LATER;
		a->place = true;
		break;
	}
	if (in->removal_pending)
		a->flags |= PLAN_F_STILL_REMOVED;
}

int reload_plan_device(const struct plan_device_in *in, const struct conf_device *next,
		       struct plan_action *ret)
{
	const struct conf_device *run = in->running;
	unsigned int diff;

	if (!run || (unsigned int)in->state > PLAN_BY_NAME ||
	    (in->state == PLAN_BY_NAME) != (run->handoff == CONF_HANDOFF_NAME))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->state = in->state;
	ret->queues_open = in->queues_open;
	ret->running = run;
	ret->next = next;
	ret->conf = *run;
	if (!next) {
		plan_removed(in, ret);
		return 0;
	}
	diff = plan_diff(run, next);
	switch (in->state) {
	case PLAN_READY:
		plan_ready(ret, diff);
		break;
	case PLAN_LEASED:
		plan_leased(ret, diff);
		break;
	case PLAN_WAITING:
	case PLAN_ORPHANED:
		/* no fd of it: no ioctl, no link change, no placement; all waits */
		ret->later = diff;
		break;
	case PLAN_BY_NAME:
		plan_by_name(ret, diff);
		break;
	}
	if (in->removal_pending)
		ret->flags |= PLAN_F_BACK_IN_CONFIG;
	ret->conf = *next;
	if (ret->kind == PLAN_RECREATE)
		return 0;
	plan_keep(&ret->conf, run, ret->later);
	if (in->pending && !ret->later)
		ret->flags |= PLAN_F_NOTHING_WAITS;
	ret->kind = ret->later ? PLAN_DEFER : ret->now ? PLAN_APPLY : PLAN_NOTHING;
	return 0;
}

static unsigned int plan_globals(const struct conf *old, const struct conf *next)
{
	unsigned int g = 0;

	if (strncmp(old->socket_path, next->socket_path, sizeof(old->socket_path)))
		g |= PLAN_G_SOCKET_PATH;
	if (old->socket_mode != next->socket_mode)
		g |= PLAN_G_SOCKET_MODE;
	if (old->has_socket_group != next->has_socket_group ||
	    (next->has_socket_group && old->socket_group != next->socket_group))
		g |= PLAN_G_SOCKET_GROUP;
	if (old->log_level != next->log_level)
		g |= PLAN_G_LOG_LEVEL;
	/* with cpus = all the list is not read */
	if (old->cpus_all != next->cpus_all ||
	    (!next->cpus_all && memcmp(old->cpus, next->cpus, sizeof(old->cpus))))
		g |= PLAN_G_CPUS;
	if (old->placement != next->placement)
		g |= PLAN_G_PLACEMENT;
	if (old->resize_timeout_ms != next->resize_timeout_ms)
		g |= PLAN_G_RESIZE_TIMEOUT;
	if (old->max_connections != next->max_connections)
		g |= PLAN_G_MAX_CONNECTIONS;
	if (old->max_connections_per_uid != next->max_connections_per_uid)
		g |= PLAN_G_MAX_CONNECTIONS_PER_UID;
	if (old->hello_timeout_ms != next->hello_timeout_ms)
		g |= PLAN_G_HELLO_TIMEOUT;
	if (old->client_output_max != next->client_output_max)
		g |= PLAN_G_CLIENT_OUTPUT_MAX;
	return g;
}

static const struct plan_action *plan_find(const struct reload_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_devs; i++)
		if (!strncmp(plan->devs[i].running->name, name, CONF_NAME_MAX))
			return &plan->devs[i];
	return NULL;
}

int reload_plan(const struct conf *old, const struct conf *next, const struct plan_device_in *devs,
		size_t n, struct reload_plan *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->globals = plan_globals(old, next);
	ret->create = calloc(next->n_devices ? next->n_devices : 1, sizeof(*ret->create));
	if (!ret->create)
		return -ENOMEM;
	if (n) {
		ret->devs = calloc(n, sizeof(*ret->devs));
		if (!ret->devs) {
			reload_plan_free(ret);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct conf_device *run = devs[i].running;

		r = run ? reload_plan_device(&devs[i], conf_find_device(next, run->name),
					     &ret->devs[i])
			: -EINVAL;
		if (r < 0) {
			reload_plan_free(ret);
			return r;
		}
		ret->n_devs++;
	}
	/* in next's order, as at start-up: placement goes by creation order */
	for (size_t i = 0; i < next->n_devices; i++) {
		const struct plan_action *a = plan_find(ret, next->devices[i].name);

		if (!a || a->kind == PLAN_RECREATE)
			ret->create[ret->n_create++] = &next->devices[i];
	}
	return 0;
}

void reload_plan_free(struct reload_plan *plan)
{
	free(plan->devs);
	free(plan->create);
	plan->devs = NULL;
	plan->create = NULL;
	plan->n_devs = 0;
	plan->n_create = 0;
}

static unsigned int plan_bit_index(unsigned int change)
{
	unsigned int i = 0;

	while (i < PLAN_N_CHANGES - 1 && !(change & (1u << i)))
		i++;
	return i;
}

const char *plan_change_text(const struct plan_action *a, unsigned int change, const char *when,
			     char *buf, size_t size)
{
	const struct conf_device *from = a->running, *to = a->next ? a->next : a->running;
	unsigned int i = plan_bit_index(change);
	const char *key = plan_changes[i].key;
	char x[PLAN_VALUE_MAX], y[PLAN_VALUE_MAX];
	/* not obviously other queues, yet the lease's end brings a new device: said so */
	bool anew = change & (PLAN_CH_HANDOFF | PLAN_CH_OWNER_REMOVED | PLAN_CH_GROUP_REMOVED);
	const char *again = anew ? " (the device is created again)" : "";

	plan_changes[i].value(from, x, sizeof(x));
	plan_changes[i].value(to, y, sizeof(y));
	if (change & (PLAN_CH_OWNER_REMOVED | PLAN_CH_GROUP_REMOVED)) {
		snprintf(buf, size, "%s %s removed%s%s%s", key, x, when ? " " : "",
			 when ? when : "", when ? again : "");
		return buf;
	}
	if (when) {
		snprintf(buf, size, "%s %s -> %s %s%s", key, x, y, when, again);
		return buf;
	}
	/* applied now: the words reload.c always used */
	switch (change) {
	case PLAN_CH_MAC:
		snprintf(buf, size, "mac %s", y);
		break;
	case PLAN_CH_MAC_UNSET:
		snprintf(buf, size, "mac no longer set: the device keeps the one it has");
		break;
	case PLAN_CH_OWNER:
		snprintf(buf, size, "owner %s (TUNSETOWNER)", y);
		break;
	case PLAN_CH_GROUP:
		snprintf(buf, size, "group %s (TUNSETGROUP)", y);
		break;
	case PLAN_CH_ALLOW:
		snprintf(buf, size, "allow lists: %s%s", y,
			 a->state == PLAN_LEASED
				 ? " (for the next ACQUIRE; the current lease stays)"
				 : "");
		break;
	default:
		snprintf(buf, size, "%s %s -> %s", key, x, y);
		break;
	}
	return buf;
}

const char *plan_why_text(const struct plan_action *a, const char *when, char *buf, size_t size)
{
	const char *what = NULL;
	bool by_name = a->state == PLAN_BY_NAME;

	if (a->flags & PLAN_F_STILL_REMOVED)
		return NULL;
	switch (a->kind) {
	case PLAN_NOTHING:
	case PLAN_APPLY:
		return NULL;
	case PLAN_DEFER:
		if (a->state == PLAN_WAITING)
			what = "tapqd has no queue of it until the holder of an earlier tapqd "
			       "resumes: every change waits";
		else if (a->state == PLAN_ORPHANED)
			what = "its interface goes with the fds its last holder left: every change "
			       "waits for it to be created afresh";
		else if (by_name && a->queues_open > 0)
			snprintf(buf, size,
				 "changes other than mtu, mac and bridge wait: %d queues are open "
				 "outside tapqd (reload again once they are closed)",
				 a->queues_open);
		else if (by_name)
			what = "changes other than mtu, mac and bridge wait: the queues open "
			       "outside tapqd could not be counted (reload again)";
		else
			return NULL; /* the lines of its changes say what waits */
		break;
	case PLAN_RECREATE:
		what = by_name ? "its setup changes (handoff, queues, vnet header, owner, group "
				 "or ring) and no queue is open: created again"
			       : "its queues change (max_queues, vnet_hdr, owner or group): "
				 "created again";
		break;
	case PLAN_REMOVE:
		what = by_name ? "removed from the config, no queue open"
			       : "removed from the config";
		break;
	case PLAN_REMOVE_AT_LEASE_END:
		snprintf(buf, size, "removed from the config: deleted %s",
			 when ? when : "when its lease ends");
		break;
	case PLAN_REMOVE_LATER:
		if (a->queues_open > 0)
			snprintf(buf, size,
				 "removed from the config: %d queues are open outside tapqd: kept "
				 "(deleted by a reload once they are closed)",
				 a->queues_open);
		else
			what = "removed from the config: kept until no queue is open outside tapqd "
			       "(they could not be counted; a later reload deletes it)";
		break;
	case PLAN_FORGET:
		what = "removed from the config: forgotten; its interface goes with the fds its "
		       "last holder left";
		break;
	}
	if (what)
		snprintf(buf, size, "%s", what);
	return buf;
}

/* What each state says of its flags. */
static const struct {
	const char *back, *nothing_waits;
} plan_state_words[] = {
	[PLAN_READY] = {"back in the config: stays", "nothing waits any more"},
	[PLAN_LEASED] = {"back in the config: stays after the lease",
			 "nothing waits for the lease any more"},
	[PLAN_WAITING] = {"back in the config: stays after the lease",
			  "nothing waits for the lease any more"},
	[PLAN_ORPHANED] = {"back in the config: created afresh once its interface goes",
			   "nothing waits for its creation afresh any more"},
	[PLAN_BY_NAME] = {"back in the config: stays once its queues are closed",
			  "nothing waits for its queues to close any more"},
};

const char *plan_flag_text(const struct plan_action *a, unsigned int flag)
{
	if (!(a->flags & flag) || (unsigned int)a->state > PLAN_BY_NAME)
		return NULL;
	if (flag == PLAN_F_BACK_IN_CONFIG)
		return plan_state_words[a->state].back;
	if (flag == PLAN_F_NOTHING_WAITS)
		return plan_state_words[a->state].nothing_waits;
	return NULL;
}

const char *plan_global_text(unsigned int global, const struct conf *old, const struct conf *next,
			     char *buf, size_t size)
{
	const char *a, *b;

	switch (global) {
	case PLAN_G_SOCKET_PATH:
		snprintf(buf, size, "socket %s: applies at the next start; still listening on %s",
			 next->socket_path, old->socket_path);
		break;
	case PLAN_G_SOCKET_MODE:
		snprintf(buf, size, "socket_mode %04o -> %04o", old->socket_mode,
			 next->socket_mode);
		break;
	case PLAN_G_SOCKET_GROUP:
		/* unset: the group tapqd runs as, as when it created the socket */
		if (next->has_socket_group)
			snprintf(buf, size, "socket_group %u", (unsigned int)next->socket_group);
		else
			snprintf(buf, size, "socket_group unset: the group tapqd runs as");
		break;
	case PLAN_G_LOG_LEVEL:
		a = conf_log_level_name(old->log_level);
		b = conf_log_level_name(next->log_level);
		snprintf(buf, size, "log_level %s -> %s", a ? a : "?", b ? b : "?");
		break;
	case PLAN_G_CPUS:
		snprintf(buf, size, "cpus changed: queues are placed again");
		break;
	case PLAN_G_PLACEMENT:
		a = conf_placement_name(old->placement);
		b = conf_placement_name(next->placement);
		snprintf(buf, size, "placement %s -> %s: queues are placed again", a ? a : "?",
			 b ? b : "?");
		break;
	case PLAN_G_RESIZE_TIMEOUT:
		snprintf(buf, size, "resize_timeout %u -> %u ms", old->resize_timeout_ms,
			 next->resize_timeout_ms);
		break;
	case PLAN_G_MAX_CONNECTIONS:
		snprintf(buf, size, "max_connections %u -> %u: for new connections; open ones stay",
			 old->max_connections, next->max_connections);
		break;
	case PLAN_G_MAX_CONNECTIONS_PER_UID:
		snprintf(buf, size,
			 "max_connections_per_uid %u -> %u: for new connections; open ones stay",
			 old->max_connections_per_uid, next->max_connections_per_uid);
		break;
	case PLAN_G_HELLO_TIMEOUT:
		snprintf(buf, size, "hello_timeout %u -> %u ms: for new connections",
			 old->hello_timeout_ms, next->hello_timeout_ms);
		break;
	case PLAN_G_CLIENT_OUTPUT_MAX:
		snprintf(buf, size, "client_output_max %llu -> %llu bytes",
			 (unsigned long long)old->client_output_max,
			 (unsigned long long)next->client_output_max);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
	return buf;
}
