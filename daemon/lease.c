// SPDX-License-Identifier: MIT
/*
 * lease.c - a lease binds a device to the process that acquired it, through
 * a pidfd: it ends on RELEASE or when that process exits, never merely
 * because a connection closed
 */

#include <errno.h>
#include <event2/event.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "acl.h"
#include "budget.h"
#include "ctl.h"
#include "device.h"
#include "fdstore.h"
#include "lease.h"
#include "link.h"
#include "log.h"
#include "monitor.h"
#include "reload.h"
#include "resize.h"
#include "worker.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/*
 * SO_PEERPIDFD (Linux 6.5) names the very process that connected; before
 * that, pidfd_open on the SO_PEERCRED pid is the best there is.
 */
static int lease_peer_pidfd(const struct client *cl)
{
	int pidfd;
	socklen_t len = sizeof(pidfd);

	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0)
		return pidfd;
	if (errno != ENOPROTOOPT && errno != EINVAL)
		return -errno;
	pidfd = (int)syscall(SYS_pidfd_open, cl->pid, 0);
	return pidfd < 0 ? -errno : pidfd;
}

static void lease_on_holder_exit(evutil_socket_t fd, short what, void *arg)
{
	struct lease *l = arg;

	(void)fd;
	(void)what;
	lease_end(l->d, l, "holder exited");
}

int lease_grant(struct tapqd *d, struct device *dev, struct client *cl, unsigned int control,
		struct lease **ret)
{
	struct lease *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->pidfd = lease_peer_pidfd(cl);
	if (l->pidfd < 0) {
		r = l->pidfd;
		free(l);
		return r;
	}
	if (getrandom(l->token, sizeof(l->token), 0) != sizeof(l->token)) {
		r = errno ? -errno : -EIO;
		goto fail;
	}
	l->exit_ev = event_new(d->base, l->pidfd, EV_READ, lease_on_holder_exit, l);
	if (!l->exit_ev || event_add(l->exit_ev, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	l->d = d;
	l->dev = dev;
	l->pid = cl->pid;
	l->uid = cl->uid;
	l->conn = cl;
	l->control = control;
	dev->lease = l;
	fdstore_lease_changed(d, dev);
	*ret = l;
	return 0;
fail:
	if (l->exit_ev)
		event_free(l->exit_ev);
	close(l->pidfd);
	free(l);
	return r;
}

/*
 * Ends a lease and gives the device back to tapqd: whatever active set the
 * holder left is replaced by the one tapqd keeps for it.
 */
void lease_end(struct tapqd *d, struct lease *l, const char *why)
{
	struct device *dev = l->dev;
	pid_t l_pid = l->pid;
	unsigned int before, failed;
	int r;

	log_info(d, "%s: lease of pid %d ended: %s", dev->conf.name, (int)l->pid, why);
	ctl_send_event(d, dev, TAPQD_EVENT_LEASE_ENDED, l->pid);
	lease_forget(l);
	fdstore_lease_changed(d, dev);
	/*
	 * Waiting, tapqd has no fd of it: the interface goes with the holder's
	 * (at once when it exited) and is created afresh then, through the
	 * monitor's RTM_DELLINK if it has not gone yet.
	 */
	if (dev->waiting) {
		struct link_tun tun;

		if (if_nametoindex(dev->conf.name) != (unsigned int)dev->ifindex) {
			monitor_device_gone(d, dev);
			return;
		}
		/*
		 * A persistent one stays when the last fd closes: with no queue
		 * open anywhere it is nobody's, and is deleted to be created
		 * afresh (the monitor sees it go).
		 */
		if (link_get_tun(d->nl, dev->ifindex, &tun) == 0 && tun.persist &&
		    tun.num_queues + tun.num_disabled == 0) {
			int r2 = link_delete(d->nl, dev->ifindex);

			if (r2 < 0)
				log_err(d, "%s: deleting the persistent interface its holder left: %s",
					dev->conf.name, strerror(-r2));
			return;
		}
		log_info(d, "%s: waiting for its interface to go with the fds pid %d left",
			 dev->conf.name, (int)l_pid);
		return;
	}

	resize_finish_pending(d, dev);
	/* a reload may have kept the device's removal or new queues for this moment */
	if (reload_released(d, dev)) {
		monitor_poll_update(d);
		return;
	}
	r = device_refresh(dev);
	before = device_active_count(dev);
	if (r == 0)
		r = device_set_active(dev, dev->want_active, &failed);
	if (r < 0)
		log_err(d, "%s: restoring %u active queues after the lease: %s", dev->conf.name,
			dev->want_active, strerror(-r));
	/* nothing reads the rings between the lease and the workers: a pending shrink is safe */
	budget_update(d, dev, true);
	worker_sync(d, dev);
	monitor_poll_update(d);
	if (device_active_count(dev) != before)
		ctl_send_event(d, dev, TAPQD_EVENT_ACTIVE_CHANGED, 0);
}

/* Who a process is, as acl_permits() sees a client: from /proc/PID/status. */
static int lease_proc_peer(pid_t pid, struct acl_peer *peer, gid_t **ret_groups)
{
	char path[64], *text = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	/* the whole file: no NUL in it, and its Groups line may be long */
	if (getdelim(&text, &size, '\0', f) < 0)
		r = feof(f) ? -EBADMSG : -errno;
	else
		r = acl_peer_parse_status(text, peer, ret_groups);
	free(text);
	fclose(f);
	return r;
}

int lease_handover(struct tapqd *d, struct lease *l, pid_t pid, uid_t *ret_uid)
{
	struct acl_peer peer = {0};
	struct pollfd pfd = {.events = POLLIN};
	struct event *ev = NULL;
	gid_t *groups = NULL;
	int pidfd, r;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	r = lease_proc_peer(pid, &peer, &groups);
	if (r < 0)
		goto out;
	*ret_uid = peer.uid;
	/* still running after /proc was read: what it said is this process's, not a reused pid's */
	pfd.fd = pidfd;
	if (poll(&pfd, 1, 0) != 0) {
		r = -ESRCH;
		goto out;
	}
	if (!acl_permits(&l->dev->conf, &peer)) {
		r = -EACCES;
		goto out;
	}
	ev = event_new(d->base, pidfd, EV_READ, lease_on_holder_exit, l);
	if (!ev || event_add(ev, NULL) < 0) {
		r = -ENOMEM;
		goto out;
	}
	event_free(l->exit_ev);
	close(l->pidfd);
	/* both are the lease's now */
	l->exit_ev = ev;
	ev = NULL;
	l->pidfd = pidfd;
	pidfd = -1;
	l->pid = pid;
	l->uid = peer.uid;
	fdstore_lease_changed(d, l->dev);
out:
	if (ev)
		event_free(ev);
	if (pidfd >= 0)
		close(pidfd);
	free(groups);
	return r;
}

/* The pid a pidfd refers to, from its fdinfo: -1 once that process is gone. */
static int lease_pidfd_pid(int pidfd, pid_t *ret)
{
	char path[64], line[128];
	FILE *f;
	int r = -ENOENT;
	long pid;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1) {
			*ret = (pid_t)pid;
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

int lease_adopt(struct tapqd *d, struct device *dev, int pidfd, const struct state_lease *rec)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	struct lease *l;
	pid_t pid = 0;
	int r = lease_pidfd_pid(pidfd, &pid);

	if (r < 0)
		return r == -ENOENT ? -EBADF : r; /* no Pid: line, no pidfd */
	/* a pidfd polls readable once its process has exited */
	if (pid <= 0 || poll(&pfd, 1, 0) != 0)
		return -ESRCH;
	if (pid != rec->pid)
		return -ESTALE;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->exit_ev = event_new(d->base, pidfd, EV_READ, lease_on_holder_exit, l);
	if (!l->exit_ev || event_add(l->exit_ev, NULL) < 0) {
		if (l->exit_ev)
			event_free(l->exit_ev);
		free(l);
		return -ENOMEM;
	}
	l->d = d;
	l->dev = dev;
	l->pid = pid;
	l->uid = rec->uid;
	l->pidfd = pidfd;
	l->control = rec->control;
	memcpy(l->token, rec->token, sizeof(l->token));
	dev->lease = l;
	return 0;
}

void lease_forget(struct lease *l)
{
	l->dev->lease = NULL;
	event_free(l->exit_ev);
	close(l->pidfd);
	free(l);
}

bool lease_holder_exited(const struct lease *l)
{
	struct pollfd pfd = {.fd = l->pidfd, .events = POLLIN};

	/* a pidfd polls readable once its process has exited */
	return l->pidfd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}
