// SPDX-License-Identifier: MIT
/*
 * promtext.c - the Prometheus text exposition format: label values escaped,
 * each family's samples gathered and written under its HELP and TYPE lines
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "promtext.h"

int promtext_escape(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t n = rep ? 2 : 1;

		if (o + n >= cap)
			return -ENOSPC;
		if (rep) {
			out[o++] = rep[0];
			out[o++] = rep[1];
		} else {
			out[o++] = *s;
		}
	}
	if (o >= cap)
		return -ENOSPC;
	out[o] = '\0';
	return 0;
}

void promtext_free(struct promtext_family *fams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fams[i].f)
			fclose(fams[i].f);
		fams[i].f = NULL;
		free(fams[i].buf);
		fams[i].buf = NULL;
	}
}

int promtext_open(struct promtext_family *fams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fams[i].buf = NULL;
		fams[i].len = 0;
		fams[i].f = open_memstream(&fams[i].buf, &fams[i].len);
		if (!fams[i].f) {
			promtext_free(fams, i);
			return -ENOMEM;
		}
	}
	return 0;
}

/* A write to a memstream fails only for memory: promtext_write() finds it with ferror(). */
static void promtext_name(struct promtext_family *fam, const char *labels)
{
	fprintf(fam->f, labels[0] ? "%s{%s} " : "%s ", fam->name, labels);
}

void promtext_u64(struct promtext_family *fam, const char *labels, uint64_t value)
{
	promtext_name(fam, labels);
	fprintf(fam->f, "%" PRIu64 "\n", value);
}

void promtext_double(struct promtext_family *fam, const char *labels, double value)
{
	promtext_name(fam, labels);
	fprintf(fam->f, "%.9f\n", value);
}

int promtext_write(FILE *out, struct promtext_family *fams, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		int bad = ferror(fams[i].f);

		if (fclose(fams[i].f) != 0 || bad)
			r = -ENOMEM;
		fams[i].f = NULL;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!fams[i].len)
			continue;
		if (fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", fams[i].name, fams[i].help,
			    fams[i].name, fams[i].type) < 0 ||
		    fwrite(fams[i].buf, 1, fams[i].len, out) != fams[i].len)
			r = -EIO;
	}
	promtext_free(fams, n);
	return r;
}
