/* SPDX-License-Identifier: MIT */
/* check_run.h - the main() of every Check suite: run it, exit non-zero on any failure */
#ifndef TAPQD_CHECK_RUN_H
#define TAPQD_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
