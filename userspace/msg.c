// SPDX-License-Identifier: GPL-2.0
/* msg.c - stderr diagnostics, see msg.h. */
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	/* Flush stdout first so a partial table and the error stay in order on a tty. */
	fflush(stdout);
	fprintf(stderr, PROG ": %s", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}
