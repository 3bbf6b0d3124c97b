// SPDX-License-Identifier: MIT
/* conf.c - reading tapqd.conf: the line reader under inih, one parser per key, name lookups */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define CONF_FILE_MAX (1024 * 1024)
#define CONF_DEFAULT_SOCKET "/run/tapqd/tapqd.sock"
/* (uid_t)-1 means "leave unchanged" to chown() and TUNSETOWNER, so it is never an id */
#define CONF_ID_MAX 4294967294u
#define CONF_QUOTE_MAX 48 /* characters of a value shown in a message */
#define CONF_PWBUF_MAX (1024 * 1024)
#define CONF_LIST_SEP ", \t\v\f\r"

_Static_assert(sizeof(uid_t) == 4 && sizeof(gid_t) == 4, "ids are 32 bits on Linux");

enum conf_section {
	CONF_SECTION_NONE,
	CONF_SECTION_TAPQD,
	CONF_SECTION_DEVICE,
	CONF_SECTION_TEMPLATE, /* takes the device keys too */
};

struct conf_parser;

struct conf_key {
	const char *name;
	enum conf_section section;
	bool list; /* indented continuation lines add entries */
	int (*parse)(struct conf_parser *p, const char *key, const char *value);
};

#define CONF_KEYS 32

struct conf_parser {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned int line; /* the line inih is working on: the last one the reader gave it */
	const struct conf_lookup *lk;
	struct conf *c;
	struct conf_error *err;
	bool failed;

	/* What the reader saw of the current line, mirroring inih's own decisions. */
	bool continuation; /* indented line that inih passes as more of the previous key */
	bool prev_key;     /* inih's prev_name is set: an indented line would continue it */

	enum conf_section section;
	struct conf_device *dev; /* in CONF_SECTION_DEVICE and CONF_SECTION_TEMPLATE */
	struct conf_template *tmpl; /* in CONF_SECTION_TEMPLATE */
	unsigned int tapqd_line;
	unsigned int key_line[CONF_KEYS]; /* where each key of the current section was set */
	size_t devices_cap; /* room in c->devices */
	const struct conf_key *last_key;
	unsigned int list_entries; /* entries given so far for last_key */
	bool list_none;            /* offloads = none was among them */
};

/* A value as it may appear in a message: quoted, escaped, cut short. */
struct conf_quoted {
	char s[2 + CONF_QUOTE_MAX * 4 + 3 + 1];
};

static const char *const conf_offload_names[] = {
	"csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
};

static const char *conf_quote(struct conf_quoted *q, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	q->s[o++] = '"';
	for (i = 0; v[i] && i < CONF_QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '"' || ch == '\\') {
			q->s[o++] = '\\';
			q->s[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			/* messages end up on terminals and in the journal */
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[ch >> 4];
			q->s[o++] = hex[ch & 0xf];
		} else {
			q->s[o++] = (char)ch;
		}
	}
	if (v[i]) {
		memcpy(q->s + o, "...", 3);
		o += 3;
	}
	q->s[o++] = '"';
	q->s[o] = '\0';
	return q->s;
}

/* vsnprintf that marks a cut message with "..." rather than failing. */
static void conf_vformat(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void conf_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0)
		snprintf(buf, size, "%s", "(unprintable message)");
	else if ((size_t)n >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static void conf_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conf_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vformat(buf, size, fmt, ap);
	va_end(ap);
}

static void conf_error_reset(struct conf_error *err, const char *file)
{
	conf_format(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = 0;
	err->msg[0] = '\0';
}

/* Keeps the first error only: later ones are usually its consequences. */
static void conf_fail(struct conf_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void conf_fail(struct conf_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err->line = p->line;
	va_start(ap, fmt);
	conf_vformat(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

const char *conf_offload_name(unsigned int bit)
{
	for (size_t i = 0; i < sizeof(conf_offload_names) / sizeof(conf_offload_names[0]); i++)
		if (bit == 1u << i)
			return conf_offload_names[i];
	return NULL;
}

/* The kernel's dev_valid_name(), printable ASCII only and no '%' (a format's). */
static bool conf_name_chars_valid(const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == ':' || ch == '%')
			return false;
	}
	return true;
}

bool conf_ifname_valid(const char *name)
{
	size_t n = strnlen(name, CONF_NAME_MAX);

	if (n == 0 || n >= CONF_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return conf_name_chars_valid(name, n);
}

/* A template's name has an interface name's characters: it travels in CREATE and in status. */
bool conf_template_name_valid(const char *name)
{
	size_t n = strnlen(name, CONF_TEMPLATE_NAME_MAX);

	return n > 0 && n < CONF_TEMPLATE_NAME_MAX && conf_name_chars_valid(name, n);
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. Return: 0, -EINVAL, -ERANGE. */
static int conf_parse_u64(const char *s, uint64_t *ret)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*ret = n;
	return 0;
}

static int conf_parse_uint(struct conf_parser *p, const char *key, const char *v, unsigned int min,
			   unsigned int max, unsigned int *ret)
{
	struct conf_quoted q;
	uint64_t n = 0;
	int r = conf_parse_u64(v, &n);

	if (r == -EINVAL) {
		conf_fail(p, "%s: %s is not a number", key, conf_quote(&q, v));
		return -1;
	}
	if (r < 0 || n < min || n > max) {
		conf_fail(p, "%s: %s is out of range %u-%u", key, conf_quote(&q, v), min, max);
		return -1;
	}
	*ret = (unsigned int)n;
	return 0;
}

static int conf_parse_bool(struct conf_parser *p, const char *key, const char *v, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	struct conf_quoted q;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*ret = false;
			return 0;
		}
	}
	conf_fail(p, "%s: %s is not yes or no", key, conf_quote(&q, v));
	return -1;
}

/* A user or group: a number is taken as it is, anything else goes through the lookup table. */
static int conf_parse_id(struct conf_parser *p, const char *key, const char *v, bool group,
			 uint32_t *ret)
{
	const char *what = group ? "group" : "user";
	struct conf_quoted q;
	uint32_t id;
	uint64_t n = 0;
	int r;

	if (*v >= '0' && *v <= '9') {
		r = conf_parse_u64(v, &n);
		if (r == -EINVAL) {
			conf_fail(p, "%s: %s is not a %s name or number", key, conf_quote(&q, v),
				  what);
			return -1;
		}
		if (r < 0 || n > CONF_ID_MAX) {
			conf_fail(p, "%s: %s is out of range 0-%u", key, conf_quote(&q, v),
				  CONF_ID_MAX);
			return -1;
		}
		*ret = (uint32_t)n;
		return 0;
	}
	if (group)
		r = p->lk->group ? p->lk->group(v, &id) : -ENOENT;
	else
		r = p->lk->user ? p->lk->user(v, &id) : -ENOENT;
	if (r == -ENOENT) {
		conf_fail(p, "%s: unknown %s %s", key, what, conf_quote(&q, v));
		return -1;
	}
	if (r < 0) {
		conf_fail(p, "%s: looking up %s %s failed: %s", key, what, conf_quote(&q, v),
			  strerror(-r));
		return -1;
	}
	if (id > CONF_ID_MAX) {
		conf_fail(p, "%s: %s %s has the invalid id %u", key, what, conf_quote(&q, v), id);
		return -1;
	}
	*ret = id;
	return 0;
}

/* An absolute path that fits sun_path (@size bytes with the NUL), copied to @ret. */
static int conf_parse_socket_path(struct conf_parser *p, const char *key, const char *v,
				  char *ret, size_t size)
{
	size_t n = strlen(v);
	struct conf_quoted q;

	if (v[0] != '/') {
		conf_fail(p, "%s: %s is not an absolute path", key, conf_quote(&q, v));
		return -1;
	}
	if (n >= size) {
		conf_fail(p, "%s: %s is too long (at most %zu characters)", key, conf_quote(&q, v),
			  size - 1);
		return -1;
	}
	if (v[n - 1] == '/') {
		conf_fail(p, "%s: %s is a directory, not a socket path", key, conf_quote(&q, v));
		return -1;
	}
	memcpy(ret, v, n + 1);
	return 0;
}

static int conf_key_socket(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_socket_path(p, key, v, p->c->socket_path, sizeof(p->c->socket_path));
}

static int conf_key_socket_mode(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;
	unsigned int mode = 0;

	for (const char *s = v; *s; s++) {
		if (*s < '0' || *s > '7') {
			conf_fail(p, "%s: %s is not an octal mode", key, conf_quote(&q, v));
			return -1;
		}
		/* stops growing before it could overflow: anything past 0777 is refused below */
		if (mode <= 0777)
			mode = mode * 8 + (unsigned int)(*s - '0');
	}
	if (mode > 0777) {
		conf_fail(p, "%s: %s is out of range 0000-0777", key, conf_quote(&q, v));
		return -1;
	}
	p->c->socket_mode = mode;
	return 0;
}

static int conf_key_socket_group(struct conf_parser *p, const char *key, const char *v)
{
	if (conf_parse_id(p, key, v, true, &p->c->socket_group) < 0)
		return -1;
	p->c->has_socket_group = true;
	return 0;
}

static const struct {
	const char *name;
	enum conf_log_level level;
} conf_log_levels[] = {
	{"err", CONF_LOG_ERR},   {"warning", CONF_LOG_WARNING}, {"notice", CONF_LOG_NOTICE},
	{"info", CONF_LOG_INFO}, {"debug", CONF_LOG_DEBUG},
};

const char *conf_log_level_name(enum conf_log_level l)
{
	for (size_t i = 0; i < sizeof(conf_log_levels) / sizeof(conf_log_levels[0]); i++)
		if (conf_log_levels[i].level == l)
			return conf_log_levels[i].name;
	return NULL;
}

static int conf_key_log_level(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;

	for (size_t i = 0; i < sizeof(conf_log_levels) / sizeof(conf_log_levels[0]); i++) {
		if (!strcasecmp(v, conf_log_levels[i].name)) {
			p->c->log_level = conf_log_levels[i].level;
			return 0;
		}
	}
	conf_fail(p, "%s: %s is not one of err, warning, notice, info, debug", key,
		  conf_quote(&q, v));
	return -1;
}

static int conf_key_max_queues(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_uint(p, key, v, 1, CONF_MAX_QUEUES, &p->dev->max_queues);
}

/* Checked against max_queues by conf_validate(): it may come later in the section. */
static int conf_key_active_queues(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->active_queues_line = p->line;
	if (!strcasecmp(v, "all")) {
		p->dev->active_queues = CONF_ACTIVE_ALL;
		return 0;
	}
	return conf_parse_uint(p, key, v, 1, CONF_MAX_QUEUES, &p->dev->active_queues);
}

static int conf_key_vnet_hdr(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_bool(p, key, v, &p->dev->vnet_hdr);
}

static int conf_key_vnet_hdr_size(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;

	if (strcmp(v, "10") && strcmp(v, "12")) {
		conf_fail(p, "%s: %s is not 10 or 12", key, conf_quote(&q, v));
		return -1;
	}
	p->dev->vnet_hdr_size = v[1] == '0' ? 10 : 12;
	p->dev->vnet_hdr_size_line = p->line;
	return 0;
}

/*
 * Calls fn on every entry of a list value: entries are separated by commas
 * and/or spaces, so "a, b", "a,b" and "a b" are all the same two entries.
 */
static int conf_each_entry(struct conf_parser *p, const char *key, const char *v,
			   int (*fn)(struct conf_parser *p, const char *key, const char *entry))
{
	char entry[CONF_LINE_MAX + 1];

	for (const char *s = v;;) {
		size_t n;

		s += strspn(s, CONF_LIST_SEP);
		if (!*s)
			break;
		n = strcspn(s, CONF_LIST_SEP);
		if (n >= sizeof(entry))
			n = sizeof(entry) - 1; /* cannot happen: values come from one line */
		memcpy(entry, s, n);
		entry[n] = '\0';
		s += n;
		p->list_entries++;
		if (fn(p, key, entry) < 0)
			return -1;
	}
	if (!p->list_entries) {
		struct conf_quoted q;

		conf_fail(p, "%s: %s has no entries", key, conf_quote(&q, v));
		return -1;
	}
	return 0;
}

static int conf_offload_entry(struct conf_parser *p, const char *key, const char *entry)
{
	struct conf_quoted q;

	if (!strcasecmp(entry, "none"))
		p->list_none = true;
	else {
		size_t i;

		for (i = 0; i < sizeof(conf_offload_names) / sizeof(conf_offload_names[0]); i++)
			if (!strcasecmp(entry, conf_offload_names[i]))
				break;
		if (i == sizeof(conf_offload_names) / sizeof(conf_offload_names[0])) {
			conf_fail(p, "%s: unknown offload %s (one of none, csum, tso4, tso6, "
				  "tso_ecn, ufo, uso4, uso6)", key, conf_quote(&q, entry));
			return -1;
		}
		p->dev->offloads |= 1u << i;
	}
	if (p->list_none && p->list_entries > 1) {
		conf_fail(p, "%s: \"none\" cannot be combined with other offloads", key);
		return -1;
	}
	return 0;
}

/* Which offloads need which others is the kernel's rule, checked by conf_validate(). */
static int conf_key_offloads(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->offloads_line = p->line;
	return conf_each_entry(p, key, v, conf_offload_entry);
}

static int conf_key_mtu(struct conf_parser *p, const char *key, const char *v)
{
	/* 65521: the largest frame a tap takes, 65535, minus the Ethernet header */
	return conf_parse_uint(p, key, v, 68, 65521, &p->dev->mtu);
}

static int conf_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int conf_key_mac(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;
	uint8_t mac[6];

	if (strlen(v) != 17)
		goto bad;
	for (size_t i = 0; i < 6; i++) {
		int hi = conf_hex_digit(v[i * 3]), lo = conf_hex_digit(v[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && v[i * 3 + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1) {
		conf_fail(p, "%s: %s is a multicast address", key, conf_quote(&q, v));
		return -1;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		conf_fail(p, "%s: %s is the all-zero address", key, conf_quote(&q, v));
		return -1;
	}
	memcpy(p->dev->mac, mac, sizeof(mac));
	p->dev->has_mac = true;
	p->dev->mac_line = p->line;
	return 0;
bad:
	conf_fail(p, "%s: %s is not a mac address like 52:54:00:12:34:56", key, conf_quote(&q, v));
	return -1;
}

static int conf_key_txqueuelen(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->txqueuelen_line = p->line;
	return conf_parse_uint(p, key, v, 1, 1000000, &p->dev->txqueuelen);
}

static int conf_key_bridge(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;

	if (!conf_ifname_valid(v)) {
		conf_fail(p, "%s: %s is not a valid interface name", key, conf_quote(&q, v));
		return -1;
	}
	memcpy(p->dev->bridge, v, strlen(v) + 1);
	p->dev->bridge_line = p->line;
	return 0;
}

static int conf_key_owner(struct conf_parser *p, const char *key, const char *v)
{
	if (conf_parse_id(p, key, v, false, &p->dev->owner) < 0)
		return -1;
	p->dev->has_owner = true;
	return 0;
}

static int conf_key_group(struct conf_parser *p, const char *key, const char *v)
{
	if (conf_parse_id(p, key, v, true, &p->dev->group) < 0)
		return -1;
	p->dev->has_group = true;
	return 0;
}

/* Adds one id to an allow list; naming someone twice (by name and number) takes one slot. */
static int conf_acl_add(struct conf_parser *p, const char *key, uint32_t *ids, size_t *n,
			uint32_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id)
			return 0;
	if (*n == CONF_MAX_ACL) {
		conf_fail(p, "%s: too many entries (at most %d)", key, CONF_MAX_ACL);
		return -1;
	}
	ids[(*n)++] = id;
	return 0;
}

static int conf_user_entry(struct conf_parser *p, const char *key, const char *entry)
{
	uint32_t id;

	if (conf_parse_id(p, key, entry, false, &id) < 0)
		return -1;
	return conf_acl_add(p, key, p->dev->allow_users, &p->dev->n_allow_users, id);
}

static int conf_group_entry(struct conf_parser *p, const char *key, const char *entry)
{
	uint32_t id;

	if (conf_parse_id(p, key, entry, true, &id) < 0)
		return -1;
	return conf_acl_add(p, key, p->dev->allow_groups, &p->dev->n_allow_groups, id);
}

static int conf_key_allow_users(struct conf_parser *p, const char *key, const char *v)
{
	return conf_each_entry(p, key, v, conf_user_entry);
}

static int conf_key_allow_groups(struct conf_parser *p, const char *key, const char *v)
{
	return conf_each_entry(p, key, v, conf_group_entry);
}

static int conf_key_persist(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->persist_line = p->line;
	return conf_parse_bool(p, key, v, &p->dev->persist);
}

static const char *const conf_placement_names[] = {"spread", "compact", "none"};
static const char *const conf_backend_names[] = {"none", "sink", "echo"};
static const char *const conf_handoff_names[] = {"fd", "name"};

const char *conf_placement_name(enum conf_placement pl)
{
	return (unsigned int)pl < 3 ? conf_placement_names[pl] : NULL;
}

const char *conf_backend_name(enum conf_backend b)
{
	return (unsigned int)b < 3 ? conf_backend_names[b] : NULL;
}

const char *conf_handoff_name(enum conf_handoff h)
{
	return (unsigned int)h < 2 ? conf_handoff_names[h] : NULL;
}

/* One word of names[]; the message lists them all. */
static int conf_parse_word(struct conf_parser *p, const char *key, const char *v,
			   const char *const *names, size_t n, unsigned int *ret)
{
	struct conf_quoted q;

	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(v, names[i])) {
			*ret = (unsigned int)i;
			return 0;
		}
	}
	conf_fail(p, "%s: %s is not one of %s, %s, %s", key, conf_quote(&q, v), names[0],
		  names[1], names[2]);
	return -1;
}

static int conf_key_placement(struct conf_parser *p, const char *key, const char *v)
{
	unsigned int pl;

	if (conf_parse_word(p, key, v, conf_placement_names, 3, &pl) < 0)
		return -1;
	p->c->placement = (enum conf_placement)pl;
	return 0;
}

static int conf_key_backend(struct conf_parser *p, const char *key, const char *v)
{
	unsigned int b;

	if (conf_parse_word(p, key, v, conf_backend_names, 3, &b) < 0)
		return -1;
	p->dev->backend = (enum conf_backend)b;
	p->dev->backend_line = p->line;
	return 0;
}

static int conf_key_handoff(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;

	for (unsigned int i = 0; i < 2; i++) {
		if (!strcasecmp(v, conf_handoff_names[i])) {
			p->dev->handoff = (enum conf_handoff)i;
			p->dev->handoff_line = p->line;
			return 0;
		}
	}
	conf_fail(p, "%s: %s is not fd or name", key, conf_quote(&q, v));
	return -1;
}

static int conf_key_resize_timeout(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_uint(p, key, v, 1, 20000, &p->c->resize_timeout_ms);
}

static int conf_key_max_connections(struct conf_parser *p, const char *key, const char *v)
{
	p->c->max_connections_line = p->line;
	return conf_parse_uint(p, key, v, 1, CONF_CONNECTIONS_MAX, &p->c->max_connections);
}

static int conf_key_max_connections_per_uid(struct conf_parser *p, const char *key, const char *v)
{
	p->c->max_connections_per_uid_line = p->line;
	return conf_parse_uint(p, key, v, 1, CONF_CONNECTIONS_MAX,
			       &p->c->max_connections_per_uid);
}

static int conf_key_hello_timeout(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_uint(p, key, v, 100, 600000, &p->c->hello_timeout_ms);
}

/* "all", or a cpulist as the kernel prints them: "0-3,8,10-11". */
static int conf_key_cpus(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;
	char buf[CONF_LINE_MAX + 1];
	char *save = NULL;

	if (!strcasecmp(v, "all")) {
		p->c->cpus_all = true;
		return 0;
	}
	p->c->cpus_all = false;
	memset(p->c->cpus, 0, sizeof(p->c->cpus));
	/* strtok_r would skip empty entries silently */
	if (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,")) {
		conf_fail(p, "%s: %s has an empty entry", key, conf_quote(&q, v));
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *r = strtok_r(buf, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(r, '-');
		uint64_t lo, hi;

		if (dash)
			*dash = '\0';
		if (conf_parse_u64(r, &lo) < 0 || (dash && conf_parse_u64(dash + 1, &hi) < 0)) {
			conf_fail(p, "%s: %s is not \"all\" or a list like 0-3,8", key,
				  conf_quote(&q, v));
			return -1;
		}
		if (!dash)
			hi = lo;
		if (lo > hi || hi >= CONF_CPUS_MAX) {
			conf_fail(p, "%s: %s: ranges go upwards, CPUs are numbered 0-%u", key,
				  conf_quote(&q, v), CONF_CPUS_MAX - 1);
			return -1;
		}
		for (uint64_t cpu = lo; cpu <= hi; cpu++)
			p->c->cpus[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	}
	for (size_t i = 0; i < CONF_CPUS_MAX / 64; i++)
		if (p->c->cpus[i])
			return 0;
	conf_fail(p, "%s: %s names no CPU", key, conf_quote(&q, v));
	return -1;
}

/*
 * Bytes, with an optional binary suffix: 65536, 512K, 4M, 1G; min and max
 * say the range in the same words ("64K", "1024G").
 */
static int conf_parse_size(struct conf_parser *p, const char *key, const char *v, uint64_t min,
			   uint64_t max, const char *range, uint64_t *ret)
{
	struct conf_quoted q;
	char digits[32];
	size_t n = strlen(v);
	unsigned int shift = 0;
	uint64_t bytes;

	if (n && strchr("kKmMgG", v[n - 1])) {
		shift = strchr("kK", v[n - 1]) ? 10 : strchr("mM", v[n - 1]) ? 20 : 30;
		n--;
	}
	if (n == 0 || n >= sizeof(digits))
		goto bad;
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (conf_parse_u64(digits, &bytes) < 0 || bytes > (UINT64_C(1) << 40) >> shift)
		goto bad;
	bytes <<= shift;
	if (bytes < min || bytes > max) {
		conf_fail(p, "%s: %s is out of range %s", key, conf_quote(&q, v), range);
		return -1;
	}
	*ret = bytes;
	return 0;
bad:
	conf_fail(p, "%s: %s is not a size like 65536, 512K, 4M or 1G", key, conf_quote(&q, v));
	return -1;
}

static int conf_key_queue_memory(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->queue_memory_line = p->line;
	return conf_parse_size(p, key, v, 64u << 10, UINT64_C(1) << 40, "64K-1024G",
			       &p->dev->queue_memory);
}

/* At least two of the largest message, at most 1G: a bound, not a buffer anyone fills. */
static int conf_key_client_output_max(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_size(p, key, v, CONF_CLIENT_OUTPUT_MIN, CONF_CLIENT_OUTPUT_MAX,
			       "64K-1G", &p->c->client_output_max);
}

/* "qmp:PATH", the only source so far; the prefix leaves room for others. */
static int conf_key_follow(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;

	if (strncmp(v, "qmp:", 4)) {
		conf_fail(p, "%s: %s is not qmp:PATH", key, conf_quote(&q, v));
		return -1;
	}
	return conf_parse_socket_path(p, key, v + 4, p->dev->follow_qmp,
				      sizeof(p->dev->follow_qmp));
}

static int conf_key_pin_client_threads(struct conf_parser *p, const char *key, const char *v)
{
	p->dev->pin_client_threads_line = p->line;
	return conf_parse_bool(p, key, v, &p->dev->pin_client_threads);
}

/*
 * A glob of interface names: only characters a name may have, besides the
 * glob's own, and every "[" closed. fnmatch(3) has no compile step to ask.
 */
static int conf_key_names(struct conf_parser *p, const char *key, const char *v)
{
	struct conf_quoted q;
	bool in_set = false;
	size_t n = strlen(v);

	if (n >= CONF_GLOB_MAX) {
		conf_fail(p, "%s: %s is too long (at most %d characters)", key, conf_quote(&q, v),
			  CONF_GLOB_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == ':' || ch == '%') {
			conf_fail(p, "%s: %s has a character no interface name has", key,
				  conf_quote(&q, v));
			return -1;
		}
		if (ch == '\\' && !v[i + 1]) {
			conf_fail(p, "%s: %s ends with a lone \"\\\"", key, conf_quote(&q, v));
			return -1;
		}
		if (ch == '\\')
			i++;
		else if (ch == '[')
			in_set = true;
		else if (ch == ']')
			in_set = false;
	}
	if (in_set) {
		conf_fail(p, "%s: %s has a \"[\" that is never closed", key, conf_quote(&q, v));
		return -1;
	}
	memcpy(p->tmpl->names, v, n + 1);
	p->tmpl->names_line = p->line;
	return 0;
}

static int conf_key_max_per_user(struct conf_parser *p, const char *key, const char *v)
{
	return conf_parse_uint(p, key, v, 1, CONF_PER_USER_MAX, &p->tmpl->max_per_user);
}

static const struct conf_key conf_keys[CONF_KEYS] = {
	{"socket", CONF_SECTION_TAPQD, false, conf_key_socket},
	{"socket_mode", CONF_SECTION_TAPQD, false, conf_key_socket_mode},
	{"socket_group", CONF_SECTION_TAPQD, false, conf_key_socket_group},
	{"log_level", CONF_SECTION_TAPQD, false, conf_key_log_level},
	{"cpus", CONF_SECTION_TAPQD, false, conf_key_cpus},
	{"placement", CONF_SECTION_TAPQD, false, conf_key_placement},
	{"resize_timeout", CONF_SECTION_TAPQD, false, conf_key_resize_timeout},
	{"max_connections", CONF_SECTION_TAPQD, false, conf_key_max_connections},
	{"max_connections_per_uid", CONF_SECTION_TAPQD, false, conf_key_max_connections_per_uid},
	{"hello_timeout", CONF_SECTION_TAPQD, false, conf_key_hello_timeout},
	{"client_output_max", CONF_SECTION_TAPQD, false, conf_key_client_output_max},
	{"max_queues", CONF_SECTION_DEVICE, false, conf_key_max_queues},
	{"active_queues", CONF_SECTION_DEVICE, false, conf_key_active_queues},
	{"vnet_hdr", CONF_SECTION_DEVICE, false, conf_key_vnet_hdr},
	{"vnet_hdr_size", CONF_SECTION_DEVICE, false, conf_key_vnet_hdr_size},
	{"offloads", CONF_SECTION_DEVICE, true, conf_key_offloads},
	{"mtu", CONF_SECTION_DEVICE, false, conf_key_mtu},
	{"mac", CONF_SECTION_DEVICE, false, conf_key_mac},
	{"txqueuelen", CONF_SECTION_DEVICE, false, conf_key_txqueuelen},
	{"bridge", CONF_SECTION_DEVICE, false, conf_key_bridge},
	{"owner", CONF_SECTION_DEVICE, false, conf_key_owner},
	{"group", CONF_SECTION_DEVICE, false, conf_key_group},
	{"allow_users", CONF_SECTION_DEVICE, true, conf_key_allow_users},
	{"allow_groups", CONF_SECTION_DEVICE, true, conf_key_allow_groups},
	{"persist", CONF_SECTION_DEVICE, false, conf_key_persist},
	{"backend", CONF_SECTION_DEVICE, false, conf_key_backend},
	{"queue_memory", CONF_SECTION_DEVICE, false, conf_key_queue_memory},
	{"follow", CONF_SECTION_DEVICE, false, conf_key_follow},
	{"pin_client_threads", CONF_SECTION_DEVICE, false, conf_key_pin_client_threads},
	{"handoff", CONF_SECTION_DEVICE, false, conf_key_handoff},
	{"names", CONF_SECTION_TEMPLATE, false, conf_key_names},
	{"max_per_user", CONF_SECTION_TEMPLATE, false, conf_key_max_per_user},
};

static void conf_device_init(struct conf_device *dev, const char *name, unsigned int line)
{
	memset(dev, 0, sizeof(*dev));
	memcpy(dev->name, name, strlen(name) + 1);
	dev->line = line;
	dev->max_queues = 1;
	dev->active_queues = CONF_ACTIVE_ALL;
	dev->vnet_hdr = true;
	dev->vnet_hdr_size = 12;
	dev->queue_memory = CONF_QUEUE_MEMORY_DEFAULT;
}

void conf_free(struct conf *c)
{
	free(c->devices);
	c->devices = NULL;
	c->n_devices = 0;
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->socket_path, CONF_DEFAULT_SOCKET, sizeof(CONF_DEFAULT_SOCKET));
	c->socket_mode = 0660;
	c->log_level = CONF_LOG_INFO;
	c->cpus_all = true;
	c->resize_timeout_ms = CONF_RESIZE_TIMEOUT_DEFAULT;
	c->max_connections = CONF_MAX_CONNECTIONS_DEFAULT;
	c->max_connections_per_uid = CONF_MAX_CONNECTIONS_PER_UID_DEFAULT;
	c->hello_timeout_ms = CONF_HELLO_TIMEOUT_DEFAULT;
	c->client_output_max = CONF_CLIENT_OUTPUT_DEFAULT;
}

/*
 * inih's scanner for a key or a section name: stops at one of chars, or at a
 * ';' that follows whitespace (an inline comment), or at the end.
 */
static char *conf_find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static char *conf_strip(char *s)
{
	char *end = s + strlen(s);

	while (*s && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A new section resets what the previous one knew about its keys. */
static void conf_enter(struct conf_parser *p, enum conf_section section, struct conf_device *dev)
{
	p->section = section;
	p->dev = dev;
	p->tmpl = NULL;
	p->prev_key = false;
	p->last_key = NULL;
	memset(p->key_line, 0, sizeof(p->key_line));
}

static int conf_device_header(struct conf_parser *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_quoted q;

	if (!*name) {
		conf_fail(p, "[device] needs a name, as in [device tap0]");
		return -1;
	}
	if (!conf_ifname_valid(name)) {
		conf_fail(p, "device name %s is not a valid interface name", conf_quote(&q, name));
		return -1;
	}
	/* duplicates are conf_validate()'s, which sorts: a file of thousands stays linear-ish */
	if (c->n_devices == p->devices_cap) {
		size_t cap = p->devices_cap ? p->devices_cap * 2 : 16;
		struct conf_device *more = reallocarray(c->devices, cap, sizeof(*more));

		if (!more) {
			conf_fail(p, "out of memory for %zu devices", cap);
			return -1;
		}
		c->devices = more;
		p->devices_cap = cap;
	}
	conf_device_init(&c->devices[c->n_devices], name, p->line);
	conf_enter(p, CONF_SECTION_DEVICE, &c->devices[c->n_devices]);
	c->n_devices++;
	return 0;
}

static int conf_template_header(struct conf_parser *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_template *t;
	struct conf_quoted q;
	size_t n = strlen(name);

	if (!*name) {
		conf_fail(p, "[template] needs a name, as in [template vm]");
		return -1;
	}
	if (n >= CONF_TEMPLATE_NAME_MAX) {
		conf_fail(p, "template name %s is too long (at most %d characters)",
			  conf_quote(&q, name), CONF_TEMPLATE_NAME_MAX - 1);
		return -1;
	}
	if (!conf_template_name_valid(name)) {
		conf_fail(p, "template name %s has a character an interface name has not",
			  conf_quote(&q, name));
		return -1;
	}
	for (size_t i = 0; i < c->n_templates; i++) {
		if (!strcmp(c->templates[i].name, name)) {
			conf_fail(p, "duplicate template %s (first at line %u)",
				  conf_quote(&q, name), c->templates[i].line);
			return -1;
		}
	}
	if (c->n_templates == CONF_MAX_TEMPLATES) {
		conf_fail(p, "too many templates (at most %d)", CONF_MAX_TEMPLATES);
		return -1;
	}
	t = &c->templates[c->n_templates++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, name, n + 1);
	t->line = p->line;
	conf_device_init(&t->dev, "", p->line);
	conf_enter(p, CONF_SECTION_TEMPLATE, &t->dev);
	p->tmpl = t;
	return 0;
}

/*
 * A "[...]" line, seen by the reader because inih says nothing about a
 * section that has no keys, and an empty [device NAME] is a device.
 */
static int conf_header(struct conf_parser *p, char *s)
{
	struct conf_quoted q;
	char *close = conf_find_chars_or_comment(s + 1, "]"), *rest, *name;

	if (*close != ']') {
		conf_fail(p, "section header %s has no \"]\"", conf_quote(&q, s));
		return -1;
	}
	*close = '\0';
	rest = close + 1;
	/* inih ignores text after "]"; a typo there should not go unnoticed */
	if (*rest && !(isspace((unsigned char)*rest) && *conf_strip(rest) == ';')) {
		conf_fail(p, "unexpected text %s after section header",
			  conf_quote(&q, conf_strip(rest)));
		return -1;
	}
	name = conf_strip(s + 1);
	if (!strcmp(name, "tapqd")) {
		if (p->tapqd_line) {
			conf_fail(p, "duplicate section [tapqd] (first at line %u)", p->tapqd_line);
			return -1;
		}
		p->tapqd_line = p->line;
		conf_enter(p, CONF_SECTION_TAPQD, NULL);
		return 0;
	}
	if (!strncmp(name, "device", 6) && (!name[6] || isspace((unsigned char)name[6])))
		return conf_device_header(p, conf_strip(name + 6));
	if (!strncmp(name, "template", 8) && (!name[8] || isspace((unsigned char)name[8])))
		return conf_template_header(p, conf_strip(name + 8));
	conf_fail(p, "unknown section %s (expected [tapqd], [device NAME] or [template NAME])",
		  conf_quote(&q, name));
	return -1;
}

/*
 * Sorts a line the way inih will: comment or blank, continuation of the
 * previous key, section header, or key = value. Only the first two need no
 * action; headers are handled here, and a line inih would reject gets a
 * message here rather than a bare line number.
 */
static int conf_classify(struct conf_parser *p, const char *line, size_t n)
{
	char copy[CONF_LINE_MAX + 1], *s = copy, *end;

	memcpy(copy, line, n);
	copy[n] = '\0';
	if (p->line == 1 && n >= 3 && !memcmp(copy, "\xef\xbb\xbf", 3))
		s += 3; /* inih skips a UTF-8 byte order mark */
	s = conf_strip(s);
	p->continuation = false;
	if (!*s || *s == ';' || *s == '#')
		return 0;
	/* even a blank or comment line in between does not end a value (Python's configparser) */
	if (p->prev_key && s > copy) {
		p->continuation = true;
		return 0;
	}
	if (*s == '[')
		return conf_header(p, s);
	end = conf_find_chars_or_comment(s, "=:");
	if (*end != '=' && *end != ':') {
		struct conf_quoted q;

		conf_fail(p, "%s is neither \"key = value\" nor \"[section]\"", conf_quote(&q, s));
		return -1;
	}
	/* inih remembers the key for continuation lines, unless it is empty ("= value") */
	p->prev_key = end > s;
	return 0;
}

/*
 * inih's reader: hands over one line at a time, so that this file knows the
 * line number; refuses what inih would silently cut (long lines, NUL bytes).
 */
static char *conf_read_line(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	const char *line = p->buf + p->pos, *nl;
	size_t n, limit;

	if (p->failed || p->pos >= p->len || num < 2)
		return NULL;
	if (p->line == INT_MAX) {
		conf_fail(p, "too many lines");
		return NULL;
	}
	nl = memchr(line, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - line) : p->len - p->pos;
	p->pos += n + (nl ? 1 : 0);
	p->line++;
	if (n && line[n - 1] == '\r')
		n--; /* CRLF: the '\r' is not part of the line */
	if (memchr(line, '\0', n)) {
		conf_fail(p, "line contains a NUL byte");
		return NULL;
	}
	limit = (size_t)num - 2 < CONF_LINE_MAX ? (size_t)num - 2 : CONF_LINE_MAX;
	if (n > limit) {
		conf_fail(p, "line is longer than %zu characters", limit);
		return NULL;
	}
	if (conf_classify(p, line, n) < 0)
		return NULL;
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* More entries for a list key, from an indented line below it. */
static int conf_continue(struct conf_parser *p, const char *value)
{
	const struct conf_key *k = p->last_key;
	char v[CONF_LINE_MAX + 1];
	struct conf_quoted q;
	char *s;

	/* inih 55 leaves inline comments on continuation lines; later versions cut them */
	conf_format(v, sizeof(v), "%s", value);
	*conf_find_chars_or_comment(v, NULL) = '\0';
	s = conf_strip(v);
	/* inih continues only after a key line, which set last_key or failed */
	if (!*s || !k)
		return 0;
	if (!k->list) {
		conf_fail(p, "%s: unexpected continuation line %s (only lists continue)", k->name,
			  conf_quote(&q, s));
		return -1;
	}
	return k->parse(p, k->name, s);
}

static const struct conf_key *conf_key_find(enum conf_section section, const char *name)
{
	for (size_t i = 0; i < CONF_KEYS; i++) {
		enum conf_section ks = conf_keys[i].section;

		if (strcmp(conf_keys[i].name, name))
			continue;
		if (ks == section || (section == CONF_SECTION_TEMPLATE && ks == CONF_SECTION_DEVICE))
			return &conf_keys[i];
	}
	return NULL;
}

/*
 * Device keys that would make every device of a template clash, or that
 * need a lease a created device has no other way to: refused in one.
 */
static const char *conf_template_refuses(const char *key)
{
	if (!strcmp(key, "mac"))
		return "every device created from the template would have the same address";
	if (!strcmp(key, "follow"))
		return "one QMP monitor follows one QEMU, not every device of a template";
	if (!strcmp(key, "handoff"))
		return "a created device is handed over by fd (ACQUIRE)";
	return NULL;
}

/* inih's handler; the section comes from the reader, since inih truncates long names. */
static int conf_handle(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parser *p = user;
	const struct conf_key *k;
	struct conf_quoted q;
	size_t i;

	(void)section;
	if (p->failed)
		return 0;
	if (p->continuation)
		return conf_continue(p, value) == 0;
	if (!*name) {
		conf_fail(p, "missing key name before %s", conf_quote(&q, value));
		return 0;
	}
	if (p->section == CONF_SECTION_NONE) {
		conf_fail(p, "%s: key outside of any section", conf_quote(&q, name));
		return 0;
	}
	k = conf_key_find(p->section, name);
	if (!k) {
		if (p->section == CONF_SECTION_TAPQD)
			conf_fail(p, "unknown key %s in [tapqd]", conf_quote(&q, name));
		else if (p->section == CONF_SECTION_TEMPLATE)
			conf_fail(p, "unknown key %s in [template %s]", conf_quote(&q, name),
				  p->tmpl->name);
		else
			conf_fail(p, "unknown key %s in [device %s]", conf_quote(&q, name),
				  p->dev->name);
		return 0;
	}
	if (p->section == CONF_SECTION_TEMPLATE && conf_template_refuses(k->name)) {
		conf_fail(p, "%s: not in a template: %s", k->name, conf_template_refuses(k->name));
		return 0;
	}
	i = (size_t)(k - conf_keys);
	if (p->key_line[i]) {
		conf_fail(p, "%s: duplicate key (first set at line %u)", k->name, p->key_line[i]);
		return 0;
	}
	p->key_line[i] = p->line;
	p->last_key = k;
	p->list_entries = 0;
	p->list_none = false;
	if (!*value) {
		conf_fail(p, "%s: missing value", k->name);
		return 0;
	}
	return k->parse(p, k->name, value) == 0;
}

int conf_parse_buffer(const char *buf, size_t len, const char *file, const struct conf_lookup *lk,
		      struct conf *c, struct conf_error *err)
{
	struct conf_parser p = {
		.buf = buf,
		.len = len,
		.lk = lk ? lk : &conf_lookup_system,
		.c = c,
		.err = err,
	};
	int r;

	conf_error_reset(err, file);
	conf_init(c);
	r = ini_parse_stream(conf_read_line, &p, conf_handle, &p);
	if (!p.failed && r < 0) {
		conf_format(err->msg, sizeof(err->msg), "out of memory");
		conf_free(c);
		return -ENOMEM;
	}
	if (!p.failed && r > 0) {
		/* the reader sorts every line as inih does, so this is a safety net */
		p.line = (unsigned int)r;
		conf_fail(&p, "syntax error");
	}
	r = p.failed ? -EINVAL : conf_validate(c, file, err);
	if (r < 0)
		conf_free(c);
	return r;
}

/* What a file that is not a regular one is, for the message that refuses it. */
static const char *conf_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "of an unknown type";
}

static int conf_read_file(const char *path, char **ret_buf, size_t *ret_len,
			  struct conf_error *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	struct stat st;
	int fd, r = 0;

	conf_error_reset(err, path);
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer, forever */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		conf_format(err->msg, sizeof(err->msg), "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		conf_format(err->msg, sizeof(err->msg), "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_format(err->msg, sizeof(err->msg), "is %s, not a regular file",
			    conf_file_kind(st.st_mode));
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	/* read to the end, not to st_size: the file may grow while it is read */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (cap > CONF_FILE_MAX) {
				conf_format(err->msg, sizeof(err->msg),
					    "file is larger than %d bytes (1 MiB)", CONF_FILE_MAX);
				r = -EFBIG;
				goto out;
			}
			if (ncap > CONF_FILE_MAX + 1)
				ncap = CONF_FILE_MAX + 1;
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				conf_format(err->msg, sizeof(err->msg), "out of memory");
				r = -ENOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			conf_format(err->msg, sizeof(err->msg), "cannot read: %s", strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	/* read-only: a failing close() loses nothing */
	(void)close(fd);
	return r;
}

int conf_load_file_text(const char *path, const struct conf_lookup *lk, struct conf *c,
			struct conf_error *err, char **ret_text, size_t *ret_len)
{
	size_t len;
	char *buf;
	int r = conf_read_file(path, &buf, &len, err);

	if (r < 0)
		return r;
	r = conf_parse_buffer(buf, len, path, lk, c, err);
	if (r == 0 && ret_text) {
		*ret_text = buf;
		*ret_len = len;
		return 0;
	}
	free(buf);
	return r;
}

int conf_load_file(const char *path, const struct conf_lookup *lk, struct conf *c,
		   struct conf_error *err)
{
	return conf_load_file_text(path, lk, c, err, NULL, NULL);
}

const struct conf_device *conf_find_device(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (!strncmp(c->devices[i].name, name, CONF_NAME_MAX))
			return &c->devices[i];
	return NULL;
}

const struct conf_template *conf_find_template(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_templates && i < CONF_MAX_TEMPLATES; i++)
		if (!strncmp(c->templates[i].name, name, CONF_TEMPLATE_NAME_MAX))
			return &c->templates[i];
	return NULL;
}

bool conf_template_name_matches(const struct conf_template *t, const char *name)
{
	return conf_ifname_valid(name) && t->names[0] && fnmatch(t->names, name, 0) == 0;
}

void conf_template_device(const struct conf_template *t, const char *name,
			  struct conf_device *ret)
{
	*ret = t->dev;
	snprintf(ret->name, sizeof(ret->name), "%s", name);
}

void conf_error_redact(const char *msg, char *out, size_t size)
{
	static const char hidden[] = "\"...\"";
	size_t o = 0;

	if (!size)
		return;
	for (const char *p = msg; *p && o + 1 < size; p++) {
		if (*p != '"') {
			out[o++] = *p;
			continue;
		}
		/* conf_quote escapes a quote inside with a backslash, and the backslash too */
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (o + sizeof(hidden) > size)
			break;
		memcpy(out + o, hidden, sizeof(hidden) - 1);
		o += sizeof(hidden) - 1;
		if (!*p)
			break;
	}
	out[o] = '\0';
}

void conf_error_format(const struct conf_error *err, char *buf, size_t size)
{
	/* the fields are fixed arrays: never trust them to be terminated */
	int fl = (int)strnlen(err->file, sizeof(err->file));
	int ml = (int)strnlen(err->msg, sizeof(err->msg));

	if (!size)
		return;
	if (fl && err->line)
		conf_format(buf, size, "%.*s:%u: %.*s", fl, err->file, err->line, ml, err->msg);
	else if (fl)
		conf_format(buf, size, "%.*s: %.*s", fl, err->file, ml, err->msg);
	else if (err->line)
		conf_format(buf, size, "line %u: %.*s", err->line, ml, err->msg);
	else
		conf_format(buf, size, "%.*s", ml, err->msg);
}

/* getpwnam_r and getgrnam_r want a buffer of unknown size: grow it on ERANGE. */
static int conf_system_lookup(const char *name, bool group, uint32_t *ret)
{
	struct passwd pw, *pwres = NULL;
	struct group gr, *grres = NULL;
	size_t size = 4096;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nbuf = realloc(buf, size);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		if (group)
			r = getgrnam_r(name, &gr, buf, size, &grres);
		else
			r = getpwnam_r(name, &pw, buf, size, &pwres);
		if (r != ERANGE || size >= CONF_PWBUF_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (r == 0 && (grres || pwres)) {
		*ret = group ? gr.gr_gid : pw.pw_uid;
		return 0;
	}
	/* 0 with no entry is "not found"; some NSS modules say ENOENT or ESRCH instead */
	if (r == 0 || r == ENOENT || r == ESRCH)
		return -ENOENT;
	return -r;
}

static int conf_system_user(const char *name, uid_t *ret_uid)
{
	return conf_system_lookup(name, false, ret_uid);
}

static int conf_system_group(const char *name, gid_t *ret_gid)
{
	return conf_system_lookup(name, true, ret_gid);
}

const struct conf_lookup conf_lookup_system = {
	.user = conf_system_user,
	.group = conf_system_group,
};
