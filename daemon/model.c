// SPDX-License-Identifier: MIT
/*
 * model.c - the devices of a tapqd and their life: creation (and retries
 * of it), take-over at start, lease begin and end, resume, teardown. Each
 * transition changes the state through device_set_state(), does what that
 * transition alone takes, and leaves the rest to sync_device(). The monitor
 * and the lease watcher report here through the hooks model_init() registers.
 */

#include <errno.h>
#include <event2/event.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adopt.h"
#include "device.h"
#include "fdstore.h"
#include "lease.h"
#include "link.h"
#include "linkgroup.h"
#include "log.h"
#include "model.h"
#include "reconf.h"
#include "resize.h"
#include "statefile.h"
#include "sync.h"
#include "worker.h"

/* A transition the table refuses is a bug of tapqd's: said loudly, and the state stays. */
static int model_set_state(struct tapqd *d, struct device *dev, enum device_state to)
{
	int r = device_set_state(dev, to);

	if (r < 0)
		log_err(d, "%s: internal error: no transition from %s to %s", dev->conf.name,
			device_state_name(dev->state), device_state_name(to));
	return r;
}

/*
 * A device of the config whose interface went and could not be created
 * again (at the fd limit, say): it waits in d->retrying, where status finds
 * it, and is tried again with a growing delay. Each kind of failure is
 * logged once, and the success.
 */
#define MODEL_RETRY_FIRST_MS 500
#define MODEL_RETRY_MAX_MS 8000

struct model_retry {
	struct tapqd *d;
	struct device *dev; /* the config and the failure, for status; no interface, no fds */
	struct event *timer;
	unsigned int delay_ms;
	unsigned int attempts;
};

static struct device *model_create(struct tapqd *d, const struct conf_device *cd, const char *how,
				   bool retry);

struct device *model_find_retrying(struct tapqd *d, const char *name)
{
	return device_find_in(&d->retrying, name);
}

struct device *model_find_any(struct tapqd *d, const char *name)
{
	struct device *dev = device_find(d, name);

	return dev ? dev : model_find_retrying(d, name);
}

static void model_retry_free(struct tapqd *d, struct device *dev)
{
	TAILQ_REMOVE(&d->retrying, dev, entry);
	if (dev->retry->timer)
		event_free(dev->retry->timer);
	free(dev->retry);
	dev->retry = NULL;
	device_free(d, dev);
}

static void model_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct model_retry *rt = arg;
	struct tapqd *d = rt->d;
	struct device *dev = rt->dev;
	/* a created device is its own config: the retry is freed on success, so a copy */
	struct conf_device created = dev->conf;
	const struct conf_device *cd = created.template_name[0]
					       ? &created
					       : conf_find_device(&d->conf, dev->conf.name);

	struct log_ctx was = d->log_ctx;

	(void)fd;
	(void)what;
	log_device(d, created.name);
	/* a reload may have removed it, or created it */
	if (!cd || device_find(d, dev->conf.name)) {
		if (!cd)
			log_info(d, "%s: no longer in the config: not created again",
				 dev->conf.name);
		model_retry_free(d, dev);
		sync_global(d);
	} else {
		model_create(d, cd, "created again", true);
	}
	d->log_ctx = was;
}

/* Creating cd again failed with r: a retry is (re)armed; a new errno is logged. */
static void model_retry_arm(struct tapqd *d, const struct conf_device *cd, int r,
			    const char *what)
{
	struct device *dev = model_find_retrying(d, cd->name);
	struct model_retry *rt;
	struct timeval tv;

	if (!dev) {
		dev = device_new(cd);
		rt = calloc(1, sizeof(*rt));
		if (!dev || !rt || !(rt->timer = evtimer_new(d->base, model_on_retry, rt))) {
			log_err(d, "%s: not created again: %s: %s; and out of memory to retry: "
				   "reload to create it",
				cd->name, what, strerror(-r));
			free(rt);
			if (dev)
				device_free(d, dev);
			return;
		}
		rt->d = d;
		rt->dev = dev;
		rt->delay_ms = MODEL_RETRY_FIRST_MS;
		dev->retry = rt;
		TAILQ_INSERT_TAIL(&d->retrying, dev, entry);
	} else {
		rt = dev->retry;
		dev->conf = *cd;
		rt->delay_ms = rt->delay_ms * 2 > MODEL_RETRY_MAX_MS ? MODEL_RETRY_MAX_MS
								      : rt->delay_ms * 2;
	}
	rt->attempts++;
	/* the kind is the errno: which queue ran out of fds first says nothing new */
	if (dev->create_error != -r) {
		log_err(d, "%s: not created again: %s: %s; retrying every %u s at most",
			cd->name, what, strerror(-r), MODEL_RETRY_MAX_MS / 1000);
		dev->create_error = -r;
	}
	tv.tv_sec = rt->delay_ms / 1000;
	tv.tv_usec = (rt->delay_ms % 1000) * 1000;
	if (evtimer_add(rt->timer, &tv) < 0)
		log_err(d, "%s: arming the retry timer failed: reload to create it", cd->name);
	sync_global(d);
}

/* Created: a retry of it is over, and said so. */
static void model_retry_done(struct tapqd *d, const char *name)
{
	struct device *dev = model_find_retrying(d, name);

	if (!dev)
		return;
	log_info(d, "%s: created again after %u failed attempt%s", name, dev->retry->attempts,
		 dev->retry->attempts == 1 ? "" : "s");
	model_retry_free(d, dev);
}

/*
 * A new device in the list, its interface made: what every creation does
 * after device_create(). The caller brings what derives from it in line
 * (sync.c): at start, once for all devices.
 */
static void model_insert(struct tapqd *d, struct device *dev, const char *how)
{
	const struct conf_device *cd = &dev->conf;
	bool by_name = cd->handoff == CONF_HANDOFF_NAME;

	model_set_state(d, dev, by_name ? DEVICE_BY_NAME : DEVICE_READY);
	TAILQ_INSERT_TAIL(&d->devices, dev, entry);
	/* device_created carries the active count: an active_changed after it would say nothing */
	dev->synced_active = device_active_count(dev);
	/* a new device has no lease; one handed off by name has no fd: nothing to store */
	if (!by_name)
		fdstore_put_device(d, dev, -1);
	if (by_name)
		log_info(d, "%s: ready, ifindex %d, persistent, handed off by name: its client "
			    "opens it by name (up to %u queues); tapqd holds none",
			 cd->name, dev->ifindex, cd->max_queues);
	else
		log_info(d, "%s: %s, ifindex %d, %u of %u queues active%s", cd->name, how,
			 dev->ifindex, device_active_count(dev), cd->max_queues,
			 cd->persist ? ", persistent" : "");
}

/* "created", or "created again" (retried on failure when retry): the log says which. */
static struct device *model_make(struct tapqd *d, const struct conf_device *cd, const char *how,
				 bool retry)
{
	struct device *dev;
	char what[160] = "";
	int r = device_create(d, cd, &dev, what, sizeof(what));

	if (r < 0 && retry) {
		model_retry_arm(d, cd, r, what);
		return NULL;
	}
	if (r < 0) {
		log_err(d, "%s: not created: %s: %s", cd->name, what, strerror(-r));
		return NULL;
	}
	model_retry_done(d, cd->name);
	model_insert(d, dev, how);
	sync_event(d, dev, TAPQD_EVENT_DEVICE_CREATED, 0, NULL);
	return dev;
}

static struct device *model_create(struct tapqd *d, const struct conf_device *cd, const char *how,
				   bool retry)
{
	struct device *dev = model_make(d, cd, how, retry);

	if (dev)
		sync_device(d, dev);
	return dev;
}

int model_create_device(struct tapqd *d, const struct conf_device *cd, const char *how,
			struct device **ret, char *what, size_t what_size)
{
	int r = device_create(d, cd, ret, what, what_size);

	if (r == 0) {
		model_insert(d, *ret, how);
		sync_event(d, *ret, TAPQD_EVENT_DEVICE_CREATED, 0, NULL);
		sync_device(d, *ret);
	}
	return r;
}

int model_drop_retrying(struct tapqd *d, const char *name)
{
	struct device *dev = model_find_retrying(d, name);

	if (!dev)
		return -ENOENT;
	model_retry_free(d, dev);
	sync_global(d);
	return 0;
}

/* A reload's new device: its creation is its own story, not the reload's. */
struct device *model_add(struct tapqd *d, const struct conf_device *cd)
{
	struct log_ctx was = d->log_ctx;
	struct device *dev;

	log_device(d, cd->name);
	dev = model_create(d, cd, "created", false);
	d->log_ctx = was;
	return dev;
}

/* What SIGTERM leaves of a device, as it is: the log says that, nothing else. */
static void model_log_stop(struct tapqd *d, const struct device *dev, enum device_state was,
			   pid_t holder)
{
	const char *name = dev->conf.name;

	if (holder)
		log_info(d, "%s: stays up with its holder pid %d", name, (int)holder);
	else if (was == DEVICE_BY_NAME)
		/* the operator's, and perhaps a running VM's: never tapqd's to delete */
		log_info(d, "%s: stays, persistent, handed off by name", name);
	else if (was == DEVICE_ORPHANED)
		log_info(d, "%s: stays until the fds its last holder left are closed", name);
	else if (d->fdstore && !d->store_discarded)
		/* a restart, or a stop systemd's job did not say: say both */
		log_info(d, "%s: its queues stay in the service manager's fd store: a restart "
			    "takes them back, a stop of the service closes them",
			 name);
	else if (dev->conf.persist)
		log_info(d, "%s: stays, persistent", name);
	else
		log_info(d, "%s: removed", name);
}

static void model_destroy_one(struct tapqd *d, struct device *dev, enum model_end how,
			      const char *why)
{
	enum device_state was = dev->state;
	pid_t holder = dev->lease ? lease_pid(dev->lease) : 0;
	/* a lease, or one that ended and was not stored yet: the stored state names it */
	bool stored_lease = dev->lease != NULL || dev->lease_dirty;
	int r = 0;

	model_set_state(d, dev, DEVICE_REMOVING);
	resize_device_gone(d, dev);
	if (how != MODEL_STOP)
		sync_event(d, dev, TAPQD_EVENT_DEVICE_REMOVED, holder,
			   dev->lease ? lease_conn(dev->lease) : NULL);
	if (dev->lease)
		lease_free(dev->lease);
	TAILQ_REMOVE(&d->devices, dev, entry);
	switch (how) {
	case MODEL_DELETE:
		r = link_delete(d->nl, dev->ifindex);
		if (r == -ENODEV)
			r = 0;
		fdstore_forget_device(d, dev);
		break;
	case MODEL_GONE:
	case MODEL_FORGET:
		/* its stored queues name a device that is gone, or that tapqd lets go */
		fdstore_forget_device(d, dev);
		break;
	case MODEL_STOP:
		/* a stop and a restart look the same from here: the store keeps it all */
		model_log_stop(d, dev, was, holder);
		break;
	}
	/* MODEL_GONE: the caller said what happened to the interface */
	if (how == MODEL_DELETE && r < 0)
		log_err(d, "%s: deleting the interface (%s): %s", dev->conf.name, why, strerror(-r));
	else if (how == MODEL_DELETE || how == MODEL_FORGET)
		log_info(d, "%s: %s: %s", dev->conf.name,
			 how == MODEL_DELETE ? "deleted" : "let go", why);
	device_free(d, dev);
	if (stored_lease && how != MODEL_STOP)
		statefile_save(d);
	if (how != MODEL_STOP)
		sync_global(d);
}

/* The device goes: its last lines are its own (the name is copied before it is freed). */
void model_destroy(struct tapqd *d, struct device *dev, enum model_end how, const char *why)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	model_destroy_one(d, dev, how, why);
	d->log_ctx = was;
}

/*
 * Its interface went: with "ip link del" (our fds now belong to no device),
 * or with the fds of the holder an orphaned or waiting device had. Declared
 * in the config, it is created afresh, with the config a reload kept for it.
 */
static void model_link_gone(struct tapqd *d, struct device *dev)
{
	struct conf_device cd = dev->conf_pending ? dev->pending_conf : dev->conf;
	bool removal = dev->removal_pending;

	if (dev->state == DEVICE_WAITING || dev->state == DEVICE_ORPHANED)
		log_info(d, "%s: its interface went with its holder's fds (ifindex %d): %s",
			 dev->conf.name, dev->ifindex,
			 removal ? "removed, as the config says since the last reload"
				 : "creating it afresh");
	else
		log_err(d, "%s: deleted from outside tapqd (ifindex %d)%s", dev->conf.name,
			dev->ifindex,
			removal ? ": removed, as the config says since the last reload" : "");
	model_destroy(d, dev, MODEL_GONE, NULL);
	if (!removal)
		model_create(d, &cd, "created again", true);
}

/*
 * A client opened or closed a queue of a device handed off by name. The
 * kernel has no limit per device but its 256, so more than max_queues can
 * be open: tapqd cannot refuse them, places none of the extra ones, and
 * says so once each time the count goes over and comes back.
 */
static void model_by_name_changed(struct tapqd *d, struct device *dev)
{
	unsigned int max = dev->conf.max_queues, attached, open, excess;

	if (device_count_outside(d, dev, &attached, &open) < 0)
		return;
	excess = open > max ? open - max : 0;
	if (excess && !dev->by_name_excess)
		log_warn(d, "%s: %u queues are open by name, %u more than max_queues = %u: the "
			    "kernel sets no limit per device, so tapqd cannot refuse them; the "
			    "extra ones get no core",
			 dev->conf.name, open, excess, max);
	else if (!excess && dev->by_name_excess)
		log_info(d, "%s: %u queues open by name, within max_queues = %u again",
			 dev->conf.name, open, max);
	dev->by_name_excess = excess;
}

/* Read every queue's state: a holder, or someone else, may have changed it. */
static void model_queues_changed(struct tapqd *d, struct device *dev)
{
	bool before[TAPQD_MAX_QUEUES];
	unsigned int was, now;
	int r;

	if (dev->state == DEVICE_BY_NAME)
		model_by_name_changed(d, dev);
	if (!device_has_queues(dev))
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
			 (int)lease_pid(dev->lease), now, dev->conf.max_queues, was);
	else
		log_warn(d, "%s: %u of %u queues active (was %u), changed outside tapqd",
			 dev->conf.name, now, dev->conf.max_queues, was);
	sync_device(d, dev);
}

/*
 * Renamed outside tapqd (the link must be down for that): tapqd goes on by
 * ifindex, and refuses to hand out or resize it by a name that is no longer
 * its own (verbs.c), since another interface may take that name. A holder
 * keeps its queues. Renamed back, it is served again.
 */
static void model_link_renamed(struct tapqd *d, struct device *dev, const char *name)
{
	char was[sizeof(dev->ifname)];

	memcpy(was, dev->ifname, sizeof(was));
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", name);
	if (!device_renamed(dev))
		log_info(d, "%s: renamed back from %s (ifindex %d): served again", dev->conf.name,
			 was, dev->ifindex);
	else
		log_warn(d, "%s: renamed to %s outside tapqd (ifindex %d): ACQUIRE and RESIZE of "
			    "%s are refused until it is renamed back%s",
			 dev->conf.name, name, dev->ifindex, dev->conf.name,
			 dev->lease ? "; its holder keeps its queues" : "");
	sync_event(d, dev, TAPQD_EVENT_DEVICE_RENAMED, 0, NULL);
	sync_global(d);
}

/*
 * The hooks: what the layer below reports concerns one device, and so does
 * what is logged while it is handled (log.c's context, put back after).
 */
static void model_on_link_gone(struct tapqd *d, struct device *dev)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	model_link_gone(d, dev);
	d->log_ctx = was;
}

static void model_on_queues_changed(struct tapqd *d, struct device *dev)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	model_queues_changed(d, dev);
	d->log_ctx = was;
}

static void model_on_link_renamed(struct tapqd *d, struct device *dev, const char *name)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	model_link_renamed(d, dev, name);
	d->log_ctx = was;
}

/* Nobody asked: the holder whose lease it was is the peer the lines concern. */
static void model_on_holder_exited(struct tapqd *d, struct device *dev)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	log_peer(d, lease_pid(dev->lease), lease_uid(dev->lease));
	model_lease_end(d, dev, "holder exited");
	d->log_ctx = was;
}

static void model_on_vcpus_changed(struct tapqd *d, struct device *dev)
{
	sync_device(d, dev);
}

void model_init(struct tapqd *d)
{
	TAILQ_INIT(&d->retrying);
	d->hooks.link_gone = model_on_link_gone;
	d->hooks.queues_changed = model_on_queues_changed;
	d->hooks.link_renamed = model_on_link_renamed;
	d->hooks.holder_exited = model_on_holder_exited;
	d->hooks.vcpus_changed = model_on_vcpus_changed;
}

/*
 * READY again: whatever active set a holder left, or an ACQUIRE half-made,
 * gives way to the one tapqd keeps for the device.
 */
static void model_restore_active(struct tapqd *d, struct device *dev)
{
	unsigned int failed = 0;
	int r = device_refresh(dev);

	if (r == 0)
		r = device_set_active(dev, dev->want_active, &failed);
	if (r < 0) {
		int was = d->log_ctx.queue;

		log_queue(d, (int)failed);
		log_err(d, "%s: restoring %u active queues (queue %u): %s", dev->conf.name,
			dev->want_active, failed, strerror(-r));
		log_queue(d, was);
	}
}

int model_lease_begin(struct tapqd *d, struct device *dev, struct client *cl,
		      unsigned int control, struct lease **ret, char *what, size_t what_size)
{
	unsigned int failed;
	int r = lease_grant(d, dev, cl, control, ret);

	if (r < 0) {
		snprintf(what, what_size, "watching the peer (pidfd)");
		return r;
	}
	model_set_state(d, dev, DEVICE_LEASED);
	/* the client owns the data path from here: workers finish what they read first */
	worker_sync(d, dev);
	/* QEMU takes every fd it receives for attached and aborts if a detach then fails */
	r = control == TAPQD_CONTROL_CLIENT ? device_set_active(dev, dev->conf.max_queues, &failed)
					    : 0;
	if (r == 0) {
		sync_event(d, dev, TAPQD_EVENT_LEASE_TAKEN, lease_pid(*ret), NULL);
		return 0;
	}
	snprintf(what, what_size, "attaching queue %u", failed);
	/* nobody had the lease yet: back to what it was, without a word to subscribers */
	lease_free(dev->lease);
	dev->lease_dirty = false;
	device_set_state(dev, DEVICE_READY);
	model_restore_active(d, dev);
	sync_device(d, dev);
	return r;
}

/*
 * A waiting device whose lease ended has no fd of its interface: the
 * interface goes with the holder's (at once when it exited) and the device
 * is created afresh then, when the monitor sees it go.
 */
static void model_orphan(struct tapqd *d, struct device *dev, pid_t was)
{
	char ifname[IF_NAMESIZE];
	struct link_tun tun;

	model_set_state(d, dev, DEVICE_ORPHANED);
	/* by ifindex: renamed, it is still there, and another may have its name */
	if (!if_indextoname((unsigned int)dev->ifindex, ifname)) {
		model_on_link_gone(d, dev);
		return;
	}
	if (dev->removal_pending) {
		model_destroy(d, dev, MODEL_FORGET,
			      "its lease ended, and the config no longer has it; the interface "
			      "goes with the fds its holder left");
		return;
	}
	/*
	 * A persistent one stays when the last fd closes: with no queue open
	 * anywhere it is nobody's, and is deleted to be created afresh (the
	 * monitor sees it go).
	 */
	if (link_get_tun(d->nl, dev->ifindex, &tun) == 0 && tun.persist &&
	    tun.num_queues + tun.num_disabled == 0) {
		int r = link_delete(d->nl, dev->ifindex);

		if (r < 0)
			log_err(d, "%s: deleting the persistent interface its holder left: %s",
				dev->conf.name, strerror(-r));
		sync_device(d, dev);
		return;
	}
	log_info(d, "%s: waiting for its interface to go with the fds pid %d left",
		 dev->conf.name, (int)was);
	sync_device(d, dev);
}

/*
 * Whatever files the lease handed out reach nothing of the next one: fresh
 * queues, or, when the old files are still open elsewhere (passed on by the
 * holder), the interface deleted and created again, a new ifindex. Under a
 * service manager its store holds every old file too, and tapqd cannot tell
 * those from a process's: the interface is created again at once.
 * Return: the device to go on with, NULL when it could not be created again.
 */
static struct device *model_cut_off(struct tapqd *d, struct device *dev, pid_t was)
{
	struct conf_device cd = dev->conf;
	unsigned int left = 0;
	char what[160] = "", why[300];
	int r = -ECANCELED;

	if (!d->fdstore) {
		r = device_renew_queues(d, dev, &left, what, sizeof(what));
		if (r == 0)
			return dev;
	}
	if (r == -ECANCELED)
		snprintf(why, sizeof(why), "the lease of pid %d ended, and the service manager's "
					   "fd store keeps its queue files: created again so that "
					   "they reach nothing",
			 (int)was);
	else if (r == -EBUSY)
		snprintf(why, sizeof(why), "the lease of pid %d ended and %u of its queue files "
					   "are still open elsewhere: created again so that they "
					   "reach nothing",
			 (int)was, left);
	else
		snprintf(why, sizeof(why), "the lease of pid %d ended, and fresh queues failed: "
					   "%s: %s: created again",
			 (int)was, what, strerror(-r));
	model_destroy(d, dev, MODEL_DELETE, why);
	return model_create(d, &cd, "created again", true);
}

void model_lease_end(struct tapqd *d, struct device *dev, const char *why)
{
	pid_t was = lease_pid(dev->lease);
	struct client *conn = lease_conn(dev->lease);

	log_info(d, "%s: lease of pid %d ended: %s", dev->conf.name, (int)was, why);
	/* nobody is left to acknowledge a shrink: it completes now, under the lease */
	resize_finish_pending(d, dev);
	/* while the lease is there: the event names its holder's command */
	sync_event(d, dev, TAPQD_EVENT_LEASE_ENDED, was, conn);
	lease_free(dev->lease);
	if (dev->state == DEVICE_WAITING) {
		model_orphan(d, dev, was);
		return;
	}
	model_set_state(d, dev, DEVICE_READY);
	/* a reload may have kept the device's removal or its new config for this moment */
	if (dev->removal_pending) {
		model_destroy(d, dev, MODEL_DELETE,
			      "its lease ended, and the config no longer has it");
		return;
	}
	if (dev->conf_pending) {
		struct conf_device cd = dev->pending_conf;

		log_info(d, "%s: its lease ended: applying the config of the last reload",
			 dev->conf.name);
		if (reconf_pending(d, dev) == RECONF_RECREATE) {
			model_destroy(d, dev, MODEL_DELETE,
				      "its queues change with the config of the last reload");
			model_create(d, &cd, "created again", true);
			return;
		}
	}
	dev = model_cut_off(d, dev, was);
	if (!dev)
		return;
	model_restore_active(d, dev);
	sync_device(d, dev);
}

int model_resume(struct tapqd *d, struct device *dev, pid_t from, const int *fds, size_t n,
		 char *what, size_t what_size)
{
	int r = adopt_holder_fds(d, dev, fds, n, what, what_size);

	if (r < 0)
		return r;
	model_set_state(d, dev, DEVICE_LEASED);
	/* stored with its queues and holder by sync_device() */
	dev->lease_dirty = true;
	log_info(d, "%s: re-adopted from the fds of pid %d, ifindex %d, %u of %u queues active, "
		    "leased",
		 dev->conf.name, (int)from, dev->ifindex, device_active_count(dev),
		 dev->conf.max_queues);
	sync_device(d, dev);
	return 0;
}

/*
 * One device at start: from the fd store, waiting for its holder, or new
 * (retried on failure when retry: a created device has no other record).
 */
static void model_start_one(struct tapqd *d, const struct conf_device *cd, bool retry)
{
	struct device *dev;
	char what[200] = "";
	int r = adopt_device(d, cd, &dev, what, sizeof(what));

	if (r == 0) {
		model_set_state(d, dev, dev->lease ? DEVICE_LEASED : DEVICE_READY);
		TAILQ_INSERT_TAIL(&d->devices, dev, entry);
		log_info(d, "%s: re-adopted from the fd store, ifindex %d, %u of %u queues active%s",
			 cd->name, dev->ifindex, device_active_count(dev), cd->max_queues,
			 dev->lease ? ", leased" : "");
		return;
	}
	if (r != -ENOENT)
		log_err(d, "%s: not re-adopted: %s: %s", cd->name, what, strerror(-r));
	/* no fd came back, but its holder may live on with its own */
	r = adopt_waiting(d, cd, &dev, what, sizeof(what));
	if (r == 0) {
		model_set_state(d, dev, DEVICE_WAITING);
		TAILQ_INSERT_TAIL(&d->devices, dev, entry);
		log_info(d, "%s: interface alive (ifindex %d), held by pid %d under the lease of an "
			    "earlier tapqd: waiting for it to resume with its fds",
			 cd->name, dev->ifindex, (int)lease_pid(dev->lease));
		return;
	}
	if (r != -ENOENT)
		log_info(d, "%s: not waiting for %s: %s", cd->name, what, strerror(-r));
	r = adopt_created_interface(d, cd, &dev, what, sizeof(what));
	if (r == 0) {
		model_set_state(d, dev, DEVICE_READY);
		TAILQ_INSERT_TAIL(&d->devices, dev, entry);
		fdstore_put_device(d, dev, -1);
		log_info(d, "%s: re-adopted, its interface still there (ifindex %d), %u of %u "
			    "queues active",
			 cd->name, dev->ifindex, device_active_count(dev), cd->max_queues);
		return;
	}
	if (r != -ENOENT)
		log_err(d, "%s: not re-adopted: %s: %s", cd->name, what, strerror(-r));
	/* model_start() syncs them all once: per device, the global part made start O(n^2) */
	model_make(d, cd, "created", retry);
}

static void model_start_device(struct tapqd *d, const struct conf_device *cd, bool retry)
{
	struct log_ctx was = d->log_ctx;

	log_device(d, cd->name);
	model_start_one(d, cd, retry);
	d->log_ctx = was;
}

/*
 * The devices clients created before the restart, from the stored state,
 * each with the config it was created with. One the config now declares
 * is the config's.
 */
static void model_start_created(struct tapqd *d)
{
	struct log_ctx was = d->log_ctx;
	struct conf_device cd;
	char what[300];
	size_t n = 0;
	const struct state_created *c = adopt_created(d, &n);

	for (size_t i = 0; i < n; i++) {
		int r = adopt_created_conf(&c[i], &cd, what, sizeof(what));

		log_device(d, c[i].name);
		if (r < 0) {
			log_err(d, "%s: created from template %s by uid %u: not restored: %s",
				c[i].name, c[i].template_name, (unsigned int)c[i].creator, what);
			continue;
		}
		if (conf_find_device(&d->conf, cd.name)) {
			log_err(d, "%s: created from template %s by uid %u, and now declared in "
				   "the config: the config's device it is",
				cd.name, cd.template_name, (unsigned int)cd.creator);
			continue;
		}
		model_start_device(d, &cd, true);
	}
	d->log_ctx = was;
}

void model_start(struct tapqd *d)
{
	/* in config order, so that placement comes out as it did before a restart */
	for (size_t i = 0; i < d->conf.n_devices; i++)
		model_start_device(d, &d->conf.devices[i], false);
	model_start_created(d);
	adopt_finish(d);
	sync_all(d);
}

void model_stop(struct tapqd *d)
{
	struct device *dev;

	linkgroup_delete(d);
	while ((dev = TAILQ_FIRST(&d->devices)))
		model_destroy(d, dev, MODEL_STOP, "tapqd stops");
	while ((dev = TAILQ_FIRST(&d->retrying)))
		model_retry_free(d, dev);
}
