// SPDX-License-Identifier: MIT
/* format.c - one device's config written back as text, for conf_parse_buffer() to read again */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "conf.h"

struct conf_out {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void conf_out(struct conf_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conf_out(struct conf_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

/* One id per line: a list's continuation lines keep every line short, whatever the count. */
static void conf_out_ids(struct conf_out *o, const char *key, const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			conf_out(o, "\t%u\n", ids[i]);
		else
			conf_out(o, "%s = %u\n", key, ids[i]);
	}
	if (n > 1)
		conf_out(o, "\n");
}

int conf_device_format(const struct conf_device *cd, char *buf, size_t size)
{
	struct conf_out o = {.buf = buf, .size = size};

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	conf_out(&o, "[device %s]\nmax_queues = %u\n", cd->name, cd->max_queues);
	if (cd->active_queues != CONF_ACTIVE_ALL)
		conf_out(&o, "active_queues = %u\n", cd->active_queues);
	conf_out(&o, "vnet_hdr = %s\n", cd->vnet_hdr ? "yes" : "no");
	if (cd->vnet_hdr)
		conf_out(&o, "vnet_hdr_size = %u\n", cd->vnet_hdr_size);
	if (cd->offloads) {
		conf_out(&o, "offloads =");
		for (unsigned int bit = 1; bit <= CONF_OFFLOAD_USO6; bit <<= 1)
			if (cd->offloads & bit)
				conf_out(&o, " %s", conf_offload_name(bit));
		conf_out(&o, "\n");
	}
	if (cd->mtu)
		conf_out(&o, "mtu = %u\n", cd->mtu);
	/* txqueuelen and queue_memory are one or the other */
	if (cd->txqueuelen)
		conf_out(&o, "txqueuelen = %u\n", cd->txqueuelen);
	else
		conf_out(&o, "queue_memory = %llu\n", (unsigned long long)cd->queue_memory);
	if (cd->bridge[0])
		conf_out(&o, "bridge = %s\n", cd->bridge);
	if (cd->has_owner)
		conf_out(&o, "owner = %u\n", cd->owner);
	if (cd->has_group)
		conf_out(&o, "group = %u\n", cd->group);
	conf_out_ids(&o, "allow_users", cd->allow_users, cd->n_allow_users);
	conf_out_ids(&o, "allow_groups", cd->allow_groups, cd->n_allow_groups);
	conf_out(&o, "persist = %s\n", cd->persist ? "yes" : "no");
	conf_out(&o, "backend = %s\n", conf_backend_name(cd->backend));
	return o.full ? -ENOSPC : (int)o.len;
}
