/* SPDX-License-Identifier: MIT */
/*
 * tests/check_main.h: the one check runner every unit test's main() ends
 * with: run the suite, print check's summary, exit status 0 when every
 * test passed.
 */
#ifndef TESTS_CHECK_MAIN_H
#define TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdbool.h>

/* Run s (freed here) in check's default fork mode; EXIT_SUCCESS or
 * EXIT_FAILURE. */
int check_run(Suite *s);
/* The same without fork (CK_NOFORK): for tests whose cost is set-up they
 * share across test functions in one process. */
int check_run_nofork(Suite *s);

#endif /* TESTS_CHECK_MAIN_H */
