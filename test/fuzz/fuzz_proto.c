// SPDX-License-Identifier: MIT
/* fuzz_proto.c - libFuzzer target: tapqd_msg_unpack on arbitrary bytes, and a re-pack round trip */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapqd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(max_align_t) char in[TAPQD_MSG_MAX];
	_Alignas(max_align_t) char out[TAPQD_MSG_MAX];
	struct tapqd_hdr h;
	const void *p;
	size_t n;

	if (size > sizeof(in))
		size = sizeof(in);
	memcpy(in, data, size);
	if (tapqd_msg_unpack(in, size, &h, &p) < 0)
		return 0;
	/* whatever unpacks packs back to the same bytes */
	n = tapqd_msg_pack(out, sizeof(out), h.type, h.seq, p, h.len);
	if (n != size || memcmp(out, in, size))
		abort();
	if (h.type == TAPQD_ACQUIRE || h.type == TAPQD_STATUS)
		(void)tapqd_name_valid(p, TAPQD_NAME_MAX);
	return 0;
}
