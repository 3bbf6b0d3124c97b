/* SPDX-License-Identifier: MIT */
/* hotplug.h - tapqctl qmp-add and qmp-del: a tapqd device in and out of a running QEMU */
#ifndef TAPQCTL_HOTPLUG_H
#define TAPQCTL_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>

#include "tapqd.h"

struct hotplug_opts {
	const char *socket; /* tapqd's, NULL for the default */
	const char *device;
	const char *qmp;    /* QEMU's QMP socket */
	const char *id;     /* the netdev's and the virtio-net device's id in QEMU */
	const char *mac;    /* NULL: QEMU picks one */
	const char *bus;    /* NULL: QEMU picks one (q35's pcie.0 refuses hotplug) */
	const char *token;  /* qmp-del: the lease token qmp-add printed, NULL: as root */
	bool vhost;
};

/* Return: the exit status of tapqctl. */
int hotplug_add(const struct hotplug_opts *o);
int hotplug_del(const struct hotplug_opts *o);

/* The lease token as 32 hex digits, and back (tapqctl.c). */
void token_hex(const uint8_t token[TAPQD_TOKEN_LEN], char out[2 * TAPQD_TOKEN_LEN + 1]);
int token_parse(const char *hex, uint8_t token[TAPQD_TOKEN_LEN]);

#endif
