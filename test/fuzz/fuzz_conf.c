// SPDX-License-Identifier: MIT
/*
 * fuzz_conf.c - libFuzzer target: conf_parse_buffer on arbitrary bytes, and what
 * must hold after; a config that parses is validated again and reloaded, by
 * reload_plan(), to itself and to a second config (the bytes after a form feed)
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "reload_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few names resolve, one fails like a broken NSS module, the rest are unknown. */
static int fuzz_user(const char *name, uid_t *ret)
{
	if (!strcmp(name, "root") || !strcmp(name, "alice")) {
		*ret = name[0] == 'r' ? 0 : 1000;
		return 0;
	}
	return strcmp(name, "eio") ? -ENOENT : -EIO;
}

static int fuzz_group(const char *name, gid_t *ret)
{
	if (!strcmp(name, "root") || !strcmp(name, "kvm")) {
		*ret = name[0] == 'r' ? 0 : 108;
		return 0;
	}
	return strcmp(name, "eio") ? -ENOENT : -EIO;
}

static const struct conf_lookup fuzz_lookup = {fuzz_user, fuzz_group};

static struct conf old, next;

/* Parses one config and checks what must hold either way. Return: as conf_parse_buffer. */
static int conf_check(const uint8_t *data, size_t size, struct conf *c)
{
	struct conf_error err;
	char line[600];
	size_t lines = 1;
	int r;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = conf_parse_buffer((const char *)data, size, "fuzz.conf", &fuzz_lookup, c, &err);
	if (r == 0) {
		/* whatever parses is valid, and every device can be found by its name */
		if (conf_validate(c, "fuzz.conf", &err) != 0)
			abort();
		for (size_t i = 0; i < c->n_devices; i++)
			if (conf_find_device(c, c->devices[i].name) != &c->devices[i])
				abort();
	} else {
		/* a refusal says why, and names a line of the input */
		if (r != -EINVAL || !memchr(err.msg, '\0', sizeof(err.msg)) || !err.msg[0] ||
		    err.line < 1 || err.line > lines || strcmp(err.file, "fuzz.conf"))
			abort();
	}
	conf_error_format(&err, line, sizeof(line));
	if (!memchr(line, '\0', sizeof(line)))
		abort();
	return r;
}

/* Every line the plan's log would print, checked for a terminating NUL. */
static void plan_texts(const struct reload_plan *plan)
{
	char buf[512];

	for (unsigned int g = 1; g && g <= PLAN_G_RESIZE_TIMEOUT; g <<= 1)
		if ((plan->globals & g) && !memchr(plan_global_text(g, &old, &next, buf, sizeof(buf)),
						   '\0', sizeof(buf)))
			abort();
	for (size_t i = 0; i < plan->n_devs; i++) {
		const struct plan_action *a = &plan->devs[i];

		for (unsigned int ch = 1; ch && ch <= PLAN_CH_PIN; ch <<= 1)
			if (((a->now | a->later) & ch) &&
			    !memchr(plan_change_text(a, ch, a->later & ch ? "later" : NULL, buf,
						     sizeof(buf)),
				    '\0', sizeof(buf)))
				abort();
		(void)plan_why_text(a, "when the lease ends", buf, sizeof(buf));
		for (unsigned int f = PLAN_F_BACK_IN_CONFIG; f <= PLAN_F_STILL_REMOVED; f <<= 1)
			(void)plan_flag_text(a, f);
	}
}

/* The creations: next's devices that run as none, or that the plan deletes first. */
static void create_check(const struct reload_plan *plan)
{
	size_t matched = 0;

	for (size_t i = 0; i < plan->n_devs; i++)
		matched += plan->devs[i].next && plan->devs[i].kind != PLAN_RECREATE;
	if (plan->n_create + matched != next.n_devices)
		abort();
	for (size_t i = 0; i < plan->n_create; i++)
		if (plan->create[i] != conf_find_device(&next, plan->create[i]->name))
			abort();
}

/* An action keeps to its header: now and later apart, a kind that says what they say. */
static void action_check(const struct plan_action *a, const struct plan_device_in *in)
{
	if ((a->now & a->later) || a->state != in->state || a->queues_open != in->queues_open)
		abort();
	if (!a->next) {
		/* removed from the config: nothing changes before it goes */
		if (a->now || a->later || strcmp(a->conf.name, a->running->name) ||
		    a->kind < PLAN_REMOVE)
			abort();
		return;
	}
	if (a->kind == PLAN_RECREATE) {
		/* deleted now and created again: only where tapqd holds every queue or none */
		if (a->later || (in->state != PLAN_READY && in->state != PLAN_BY_NAME))
			abort();
		return;
	}
	if (a->kind != (a->later ? PLAN_DEFER : a->now ? PLAN_APPLY : PLAN_NOTHING))
		abort();
}

/*
 * Plans old's devices into next, each in a state, with a pending config and
 * a pending removal, taken from seed (by name exactly when its handoff says
 * so), and checks that the plan keeps to its header: one action per device,
 * matched by name, every device of next either kept or created once.
 */
static void plan_check(unsigned int seed, bool same)
{
	struct plan_device_in *devs = calloc(old.n_devices ? old.n_devices : 1, sizeof(*devs));
	struct reload_plan plan;

	if (!devs)
		abort();
	for (size_t i = 0; i < old.n_devices; i++) {
		const struct conf_device *dev = &old.devices[i];
		unsigned int bits = seed >> (i % 16);

		devs[i] = (struct plan_device_in){
			.running = dev,
			.state = dev->handoff == CONF_HANDOFF_NAME ? PLAN_BY_NAME
								  : (bits + i) % PLAN_BY_NAME,
			.queues_open = dev->handoff == CONF_HANDOFF_NAME ? (int)((bits + i) % 3) - 1 : -1,
			.pending = bits & 4 ? conf_find_device(&next, dev->name) : NULL,
			.removal_pending = bits & 8,
		};
	}
	if (reload_plan(&old, &next, devs, old.n_devices, &plan) != 0)
		abort();
	if (plan.n_devs != old.n_devices || plan.n_create > next.n_devices ||
	    (same && (plan.globals || plan.n_create)))
		abort();
	for (size_t i = 0; i < plan.n_devs; i++) {
		const struct plan_action *a = &plan.devs[i];

		if (a->running != &old.devices[i] ||
		    a->next != conf_find_device(&next, old.devices[i].name))
			abort();
		if (same && (a->kind != PLAN_NOTHING || a->now || a->later))
			abort();
		action_check(a, &devs[i]);
	}
	create_check(&plan);
	plan_texts(&plan);
	reload_plan_free(&plan);
	free(devs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t old_size = ff ? (size_t)(ff - data) : size;
	unsigned int seed;

	if (conf_check(data, old_size, &old) != 0)
		return 0;
	/* the input's last bytes pick the states: any of them for any device */
	seed = size >= 4 ? (unsigned int)data[size - 1] | (unsigned int)data[size - 2] << 8 |
				   (unsigned int)data[size - 3] << 16 | (unsigned int)data[size - 4] << 24
			 : (unsigned int)size;
	/* a copy shares old's devices: only old's are freed */
	next = old;
	plan_check(seed, true);
	if (ff && conf_check(ff + 1, size - old_size - 1, &next) == 0) {
		plan_check(seed, false);
		conf_free(&next);
	}
	conf_free(&old);
	return 0;
}
