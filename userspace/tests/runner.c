// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - run every test group and end with one plain summary line,
 * "N passed, N failed", which CI and humans read without knowing cmocka.
 */
#include "tests.h"

int main(void)
{
	static int (*const groups[])(int *total) = {
		run_opts_tests,
		run_output_tests,
		run_listeners_tests,
		run_nl_tests,
		run_summary_tests,
		run_summary_out_tests,
		run_hostinfo_tests,
		run_sockets_tests,
		run_views_tests,
		run_prom_tests,
	};
	int passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(groups); i++) {
		int total = 0;
		int f = groups[i](&total);

		/* a negative count means the group itself broke: all failed */
		if (f < 0 || f > total)
			f = total;
		failed += f;
		passed += total - f;
	}
	fflush(stderr);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
