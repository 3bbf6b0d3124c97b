// SPDX-License-Identifier: MIT
/*
 * verbs.c - one handler per request: HELLO, STATUS, ACQUIRE, RELEASE,
 * RESIZE, SUBSCRIBE, RELOAD, RESUME (and RESUME_FDS), HANDOVER, CREATE,
 * DESTROY, TEMPLATES. Every
 * refusal is an ERROR reply naming the reason, counted and logged through
 * ctl_send_refusal().
 */

#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "device.h"
#include "holder.h"
#include "lease.h"
#include "log.h"
#include "monitor.h"
#include "model.h"
#include "refuse.h"
#include "reload.h"
#include "resize.h"
#include "statefile.h"
#include "status.h"
#include "sync.h"
#include "verbs.h"

/* Finds the named device the peer may use, or answers why not. */
static struct device *verbs_device(struct tapqd *d, struct client *cl, uint32_t seq,
				   const char name[TAPQD_NAME_MAX], const char *verb)
{
	const struct ctl_peer *p = ctl_peer(cl);
	struct device *dev;

	if (!tapqd_name_valid(name, TAPQD_NAME_MAX)) {
		ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
		return NULL;
	}
	dev = device_find(d, name);
	if (!dev && (dev = model_find_retrying(d, name))) {
		log_device(d, dev->conf.name);
		ctl_send_error(d, cl, seq, -EAGAIN,
			       "%s: its interface is gone and creating it again failed (%s): tapqd "
			       "retries",
			       name, strerror(dev->create_error));
		return NULL;
	}
	if (!dev) {
		ctl_send_error(d, cl, seq, -ENOENT, "no device %s", name);
		return NULL;
	}
	/* what the request logs from here concerns it: ctl.c puts the context back after */
	log_device(d, dev->conf.name);
	/* before the allow lists: the answer tells its owner what to do instead */
	if (dev->state == DEVICE_BY_NAME) {
		ctl_send_error(d, cl, seq, -EOPNOTSUPP,
			       "%s: handed off by name: open it as %s (TUNSETIFF); tapqd holds none "
			       "of its queues to %s",
			       dev->conf.name, dev->conf.name, verb);
		return NULL;
	}
	if (!ctl_peer_permits(cl, &dev->conf)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_ALLOWED, -EACCES,
				 "uid %u may not use %s (%s: not in allow_users/allow_groups)",
				 (unsigned int)p->uid, dev->conf.name, verb);
		return NULL;
	}
	return dev;
}

/*
 * Another interface may have taken the name of one renamed outside tapqd:
 * nothing is handed out or changed by that name until it is renamed back.
 */
static bool verbs_renamed(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct device *dev)
{
	if (!device_renamed(dev))
		return false;
	ctl_send_error(d, cl, seq, -ENODEV,
		       "%s was renamed to %s outside tapqd (ifindex %d); rename it back", dev->conf.name,
		       dev->ifname, dev->ifindex);
	return true;
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

/*
 * A peer sees all of a device it may use or whose lease a process of its
 * uid holds; of any other, what status_redact() leaves.
 */
static int verbs_send_status(struct tapqd *d, struct client *cl, uint32_t seq,
			     const struct device *dev)
{
	struct tapqd_device_info info;
	char buf[TAPQD_MSG_MAX - sizeof(struct tapqd_hdr)];
	ssize_t n;
	int r;

	/* one of every device a STATUS lists: the request puts the context back after */
	log_device(d, dev->conf.name);
	status_device_info(d, dev, &info);
	if (!ctl_peer_permits(cl, &dev->conf) &&
	    !(dev->lease && lease_uid(dev->lease) == ctl_peer(cl)->uid))
		status_redact(&info);
	n = tapqd_device_encode(&info, buf, sizeof(buf));
	r = verbs_encode_check(d, cl, seq, dev, n);
	if (r < 0)
		return r;
	return ctl_send(d, cl, TAPQD_DEVICE, seq, buf, (size_t)n, NULL, 0);
}

/* A STATUS of every device, sent as the peer reads it: the names it had when asked. */
static_assert(CONF_NAME_MAX == TAPQD_NAME_MAX, "a device's name is copied whole");
struct status_stream {
	uint32_t seq;
	size_t next, n;
	char names[][TAPQD_NAME_MAX];
};

/* The closing OK, with the refusal counts as they are when the answer ends. */
static void verbs_status_done(struct tapqd *d, struct client *cl, uint32_t seq)
{
	struct tapqd_daemon_info info = {
		.known = true,
		.stats_known = true,
		.resizes = d->stats.resizes,
		.reloads_applied = d->stats.reloads_applied,
		.reloads_refused = d->stats.reloads_refused,
		.errors = atomic_load(&d->stats.errors),
		.connections = (unsigned int)ctl_n_clients(d),
	};
	char buf[sizeof(struct tapqd_wire_daemon) + sizeof(info.refusals)];
	ssize_t n;

	memcpy(info.refusals, refuse_counts(d), sizeof(info.refusals));
	n = tapqd_daemon_encode(&info, buf, sizeof(buf));
	ctl_send(d, cl, TAPQD_OK, seq, buf, (size_t)n, NULL, 0);
}

/* A device gone since the request is left out: the answer was never one instant's. */
static bool verbs_status_more(struct tapqd *d, struct client *cl, void *arg)
{
	struct status_stream *st = arg;

	while (st->next < st->n) {
		struct device *dev;

		if (ctl_room(cl) < TAPQD_MSG_MAX + 64)
			return false;
		dev = model_find_any(d, st->names[st->next++]);
		if (dev && verbs_send_status(d, cl, st->seq, dev) < 0)
			return true;
	}
	verbs_status_done(d, cl, st->seq);
	return true;
}

/*
 * Status answers anyone who may connect, each as verbs_send_status() says,
 * and counts refusals by reason (no peer named). It reads the model and
 * changes nothing; the monitor's
 * events run before any client's in a loop round (monitor.c), so a change
 * the kernel already notified is in the model. Every device's goes out as
 * the peer reads it, so that no device count makes the answer larger than
 * client_output_max.
 */
static void verbs_status(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_name *req)
{
	struct status_stream *st;
	struct device *dev;
	size_t n = 0;

	if (req->name[0]) {
		if (!tapqd_name_valid(req->name, sizeof(req->name))) {
			ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
			return;
		}
		dev = model_find_any(d, req->name);
		if (!dev) {
			ctl_send_error(d, cl, seq, -ENOENT, "no device %s", req->name);
			return;
		}
		if (verbs_send_status(d, cl, seq, dev) == 0)
			verbs_status_done(d, cl, seq);
		return;
	}
	TAILQ_FOREACH(dev, &d->devices, entry)
		n++;
	TAILQ_FOREACH(dev, &d->retrying, entry)
		n++;
	st = malloc(sizeof(*st) + n * sizeof(st->names[0]));
	if (!st) {
		ctl_send_error(d, cl, seq, -ENOMEM, "status of %zu devices: out of memory", n);
		return;
	}
	st->seq = seq;
	st->next = 0;
	st->n = 0;
	TAILQ_FOREACH(dev, &d->devices, entry)
		memcpy(st->names[st->n++], dev->conf.name, TAPQD_NAME_MAX);
	TAILQ_FOREACH(dev, &d->retrying, entry)
		memcpy(st->names[st->n++], dev->conf.name, TAPQD_NAME_MAX);
	ctl_stream(d, cl, verbs_status_more, st);
}

/*
 * The LEASE message carries the first fds, FDS messages the rest, in queue
 * order; each is tracked, so that one dropped unread ends the lease
 * (verbs_on_undelivered). Return: 0, or -errno when one could not be sent.
 */
static int verbs_send_lease(struct tapqd *d, struct client *cl, uint32_t seq,
			    const struct device *dev)
{
	const struct lease *l = dev->lease;
	unsigned int n = dev->conf.max_queues;
	unsigned int first = n < TAPQD_FDS_PER_MSG ? n : TAPQD_FDS_PER_MSG;
	char buf[TAPQD_MSG_MAX - sizeof(struct tapqd_hdr)];
	struct tapqd_lease_info msg;
	ssize_t len;
	int r;

	memcpy(msg.token, lease_token(l), sizeof(msg.token));
	status_device_info(d, dev, &msg.dev);
	len = tapqd_lease_encode(&msg, first, buf, sizeof(buf));
	r = verbs_encode_check(d, cl, seq, dev, len);
	if (r < 0)
		return r;
	r = ctl_send_tracked(d, cl, TAPQD_LEASE, seq, buf, (size_t)len, dev->fds, first,
			     lease_id(l));
	for (unsigned int i = first; i < n && r == 0; i += TAPQD_FDS_PER_MSG) {
		struct tapqd_fds fm = {.first_fd = (uint16_t)i};

		fm.n_fds = (uint16_t)(n - i < TAPQD_FDS_PER_MSG ? n - i : TAPQD_FDS_PER_MSG);
		r = ctl_send_tracked(d, cl, TAPQD_FDS, seq, &fm, sizeof(fm), dev->fds + i,
				     fm.n_fds, lease_id(l));
	}
	return r;
}

static void verbs_acquire(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct tapqd_acquire *req)
{
	unsigned int control = req->control ? req->control : TAPQD_CONTROL_CLIENT;
	const struct ctl_peer *p = ctl_peer(cl);
	struct device *dev;
	struct lease *l;
	char what[64] = "";
	int r;

	if (control != TAPQD_CONTROL_CLIENT && control != TAPQD_CONTROL_DAEMON) {
		ctl_send_error(d, cl, seq, -EINVAL, "unknown control mode %u", control);
		return;
	}
	dev = verbs_device(d, cl, seq, req->name, "acquire");
	if (!dev || verbs_renamed(d, cl, seq, dev))
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
		model_lease_end(d, dev, "holder exited");
		dev = verbs_device(d, cl, seq, req->name, "acquire");
		if (!dev)
			return;
	}
	switch (dev->state) {
	case DEVICE_READY:
		break;
	case DEVICE_LEASED:
	case DEVICE_WAITING:
		ctl_send_error(d, cl, seq, -EBUSY, "%s is leased by pid %d%s", dev->conf.name,
			       (int)lease_pid(dev->lease),
			       dev->state == DEVICE_WAITING
				       ? ", which has not resumed since tapqd restarted"
				       : "");
		return;
	default:
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s: its interface is still held by the fds its last holder left; "
			       "it is created afresh once they are closed",
			       dev->conf.name);
		return;
	}
	r = model_lease_begin(d, dev, cl, control, &l, what, sizeof(what));
	if (r < 0) {
		log_err(d, "%s: lease for pid %d: %s: %s", dev->conf.name, (int)p->pid, what,
			strerror(-r));
		ctl_send_error(d, cl, seq, r, "%s: %s: %s", dev->conf.name, what, strerror(-r));
		return;
	}
	log_info(d, "%s: leased to pid %d uid %u, %s control, %u of %u queues active",
		 dev->conf.name, (int)p->pid, (unsigned int)p->uid, tapqd_control_name(control),
		 device_active_count(dev), dev->conf.max_queues);
	r = verbs_send_lease(d, cl, seq, dev);
	if (r < 0) {
		model_lease_end(d, dev, "its LEASE could not be sent");
		return;
	}
	sync_device(d, dev);
}

/* The lease of the named device the peer may use, or answers why there is none. */
static struct device *verbs_leased(struct tapqd *d, struct client *cl, uint32_t seq,
				   const char name[TAPQD_NAME_MAX], const char *verb)
{
	struct device *dev = verbs_device(d, cl, seq, name, verb);

	if (dev && !dev->lease) {
		ctl_send_error(d, cl, seq, -ENOENT, "%s is not leased", dev->conf.name);
		return NULL;
	}
	return dev;
}

/*
 * tapqd cannot take back the fds a revoked holder has: say whether it still
 * has them, for the operator. A holder that exited has closed them all; one
 * alive after the count was the process counted, not a recycled pid.
 */
static void verbs_log_revoke(struct tapqd *d, const struct device *dev, const struct ctl_peer *p)
{
	pid_t holder = lease_pid(dev->lease);
	int k = holder_count_tap_fds(holder, dev->conf.name), prio = LOG_WARNING;
	char what[128];

	if (lease_holder_exited(dev->lease))
		k = 0;
	if (k == 0) {
		prio = LOG_INFO;
		snprintf(what, sizeof(what), "has closed every queue fd");
	} else if (k > 0) {
		snprintf(what, sizeof(what), "still has %d of its %u queue fds", k,
			 dev->conf.max_queues);
	} else {
		snprintf(what, sizeof(what), "may still have the queue fds (/proc/%d/fd: %s)",
			 (int)holder, strerror(-k));
	}
	log_msg(d, prio, "%s: lease of pid %d revoked by pid %d uid %u; the holder %s",
		dev->conf.name, (int)holder, (int)p->pid, (unsigned int)p->uid, what);
}

static void verbs_release(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct tapqd_release *req)
{
	struct device *dev = verbs_leased(d, cl, seq, req->name, "release");
	const struct ctl_peer *p = ctl_peer(cl);
	pid_t holder;

	if (!dev)
		return;
	holder = lease_pid(dev->lease);
	if (holder == p->pid) {
		model_lease_end(d, dev, "released");
	} else if (p->uid == 0 || lease_token_matches(dev->lease, req->token)) {
		verbs_log_revoke(d, dev, p);
		model_lease_end(d, dev, "revoked");
	} else {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "%s is leased by pid %d: only that process, root or the lease token "
				 "can release it",
				 dev->conf.name, (int)holder);
		return;
	}
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * A device waiting for its holder takes the fds that come with the resume
 * as its own copies; any other keeps the copies it has, and those sent are
 * closed, as are all of them when the resume is refused. From version 3 the
 * fds come in a RESUME_FDS that the OK to RESUME asks for, so that tapqd
 * takes fds only from a peer that showed the token (see ctl_ask_fds()).
 */
static void verbs_resume(struct tapqd *d, struct client *cl, const struct tapqd_hdr *h,
			 const struct tapqd_resume *req, int *fds, size_t n_fds)
{
	struct device *dev = verbs_leased(d, cl, h->seq, req->name, "resume");
	const struct ctl_peer *p = ctl_peer(cl);
	struct tapqd_resume_reply rep = {0};
	bool ask = h->type == TAPQD_RESUME && h->version >= 3;
	char what[200] = "";
	int r;

	if (!dev)
		goto out;
	if (!lease_token_matches(dev->lease, req->token)) {
		ctl_send_refusal(d, cl, h->seq, TAPQD_REFUSAL_BAD_TOKEN, -EPERM,
				 "%s: wrong lease token", dev->conf.name);
		goto out;
	}
	if (dev->state == DEVICE_WAITING && ask) {
		r = ctl_ask_fds(d, cl);
		if (r < 0) {
			ctl_send_error(d, cl, h->seq, r, "%s: cannot take fds: %s", dev->conf.name,
				       strerror(-r));
			goto out;
		}
		rep.flags = TAPQD_RESUME_SEND_FDS;
		ctl_send(d, cl, TAPQD_OK, h->seq, &rep, sizeof(rep), NULL, 0);
		goto out;
	}
	if (dev->state == DEVICE_WAITING && !n_fds) {
		ctl_send_error(d, cl, h->seq, -EAGAIN,
			       "%s: tapqd restarted without its queue fds: resume with them",
			       dev->conf.name);
		goto out;
	}
	if (dev->state == DEVICE_WAITING) {
		r = model_resume(d, dev, p->pid, fds, n_fds, what, sizeof(what));
		if (r < 0) {
			ctl_send_refusal(d, cl, h->seq, TAPQD_REFUSAL_BAD_FDS, r,
					 "%s: %s: %s", dev->conf.name, what,
					 strerror(-r));
			goto out;
		}
		n_fds = 0; /* the device's own copies now */
	}
	lease_set_conn(dev->lease, cl);
	log_info(d, "%s: lease of pid %d resumed by pid %d", dev->conf.name,
		 (int)lease_pid(dev->lease), (int)p->pid);
	ctl_send(d, cl, TAPQD_OK, h->seq, &rep, h->version >= 3 ? sizeof(rep) : 0, NULL, 0);
out:
	ctl_close_fds(d, cl, fds, n_fds);
}

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

/*
 * Only the holder, or whoever it gave the token, moves its lease: to a
 * process it could signal (kill(2)'s rule) and that may use the device.
 */
static void verbs_handover(struct tapqd *d, struct client *cl, uint32_t seq,
			   const struct tapqd_handover *req)
{
	struct device *dev = verbs_leased(d, cl, seq, req->name, "handover");
	const struct ctl_peer *p = ctl_peer(cl);
	const char *name;
	pid_t was;
	uid_t uid = 0;
	int r;

	if (!dev)
		return;
	name = dev->conf.name;
	was = lease_pid(dev->lease);
	if (was != p->pid && !lease_token_matches(dev->lease, req->token)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "%s is leased by pid %d: only that process or the lease token can "
				 "hand it over",
				 name, (int)was);
		return;
	}
	if (req->pid <= 0) {
		ctl_send_error(d, cl, seq, -EINVAL, "no process %d", (int)req->pid);
		return;
	}
	/* the pid is a number in the requester's pid namespace: only tapqd's own means the same */
	if (!verbs_same_pidns(p->pid)) {
		ctl_send_error(d, cl, seq, -EXDEV,
			       "pid %d is a number of another pid namespace than tapqd's",
			       (int)req->pid);
		return;
	}
	r = lease_handover(d, dev->lease, req->pid, p->uid, &uid);
	if (r == -EPERM) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TARGET, r,
				 "%s: uid %u may not hand its lease to pid %d: only to a process of "
				 "its own uid (real or saved), never to pid 1 or tapqd",
				 name, (unsigned int)p->uid, (int)req->pid);
		return;
	}
	if (r == -EACCES) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TARGET, r,
				 "%s: handover to pid %d: uid %u of pid %d may not use %s "
				 "(not in allow_users/allow_groups)",
				 name, (int)req->pid, (unsigned int)uid, (int)req->pid, name);
		return;
	}
	if (r < 0) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TARGET, r,
				 "%s: handover to pid %d: %s", name, (int)req->pid, strerror(-r));
		return;
	}
	log_info(d, "%s: lease of pid %d handed over to pid %d uid %u by pid %d", name, (int)was,
		 (int)req->pid, (unsigned int)uid, (int)p->pid);
	sync_event(d, dev, TAPQD_EVENT_LEASE_TAKEN, req->pid, NULL);
	sync_device(d, dev);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * RESIZE carries no token: whoever has it shows it with RESUME, and the
 * lease's connection is then theirs, as are its SHRINK events to answer.
 */
static bool verbs_may_resize(const struct lease *l, const struct client *cl)
{
	const struct ctl_peer *p = ctl_peer(cl);

	return p->uid == 0 || p->pid == lease_pid(l) || lease_conn(l) == cl;
}

static void verbs_resize(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_resize *req)
{
	struct device *dev = verbs_device(d, cl, seq, req->name, "resize");
	unsigned int n = req->active_queues;

	if (!dev || verbs_renamed(d, cl, seq, dev))
		return;
	if (!device_has_queues(dev)) {
		ctl_send_error(d, cl, seq, -EBUSY, "%s has no queue fds since tapqd restarted",
			       dev->conf.name);
		return;
	}
	if (n < 1 || n > dev->conf.max_queues) {
		ctl_send_error(d, cl, seq, -EINVAL, "%s: active queues must be 1-%u, not %u",
			       dev->conf.name, dev->conf.max_queues, n);
		return;
	}
	if (dev->lease && lease_control(dev->lease) == TAPQD_CONTROL_CLIENT) {
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s is leased in client mode by pid %d: its holder sets the active "
			       "queues",
			       dev->conf.name, (int)lease_pid(dev->lease));
		return;
	}
	if (dev->lease && !verbs_may_resize(dev->lease, cl)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "%s is leased in daemon mode by pid %d: only that process, root "
				 "or a connection that resumed the lease with its token can resize it",
				 dev->conf.name, (int)lease_pid(dev->lease));
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
	ctl_subscribe(cl, req->name);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * Reloading is root's, as sending SIGHUP is; asking how the last one went is
 * as public as status, but only root reads the file's own text: a config
 * line may hold a secret. The reply comes once the reload is applied or
 * refused.
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
		if (ctl_peer(cl)->uid == 0)
			snprintf(rep.msg, sizeof(rep.msg), "%.*s", (int)sizeof(rep.msg) - 1,
				 d->conf_error);
		else
			conf_error_redact(d->conf_error, rep.msg, sizeof(rep.msg));
		ctl_send(d, cl, TAPQD_RELOAD, seq, &rep, sizeof(rep), NULL, 0);
		return;
	}
	if (ctl_peer(cl)->uid != 0) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "only root may reload the configuration");
		return;
	}
	log_info(d, "reload asked by pid %d", (int)ctl_peer(cl)->pid);
	r = reload_run(d);
	if (r < 0)
		ctl_send_error(d, cl, seq, r, "%s", d->conf_error);
	else
		ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/* Devices uid has created from template t, whether their interface is there or retried. */
static unsigned int verbs_created_count(struct tapqd *d, const char *tmpl, uid_t uid)
{
	struct device_list *lists[] = {&d->devices, &d->retrying};
	unsigned int n = 0;
	struct device *dev;

	for (size_t i = 0; i < 2; i++)
		TAILQ_FOREACH(dev, lists[i], entry)
			n += dev->conf.has_creator && dev->conf.creator == uid &&
			     !strcmp(dev->conf.template_name, tmpl);
	return n;
}

/*
 * Why name is not free: a device of tapqd's, declared or created, or an
 * interface. NULL: free. Who created a device is said only to a peer that
 * may use it, as status says it.
 */
static const char *verbs_name_taken(struct tapqd *d, const struct client *cl, const char *name,
				    char *buf, size_t size)
{
	const struct conf_device *cd = conf_find_device(&d->conf, name);
	struct device *dev = model_find_any(d, name);

	if (dev && !ctl_peer_permits(cl, &dev->conf))
		snprintf(buf, size, "%s is a device of tapqd's", name);
	else if (cd)
		snprintf(buf, size, "%s is a device of the config (line %u)", name, cd->line);
	else if (dev && dev->conf.template_name[0])
		snprintf(buf, size, "%s exists: created from template %s by uid %u", name,
			 dev->conf.template_name, (unsigned int)dev->conf.creator);
	else if (dev)
		snprintf(buf, size, "%s is a device of tapqd's", name);
	else if (if_nametoindex(name))
		snprintf(buf, size, "an interface %s exists that is not tapqd's", name);
	else
		return NULL;
	return buf;
}

/*
 * What limit of the host a failed creation hit, in words: the first thing
 * an operator needs, since tapqd itself has no cap on devices.
 */
static const char *verbs_host_limit(int r, char *buf, size_t size)
{
	struct rlimit rl;

	if (r == -EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(buf, size, "tapqd's file descriptor limit (RLIMIT_NOFILE %llu) is reached",
			 (unsigned long long)rl.rlim_cur);
	else if (r == -ENFILE)
		snprintf(buf, size, "the system's file table is full (fs.file-max)");
	else if (r == -ENOMEM || r == -ENOBUFS)
		snprintf(buf, size, "out of memory");
	else
		snprintf(buf, size, "the kernel refused");
	return buf;
}

/*
 * The template says who may create, what name and how many queues; the
 * creator may then use the device besides the template's allow lists.
 */
static void verbs_create(struct tapqd *d, struct client *cl, uint32_t seq,
			 const struct tapqd_create *req)
{
	const struct ctl_peer *p = ctl_peer(cl);
	const struct conf_template *t;
	struct conf_device cd;
	struct device *dev;
	char why[160], what[160] = "", limit[96];
	unsigned int n, have;
	int r;

	if (!tapqd_name_valid(req->name, sizeof(req->name)) ||
	    !conf_ifname_valid(req->name)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_NAME, -EINVAL,
				 "not a valid interface name");
		return;
	}
	log_device(d, req->name);
	/* no template could have it: the bytes are the peer's, and its refusal goes to the log */
	if (!conf_template_name_valid(req->template_name)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TEMPLATE, -EINVAL,
				 "%s: not a template name", req->name);
		return;
	}
	if (!(t = conf_find_template(&d->conf, req->template_name))) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TEMPLATE, -ENOENT,
				 "%s: no template %s in the config", req->name, req->template_name);
		return;
	}
	if (!ctl_peer_permits(cl, &t->dev)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_ALLOWED, -EACCES,
				 "uid %u may not create from template %s (not in its allow_users/"
				 "allow_groups)",
				 (unsigned int)p->uid, t->name);
		return;
	}
	if (!conf_template_name_matches(t, req->name)) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_NAME, -EINVAL,
				 "%s does not match template %s's names = %s", req->name, t->name,
				 t->names);
		return;
	}
	if (verbs_name_taken(d, cl, req->name, why, sizeof(why))) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_NAME, -EEXIST, "%s", why);
		return;
	}
	n = req->max_queues ? req->max_queues : t->dev.max_queues;
	if (n > t->dev.max_queues) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_BAD_TEMPLATE, -EINVAL,
				 "%s: %u queues: template %s has max_queues = %u", req->name, n,
				 t->name, t->dev.max_queues);
		return;
	}
	have = verbs_created_count(d, t->name, p->uid);
	if (t->max_per_user && p->uid != 0 && have >= t->max_per_user) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_QUOTA, -EDQUOT,
				 "uid %u has created %u devices from template %s, its max_per_user = "
				 "%u: destroy one first",
				 (unsigned int)p->uid, have, t->name, t->max_per_user);
		return;
	}
	conf_template_device(t, req->name, &cd);
	cd.max_queues = n;
	if (cd.active_queues > n)
		cd.active_queues = CONF_ACTIVE_ALL;
	snprintf(cd.template_name, sizeof(cd.template_name), "%s", t->name);
	cd.has_creator = true;
	cd.creator = p->uid;
	r = model_create_device(d, &cd, "created", &dev, what, sizeof(what));
	if (r < 0) {
		log_err(d, "%s: creating it from template %s for pid %d uid %u: %s: %s",
			cd.name, t->name, (int)p->pid, (unsigned int)p->uid, what, strerror(-r));
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_HOST_LIMIT, r, "%s: %s: %s: %s",
				 cd.name, what, strerror(-r),
				 verbs_host_limit(r, limit, sizeof(limit)));
		return;
	}
	log_info(d, "%s: created from template %s by pid %d uid %u, ifindex %d, %u queues",
		 cd.name, t->name, (int)p->pid, (unsigned int)p->uid, dev->ifindex, n);
	/* under a service manager the store must know the device before the client does */
	statefile_save(d);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

/*
 * The creator or root deletes a created device; a leased one stays with its
 * holder, who may be another user the template allows.
 */
static void verbs_destroy(struct tapqd *d, struct client *cl, uint32_t seq,
			  const struct tapqd_name *req)
{
	const struct ctl_peer *p = ctl_peer(cl);
	struct device *dev;
	char why[160];

	if (!tapqd_name_valid(req->name, sizeof(req->name))) {
		ctl_send_error(d, cl, seq, -EINVAL, "invalid device name");
		return;
	}
	log_device(d, req->name);
	dev = model_find_any(d, req->name);
	if (!dev || !dev->conf.template_name[0]) {
		if (conf_find_device(&d->conf, req->name))
			ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
					 "%s is declared in the config: remove it there and reload",
					 req->name);
		else
			ctl_send_error(d, cl, seq, -ENOENT, "no created device %s", req->name);
		return;
	}
	if (p->uid != 0 && !ctl_peer_permits(cl, &dev->conf)) {
		/* its creator may use it: this is another user, who is not told which */
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "%s was created by another user: only that user or root may "
				 "destroy it",
				 dev->conf.name);
		return;
	}
	if (p->uid != 0 && p->uid != dev->conf.creator) {
		ctl_send_refusal(d, cl, seq, TAPQD_REFUSAL_NOT_PERMITTED, -EPERM,
				 "%s was created by uid %u: only that user or root may destroy it",
				 dev->conf.name, (unsigned int)dev->conf.creator);
		return;
	}
	if (dev->lease) {
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s is leased by pid %d%s: release it first", dev->conf.name,
			       (int)lease_pid(dev->lease),
			       dev->state == DEVICE_WAITING ? " (since before tapqd restarted)" : "");
		return;
	}
	if (dev->state == DEVICE_ORPHANED) {
		ctl_send_error(d, cl, seq, -EBUSY,
			       "%s: its interface is still held by the fds its last holder left",
			       dev->conf.name);
		return;
	}
	snprintf(why, sizeof(why), "destroyed by pid %d uid %u", (int)p->pid,
		 (unsigned int)p->uid);
	if (model_drop_retrying(d, req->name) == 0)
		log_info(d, "%s: %s (it was waiting to be created again)", req->name, why);
	else
		model_destroy(d, dev, MODEL_DELETE, why);
	statefile_save(d);
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

static_assert(CONF_TEMPLATE_NAME_MAX == TAPQD_TEMPLATE_MAX, "a template's name is copied whole");
static_assert(CONF_GLOB_MAX == TAPQD_GLOB_MAX, "a template's glob is copied whole");
/* No config has so many templates that their answer would not go out at once. */
#define VERBS_TEMPLATE_MSG_SIZE (sizeof(struct tapqd_hdr) + sizeof(struct tapqd_wire_template))
static_assert((CONF_MAX_TEMPLATES + 1) * VERBS_TEMPLATE_MSG_SIZE <= CONF_CLIENT_OUTPUT_MIN,
	      "the least client_output_max holds every template and the OK");

/*
 * A peer sees the templates it may create from, as CREATE would judge it
 * (root all of them): what the allow lists keep from someone is not shown
 * to them either.
 */
static void verbs_templates(struct tapqd *d, struct client *cl, uint32_t seq)
{
	char buf[sizeof(struct tapqd_wire_template)];

	for (size_t i = 0; i < d->conf.n_templates; i++) {
		const struct conf_template *t = &d->conf.templates[i];
		struct tapqd_template_info info = {0};
		ssize_t n;

		if (!ctl_peer_permits(cl, &t->dev))
			continue;
		/* counted only for the templates shown: each count walks every device */
		info.max_queues = t->dev.max_queues;
		info.max_per_user = t->max_per_user;
		info.created = verbs_created_count(d, t->name, ctl_peer(cl)->uid);
		memcpy(info.name, t->name, sizeof(info.name));
		memcpy(info.names, t->names, sizeof(info.names));
		n = tapqd_template_encode(&info, buf, sizeof(buf));
		if (n < 0) {
			log_err(d, "template %s: encoding it: %s", t->name, strerror((int)-n));
			ctl_send_error(d, cl, seq, (int)n, "template %s: encoding it: %s", t->name,
				       strerror((int)-n));
			return;
		}
		if (ctl_send(d, cl, TAPQD_TEMPLATE, seq, buf, (size_t)n, NULL, 0) < 0)
			return;
	}
	ctl_send(d, cl, TAPQD_OK, seq, NULL, 0, NULL, 0);
}

static void verbs_request(struct tapqd *d, struct client *cl, const struct tapqd_hdr *h,
			  const void *payload, int *fds, size_t n_fds)
{
	/* a queue change its sender made just before is followed before it is answered */
	monitor_flush(d);
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
	case TAPQD_RESUME_FDS:
		verbs_resume(d, cl, h, payload, fds, n_fds);
		break;
	case TAPQD_HANDOVER:
		verbs_handover(d, cl, h->seq, payload);
		break;
	case TAPQD_CREATE:
		verbs_create(d, cl, h->seq, payload);
		break;
	case TAPQD_DESTROY:
		verbs_destroy(d, cl, h->seq, payload);
		break;
	case TAPQD_TEMPLATES:
		verbs_templates(d, cl, h->seq);
		break;
	}
}

static void verbs_on_gone(struct tapqd *d, struct client *cl)
{
	lease_client_gone(d, cl);
	resize_client_gone(d, cl);
}

/* A LEASE or FDS message dropped unread: that process never got the queues it holds the lease of. */
static void verbs_on_undelivered(struct tapqd *d, uint64_t cookie)
{
	struct device *dev = lease_find_id(d, cookie);
	struct log_ctx was = d->log_ctx;

	if (!dev)
		return;
	log_device(d, dev->conf.name);
	log_peer(d, lease_pid(dev->lease), lease_uid(dev->lease));
	model_lease_end(d, dev, "its queue fds were never delivered: the connection closed");
	d->log_ctx = was;
}

const struct ctl_ops verbs_ops = {
	.request = verbs_request,
	.gone = verbs_on_gone,
	.undelivered = verbs_on_undelivered,
};
