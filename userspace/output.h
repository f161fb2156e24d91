// SPDX-License-Identifier: GPL-2.0
/* output.h - formatting shared by the views: addresses, interfaces, JSON. */
#ifndef TCPCONN_OUTPUT_H
#define TCPCONN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <net/if.h>
#include <netinet/in.h>

#include <json-c/json_object.h>

/* Room for "[" v6 "%" ifname "]:" port, NUL included. */
#define ADDRPORT_LEN (INET6_ADDRSTRLEN + IF_NAMESIZE + 16)
/* Room for an interface name or a decimal u32. */
#define IFNAME_LEN (IF_NAMESIZE > 11 ? IF_NAMESIZE : 11)

/* "10.0.0.1", "::ffff:10.0.0.1": plain address, as in JSON. */
int format_addr(char *buf, size_t len, int family, const void *addr);

/*
 * ss style: "0.0.0.0:80", "[::]:80", "[::ffff:10.0.0.1]:80"; with a bound
 * device "0.0.0.0%eth0:80" / "[::]%eth0:80". @ifname NULL for none.
 */
int format_addr_port(char *buf, size_t len, int family, const void *addr,
		     uint16_t port, const char *ifname);

/*
 * Interface name of @ifindex in our netns into @buf (IFNAME_LEN). True if
 * resolved; false leaves the number there, so output still says something.
 */
bool ifindex_name(uint32_t ifindex, char *buf, size_t len);

/* Print @root as one pretty JSON document and a newline. */
int print_json(FILE *f, struct json_object *root);

/* Print @root on one line (JSON Lines, for -i series) and a newline. */
int print_json_line(FILE *f, struct json_object *root);

/* Add @val under @key, consuming it; -ENOMEM if @val is NULL (failed alloc). */
int json_add(struct json_object *obj, const char *key, struct json_object *val);

/* Add string @s under @key, or JSON null if @s is NULL. 0 or -ENOMEM. */
int json_add_str_or_null(struct json_object *obj, const char *key,
			 const char *s);

#endif /* TCPCONN_OUTPUT_H */
