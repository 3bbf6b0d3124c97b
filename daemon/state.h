/* SPDX-License-Identifier: MIT */
/* state.h - the lease state tapqd keeps (fd store, state file): a versioned binary record per lease */
#ifndef TAPQD_STATE_H
#define TAPQD_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tapqd.h"

/* Far more than the devices one tapqd holds; a bound on what a read allocates. */
#define STATE_LEASES_MAX 4096

/* One lease as a restarted tapqd needs it; the holder's pidfd travels beside it. */
struct state_lease {
	char name[TAPQD_NAME_MAX];
	pid_t pid;
	uid_t uid;
	unsigned int control;
	uint8_t token[TAPQD_TOKEN_LEN];
};

/* Bytes state_encode() writes for n leases. */
size_t state_size(size_t n);
/*
 * Writes n leases into buf, which holds state_size(n) bytes. generation
 * (1 and up) grows with every state written, so that of two states stored
 * side by side a reader takes the newer.
 */
void state_encode(const struct state_lease *leases, size_t n, uint64_t generation, uint8_t *buf);
/*
 * Reads what state_encode() wrote, strictly: it is input. *ret is malloc'ed
 * (NULL when n is 0). Return: 0, -EBADMSG (malformed), -EPROTO (another
 * version) or -ENOMEM.
 */
int state_decode(const uint8_t *buf, size_t len, struct state_lease **ret, size_t *ret_n,
		 uint64_t *ret_generation);

#endif
