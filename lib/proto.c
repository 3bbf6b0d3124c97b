// SPDX-License-Identifier: MIT
/* proto.c - packing and checking of control messages; pure functions, no I/O */

#include <errno.h>
#include <string.h>

#include "tapqd.h"

ssize_t tapqd_msg_payload_size(uint16_t type)
{
	switch (type) {
	case TAPQD_HELLO:
		return sizeof(struct tapqd_hello);
	case TAPQD_STATUS:
	case TAPQD_SUBSCRIBE:
		return sizeof(struct tapqd_name);
	case TAPQD_ACQUIRE:
		return sizeof(struct tapqd_acquire);
	case TAPQD_RELEASE:
		return sizeof(struct tapqd_release);
	case TAPQD_RESUME:
		return sizeof(struct tapqd_resume);
	case TAPQD_HANDOVER:
		return sizeof(struct tapqd_handover);
	case TAPQD_RESIZE:
	case TAPQD_RESIZE_ACK:
		return sizeof(struct tapqd_resize);
	case TAPQD_RELOAD:
		return sizeof(struct tapqd_reload);
	case TAPQD_OK:
		return 0;
	case TAPQD_ERROR:
		return sizeof(struct tapqd_error);
	case TAPQD_DEVICE:
		return sizeof(struct tapqd_device_info);
	case TAPQD_LEASE:
		return sizeof(struct tapqd_lease);
	case TAPQD_FDS:
		return sizeof(struct tapqd_fds);
	case TAPQD_EVENT:
		return sizeof(struct tapqd_event);
	}
	return -1;
}

size_t tapqd_msg_pack(void *buf, size_t cap, uint16_t type, uint32_t seq, const void *payload,
		      size_t len)
{
	struct tapqd_hdr h = {
		.magic = TAPQD_MAGIC,
		.version = TAPQD_VERSION,
		.type = type,
		.seq = seq,
		.len = (uint32_t)len,
	};

	if (len > TAPQD_MSG_MAX - sizeof(h) || cap < sizeof(h) + len)
		return 0;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy((char *)buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

int tapqd_msg_unpack(const void *buf, size_t len, struct tapqd_hdr *ret_hdr,
		     const void **ret_payload)
{
	struct tapqd_hdr h;
	ssize_t want;

	if (len < sizeof(h) || len > TAPQD_MSG_MAX)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != TAPQD_MAGIC)
		return -EBADMSG;
	*ret_hdr = h;
	if (h.version != TAPQD_VERSION)
		return -EPROTO;
	want = tapqd_msg_payload_size(h.type);
	if (want < 0)
		return -EOPNOTSUPP;
	if (h.len != (size_t)want || len - sizeof(h) != (size_t)want)
		return -EBADMSG;
	*ret_payload = (const char *)buf + sizeof(h);
	return 0;
}

int tapqd_name_valid(const char *name, size_t size)
{
	size_t n = strnlen(name, size);

	if (n == 0 || n == size || n >= TAPQD_NAME_MAX)
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		/* the kernel's dev_valid_name(): no '/', ':' or white space */
		if (ch == '/' || ch == ':' || ch <= ' ' || ch >= 0x7f)
			return 0;
	}
	return 1;
}

const char *tapqd_control_name(unsigned int control)
{
	switch (control) {
	case TAPQD_CONTROL_CLIENT:
		return "client";
	case TAPQD_CONTROL_DAEMON:
		return "daemon";
	}
	return "none";
}

int tapqd_control_parse(const char *s, unsigned int *ret_control)
{
	if (!strcmp(s, "client"))
		*ret_control = TAPQD_CONTROL_CLIENT;
	else if (!strcmp(s, "daemon"))
		*ret_control = TAPQD_CONTROL_DAEMON;
	else
		return -EINVAL;
	return 0;
}
