// SPDX-License-Identifier: MIT
/*
 * fdstore.c - the fd store: each device's queue fds and lease holder's
 * pidfd, as one bundle (fdbundle.c), and the lease state memfd go to the
 * service manager, so that a crashed or restarted tapqd gets them back.
 * When they go is the caller's (sync.c, model.c, statefile.c). Nothing
 * leaves it on SIGTERM: systemd empties the store itself after a stop.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "device.h"
#include "fdbundle.h"
#include "fdlimit.h"
#include "fdstore.h"
#include "log.h"
#include "notify.h"

void fdstore_queue_name(char *buf, size_t size, const char *dev, unsigned int queue)
{
	snprintf(buf, size, "q.%u.%.*s", queue, TAPQD_NAME_MAX - 1, dev);
}

void fdstore_holder_name(char *buf, size_t size, const char *dev)
{
	snprintf(buf, size, "h.%.*s", TAPQD_NAME_MAX - 1, dev);
}

void fdstore_bundle_name(char *buf, size_t size, const char *dev, uint64_t generation)
{
	snprintf(buf, size, "b.%u.%.*s", (unsigned int)(generation & 1), TAPQD_NAME_MAX - 1, dev);
}

enum fdstore_kind fdstore_name_parse(const char *name, char dev[TAPQD_NAME_MAX],
				     unsigned int *ret_queue)
{
	const char *p = name;
	unsigned int q = 0;
	enum fdstore_kind kind;

	/* "state" alone is what a tapqd of state version 1 stored: read, refused, dropped */
	if (!strcmp(name, FDSTORE_STATE) || !strcmp(name, FDSTORE_STATE ".0") ||
	    !strcmp(name, FDSTORE_STATE ".1"))
		return FDSTORE_LEASES;
	if (!strncmp(name, "h.", 2)) {
		kind = FDSTORE_HOLDER;
		p += 2;
	} else if (!strncmp(name, "b.0.", 4) || !strncmp(name, "b.1.", 4)) {
		kind = FDSTORE_BUNDLE;
		q = (unsigned int)(name[2] - '0');
		p += 4;
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

static int fdstore_put(struct tapqd *d, const char *name, int fd)
{
	int r = notify_store_fd(name, fd);

	if (r < 0) {
		log_err(d, "fd store: keeping %s: %s; a restart will not get it back", name,
			strerror(-r));
		return r;
	}
	/* systemd answers nothing, even when it is full: the count tells (fdlimit.c) */
	return r > 0 ? fdlimit_note_put(d, name) : 0;
}

void fdstore_remove(struct tapqd *d, const char *name)
{
	int r;

	if (!d->fdstore)
		return;
	r = notify_remove_fd(name);
	if (r < 0)
		log_err(d, "fd store: removing %s: %s", name, strerror(-r));
	else if (r > 0)
		fdlimit_note_remove(d, name);
}

void fdstore_put_device(struct tapqd *d, struct device *dev, int holder_pidfd)
{
	char name[FDSTORE_NAME_MAX], old[FDSTORE_NAME_MAX];
	/* by its fds, not its state: adopt.c stores a device before it has one */
	unsigned int queues = dev->fds[0] >= 0 ? dev->conf.max_queues : 0;
	uint64_t gen = dev->fdstore_gen + 1;
	int fd;

	if (!d->fdstore)
		return;
	fdstore_bundle_name(old, sizeof(old), dev->conf.name, dev->fdstore_gen);
	if (!queues && holder_pidfd < 0) {
		/* nothing left to keep: what was kept goes */
		if (dev->fdstore_gen)
			fdstore_remove(d, old);
		dev->fdstore_gen = 0;
		return;
	}
	fd = fdbundle_pack(dev->fds, queues, holder_pidfd, gen);
	if (fd < 0) {
		log_err(d, "fd store: bundling the %u queues%s of %s: %s; a restart will not get "
			   "them back as they are now",
			queues, holder_pidfd >= 0 ? " and the holder" : "", dev->conf.name,
			strerror(-fd));
		return;
	}
	fdstore_bundle_name(name, sizeof(name), dev->conf.name, gen);
	if (fdstore_put(d, name, fd) == 0) {
		if (dev->fdstore_gen)
			fdstore_remove(d, old);
		dev->fdstore_gen = gen;
	}
	close(fd);
}

void fdstore_forget_device(struct tapqd *d, const struct device *dev)
{
	char name[FDSTORE_NAME_MAX];

	if (!d->fdstore || !dev->fdstore_gen)
		return;
	fdstore_bundle_name(name, sizeof(name), dev->conf.name, dev->fdstore_gen);
	fdstore_remove(d, name);
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

void fdstore_state_name(char *buf, size_t size, uint64_t generation)
{
	snprintf(buf, size, FDSTORE_STATE ".%u", (unsigned int)(generation & 1));
}

/*
 * The new state goes in under the other name first, and only then the old
 * one out: a crash in between leaves both, and the restarted tapqd takes the
 * higher generation (adopt.c). A failed store keeps the old one, also when
 * the store is full and the service manager closed the new one: an older
 * state is better than none.
 */
void fdstore_put_state(struct tapqd *d, const uint8_t *buf, size_t size, uint64_t generation)
{
	char name[FDSTORE_NAME_MAX], old[FDSTORE_NAME_MAX];
	int fd;

	if (!d->fdstore)
		return;
	fd = fdstore_state_memfd(buf, size);
	if (fd < 0) {
		log_err(d, "fd store: writing the lease state: %s; a restart will not know the "
			   "leases",
			strerror(-fd));
		return;
	}
	fdstore_state_name(name, sizeof(name), generation);
	fdstore_state_name(old, sizeof(old), generation - 1);
	if (fdstore_put(d, name, fd) == 0)
		fdstore_remove(d, old);
	close(fd);
}
