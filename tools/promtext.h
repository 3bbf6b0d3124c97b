/* SPDX-License-Identifier: MIT */
/* promtext.h - the Prometheus text exposition format (version 0.0.4), as tapqctl metrics writes it */
#ifndef TAPQCTL_PROMTEXT_H
#define TAPQCTL_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One metric family: its samples gather in a buffer as they come (devices
 * arrive one at a time, each with samples of many families), and the
 * format wants every family's samples together under its HELP and TYPE.
 */
struct promtext_family {
	const char *name;
	const char *type; /* "counter" or "gauge" */
	const char *help; /* no backslash, no newline */
	FILE *f;
	char *buf;
	size_t len;
};

/*
 * Writes s as a label value into out: backslash, double quote and newline
 * escaped as the format says. Return: 0, or -ENOSPC when out is too small.
 */
int promtext_escape(const char *s, char *out, size_t cap);
/* Opens the buffers of n families. Return: 0 or -ENOMEM (none left open). */
int promtext_open(struct promtext_family *fams, size_t n);
/* Frees the buffers unwritten: after a failure, so that no partial text reads as a whole. */
void promtext_free(struct promtext_family *fams, size_t n);
/* One sample: labels is "" or 'a="x",b="y"', already escaped. */
void promtext_u64(struct promtext_family *fam, const char *labels, uint64_t value);
void promtext_double(struct promtext_family *fam, const char *labels, double value);
/*
 * Closes the buffers and writes each family that has samples to out, then
 * frees them. Return: 0, or -ENOMEM / -EIO.
 */
int promtext_write(FILE *out, struct promtext_family *fams, size_t n);

#endif
