// SPDX-License-Identifier: GPL-2.0
/* agg.c - record hash table for the aggregating views, see agg.h. */
#include <stdlib.h>
#include <string.h>

#include "agg.h"

void agg_init(struct agg *a, size_t rec_size, size_t key_size)
{
	memset(a, 0, sizeof(*a));
	a->rec_size = rec_size;
	a->key_size = key_size;
}

/* FNV-1a, 64-bit */
static uint64_t agg_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = UINT64_C(14695981039346656037);

	while (len--) {
		h ^= *p++;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static int agg_rehash(struct agg *a, size_t size)
{
	uint32_t *index = calloc(size, sizeof(*index));
	size_t i;

	if (!index)
		return -1;
	for (i = 0; i < a->len; i++) {
		size_t slot = agg_hash(agg_rec(a, i), a->key_size) & (size - 1);

		while (index[slot])
			slot = (slot + 1) & (size - 1);
		index[slot] = (uint32_t)(i + 1);
	}
	free(a->index);
	a->index = index;
	a->index_size = size;
	return 0;
}

void *agg_get(struct agg *a, const void *key)
{
	size_t slot;
	void *rec;

	if (!a->index_size || (a->len + 1) * 2 > a->index_size) {
		size_t size = a->index_size ? a->index_size * 2 : 256;

		if (size > UINT32_MAX || agg_rehash(a, size))
			return NULL;
	}
	slot = agg_hash(key, a->key_size) & (a->index_size - 1);
	while (a->index[slot]) {
		rec = agg_rec(a, a->index[slot] - 1);
		if (!memcmp(rec, key, a->key_size))
			return rec;
		slot = (slot + 1) & (a->index_size - 1);
	}
	if (a->len == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char *recs;

		if (cap > SIZE_MAX / a->rec_size)
			return NULL;
		recs = realloc(a->recs, cap * a->rec_size);
		if (!recs)
			return NULL;
		a->recs = recs;
		a->cap = cap;
	}
	rec = agg_rec(a, a->len);
	memset(rec, 0, a->rec_size);
	memcpy(rec, key, a->key_size);
	a->index[slot] = (uint32_t)(++a->len);
	return rec;
}

void agg_sort(struct agg *a, int (*cmp)(const void *, const void *))
{
	free(a->index);
	a->index = NULL;
	a->index_size = 0;
	if (a->len > 1)
		qsort(a->recs, a->len, a->rec_size, cmp);
}

void agg_free(struct agg *a)
{
	free(a->recs);
	free(a->index);
	memset(a, 0, sizeof(*a));
}

/*
 * The low bits, folded with the rest: socket cookies come from counters,
 * so a dump's cookies are runs of consecutive values, which land in
 * consecutive slots here (no collisions, and memory is touched in order)
 * where a mixing hash would scatter them over the whole table.
 */
static size_t u64set_slot(uint64_t v, unsigned int bits)
{
	v ^= v >> 32;
	v ^= v >> bits;
	return (size_t)(v & (((uint64_t)1 << bits) - 1));
}

static int u64set_grow(struct u64set *s)
{
	unsigned int bits = s->bits ? s->bits + 1 : 10;
	size_t size = (size_t)1 << bits, mask = size - 1, i;
	uint64_t *slots;

	if (bits >= 8 * sizeof(size_t) - 4)
		return -1;
	slots = calloc(size, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; s->bits && i < (size_t)1 << s->bits; i++) {
		size_t j;

		if (!s->slots[i])
			continue;
		for (j = u64set_slot(s->slots[i], bits); slots[j];
		     j = (j + 1) & mask)
			;
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->bits = bits;
	return 0;
}

int u64set_add(struct u64set *s, uint64_t v)
{
	size_t mask, j;

	if (!v) {
		if (s->has_zero)
			return 0;
		s->has_zero = 1;
		return 1;
	}
	if ((s->len + 1) * 2 > ((size_t)1 << s->bits) || !s->slots) {
		if (u64set_grow(s))
			return -1;
	}
	mask = ((size_t)1 << s->bits) - 1;
	for (j = u64set_slot(v, s->bits); s->slots[j]; j = (j + 1) & mask)
		if (s->slots[j] == v)
			return 0;
	s->slots[j] = v;
	s->len++;
	return 1;
}

void u64set_free(struct u64set *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
