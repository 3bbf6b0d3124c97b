// SPDX-License-Identifier: MIT
/*
 * lease.c - a lease binds a device to the process that acquired it, through
 * a pidfd: it ends on RELEASE or when that process exits, never merely
 * because a connection closed. What a lease is stays here; the model
 * (model.c) decides what its beginning and end do to the device.
 */

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
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
#include "ctl.h"
#include "device.h"
#include "lease.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

struct lease {
	struct tapqd *d;
	struct device *dev;
	uint64_t id; /* tells the LEASE message of this lease from any other (ctl_send_tracked) */
	pid_t pid;
	char comm[TAPQD_NAME_MAX]; /* /proc/PID/comm when pid took the lease, "" if unreadable */
	uid_t uid;
	int pidfd;
	struct event *exit_ev;
	struct client *conn; /* the connection that acquired or resumed it, NULL once closed */
	unsigned int control;
	uint8_t token[TAPQD_TOKEN_LEN];
};

/*
 * What status and events show next to the holder's pid. Read once, while
 * the pidfd holds the pid to this process; a process that has gone, or a
 * /proc that says nothing, leaves it "": a name is a help, never a need.
 */
static void lease_read_comm(struct lease *l)
{
	char path[32];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)l->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, l->comm, sizeof(l->comm) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	l->comm[n] = '\0';
	l->comm[strcspn(l->comm, "\n")] = '\0';
	/*
	 * Any process names itself (PR_SET_NAME, or its file's name): a control
	 * byte would reach the terminal of whoever reads status, so it shows as
	 * '?', as ps shows it.
	 */
	for (char *c = l->comm; *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			*c = '?';
}

/* One lease owns dev from here: the state to store changed. */
static void lease_attach(struct lease *l, struct tapqd *d, struct device *dev)
{
	l->d = d;
	l->dev = dev;
	l->id = ++d->lease_ids;
	dev->lease = l;
	dev->lease_dirty = true;
}

/*
 * SO_PEERPIDFD (Linux 6.5) names the very process that connected; before
 * that, pidfd_open on the SO_PEERCRED pid is the best there is.
 */
static int lease_peer_pidfd(const struct client *cl)
{
	int pidfd;
	socklen_t len = sizeof(pidfd);

	if (getsockopt(ctl_client_fd(cl), SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0)
		return pidfd;
	if (errno != ENOPROTOOPT && errno != EINVAL)
		return -errno;
	pidfd = (int)syscall(SYS_pidfd_open, ctl_peer(cl)->pid, 0);
	return pidfd < 0 ? -errno : pidfd;
}

static void lease_on_holder_exit(evutil_socket_t fd, short what, void *arg)
{
	struct lease *l = arg;

	(void)fd;
	(void)what;
	l->d->hooks.holder_exited(l->d, l->dev);
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
	l->pid = ctl_peer(cl)->pid;
	lease_read_comm(l);
	l->uid = ctl_peer(cl)->uid;
	l->conn = cl;
	l->control = control;
	lease_attach(l, d, dev);
	*ret = l;
	return 0;
fail:
	if (l->exit_ev)
		event_free(l->exit_ev);
	close(l->pidfd);
	free(l);
	return r;
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

int lease_handover(struct tapqd *d, struct lease *l, pid_t pid, uid_t by_uid, uid_t *ret_uid)
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
	if (!acl_may_signal(by_uid, pid, getpid(), &peer)) {
		r = -EPERM;
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
	lease_read_comm(l);
	l->uid = peer.uid;
	l->dev->lease_dirty = true;
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
	l->pid = pid;
	lease_read_comm(l);
	l->uid = rec->uid;
	l->pidfd = pidfd;
	l->control = rec->control;
	memcpy(l->token, rec->token, sizeof(l->token));
	lease_attach(l, d, dev);
	return 0;
}

void lease_free(struct lease *l)
{
	l->dev->lease = NULL;
	l->dev->lease_dirty = true;
	event_free(l->exit_ev);
	close(l->pidfd);
	free(l);
}

void lease_client_gone(struct tapqd *d, const struct client *cl)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->lease && dev->lease->conn == cl)
			dev->lease->conn = NULL; /* the lease stays with the process */
}

struct device *lease_find_id(struct tapqd *d, uint64_t id)
{
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry)
		if (dev->lease && dev->lease->id == id)
			return dev;
	return NULL;
}

/* Compares every byte, whatever differs first: the time taken tells nothing of the token. */
bool lease_token_matches(const struct lease *l, const uint8_t token[TAPQD_TOKEN_LEN])
{
	uint8_t diff = 0, any = 0;

	for (size_t i = 0; i < TAPQD_TOKEN_LEN; i++) {
		diff |= l->token[i] ^ token[i];
		any |= token[i];
	}
	/* all zero is "no token" on the wire, never a match */
	return diff == 0 && any != 0;
}

void lease_record(const struct lease *l, const char *name, struct state_lease *rec)
{
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->name, name, sizeof(rec->name));
	rec->pid = l->pid;
	rec->uid = l->uid;
	rec->control = l->control;
	memcpy(rec->token, l->token, sizeof(rec->token));
}

pid_t lease_pid(const struct lease *l)
{
	return l->pid;
}

const char *lease_comm(const struct lease *l)
{
	return l->comm;
}

uid_t lease_uid(const struct lease *l)
{
	return l->uid;
}

unsigned int lease_control(const struct lease *l)
{
	return l->control;
}

uint64_t lease_id(const struct lease *l)
{
	return l->id;
}

int lease_pidfd(const struct lease *l)
{
	return l->pidfd;
}

const uint8_t *lease_token(const struct lease *l)
{
	return l->token;
}

struct client *lease_conn(const struct lease *l)
{
	return l->conn;
}

void lease_set_conn(struct lease *l, struct client *cl)
{
	l->conn = cl;
}

bool lease_holder_exited(const struct lease *l)
{
	struct pollfd pfd = {.fd = l->pidfd, .events = POLLIN};

	/* a pidfd polls readable once its process has exited */
	return l->pidfd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}
