// SPDX-License-Identifier: MIT
/*
 * test_proto.c - unit tests of the control messages (lib/proto.c): packing and
 * checking, version negotiation, requests from newer and older clients, and
 * devices and leases through the wire and back, as this version and a newer
 * one would write them
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "tapqd.h"

static _Alignas(max_align_t) char buf[TAPQD_MSG_MAX + 64];

static const uint16_t requests[] = {TAPQD_HELLO,      TAPQD_STATUS, TAPQD_ACQUIRE,
				    TAPQD_RELEASE,    TAPQD_RESIZE, TAPQD_SUBSCRIBE,
				    TAPQD_RESIZE_ACK, TAPQD_RELOAD, TAPQD_RESUME,
				    TAPQD_HANDOVER,   TAPQD_RESUME_FDS};
#define N_REQUESTS (sizeof(requests) / sizeof(requests[0]))

/* Packs type with a payload of len bytes, all zero but for the given bytes. */
static size_t pack_zeros(uint16_t type, size_t len)
{
	static char payload[TAPQD_MSG_MAX];

	memset(payload, 0, sizeof(payload));
	return tapqd_msg_pack(buf, sizeof(buf), type, 5, payload, len);
}

START_TEST(test_round_trip_every_type)
{
	static const uint16_t types[] = {TAPQD_HELLO,  TAPQD_STATUS,   TAPQD_ACQUIRE, TAPQD_RELEASE,
					 TAPQD_RESIZE, TAPQD_SUBSCRIBE, TAPQD_RELOAD, TAPQD_RESUME,
					 TAPQD_HANDOVER, TAPQD_RESUME_FDS, TAPQD_OK, TAPQD_ERROR, TAPQD_DEVICE,
					 TAPQD_LEASE,  TAPQD_FDS,      TAPQD_EVENT};
	static char payload[TAPQD_MSG_MAX];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ssize_t want = tapqd_msg_payload_size(types[i]);
		struct tapqd_hdr h;
		const void *p;
		size_t n;

		ck_assert_int_ge(want, 0);
		for (ssize_t k = 0; k < want; k++)
			payload[k] = (char)(k * 7 + (ssize_t)i);
		n = tapqd_msg_pack(buf, sizeof(buf), types[i], 1000 + (uint32_t)i, payload,
				   (size_t)want);
		ck_assert_uint_eq(n, sizeof(h) + (size_t)want);
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
		ck_assert_uint_eq(h.type, types[i]);
		ck_assert_uint_eq(h.version, TAPQD_VERSION);
		ck_assert_uint_eq(h.seq, 1000 + i);
		ck_assert_uint_eq(h.len, (uint32_t)want);
		ck_assert_mem_eq(p, payload, (size_t)want);
	}
}
END_TEST

START_TEST(test_sizes)
{
	/* what the header's comment and the README say */
	ck_assert_uint_eq(TAPQD_DEVICE_MSG_SIZE(4), 376);
	ck_assert_uint_eq(TAPQD_DEVICE_MSG_SIZE(256), 14488);
	ck_assert_uint_eq(TAPQD_LEASE_MSG_SIZE(256), 14512);
	ck_assert_uint_le(2 * TAPQD_LEASE_MSG_SIZE(TAPQD_MAX_QUEUES), TAPQD_MSG_MAX);
	for (uint16_t t = 0; t < 256; t++) {
		ssize_t want = tapqd_msg_payload_size(t);

		if (want >= 0)
			ck_assert_uint_le(sizeof(struct tapqd_hdr) + (size_t)want, TAPQD_MSG_MAX);
	}
}
END_TEST

START_TEST(test_truncated)
{
	struct tapqd_acquire req = {.name = "tapq0", .control = TAPQD_CONTROL_CLIENT};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_ACQUIRE, 1, &req, sizeof(req));
	struct tapqd_hdr h;
	const void *p;

	ck_assert_uint_gt(n, 0);
	/* every shorter length is refused, down to an empty message */
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(tapqd_msg_unpack(buf, k, &h, &p, NULL, 0), -EBADMSG);
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
}
END_TEST

START_TEST(test_shorter_than_its_struct)
{
	char why[TAPQD_ERRMSG_MAX];
	struct tapqd_hdr h;
	const void *p;

	/* consistent lengths, one byte short of the type's struct: malformed, in both ways */
	for (size_t i = 0; i < N_REQUESTS; i++) {
		size_t n = pack_zeros(requests[i], (size_t)tapqd_msg_payload_size(requests[i]) - 1);

		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, why, sizeof(why)), -EBADMSG);
		ck_assert_ptr_nonnull(strstr(why, "shorter than its"));
	}
	ck_assert_int_eq(tapqd_msg_unpack(buf, pack_zeros(TAPQD_EVENT, 23), &h, &p, NULL, 0),
			 -EBADMSG);
	ck_assert_int_eq(tapqd_msg_unpack(buf, pack_zeros(TAPQD_DEVICE, 79), &h, &p, NULL, 0),
			 -EBADMSG);
}
END_TEST

START_TEST(test_zero_extended_requests_accepted)
{
	/* a newer client that uses nothing new: its longer struct ends in zeros */
	for (size_t i = 0; i < N_REQUESTS; i++) {
		size_t size = (size_t)tapqd_msg_payload_size(requests[i]);
		static const size_t extra[] = {1, 8, 100};

		for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
			size_t n = pack_zeros(requests[i], size + extra[k]);
			struct tapqd_hdr h;
			const void *p;

			ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
			ck_assert_uint_eq(h.len, size + extra[k]);
		}
	}
	/* as long as a message may be */
	ck_assert_int_eq(tapqd_msg_unpack(buf, pack_zeros(TAPQD_STATUS, TAPQD_MSG_MAX - 16),
					  &(struct tapqd_hdr){0}, &(const void *){NULL}, NULL, 0),
			 0);
}
END_TEST

START_TEST(test_non_zero_extension_refused)
{
	struct tapqd_acquire req = {.name = "tapq0", .control = TAPQD_CONTROL_CLIENT};
	char payload[sizeof(req) + 16] = {0};
	char why[TAPQD_ERRMSG_MAX];
	struct tapqd_hdr h;
	const void *p;
	size_t n;

	memcpy(payload, &req, sizeof(req));
	payload[sizeof(req) + 3] = 1;
	payload[sizeof(req) + 15] = (char)0x80;
	n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_ACQUIRE, 9, payload, sizeof(payload));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, why, sizeof(why)), -EOPNOTSUPP);
	ck_assert_uint_eq(h.seq, 9); /* an ERROR can answer it */
	ck_assert_str_eq(why, "ACQUIRE request has 2 unknown non-zero bytes, the first at offset 27 "
			      "of its payload; this tapqd speaks version 3, where ACQUIRE is 24 bytes");
	/* the last byte alone, for every request but HELLO */
	for (size_t i = 0; i < N_REQUESTS; i++) {
		size_t size = (size_t)tapqd_msg_payload_size(requests[i]);

		n = pack_zeros(requests[i], size + 8);
		buf[n - 1] = 1;
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0),
				 requests[i] == TAPQD_HELLO ? 0 : -EOPNOTSUPP);
	}
}
END_TEST

START_TEST(test_newer_replies_skipped)
{
	/* what a newer daemon appends to a reply or an event is skipped, whatever it is */
	static const uint16_t replies[] = {TAPQD_OK, TAPQD_ERROR, TAPQD_FDS, TAPQD_EVENT,
					   TAPQD_DEVICE, TAPQD_LEASE};

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		size_t n = pack_zeros(replies[i], (size_t)tapqd_msg_payload_size(replies[i]) + 12);
		struct tapqd_hdr h;
		const void *p;

		memset(buf + n - 12, 0xa5, 12);
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
	}
}
END_TEST

START_TEST(test_trailing_bytes_and_bad_len)
{
	struct tapqd_name req = {.name = "tapq0"};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_STATUS, 1, &req, sizeof(req));
	char why[TAPQD_ERRMSG_MAX];
	struct tapqd_hdr h;
	const void *p;

	/* a message one byte longer than its header says */
	ck_assert_int_eq(tapqd_msg_unpack(buf, n + 1, &h, &p, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "malformed STATUS: its header says 16 bytes of payload, it has 17");
	/* a header that claims more than the message has */
	memcpy(&h, buf, sizeof(h));
	h.len = sizeof(req) + 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), -EBADMSG);
	/* longer than any message may be */
	ck_assert_int_eq(tapqd_msg_unpack(buf, TAPQD_MSG_MAX + 1, &h, &p, NULL, 0), -EBADMSG);
}
END_TEST

START_TEST(test_bad_magic_version_type)
{
	struct tapqd_name req = {.name = "tapq0"};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_STATUS, 1, &req, sizeof(req));
	char why[TAPQD_ERRMSG_MAX];
	struct tapqd_hdr h, orig;
	const void *p;

	memcpy(&orig, buf, sizeof(orig));

	h = orig;
	h.magic ^= 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), -EBADMSG);

	h = orig;
	h.version = TAPQD_VERSION + 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, why, sizeof(why)), -EPROTO);
	ck_assert_uint_eq(h.version, TAPQD_VERSION + 1);
	ck_assert_str_eq(why, "protocol version 4 is not supported (2-3 are): negotiate with HELLO");

	h = orig;
	h.version = 0;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), -EPROTO);

	h = orig;
	h.type = 999;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), -EOPNOTSUPP);
}
END_TEST

START_TEST(test_hello_and_error_in_any_version)
{
	struct tapqd_hello hello = {.version_min = 2, .version_max = 7};
	struct tapqd_error err = {.code = EPROTO, .msg = "no"};
	static const uint16_t versions[] = {0, 1, TAPQD_VERSION + 1, 0xffff};

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct tapqd_hdr h;
		const void *p;
		size_t n;

		n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_HELLO, 1, &hello, sizeof(hello));
		((struct tapqd_hdr *)(void *)buf)->version = versions[i];
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
		ck_assert_uint_eq(h.version, versions[i]);
		n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_ERROR, 1, &err, sizeof(err));
		((struct tapqd_hdr *)(void *)buf)->version = versions[i];
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
	}
}
END_TEST

START_TEST(test_negotiation)
{
	ck_assert_int_eq(tapqd_version_choose(2, 2), 2); /* a version 2 client */
	ck_assert_int_eq(tapqd_version_choose(1, 2), 2);
	ck_assert_int_eq(tapqd_version_choose(2, 9), 3); /* a newer client speaks ours too */
	ck_assert_int_eq(tapqd_version_choose(0, 0xffff), TAPQD_VERSION);
	ck_assert_int_eq(tapqd_version_choose(1, 1), -EPROTO); /* nobody speaks 1 any more */
	ck_assert_int_eq(tapqd_version_choose(4, 9), -EPROTO);
	ck_assert_int_eq(tapqd_version_choose(0, 0), -EPROTO);
	ck_assert_int_eq(tapqd_version_choose(3, 2), -EPROTO); /* an empty range */
}
END_TEST

/* RESUME_FDS came with version 3: a version 2 peer's type 11 is unknown. */
START_TEST(test_type_since_its_version)
{
	struct tapqd_resume req = {.name = "tapq0"};
	struct tapqd_hdr h;
	const void *p;
	char why[TAPQD_ERRMSG_MAX];
	size_t n;

	n = tapqd_msg_pack_version(buf, sizeof(buf), 2, TAPQD_RESUME_FDS, 7, &req, sizeof(req));
	ck_assert_uint_eq(n, sizeof(h) + sizeof(req));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, why, sizeof(why)), -EOPNOTSUPP);
	ck_assert_str_eq(why, "unknown message type 11 in protocol version 2");
	n = tapqd_msg_pack_version(buf, sizeof(buf), 3, TAPQD_RESUME_FDS, 7, &req, sizeof(req));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, why, sizeof(why)), 0);
	ck_assert_uint_eq(h.version, 3);
	ck_assert_uint_eq(h.type, TAPQD_RESUME_FDS);
	/* a version 2 peer is answered in version 2, and reads every reply it knows */
	n = tapqd_msg_pack_version(buf, sizeof(buf), 2, TAPQD_OK, 7, NULL, 0);
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p, NULL, 0), 0);
	ck_assert_uint_eq(h.version, 2);
}
END_TEST

START_TEST(test_pack_refuses_small_buffer)
{
	static char payload[TAPQD_MSG_MAX];
	char small[64];

	ck_assert_uint_eq(tapqd_msg_pack(small, sizeof(small), TAPQD_DEVICE, 1, payload, 80), 0);
	ck_assert_uint_eq(tapqd_msg_pack(buf, sizeof(buf), TAPQD_DEVICE, 1, payload, TAPQD_MSG_MAX),
			  0);
}
END_TEST

/* A device of n queues, every field and counter set to something of its own. */
static void device_fill(struct tapqd_device_info *d, unsigned int n)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->name, "tapq-fifteen-15");
	d->ifindex = 70000;
	d->max_queues = n;
	d->active_queues = n / 2;
	d->leased = true;
	d->control = TAPQD_CONTROL_DAEMON;
	d->holder_pid = 4242;
	d->vnet_hdr_size = 12;
	d->tun_flags = 0x5102;
	d->offloads = 0x1f;
	d->backend = TAPQD_BACKEND_ECHO;
	d->pending = TAPQD_PENDING_RECONFIGURE;
	d->waiting = true;
	d->handoff = TAPQD_HANDOFF_FD;
	d->txqueuelen = 687;
	d->txqueuelen_pending = 1000;
	d->queue_memory = 1ull << 33;
	d->tunsetqueue_calls = 0x123456789ull;
	d->vcpus = 300;
	d->follow = TAPQD_FOLLOW_UP;
	d->renamed = true;
	d->create_error = 24;
	d->created = true;
	strcpy(d->template_name, "vm");
	d->created_by = 65534;
	d->n_queues = n;
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		struct tapqd_queue_info *q = &d->queues[i];

		q->cpu = -1;
		if (i >= n)
			continue;
		q->active = i < n / 2;
		q->worker = i % 3 == 0;
		q->held = i % 5 == 0;
		q->cpu = (int)(i % 7) - 1;
		q->rx_packets = 1000ull * i + 1;
		q->rx_bytes = (1ull << 40) + i;
		q->tx_packets = 3ull * i;
		q->tx_bytes = 5ull * i;
		q->drops = i;
		q->cpu_ns = (7ull << 33) + i;
	}
}

static void device_assert_eq(const struct tapqd_device_info *a, const struct tapqd_device_info *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_uint_eq(a->ifindex, b->ifindex);
	ck_assert_uint_eq(a->max_queues, b->max_queues);
	ck_assert_uint_eq(a->active_queues, b->active_queues);
	ck_assert_int_eq(a->leased, b->leased);
	ck_assert_uint_eq(a->control, b->control);
	ck_assert_int_eq(a->holder_pid, b->holder_pid);
	ck_assert_uint_eq(a->vnet_hdr_size, b->vnet_hdr_size);
	ck_assert_uint_eq(a->tun_flags, b->tun_flags);
	ck_assert_uint_eq(a->offloads, b->offloads);
	ck_assert_uint_eq(a->backend, b->backend);
	ck_assert_int_eq(a->created, b->created);
	ck_assert_str_eq(a->template_name, b->template_name);
	ck_assert_uint_eq(a->created_by, b->created_by);
	ck_assert_uint_eq(a->pending, b->pending);
	ck_assert_int_eq(a->waiting, b->waiting);
	ck_assert_uint_eq(a->handoff, b->handoff);
	ck_assert_uint_eq(a->txqueuelen, b->txqueuelen);
	ck_assert_uint_eq(a->txqueuelen_pending, b->txqueuelen_pending);
	ck_assert_uint_eq(a->queue_memory, b->queue_memory);
	ck_assert_uint_eq(a->tunsetqueue_calls, b->tunsetqueue_calls);
	ck_assert_uint_eq(a->vcpus, b->vcpus);
	ck_assert_uint_eq(a->follow, b->follow);
	ck_assert_uint_eq(a->n_queues, b->n_queues);
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		const struct tapqd_queue_info *p = &a->queues[i], *q = &b->queues[i];

		ck_assert_int_eq(p->active, q->active);
		ck_assert_int_eq(p->worker, q->worker);
		ck_assert_int_eq(p->held, q->held);
		ck_assert_int_eq(p->cpu, q->cpu);
		ck_assert_uint_eq(p->rx_packets, q->rx_packets);
		ck_assert_uint_eq(p->rx_bytes, q->rx_bytes);
		ck_assert_uint_eq(p->tx_packets, q->tx_packets);
		ck_assert_uint_eq(p->tx_bytes, q->tx_bytes);
		ck_assert_uint_eq(p->drops, q->drops);
		ck_assert_uint_eq(p->cpu_ns, q->cpu_ns);
	}
}

/* A copy of wire, the struct at the start of buf, with field set to value: decode refuses it. */
#define MALFORMED(wire, field, value, decode)                                                      \
	do {                                                                                       \
		__typeof__(wire) bad_ = (wire);                                                    \
		bad_.field = (value);                                                              \
		memcpy(buf, &bad_, sizeof(bad_));                                                  \
		ck_assert_int_eq((decode), -EBADMSG);                                              \
	} while (0)

static struct tapqd_device_info dev_in, dev_out;
static struct tapqd_lease_info lease_in, lease_out;

START_TEST(test_device_queues_sized_by_the_device)
{
	static const unsigned int counts[] = {0, 1, 4, 64, 253, 254, 256};

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		unsigned int n = counts[i];
		ssize_t len;
		struct tapqd_hdr h;
		const void *p;
		size_t m;

		device_fill(&dev_in, n);
		len = tapqd_device_encode(&dev_in, buf, sizeof(buf));
		ck_assert_int_eq(len, (ssize_t)(TAPQD_DEVICE_MSG_SIZE(n) - sizeof(h)));
		ck_assert_int_eq(tapqd_device_decode(buf, (size_t)len, &dev_out), 0);
		device_assert_eq(&dev_in, &dev_out);
		/* a byte short of its last queue */
		if (n)
			ck_assert_int_eq(tapqd_device_decode(buf, (size_t)len - 1, &dev_out),
					 -EBADMSG);
		/* and as a whole message */
		m = tapqd_msg_pack(buf + TAPQD_MSG_MAX / 2, TAPQD_MSG_MAX / 2, TAPQD_DEVICE, 3, buf,
				   (size_t)len);
		ck_assert_uint_eq(m, TAPQD_DEVICE_MSG_SIZE(n));
		ck_assert_int_eq(tapqd_msg_unpack(buf + TAPQD_MSG_MAX / 2, m, &h, &p, NULL, 0), 0);
	}
	/* queues past those sent read inactive, with no core */
	device_fill(&dev_in, 4);
	ck_assert_int_gt(tapqd_device_encode(&dev_in, buf, sizeof(buf)), 0);
	ck_assert_int_eq(tapqd_device_decode(buf, sizeof(buf), &dev_out), 0);
	ck_assert_int_eq(dev_out.queues[4].cpu, -1);
	ck_assert(!dev_out.queues[255].active);
}
END_TEST

START_TEST(test_device_more_slots_than_queues)
{
	/* handoff by name: the kernel's counts may exceed max_queues */
	device_fill(&dev_in, 200);
	dev_in.max_queues = 4;
	dev_in.handoff = TAPQD_HANDOFF_NAME;
	ck_assert_int_gt(tapqd_device_encode(&dev_in, buf, sizeof(buf)), 0);
	ck_assert_int_eq(tapqd_device_decode(buf, sizeof(buf), &dev_out), 0);
	device_assert_eq(&dev_in, &dev_out);
}
END_TEST

START_TEST(test_device_encode_refuses)
{
	device_fill(&dev_in, 256);
	ck_assert_int_eq(tapqd_device_encode(&dev_in, buf, TAPQD_DEVICE_MSG_SIZE(256) - 17),
			 -EMSGSIZE);
	dev_in.n_queues = 257;
	ck_assert_int_eq(tapqd_device_encode(&dev_in, buf, sizeof(buf)), -EINVAL);
	device_fill(&lease_in.dev, 4);
	ck_assert_int_eq(tapqd_lease_encode(&lease_in, TAPQD_FDS_PER_MSG + 1, buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(tapqd_lease_encode(&lease_in, 0, buf, 23), -EMSGSIZE);
}
END_TEST

/* Field by field, as the header says the wire is: what a peer of another build would read. */
static void wire_device_at(size_t offset, size_t size, uint64_t want)
{
	uint64_t v = 0;

	memcpy(&v, buf + offset, size); /* little-endian hosts, as every test machine */
	ck_assert_uint_eq(v, want);
}

START_TEST(test_device_wire_layout)
{
	device_fill(&dev_in, 2);
	snprintf(dev_in.holder_comm, sizeof(dev_in.holder_comm), "qemu-system-x86");
	ck_assert_int_eq(tapqd_device_encode(&dev_in, buf, sizeof(buf)), 136 + 2 * 56);
	ck_assert_str_eq(buf + 120, "qemu-system-x86"); /* holder_comm */
	ck_assert_int_eq(tapqd_device_decode(buf, 136 + 2 * 56, &dev_out), 0);
	ck_assert_str_eq(dev_out.holder_comm, "qemu-system-x86");
	wire_device_at(0, 2, 136); /* info_size */
	wire_device_at(2, 2, 56);  /* queue_info_size */
	wire_device_at(4, 2, 2);   /* n_queues */
	wire_device_at(6, 2, 2);   /* max_queues */
	ck_assert_str_eq(buf + 8, "tapq-fifteen-15");
	wire_device_at(24, 4, 70000);
	wire_device_at(32, 4, 4242); /* holder_pid */
	wire_device_at(52, 1, 1);    /* leased */
	wire_device_at(53, 1, TAPQD_CONTROL_DAEMON);
	wire_device_at(58, 1, TAPQD_FOLLOW_UP);
	wire_device_at(59, 1, 1);    /* renamed */
	wire_device_at(60, 2, 300);  /* vcpus */
	wire_device_at(62, 2, 24);   /* create_error */
	wire_device_at(72, 8, 0x123456789ull);
	ck_assert_str_eq(buf + 80, "vm");  /* template_name */
	wire_device_at(112, 4, 65534); /* created_by */
	wire_device_at(116, 1, 1);     /* created */
	wire_device_at(136 + 48, 8, 7ull << 33); /* queue 0's cpu_ns */
	wire_device_at(136 + 56 + 2, 2, 0);      /* queue 1's cpu */
	wire_device_at(136 + 56 + 8, 8, 1001);
	wire_device_at(136 + 56 + 48, 8, (7ull << 33) + 1);
}
END_TEST

/* dev_in of n queues, encoded into buf; its wire struct in ret. Return: the payload's length. */
static ssize_t device_encoded(unsigned int n, struct tapqd_wire_device *ret)
{
	ssize_t len;

	device_fill(&dev_in, n);
	len = tapqd_device_encode(&dev_in, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	memcpy(ret, buf, sizeof(*ret));
	return len;
}

/* Queue entries of 48 bytes, as a tapqd before cpu_ns wrote them: all but cpu_ns read. */
START_TEST(test_device_without_cpu_ns)
{
	static char older[TAPQD_MSG_MAX];
	struct tapqd_wire_device w;

	device_encoded(3, &w);
	w.queue_info_size = 48;
	memcpy(older, &w, sizeof(w));
	for (unsigned int i = 0; i < 3; i++)
		memcpy(older + sizeof(w) + i * 48, buf + sizeof(w) + i * 56, 48);
	ck_assert_int_eq(tapqd_device_decode(older, sizeof(w) + 3 * 48, &dev_out), 0);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(dev_out.queues[i].cpu_ns, 0);
		dev_out.queues[i].cpu_ns = dev_in.queues[i].cpu_ns;
	}
	device_assert_eq(&dev_in, &dev_out);
}
END_TEST

/*
 * What a newer daemon may send: a longer device struct, longer queue entries,
 * a longer lease struct, and more after the array, none of it zero. An older
 * peer reads what it knows and skips the rest.
 */
static size_t write_as_newer(const struct tapqd_device_info *d, char *out, size_t lease_extra,
			     size_t info_extra, size_t queue_extra)
{
	static char v2[TAPQD_MSG_MAX];
	struct tapqd_wire_lease wl;
	struct tapqd_wire_device wd;
	size_t at = 0, n;

	lease_in.dev = *d;
	ck_assert_int_gt(tapqd_lease_encode(&lease_in, 3, v2, sizeof(v2)), 0);
	memcpy(&wl, v2, sizeof(wl));
	memcpy(&wd, v2 + sizeof(wl), sizeof(wd));
	wl.lease_size = (uint16_t)(sizeof(wl) + lease_extra);
	wd.info_size = (uint16_t)(sizeof(wd) + info_extra);
	wd.queue_info_size = (uint16_t)(sizeof(struct tapqd_wire_queue) + queue_extra);
	memcpy(out, &wl, sizeof(wl));
	at = sizeof(wl);
	memset(out + at, 0xee, lease_extra);
	at += lease_extra;
	memcpy(out + at, &wd, sizeof(wd));
	at += sizeof(wd);
	memset(out + at, 0xdd, info_extra);
	at += info_extra;
	n = d->n_queues;
	for (size_t i = 0; i < n; i++) {
		memcpy(out + at, v2 + sizeof(wl) + sizeof(wd) + i * sizeof(struct tapqd_wire_queue),
		       sizeof(struct tapqd_wire_queue));
		at += sizeof(struct tapqd_wire_queue);
		memset(out + at, 0xcc, queue_extra);
		at += queue_extra;
	}
	memset(out + at, 0xbb, 40); /* whatever comes after the array */
	return at + 40;
}

START_TEST(test_older_peer_skips_newer_fields)
{
	static char newer[TAPQD_MSG_MAX];
	static const size_t extras[][3] = {{0, 0, 0}, {8, 16, 8}, {1, 3, 5}, {200, 1000, 40}};

	memset(lease_in.token, 0x5a, sizeof(lease_in.token));
	for (size_t k = 0; k < sizeof(extras) / sizeof(extras[0]); k++) {
		unsigned int n_fds = 0;
		size_t len;

		device_fill(&dev_in, 256);
		len = write_as_newer(&dev_in, newer, extras[k][0], extras[k][1], extras[k][2]);
		ck_assert_int_eq(tapqd_lease_decode(newer, len, &lease_out, &n_fds), 0);
		ck_assert_uint_eq(n_fds, 3);
		ck_assert_mem_eq(lease_out.token, lease_in.token, TAPQD_TOKEN_LEN);
		device_assert_eq(&dev_in, &lease_out.dev);
		/* and the DEVICE alone, as STATUS sends it */
		ck_assert_int_eq(tapqd_device_decode(newer + sizeof(struct tapqd_wire_lease) +
							     extras[k][0],
						     len - sizeof(struct tapqd_wire_lease) -
							     extras[k][0],
						     &dev_out),
				 0);
		device_assert_eq(&dev_in, &dev_out);
		/* the whole message, longer than this version's LEASE of 256 queues */
		if (len + sizeof(struct tapqd_hdr) <= TAPQD_MSG_MAX) {
			size_t m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_LEASE, 4, newer, len);
			struct tapqd_hdr h;
			const void *p;

			ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
		}
	}
}
END_TEST

/* A daemon of before created devices writes 80 bytes of device: read, nothing created. */
START_TEST(test_device_of_older_daemon)
{
	uint16_t old = 80;
	ssize_t len;

	device_fill(&dev_in, 2);
	len = tapqd_device_encode(&dev_in, buf, sizeof(buf));
	ck_assert_int_eq(len, 136 + 2 * 56);
	/* its queues right after its 80 bytes */
	memmove(buf + 80, buf + 136, 2 * 56);
	memcpy(buf, &old, 2);
	ck_assert_int_eq(tapqd_device_decode(buf, 80 + 2 * 56, &dev_out), 0);
	ck_assert(!dev_out.created);
	ck_assert_str_eq(dev_out.template_name, "");
	ck_assert_uint_eq(dev_out.created_by, 0);
	ck_assert_str_eq(dev_out.name, dev_in.name);
	ck_assert_uint_eq(dev_out.queues[1].rx_packets, dev_in.queues[1].rx_packets);
	ck_assert_int_eq(tapqd_device_decode(buf, 79, &dev_out), -EBADMSG);
}
END_TEST

/* CREATE and DESTROY: their sizes, and a CREATE with unknown bytes past its struct refused. */
START_TEST(test_create_destroy)
{
	struct tapqd_create c = {.name = "tqvm1", .template_name = "vm", .max_queues = 4};
	struct tapqd_name destroy = {.name = "tqvm1"};
	uint8_t longer[sizeof(c) + 8] = {0};
	struct tapqd_hdr h;
	const void *p;
	size_t m;

	ck_assert_int_eq(tapqd_msg_payload_size(TAPQD_CREATE), 56);
	ck_assert_int_eq(tapqd_msg_payload_size(TAPQD_DESTROY), 16);
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_CREATE, 7, &c, sizeof(c));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	ck_assert_uint_eq(h.type, TAPQD_CREATE);
	ck_assert_mem_eq(p, &c, sizeof(c));
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_CREATE, 7, &c, sizeof(c) - 1);
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), -EBADMSG);
	memcpy(longer, &c, sizeof(c));
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_CREATE, 7, longer, sizeof(longer));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	longer[sizeof(c) + 3] = 1;
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_CREATE, 7, longer, sizeof(longer));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), -EOPNOTSUPP);
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_DESTROY, 8, &destroy, sizeof(destroy));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	ck_assert_str_eq(tapqd_refusal_name(TAPQD_REFUSAL_QUOTA), "quota");
	ck_assert_str_eq(tapqd_refusal_name(TAPQD_REFUSAL_HOST_LIMIT), "host_limit");
	ck_assert_str_eq(tapqd_refusal_name(TAPQD_REFUSAL_BAD_NAME), "bad_name");
	ck_assert_str_eq(tapqd_refusal_name(TAPQD_REFUSAL_BAD_TEMPLATE), "bad_template");
	ck_assert_ptr_null(tapqd_refusal_name(TAPQD_REFUSAL_COUNT));
}
END_TEST

/* TEMPLATES asks with nothing; a TEMPLATE through the wire and back, from this daemon and a newer. */
START_TEST(test_templates)
{
	struct tapqd_template_info in = {.name = "vm", .names = "tqvm*", .max_queues = 4,
					 .max_per_user = 2, .created = 1},
				   out;
	_Alignas(max_align_t) char wire[sizeof(struct tapqd_wire_template) + 8] = {0};
	uint8_t longer[8] = {0};
	struct tapqd_wire_template w;
	struct tapqd_hdr h;
	const void *p;
	ssize_t n;
	size_t m;

	ck_assert_int_eq(tapqd_msg_payload_size(TAPQD_TEMPLATES), 0);
	ck_assert_int_eq(tapqd_msg_payload_size(TAPQD_TEMPLATE), 112);
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_TEMPLATES, 9, NULL, 0);
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	ck_assert_uint_eq(h.type, TAPQD_TEMPLATES);
	/* a newer client that asks nothing more is taken; one that does is refused */
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_TEMPLATES, 9, longer, sizeof(longer));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	longer[5] = 1;
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_TEMPLATES, 9, longer, sizeof(longer));
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), -EOPNOTSUPP);

	n = tapqd_template_encode(&in, wire, sizeof(wire));
	ck_assert_int_eq(n, 112);
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_TEMPLATE, 9, wire, (size_t)n);
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), 0);
	ck_assert_int_eq(tapqd_template_decode(p, h.len, &out), 0);
	ck_assert_str_eq(out.name, "vm");
	ck_assert_str_eq(out.names, "tqvm*");
	ck_assert_uint_eq(out.max_queues, 4);
	ck_assert_uint_eq(out.max_per_user, 2);
	ck_assert_uint_eq(out.created, 1);
	ck_assert_int_eq(tapqd_msg_unpack(buf, m - 1, &h, &p, NULL, 0), -EBADMSG);
	m = tapqd_msg_pack(buf, sizeof(buf), TAPQD_TEMPLATE, 9, wire, (size_t)n - 1);
	ck_assert_int_eq(tapqd_msg_unpack(buf, m, &h, &p, NULL, 0), -EBADMSG);

	ck_assert_int_eq(tapqd_template_encode(&in, wire, 111), -EMSGSIZE);
	in.max_queues = TAPQD_MAX_QUEUES + 1;
	ck_assert_int_eq(tapqd_template_encode(&in, wire, sizeof(wire)), -EINVAL);
	in.max_queues = 4;
	/* a name that fills its array goes NUL-terminated, one character short */
	memset(in.name, 'a', sizeof(in.name));
	ck_assert_int_eq(tapqd_template_encode(&in, wire, sizeof(wire)), 112);
	ck_assert_int_eq(tapqd_template_decode(wire, 112, &out), 0);
	ck_assert_uint_eq(strlen(out.name), TAPQD_TEMPLATE_MAX - 1);

	/* a newer daemon's longer struct: what is known read, the rest skipped */
	memcpy(&w, wire, sizeof(w));
	w.info_size = sizeof(w) + 8;
	memcpy(wire, &w, sizeof(w));
	memset(wire + sizeof(w), 0xff, 8);
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(wire), &out), 0);
	ck_assert_uint_eq(out.max_per_user, 2);
	/* sizes that do not hold, counts out of range, strings without their NUL */
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(wire) - 1, &out), -EBADMSG);
	w.info_size = sizeof(w) - 1;
	memcpy(wire, &w, sizeof(w));
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(wire), &out), -EBADMSG);
	w.info_size = sizeof(w);
	w.max_queues = TAPQD_MAX_QUEUES + 1;
	memcpy(wire, &w, sizeof(w));
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(w), &out), -EBADMSG);
	w.max_queues = 4;
	memset(w.name, 'a', sizeof(w.name));
	memcpy(wire, &w, sizeof(w));
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(w), &out), -EBADMSG);
	w.name[0] = '\0';
	memset(w.names, '*', sizeof(w.names));
	memcpy(wire, &w, sizeof(w));
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(w), &out), -EBADMSG);
	ck_assert_int_eq(tapqd_template_decode(wire, sizeof(w) - 1, &out), -EBADMSG);
}
END_TEST

START_TEST(test_malformed_devices)
{
	struct tapqd_wire_device w;
	ssize_t len = device_encoded(4, &w);

#define BAD(field, value)                                                                          \
	MALFORMED(w, field, value, tapqd_device_decode(buf, (size_t)len, &dev_out))
	BAD(info_size, 79); /* shorter than version 2's */
	BAD(info_size, 137); /* the queues then run past the end */
	BAD(queue_info_size, 47); /* shorter than version 2's */
	BAD(queue_info_size, 57); /* the queues then run past the end */
	BAD(n_queues, 5);
	BAD(n_queues, TAPQD_MAX_QUEUES + 1);
	BAD(max_queues, TAPQD_MAX_QUEUES + 1);
	BAD(info_size, 0xffff);
	BAD(queue_info_size, 0xffff);
	BAD(name[15], 'x'); /* no NUL */
#undef BAD
	memcpy(buf, &w, sizeof(w));
	ck_assert_int_eq(tapqd_device_decode(buf, (size_t)len, &dev_out), 0);
	for (size_t k = 0; k < sizeof(w); k++)
		ck_assert_int_eq(tapqd_device_decode(buf, k, &dev_out), -EBADMSG);
}
END_TEST

START_TEST(test_malformed_leases)
{
	struct tapqd_wire_lease w;
	unsigned int n_fds;
	ssize_t len;

	device_fill(&lease_in.dev, 4);
	len = tapqd_lease_encode(&lease_in, 4, buf, sizeof(buf));
	ck_assert_int_eq(len, (ssize_t)(TAPQD_LEASE_MSG_SIZE(4) - sizeof(struct tapqd_hdr)));
	ck_assert_int_eq(tapqd_lease_decode(buf, (size_t)len, &lease_out, &n_fds), 0);
	ck_assert_uint_eq(n_fds, 4);
	memcpy(&w, buf, sizeof(w));
#define BAD(field, value)                                                                          \
	MALFORMED(w, field, value, tapqd_lease_decode(buf, (size_t)len, &lease_out, &n_fds))
	BAD(lease_size, 23);
	BAD(lease_size, 25);
	BAD(lease_size, 0xffff);
	BAD(first_fd, 1);
	BAD(n_fds, TAPQD_FDS_PER_MSG + 1);
#undef BAD
	memcpy(buf, &w, sizeof(w));
	ck_assert_int_eq(tapqd_lease_decode(buf, (size_t)len - 1, &lease_out, &n_fds), -EBADMSG);
}
END_TEST

START_TEST(test_events)
{
	struct tapqd_event w = {.kind = TAPQD_EVENT_SHRINK, .active_queues = 3, .pid = 77,
				.name = "tapq0"};
	struct tapqd_event_info ev;
	char longer[sizeof(w) + 8];

	memset(longer, 0x11, sizeof(longer));
	memcpy(longer, &w, sizeof(w));
	ck_assert_int_eq(tapqd_event_decode(longer, sizeof(longer), &ev), 0);
	ck_assert_uint_eq(ev.kind, TAPQD_EVENT_SHRINK);
	ck_assert_uint_eq(ev.active_queues, 3);
	ck_assert_int_eq(ev.pid, 77);
	ck_assert_str_eq(ev.name, "tapq0");
	ck_assert_str_eq(ev.comm, "");
	/* tapqd up to 0.4 sent 24 bytes: comm, new_name and vcpus read as nothing */
	ck_assert_int_eq(tapqd_event_decode(&w, 24, &ev), 0);
	ck_assert_int_eq(ev.pid, 77);
	ck_assert_str_eq(ev.comm, "");
	ck_assert_int_eq(tapqd_event_decode(&w, 23, &ev), -EBADMSG);
	/* the appended fields */
	snprintf(w.comm, sizeof(w.comm), "qemu");
	snprintf(w.new_name, sizeof(w.new_name), "vm-1");
	w.vcpus = 4;
	ck_assert_int_eq(tapqd_event_decode(&w, sizeof(w), &ev), 0);
	ck_assert_str_eq(ev.comm, "qemu");
	ck_assert_str_eq(ev.new_name, "vm-1");
	ck_assert_uint_eq(ev.vcpus, 4);
	memset(w.comm, 'x', sizeof(w.comm));
	ck_assert_int_eq(tapqd_event_decode(&w, sizeof(w), &ev), -EBADMSG);
	w.comm[0] = '\0';
	memset(w.name, 'x', sizeof(w.name));
	ck_assert_int_eq(tapqd_event_decode(&w, sizeof(w), &ev), -EBADMSG);
}
END_TEST

START_TEST(test_names)
{
	char exact[TAPQD_NAME_MAX];

	ck_assert(tapqd_name_valid("tapq0", TAPQD_NAME_MAX));
	ck_assert(tapqd_name_valid("a", 2));
	ck_assert(!tapqd_name_valid("", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid(".", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("..", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a/b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a:b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a\tb", TAPQD_NAME_MAX));
	ck_assert(tapqd_name_valid("fifteen-chars15", TAPQD_NAME_MAX));
	/* 16 characters and no NUL within the array */
	memcpy(exact, "sixteen-chars-16", TAPQD_NAME_MAX);
	ck_assert(!tapqd_name_valid(exact, TAPQD_NAME_MAX));
}
END_TEST

START_TEST(test_control_names)
{
	unsigned int c = 0;

	ck_assert_int_eq(tapqd_control_parse("client", &c), 0);
	ck_assert_uint_eq(c, TAPQD_CONTROL_CLIENT);
	ck_assert_int_eq(tapqd_control_parse("daemon", &c), 0);
	ck_assert_uint_eq(c, TAPQD_CONTROL_DAEMON);
	ck_assert_int_eq(tapqd_control_parse("Client", &c), -EINVAL);
	ck_assert_int_eq(tapqd_control_parse("", &c), -EINVAL);
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_CLIENT), "client");
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_DAEMON), "daemon");
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_NONE), "none");
	ck_assert_str_eq(tapqd_control_name(77), "none");
}
END_TEST

/* The OK ending STATUS: the refusal counters, and what older and newer daemons send. */
START_TEST(test_daemon_info)
{
	struct tapqd_daemon_info in = {.known = true, .stats_known = true, .resizes = 3,
				       .reloads_applied = 4, .reloads_refused = 5, .errors = 6,
				       .connections = 7},
				 out;
	struct tapqd_wire_daemon w = {.info_size = 16, .n_refusals = TAPQD_REFUSAL_COUNT + 2};
	_Alignas(uint64_t) char wire[256] = {0};
	ssize_t n;

	for (unsigned int i = 0; i < TAPQD_REFUSAL_COUNT; i++)
		in.refusals[i] = 1000 + i;
	n = tapqd_daemon_encode(&in, wire, sizeof(wire));
	ck_assert_int_eq(n, 48 + 8 * TAPQD_REFUSAL_COUNT);
	ck_assert_int_eq(tapqd_daemon_decode(wire, (size_t)n, &out), 0);
	ck_assert(out.known);
	ck_assert_mem_eq(out.refusals, in.refusals, sizeof(in.refusals));
	ck_assert(out.stats_known);
	ck_assert_uint_eq(out.resizes, 3);
	ck_assert_uint_eq(out.reloads_applied, 4);
	ck_assert_uint_eq(out.reloads_refused, 5);
	ck_assert_uint_eq(out.errors, 6);
	ck_assert_uint_eq(out.connections, 7);
	ck_assert_int_eq(tapqd_daemon_encode(&in, wire, (size_t)n - 1), -EMSGSIZE);
	/* an older daemon's empty OK: nothing known */
	ck_assert_int_eq(tapqd_daemon_decode(wire, 0, &out), 0);
	ck_assert(!out.known);
	/* short, or counters the length does not hold */
	ck_assert_int_eq(tapqd_daemon_decode(wire, 7, &out), -EBADMSG);
	ck_assert_int_eq(tapqd_daemon_decode(wire, (size_t)n - 1, &out), -EBADMSG);
	/* a newer daemon: a longer struct and more counters, the known ones read */
	memset(wire, 0, sizeof(wire));
	memcpy(wire, &w, sizeof(w));
	for (unsigned int i = 0; i < w.n_refusals; i++) {
		uint64_t v = 7 + i;

		memcpy(wire + 16 + 8 * i, &v, sizeof(v));
	}
	ck_assert_int_eq(tapqd_daemon_decode(wire, 16 + 8 * (size_t)w.n_refusals, &out), 0);
	ck_assert(out.known);
	ck_assert_uint_eq(out.refusals[0], 7);
	ck_assert_uint_eq(out.refusals[TAPQD_REFUSAL_COUNT - 1], 7 + TAPQD_REFUSAL_COUNT - 1);
	/* a daemon of 0.4 (info_size 8, refusals only): its counters unknown, not 0 */
	w.info_size = 8;
	w.n_refusals = TAPQD_REFUSAL_COUNT;
	memcpy(wire, &w, sizeof(w));
	for (unsigned int i = 0; i < TAPQD_REFUSAL_COUNT; i++) {
		uint64_t v = 9;

		memcpy(wire + 8 + 8 * i, &v, sizeof(v));
	}
	ck_assert_int_eq(tapqd_daemon_decode(wire, 8 + 8 * TAPQD_REFUSAL_COUNT, &out), 0);
	ck_assert(out.known);
	ck_assert(!out.stats_known);
	ck_assert_uint_eq(out.refusals[0], 9);
	ck_assert_uint_eq(out.resizes, 0);
	w.info_size = 4;
	memcpy(wire, &w, sizeof(w));
	ck_assert_int_eq(tapqd_daemon_decode(wire, sizeof(wire), &out), -EBADMSG);
	/* every reason has a name, and only those */
	for (unsigned int i = 0; i < TAPQD_REFUSAL_COUNT; i++)
		ck_assert_ptr_nonnull(tapqd_refusal_name(i));
	ck_assert_str_eq(tapqd_refusal_name(TAPQD_REFUSAL_BAD_TOKEN), "bad_token");
	ck_assert_ptr_null(tapqd_refusal_name(TAPQD_REFUSAL_COUNT));
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("messages");
	TCase *td = tcase_create("devices");

	tcase_add_test(tc, test_round_trip_every_type);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_shorter_than_its_struct);
	tcase_add_test(tc, test_zero_extended_requests_accepted);
	tcase_add_test(tc, test_non_zero_extension_refused);
	tcase_add_test(tc, test_newer_replies_skipped);
	tcase_add_test(tc, test_trailing_bytes_and_bad_len);
	tcase_add_test(tc, test_bad_magic_version_type);
	tcase_add_test(tc, test_hello_and_error_in_any_version);
	tcase_add_test(tc, test_negotiation);
	tcase_add_test(tc, test_type_since_its_version);
	tcase_add_test(tc, test_pack_refuses_small_buffer);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_control_names);
	tcase_add_test(td, test_device_queues_sized_by_the_device);
	tcase_add_test(td, test_device_more_slots_than_queues);
	tcase_add_test(td, test_device_encode_refuses);
	tcase_add_test(td, test_device_wire_layout);
	tcase_add_test(td, test_device_without_cpu_ns);
	tcase_add_test(td, test_older_peer_skips_newer_fields);
	tcase_add_test(td, test_malformed_devices);
	tcase_add_test(td, test_device_of_older_daemon);
	tcase_add_test(td, test_create_destroy);
	tcase_add_test(td, test_templates);
	tcase_add_test(td, test_malformed_leases);
	tcase_add_test(td, test_events);
	tcase_add_test(td, test_daemon_info);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, td);
	return s;
}

int main(void)
{
	return check_run(proto_suite());
}
