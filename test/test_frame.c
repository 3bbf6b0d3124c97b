// SPDX-License-Identifier: MIT
/* test_frame.c - unit tests of the echo backend's frame swap (daemon/frame.c) */

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "frame.h"

#define MAC_A 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
#define MAC_B 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b
#define ETH_HLEN 14
#define FRAME_MAX 256

static const uint8_t mac_a[6] = {MAC_A}, mac_b[6] = {MAC_B};
static const uint8_t ip4_a[4] = {192, 0, 2, 1}, ip4_b[4] = {198, 51, 100, 7};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, [14] = 0x12, [15] = 0x34};

/* One's-complement sum of 16-bit big-endian words, not yet folded. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t eth(uint8_t *f, unsigned int type)
{
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	put16(f + 12, type);
	return ETH_HLEN;
}

/* The L4 checksum over the IPv4 or IPv6 pseudo-header; valid when it folds to 0xffff. */
static uint16_t l4_sum(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		       const uint8_t *l4, size_t l4len)
{
	uint32_t sum = sum16(src, alen, 0);

	sum = sum16(dst, alen, sum);
	sum += proto;
	sum += (uint32_t)l4len;
	return fold(sum16(l4, l4len, sum));
}

static const uint8_t payload[] = "tapqd echo payload!"; /* odd length with the NUL: 20 */

/* L4 header + payload at l4, checksum filled in over the pseudo-header. Return: its length. */
static size_t l4_build(uint8_t *l4, uint8_t proto, const uint8_t *src, const uint8_t *dst,
		       size_t alen)
{
	size_t hlen = proto == 6 ? 20 : 8, len = hlen + sizeof(payload) - 1;
	size_t csum_at = proto == 6 ? 16 : 6;

	memset(l4, 0, hlen);
	put16(l4, 40000);
	put16(l4 + 2, 53);
	if (proto == 6) {
		l4[12] = 5 << 4; /* data offset */
		l4[13] = 0x18;   /* PSH ACK */
		put16(l4 + 14, 65535);
	} else {
		put16(l4 + 4, (unsigned int)len);
	}
	memcpy(l4 + hlen, payload, sizeof(payload) - 1);
	put16(l4 + csum_at, (uint16_t)~l4_sum(src, dst, alen, proto, l4, len));
	return len;
}

/* Ethernet + IPv4 (ihl words, options filled with NOPs) + TCP or UDP. */
static size_t build_ipv4(uint8_t *f, uint8_t proto, unsigned int ihl)
{
	uint8_t *ip = f + eth(f, 0x0800), *l4;
	size_t hlen = ihl * 4, l4len;

	memset(ip, 0, hlen);
	ip[0] = (uint8_t)(0x40 | ihl);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, ip4_a, 4);
	memcpy(ip + 16, ip4_b, 4);
	memset(ip + 20, 1, hlen - 20);
	l4 = ip + hlen;
	l4len = l4_build(l4, proto, ip4_a, ip4_b, 4);
	put16(ip + 2, (unsigned int)(hlen + l4len));
	put16(ip + 10, (uint16_t)~fold(sum16(ip, hlen, 0)));
	return ETH_HLEN + hlen + l4len;
}

static size_t build_ipv6(uint8_t *f, uint8_t proto)
{
	uint8_t *ip = f + eth(f, 0x86dd);
	size_t l4len;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, ip6_a, 16);
	memcpy(ip + 24, ip6_b, 16);
	l4len = l4_build(ip + 40, proto, ip6_a, ip6_b, 16);
	put16(ip + 4, (unsigned int)l4len);
	return ETH_HLEN + 40 + l4len;
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void check_macs_swapped(const uint8_t *f)
{
	ck_assert_mem_eq(f, mac_b, 6);
	ck_assert_mem_eq(f + 6, mac_a, 6);
}

/* MACs, the addresses (b now first, at addr) and the ports have traded places. */
static void check_swapped(const uint8_t *f, const uint8_t *addr, const uint8_t *a,
			  const uint8_t *b, size_t alen, const uint8_t *l4)
{
	check_macs_swapped(f);
	ck_assert_mem_eq(addr, b, alen);
	ck_assert_mem_eq(addr + alen, a, alen);
	ck_assert_uint_eq(get16(l4), 53);
	ck_assert_uint_eq(get16(l4 + 2), 40000);
}

/* A second swap gives the frame back, byte for byte. */
static void check_swap_twice(uint8_t *f, const uint8_t *orig, size_t len)
{
	frame_swap(f, len);
	ck_assert_mem_eq(f, orig, len);
}

static void check_ipv4(uint8_t proto, unsigned int ihl)
{
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	size_t len = build_ipv4(f, proto, ihl), hlen = ihl * 4;
	const uint8_t *ip = f + ETH_HLEN, *l4 = ip + hlen;

	ck_assert_uint_eq(fold(sum16(ip, hlen, 0)), 0xffff);
	ck_assert_uint_eq(l4_sum(ip4_a, ip4_b, 4, proto, l4, len - ETH_HLEN - hlen), 0xffff);
	memcpy(orig, f, len);
	frame_swap(f, len);
	check_swapped(f, ip + 12, ip4_a, ip4_b, 4, l4);
	/* the claim: both checksums hold, untouched, for the swapped frame */
	ck_assert_uint_eq(fold(sum16(ip, hlen, 0)), 0xffff);
	ck_assert_uint_eq(l4_sum(ip + 12, ip + 16, 4, proto, l4, len - ETH_HLEN - hlen), 0xffff);
	ck_assert_mem_eq(ip + 10, orig + ETH_HLEN + 10, 2);
	ck_assert_mem_eq(ip + 20, orig + ETH_HLEN + 20, hlen - 20); /* options untouched */
	check_swap_twice(f, orig, len);
}

START_TEST(test_ipv4_udp)
{
	check_ipv4(17, 5);
}
END_TEST

START_TEST(test_ipv4_tcp)
{
	check_ipv4(6, 5);
}
END_TEST

START_TEST(test_ipv4_options)
{
	check_ipv4(17, 8);
	check_ipv4(6, 15);
}
END_TEST

static void check_ipv6(uint8_t proto)
{
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	size_t len = build_ipv6(f, proto);
	const uint8_t *ip = f + ETH_HLEN, *l4 = ip + 40;

	ck_assert_uint_eq(l4_sum(ip + 8, ip + 24, 16, proto, l4, len - ETH_HLEN - 40), 0xffff);
	memcpy(orig, f, len);
	frame_swap(f, len);
	check_swapped(f, ip + 8, ip6_a, ip6_b, 16, l4);
	ck_assert_uint_eq(l4_sum(ip + 8, ip + 24, 16, proto, l4, len - ETH_HLEN - 40), 0xffff);
	check_swap_twice(f, orig, len);
}

START_TEST(test_ipv6_udp)
{
	check_ipv6(17);
}
END_TEST

START_TEST(test_ipv6_tcp)
{
	check_ipv6(6);
}
END_TEST

/* Everything after the MACs stays as it was. */
static void check_l2_only(uint8_t *f, size_t len)
{
	uint8_t orig[FRAME_MAX];

	memcpy(orig, f, len);
	frame_swap(f, len);
	check_macs_swapped(f);
	ck_assert_mem_eq(f + 12, orig + 12, len - 12);
}

START_TEST(test_vlan_l2_only)
{
	uint8_t f[FRAME_MAX + 4];
	size_t len = build_ipv4(f + 4, 17, 5) + 4;

	/* an 802.1Q tag in front of the IPv4 ethertype */
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	put16(f + 12, 0x8100);
	put16(f + 14, 0x0064);
	put16(f + 16, 0x0800);
	check_l2_only(f, len);
}
END_TEST

START_TEST(test_unknown_ethertype_l2_only)
{
	uint8_t f[FRAME_MAX];
	size_t len = build_ipv4(f, 17, 5);

	put16(f + 12, 0x0806);
	check_l2_only(f, len);
}
END_TEST

START_TEST(test_wrong_ip_version_l2_only)
{
	uint8_t f[FRAME_MAX];
	size_t len = build_ipv4(f, 17, 5);

	f[ETH_HLEN] = 0x65; /* says IPv6 behind an IPv4 ethertype */
	check_l2_only(f, len);
	len = build_ipv4(f, 17, 5);
	f[ETH_HLEN] = 0x44; /* ihl below the minimum */
	check_l2_only(f, len);
}
END_TEST

START_TEST(test_later_fragment_keeps_ports)
{
	uint8_t f[FRAME_MAX];
	size_t len = build_ipv4(f, 17, 5);
	uint8_t *ip = f + ETH_HLEN;

	put16(ip + 6, 0x00b9); /* offset 185 * 8: the bytes there are payload, not ports */
	frame_swap(f, len);
	ck_assert_mem_eq(ip + 12, ip4_b, 4);
	ck_assert_uint_eq(get16(ip + 20), 40000);
}
END_TEST

START_TEST(test_unknown_l4_keeps_payload)
{
	uint8_t f[FRAME_MAX];
	size_t len = build_ipv4(f, 17, 5);
	uint8_t *ip = f + ETH_HLEN;

	ip[9] = 47; /* GRE */
	frame_swap(f, len);
	ck_assert_mem_eq(ip + 12, ip4_b, 4);
	ck_assert_uint_eq(get16(ip + 20), 40000);
}
END_TEST

/*
 * Every length from 0 to the whole frame, each in a buffer of exactly that
 * size on the heap: under ASan (make unit-san) one byte read past the end
 * stops the test. Whatever the length, nothing past it may change either.
 */
static void check_truncations(const uint8_t *f, size_t full)
{
	for (size_t len = 0; len <= full; len++) {
		uint8_t *p = malloc(len ? len : 1);

		ck_assert_ptr_nonnull(p);
		memcpy(p, f, len);
		frame_swap(p, len);
		if (len >= ETH_HLEN)
			check_macs_swapped(p);
		else
			ck_assert_mem_eq(p, f, len);
		free(p);
	}
}

START_TEST(test_truncated)
{
	uint8_t f[FRAME_MAX];

	check_truncations(f, build_ipv4(f, 17, 5));
	check_truncations(f, build_ipv4(f, 6, 15));
	check_truncations(f, build_ipv6(f, 17));
	check_truncations(f, build_ipv6(f, 6));
}
END_TEST

START_TEST(test_truncated_ports_untouched)
{
	uint8_t f[FRAME_MAX];

	build_ipv4(f, 17, 5);
	/* three bytes of UDP: the addresses swap, the ports cannot */
	frame_swap(f, ETH_HLEN + 20 + 3);
	ck_assert_mem_eq(f + ETH_HLEN + 12, ip4_b, 4);
	ck_assert_uint_eq(get16(f + ETH_HLEN + 20), 40000);
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("swap");

	tcase_add_test(tc, test_ipv4_udp);
	tcase_add_test(tc, test_ipv4_tcp);
	tcase_add_test(tc, test_ipv4_options);
	tcase_add_test(tc, test_ipv6_udp);
	tcase_add_test(tc, test_ipv6_tcp);
	tcase_add_test(tc, test_vlan_l2_only);
	tcase_add_test(tc, test_unknown_ethertype_l2_only);
	tcase_add_test(tc, test_wrong_ip_version_l2_only);
	tcase_add_test(tc, test_later_fragment_keeps_ports);
	tcase_add_test(tc, test_unknown_l4_keeps_payload);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_truncated_ports_untouched);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(frame_suite());
}
