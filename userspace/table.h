// SPDX-License-Identifier: GPL-2.0
/*
 * table.h - aligned text tables whose column widths come from the data.
 *
 * Cells are buffered until table_print() so every column is exactly as
 * wide as its longest cell: nothing is ever truncated.
 */
#ifndef TCPCONN_TABLE_H
#define TCPCONN_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum table_align {
	TABLE_LEFT,
	TABLE_RIGHT,	/* numbers */
};

struct table_col {
	const char *title;
	enum table_align align;
};

struct table {
	const struct table_col *cols;
	size_t ncols;
	char **cells;		/* row-major, ncells of them */
	size_t ncells;
	size_t cap;
};

void table_init(struct table *t, const struct table_col *cols, size_t ncols);

/* Append the next cell, row by row. 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3)))
int table_add(struct table *t, const char *fmt, ...);

/* Header then rows, columns two spaces apart, no trailing blanks. */
int table_print(const struct table *t, FILE *f);

void table_free(struct table *t);

#endif /* TCPCONN_TABLE_H */
