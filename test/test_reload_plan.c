// SPDX-License-Identifier: MIT
/*
 * test_reload_plan.c - unit tests of config/reload_plan.c: one table row per
 * device state and kind of change, the keys, the globals, create order, words
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "conf_keep.h"
#include "conf.h"
#include "reload_plan.h"

/* A device's keys, the way each row changes them. */
#define Q4 "max_queues = 4\n"
#define Q8 "max_queues = 8\n"
#define LINK "bridge = br0\nmac = 02:00:00:00:00:01\n"
#define HOLD "offloads = csum\n" /* set by a holder such as QEMU on its fds */
#define BN "handoff = name\n"

#define CH_LINK (PLAN_CH_BRIDGE | PLAN_CH_MAC)

/* Numeric owners and groups only: no lookup, no /etc/passwd. */
static void parse(const char *text, struct conf *c)
{
	struct conf_error err;
	int r = conf_parse_buffer(text, strlen(text), "t.conf", NULL, c, &err);

	ck_assert_msg(r == 0, "refused: line %u: %s\n--\n%s", err.line, err.msg, text);
	conf_keep(c);
}

/* A config of the one device t0 with those keys. */
static void parse_device(const char *keys, struct conf *c)
{
	char text[1024];

	snprintf(text, sizeof(text), "[device t0]\n%s", keys);
	parse(text, c);
}

static const struct row {
	const char *what;
	enum plan_state state;
	const char *run;  /* keys of the running device */
	const char *next; /* its keys in the new config, NULL: removed from it */
	int open;         /* queues open outside tapqd, PLAN_BY_NAME */
	bool pending;     /* a config was kept for later */
	bool removal;     /* its removal was pending */
	enum plan_kind kind;
	unsigned int now, later, flags;
	enum plan_ring ring;
	bool place;
} rows[] = {
	{"ready unchanged", PLAN_READY, Q4, Q4, 0, 0, 0, PLAN_NOTHING, 0, 0, 0, 0, true},
	{"ready link", PLAN_READY, Q4, Q4 LINK, 0, 0, 0, PLAN_APPLY, CH_LINK, 0, 0, 0, true},
	{"ready holder", PLAN_READY, Q4, Q4 HOLD, 0, 0, 0, PLAN_APPLY, PLAN_CH_OFFLOADS, 0, 0, 0,
	 true},
	{"ready fds", PLAN_READY, Q4, Q8, 0, 0, 0, PLAN_RECREATE, PLAN_CH_MAX_QUEUES, 0, 0, 0, 0},
	{"ready ring", PLAN_READY, Q4, Q4 "mtu = 9000\n", 0, 0, 0, PLAN_APPLY, PLAN_CH_MTU, 0, 0,
	 PLAN_RING_NOW, true},
	{"ready removed", PLAN_READY, Q4, NULL, 0, 0, 0, PLAN_REMOVE, 0, 0, 0, 0, 0},
	{"ready back", PLAN_READY, Q4, Q4, 0, 0, 1, PLAN_NOTHING, 0, 0, PLAN_F_BACK_IN_CONFIG, 0,
	 true},

	{"leased unchanged", PLAN_LEASED, Q4, Q4, 0, 0, 0, PLAN_NOTHING, 0, 0, 0, 0, true},
	{"leased link", PLAN_LEASED, Q4, Q4 LINK, 0, 0, 0, PLAN_APPLY, CH_LINK, 0, 0, 0, true},
	{"leased holder", PLAN_LEASED, Q4, Q4 HOLD, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_OFFLOADS, 0, 0,
	 true},
	{"leased active set", PLAN_LEASED, Q4, Q4 "active_queues = 2\n", 0, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_ACTIVE_QUEUES, 0, 0, true},
	{"leased fds", PLAN_LEASED, Q4, Q8, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_MAX_QUEUES, 0, 0, true},
	{"leased fds and link", PLAN_LEASED, Q4, Q8 LINK, 0, 0, 0, PLAN_DEFER, CH_LINK,
	 PLAN_CH_MAX_QUEUES, 0, 0, true},
	{"leased owner set", PLAN_LEASED, Q4, Q4 "owner = 1000\n", 0, 0, 0, PLAN_APPLY,
	 PLAN_CH_OWNER, 0, 0, 0, true},
	{"leased owner removed", PLAN_LEASED, Q4 "owner = 1000\n", Q4, 0, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_OWNER_REMOVED, 0, 0, true},
	{"leased persist, allow, backend, follow", PLAN_LEASED, Q4,
	 Q4 "persist = yes\nallow_users = 1000\nbackend = sink\nfollow = qmp:/run/vm.sock\n", 0, 0,
	 0, PLAN_APPLY, PLAN_CH_PERSIST | PLAN_CH_ALLOW | PLAN_CH_BACKEND | PLAN_CH_FOLLOW, 0, 0, 0,
	 true},
	{"leased ring", PLAN_LEASED, Q4, Q4 "txqueuelen = 1000\n", 0, 0, 0, PLAN_APPLY,
	 PLAN_CH_TXQUEUELEN, 0, 0, PLAN_RING_AT_LEASE_END, true},
	{"leased removed", PLAN_LEASED, Q4, NULL, 0, 0, 0, PLAN_REMOVE_AT_LEASE_END, 0, 0, 0, 0,
	 true},
	{"leased removed again", PLAN_LEASED, Q4, NULL, 0, 0, 1, PLAN_REMOVE_AT_LEASE_END, 0, 0,
	 PLAN_F_STILL_REMOVED, 0, true},
	{"leased back", PLAN_LEASED, Q4, Q4, 0, 0, 1, PLAN_NOTHING, 0, 0, PLAN_F_BACK_IN_CONFIG, 0,
	 true},
	{"leased nothing waits", PLAN_LEASED, Q4, Q4 LINK, 0, 1, 0, PLAN_APPLY, CH_LINK, 0,
	 PLAN_F_NOTHING_WAITS, 0, true},
	{"leased still waits", PLAN_LEASED, Q4, Q8, 0, 1, 0, PLAN_DEFER, 0, PLAN_CH_MAX_QUEUES, 0,
	 0, true},

	{"waiting unchanged", PLAN_WAITING, Q4, Q4, 0, 0, 0, PLAN_NOTHING, 0, 0, 0, 0, 0},
	{"waiting link", PLAN_WAITING, Q4, Q4 LINK, 0, 0, 0, PLAN_DEFER, 0, CH_LINK, 0, 0, 0},
	{"waiting holder", PLAN_WAITING, Q4, Q4 HOLD, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_OFFLOADS, 0,
	 0, 0},
	{"waiting fds", PLAN_WAITING, Q4, Q8, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_MAX_QUEUES, 0, 0, 0},
	{"waiting ring", PLAN_WAITING, Q4, Q4 "mtu = 9000\n", 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_MTU,
	 0, 0, 0},
	{"waiting removed", PLAN_WAITING, Q4, NULL, 0, 0, 0, PLAN_REMOVE_AT_LEASE_END, 0, 0, 0, 0,
	 0},
	{"waiting back", PLAN_WAITING, Q4, Q4, 0, 0, 1, PLAN_NOTHING, 0, 0, PLAN_F_BACK_IN_CONFIG,
	 0, 0},
	{"waiting nothing waits", PLAN_WAITING, Q4, Q4, 0, 1, 0, PLAN_NOTHING, 0, 0,
	 PLAN_F_NOTHING_WAITS, 0, 0},

	{"orphaned unchanged", PLAN_ORPHANED, Q4, Q4, 0, 0, 0, PLAN_NOTHING, 0, 0, 0, 0, 0},
	{"orphaned link", PLAN_ORPHANED, Q4, Q4 LINK, 0, 0, 0, PLAN_DEFER, 0, CH_LINK, 0, 0, 0},
	{"orphaned holder", PLAN_ORPHANED, Q4, Q4 HOLD, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_OFFLOADS, 0,
	 0, 0},
	{"orphaned fds", PLAN_ORPHANED, Q4, Q8, 0, 0, 0, PLAN_DEFER, 0, PLAN_CH_MAX_QUEUES, 0, 0,
	 0},
	{"orphaned removed", PLAN_ORPHANED, Q4, NULL, 0, 0, 0, PLAN_FORGET, 0, 0, 0, 0, 0},
	{"orphaned removed again", PLAN_ORPHANED, Q4, NULL, 0, 0, 1, PLAN_FORGET, 0, 0, 0, 0, 0},
	{"orphaned back", PLAN_ORPHANED, Q4, Q4, 0, 0, 1, PLAN_NOTHING, 0, 0,
	 PLAN_F_BACK_IN_CONFIG, 0, 0},

	{"by name unchanged", PLAN_BY_NAME, BN Q4, BN Q4, 2, 0, 0, PLAN_NOTHING, 0, 0, 0, 0, true},
	{"by name link", PLAN_BY_NAME, BN Q4, BN Q4 LINK, 2, 0, 0, PLAN_APPLY, CH_LINK, 0, 0, 0,
	 true},
	{"by name mtu: no ring", PLAN_BY_NAME, BN Q4, BN Q4 "mtu = 9000\n", 2, 0, 0, PLAN_APPLY,
	 PLAN_CH_MTU, 0, 0, 0, true},
	/* tapqd acts on none of these for it: taken as they are */
	{"by name follow", PLAN_BY_NAME, BN Q4, BN Q4 "follow = qmp:/run/vm.sock\n", 2, 0, 0,
	 PLAN_NOTHING, 0, 0, 0, 0, true},
	{"by name holder, none open", PLAN_BY_NAME, BN Q4, BN Q4 HOLD, 0, 0, 0, PLAN_RECREATE,
	 PLAN_CH_OFFLOADS, 0, 0, 0, 0},
	{"by name holder, open", PLAN_BY_NAME, BN Q4, BN Q4 HOLD, 2, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_OFFLOADS, 0, 0, true},
	{"by name holder and link, open", PLAN_BY_NAME, BN Q4, BN Q4 HOLD LINK, 2, 0, 0, PLAN_DEFER,
	 CH_LINK, PLAN_CH_OFFLOADS, 0, 0, true},
	{"by name holder, not counted", PLAN_BY_NAME, BN Q4, BN Q4 HOLD, -1, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_OFFLOADS, 0, 0, true},
	{"by name fds, none open", PLAN_BY_NAME, BN Q4, BN Q8, 0, 0, 0, PLAN_RECREATE,
	 PLAN_CH_MAX_QUEUES, 0, 0, 0, 0},
	{"by name fds, open", PLAN_BY_NAME, BN Q4, BN Q8, 3, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_MAX_QUEUES, 0, 0, true},
	{"by name owner, open", PLAN_BY_NAME, BN Q4, BN Q4 "owner = 1000\n", 3, 0, 0, PLAN_DEFER, 0,
	 PLAN_CH_OWNER, 0, 0, true},
	{"by name ring, open", PLAN_BY_NAME, BN Q4, BN Q4 "txqueuelen = 500\n", 3, 0, 0,
	 PLAN_DEFER, 0, PLAN_CH_TXQUEUELEN, 0, 0, true},
	{"by name removed, none open", PLAN_BY_NAME, BN Q4, NULL, 0, 0, 0, PLAN_REMOVE, 0, 0, 0, 0,
	 0},
	{"by name removed, open", PLAN_BY_NAME, BN Q4, NULL, 4, 0, 0, PLAN_REMOVE_LATER, 0, 0, 0, 0,
	 true},
	{"by name removed, not counted", PLAN_BY_NAME, BN Q4, NULL, -1, 0, 0, PLAN_REMOVE_LATER, 0,
	 0, 0, 0, true},
	{"by name removed again", PLAN_BY_NAME, BN Q4, NULL, 4, 0, 1, PLAN_REMOVE_LATER, 0, 0,
	 PLAN_F_STILL_REMOVED, 0, true},
	{"by name back", PLAN_BY_NAME, BN Q4, BN Q4, 4, 0, 1, PLAN_NOTHING, 0, 0,
	 PLAN_F_BACK_IN_CONFIG, 0, true},
	{"by name nothing waits", PLAN_BY_NAME, BN Q4, BN Q4, 4, 1, 0, PLAN_NOTHING, 0, 0,
	 PLAN_F_NOTHING_WAITS, 0, true},
};

/* Plans row r; run and next hold the configs a->running and a->next point into. */
static void plan_row(const struct row *r, struct conf *run, struct conf *next,
		     struct plan_action *a)
{
	struct plan_device_in in = {
		.state = r->state,
		.queues_open = r->open,
		.removal_pending = r->removal,
	};

	parse_device(r->run, run);
	in.running = &run->devices[0];
	/* what waited is the device with other queues: only whether there is one counts */
	in.pending = r->pending ? &run->devices[0] : NULL;
	if (r->next)
		parse_device(r->next, next);
	ck_assert_int_eq(reload_plan_device(&in, r->next ? &next->devices[0] : NULL, a), 0);
}

static const struct row *find_row(const char *what)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(rows[i].what, what))
			return &rows[i];
	ck_abort_msg("no row \"%s\"", what);
	return NULL;
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	struct conf run, next;
	struct plan_action a;

	plan_row(r, &run, &next, &a);
	ck_assert_msg(a.kind == r->kind, "%s: kind %d, wanted %d", r->what, a.kind, r->kind);
	ck_assert_msg(a.now == r->now, "%s: now 0x%x, wanted 0x%x", r->what, a.now, r->now);
	ck_assert_msg(a.later == r->later, "%s: later 0x%x, wanted 0x%x", r->what, a.later,
		      r->later);
	ck_assert_msg(a.flags == r->flags, "%s: flags 0x%x, wanted 0x%x", r->what, a.flags,
		      r->flags);
	ck_assert_msg(a.ring == r->ring, "%s: ring %d, wanted %d", r->what, a.ring, r->ring);
	ck_assert_msg(a.place == r->place, "%s: place %d", r->what, a.place);
	ck_assert_msg(a.state == r->state && a.queues_open == r->open, "%s: input copied",
		      r->what);
}
END_TEST

/* Each key of a device, changed alone on a device tapqd holds: the bit it sets. */
static const struct key_row {
	const char *run, *next;
	unsigned int bits;
} key_rows[] = {
	{"", "", 0},
	/* where the file says it is no change */
	{Q4 "active_queues = 2\n", Q4 "\n\nactive_queues = 2\n", 0},
	{"", "max_queues = 2\n", PLAN_CH_MAX_QUEUES},
	{"", "vnet_hdr = no\n", PLAN_CH_VNET_HDR},
	/* without a header there is nothing to offload: the header's bit says it all */
	{HOLD, "vnet_hdr = no\n", PLAN_CH_VNET_HDR},
	{"", BN, PLAN_CH_HANDOFF},
	{"owner = 1000\n", "", PLAN_CH_OWNER_REMOVED},
	{"group = 50\n", "", PLAN_CH_GROUP_REMOVED},
	{"", "active_queues = 1\n", PLAN_CH_ACTIVE_QUEUES},
	{"", "vnet_hdr_size = 10\n", PLAN_CH_VNET_HDR_SIZE},
	{"", HOLD, PLAN_CH_OFFLOADS},
	{"", "mtu = 9000\n", PLAN_CH_MTU},
	{"", "mac = 02:00:00:00:00:01\n", PLAN_CH_MAC},
	{"mac = 02:00:00:00:00:01\n", "mac = 02:00:00:00:00:02\n", PLAN_CH_MAC},
	{"mac = 02:00:00:00:00:01\n", "", PLAN_CH_MAC_UNSET},
	{"", "bridge = br0\n", PLAN_CH_BRIDGE},
	{"", "owner = 1000\n", PLAN_CH_OWNER},
	{"owner = 1000\n", "owner = 1001\n", PLAN_CH_OWNER},
	{"", "group = 50\n", PLAN_CH_GROUP},
	{"", "persist = yes\n", PLAN_CH_PERSIST},
	{"", "txqueuelen = 1000\n", PLAN_CH_TXQUEUELEN},
	{"", "queue_memory = 8M\n", PLAN_CH_QUEUE_MEMORY},
	{"", "allow_users = 1000\n", PLAN_CH_ALLOW},
	{"allow_groups = 50\n", "allow_groups = 50, 51\n", PLAN_CH_ALLOW},
	{"", "backend = echo\n", PLAN_CH_BACKEND},
	{"", "follow = qmp:/run/vm.sock\n", PLAN_CH_FOLLOW},
	{"follow = qmp:/run/vm.sock\n", "follow = qmp:/run/vm.sock\npin_client_threads = yes\n",
	 PLAN_CH_PIN},
};

START_TEST(test_keys)
{
	const struct key_row *k = &key_rows[_i];
	const struct row r = {"key", PLAN_READY, k->run, k->next};
	struct conf run, next;
	struct plan_action a;

	plan_row(&r, &run, &next, &a);
	ck_assert_msg(a.now == k->bits, "%s -> %s: 0x%x, wanted 0x%x", k->run, k->next, a.now,
		      k->bits);
}
END_TEST

/* What the device runs with after the plan: next, but what waits. */
START_TEST(test_conf_keeps_what_waits)
{
	const struct row leased = {"", PLAN_LEASED, Q4 "owner = 1000\nactive_queues = 2\n" HOLD,
				   Q8 "bridge = br0\nvnet_hdr = no\n"};
	const struct row by_name = {"", PLAN_BY_NAME, BN Q4, BN Q4 "owner = 1000\nmtu = 9000\n", 1};
	const struct row waiting = {"", PLAN_WAITING, Q4, Q8 LINK};
	struct conf run, next;
	struct plan_action a;

	/* the holder's queues, header and owner stay; the bridge changes now */
	plan_row(&leased, &run, &next, &a);
	ck_assert_uint_eq(a.later, PLAN_CH_MAX_QUEUES | PLAN_CH_VNET_HDR | PLAN_CH_OWNER_REMOVED |
					   PLAN_CH_ACTIVE_QUEUES);
	ck_assert_uint_eq(a.conf.max_queues, 4);
	ck_assert_uint_eq(a.conf.active_queues, 2);
	ck_assert(a.conf.vnet_hdr && a.conf.offloads == CONF_OFFLOAD_CSUM);
	ck_assert(a.conf.has_owner && a.conf.owner == 1000);
	ck_assert_str_eq(a.conf.bridge, "br0");

	/* a client has its queues open: only the link follows the config */
	plan_row(&by_name, &run, &next, &a);
	ck_assert_uint_eq(a.conf.mtu, 9000);
	ck_assert(!a.conf.has_owner);

	/* no fd of it: nothing changes */
	plan_row(&waiting, &run, &next, &a);
	ck_assert_uint_eq(a.conf.max_queues, 4);
	ck_assert(!a.conf.has_mac && !a.conf.bridge[0]);

	/* a change that fails keeps what ran, through the same table */
	plan_row(find_row("ready link"), &run, &next, &a);
	ck_assert(a.conf.has_mac && a.conf.bridge[0]);
	plan_keep(&a.conf, a.running, PLAN_CH_MAC | PLAN_CH_BRIDGE);
	ck_assert(!a.conf.has_mac && !a.conf.bridge[0]);
}
END_TEST

/* The state must agree with the device's handoff, whatever the caller believes. */
START_TEST(test_state_contradicts_handoff)
{
	struct conf c;
	struct plan_device_in in = {.state = PLAN_BY_NAME};
	struct plan_action a;

	parse_device(Q4, &c);
	in.running = &c.devices[0];
	ck_assert_int_eq(reload_plan_device(&in, &c.devices[0], &a), -EINVAL);
	parse_device(BN Q4, &c);
	in.running = &c.devices[0];
	in.state = PLAN_READY;
	ck_assert_int_eq(reload_plan_device(&in, &c.devices[0], &a), -EINVAL);
	in.running = NULL;
	ck_assert_int_eq(reload_plan_device(&in, &c.devices[0], &a), -EINVAL);
}
END_TEST

/*
 * A whole reload: the devices in the order given, then the creations in
 * next's order, RECREATEs among them; a waiting device is no new one.
 */
START_TEST(test_reload_create_order)
{
	static struct conf old, next;
	struct plan_device_in devs[4] = {
		{.state = PLAN_READY},   /* a: other queues, created again */
		{.state = PLAN_READY},   /* b: unchanged */
		{.state = PLAN_WAITING}, /* w: other queues, waits */
		{.state = PLAN_READY},   /* x: removed */
	};
	struct reload_plan plan;

	parse("[device a]\n[device b]\n[device w]\n[device x]\n", &old);
	parse("[device c]\n[device a]\nmax_queues = 2\n[device b]\n[device w]\nmax_queues = 2\n"
	      "[device d]\n",
	      &next);
	for (size_t i = 0; i < 4; i++)
		devs[i].running = &old.devices[i];
	ck_assert_int_eq(reload_plan(&old, &next, devs, 4, &plan), 0);
	ck_assert_uint_eq(plan.n_devs, 4);
	ck_assert_int_eq(plan.devs[0].kind, PLAN_RECREATE);
	ck_assert_int_eq(plan.devs[1].kind, PLAN_NOTHING);
	ck_assert_int_eq(plan.devs[2].kind, PLAN_DEFER);
	ck_assert_int_eq(plan.devs[3].kind, PLAN_REMOVE);
	ck_assert(plan.devs[0].next == &next.devices[1]);
	ck_assert_uint_eq(plan.n_create, 3);
	ck_assert_str_eq(plan.create[0]->name, "c");
	ck_assert_str_eq(plan.create[1]->name, "a");
	ck_assert_str_eq(plan.create[2]->name, "d");
	ck_assert_uint_eq(plan.globals, 0);
	reload_plan_free(&plan);

	/* nothing running: everything is created, in order */
	ck_assert_int_eq(reload_plan(&old, &next, NULL, 0, &plan), 0);
	ck_assert_uint_eq(plan.n_create, 5);
	ck_assert_str_eq(plan.create[4]->name, "d");
	reload_plan_free(&plan);

	/* one bad device refuses the whole plan, and leaves nothing to free */
	devs[2].state = PLAN_BY_NAME;
	ck_assert_int_eq(reload_plan(&old, &next, devs, 4, &plan), -EINVAL);
	ck_assert(plan.devs == NULL && plan.n_devs == 0);
}
END_TEST

static const struct global_row {
	const char *old, *next; /* [tapqd] keys */
	unsigned int bits;
	const char *text; /* of the bit, when one */
} global_rows[] = {
	{"", "", 0, NULL},
	{"", "socket = /run/other.sock\n", PLAN_G_SOCKET_PATH,
	 "socket /run/other.sock: applies at the next start; still listening on "
	 "/run/tapqd/tapqd.sock"},
	{"", "socket_mode = 0600\n", PLAN_G_SOCKET_MODE, "socket_mode 0660 -> 0600"},
	{"", "socket_group = 50\n", PLAN_G_SOCKET_GROUP, "socket_group 50"},
	{"socket_group = 50\n", "", PLAN_G_SOCKET_GROUP,
	 "socket_group unset: the group tapqd runs as"},
	{"", "log_level = debug\n", PLAN_G_LOG_LEVEL, "log_level info -> debug"},
	{"", "cpus = 0-1\n", PLAN_G_CPUS, "cpus changed: queues are placed again"},
	{"cpus = 0-1\n", "cpus = 0-3\n", PLAN_G_CPUS, "cpus changed: queues are placed again"},
	{"", "placement = compact\n", PLAN_G_PLACEMENT,
	 "placement spread -> compact: queues are placed again"},
	{"", "resize_timeout = 500\n", PLAN_G_RESIZE_TIMEOUT, "resize_timeout 2000 -> 500 ms"},
	{"", "max_connections = 100\n", PLAN_G_MAX_CONNECTIONS,
	 "max_connections 1024 -> 100: for new connections; open ones stay"},
	{"", "max_connections_per_uid = 8\n", PLAN_G_MAX_CONNECTIONS_PER_UID,
	 "max_connections_per_uid 64 -> 8: for new connections; open ones stay"},
	{"", "hello_timeout = 1000\n", PLAN_G_HELLO_TIMEOUT,
	 "hello_timeout 5000 -> 1000 ms: for new connections"},
	{"", "client_output_max = 4M\n", PLAN_G_CLIENT_OUTPUT_MAX,
	 "client_output_max 1048576 -> 4194304 bytes"},
};

START_TEST(test_globals)
{
	const struct global_row *g = &global_rows[_i];
	static struct conf old, next;
	struct reload_plan plan;
	char text[256], buf[256];

	snprintf(text, sizeof(text), "[tapqd]\n%s", g->old);
	parse(text, &old);
	snprintf(text, sizeof(text), "[tapqd]\n%s", g->next);
	parse(text, &next);
	ck_assert_int_eq(reload_plan(&old, &next, NULL, 0, &plan), 0);
	ck_assert_msg(plan.globals == g->bits, "%s -> %s: 0x%x, wanted 0x%x", g->old, g->next,
		      plan.globals, g->bits);
	if (g->text)
		ck_assert_str_eq(plan_global_text(g->bits, &old, &next, buf, sizeof(buf)), g->text);
	reload_plan_free(&plan);
}
END_TEST

#define WHEN "when the lease of pid 42 ends"

/* The words of one change, as reload.c logged them: now, or when a lease ends. */
static const struct text_row {
	enum plan_state state;
	const char *run, *next;
	unsigned int change;
	const char *when, *text;
} text_rows[] = {
	{PLAN_READY, "", "mtu = 9000\n", PLAN_CH_MTU, NULL, "mtu 1500 -> 9000"},
	{PLAN_READY, "mtu = 9000\n", "mtu = 1400\n", PLAN_CH_MTU, NULL, "mtu 9000 -> 1400"},
	{PLAN_READY, "", "mac = 02:00:00:00:00:01\n", PLAN_CH_MAC, NULL, "mac 02:00:00:00:00:01"},
	{PLAN_READY, "mac = 02:00:00:00:00:01\n", "", PLAN_CH_MAC_UNSET, NULL,
	 "mac no longer set: the device keeps the one it has"},
	{PLAN_READY, "bridge = br0\n", "", PLAN_CH_BRIDGE, NULL, "bridge br0 -> none"},
	{PLAN_READY, "", "owner = 1000\n", PLAN_CH_OWNER, NULL, "owner 1000 (TUNSETOWNER)"},
	{PLAN_READY, "", "group = 50\n", PLAN_CH_GROUP, NULL, "group 50 (TUNSETGROUP)"},
	{PLAN_READY, "", "persist = yes\n", PLAN_CH_PERSIST, NULL, "persist no -> yes"},
	{PLAN_READY, "", "active_queues = 1\n", PLAN_CH_ACTIVE_QUEUES, NULL,
	 "active_queues all -> 1"},
	{PLAN_READY, "", "vnet_hdr_size = 10\n", PLAN_CH_VNET_HDR_SIZE, NULL,
	 "vnet_hdr_size 12 -> 10"},
	{PLAN_READY, "", HOLD, PLAN_CH_OFFLOADS, NULL, "offloads 0x0 -> 0x1"},
	{PLAN_READY, "", "allow_users = 1000\n", PLAN_CH_ALLOW, NULL,
	 "allow lists: 1 users, 0 groups"},
	{PLAN_LEASED, "", "allow_groups = 50\n", PLAN_CH_ALLOW, NULL,
	 "allow lists: 0 users, 1 groups (for the next ACQUIRE; the current lease stays)"},
	{PLAN_READY, "", "backend = sink\n", PLAN_CH_BACKEND, NULL, "backend none -> sink"},
	{PLAN_READY, "", "follow = qmp:/run/vm.sock\n", PLAN_CH_FOLLOW, NULL,
	 "follow none -> qmp:/run/vm.sock"},
	{PLAN_READY, "", "txqueuelen = 1000\n", PLAN_CH_TXQUEUELEN, NULL,
	 "txqueuelen unset -> 1000"},
	{PLAN_LEASED, Q4, Q8, PLAN_CH_MAX_QUEUES, WHEN, "max_queues 4 -> 8 " WHEN},
	{PLAN_LEASED, "", "vnet_hdr = no\n", PLAN_CH_VNET_HDR, WHEN, "vnet_hdr yes -> no " WHEN},
	{PLAN_LEASED, "", BN, PLAN_CH_HANDOFF, WHEN,
	 "handoff fd -> name " WHEN " (the device is created again)"},
	{PLAN_LEASED, "owner = 1000\n", "", PLAN_CH_OWNER_REMOVED, WHEN,
	 "owner 1000 removed " WHEN " (the device is created again)"},
	{PLAN_LEASED, Q4, Q4 "active_queues = 2\n", PLAN_CH_ACTIVE_QUEUES, WHEN,
	 "active_queues all -> 2 " WHEN},
	{PLAN_WAITING, "", "mtu = 9000\n", PLAN_CH_MTU, WHEN, "mtu 1500 -> 9000 " WHEN},
};

START_TEST(test_change_text)
{
	const struct text_row *t = &text_rows[_i];
	const struct row r = {"text", t->state, t->run, t->next};
	struct conf run, next;
	struct plan_action a;
	char buf[256];

	plan_row(&r, &run, &next, &a);
	ck_assert_msg((a.now | a.later) & t->change, "%s: 0x%x not planned", t->text, t->change);
	ck_assert_str_eq(plan_change_text(&a, t->change, t->when, buf, sizeof(buf)), t->text);
}
END_TEST

/* Why a device goes, stays or waits, and the notes of its flags. */
static const struct why_row {
	const char *row;  /* the what of a row of rows[] */
	const char *why;  /* plan_why_text with WHEN, NULL: nothing to say */
	const char *note; /* of its one flag */
} why_rows[] = {
	{"ready link", NULL, NULL},
	{"ready removed", "removed from the config", NULL},
	{"ready fds", "its queues change (max_queues, vnet_hdr, owner or group): created again",
	 NULL},
	{"leased holder", NULL, NULL},
	{"leased removed", "removed from the config: deleted " WHEN, NULL},
	{"leased removed again", NULL, NULL},
	{"leased back", NULL, "back in the config: stays after the lease"},
	{"leased nothing waits", NULL, "nothing waits for the lease any more"},
	{"waiting link",
	 "tapqd has no queue of it until the holder of an earlier tapqd resumes: every change "
	 "waits",
	 NULL},
	{"orphaned removed",
	 "removed from the config: forgotten; its interface goes with the fds its last holder "
	 "left",
	 NULL},
	{"orphaned back", NULL, "back in the config: created afresh once its interface goes"},
	{"by name holder, open",
	 "changes other than mtu, mac and bridge wait: 2 queues are open outside tapqd (reload "
	 "again once they are closed)",
	 NULL},
	{"by name fds, none open",
	 "its setup changes (handoff, queues, vnet header, owner, group or ring) and no queue is "
	 "open: created again",
	 NULL},
	{"by name removed, none open", "removed from the config, no queue open", NULL},
	{"by name removed, open",
	 "removed from the config: 4 queues are open outside tapqd: kept (deleted by a reload "
	 "once they are closed)",
	 NULL},
	{"by name removed again", NULL, NULL},
	{"by name nothing waits", NULL, "nothing waits for its queues to close any more"},
};

START_TEST(test_why_text)
{
	const struct why_row *w = &why_rows[_i];
	const struct row *r = find_row(w->row);
	const char *why, *note = NULL;
	struct conf run, next;
	struct plan_action a;
	char buf[256];

	plan_row(r, &run, &next, &a);
	why = plan_why_text(&a, WHEN, buf, sizeof(buf));
	ck_assert_msg(w->why ? why && !strcmp(why, w->why) : !why, "%s: \"%s\"", w->row,
		      why ? why : "(null)");
	for (unsigned int f = 1; f <= PLAN_F_STILL_REMOVED; f <<= 1)
		if (!note)
			note = plan_flag_text(&a, f);
	ck_assert_msg(w->note ? note && !strcmp(note, w->note) : !note, "%s: note \"%s\"", w->row,
		      note ? note : "(null)");
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *reload_plan_suite(void)
{
	Suite *s = suite_create("reload_plan");
	TCase *tc = tcase_create("plan");

	tcase_add_loop_test(tc, test_rows, 0, N(rows));
	tcase_add_loop_test(tc, test_keys, 0, N(key_rows));
	tcase_add_test(tc, test_conf_keeps_what_waits);
	tcase_add_test(tc, test_state_contradicts_handoff);
	tcase_add_test(tc, test_reload_create_order);
	tcase_add_loop_test(tc, test_globals, 0, N(global_rows));
	tcase_add_loop_test(tc, test_change_text, 0, N(text_rows));
	tcase_add_loop_test(tc, test_why_text, 0, N(why_rows));
	tcase_add_checked_fixture(tc, NULL, conf_keep_free);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(reload_plan_suite());
}
