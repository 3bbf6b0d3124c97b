/* SPDX-License-Identifier: MIT */
/*
 * conf_keep.h - the devices of every config a test parsed: the structs live
 * on the test's stack, their devices on the heap, freed once the test is
 * over (a checked fixture's teardown)
 */
#ifndef TAPQD_CONF_KEEP_H
#define TAPQD_CONF_KEEP_H

#include <check.h>
#include <stdlib.h>

#include "conf.h"

static struct conf_device *conf_kept[64];
static size_t n_conf_kept;

static inline void conf_keep(const struct conf *c)
{
	if (!c->devices)
		return;
	ck_assert_uint_lt(n_conf_kept, sizeof(conf_kept) / sizeof(conf_kept[0]));
	conf_kept[n_conf_kept++] = c->devices;
}

static inline void conf_keep_free(void)
{
	for (size_t i = 0; i < n_conf_kept; i++)
		free(conf_kept[i]);
	n_conf_kept = 0;
}

#endif
