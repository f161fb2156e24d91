// SPDX-License-Identifier: GPL-2.0
/* prom.c - Prometheus text exposition format 0.0.4 writer, see prom.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "prom.h"

void prom_init(struct prom *p, FILE *f)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
}

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

static bool valid_name(const char *name, bool colon)
{
	const char *c;

	if (!name || !*name)
		return false;
	for (c = name; *c; c++)
		if (!name_char(*c, c == name, colon))
			return false;
	return true;
}

bool prom_name_valid(const char *name)
{
	return valid_name(name, true);
}

bool prom_label_name_valid(const char *name)
{
	/* "__" names are reserved for Prometheus' own use. */
	return valid_name(name, false) && strncmp(name, "__", 2) != 0;
}

/*
 * Length of the well-formed UTF-8 sequence at @s (1-4), or 0 if it is
 * not one: overlong forms, surrogates and code points above U+10FFFF
 * are refused as Go's utf8.ValidString(), which the parsers use, does.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static bool put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at + n >= len)
		return false;
	memcpy(buf + *at, s, n);
	*at += n;
	return true;
}

static bool escape(const char *s, char *buf, size_t len, bool quote)
{
	const unsigned char *c = (const unsigned char *)s;
	size_t at = 0;
	bool ok = true;

	if (!len)
		return false;
	while (*c && ok) {
		size_t n = utf8_len(c);
		char hex[8];

		if (*c == '\\') {
			ok = put(buf, len, &at, "\\\\", 2);
		} else if (*c == '\n') {
			ok = put(buf, len, &at, "\\n", 2);
		} else if (*c == '"' && quote) {
			ok = put(buf, len, &at, "\\\"", 2);
		} else if (!n) {
			/* not UTF-8: the parser would refuse the whole file */
			snprintf(hex, sizeof(hex), "\\\\x%02x", *c);
			ok = put(buf, len, &at, hex, strlen(hex));
			n = 1;
		} else {
			ok = put(buf, len, &at, (const char *)c, n);
		}
		c += n;
	}
	buf[at] = '\0';
	return ok;
}

bool prom_escape_label(const char *s, char *buf, size_t len)
{
	return escape(s, buf, len, true);
}

bool prom_escape_help(const char *s, char *buf, size_t len)
{
	return escape(s, buf, len, false);
}

void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help)
{
	size_t n = name ? strlen(name) : 0;
	bool counter = type && !strcmp(type, "counter");

	if (p->err)
		return;
	/* Misuse is a bug in prom_out.c; the unit tests make it fail loudly. */
	if (!prom_name_valid(name) || !type ||
	    (!counter && strcmp(type, "gauge")) ||
	    counter != (n > 6 && !strcmp(name + n - 6, "_total"))) {
		p->err = -EINVAL;
		return;
	}
	p->name = name;
	p->type = type;
	p->help = help;
	p->header_done = false;
}

static void sample_start(struct prom *p, const struct prom_label *labels,
			 size_t n)
{
	char esc[1024];
	size_t i;

	if (p->err)
		return;
	if (!p->name) {
		p->err = -EINVAL;
		return;
	}
	if (!p->header_done) {
		if (!prom_escape_help(p->help ? p->help : "", esc, sizeof(esc))) {
			p->err = -EINVAL;
			return;
		}
		fprintf(p->f, "# HELP %s %s\n# TYPE %s %s\n", p->name, esc,
			p->name, p->type);
		p->header_done = true;
	}
	fputs(p->name, p->f);
	for (i = 0; i < n; i++) {
		if (!prom_label_name_valid(labels[i].name) ||
		    !prom_escape_label(labels[i].value ? labels[i].value : "",
				       esc, sizeof(esc))) {
			p->err = -EINVAL;
			return;
		}
		fprintf(p->f, "%s%s=\"%s\"", i ? "," : "{", labels[i].name, esc);
	}
	if (n)
		fputc('}', p->f);
}

void prom_u64(struct prom *p, const struct prom_label *labels, size_t n,
	      uint64_t v)
{
	sample_start(p, labels, n);
	if (!p->err)
		fprintf(p->f, " %" PRIu64 "\n", v);
}

void prom_ns_as_seconds(struct prom *p, const struct prom_label *labels,
			size_t n, uint64_t ns)
{
	sample_start(p, labels, n);
	/* integer arithmetic: exact, no float rounding in the text */
	if (!p->err)
		fprintf(p->f, " %" PRIu64 ".%09" PRIu64 "\n",
			ns / 1000000000u, ns % 1000000000u);
}

int prom_finish(struct prom *p)
{
	if (!p->err && ferror(p->f))
		p->err = -EIO;
	return p->err;
}
