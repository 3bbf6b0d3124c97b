// SPDX-License-Identifier: MIT
/*
 * reload.c - SIGHUP and RELOAD: re-reads the config, refuses it whole or
 * takes it, and applies the plan config/reload_plan.c makes of it: the
 * decisions are the plan's, the deeds this file's (devices deleted,
 * created, let go) and reconf.c's (one device's settings)
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "log.h"
#include "model.h"
#include "notify.h"
#include "reconf.h"
#include "reload.h"
#include "reload_plan.h"
#include "sockfile.h"
#include "statefile.h"
#include "sync.h"
#include "topo.h"

/* A [tapqd] change: info when applied, err with the reason when not. */
static void __attribute__((format(printf, 3, 4)))
reload_note(const struct tapqd *d, int r, const char *fmt, ...)
{
	char change[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(change, sizeof(change), fmt, ap);
	va_end(ap);
	if (r < 0)
		log_err(d, "config: %s: %s", change, strerror(-r));
	else
		log_info(d, "config: %s", change);
}

static void reload_socket(struct tapqd *d, const struct conf *prev)
{
	struct conf *c = &d->conf;
	char what[300];
	int r;

	if (strcmp(prev->socket_path, c->socket_path)) {
		reload_note(d, 0,
			    "socket %s: applies at the next start; still listening on %s",
			    c->socket_path, prev->socket_path);
		memcpy(c->socket_path, prev->socket_path, sizeof(c->socket_path));
	}
	if (prev->socket_mode == c->socket_mode && prev->has_socket_group == c->has_socket_group &&
	    prev->socket_group == c->socket_group)
		return;
	if (!d->listen_path[0]) {
		reload_note(d, 0,
			    "socket_mode, socket_group: the socket is the service "
			    "manager's; its socket unit sets them");
		goto keep;
	}
	if (prev->socket_mode != c->socket_mode) {
		r = sockfile_set(d->listen_path, c->socket_mode, (gid_t)-1, what, sizeof(what));
		reload_note(d, r, "socket_mode %04o -> %04o (%s)", prev->socket_mode,
			    c->socket_mode, what);
		if (r < 0)
			goto keep;
	}
	if (prev->has_socket_group != c->has_socket_group ||
	    prev->socket_group != c->socket_group) {
		/* no socket_group: the group tapqd runs as, as when it created the socket */
		gid_t gid = c->has_socket_group ? c->socket_group : getegid();

		r = sockfile_set(d->listen_path, c->socket_mode, gid, what, sizeof(what));
		reload_note(d, r, "socket_group %u (%s)", (unsigned int)gid, what);
		if (r < 0)
			goto keep;
	}
	return;
keep:
	c->socket_mode = prev->socket_mode;
	c->has_socket_group = prev->has_socket_group;
	c->socket_group = prev->socket_group;
}
static int reload_adopt(struct tapqd *d, const struct conf *next, struct conf *prev)
{
	char what[512] = "";
	int r;

	*prev = d->conf;
	d->conf = *next;
	r = topo_init(d, what, sizeof(what));
	if (r == 0)
		return 0;
	d->conf = *prev;
	if (r == -EINVAL)
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: %s", d->conf_path, what);
	else
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: %s: %s", d->conf_path, what,
			 strerror(-r));
	return r;
}

/* The [tapqd] changes that act through tapqd: the socket; the rest are read where they count. */
static void reload_globals(struct tapqd *d, const struct conf *prev, unsigned int globals)
{
	char line[256];

	for (unsigned int g = PLAN_G_SOCKET_PATH; g <= PLAN_G_LAST; g <<= 1)
		if ((globals & g) && !(g & (PLAN_G_SOCKET_PATH | PLAN_G_SOCKET_MODE |
					    PLAN_G_SOCKET_GROUP)))
			reload_note(d, 0, "%s",
				    plan_global_text(g, prev, &d->conf, line, sizeof(line)));
	reload_socket(d, prev);
	d->log_level = (int)d->conf.log_level;
}

/*
 * Queue placement from scratch, in list order (devs is the list as it was
 * planned), as at start-up: of the devices the plan says take part, which
 * never includes one its action deleted.
 */
static void reload_place_all(struct tapqd *d, struct device *const *devs,
			     const struct reload_plan *plan)
{
	struct log_ctx was = d->log_ctx;

	memset(d->cpu_load, 0, sizeof(d->cpu_load));
	for (size_t i = 0; i < plan->n_devs; i++) {
		struct device *dev = devs[i];
		int before[TAPQD_MAX_QUEUES];
		size_t n;
		int r;

		/* one its action deleted is freed, and not placed */
		if (!plan->devs[i].place)
			continue;
		log_device(d, dev->conf.name);
		n = dev->conf.max_queues * sizeof(int);
		memcpy(before, dev->cpu, n);
		r = topo_place(d, dev);
		/* its old cores may be outside the new cpus, and are in no load count now */
		if (r < 0)
			for (unsigned int q = 0; q < dev->conf.max_queues; q++)
				dev->cpu[q] = -1;
		if (r < 0 || memcmp(before, dev->cpu, n)) {
			char cpus[160] = "";
			size_t o = 0;

			for (unsigned int q = 0; q < dev->conf.max_queues && o < sizeof(cpus); q++)
				o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%d",
						      q ? "," : "", dev->cpu[q]);
			if (r < 0)
				log_err(d, "%s: queues placed again: cpus %s: %s", dev->conf.name,
					cpus, strerror(-r));
			else
				log_info(d, "%s: queues placed again: cpus %s", dev->conf.name, cpus);
		}
	}
	d->log_ctx = was;
}

/* Created devices take part in placement after the declared ones, as at start-up. */
static void reload_place_created(struct tapqd *d)
{
	struct log_ctx was = d->log_ctx;
	struct device *dev;

	TAILQ_FOREACH(dev, &d->devices, entry) {
		int r;

		if (!dev->conf.template_name[0] || !device_has_queues(dev))
			continue;
		log_device(d, dev->conf.name);
		r = topo_place(d, dev);
		if (r < 0)
			log_err(d, "%s: queues placed again: %s", dev->conf.name, strerror(-r));
	}
	d->log_ctx = was;
}

/*
 * A created device's name is taken until it is destroyed: a config that
 * declares a device by it is refused, saying where.
 */
static int reload_check_created(struct tapqd *d, const struct conf *next)
{
	for (size_t i = 0; i < next->n_devices; i++) {
		const struct conf_device *cd = &next->devices[i];
		struct device *dev = model_find_any(d, cd->name);

		if (!dev || !dev->conf.template_name[0])
			continue;
		snprintf(d->conf_error, sizeof(d->conf_error),
			 "%s:%u: device \"%s\" was created from template %s by uid %u: destroy it "
			 "first (tapqctl destroy %s)",
			 d->conf_path, cd->line, cd->name, dev->conf.template_name,
			 (unsigned int)dev->conf.creator, cd->name);
		return -EEXIST;
	}
	return 0;
}

/* One device's action, whatever it is; dev may be freed on return. */
static void reload_device(struct tapqd *d, struct device *dev, const struct plan_action *a)
{
	char when[64], why[256] = "";
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	plan_why_text(a, reconf_when(dev, when, sizeof(when)), why, sizeof(why));
	switch (a->kind) {
	case PLAN_NOTHING:
	case PLAN_APPLY:
	case PLAN_DEFER:
		reconf_apply(d, dev, a);
		break;
	case PLAN_RECREATE:
	case PLAN_REMOVE:
		model_destroy(d, dev, MODEL_DELETE, why[0] ? why : "removed from the config");
		break;
	case PLAN_FORGET:
		model_destroy(d, dev, MODEL_FORGET, why[0] ? why : "removed from the config");
		break;
	case PLAN_REMOVE_AT_LEASE_END:
	case PLAN_REMOVE_LATER:
		if (!(a->flags & PLAN_F_STILL_REMOVED) && why[0])
			log_info(d, "%s: %s", dev->conf.name, why);
		dev->removal_pending = true;
		dev->conf_pending = false;
		break;
	}
	d->log_ctx = was;
}

/*
 * The plan of every device, from their states now; then each action, the
 * placement again, the devices to create, and one sync of them all.
 */
static int reload_devices(struct tapqd *d, const struct conf *prev)
{
	struct plan_device_in *in;
	struct device **devs, *dev;
	struct reload_plan plan;
	size_t n = 0;
	int r;

	TAILQ_FOREACH(dev, &d->devices, entry)
		n++;
	in = calloc(n ? n : 1, sizeof(*in));
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (!in || !devs) {
		r = -ENOMEM;
		goto out;
	}
	n = 0;
	/* a created device keeps the config it was created with: no reload plans it */
	TAILQ_FOREACH(dev, &d->devices, entry) {
		if (dev->conf.template_name[0])
			continue;
		devs[n] = dev;
		reconf_plan_in(d, dev, &in[n++]);
	}
	r = reload_plan(prev, &d->conf, in, n, &plan);
	if (r < 0)
		goto out;
	reload_globals(d, prev, plan.globals);
	for (size_t i = 0; i < n; i++)
		reload_device(d, devs[i], &plan.devs[i]);
	reload_place_all(d, devs, &plan);
	reload_place_created(d);
	for (size_t i = 0; i < plan.n_create; i++)
		model_add(d, plan.create[i]);
	reload_plan_free(&plan);
	sync_all(d);
out:
	free(in);
	free(devs);
	return r;
}

int reload_run(struct tapqd *d)
{
	struct conf *next = malloc(sizeof(*next)), *prev = malloc(sizeof(*prev));
	struct conf *drop = NULL; /* whose devices are freed at the end: next's, or once taken, prev's */
	struct conf_error err;
	char *text = NULL;
	size_t len = 0;
	int r;

	notify_reloading(d);
	log_info(d, "reloading %s", d->conf_path);
	if (!next || !prev) {
		r = -ENOMEM;
		snprintf(d->conf_error, sizeof(d->conf_error), "%s: out of memory", d->conf_path);
		goto refused;
	}
	conf_init(next);
	drop = next;
	r = conf_load_file_text(d->conf_path, &conf_lookup_system, next, &err, &text, &len);
	if (r < 0) {
		conf_error_format(&err, d->conf_error, sizeof(d->conf_error));
		goto refused;
	}
	r = reload_check_created(d, next);
	if (r < 0)
		goto refused;
	r = reload_adopt(d, next, prev);
	if (r < 0)
		goto refused;
	drop = prev;
	d->conf_error[0] = '\0';
	statefile_keep_conf(d, text, len);
	text = NULL;
	r = reload_devices(d, prev);
	if (r < 0)
		log_err(d, "reload: planning the devices: %s; they keep their settings",
			strerror(-r));
	/* the config a restart comes up on when the file no longer loads */
	statefile_save(d);
	log_info(d, "reloaded %s: %zu device%s declared", d->conf_path, d->conf.n_devices,
		 d->conf.n_devices == 1 ? "" : "s");
	d->stats.reloads_applied++;
	sync_event_daemon(d, TAPQD_EVENT_RELOAD_APPLIED);
	goto out;
refused:
	d->stats.reloads_refused++;
	sync_event_daemon(d, TAPQD_EVENT_RELOAD_REFUSED);
	log_err(d, "reload refused, the previous configuration stays: %s", d->conf_error);
out:
	if (drop)
		conf_free(drop);
	free(text);
	free(next);
	free(prev);
	notify_ready(d);
	return r;
}
