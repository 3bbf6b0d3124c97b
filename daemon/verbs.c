// SPDX-License-Identifier: MIT
/*
 * verbs.c - one handler per request: HELLO, STATUS, ACQUIRE, RELEASE,
 * RESIZE, SUBSCRIBE, RELOAD, RESUME, HANDOVER. Every refusal is an ERROR reply naming the reason.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "adopt.h"
#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "lease.h"
#include "log.h"
#include "monitor.h"
#include "notify.h"
#include "reload.h"
#include "resize.h"
#include "verbs.h"
#include "worker.h"

/* Finds the named device the peer may use, or answers why not. */
static struct device *verbs_device(struct tapqd *d, struct client *cl, uint32_t seq,
				   const char name[TAPQD_NAME_MAX], const char *verb)
{
	struct acl_peer peer = {
		.uid = cl->uid,
		.gid = cl->gid,
		.groups = cl->groups,
		.n_groups = cl->n_groups,
	};
	struct device *dev;

	if (!tapqd_name_valid(name, TAPQD_NAME_MAX)) {
		ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
		return NULL;
	}
	dev = device_find(d, name);
	if (!dev) {
		ctl_send_error(d, cl, seq, -ENOENT, "no device %s", name);
		return NULL;
	}
	/* before the allow lists: the answer tells its owner what to do instead */
	if (dev->conf.handoff == CONF_HANDOFF_NAME) {
		ctl_send_error(d, cl, seq, -EOPNOTSUPP,
			       "%s: handed off by name: open it as %s (TUNSETIFF); tapqd holds none "
			       "of its queues to %s",
			       dev->conf.name, dev->conf.name, verb);
		return NULL;
	}
	if (!acl_permits(&dev->conf, &peer)) {
		log_notice(d, "%s: %s refused to pid %d uid %u: not in allow_users/allow_groups",
			   dev->conf.name, verb, (int)cl->pid, (unsigned int)cl->uid);
		ctl_send_error(d, cl, seq, -EACCES, "uid %u may not use %s", (unsigned int)cl->uid,
			       dev->conf.name);
		return NULL;
	}
	return dev;
}

static void verbs_hello(struct tapqd *d, struct client *cl, uint32_t seq,
			const struct tapqd_hello *req)
{
	struct tapqd_hello rep = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	int v = tapqd_version_choose(req->version_min, req->version_max);

	if (v < 0) {
		ctl_send_error(d, cl, seq, v,
			       "protocol versions %u-%u are not supported: this tapqd speaks %u-%u",
			       req->version_min, req->version_max, TAPQD_VERSION_MIN, TAPQD_VERSION);
		return;
	}
	rep.version = (uint16_t)v;
	ctl_send(d, cl, TAPQD_HELLO, seq, &rep, sizeof(rep), NULL, 0);
}

/* An encoder's failure is tapqd's own bug: said once, and the peer gets an ERROR. */
static int verbs_encode_check(struct tapqd *d, struct client *cl, uint32_t seq,
			      const struct device *dev, ssize_t n)
{
	if (n >= 0)
		return 0;
	log_err(d, "%s: encoding its status: %s", dev->conf.name, strerror((int)-n));
	ctl_send_error(d, cl, seq, (int)n, "%s: encoding its status: %s", dev->conf.name,
		       strerror((int)-n));
	return (int)n;
}

static int verbs_send_status(struct tapqd *d, struct client *cl, uint32_t seq, struct device *dev)
{
	struct tapqd_device_info info;
	char buf[TAPQD_MSG_MAX - sizeof(struct tapqd_hdr)];
	ssize_t n;
	int r;

	/* a holder's change not yet notified is followed here, event included */
	monitor_follow(d, dev);
	if (dev->conf.handoff == CONF_HANDOFF_NAME && (r = device_count_outside(d, dev)) < 0)
		log_warn(d, "%s: counting the queues open outside tapqd (rtnetlink): %s; status "
			    "shows the last count",
			 dev->conf.name, strerror(-r));
	device_info(dev, &info);
	n = tapqd_device_encode(&info, buf, sizeof(buf));
	r = verbs_encode_check(d, cl, seq, dev, n);
	if (r < 0)
		return r;
	return ctl_send(d, cl, TAPQD_DEVICE, seq, buf, (size_t)n, NULL, 0);
}

/* Status is public to anyone who may connect: it names devices and pids, nothing more. */
static void verbs_status(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_name *req)
{
	struct device *dev;

	if (req->name[0]) {
		if (!tapqd_name_valid(req->name, sizeof(req->name))) {
			ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
			return;
		}
		dev = device_find(d, req->name);
		if (!dev) {
			ctl_send_error(d, cl, seq, -ENOENT, "no device %s", req->name);
			return;
		}
		if (verbs_send_status(d, cl, seq, dev) == 0)
			ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
		return;
	}
	TAILQ_FOREACH(dev, &d->devices, entry)
		if (verbs_send_status(d, cl, seq, dev) < 0)
			return;
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/* The LEASE message carries the first fds, FDS messages the rest, in queue order. */
static void verbs_send_lease(struct tapqd *d, struct client *cl, uint32_t seq, struct lease *l)
{
	struct device *dev = l->dev;
	unsigned int n = dev->conf.max_queues;
	unsigned int first = n < TAPQD_FDS_PER_MSG ? n : TAPQD_FDS_PER_MSG;
	char buf[TAPQD_MSG_MAX - sizeof(struct tapqd_hdr)];
	struct tapqd_lease_info msg;
	ssize_t len;

	memcpy(msg.token, l->token, sizeof(msg.token));
	device_info(dev, &msg.dev);
	len = tapqd_lease_encode(&msg, first, buf, sizeof(buf));
	if (verbs_encode_check(d, cl, seq, dev, len) < 0 ||
	    ctl_send(d, cl, TAPQD_LEASE, seq, buf, (size_t)len, dev->fds, first) < 0)
		return;
	for (unsigned int i = first; i < n; i += TAPQD_FDS_PER_MSG) {
		struct tapqd_fds fm = {.first_fd = (uint16_t)i};

		fm.n_fds = (uint16_t)(n - i < TAPQD_FDS_PER_MSG ? n - i : TAPQD_FDS_PER_MSG);
		if (ctl_send(d, cl, TAPQD_FDS, seq, &fm, sizeof(fm), dev->fds + i, fm.n_fds) < 0)
			return;
	}
}

static void verbs_acquire(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct tapqd_acquire *req)
{
	unsigned int control = req->control ? req->control : TAPQD_CONTROL_CLIENT;
	unsigned int before, failed;
	struct device *dev;
	struct lease *l;
	int r;

	if (control != TAPQD_CONTROL_CLIENT && control != TAPQD_CONTROL_DAEMON) {
		ctl_send_error(d, cl, seq, -EINVAL, "unknown control mode %u", control);
		return;
	}
	dev = verbs_device(d, cl, seq, req->name, "acquire");
	if (!dev)
		return;
	/* a followed device is QEMU's, and QEMU never acknowledges a shrink */
	if (control == TAPQD_CONTROL_DAEMON && dev->conf.follow_qmp[0]) {
		ctl_send_error(d, cl, seq, -EINVAL,
			       "%s follows a QEMU (follow = qmp:%s): client control mode only",
			       dev->conf.name, dev->conf.follow_qmp);
		return;
	}
	/*
	 * A holder that has just exited (QEMU's quit, then at once the next
	 * QEMU) may not have been noticed yet: its pidfd says so already. The
	 * lease's end may delete the device (a reload removed it): look again.
	 */
	if (dev->lease && lease_holder_exited(dev->lease)) {
		lease_end(d, dev->lease, "holder exited");
		dev = verbs_device(d, cl, seq, req->name, "acquire");
		if (!dev)
			return;
	}
	if (dev->lease) {
		ctl_send_error(d, cl, seq, -EBUSY, "%s is leased by pid %d%s", dev->conf.name,
			       (int)dev->lease->pid,
			       dev->waiting ? ", which has not resumed since tapqd restarted" : "");
		return;
	}
	if (dev->waiting) {
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s: its interface is still held by the fds its last holder left; "
			       "it is created afresh once they are closed",
			       dev->conf.name);
		return;
	}
	/* the client owns the data path from here; workers finish what they read */
	worker_stop_all(d, dev);
	before = device_active_count(dev);
	/* QEMU takes every fd it receives for attached and aborts if a detach then fails. */
	if (control == TAPQD_CONTROL_CLIENT) {
		r = device_set_active(dev, dev->conf.max_queues, &failed);
		if (r < 0) {
			log_err(d, "%s: attaching queue %u for a client-mode lease: %s",
				dev->conf.name, failed, strerror(-r));
			ctl_send_error(d, cl, seq, r, "%s: attaching queue %u: %s", dev->conf.name,
				       failed, strerror(-r));
			worker_sync(d, dev);
			return;
		}
	}
	r = lease_grant(d, dev, cl, control, &l);
	if (r < 0) {
		log_err(d, "%s: lease for pid %d: %s", dev->conf.name, (int)cl->pid, strerror(-r));
		ctl_send_error(d, cl, seq, r, "%s: cannot watch pid %d: %s", dev->conf.name,
			       (int)cl->pid, strerror(-r));
		worker_sync(d, dev);
		return;
	}
	log_info(d, "%s: leased to pid %d uid %u, %s control, %u of %u queues active",
		 dev->conf.name, (int)cl->pid, (unsigned int)cl->uid, tapqd_control_name(control),
		 device_active_count(dev), dev->conf.max_queues);
	budget_update(d, dev, false);
	monitor_poll_update(d);
	notify_status(d);
	verbs_send_lease(d, cl, seq, l);
	if (device_active_count(dev) != before)
		ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
}

/* Compares every byte, whatever differs first: the time taken tells nothing of the token. */
static bool verbs_token_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < TAPQD_TOKEN_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* The lease of the named device the peer may use, or answers why there is none. */
static struct lease *verbs_lease(struct tapqd *d, struct client *cl, uint32_t seq,
				 const char name[TAPQD_NAME_MAX], const char *verb)
{
	struct device *dev = verbs_device(d, cl, seq, name, verb);

	if (dev && !dev->lease)
		ctl_send_error(d, cl, seq, -ENOENT, "%s is not leased", dev->conf.name);
	return dev ? dev->lease : NULL;
}

static void verbs_release(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct tapqd_release *req)
{
	static const uint8_t no_token[TAPQD_TOKEN_LEN];
	struct lease *l = verbs_lease(d, cl, seq, req->name, "release");
	struct device *dev;

	if (!l)
		return;
	dev = l->dev;
	if (l->pid == cl->pid) {
		lease_end(d, l, "released");
	} else if (cl->uid == 0 || (!verbs_token_equal(req->token, no_token) &&
				    verbs_token_equal(req->token, l->token))) {
		/* The holder keeps its fds: say so, it is the operator's call. */
		log_warn(d, "%s: lease of pid %d revoked by pid %d uid %u; the holder may still "
			    "have the queue fds",
			 dev->conf.name, (int)l->pid, (int)cl->pid, (unsigned int)cl->uid);
		lease_end(d, l, "revoked");
	} else {
		ctl_send_error(d, cl, seq, -EPERM,
			       "%s is leased by pid %d: only that process, root or the lease token "
			       "can release it",
			       dev->conf.name, (int)l->pid);
		return;
	}
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * A device waiting for its holder takes the fds that come with the resume
 * as its own copies; any other keeps the copies it has, and those sent are
 * closed, as are all of them when the resume is refused.
 */
static void verbs_resume(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_resume *req, int *fds, size_t n_fds)
{
	struct lease *l = verbs_lease(d, cl, seq, req->name, "resume");
	char what[200] = "";
	struct device *dev;
	int r;

	if (!l)
		goto out;
	dev = l->dev;
	if (!verbs_token_equal(req->token, l->token)) {
		log_notice(d, "%s: resume refused to pid %d uid %u: wrong token", dev->conf.name,
			   (int)cl->pid, (unsigned int)cl->uid);
		ctl_send_error(d, cl, seq, -EPERM, "%s: wrong lease token", dev->conf.name);
		goto out;
	}
	if (dev->waiting && !n_fds) {
		ctl_send_error(d, cl, seq, -EAGAIN,
			       "%s: tapqd restarted without its queue fds: resume with them",
			       dev->conf.name);
		goto out;
	}
	if (dev->waiting) {
		r = adopt_holder_fds(d, dev, fds, n_fds, what, sizeof(what));
		if (r < 0) {
			log_notice(d, "%s: the fds pid %d resumed with are refused: %s: %s",
				   dev->conf.name, (int)cl->pid, what, strerror(-r));
			ctl_send_error(d, cl, seq, r, "%s: %s: %s", dev->conf.name, what,
				       strerror(-r));
			goto out;
		}
		n_fds = 0; /* the device's own copies now */
		log_info(d, "%s: re-adopted from the fds of pid %d, ifindex %d, %u of %u queues "
			    "active, leased",
			 dev->conf.name, (int)cl->pid, dev->ifindex, device_active_count(dev),
			 dev->conf.max_queues);
		notify_status(d);
	}
	l->conn = cl;
	log_info(d, "%s: lease of pid %d resumed by pid %d", dev->conf.name, (int)l->pid,
		 (int)cl->pid);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
out:
	ctl_close_fds(d, fds, n_fds);
}

/* Only the holder, or whoever it gave the token, moves its lease: to a process that may use it. */
/* Is pid (a peer, as SO_PEERCRED names it) in tapqd's own pid namespace? */
static bool verbs_same_pidns(pid_t pid)
{
	char path[64];
	struct stat theirs, mine;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &theirs) < 0 || stat("/proc/self/ns/pid", &mine) < 0)
		return false;
	return theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev;
}

static void verbs_handover(struct tapqd *d, struct client *cl, uint32_t seq,
			   const struct tapqd_handover *req)
{
	static const uint8_t no_token[TAPQD_TOKEN_LEN];
	struct lease *l = verbs_lease(d, cl, seq, req->name, "handover");
	pid_t was;
	uid_t uid = 0;
	int r;

	if (!l)
		return;
	if (l->pid != cl->pid && (verbs_token_equal(req->token, no_token) ||
				  !verbs_token_equal(req->token, l->token))) {
		ctl_send_error(d, cl, seq, -EPERM,
			       "%s is leased by pid %d: only that process or the lease token can "
			       "hand it over",
			       l->dev->conf.name, (int)l->pid);
		return;
	}
	if (req->pid <= 0) {
		ctl_send_error(d, cl, seq, -EINVAL, "no process %d", (int)req->pid);
		return;
	}
	/* the pid is a number in the requester's pid namespace: only tapqd's own means the same */
	if (!verbs_same_pidns(cl->pid)) {
		ctl_send_error(d, cl, seq, -EXDEV,
			       "pid %d is a number of another pid namespace than tapqd's",
			       (int)req->pid);
		return;
	}
	was = l->pid;
	r = lease_handover(d, l, req->pid, &uid);
	if (r == -EACCES) {
		log_notice(d, "%s: handover from pid %d to pid %d uid %u refused: not in "
			      "allow_users/allow_groups",
			   l->dev->conf.name, (int)cl->pid, (int)req->pid, (unsigned int)uid);
		ctl_send_error(d, cl, seq, r, "uid %u of pid %d may not use %s", (unsigned int)uid,
			       (int)req->pid, l->dev->conf.name);
		return;
	}
	if (r < 0) {
		log_notice(d, "%s: handover from pid %d to pid %d: %s", l->dev->conf.name,
			   (int)cl->pid, (int)req->pid, strerror(-r));
		ctl_send_error(d, cl, seq, r, "%s: pid %d: %s", l->dev->conf.name, (int)req->pid,
			       strerror(-r));
		return;
	}
	log_info(d, "%s: lease of pid %d handed over to pid %d uid %u by pid %d",
		 l->dev->conf.name, (int)was, (int)req->pid, (unsigned int)uid, (int)cl->pid);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

static void verbs_resize(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_resize *req)
{
	struct device *dev = verbs_device(d, cl, seq, req->name, "resize");
	unsigned int n = req->active_queues;

	if (!dev)
		return;
	if (dev->waiting) {
		ctl_send_error(d, cl, seq, -EBUSY, "%s has no queue fds since tapqd restarted",
			       dev->conf.name);
		return;
	}
	if (n < 1 || n > dev->conf.max_queues) {
		ctl_send_error(d, cl, seq, -EINVAL, "%s: active queues must be 1-%u, not %u",
			       dev->conf.name, dev->conf.max_queues, n);
		return;
	}
	if (dev->lease && dev->lease->control == TAPQD_CONTROL_CLIENT) {
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s is leased in client mode by pid %d: its holder sets the active "
			       "queues",
			       dev->conf.name, (int)dev->lease->pid);
		return;
	}
	resize_request(d, cl, seq, dev, n);
}

static void verbs_subscribe(struct tapqd *d, struct client *cl, uint32_t seq,
			    const struct tapqd_name *req)
{
	if (req->name[0] && !tapqd_name_valid(req->name, sizeof(req->name))) {
		ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
		return;
	}
	cl->subscribed = true;
	memcpy(cl->sub_name, req->name, sizeof(cl->sub_name));
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * Reloading is root's, as sending SIGHUP is; asking how the last one went is
 * as public as status. The reply comes once the reload is applied or refused.
 */
static void verbs_reload(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_reload *req)
{
	struct tapqd_reload rep = {0};
	int r;

	if (req->flags & ~(uint32_t)TAPQD_RELOAD_QUERY) {
		ctl_send_error(d, cl, seq, -EINVAL, "unknown reload flags 0x%x", req->flags);
		return;
	}
	if (req->flags & TAPQD_RELOAD_QUERY) {
		/* a long path may not fit: the log has the whole line */
		snprintf(rep.msg, sizeof(rep.msg), "%.*s", (int)sizeof(rep.msg) - 1, d->conf_error);
		ctl_send(d, cl, TAPQD_RELOAD, seq, &rep, sizeof(rep), NULL, 0);
		return;
	}
	if (cl->uid != 0) {
		log_notice(d, "reload refused to pid %d uid %u: only root may reload", (int)cl->pid,
			   (unsigned int)cl->uid);
		ctl_send_error(d, cl, seq, -EPERM, "only root may reload the configuration");
		return;
	}
	log_info(d, "reload asked by pid %d", (int)cl->pid);
	r = reload_run(d);
	if (r < 0)
		ctl_send_error(d, cl, seq, r, "%s", d->conf_error);
	else
		ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

void verbs_dispatch(struct tapqd *d, struct client *cl, const struct tapqd_hdr *h,
		    const void *payload, int *fds, size_t n_fds)
{
	switch (h->type) {
	case TAPQD_HELLO:
		verbs_hello(d, cl, h->seq, payload);
		break;
	case TAPQD_STATUS:
		verbs_status(d, cl, h->seq, payload);
		break;
	case TAPQD_ACQUIRE:
		verbs_acquire(d, cl, h->seq, payload);
		break;
	case TAPQD_RELEASE:
		verbs_release(d, cl, h->seq, payload);
		break;
	case TAPQD_RESIZE:
		verbs_resize(d, cl, h->seq, payload);
		break;
	case TAPQD_SUBSCRIBE:
		verbs_subscribe(d, cl, h->seq, payload);
		break;
	case TAPQD_RESIZE_ACK:
		resize_ack(d, cl, payload);
		break;
	case TAPQD_RELOAD:
		verbs_reload(d, cl, h->seq, payload);
		break;
	case TAPQD_RESUME:
		verbs_resume(d, cl, h->seq, payload, fds, n_fds);
		break;
	case TAPQD_HANDOVER:
		verbs_handover(d, cl, h->seq, payload);
		break;
	}
}
