// SPDX-License-Identifier: MIT
/*
 * state.c - the state memfd and file format; pure functions over bytes, no I/O.
 *
 * Host byte order (the memfd and the file never leave the machine), fixed offsets:
 *   header  "TQST", u16 version (4), u16 number of records, u64 generation,
 *           u32 config length, u16 number of created devices, 2 zero bytes
 *   record  name[16] (NUL-padded), i32 pid, u32 uid, u8 control,
 *           3 zero bytes, token[16]
 *   created name[16], template[32] (NUL-padded), u32 creator, i32 ifindex,
 *           u32 length of its config, then that config text
 *   config  the config text, as many bytes as the header says
 * The length must be exactly header + n records + the created devices +
 * config; every field is checked. Version 3 is version 4 without created
 * devices (their count's bytes are zero); version 2 is version 3 with a
 * 16-byte header and no config.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define STATE_MAGIC "TQST"
/*
 * 2: the generation, so that of two stored states the newer one wins; 3:
 * the config; 4: the created devices
 */
#define STATE_VERSION 4
#define STATE_HDR 24
#define STATE_HDR_V2 16
#define STATE_REC (TAPQD_NAME_MAX + 4 + 4 + 4 + TAPQD_TOKEN_LEN)
#define STATE_CREATED_REC (TAPQD_NAME_MAX + TAPQD_TEMPLATE_MAX + 4 + 4 + 4)

size_t state_size(const struct state *s)
{
	size_t n = STATE_HDR + s->n_leases * STATE_REC + s->conf_len;

	for (size_t i = 0; i < s->n_created; i++)
		n += STATE_CREATED_REC + s->created[i].conf_len;
	return n;
}

size_t state_size_max(void)
{
	return STATE_HDR + STATE_LEASES_MAX * (size_t)STATE_REC +
	       STATE_CREATED_MAX * (size_t)(STATE_CREATED_REC + STATE_CREATED_CONF_MAX) +
	       STATE_CONF_MAX;
}

static uint8_t *state_encode_created(const struct state_created *c, uint8_t *p)
{
	uint32_t creator = (uint32_t)c->creator, len = (uint32_t)c->conf_len;
	int32_t ifindex = c->ifindex;

	memset(p, 0, STATE_CREATED_REC);
	memcpy(p, c->name, strnlen(c->name, TAPQD_NAME_MAX - 1));
	memcpy(p + 16, c->template_name, strnlen(c->template_name, TAPQD_TEMPLATE_MAX - 1));
	memcpy(p + 48, &creator, 4);
	memcpy(p + 52, &ifindex, 4);
	memcpy(p + 56, &len, 4);
	if (len)
		memcpy(p + STATE_CREATED_REC, c->conf, len);
	return p + STATE_CREATED_REC + len;
}

void state_encode(const struct state *s, uint8_t *buf)
{
	uint16_t version = STATE_VERSION, count = (uint16_t)s->n_leases;
	uint16_t n_created = (uint16_t)s->n_created;
	uint32_t conf_len = (uint32_t)s->conf_len;
	uint8_t *p = buf + STATE_HDR;

	memset(buf, 0, STATE_HDR);
	memcpy(buf, STATE_MAGIC, 4);
	memcpy(buf + 4, &version, 2);
	memcpy(buf + 6, &count, 2);
	memcpy(buf + 8, &s->generation, 8);
	memcpy(buf + 16, &conf_len, 4);
	memcpy(buf + 20, &n_created, 2);
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
	for (size_t i = 0; i < s->n_created; i++)
		p = state_encode_created(&s->created[i], p);
	if (s->conf_len)
		memcpy(p, s->conf, s->conf_len);
}

/* A fixed-size string field: NUL-padded to the end, nothing hidden after it. */
static bool state_padded(const char *f, size_t size)
{
	size_t n = strnlen(f, size);

	if (n == size)
		return false;
	for (size_t i = n; i < size; i++)
		if (f[i])
			return false;
	return true;
}

/* One created device at p, of at most left bytes; *ret_used says how many it took. */
static int state_decode_created(const uint8_t *p, size_t left, struct state_created *c,
				size_t *ret_used)
{
	uint32_t creator, len;
	int32_t ifindex;

	if (left < STATE_CREATED_REC)
		return -EBADMSG;
	memcpy(c->name, p, TAPQD_NAME_MAX);
	memcpy(c->template_name, p + 16, TAPQD_TEMPLATE_MAX);
	memcpy(&creator, p + 48, 4);
	memcpy(&ifindex, p + 52, 4);
	memcpy(&len, p + 56, 4);
	if (!state_padded(c->name, TAPQD_NAME_MAX) || !tapqd_name_valid(c->name, TAPQD_NAME_MAX) ||
	    !state_padded(c->template_name, TAPQD_TEMPLATE_MAX) || !c->template_name[0] ||
	    creator == (uint32_t)-1 || ifindex < 0 || !len || len > STATE_CREATED_CONF_MAX ||
	    len > left - STATE_CREATED_REC)
		return -EBADMSG;
	c->creator = creator;
	c->ifindex = ifindex;
	c->conf = malloc(len);
	if (!c->conf)
		return -ENOMEM;
	memcpy(c->conf, p + STATE_CREATED_REC, len);
	c->conf_len = len;
	*ret_used = STATE_CREATED_REC + len;
	return 0;
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

/* The created devices from p on, n of them, within left bytes; *ret_used says how many. */
static int state_decode_all_created(const uint8_t *p, size_t left, size_t n, struct state *s,
				    size_t *ret_used)
{
	size_t used = 0;
	int r = 0;

	if (n && !(s->created = calloc(n, sizeof(*s->created))))
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t one = 0;

		r = state_decode_created(p + used, left - used, &s->created[i], &one);
		if (r < 0)
			break;
		s->n_created++;
		used += one;
		/* a name is one device: no two, and no lease of it named twice either */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->created[j].name, s->created[i].name))
				r = -EBADMSG;
	}
	*ret_used = used;
	return r;
}

int state_decode(const uint8_t *buf, size_t len, struct state *ret)
{
	struct state s = {0};
	uint16_t version, count, n_created = 0, zero = 0;
	uint32_t conf_len = 0;
	size_t hdr = STATE_HDR, fixed, used = 0;
	int r = 0;

	/* the version sits where version 1 had it: an old state reads as -EPROTO */
	if (len < 8 || memcmp(buf, STATE_MAGIC, 4))
		return -EBADMSG;
	memcpy(&version, buf + 4, 2);
	if (version == 2)
		hdr = STATE_HDR_V2;
	else if (version != STATE_VERSION && version != 3)
		return -EPROTO;
	if (len < hdr)
		return -EBADMSG;
	memcpy(&count, buf + 6, 2);
	memcpy(&s.generation, buf + 8, 8);
	if (version >= 3) {
		memcpy(&conf_len, buf + 16, 4);
		memcpy(&n_created, buf + 20, 2);
		memcpy(&zero, buf + 22, 2);
	}
	fixed = hdr + count * (size_t)STATE_REC + conf_len;
	/* tapqd starts counting at 1: 0 is no state ever written; version 3 had 4 zero bytes */
	if (!s.generation || zero || (version < STATE_VERSION && n_created) ||
	    count > STATE_LEASES_MAX || conf_len > STATE_CONF_MAX || n_created > STATE_CREATED_MAX ||
	    len < fixed || (!n_created && len != fixed))
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
	if (r == 0)
		r = state_decode_all_created(buf + hdr + count * (size_t)STATE_REC, len - fixed,
					     n_created, &s, &used);
	if (r == 0 && used != len - fixed)
		r = -EBADMSG;
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
	for (size_t i = 0; i < s->n_created; i++)
		free(s->created[i].conf);
	free(s->created);
	free(s->leases);
	free(s->conf);
	memset(s, 0, sizeof(*s));
}
