// SPDX-License-Identifier: MIT
/*
 * fuzz_state.c - libFuzzer target: state_decode() on arbitrary bytes, as the
 * state file or a stored memfd can hold anything; whatever decodes encodes
 * and decodes again to the same state (a version 3 or 4 input to the very
 * same bytes), and a refusal is one of the errors it names
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int created_same(const struct state_created *a, const struct state_created *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->template_name, b->template_name) &&
	       a->creator == b->creator && a->ifindex == b->ifindex && a->conf_len == b->conf_len &&
	       !memcmp(a->conf, b->conf, a->conf_len);
}

/* Whether a and b hold the same leases, created devices, generation and config text. */
static int state_same(const struct state *a, const struct state *b)
{
	if (a->n_created != b->n_created)
		return 0;
	for (size_t i = 0; i < a->n_created; i++)
		if (!created_same(&a->created[i], &b->created[i]))
			return 0;
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
	    (s.n_leases > 0) != !!s.leases || (s.conf_len > 0) != !!s.conf ||
	    s.n_created > STATE_CREATED_MAX || (s.n_created > 0) != !!s.created)
		abort();
	n = state_size(&s);
	again = malloc(n);
	if (!again)
		abort();
	state_encode(&s, again);
	memcpy(&version, data + 4, sizeof(version));
	/* versions 3 and 4 encode to the very same bytes, but for the version written */
	if (version >= 3) {
		memcpy(again + 4, &version, sizeof(version));
		if (n != size || memcmp(again, data, size))
			abort();
	}
	if (state_decode(again, n, &back) < 0 || !state_same(&s, &back))
		abort();
	free(again);
	state_free(&back);
	state_free(&s);
	return 0;
}
