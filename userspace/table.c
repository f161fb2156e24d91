// SPDX-License-Identifier: GPL-2.0
/* table.c - aligned text tables, see table.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define TABLE_GAP 2

void table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

int table_add(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;
	int n;

	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **cells;

		if (cap < t->cap || cap > SIZE_MAX / sizeof(*cells))
			return -ENOMEM;
		cells = realloc(t->cells, cap * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&cell, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	t->cells[t->ncells++] = cell;
	return 0;
}

static void put_cell(FILE *f, const char *s, size_t width,
		     enum table_align align, int last)
{
	int pad = (int)(width - strlen(s));

	if (align == TABLE_RIGHT)
		fprintf(f, "%*s%s", pad, "", s);
	else if (last)
		fputs(s, f);	/* no trailing blanks on the last column */
	else
		fprintf(f, "%s%*s", s, pad, "");
	fputs(last ? "\n" : "  ", f);
}

int table_print(const struct table *t, FILE *f)
{
	size_t *width;
	size_t i, c;

	if (!t->ncols || t->ncells % t->ncols)
		return -EINVAL;	/* a half-filled row is a bug in the caller */
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return -ENOMEM;
	for (c = 0; c < t->ncols; c++)
		width[c] = strlen(t->cols[c].title);
	for (i = 0; i < t->ncells; i++) {
		size_t len = strlen(t->cells[i]);

		c = i % t->ncols;
		if (len > width[c])
			width[c] = len;
	}
	for (c = 0; c < t->ncols; c++)
		put_cell(f, t->cols[c].title, width[c], t->cols[c].align,
			 c == t->ncols - 1);
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		put_cell(f, t->cells[i], width[c], t->cols[c].align,
			 c == t->ncols - 1);
	}
	free(width);
	return ferror(f) ? -EIO : 0;
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->ncells = t->cap = 0;
}
