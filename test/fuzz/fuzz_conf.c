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

/* Static: a struct conf holds 64 devices, too much for libFuzzer's stack. */
static struct conf old, next;
static struct plan_device_in devs[CONF_MAX_DEVICES];

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
		if (conf_validate(c, "fuzz.conf", &err) != 0 || c->n_devices > CONF_MAX_DEVICES)
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

/*
 * Plans old's devices into next, each in a state taken from seed (by name
 * exactly when its handoff says so), and checks that the plan keeps to its
 * header: one action per device, matched by name, a change only where the
 * configs differ.
 */
static void plan_check(unsigned int seed, bool same)
{
	struct reload_plan plan;

	for (size_t i = 0; i < old.n_devices; i++) {
		const struct conf_device *dev = &old.devices[i];

		devs[i] = (struct plan_device_in){
			.running = dev,
			.state = dev->handoff == CONF_HANDOFF_NAME ? PLAN_BY_NAME
								  : (seed + i) % PLAN_BY_NAME,
			.queues_open = dev->handoff == CONF_HANDOFF_NAME ? (int)((seed + i) % 3) - 1 : -1,
		};
	}
	if (reload_plan(&old, &next, devs, old.n_devices, &plan) != 0)
		abort();
	if (plan.n_devs != old.n_devices || plan.n_create > CONF_MAX_DEVICES ||
	    (same && (plan.globals || plan.n_create)))
		abort();
	for (size_t i = 0; i < plan.n_devs; i++) {
		const struct plan_action *a = &plan.devs[i];

		if (a->running != &old.devices[i] || a->next != conf_find_device(&next, old.devices[i].name))
			abort();
		if (same && (a->kind != PLAN_NOTHING || a->now || a->later))
			abort();
	}
	plan_texts(&plan);
	reload_plan_free(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t old_size = ff ? (size_t)(ff - data) : size;

	if (conf_check(data, old_size, &old) != 0)
		return 0;
	next = old;
	plan_check((unsigned int)size, true);
	if (ff && conf_check(ff + 1, size - old_size - 1, &next) == 0)
		plan_check((unsigned int)size, false);
	return 0;
}
