// SPDX-License-Identifier: MIT
/* frame.c - the echo backend's frame swap: L2, L3 and L4 source and destination, in place */

#include <string.h>

#include "frame.h"

#define FRAME_ETH_HLEN 14
#define FRAME_ETH_ALEN 6
#define FRAME_ETHERTYPE_IPV4 0x0800
#define FRAME_ETHERTYPE_IPV6 0x86dd
#define FRAME_IPV4_MIN_HLEN 20
#define FRAME_IPV6_HLEN 40
#define FRAME_IPPROTO_TCP 6
#define FRAME_IPPROTO_UDP 17
#define FRAME_PORTS_LEN 4 /* TCP and UDP both start with source port, destination port */

static void frame_swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[16];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

static void frame_swap_ports(uint8_t *l4, size_t len, uint8_t proto)
{
	if ((proto == FRAME_IPPROTO_TCP || proto == FRAME_IPPROTO_UDP) && len >= FRAME_PORTS_LEN)
		frame_swap_bytes(l4, l4 + 2, 2);
}

static void frame_swap_ipv4(uint8_t *ip, size_t len)
{
	size_t hlen;

	if (len < FRAME_IPV4_MIN_HLEN || ip[0] >> 4 != 4)
		return;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < FRAME_IPV4_MIN_HLEN || hlen > len)
		return;
	frame_swap_bytes(ip + 12, ip + 16, 4);
	/* only the first fragment carries the ports */
	if (((ip[6] & 0x1f) << 8 | ip[7]) == 0)
		frame_swap_ports(ip + hlen, len - hlen, ip[9]);
}

/* Extension headers are left alone: with a routing header the swap would not be symmetric. */
static void frame_swap_ipv6(uint8_t *ip, size_t len)
{
	if (len < FRAME_IPV6_HLEN || ip[0] >> 4 != 6)
		return;
	frame_swap_bytes(ip + 8, ip + 24, 16);
	frame_swap_ports(ip + FRAME_IPV6_HLEN, len - FRAME_IPV6_HLEN, ip[6]);
}

void frame_swap(uint8_t *frame, size_t len)
{
	unsigned int type;

	if (len < FRAME_ETH_HLEN)
		return;
	frame_swap_bytes(frame, frame + FRAME_ETH_ALEN, FRAME_ETH_ALEN);
	type = (unsigned int)frame[12] << 8 | frame[13];
	if (type == FRAME_ETHERTYPE_IPV4)
		frame_swap_ipv4(frame + FRAME_ETH_HLEN, len - FRAME_ETH_HLEN);
	else if (type == FRAME_ETHERTYPE_IPV6)
		frame_swap_ipv6(frame + FRAME_ETH_HLEN, len - FRAME_ETH_HLEN);
}
