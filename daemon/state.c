// SPDX-License-Identifier: MIT
/*
 * state.c - the lease state memfd format; pure functions over bytes, no I/O.
 *
 * Host byte order (the memfd and the file never leave the machine), fixed offsets:
 *   header  "TQST", u16 version (2), u16 number of records, u64 generation
 *   record  name[16] (NUL-padded), i32 pid, u32 uid, u8 control,
 *           3 zero bytes, token[16]
 * The length must be exactly header + n records; every field is checked.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define STATE_MAGIC "TQST"
/* 2: the generation, so that of two stored states the newer one wins */
#define STATE_VERSION 2
#define STATE_HDR 16
#define STATE_REC (TAPQD_NAME_MAX + 4 + 4 + 4 + TAPQD_TOKEN_LEN)

size_t state_size(size_t n)
{
	return STATE_HDR + n * STATE_REC;
}

void state_encode(const struct state_lease *leases, size_t n, uint64_t generation, uint8_t *buf)
{
	uint16_t version = STATE_VERSION, count = (uint16_t)n;

	memcpy(buf, STATE_MAGIC, 4);
	memcpy(buf + 4, &version, 2);
	memcpy(buf + 6, &count, 2);
	memcpy(buf + 8, &generation, 8);
	for (size_t i = 0; i < n; i++) {
		const struct state_lease *l = &leases[i];
		uint8_t *p = buf + state_size(i);
		int32_t pid = (int32_t)l->pid;
		uint32_t uid = (uint32_t)l->uid;

		memset(p, 0, STATE_REC);
		strncpy((char *)p, l->name, TAPQD_NAME_MAX - 1);
		memcpy(p + 16, &pid, 4);
		memcpy(p + 20, &uid, 4);
		p[24] = (uint8_t)l->control;
		memcpy(p + 28, l->token, TAPQD_TOKEN_LEN);
	}
}

static int state_decode_one(const uint8_t *p, struct state_lease *l)
{
	int32_t pid;
	uint32_t uid;

	memcpy(l->name, p, TAPQD_NAME_MAX);
	/* NUL-padded to the end: nothing may hide after the name */
	for (size_t i = strnlen(l->name, TAPQD_NAME_MAX); i < TAPQD_NAME_MAX; i++)
		if (l->name[i])
			return -EBADMSG;
	if (!tapqd_name_valid(l->name, TAPQD_NAME_MAX))
		return -EBADMSG;
	memcpy(&pid, p + 16, 4);
	memcpy(&uid, p + 20, 4);
	if (pid <= 0 || uid == (uint32_t)-1)
		return -EBADMSG;
	l->pid = pid;
	l->uid = uid;
	l->control = p[24];
	if (l->control != TAPQD_CONTROL_CLIENT && l->control != TAPQD_CONTROL_DAEMON)
		return -EBADMSG;
	if (p[25] || p[26] || p[27])
		return -EBADMSG;
	memcpy(l->token, p + 28, TAPQD_TOKEN_LEN);
	return 0;
}

int state_decode(const uint8_t *buf, size_t len, struct state_lease **ret, size_t *ret_n,
		 uint64_t *ret_generation)
{
	struct state_lease *leases = NULL;
	uint16_t version, count;
	uint64_t generation;
	int r;

	/* the version sits where version 1 had it: an old state reads as -EPROTO */
	if (len < 8 || memcmp(buf, STATE_MAGIC, 4))
		return -EBADMSG;
	memcpy(&version, buf + 4, 2);
	if (version != STATE_VERSION)
		return -EPROTO;
	if (len < STATE_HDR)
		return -EBADMSG;
	memcpy(&count, buf + 6, 2);
	memcpy(&generation, buf + 8, 8);
	/* tapqd starts counting at 1: 0 is no state ever written */
	if (!generation || count > STATE_LEASES_MAX || len != state_size(count))
		return -EBADMSG;
	if (count && !(leases = calloc(count, sizeof(*leases))))
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		r = state_decode_one(buf + state_size(i), &leases[i]);
		for (size_t j = 0; r == 0 && j < i; j++)
			if (!strcmp(leases[j].name, leases[i].name))
				r = -EBADMSG; /* one lease per device */
		if (r < 0) {
			free(leases);
			return r;
		}
	}
	*ret = leases;
	*ret_n = count;
	*ret_generation = generation;
	return 0;
}
