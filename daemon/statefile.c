// SPDX-License-Identifier: MIT
/*
 * statefile.c - where the lease state goes each time a lease begins or ends
 * or a config is applied: a file in the runtime directory, the source for a
 * restart without systemd, and the service manager's fd store, the source
 * under systemd. Both get the same format (state.c) and generation; only
 * the store's copy carries the config text. Both are read back strictly, as
 * any input.
 */

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "fdstore.h"
#include "instance.h"
#include "lease.h"
#include "log.h"
#include "statefile.h"

int statefile_init(struct tapqd *d)
{
	return instance_path(d, STATEFILE_NAME, d->state_path, sizeof(d->state_path));
}

/* A created device as a record: its config as text (malloc'ed), whatever its state. */
static int statefile_created(const struct device *dev, struct state_created *c)
{
	char buf[STATE_CREATED_CONF_MAX];
	int n = conf_device_format(&dev->conf, buf, sizeof(buf));

	if (n < 0)
		return n;
	memcpy(c->name, dev->conf.name, sizeof(c->name));
	snprintf(c->template_name, sizeof(c->template_name), "%s", dev->conf.template_name);
	c->creator = dev->conf.creator;
	c->ifindex = dev->ifindex > 0 ? dev->ifindex : 0;
	c->conf = malloc((size_t)n);
	if (!c->conf)
		return -ENOMEM;
	memcpy(c->conf, buf, (size_t)n);
	c->conf_len = (size_t)n;
	return 0;
}

/* The created devices of list into s->created, which has room for them. */
static int statefile_collect_created(const struct device_list *list, struct state *s)
{
	const struct device *dev;
	int r;

	TAILQ_FOREACH(dev, list, entry) {
		if (!dev->conf.template_name[0])
			continue;
		r = statefile_created(dev, &s->created[s->n_created]);
		if (r < 0)
			return r;
		s->n_created++;
	}
	return 0;
}

/*
 * Every lease as a record, into s->leases, and every created device, into
 * s->created, whether its interface is there or being retried (malloc'ed).
 */
static int statefile_collect(struct tapqd *d, struct state *s)
{
	const struct device *dev;
	size_t n = 0, n_created = 0;
	int r;

	TAILQ_FOREACH(dev, &d->devices, entry) {
		n += dev->lease != NULL;
		n_created += dev->conf.template_name[0] != '\0';
	}
	TAILQ_FOREACH(dev, &d->retrying, entry)
		n_created += dev->conf.template_name[0] != '\0';
	s->leases = calloc(n ? n : 1, sizeof(*s->leases));
	s->created = calloc(n_created ? n_created : 1, sizeof(*s->created));
	if (!s->leases || !s->created)
		return -ENOMEM;
	TAILQ_FOREACH(dev, &d->devices, entry) {
		if (dev->lease)
			lease_record(dev->lease, dev->conf.name, &s->leases[s->n_leases++]);
	}
	r = statefile_collect_created(&d->devices, s);
	if (r == 0)
		r = statefile_collect_created(&d->retrying, s);
	return r;
}

/* s as bytes: malloc'ed, *ret_size of them; NULL when out of memory. */
static uint8_t *statefile_bytes(const struct state *s, size_t *ret_size)
{
	uint8_t *buf;

	*ret_size = state_size(s);
	buf = malloc(*ret_size);
	if (buf)
		state_encode(s, buf);
	return buf;
}

/*
 * Written beside it, then renamed over it: a crash of tapqd leaves the old
 * file or the new one, never a mix. No fsync: the file lives in /run, gone
 * at a power loss anyway, together with every lease it describes. 0600: the
 * tokens are secrets.
 */
static int statefile_write(const char *path, const uint8_t *buf, size_t size, const char **what)
{
	char tmp[sizeof(((struct tapqd *)0)->state_path) + 8], dir[sizeof(tmp)];
	char *slash;
	ssize_t n;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* before ctl_listen() made it, at the first start */
		*what = "creating its directory";
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	/*
	 * Always a new file: one left there (by a crash, or by someone who can
	 * write the directory and keeps it open to read the tokens) is unlinked,
	 * never reused.
	 */
	*what = "removing an old temporary file";
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	*what = "creating the temporary file";
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (r == 0) {
		*what = "writing";
		n = write(fd, buf, size);
		if (n != (ssize_t)size)
			r = n < 0 ? -errno : -EIO;
	}
	if (close(fd) < 0 && r == 0) {
		*what = "closing";
		r = -errno;
	}
	if (r == 0) {
		*what = "renaming the temporary file over it";
		if (rename(tmp, path) < 0)
			r = -errno;
	}
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * The file carries no config: without a store no unleased device outlives
 * tapqd, and a broken config must then fail as at a first start.
 */
void statefile_save(struct tapqd *d)
{
	struct state s = {.generation = ++d->state_gen};
	const char *what = "encoding";
	uint8_t *buf = NULL;
	size_t size = 0;
	int r, collected;

	d->state_dirty = false;
	r = collected = statefile_collect(d, &s);
	if (r == 0 && !(buf = statefile_bytes(&s, &size)))
		r = -ENOMEM;
	if (r == 0)
		r = statefile_write(d->state_path, buf, size, &what);
	if (r < 0)
		log_err(d, "lease state %s: %s: %s; a restart without the fd store will not know "
			   "the leases",
			d->state_path, what, strerror(-r));
	free(buf);
	if (d->fdstore) {
		s.conf = d->conf_text;
		s.conf_len = d->conf_text_len;
		buf = collected == 0 ? statefile_bytes(&s, &size) : NULL;
		if (buf)
			fdstore_put_state(d, buf, size, s.generation);
		else
			log_err(d, "fd store: the lease state: %s; a restart will not know the "
				   "leases and created devices",
				strerror(collected < 0 ? -collected : ENOMEM));
		free(buf);
		s.conf = NULL;
		s.conf_len = 0;
	}
	state_free(&s);
}

void statefile_keep_conf(struct tapqd *d, char *text, size_t len)
{
	free(d->conf_text);
	d->conf_text = NULL;
	d->conf_text_len = 0;
	if (len > STATE_CONF_MAX) {
		/* without a service manager nothing is carried anyway: nothing to warn of */
		if (d->fdstore)
			log_warn(d, "%s is %zu bytes, more than the %d the fd store carries: a "
				    "restart while it does not load will fail",
				 d->conf_path, len, STATE_CONF_MAX);
		free(text);
		return;
	}
	d->conf_text = text;
	d->conf_text_len = len;
}

int statefile_read_fd(int fd, struct state *ret)
{
	size_t max = state_size_max();
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size > max)
		return -EBADMSG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, (size_t)st.st_size + 1, 0);
	if (n < 0)
		r = -errno;
	else if (n != st.st_size)
		r = -EBADMSG; /* it changed under us: not what tapqd wrote */
	else
		r = state_decode(buf, (size_t)n, ret);
	free(buf);
	return r;
}

int statefile_load(struct tapqd *d, struct state *ret)
{
	struct stat st;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	fd = open(d->state_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* the tokens in it grant leases: only a file tapqd could have written counts */
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (st.st_uid != geteuid() || (st.st_mode & 077))
		r = -EPERM;
	else
		r = statefile_read_fd(fd, ret);
	close(fd);
	return r;
}

static void statefile_on_save(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;

	(void)fd;
	(void)what;
	if (d->state_dirty)
		statefile_save(d);
}

void statefile_save_soon(struct tapqd *d)
{
	if (!d->state_ev)
		d->state_ev = event_new(d->base, -1, 0, statefile_on_save, d);
	if (!d->state_ev) {
		statefile_save(d); /* no event to defer it with: now, then */
		return;
	}
	d->state_dirty = true;
	event_active(d->state_ev, 0, 0);
}

void statefile_close(struct tapqd *d)
{
	if (d->state_dirty)
		statefile_save(d);
	if (d->state_ev)
		event_free(d->state_ev);
	d->state_ev = NULL;
	statefile_keep_conf(d, NULL, 0);
}
