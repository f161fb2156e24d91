// SPDX-License-Identifier: GPL-2.0
/* output.c - address/interface formatting and JSON printing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <json-c/json_object.h>

#include "output.h"

int format_addr(char *buf, size_t len, int family, const void *addr)
{
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		return -errno;
	return 0;
}

int format_addr_port(char *buf, size_t len, int family, const void *addr,
		     uint16_t port, const char *ifname)
{
	char a[INET6_ADDRSTRLEN];
	int err, n;

	err = format_addr(a, sizeof(a), family, addr);
	if (err)
		return err;
	/* Brackets keep the v6 colons apart from the port one, as ss does. */
	n = snprintf(buf, len, "%s%s%s%s%s:%u",
		     family == AF_INET6 ? "[" : "", a,
		     family == AF_INET6 ? "]" : "",
		     ifname ? "%" : "", ifname ? ifname : "", port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

bool ifindex_name(uint32_t ifindex, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name)) {
		snprintf(buf, len, "%s", name);
		return true;
	}
	/* Gone since the dump, or another netns: the number beats nothing. */
	snprintf(buf, len, "%u", ifindex);
	return false;
}

int print_json(FILE *f, struct json_object *root)
{
	const char *s;

	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	fprintf(f, "%s\n", s);
	return ferror(f) ? -EIO : 0;
}

int print_json_line(FILE *f, struct json_object *root)
{
	const char *s;

	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	fprintf(f, "%s\n", s);
	return ferror(f) ? -EIO : 0;
}

int json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

int json_add_str_or_null(struct json_object *obj, const char *key,
			 const char *s)
{
	if (s)
		return json_add(obj, key, json_object_new_string(s));
	return json_object_object_add(obj, key, NULL) ? -ENOMEM : 0;
}
