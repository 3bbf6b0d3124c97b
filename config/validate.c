// SPDX-License-Identifier: MIT
/* validate.c - checks across keys and devices, once a whole config is known */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* What the kernel's TUNSETOFFLOAD accepts beyond csum: everything needs csum. */
#define CONF_OFFLOAD_ALL                                                                           \
	(CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO4 | CONF_OFFLOAD_TSO6 | CONF_OFFLOAD_TSO_ECN |        \
	 CONF_OFFLOAD_UFO | CONF_OFFLOAD_USO4 | CONF_OFFLOAD_USO6)
#define CONF_OFFLOAD_USO (CONF_OFFLOAD_USO4 | CONF_OFFLOAD_USO6)

struct conf_check {
	struct conf_error *err;
	bool failed;
};

/*
 * Keeps the error on the earliest line, as the parser does: checks run by
 * device and by kind, not in file order.
 */
static void conf_check_fail(struct conf_check *v, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conf_check_fail(struct conf_check *v, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (v->failed && line >= v->err->line)
		return;
	v->failed = true;
	v->err->line = line;
	va_start(ap, fmt);
	n = vsnprintf(v->err->msg, sizeof(v->err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(v->err->msg, sizeof(v->err->msg), "%s", "(unprintable message)");
}

/* "csum,tso4": the offloads among bits, as the config spells them. */
static const char *conf_check_offloads(unsigned int bits, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int bit = 1; bit <= CONF_OFFLOAD_USO6; bit <<= 1) {
		const char *name = conf_offload_name(bit);
		int n;

		if (!(bits & bit) || !name)
			continue;
		n = snprintf(buf + o, size - o, "%s%s", o ? "," : "", name);
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

static void conf_check_offload_rules(struct conf_check *v, const struct conf_device *dev)
{
	unsigned int off = dev->offloads,
		     line = dev->offloads_line ? dev->offloads_line : dev->line;
	char names[64];

	if (off & ~(unsigned int)CONF_OFFLOAD_ALL) {
		conf_check_fail(v, line, "offloads: unknown bits 0x%x", off & ~CONF_OFFLOAD_ALL);
		return;
	}
	if (off && !dev->vnet_hdr) {
		/* offloaded packets carry their metadata in the vnet header */
		conf_check_fail(v, line, "offloads: \"%s\" needs vnet_hdr = yes",
				conf_check_offloads(off, names, sizeof(names)));
		return;
	}
	/* the rest is what the kernel's TUNSETOFFLOAD refuses with EINVAL */
	if ((off & ~CONF_OFFLOAD_CSUM) && !(off & CONF_OFFLOAD_CSUM)) {
		conf_check_fail(v, line, "offloads: \"%s\" needs csum",
				conf_check_offloads(off, names, sizeof(names)));
		return;
	}
	if ((off & CONF_OFFLOAD_TSO_ECN) && !(off & (CONF_OFFLOAD_TSO4 | CONF_OFFLOAD_TSO6))) {
		conf_check_fail(v, line, "offloads: \"tso_ecn\" needs tso4 or tso6");
		return;
	}
	if ((off & CONF_OFFLOAD_USO) && (off & CONF_OFFLOAD_USO) != CONF_OFFLOAD_USO)
		conf_check_fail(v, line,
				"offloads: \"%s\" needs %s too (the kernel takes both or neither)",
				off & CONF_OFFLOAD_USO4 ? "uso4" : "uso6",
				off & CONF_OFFLOAD_USO4 ? "uso6" : "uso4");
}

static unsigned int conf_later(unsigned int a, unsigned int b)
{
	return a > b ? a : b;
}

/*
 * A device handed off by name is opened by its client (libvirt) as often as
 * it likes; tapqd keeps none of its queues, so whatever needs one of
 * tapqd's fds or a lease makes no sense with it.
 */
static void conf_check_handoff(struct conf_check *v, const struct conf_device *dev)
{
	unsigned int hline = dev->handoff_line;

	if (dev->handoff != CONF_HANDOFF_NAME)
		return;
	if (dev->backend != CONF_BACKEND_NONE)
		conf_check_fail(v, conf_later(hline, dev->backend_line),
				"backend = %s needs queues of tapqd's own: not with handoff = name",
				conf_backend_name(dev->backend));
	if (dev->active_queues != CONF_ACTIVE_ALL && dev->active_queues < dev->max_queues)
		conf_check_fail(v, conf_later(hline, dev->active_queues_line),
				"active_queues: the client of a device with handoff = name attaches "
				"its queues itself: leave it at all");
	if (dev->persist_line && !dev->persist)
		conf_check_fail(v, conf_later(hline, dev->persist_line),
				"persist = no: a device with handoff = name must outlive tapqd's own "
				"fds, which it closes once the device is set up");
	if (dev->n_allow_users || dev->n_allow_groups)
		conf_check_fail(v, hline,
				"handoff = name: allow_users and allow_groups apply to ACQUIRE, "
				"which such a device refuses; owner and group say who may open it");
}

/* The keys of one device, or of a template's devices, each against the others. */
static void conf_check_keys(struct conf_check *v, const struct conf_device *dev)
{
	unsigned int line = dev->line;

	if (dev->max_queues < 1 || dev->max_queues > CONF_MAX_QUEUES)
		conf_check_fail(v, line, "max_queues: \"%u\" is out of range 1-%d", dev->max_queues,
				CONF_MAX_QUEUES);
	else if (dev->active_queues != CONF_ACTIVE_ALL && dev->active_queues > dev->max_queues)
		conf_check_fail(v, dev->active_queues_line ? dev->active_queues_line : line,
				"active_queues: \"%u\" is more than max_queues (%u)",
				dev->active_queues, dev->max_queues);
	if (dev->vnet_hdr_size != 10 && dev->vnet_hdr_size != 12)
		conf_check_fail(v, dev->vnet_hdr_size_line ? dev->vnet_hdr_size_line : line,
				"vnet_hdr_size: \"%u\" is not 10 or 12", dev->vnet_hdr_size);
	else if (!dev->vnet_hdr && dev->vnet_hdr_size_line)
		conf_check_fail(v, dev->vnet_hdr_size_line,
				"vnet_hdr_size: \"%u\" needs vnet_hdr = yes", dev->vnet_hdr_size);
	conf_check_offload_rules(v, dev);
	if (dev->mtu && (dev->mtu < 68 || dev->mtu > 65521))
		conf_check_fail(v, line, "mtu: \"%u\" is out of range 68-65521", dev->mtu);
	if (dev->has_mac) {
		unsigned int mline = dev->mac_line ? dev->mac_line : line;
		const uint8_t *m = dev->mac;

		if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
			conf_check_fail(v, mline,
					"mac: %02x:%02x:%02x:%02x:%02x:%02x is not unicast", m[0],
					m[1], m[2], m[3], m[4], m[5]);
	}
	if (dev->txqueuelen > 1000000)
		conf_check_fail(v, line, "txqueuelen: \"%u\" is out of range 1-1000000",
				dev->txqueuelen);
	if (dev->txqueuelen_line && dev->queue_memory_line) {
		unsigned int later = dev->txqueuelen_line > dev->queue_memory_line
					     ? dev->txqueuelen_line
					     : dev->queue_memory_line;

		conf_check_fail(v, later,
				"txqueuelen and queue_memory both size the queue rings: give one");
	}
	if (dev->bridge[0]) {
		unsigned int bline = dev->bridge_line ? dev->bridge_line : line;

		if (!conf_ifname_valid(dev->bridge))
			conf_check_fail(v, bline, "bridge: not a valid interface name");
		else if (!strcmp(dev->bridge, dev->name))
			conf_check_fail(v, bline, "bridge: \"%s\" is the device itself",
					dev->bridge);
	}
	if (dev->has_owner && dev->owner == (uid_t)-1)
		conf_check_fail(v, line, "owner: \"%u\" is not a valid user id", dev->owner);
	if (dev->has_group && dev->group == (gid_t)-1)
		conf_check_fail(v, line, "group: \"%u\" is not a valid group id", dev->group);
	if (dev->follow_qmp[0]) {
		size_t n = strnlen(dev->follow_qmp, sizeof(dev->follow_qmp));

		if (n == sizeof(dev->follow_qmp) || dev->follow_qmp[0] != '/' ||
		    dev->follow_qmp[n - 1] == '/')
			conf_check_fail(v, line,
					"follow: not an absolute socket path of at most %zu characters",
					sizeof(dev->follow_qmp) - 1);
	}
	/* tapqd learns the threads to pin from the followed monitor */
	if (dev->pin_client_threads && !dev->follow_qmp[0])
		conf_check_fail(v, dev->pin_client_threads_line ? dev->pin_client_threads_line : line,
				"pin_client_threads: needs follow = qmp:PATH");
	if (dev->n_allow_users > CONF_MAX_ACL)
		conf_check_fail(v, line, "allow_users: too many entries (at most %d)",
				CONF_MAX_ACL);
	if (dev->n_allow_groups > CONF_MAX_ACL)
		conf_check_fail(v, line, "allow_groups: too many entries (at most %d)",
				CONF_MAX_ACL);
	conf_check_handoff(v, dev);
}

static void conf_check_device(struct conf_check *v, const struct conf *c, size_t i)
{
	const struct conf_device *dev = &c->devices[i];

	if (!conf_ifname_valid(dev->name)) {
		/* not printed: it may be anything, even unterminated */
		conf_check_fail(v, dev->line, "device %zu has an invalid name", i + 1);
		return;
	}
	conf_check_keys(v, dev);
}

/* In file order when equal: the array's order. */
static int conf_cmp_order(const struct conf_device *x, const struct conf_device *y)
{
	return (x > y) - (x < y);
}

static int conf_cmp_name(const void *a, const void *b)
{
	const struct conf_device *x = *(const struct conf_device *const *)a;
	const struct conf_device *y = *(const struct conf_device *const *)b;
	int r = strncmp(x->name, y->name, CONF_NAME_MAX);

	return r ? r : conf_cmp_order(x, y);
}

static int conf_cmp_mac(const void *a, const void *b)
{
	const struct conf_device *x = *(const struct conf_device *const *)a;
	const struct conf_device *y = *(const struct conf_device *const *)b;
	int r = memcmp(x->mac, y->mac, sizeof(x->mac));

	return r ? r : conf_cmp_order(x, y);
}

/*
 * Names and addresses that two devices share, found by sorting: thousands
 * of devices take n log n comparisons, not n squared. Each later one is
 * named with where the first one is.
 */
static int conf_check_unique(struct conf_check *v, const struct conf *c)
{
	const struct conf_device **by = calloc(c->n_devices ? c->n_devices : 1, sizeof(*by));
	size_t n = 0;

	if (!by)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_devices; i++)
		by[i] = &c->devices[i];
	qsort(by, c->n_devices, sizeof(*by), conf_cmp_name);
	for (size_t i = 1, first = 0; i < c->n_devices; i++) {
		if (strncmp(by[i]->name, by[first]->name, CONF_NAME_MAX)) {
			first = i;
			continue;
		}
		conf_check_fail(v, by[i]->line, "duplicate device \"%.*s\" (first at line %u)",
				CONF_NAME_MAX, by[i]->name, by[first]->line);
	}
	for (size_t i = 0; i < c->n_devices; i++)
		if (c->devices[i].has_mac)
			by[n++] = &c->devices[i];
	qsort(by, n, sizeof(*by), conf_cmp_mac);
	for (size_t i = 1, first = 0; i < n; i++) {
		const uint8_t *m = by[i]->mac;

		if (memcmp(m, by[first]->mac, sizeof(by[i]->mac))) {
			first = i;
			continue;
		}
		conf_check_fail(v, by[i]->mac_line ? by[i]->mac_line : by[i]->line,
				"mac: \"%02x:%02x:%02x:%02x:%02x:%02x\" is already the address of "
				"device \"%.*s\"",
				m[0], m[1], m[2], m[3], m[4], m[5], CONF_NAME_MAX, by[first]->name);
	}
	free(by);
	return 0;
}

static void conf_check_template(struct conf_check *v, const struct conf *c, size_t i)
{
	const struct conf_template *t = &c->templates[i];

	if (!memchr(t->name, '\0', sizeof(t->name)) || !t->name[0]) {
		conf_check_fail(v, t->line, "template %zu has an invalid name", i + 1);
		return;
	}
	for (size_t j = 0; j < i; j++)
		if (!strcmp(c->templates[j].name, t->name))
			conf_check_fail(v, t->line, "duplicate template \"%s\" (first at line %u)",
					t->name, c->templates[j].line);
	if (!t->names[0] || !memchr(t->names, '\0', sizeof(t->names)))
		conf_check_fail(v, t->line,
				"[template %s] needs names = GLOB: the names devices created from "
				"it may have, as in names = vm-*",
				t->name);
	if (t->max_per_user > CONF_PER_USER_MAX)
		conf_check_fail(v, t->line, "max_per_user: \"%u\" is out of range 1-%d",
				t->max_per_user, CONF_PER_USER_MAX);
	if (t->dev.has_mac || t->dev.follow_qmp[0] || t->dev.handoff != CONF_HANDOFF_FD)
		conf_check_fail(v, t->line,
				"[template %s]: mac, follow and handoff are not template keys",
				t->name);
	conf_check_keys(v, &t->dev);
}

int conf_validate(const struct conf *c, const char *file, struct conf_error *err)
{
	struct conf_check v = {.err = err};
	size_t n = c->n_devices, plen = strnlen(c->socket_path, sizeof(c->socket_path));
	int r;

	r = snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	if (r < 0)
		err->file[0] = '\0'; /* a longer name is only cut short */
	err->line = 0;
	err->msg[0] = '\0';

	/* Global keys keep no line: a config from the parser has them right already. */
	if (plen == sizeof(c->socket_path) || c->socket_path[0] != '/' ||
	    c->socket_path[plen - 1] == '/')
		conf_check_fail(&v, 0,
				"socket: not an absolute socket path of at most %zu characters",
				sizeof(c->socket_path) - 1);
	if (c->socket_mode > 0777)
		conf_check_fail(&v, 0, "socket_mode: \"%04o\" is out of range 0000-0777",
				c->socket_mode);
	if (c->has_socket_group && c->socket_group == (gid_t)-1)
		conf_check_fail(&v, 0, "socket_group: \"%u\" is not a valid group id",
				c->socket_group);
	if (c->log_level < CONF_LOG_ERR || c->log_level > CONF_LOG_DEBUG)
		conf_check_fail(&v, 0, "log_level: %d is not a log level", (int)c->log_level);
	if (c->max_connections_per_uid > c->max_connections)
		conf_check_fail(&v,
				c->max_connections_line > c->max_connections_per_uid_line
					? c->max_connections_line
					: c->max_connections_per_uid_line,
				"max_connections_per_uid: %u is more than max_connections (%u), "
				"which caps every user together",
				c->max_connections_per_uid, c->max_connections);
	for (size_t i = 0; i < n; i++)
		conf_check_device(&v, c, i);
	if (conf_check_unique(&v, c) < 0) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		err->line = 0;
		return -ENOMEM;
	}
	if (c->n_templates > CONF_MAX_TEMPLATES)
		conf_check_fail(&v, 0, "too many templates (at most %d)", CONF_MAX_TEMPLATES);
	for (size_t i = 0; i < c->n_templates && i < CONF_MAX_TEMPLATES; i++)
		conf_check_template(&v, c, i);
	return v.failed ? -EINVAL : 0;
}
