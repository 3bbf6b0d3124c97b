/* SPDX-License-Identifier: MIT */
/*
 * state.h - the state tapqd keeps (fd store, state file): a versioned binary
 * record per lease, and the configuration tapqd last applied
 */
#ifndef TAPQD_STATE_H
#define TAPQD_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tapqd.h"

/* Far more than the devices one tapqd holds; a bound on what a read allocates. */
#define STATE_LEASES_MAX 4096
/*
 * The config text a state carries at most: 28 times tapqd.conf.example, which
 * documents every key; 64 devices with every key set take a tenth of it. A
 * config over it is carried not at all (statefile.c says so when it is applied).
 */
#define STATE_CONF_MAX (256 * 1024)
/* Created devices a state carries at most, and the config text of one. */
#define STATE_CREATED_MAX 16384
#define STATE_CREATED_CONF_MAX 4096

/* One lease as a restarted tapqd needs it; the holder's pidfd travels beside it. */
struct state_lease {
	char name[TAPQD_NAME_MAX];
	pid_t pid;
	uid_t uid;
	unsigned int control;
	uint8_t token[TAPQD_TOKEN_LEN];
};

/*
 * A device created at runtime (CREATE): what a restarted tapqd makes it
 * again from, or takes back. conf is its [device NAME] section as
 * conf_device_format() wrote it (malloc'ed when decoded).
 */
struct state_created {
	char name[TAPQD_NAME_MAX];
	char template_name[TAPQD_TEMPLATE_MAX];
	uid_t creator;
	int ifindex; /* when it was saved: the interface a restart may find still there */
	char *conf;
	size_t conf_len;
};

/*
 * One state. generation (1 and up) grows with every state written, so that
 * of two states stored side by side a reader takes the newer. conf is the
 * text of the config file tapqd last applied, so that a restart can come up
 * on it when the file no longer loads; NULL (conf_len 0) when not carried.
 */
struct state {
	struct state_lease *leases;
	size_t n_leases;
	struct state_created *created;
	size_t n_created;
	uint64_t generation;
	char *conf;
	size_t conf_len;
};

/* Bytes state_encode() writes for s. */
size_t state_size(const struct state *s);
/* The most bytes a state may have: what a reader bounds its read with. */
size_t state_size_max(void);
/* Writes s into buf, which holds state_size(s) bytes. */
void state_encode(const struct state *s, uint8_t *buf);
/*
 * Reads what state_encode() wrote, strictly: it is input. Versions 2 (no
 * config) and 3 (no created device) are read too: the state of the tapqd
 * an upgrade replaces. *ret's leases, created and conf are malloc'ed (NULL
 * when there are none): state_free().
 * Return: 0, -EBADMSG (malformed), -EPROTO (another version) or -ENOMEM.
 */
int state_decode(const uint8_t *buf, size_t len, struct state *ret);
/* Frees what state_decode() allocated, and clears s. */
void state_free(struct state *s);

#endif
