/* SPDX-License-Identifier: MIT */
/* frame.h - turning a frame around: source and destination swapped, as a reflector does */
#ifndef TAPQD_FRAME_H
#define TAPQD_FRAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Swaps source and destination of an Ethernet frame in place: the MACs,
 * then for IPv4 and IPv6 the addresses, then for UDP and TCP the ports.
 * Only what lies inside len is read or written; a layer that is cut short,
 * or that is not one of those, ends the swap there. Checksums stay valid
 * without being touched: every swapped pair sits in the same checksum,
 * and a one's-complement sum does not depend on the order of its words.
 */
void frame_swap(uint8_t *frame, size_t len);

#endif
