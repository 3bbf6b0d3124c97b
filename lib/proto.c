// SPDX-License-Identifier: MIT
/*
 * proto.c - packing and checking of control messages, and the decoding and
 * encoding of devices and leases; pure functions, no I/O
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tapqd.h"

/* A device as versions 2 and 3 first wrote it: what every reader needs at least. */
#define PROTO_DEVICE_MIN offsetof(struct tapqd_wire_device, template_name)
/* An event as tapqd up to 0.4 wrote it, before comm. */
#define PROTO_EVENT_MIN offsetof(struct tapqd_event, comm)

/*
 * One table of the message types: their names, the struct each one's payload
 * starts with, and the version that brought it (0: every version).
 */
static const struct proto_type {
	uint16_t type;
	const char *name;
	size_t size;
	uint16_t since;
} proto_types[] = {
	{TAPQD_HELLO, "HELLO", sizeof(struct tapqd_hello)},
	{TAPQD_STATUS, "STATUS", sizeof(struct tapqd_name)},
	{TAPQD_ACQUIRE, "ACQUIRE", sizeof(struct tapqd_acquire)},
	{TAPQD_RELEASE, "RELEASE", sizeof(struct tapqd_release)},
	{TAPQD_RESIZE, "RESIZE", sizeof(struct tapqd_resize)},
	{TAPQD_SUBSCRIBE, "SUBSCRIBE", sizeof(struct tapqd_name)},
	{TAPQD_RESIZE_ACK, "RESIZE_ACK", sizeof(struct tapqd_resize)},
	{TAPQD_RELOAD, "RELOAD", sizeof(struct tapqd_reload)},
	{TAPQD_RESUME, "RESUME", sizeof(struct tapqd_resume)},
	{TAPQD_HANDOVER, "HANDOVER", sizeof(struct tapqd_handover)},
	{TAPQD_RESUME_FDS, "RESUME_FDS", sizeof(struct tapqd_resume), 3},
	{TAPQD_CREATE, "CREATE", sizeof(struct tapqd_create)},
	{TAPQD_DESTROY, "DESTROY", sizeof(struct tapqd_name)},
	{TAPQD_TEMPLATES, "TEMPLATES", 0},
	{TAPQD_OK, "OK", 0},
	{TAPQD_ERROR, "ERROR", sizeof(struct tapqd_error)},
	{TAPQD_DEVICE, "DEVICE", PROTO_DEVICE_MIN},
	{TAPQD_LEASE, "LEASE", sizeof(struct tapqd_wire_lease) + PROTO_DEVICE_MIN},
	{TAPQD_FDS, "FDS", sizeof(struct tapqd_fds)},
	{TAPQD_EVENT, "EVENT", PROTO_EVENT_MIN},
	{TAPQD_TEMPLATE, "TEMPLATE", sizeof(struct tapqd_wire_template)},
};

static const struct proto_type *proto_type_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(proto_types) / sizeof(proto_types[0]); i++)
		if (proto_types[i].type == type)
			return &proto_types[i];
	return NULL;
}

ssize_t tapqd_msg_payload_size(uint16_t type)
{
	const struct proto_type *t = proto_type_find(type);

	return t ? (ssize_t)t->size : -1;
}

static bool proto_version_spoken(unsigned int version)
{
	return version >= TAPQD_VERSION_MIN && version <= TAPQD_VERSION;
}

int tapqd_version_choose(unsigned int min, unsigned int max)
{
	unsigned int v = max < TAPQD_VERSION ? max : TAPQD_VERSION;

	if (v < min || !proto_version_spoken(v))
		return -EPROTO;
	return (int)v;
}

size_t tapqd_msg_pack(void *buf, size_t cap, uint16_t type, uint32_t seq, const void *payload,
		      size_t len)
{
	return tapqd_msg_pack_version(buf, cap, TAPQD_VERSION, type, seq, payload, len);
}

size_t tapqd_msg_pack_version(void *buf, size_t cap, uint16_t version, uint16_t type,
			      uint32_t seq, const void *payload, size_t len)
{
	struct tapqd_hdr h = {
		.magic = TAPQD_MAGIC,
		.version = version,
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

/* Says why a message is refused, when the caller asked. Return: r. */
__attribute__((format(printf, 4, 5))) static int proto_why(char *why, size_t why_size, int r,
							   const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_size)
		return r;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * A request written by a newer client may be longer than this version's
 * struct: taken when it uses nothing this side does not know, every byte
 * past the struct zero.
 */
static int proto_check_extension(const struct proto_type *t, const unsigned char *p, size_t len,
				 char *why, size_t why_size)
{
	size_t nonzero = 0, first = 0;

	for (size_t i = t->size; i < len; i++) {
		if (!p[i])
			continue;
		if (!nonzero++)
			first = i;
	}
	if (!nonzero)
		return 0;
	return proto_why(why, why_size, -EOPNOTSUPP,
			 "%s request has %zu unknown non-zero bytes, the first at offset %zu of its "
			 "payload; this tapqd speaks version %u, where %s is %zu bytes",
			 t->name, nonzero, first, TAPQD_VERSION, t->name, t->size);
}

int tapqd_msg_unpack(const void *buf, size_t len, struct tapqd_hdr *ret_hdr,
		     const void **ret_payload, char *why, size_t why_size)
{
	const unsigned char *payload = (const unsigned char *)buf + sizeof(struct tapqd_hdr);
	const struct proto_type *t;
	struct tapqd_hdr h;

	if (len < sizeof(h))
		return proto_why(why, why_size, -EBADMSG,
				 "malformed message: %zu bytes, shorter than a header", len);
	if (len > TAPQD_MSG_MAX)
		return proto_why(why, why_size, -EBADMSG,
				 "malformed message: %zu bytes, more than %u", len, TAPQD_MSG_MAX);
	memcpy(&h, buf, sizeof(h));
	if (h.magic != TAPQD_MAGIC)
		return proto_why(why, why_size, -EBADMSG, "malformed message: bad magic 0x%08x",
				 h.magic);
	*ret_hdr = h;
	/* HELLO and ERROR read the same in every version: negotiation always gets through */
	if (!proto_version_spoken(h.version) && h.type != TAPQD_HELLO && h.type != TAPQD_ERROR)
		return proto_why(why, why_size, -EPROTO,
				 "protocol version %u is not supported (%u-%u are): negotiate "
				 "with HELLO",
				 h.version, TAPQD_VERSION_MIN, TAPQD_VERSION);
	t = proto_type_find(h.type);
	if (!t || h.version < t->since)
		return proto_why(why, why_size, -EOPNOTSUPP,
				 "unknown message type %u in protocol version %u", h.type,
				 t ? h.version : TAPQD_VERSION);
	if (h.len != len - sizeof(h))
		return proto_why(why, why_size, -EBADMSG,
				 "malformed %s: its header says %u bytes of payload, it has %zu",
				 t->name, h.len, len - sizeof(h));
	if (h.len < t->size)
		return proto_why(why, why_size, -EBADMSG,
				 "malformed %s: %u bytes of payload, shorter than its %zu", t->name,
				 h.len, t->size);
	if (h.type < TAPQD_OK && h.type != TAPQD_HELLO) {
		int r = proto_check_extension(t, payload, h.len, why, why_size);

		if (r < 0)
			return r;
	}
	*ret_payload = payload;
	return 0;
}

/*
 * The fields a wire struct shares with its API struct, by name: one list for
 * both ways. The API's wider types take any wire value; the encoders check
 * the counts that a narrower wire field could not hold.
 */
#define PROTO_QUEUE_FIELDS(X)                                                                      \
	X(active) X(worker) X(cpu) X(held) X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes)       \
	X(drops) X(cpu_ns)
#define PROTO_DEVICE_FIELDS(X)                                                                     \
	X(n_queues) X(max_queues) X(ifindex) X(active_queues) X(vnet_hdr_size) X(holder_pid)         \
	X(tun_flags) X(offloads) X(txqueuelen) X(txqueuelen_pending) X(leased) X(control)            \
	X(backend) X(pending) X(waiting) X(handoff) X(follow) X(vcpus) X(queue_memory)               \
	X(tunsetqueue_calls) X(renamed) X(create_error) X(created) X(created_by)
#define PROTO_COPY(field) to->field = from->field;
/* A queue entry as versions 2 and 3 first sent it, before cpu_ns: still taken, with cpu_ns 0. */
#define PROTO_QUEUE_MIN_SIZE offsetof(struct tapqd_wire_queue, cpu_ns)

static void proto_queue_encode(const struct tapqd_queue_info *from, struct tapqd_wire_queue *to)
{
	memset(to, 0, sizeof(*to));
	PROTO_QUEUE_FIELDS(PROTO_COPY)
}

static void proto_queue_decode(const struct tapqd_wire_queue *from, struct tapqd_queue_info *to)
{
	PROTO_QUEUE_FIELDS(PROTO_COPY)
}

ssize_t tapqd_device_encode(const struct tapqd_device_info *dev, void *buf, size_t cap)
{
	const struct tapqd_device_info *from = dev;
	struct tapqd_wire_device w, *to = &w;
	struct tapqd_wire_queue wq;
	size_t need;

	if (from->n_queues > TAPQD_MAX_QUEUES || from->max_queues > TAPQD_MAX_QUEUES)
		return -EINVAL;
	need = sizeof(w) + from->n_queues * sizeof(wq);
	if (cap < need)
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	PROTO_DEVICE_FIELDS(PROTO_COPY)
	w.info_size = sizeof(w);
	w.queue_info_size = sizeof(wq);
	/* NUL-terminated */
	memcpy(w.name, from->name, strnlen(from->name, sizeof(w.name) - 1));
	memcpy(w.template_name, from->template_name,
	       strnlen(from->template_name, sizeof(w.template_name) - 1));
	memcpy(w.holder_comm, from->holder_comm,
	       strnlen(from->holder_comm, sizeof(w.holder_comm) - 1));
	memcpy(buf, &w, sizeof(w));
	for (unsigned int i = 0; i < from->n_queues; i++) {
		proto_queue_encode(&from->queues[i], &wq);
		memcpy((char *)buf + sizeof(w) + i * sizeof(wq), &wq, sizeof(wq));
	}
	return (ssize_t)need;
}

int tapqd_device_decode(const void *payload, size_t len, struct tapqd_device_info *ret)
{
	const char *p = payload;
	struct tapqd_wire_device w;
	const struct tapqd_wire_device *from = &w;
	struct tapqd_device_info *to = ret;

	if (len < PROTO_DEVICE_MIN)
		return -EBADMSG;
	memset(&w, 0, sizeof(w));
	memcpy(&w, p, PROTO_DEVICE_MIN);
	/* sizes are 16 bits: their product cannot overflow */
	if (w.info_size < PROTO_DEVICE_MIN || w.queue_info_size < PROTO_QUEUE_MIN_SIZE ||
	    w.n_queues > TAPQD_MAX_QUEUES || w.max_queues > TAPQD_MAX_QUEUES ||
	    (size_t)w.info_size + (size_t)w.n_queues * w.queue_info_size > len ||
	    !memchr(w.name, '\0', sizeof(w.name)))
		return -EBADMSG;
	/* an older daemon's device stops before the template: the rest reads as zero */
	memcpy(&w, p, w.info_size < sizeof(w) ? w.info_size : sizeof(w));
	if (!memchr(w.template_name, '\0', sizeof(w.template_name)) ||
	    !memchr(w.holder_comm, '\0', sizeof(w.holder_comm)))
		return -EBADMSG;
	memset(to, 0, sizeof(*to));
	PROTO_DEVICE_FIELDS(PROTO_COPY)
	memcpy(to->name, w.name, strlen(w.name)); /* NUL-padded as this side writes it */
	memcpy(to->template_name, w.template_name, strlen(w.template_name));
	memcpy(to->holder_comm, w.holder_comm, strlen(w.holder_comm));
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		struct tapqd_wire_queue wq = {0};

		if (i >= w.n_queues) {
			to->queues[i].cpu = -1;
			continue;
		}
		/* an entry may be longer than ours, or shorter: its first bytes are what we know */
		memcpy(&wq, p + w.info_size + (size_t)i * w.queue_info_size,
		       w.queue_info_size < sizeof(wq) ? w.queue_info_size : sizeof(wq));
		proto_queue_decode(&wq, &to->queues[i]);
	}
	return 0;
}

ssize_t tapqd_lease_encode(const struct tapqd_lease_info *l, unsigned int n_fds, void *buf,
			   size_t cap)
{
	struct tapqd_wire_lease w;
	ssize_t n;

	if (n_fds > TAPQD_FDS_PER_MSG)
		return -EINVAL;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	n = tapqd_device_encode(&l->dev, (char *)buf + sizeof(w), cap - sizeof(w));
	if (n < 0)
		return n;
	memset(&w, 0, sizeof(w));
	w.lease_size = sizeof(w);
	w.first_fd = 0;
	w.n_fds = (uint16_t)n_fds;
	memcpy(w.token, l->token, sizeof(w.token));
	memcpy(buf, &w, sizeof(w));
	return (ssize_t)sizeof(w) + n;
}

int tapqd_lease_decode(const void *payload, size_t len, struct tapqd_lease_info *ret,
		       unsigned int *ret_n_fds)
{
	struct tapqd_wire_lease w;
	int r;

	if (len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, payload, sizeof(w));
	if (w.lease_size < sizeof(w) || w.lease_size > len || w.first_fd != 0 ||
	    w.n_fds > TAPQD_FDS_PER_MSG)
		return -EBADMSG;
	r = tapqd_device_decode((const char *)payload + w.lease_size, len - w.lease_size,
				&ret->dev);
	if (r < 0)
		return r;
	memcpy(ret->token, w.token, sizeof(ret->token));
	*ret_n_fds = w.n_fds;
	return 0;
}

int tapqd_event_decode(const void *payload, size_t len, struct tapqd_event_info *ret)
{
	struct tapqd_event w = {0};

	if (len < PROTO_EVENT_MIN)
		return -EBADMSG;
	/* an older daemon's event stops before comm: the rest reads as zero */
	memcpy(&w, payload, len < sizeof(w) ? len : sizeof(w));
	if (!memchr(w.name, '\0', sizeof(w.name)) || !memchr(w.comm, '\0', sizeof(w.comm)) ||
	    !memchr(w.new_name, '\0', sizeof(w.new_name)))
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	ret->kind = w.kind;
	ret->active_queues = w.active_queues;
	ret->pid = w.pid;
	ret->vcpus = w.vcpus;
	memcpy(ret->name, w.name, strlen(w.name));
	memcpy(ret->comm, w.comm, strlen(w.comm));
	memcpy(ret->new_name, w.new_name, strlen(w.new_name));
	return 0;
}

ssize_t tapqd_daemon_encode(const struct tapqd_daemon_info *info, void *buf, size_t cap)
{
	struct tapqd_wire_daemon w = {
		.info_size = sizeof(w),
		.n_refusals = TAPQD_REFUSAL_COUNT,
		.resizes = info->resizes,
		.reloads_applied = info->reloads_applied,
		.reloads_refused = info->reloads_refused,
		.errors = info->errors,
		.connections = info->connections,
	};

	if (cap < sizeof(w) + sizeof(info->refusals))
		return -EMSGSIZE;
	memcpy(buf, &w, sizeof(w));
	memcpy((char *)buf + sizeof(w), info->refusals, sizeof(info->refusals));
	return (ssize_t)(sizeof(w) + sizeof(info->refusals));
}

int tapqd_daemon_decode(const void *payload, size_t len, struct tapqd_daemon_info *ret)
{
	const size_t first = offsetof(struct tapqd_wire_daemon, resizes); /* what 0.4 sent */
	struct tapqd_wire_daemon w = {0};

	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return 0;
	if (len < first)
		return -EBADMSG;
	memcpy(&w, payload, len < sizeof(w) ? len : sizeof(w));
	if (w.info_size < first || w.info_size > len ||
	    (len - w.info_size) / sizeof(uint64_t) < w.n_refusals)
		return -EBADMSG;
	for (size_t i = 0; i < w.n_refusals && i < TAPQD_REFUSAL_COUNT; i++)
		memcpy(&ret->refusals[i], (const char *)payload + w.info_size + i * sizeof(uint64_t),
		       sizeof(uint64_t));
	ret->known = true;
	if (w.info_size >= sizeof(w)) {
		ret->stats_known = true;
		ret->resizes = w.resizes;
		ret->reloads_applied = w.reloads_applied;
		ret->reloads_refused = w.reloads_refused;
		ret->errors = w.errors;
		ret->connections = w.connections;
	}
	return 0;
}

ssize_t tapqd_template_encode(const struct tapqd_template_info *t, void *buf, size_t cap)
{
	struct tapqd_wire_template w = {
		.info_size = sizeof(w),
		.max_queues = (uint16_t)t->max_queues,
		.max_per_user = t->max_per_user,
		.created = t->created,
	};

	if (t->max_queues > TAPQD_MAX_QUEUES)
		return -EINVAL;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	/* NUL-terminated */
	memcpy(w.name, t->name, strnlen(t->name, sizeof(w.name) - 1));
	memcpy(w.names, t->names, strnlen(t->names, sizeof(w.names) - 1));
	memcpy(buf, &w, sizeof(w));
	return (ssize_t)sizeof(w);
}

int tapqd_template_decode(const void *payload, size_t len, struct tapqd_template_info *ret)
{
	struct tapqd_wire_template w;

	if (len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, payload, sizeof(w));
	if (w.info_size < sizeof(w) || w.info_size > len || w.max_queues > TAPQD_MAX_QUEUES ||
	    !memchr(w.name, '\0', sizeof(w.name)) || !memchr(w.names, '\0', sizeof(w.names)))
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->name, w.name, strlen(w.name)); /* NUL-padded as this side writes it */
	memcpy(ret->names, w.names, strlen(w.names));
	ret->max_queues = w.max_queues;
	ret->max_per_user = w.max_per_user;
	ret->created = w.created;
	return 0;
}

const char *tapqd_refusal_name(unsigned int refusal)
{
	static const char *const names[TAPQD_REFUSAL_COUNT] = {
		[TAPQD_REFUSAL_NOT_ALLOWED] = "not_allowed",
		[TAPQD_REFUSAL_NOT_PERMITTED] = "not_permitted",
		[TAPQD_REFUSAL_BAD_TOKEN] = "bad_token",
		[TAPQD_REFUSAL_BAD_FDS] = "bad_fds",
		[TAPQD_REFUSAL_BAD_TARGET] = "bad_target",
		[TAPQD_REFUSAL_BAD_MESSAGE] = "bad_message",
		[TAPQD_REFUSAL_UID_CAP] = "uid_cap",
		[TAPQD_REFUSAL_TOTAL_CAP] = "total_cap",
		[TAPQD_REFUSAL_FD_LIMIT] = "fd_limit",
		[TAPQD_REFUSAL_IDLE] = "idle",
		[TAPQD_REFUSAL_UNREAD] = "unread",
		[TAPQD_REFUSAL_BAD_TEMPLATE] = "bad_template",
		[TAPQD_REFUSAL_BAD_NAME] = "bad_name",
		[TAPQD_REFUSAL_QUOTA] = "quota",
		[TAPQD_REFUSAL_HOST_LIMIT] = "host_limit",
	};

	return refusal < TAPQD_REFUSAL_COUNT ? names[refusal] : NULL;
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
