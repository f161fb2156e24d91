// SPDX-License-Identifier: GPL-2.0
/*
 * agg.h - a hash table of fixed-size records keyed by their first bytes,
 * for the aggregating views (--remotes, --ports). Records live in one
 * growable array (sortable once the dump is over); an open-addressing
 * index of record numbers finds them.
 */
#ifndef TCPCONN_AGG_H
#define TCPCONN_AGG_H

#include <stddef.h>
#include <stdint.h>

struct agg {
	size_t rec_size;	/* bytes per record */
	size_t key_size;	/* the key is the record's first key_size bytes */
	char *recs;
	size_t len, cap;
	uint32_t *index;	/* record number + 1; 0 empty */
	size_t index_size;	/* a power of two, at least 2 * len */
};

void agg_init(struct agg *a, size_t rec_size, size_t key_size);

/*
 * The record with @key's key, created zeroed (key copied) if new. Pointers
 * stay valid only until the next agg_get(). NULL on allocation failure.
 */
void *agg_get(struct agg *a, const void *key);

static inline void *agg_rec(const struct agg *a, size_t i)
{
	return a->recs + i * a->rec_size;
}

/* Sort the records; the index is dropped (agg_get() must not follow). */
void agg_sort(struct agg *a, int (*cmp)(const void *, const void *));

void agg_free(struct agg *a);

/*
 * A set of 64-bit values (socket cookies, one per socket of a dump):
 * open addressing on the values themselves, the slot taken from a value's
 * low bits folded with its high bits (see u64set_slot()). Zeroed is empty.
 */
struct u64set {
	uint64_t *slots;	/* 0 is an empty slot; the value 0 is @has_zero */
	unsigned int bits;	/* 1 << bits slots, at least 2 * len */
	size_t len;
	int has_zero;
};

/* Add @v: 1 if it is new, 0 if it was there, -1 if memory ran out. */
int u64set_add(struct u64set *s, uint64_t v);

void u64set_free(struct u64set *s);

#endif /* TCPCONN_AGG_H */
