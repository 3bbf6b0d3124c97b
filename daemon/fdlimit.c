// SPDX-License-Identifier: MIT
/*
 * fdlimit.c - how many fds the service manager lets tapqd keep in its fd
 * store (the unit's FileDescriptorStoreMax=, read once at start-up), and a
 * ledger of what tapqd stored against it: systemd 252 closes an FDSTORE=1
 * fd that does not fit and tells tapqd nothing, so tapqd counts and says it.
 */

#include <errno.h>
#include <limits.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fdlimit.h"
#include "log.h"

/* PID 1's own bus socket, which systemctl uses as root: no dbus-daemon to need or wait for */
#define FDLIMIT_PRIVATE_BUS "unix:path=/run/systemd/private"

struct fdlimit_entry {
	const char *name;  /* buf; a key for tfind() points it at any string */
	unsigned int kept; /* fds of the name in the store */
	unsigned int lost; /* fds of the name systemd closed for want of room */
	char buf[];
};

struct fdlimit {
	void *root; /* tsearch() tree of struct fdlimit_entry, by name */
	unsigned int max;
	size_t kept;
	size_t lost;
};

static int fdlimit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fdlimit_entry *)a)->name,
		      ((const struct fdlimit_entry *)b)->name);
}

struct fdlimit *fdlimit_new(unsigned int max)
{
	struct fdlimit *l = calloc(1, sizeof(*l));

	if (l)
		l->max = max;
	return l;
}

void fdlimit_free(struct fdlimit *l)
{
	if (!l)
		return;
	tdestroy(l->root, free);
	free(l);
}

static struct fdlimit_entry *fdlimit_find(struct fdlimit *l, const char *name)
{
	const struct fdlimit_entry key = {.name = name};
	struct fdlimit_entry **found = tfind(&key, &l->root, fdlimit_cmp);

	return found ? *found : NULL;
}

/* The entry of name, added (empty) when it has none. */
static struct fdlimit_entry *fdlimit_entry(struct fdlimit *l, const char *name)
{
	struct fdlimit_entry *e = fdlimit_find(l, name);
	size_t len = strlen(name) + 1;

	if (e)
		return e;
	e = malloc(sizeof(*e) + len);
	if (!e)
		return NULL;
	memcpy(e->buf, name, len);
	e->name = e->buf;
	e->kept = 0;
	e->lost = 0;
	if (!tsearch(e, &l->root, fdlimit_cmp)) {
		free(e);
		return NULL;
	}
	return e;
}

int fdlimit_put(struct fdlimit *l, const char *name)
{
	struct fdlimit_entry *e = fdlimit_entry(l, name);

	if (!e)
		return -ENOMEM;
	if (l->kept < l->max) {
		e->kept++;
		l->kept++;
		return 0;
	}
	e->lost++;
	return ++l->lost == 1;
}

int fdlimit_passed(struct fdlimit *l, const char *name)
{
	struct fdlimit_entry *e = fdlimit_entry(l, name);

	if (!e)
		return -ENOMEM;
	e->kept++;
	l->kept++;
	return 0;
}

void fdlimit_remove(struct fdlimit *l, const char *name)
{
	struct fdlimit_entry *e = fdlimit_find(l, name);

	if (!e)
		return;
	l->kept -= e->kept;
	l->lost -= e->lost;
	tdelete(e, &l->root, fdlimit_cmp);
	free(e);
}

size_t fdlimit_kept(const struct fdlimit *l)
{
	return l->kept;
}

size_t fdlimit_wanted(const struct fdlimit *l)
{
	return l->kept + l->lost;
}

unsigned int fdlimit_max(const struct fdlimit *l)
{
	return l->max;
}

/*
 * One bundle per device (its queues and holder, fdbundle.h), one more while
 * a device's new bundle is in before its old one is out, and the two lease
 * states likewise.
 */
size_t fdlimit_conf_need(const struct conf *cf)
{
	return cf->n_devices + 1 + 2;
}

size_t fdlimit_conf_open(const struct conf *cf)
{
	size_t n = 0;

	for (size_t i = 0; i < cf->n_devices; i++)
		n += 2 + (cf->devices[i].handoff == CONF_HANDOFF_NAME ? 0 : cf->devices[i].max_queues);
	return n;
}

int fdlimit_parse(const char *s, unsigned int *ret)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > UINT_MAX)
			return -ERANGE;
	}
	*ret = (unsigned int)v;
	return 0;
}

/* One property of the unit's Service interface, asked for asynchronously. */
struct fdlimit_prop {
	const char *name;
	uint32_t value;
	unsigned int *pending;
	int r;             /* 0, or -errno of the failed reply */
	char error[128];   /* the D-Bus error name of a failed reply */
};

static int fdlimit_on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct fdlimit_prop *p = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r;

	(void)ret_error;
	(*p->pending)--;
	if (e) {
		snprintf(p->error, sizeof(p->error), "%s", e->name ? e->name : "");
		r = sd_bus_error_get_errno(e);
		p->r = r > 0 ? -r : -EIO;
		return 0;
	}
	r = sd_bus_message_read(m, "v", "u", &p->value);
	p->r = r < 0 ? r : 0;
	return 0;
}

static uint64_t fdlimit_now_usec(void)
{
	struct timespec ts;

	/* cannot fail: a clock every kernel has, and a valid pointer */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Runs the bus until no reply is pending, never past deadline: sd_bus_call() alone could wait 90 s. */
static int fdlimit_bus_run(sd_bus *bus, const unsigned int *pending, uint64_t deadline)
{
	while (*pending) {
		uint64_t now = fdlimit_now_usec();
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (now >= deadline)
			return -ETIMEDOUT;
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0)
			return r;
	}
	return 0;
}

/* PID 1's socket as root, else the system bus; both connect without blocking. */
static int fdlimit_bus_open(sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	if (geteuid() == 0) {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, FDLIMIT_PRIVATE_BUS);
		if (r >= 0)
			r = sd_bus_start(bus);
		if (r >= 0) {
			*ret = bus;
			return 0;
		}
		sd_bus_unref(bus);
	}
	return sd_bus_open_system(ret);
}

/*
 * The service tapqd runs in, and its D-Bus object path. -ENXIO with why
 * when there is none (no unit, or a unit that is not a service), another
 * -errno with why otherwise. Both strings are the caller's to free.
 */
static int fdlimit_own_service(char **ret_unit, char **ret_path, char *why, size_t why_size)
{
	char *unit = NULL;
	size_t len;
	int r = sd_pid_get_unit(0, &unit);

	if (r < 0) {
		snprintf(why, why_size, "no systemd unit holds tapqd (%s)", strerror(-r));
		return -ENXIO;
	}
	len = strlen(unit);
	if (len < 8 || strcmp(unit + len - 8, ".service")) {
		snprintf(why, why_size, "tapqd runs in %s, not a service", unit);
		free(unit);
		return -ENXIO;
	}
	r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, ret_path);
	if (r < 0) {
		snprintf(why, why_size, "the D-Bus path of %s", unit);
		free(unit);
		return r;
	}
	*ret_unit = unit;
	return 0;
}

/*
 * FileDescriptorStoreMax= ("u", src/core/dbus-service.c) of the service
 * whose main process tapqd is. Anything else (no unit, no bus, a unit that
 * is not a service or whose main process is another, e.g. tapqd run by a
 * test's fake service manager) is -ENXIO with why; a failure on the bus of
 * tapqd's own unit is any other -errno.
 */
static int fdlimit_bus_read(char *unit_buf, size_t unit_size, unsigned int *ret, char *why,
			    size_t why_size)
{
	struct fdlimit_prop max = {.name = "FileDescriptorStoreMax"}, pid = {.name = "MainPID"};
	struct fdlimit_prop *props[] = {&max, &pid};
	unsigned int pending = 0;
	char *unit = NULL, *path = NULL;
	sd_bus *bus = NULL;
	int r;

	r = fdlimit_own_service(&unit, &path, why, why_size);
	if (r < 0)
		return r;
	snprintf(unit_buf, unit_size, "%s", unit);
	r = fdlimit_bus_open(&bus);
	if (r < 0) {
		snprintf(why, why_size, "no bus to systemd (%s)", strerror(-r));
		r = -ENXIO;
		goto out;
	}
	for (size_t i = 0; i < 2; i++) {
		props[i]->pending = &pending;
		r = sd_bus_call_method_async(bus, NULL, "org.freedesktop.systemd1", path,
					     "org.freedesktop.DBus.Properties", "Get",
					     fdlimit_on_reply, props[i], "ss",
					     "org.freedesktop.systemd1.Service", props[i]->name);
		if (r < 0) {
			snprintf(why, why_size, "asking %s for %s", unit, props[i]->name);
			goto out;
		}
		pending++;
	}
	r = fdlimit_bus_run(bus, &pending, fdlimit_now_usec() + FDLIMIT_BUS_TIMEOUT_MS * 1000u);
	if (r < 0) {
		snprintf(why, why_size, "waiting for %s's answer", unit);
		goto out;
	}
	for (size_t i = 0; i < 2 && r == 0; i++)
		if (props[i]->r < 0) {
			snprintf(why, why_size, "%s of %s: %s", props[i]->name, unit,
				 props[i]->error[0] ? props[i]->error : "malformed reply");
			r = props[i]->r;
		}
	if (r == 0 && pid.value != (uint32_t)getpid()) {
		snprintf(why, why_size, "the main process of %s is pid %u, not tapqd", unit,
			 (unsigned int)pid.value);
		r = -ENXIO;
	}
	if (r == 0)
		*ret = max.value;
out:
	/* closed at once: a reply still on its way is not waited for */
	sd_bus_close_unref(bus);
	free(path);
	free(unit);
	return r;
}

bool fdlimit_unit_stopping(struct tapqd *d)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *unit = NULL, *path = NULL, *type = NULL;
	const char *job_path = NULL;
	sd_bus *bus = NULL;
	uint32_t job = 0;
	bool stopping = false;
	char why[160];
	int r;

	r = fdlimit_own_service(&unit, &path, why, sizeof(why));
	if (r < 0) {
		log_info(d, "fd store: %s: leaving every device to the store", why);
		return false;
	}
	r = fdlimit_bus_open(&bus);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(bus, FDLIMIT_BUS_TIMEOUT_MS * 1000u);
	if (r >= 0)
		r = sd_bus_get_property(bus, "org.freedesktop.systemd1", path,
					"org.freedesktop.systemd1.Unit", "Job", &err, &reply, "(uo)");
	if (r >= 0)
		r = sd_bus_message_read(reply, "(uo)", &job, &job_path);
	if (r >= 0 && job)
		r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job_path,
					       "org.freedesktop.systemd1.Job", "JobType", &err,
					       &type);
	if (r >= 0 && job)
		stopping = !strcmp(type, "stop");
	if (r < 0)
		log_info(d, "fd store: asking systemd whether this is a stop or a restart: %s: "
			    "leaving every device to the store",
			 err.message ? err.message : strerror(-r));
	else
		log_info(d, "fd store: %s has %s%s%s", unit,
			 job ? "a job of type " : "no job", job ? type : "",
			 stopping ? ": systemd empties the store at exit, so tapqd deletes its "
				    "devices itself, in one message"
				  : ": a restart may take the store back, so it stays");
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_close_unref(bus);
	free(type);
	free(path);
	free(unit);
	return stopping;
}

/*
 * The fds back from the store: there already, and counted before tapqd
 * removes any. Every one is a queue, a pidfd or a memfd; the sockets passed
 * beside them are the socket unit's, not the store's.
 */
static int fdlimit_count_passed(struct tapqd *d)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(0, &names), r = 0;

	/* 0: LISTEN_FDS is adopt_leases()'s to unset, after this */
	for (int i = 0; i < n && r == 0; i++)
		if (names && names[i] && sd_is_socket(SD_LISTEN_FDS_START + i, AF_UNSPEC, 0, -1) == 0)
			r = fdlimit_passed(d->fdlimit, names[i]);
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return n < 0 ? n : r;
}

void fdlimit_start(struct tapqd *d)
{
	char unit[256] = "tapqd's unit", why[300] = "";
	const char *env = getenv("FDSTORE"), *how = "$FDSTORE";
	unsigned int max = 0;
	size_t need;
	int r;

	if (!d->fdstore)
		return;
	r = env ? fdlimit_parse(env, &max) : -ENOENT;
	if (r == -ENOENT) {
		how = "D-Bus";
		r = fdlimit_bus_read(unit, sizeof(unit), &max, why, sizeof(why));
	} else if (r < 0) {
		snprintf(why, sizeof(why), "$FDSTORE=%s", env);
	}
	if (r == -ENXIO) {
		log_debug(d, "fd store: its size (FileDescriptorStoreMax=) is not known: %s; what "
			     "does not fit goes unnoticed",
			  why);
		return;
	}
	if (r < 0) {
		log_warn(d, "fd store: reading FileDescriptorStoreMax= of %s: %s: %s; what does "
			    "not fit goes unnoticed",
			 unit, why, strerror(-r));
		return;
	}
	d->fdlimit = fdlimit_new(max);
	r = d->fdlimit ? fdlimit_count_passed(d) : -ENOMEM;
	if (r < 0) {
		log_warn(d, "fd store: counting the fds passed back from it: %s; what does not fit "
			    "goes unnoticed",
			 strerror(-r));
		fdlimit_stop(d);
		return;
	}
	need = fdlimit_conf_need(&d->conf);
	log_msg(d, need > max ? LOG_WARNING : LOG_INFO,
		"fd store: FileDescriptorStoreMax=%u (%s, from %s), %zu fds in it now; the "
		"devices of %s and their leases can need %zu%s",
		max, unit, how, fdlimit_kept(d->fdlimit), d->conf_path, need,
		need > max ? ": raise FileDescriptorStoreMax=, or a restart loses what does not fit"
			   : "");
}

int fdlimit_note_put(struct tapqd *d, const char *name)
{
	size_t kept;
	int r;

	if (!d->fdlimit)
		return 0;
	kept = fdlimit_kept(d->fdlimit);
	r = fdlimit_put(d->fdlimit, name);
	if (r > 0)
		log_err(d, "fd store: tapqd keeps %zu fds there, but FileDescriptorStoreMax= is %u: "
			   "systemd closed %s and closes every fd over that, and a restart loses "
			   "them; raise FileDescriptorStoreMax=",
			fdlimit_wanted(d->fdlimit), fdlimit_max(d->fdlimit), name);
	if (r < 0) {
		log_warn(d, "fd store: counting %s: %s; from now on, what does not fit goes "
			    "unnoticed",
			 name, strerror(-r));
		fdlimit_stop(d);
		return 0;
	}
	return fdlimit_kept(d->fdlimit) > kept ? 0 : -ENOSPC;
}

void fdlimit_note_remove(struct tapqd *d, const char *name)
{
	if (d->fdlimit)
		fdlimit_remove(d->fdlimit, name);
}

void fdlimit_stop(struct tapqd *d)
{
	fdlimit_free(d->fdlimit);
	d->fdlimit = NULL;
}
