// SPDX-License-Identifier: MIT
/*
 * fuzz_state.c - libFuzzer target: state_decode() on arbitrary bytes, as the
 * state file or a stored memfd can hold anything; whatever decodes encodes
 * and decodes again to the same state (a version 3 input to the very same
 * bytes), and a refusal is one of the errors it names
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a and b hold the same leases, generation and config text. */
static int state_same(const struct state *a, const struct state *b)
{
	return a->n_leases == b->n_leases && a->generation == b->generation &&
	       a->conf_len == b->conf_len &&
	       (!a->n_leases || !memcmp(a->leases, b->leases, a->n_leases * sizeof(*a->leases))) &&
	       (!a->conf_len || !memcmp(a->conf, b->conf, a->conf_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s = {0}, back = {0};
	uint16_t version;
	uint8_t *again;
	size_t n;
	int r;

	r = state_decode(data, size, &s);
	if (r < 0) {
		if (r != -EBADMSG && r != -EPROTO && r != -ENOMEM)
			abort();
		return 0;
	}
	if (s.n_leases > STATE_LEASES_MAX || s.conf_len > STATE_CONF_MAX || !s.generation ||
	    (s.n_leases > 0) != !!s.leases || (s.conf_len > 0) != !!s.conf)
		abort();
	n = state_size(s.n_leases, s.conf_len);
	again = malloc(n);
	if (!again)
		abort();
	state_encode(&s, again);
	memcpy(&version, data + 4, sizeof(version));
	if (version == 3 && (n != size || memcmp(again, data, size)))
		abort();
	if (state_decode(again, n, &back) < 0 || !state_same(&s, &back))
		abort();
	free(again);
	state_free(&back);
	state_free(&s);
	return 0;
}
