// SPDX-License-Identifier: MIT
/* fuzz_conf.c - libFuzzer target: conf_parse_buffer on arbitrary bytes, and what must hold after */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few names resolve, one fails like a broken NSS module, the rest are unknown. */
static int fuzz_user(const char *name, uid_t *ret)
{
	if (!strcmp(name, "root") || !strcmp(name, "alice")) {
		*ret = name[0] == 'r' ? 0 : 1000;
		return 0;
	}
	return strcmp(name, "eio") ? -ENOENT : -EIO;
}

static int fuzz_group(const char *name, gid_t *ret)
{
	if (!strcmp(name, "root") || !strcmp(name, "kvm")) {
		*ret = name[0] == 'r' ? 0 : 108;
		return 0;
	}
	return strcmp(name, "eio") ? -ENOENT : -EIO;
}

static const struct conf_lookup fuzz_lookup = {fuzz_user, fuzz_group};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_error err;
	char line[600];
	struct conf c;
	size_t lines = 1;
	int r;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = conf_parse_buffer((const char *)data, size, "fuzz.conf", &fuzz_lookup, &c, &err);
	if (r == 0) {
		/* whatever parses is valid, and every device can be found by its name */
		if (conf_validate(&c, "fuzz.conf", &err) != 0 || c.n_devices > CONF_MAX_DEVICES)
			abort();
		for (size_t i = 0; i < c.n_devices; i++)
			if (conf_find_device(&c, c.devices[i].name) != &c.devices[i])
				abort();
	} else {
		/* a refusal says why, and names a line of the input */
		if (r != -EINVAL || !memchr(err.msg, '\0', sizeof(err.msg)) || !err.msg[0] ||
		    err.line < 1 || err.line > lines || strcmp(err.file, "fuzz.conf"))
			abort();
	}
	conf_error_format(&err, line, sizeof(line));
	if (!memchr(line, '\0', sizeof(line)))
		abort();
	return 0;
}
