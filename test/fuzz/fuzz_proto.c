// SPDX-License-Identifier: MIT
/*
 * fuzz_proto.c - libFuzzer target: tapqd_msg_unpack on arbitrary bytes and a
 * re-pack round trip; then the payload through the decoder of its type (any
 * version's DEVICE, LEASE, EVENT or TEMPLATE), and whatever decodes through the
 * encoder and the decoder again, which must give the same device or template; a
 * request as the
 * daemon checks it: the name it starts with, and no unknown non-zero byte
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapqd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tapqd_lease_info lease, again;
static char wire[TAPQD_MSG_MAX];

/* A decoded device, encoded as this version writes it and decoded back, is itself. */
static void device_again(const struct tapqd_device_info *dev)
{
	ssize_t n = tapqd_device_encode(dev, wire, sizeof(wire));

	if (n < 0 || tapqd_device_decode(wire, (size_t)n, &again.dev) < 0)
		abort();
	/* both decodes cleared the whole struct first: padding included */
	if (memcmp(dev, &again.dev, sizeof(*dev)))
		abort();
}

static void lease_again(const struct tapqd_lease_info *l, unsigned int n_fds)
{
	unsigned int n_fds_again;
	ssize_t n = tapqd_lease_encode(l, n_fds, wire, sizeof(wire));

	if (n < 0 || tapqd_lease_decode(wire, (size_t)n, &again, &n_fds_again) < 0 ||
	    n_fds_again != n_fds || memcmp(again.token, l->token, TAPQD_TOKEN_LEN) ||
	    memcmp(&again.dev, &l->dev, sizeof(l->dev)))
		abort();
}

/* A decoded template, encoded as this version writes it and decoded back, is itself. */
static void template_again(const struct tapqd_template_info *t)
{
	struct tapqd_template_info back;
	ssize_t n = tapqd_template_encode(t, wire, sizeof(wire));

	if (n < 0 || tapqd_template_decode(wire, (size_t)n, &back) < 0 ||
	    memcmp(t, &back, sizeof(*t)))
		abort();
}

static void decode_payload(uint16_t type, const void *p, size_t len)
{
	struct tapqd_template_info t;
	struct tapqd_event_info ev;
	unsigned int n_fds;

	switch (type) {
	case TAPQD_DEVICE:
		if (tapqd_device_decode(p, len, &lease.dev) == 0)
			device_again(&lease.dev);
		break;
	case TAPQD_LEASE:
		if (tapqd_lease_decode(p, len, &lease, &n_fds) == 0)
			lease_again(&lease, n_fds);
		break;
	case TAPQD_TEMPLATE:
		if (tapqd_template_decode(p, len, &t) == 0)
			template_again(&t);
		break;
	case TAPQD_EVENT:
		if (tapqd_event_decode(p, len, &ev) == 0 && !memchr(ev.name, '\0', sizeof(ev.name)))
			abort();
		break;
	case TAPQD_HELLO: {
		struct tapqd_hello h;
		int v;

		memcpy(&h, p, sizeof(h));
		v = tapqd_version_choose(h.version_min, h.version_max);
		if (v > 0 && (v < h.version_min || v > h.version_max || v > TAPQD_VERSION))
			abort();
		break;
	}
	case TAPQD_ACQUIRE:
		if (!tapqd_control_name(((const struct tapqd_acquire *)p)->control))
			abort();
		/* fall through */
	case TAPQD_STATUS:
	case TAPQD_SUBSCRIBE:
	case TAPQD_RELEASE:
	case TAPQD_RESUME:
	case TAPQD_HANDOVER:
	case TAPQD_RESIZE:
	case TAPQD_RESIZE_ACK:
	case TAPQD_CREATE:
	case TAPQD_DESTROY:
		/* every request but HELLO and RELOAD names a device first */
		if (tapqd_name_valid(p, TAPQD_NAME_MAX) &&
		    (!memchr(p, '\0', TAPQD_NAME_MAX) || !((const char *)p)[0]))
			abort();
		break;
	}
}

/* What unpacks is at least its type's struct, and a request has nothing unknown past it. */
static void unpacked_check(const struct tapqd_hdr *h, const unsigned char *p)
{
	ssize_t size = tapqd_msg_payload_size(h->type);

	if (size < 0 || h->len < (size_t)size)
		abort();
	if (h->type < TAPQD_OK && h->type != TAPQD_HELLO)
		for (size_t i = (size_t)size; i < h->len; i++)
			if (p[i])
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(max_align_t) char in[TAPQD_MSG_MAX];
	_Alignas(max_align_t) char out[TAPQD_MSG_MAX];
	char why[TAPQD_ERRMSG_MAX];
	struct tapqd_hdr h;
	const void *p;
	size_t n;

	if (size > sizeof(in))
		size = sizeof(in);
	memcpy(in, data, size);
	/* the decoders take any bytes, whatever a header would have said */
	if (size > 0)
		decode_payload(TAPQD_DEVICE + data[0] % 2, in + 1, size - 1);
	if (tapqd_msg_unpack(in, size, &h, &p, why, sizeof(why)) < 0) {
		if (!memchr(why, '\0', sizeof(why)))
			abort();
		return 0;
	}
	/* whatever unpacks packs back to the same bytes, but for the version it was written in */
	n = tapqd_msg_pack(out, sizeof(out), h.type, h.seq, p, h.len);
	memcpy(out + offsetof(struct tapqd_hdr, version), &h.version, sizeof(h.version));
	if (n != size || memcmp(out, in, size))
		abort();
	unpacked_check(&h, p);
	decode_payload(h.type, p, h.len);
	return 0;
}
