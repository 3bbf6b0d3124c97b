/* SPDX-License-Identifier: MIT */
/* conf.h - the configuration model: what tapqd.conf says, after parsing and validation */
#ifndef TAPQD_CONF_H
#define TAPQD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONF_NAME_MAX 16     /* IFNAMSIZ: names are at most 15 characters */
#define CONF_MAX_QUEUES 256  /* the kernel's MAX_TAP_QUEUES */
/*
 * The devices tapqd.service's FileDescriptorStoreMax is sized for, one
 * stored fd each whatever its queues (daemon/fdbundle.c): not a cap, a
 * config may declare as many devices as the host takes.
 */
#define CONF_STORE_SIZED_DEVICES 4093
#define CONF_MAX_ACL 32      /* entries in one allow_users or allow_groups list */
#define CONF_LINE_MAX 198    /* inih reads lines into a 200-byte buffer (newline, NUL) */
#define CONF_ACTIVE_ALL 0    /* active_queues = all */
#define CONF_CPUS_MAX 1024   /* cpus = lists CPU numbers below this */
#define CONF_QUEUE_MEMORY_DEFAULT (4u << 20)
#define CONF_RESIZE_TIMEOUT_DEFAULT 2000 /* ms */
#define CONF_MAX_CONNECTIONS_DEFAULT 1024
#define CONF_MAX_CONNECTIONS_PER_UID_DEFAULT 64
#define CONF_CONNECTIONS_MAX 65536    /* the largest cap either key takes */
#define CONF_HELLO_TIMEOUT_DEFAULT 5000 /* ms */
/*
 * Replies and events queued for one connection, in bytes. 1M holds the
 * largest answer to one request whole, STATUS of 64 devices of 256 queues
 * (64 x 12,424 bytes), with nothing read; 100 connections that never read
 * hold 100M at most.
 */
#define CONF_CLIENT_OUTPUT_DEFAULT (1u << 20)
#define CONF_CLIENT_OUTPUT_MIN (64u << 10) /* two of the largest message, TAPQD_MSG_MAX */
#define CONF_CLIENT_OUTPUT_MAX (1u << 30)
#define CONF_PATH_MAX 108    /* sizeof(sun_path), NUL included */
#define CONF_TEMPLATE_NAME_MAX 32 /* a [template NAME]'s name, NUL included */
#define CONF_MAX_TEMPLATES 64     /* templates in one file; devices made from them have no cap */
#define CONF_GLOB_MAX 64          /* names = GLOB, NUL included */
#define CONF_PER_USER_MAX 65536   /* the largest max_per_user */

enum conf_log_level {
	CONF_LOG_ERR = 3, /* syslog priorities, so they map onto the journal directly */
	CONF_LOG_WARNING = 4,
	CONF_LOG_NOTICE = 5,
	CONF_LOG_INFO = 6,
	CONF_LOG_DEBUG = 7,
};

/* TUN_F_* bits for TUNSETOFFLOAD, spelled out so tests need no kernel header */
enum conf_offload {
	CONF_OFFLOAD_CSUM = 0x01,
	CONF_OFFLOAD_TSO4 = 0x02,
	CONF_OFFLOAD_TSO6 = 0x04,
	CONF_OFFLOAD_TSO_ECN = 0x08,
	CONF_OFFLOAD_UFO = 0x10,
	CONF_OFFLOAD_USO4 = 0x20,
	CONF_OFFLOAD_USO6 = 0x40,
};

enum conf_placement {
	CONF_PLACEMENT_SPREAD, /* default: one queue per core before any core gets two */
	CONF_PLACEMENT_COMPACT,
	CONF_PLACEMENT_NONE,
};

enum conf_backend {
	CONF_BACKEND_NONE, /* default: no data path without a lease */
	CONF_BACKEND_SINK,
	CONF_BACKEND_ECHO,
};

/* How a client gets the queues of a device. */
enum conf_handoff {
	CONF_HANDOFF_FD,   /* default: tapqd keeps every queue fd and hands them over (ACQUIRE) */
	CONF_HANDOFF_NAME, /* the client opens the persistent device by name; tapqd keeps no fd */
};

struct conf_device {
	char name[CONF_NAME_MAX];
	unsigned int line;          /* line of the [device NAME] header */
	unsigned int max_queues;    /* 1..256, default 1 */
	unsigned int active_queues; /* 1..max_queues, or CONF_ACTIVE_ALL (default) */
	bool vnet_hdr;              /* default yes */
	unsigned int vnet_hdr_size; /* 10 or 12 (default), only with vnet_hdr */
	unsigned int offloads;      /* enum conf_offload bits, default 0 */
	unsigned int mtu;           /* 0 = kernel default, else 68..65521 */
	bool has_mac;
	uint8_t mac[6];
	unsigned int txqueuelen;    /* 0 = kernel default */
	char bridge[CONF_NAME_MAX]; /* "" = none */
	bool has_owner;
	uid_t owner;
	bool has_group;
	gid_t group;
	size_t n_allow_users;
	uid_t allow_users[CONF_MAX_ACL];
	size_t n_allow_groups;
	gid_t allow_groups[CONF_MAX_ACL];
	bool persist;               /* default no */
	enum conf_backend backend;
	uint64_t queue_memory;      /* bytes; sets txqueuelen unless that is given */
	/*
	 * follow = qmp:PATH: the QMP monitor of the QEMU that holds the device,
	 * one of its own for tapqd, whose vCPUs the queue map follows; "" = none.
	 */
	char follow_qmp[CONF_PATH_MAX];
	bool pin_client_threads;    /* pin that QEMU's vCPU and vhost threads; default no */
	enum conf_handoff handoff;
	/*
	 * Created at runtime (CREATE) from this template, by creator, who may
	 * use it besides the allow lists; "" for a device of the config. Set by
	 * tapqd, never by a key.
	 */
	char template_name[CONF_TEMPLATE_NAME_MAX];
	bool has_creator;
	uid_t creator;

	/*
	 * Lines of the keys that conf_validate() checks against other keys, so
	 * that its errors point at the key; 0 when the key was not set.
	 */
	unsigned int active_queues_line;
	unsigned int vnet_hdr_size_line;
	unsigned int offloads_line;
	unsigned int mac_line;
	unsigned int bridge_line;
	unsigned int txqueuelen_line;
	unsigned int queue_memory_line;
	unsigned int pin_client_threads_line;
	unsigned int persist_line;
	unsigned int backend_line;
	unsigned int handoff_line;
};

/*
 * A [template NAME]: what a device created at runtime (CREATE) is made of.
 * dev holds the device keys (its name is ""); its allow lists say who may
 * create from the template and, besides the creator, who may use what was
 * created.
 */
struct conf_template {
	char name[CONF_TEMPLATE_NAME_MAX];
	unsigned int line;          /* line of the [template NAME] header */
	char names[CONF_GLOB_MAX];  /* fnmatch(3) glob every created name must match */
	unsigned int max_per_user;  /* devices one uid may have created from it at once; 0: any */
	unsigned int names_line;
	struct conf_device dev;
};

struct conf {
	char socket_path[108];      /* sizeof(sun_path); default /run/tapqd/tapqd.sock */
	unsigned int socket_mode;   /* default 0660 */
	bool has_socket_group;
	gid_t socket_group;
	enum conf_log_level log_level; /* default info */
	bool cpus_all;              /* cpus = all (default) */
	uint64_t cpus[CONF_CPUS_MAX / 64]; /* otherwise: bit n = CPU n */
	enum conf_placement placement;
	unsigned int resize_timeout_ms; /* how long a shrink waits for the holder's ack */
	/* connections at once: of all users together, and of one uid; root is never refused */
	unsigned int max_connections;
	unsigned int max_connections_per_uid;
	unsigned int hello_timeout_ms; /* a connection that sent no request by then is closed */
	/* where the two caps were set, for conf_validate()'s error; 0 when not */
	unsigned int max_connections_line;
	unsigned int max_connections_per_uid_line;
	uint64_t client_output_max;     /* bytes queued for one connection before it is dropped */
	/*
	 * malloc'ed, as many as the file declares: conf_free(). A copy of the
	 * struct shares them, and only one of the two is freed.
	 */
	size_t n_devices;
	struct conf_device *devices;
	size_t n_templates;
	struct conf_template templates[CONF_MAX_TEMPLATES];
};

/* Where and why a config was refused: one message, the file and the line. */
struct conf_error {
	char file[256];
	unsigned int line; /* 0 when the error concerns the whole file */
	char msg[256];
};

/*
 * Name lookups (users, groups) go through this table so that unit tests and
 * fuzzers can run without /etc/passwd. conf_lookup_system() uses getpwnam_r
 * and getgrnam_r; numeric ids are accepted without any lookup.
 * Each returns 0 and fills the id, or -ENOENT.
 */
struct conf_lookup {
	int (*user)(const char *name, uid_t *ret_uid);
	int (*group)(const char *name, gid_t *ret_gid);
};
extern const struct conf_lookup conf_lookup_system;

/* Fills every field with its documented default and no devices. */
void conf_init(struct conf *c);
/* Frees the devices of c, which then has none. */
void conf_free(struct conf *c);

/*
 * Parses an in-memory config (not NUL-terminated, may contain anything).
 * lk may be NULL for conf_lookup_system. c is overwritten: free what it had
 * first (conf_free()).
 * Return: 0, or -EINVAL (-ENOMEM) with err filled; c then has no devices
 * and is otherwise unspecified.
 */
int conf_parse_buffer(const char *buf, size_t len, const char *file, const struct conf_lookup *lk,
		      struct conf *c, struct conf_error *err);

/*
 * Reads and parses a regular file (1 MiB at most); anything else (a FIFO, a device) is
 * refused before a read could block. Return: 0, or negative errno with err
 * filled.
 */
int conf_load_file(const char *path, const struct conf_lookup *lk, struct conf *c,
		   struct conf_error *err);
/*
 * conf_load_file(), and when it loads, its text in *ret_text (malloc'ed,
 * *ret_len bytes, not NUL-terminated): what conf_parse_buffer() takes again.
 */
int conf_load_file_text(const char *path, const struct conf_lookup *lk, struct conf *c,
			struct conf_error *err, char **ret_text, size_t *ret_len);

/* Cross-field checks run after parsing (conf_parse_buffer calls it). */
int conf_validate(const struct conf *c, const char *file, struct conf_error *err);

const struct conf_device *conf_find_device(const struct conf *c, const char *name);
const struct conf_template *conf_find_template(const struct conf *c, const char *name);
/* A device of template t may be named name: a valid interface name that matches its glob. */
bool conf_template_name_matches(const struct conf_template *t, const char *name);
/*
 * The config of a device created from t under name: the template's device
 * keys with that name. A template's allow lists carry over.
 */
void conf_template_device(const struct conf_template *t, const char *name,
			  struct conf_device *ret);

/*
 * msg (a formatted error) with every quoted value in it, the config's own
 * text as conf_quote() cites it, replaced by "...": file, line and reason
 * for whoever may not read the file, as a config line may hold a secret.
 * An unterminated quote hides the rest. out is always NUL-terminated.
 */
void conf_error_redact(const char *msg, char *out, size_t size);

/*
 * The device keys of cd as a [device NAME] section that conf_parse_buffer()
 * reads back to the same settings (users and groups as numbers): how the
 * config of a created device travels in the stored state. Not the keys a
 * template refuses (mac, follow, handoff), nor the template and creator.
 * Return: the length, or -ENOSPC when size is too small (buf is then cut).
 */
int conf_device_format(const struct conf_device *cd, char *buf, size_t size);

/* "file:line: msg", or "file: msg" when the line is 0; always NUL-terminated. */
void conf_error_format(const struct conf_error *err, char *buf, size_t size);

/*
 * An interface name the kernel takes literally: 1-15 printable ASCII
 * characters without '/', ':', '%' (the kernel expands "tap%d") or spaces,
 * and not "." or "..".
 */
bool conf_ifname_valid(const char *name);
bool conf_template_name_valid(const char *name);

static inline bool conf_cpu_isset(const struct conf *c, unsigned int cpu)
{
	return cpu < CONF_CPUS_MAX && (c->cpus[cpu / 64] >> (cpu % 64)) & 1;
}

const char *conf_log_level_name(enum conf_log_level l);
const char *conf_placement_name(enum conf_placement p);
const char *conf_backend_name(enum conf_backend b);
const char *conf_handoff_name(enum conf_handoff h);

/* "csum", "tso4", ... for one enum conf_offload bit; NULL for anything else. */
const char *conf_offload_name(unsigned int bit);

#endif
