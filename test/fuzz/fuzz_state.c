// SPDX-License-Identifier: MIT
/*
 * fuzz_state.c - libFuzzer target: state_decode() on arbitrary bytes, as the
 * state file or a stored memfd can hold anything; whatever decodes encodes
 * back to the very same bytes, and a refusal is one of the errors it names
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state_lease *leases = NULL;
	uint64_t generation = 0;
	size_t n = 0;
	uint8_t *again;
	int r;

	r = state_decode(data, size, &leases, &n, &generation);
	if (r < 0) {
		if (r != -EBADMSG && r != -EPROTO && r != -ENOMEM)
			abort();
		return 0;
	}
	if (n > STATE_LEASES_MAX || state_size(n) != size || !generation || (n > 0) != !!leases)
		abort();
	again = malloc(size);
	if (!again)
		abort();
	state_encode(leases, n, generation, again);
	if (memcmp(again, data, size))
		abort();
	free(again);
	free(leases);
	return 0;
}
