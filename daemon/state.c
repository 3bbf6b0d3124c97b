// SPDX-License-Identifier: MIT
/*
 * state.c - the state memfd and file format; pure functions over bytes, no I/O.
 *
 * Host byte order (the memfd and the file never leave the machine), fixed offsets:
 *   header  "TQST", u16 version (3), u16 number of records, u64 generation,
 *           u32 config length, 4 zero bytes
 *   record  name[16] (NUL-padded), i32 pid, u32 uid, u8 control,
 *           3 zero bytes, token[16]
 *   config  the config text, as many bytes as the header says
 * The length must be exactly header + n records + config; every field is
 * checked. Version 2 is version 3 with a 16-byte header and no config.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define STATE_MAGIC "TQST"
/* 2: the generation, so that of two stored states the newer one wins; 3: the config */
#define STATE_VERSION 3
#define STATE_HDR 24
#define STATE_HDR_V2 16
#define STATE_REC (TAPQD_NAME_MAX + 4 + 4 + 4 + TAPQD_TOKEN_LEN)

size_t state_size(size_t n, size_t conf_len)
{
	return STATE_HDR + n * STATE_REC + conf_len;
}

void state_encode(const struct state *s, uint8_t *buf)
{
	uint16_t version = STATE_VERSION, count = (uint16_t)s->n_leases;
	uint32_t conf_len = (uint32_t)s->conf_len;
	uint8_t *p = buf + STATE_HDR;

	memset(buf, 0, STATE_HDR);
	memcpy(buf, STATE_MAGIC, 4);
	memcpy(buf + 4, &version, 2);
	memcpy(buf + 6, &count, 2);
	memcpy(buf + 8, &s->generation, 8);
	memcpy(buf + 16, &conf_len, 4);
	for (size_t i = 0; i < s->n_leases; i++, p += STATE_REC) {
		const struct state_lease *l = &s->leases[i];
		int32_t pid = (int32_t)l->pid;
		uint32_t uid = (uint32_t)l->uid;

		memset(p, 0, STATE_REC);
		memcpy(p, l->name, strnlen(l->name, TAPQD_NAME_MAX - 1));
		memcpy(p + 16, &pid, 4);
		memcpy(p + 20, &uid, 4);
		p[24] = (uint8_t)l->control;
		memcpy(p + 28, l->token, TAPQD_TOKEN_LEN);
	}
	if (s->conf_len)
		memcpy(p, s->conf, s->conf_len);
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

int state_decode(const uint8_t *buf, size_t len, struct state *ret)
{
	struct state s = {0};
	uint16_t version, count;
	uint32_t conf_len = 0, zero = 0;
	size_t hdr = STATE_HDR;
	int r = 0;

	/* the version sits where version 1 had it: an old state reads as -EPROTO */
	if (len < 8 || memcmp(buf, STATE_MAGIC, 4))
		return -EBADMSG;
	memcpy(&version, buf + 4, 2);
	if (version == 2)
		hdr = STATE_HDR_V2;
	else if (version != STATE_VERSION)
		return -EPROTO;
	if (len < hdr)
		return -EBADMSG;
	memcpy(&count, buf + 6, 2);
	memcpy(&s.generation, buf + 8, 8);
	if (version == STATE_VERSION) {
		memcpy(&conf_len, buf + 16, 4);
		memcpy(&zero, buf + 20, 4);
	}
	/* tapqd starts counting at 1: 0 is no state ever written */
	if (!s.generation || zero || count > STATE_LEASES_MAX || conf_len > STATE_CONF_MAX ||
	    len != hdr + count * (size_t)STATE_REC + conf_len)
		return -EBADMSG;
	if (count && !(s.leases = calloc(count, sizeof(*s.leases))))
		return -ENOMEM;
	s.n_leases = count;
	for (size_t i = 0; i < count && r == 0; i++) {
		r = state_decode_one(buf + hdr + i * STATE_REC, &s.leases[i]);
		for (size_t j = 0; r == 0 && j < i; j++)
			if (!strcmp(s.leases[j].name, s.leases[i].name))
				r = -EBADMSG; /* one lease per device */
	}
	if (r == 0 && conf_len) {
		s.conf = malloc(conf_len);
		if (s.conf)
			memcpy(s.conf, buf + len - conf_len, conf_len);
		else
			r = -ENOMEM;
		s.conf_len = conf_len;
	}
	if (r < 0) {
		state_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void state_free(struct state *s)
{
	free(s->leases);
	free(s->conf);
	memset(s, 0, sizeof(*s));
}
