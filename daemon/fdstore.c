// SPDX-License-Identifier: MIT
/*
 * fdstore.c - the fd store: every queue fd, each lease holder's pidfd and the
 * lease state memfd go to the service manager, so that a crashed or
 * restarted tapqd gets them back. Nothing leaves it on SIGTERM: a stop and a
 * restart look the same from here, and systemd empties the store on stop.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fdstore.h"
#include "log.h"
#include "notify.h"
#include "state.h"

void fdstore_queue_name(char *buf, size_t size, const char *dev, unsigned int queue)
{
	snprintf(buf, size, "q.%u.%.*s", queue, TAPQD_NAME_MAX - 1, dev);
}

void fdstore_holder_name(char *buf, size_t size, const char *dev)
{
	snprintf(buf, size, "h.%.*s", TAPQD_NAME_MAX - 1, dev);
}

enum fdstore_kind fdstore_name_parse(const char *name, char dev[TAPQD_NAME_MAX],
				     unsigned int *ret_queue)
{
	const char *p = name;
	unsigned int q = 0;
	enum fdstore_kind kind;

	if (!strcmp(name, FDSTORE_STATE))
		return FDSTORE_LEASES;
	if (!strncmp(name, "h.", 2)) {
		kind = FDSTORE_HOLDER;
		p += 2;
	} else if (!strncmp(name, "q.", 2)) {
		kind = FDSTORE_QUEUE;
		/* decimal, no leading zero: one spelling per queue */
		for (p += 2; *p >= '0' && *p <= '9' && p - name < 6; p++)
			q = q * 10 + (unsigned int)(*p - '0');
		if (p == name + 2 || *p != '.' || (name[2] == '0' && p != name + 3) ||
		    q >= TAPQD_MAX_QUEUES)
			return FDSTORE_FOREIGN;
		p++;
	} else {
		return FDSTORE_FOREIGN;
	}
	if (strlen(p) >= TAPQD_NAME_MAX || !tapqd_name_valid(p, TAPQD_NAME_MAX))
		return FDSTORE_FOREIGN;
	memset(dev, 0, TAPQD_NAME_MAX);
	memcpy(dev, p, strlen(p));
	if (ret_queue)
		*ret_queue = q;
	return kind;
}

static void fdstore_put(struct tapqd *d, const char *name, int fd)
{
	int r = notify_store_fd(name, fd);

	if (r < 0)
		log_err(d, "fd store: keeping %s: %s; a restart will not get it back", name,
			strerror(-r));
}

void fdstore_remove(struct tapqd *d, const char *name)
{
	int r;

	if (!d->fdstore)
		return;
	r = notify_remove_fd(name);
	if (r < 0)
		log_err(d, "fd store: removing %s: %s", name, strerror(-r));
}

void fdstore_add_device(struct tapqd *d, const struct device *dev)
{
	char name[FDSTORE_NAME_MAX];

	if (!d->fdstore)
		return;
	for (unsigned int i = 0; i < dev->conf.max_queues; i++) {
		fdstore_queue_name(name, sizeof(name), dev->conf.name, i);
		fdstore_put(d, name, dev->fds[i]);
	}
}

void fdstore_forget_device(struct tapqd *d, const struct device *dev)
{
	char name[FDSTORE_NAME_MAX];

	if (!d->fdstore)
		return;
	for (unsigned int i = 0; i < dev->conf.max_queues; i++) {
		fdstore_queue_name(name, sizeof(name), dev->conf.name, i);
		fdstore_remove(d, name);
	}
	fdstore_holder_name(name, sizeof(name), dev->conf.name);
	fdstore_remove(d, name);
	fdstore_save_state(d, dev);
}

void fdstore_lease_changed(struct tapqd *d, const struct device *dev)
{
	char name[FDSTORE_NAME_MAX];

	if (!d->fdstore)
		return;
	/* replaced, never added to: two pidfds under one name would be two holders */
	fdstore_holder_name(name, sizeof(name), dev->conf.name);
	fdstore_remove(d, name);
	if (dev->lease)
		fdstore_put(d, name, dev->lease->pidfd);
	fdstore_save_state(d, NULL);
}

/* A sealed memfd: what a restarted tapqd reads is what this one wrote, whole. */
static int fdstore_state_memfd(const uint8_t *buf, size_t size)
{
	int fd = memfd_create("tapqd-state", MFD_CLOEXEC | MFD_ALLOW_SEALING), r;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, size);
	if (n != (ssize_t)size) {
		r = n < 0 ? -errno : -EIO;
		goto fail;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

void fdstore_save_state(struct tapqd *d, const struct device *skip)
{
	struct state_lease *leases;
	const struct device *dev;
	size_t n = 0;
	uint8_t *buf;
	int fd = -ENOMEM;

	if (!d->fdstore)
		return;
	TAILQ_FOREACH(dev, &d->devices, entry)
		n += dev != skip && dev->lease;
	leases = calloc(n ? n : 1, sizeof(*leases));
	buf = malloc(state_size(n));
	if (leases && buf) {
		n = 0;
		TAILQ_FOREACH(dev, &d->devices, entry) {
			struct state_lease *sl = &leases[n];

			if (dev == skip || !dev->lease)
				continue;
			memcpy(sl->name, dev->conf.name, sizeof(sl->name));
			sl->pid = dev->lease->pid;
			sl->uid = dev->lease->uid;
			sl->control = dev->lease->control;
			memcpy(sl->token, dev->lease->token, sizeof(sl->token));
			n++;
		}
		state_encode(leases, n, buf);
		fd = fdstore_state_memfd(buf, state_size(n));
	}
	free(leases);
	free(buf);
	if (fd < 0) {
		log_err(d, "fd store: writing the lease state: %s; a restart will not know the "
			   "leases",
			strerror(-fd));
		return;
	}
	/* FDSTOREREMOVE, then FDSTORE: a crash in between loses the leases, never mixes two */
	fdstore_remove(d, FDSTORE_STATE);
	fdstore_put(d, FDSTORE_STATE, fd);
	close(fd);
}
