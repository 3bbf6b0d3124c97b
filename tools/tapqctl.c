// SPDX-License-Identifier: MIT
/*
 * tapqctl.c - the command line of tapqd: status, templates, acquire, exec, resize, release,
 * reload, create, destroy, qmp-add/qmp-del (hotplug.c), metrics (metrics.c) and monitor (monitor.c)
 */

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hotplug.h"
#include "metrics.h"
#include "monitor.h"
#include "tapqd.h"

#define GSO_MAX_BYTES 65536u /* the largest packet one ring entry may hold */
#define QUEUES_PER_LINE 8

struct ctl_opts {
	const char *socket;
	const char *device;
	bool json;
	unsigned int control;
	const char *token;
	const char *template_name;
	const char *queues;
	struct hotplug_opts hp;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tapqctl [-s SOCKET] COMMAND [ARGS]\n"
		   "  status [DEVICE] [--json]\n"
		   "  templates [--json]            (the templates you may create devices from)\n"
		   "  metrics [DEVICE]              (Prometheus text, for node_exporter's textfile\n"
		   "                                 collector)\n"
		   "  monitor [DEVICE] [--json]     (events as they come, one line each, until\n"
		   "                                 interrupted)\n"
		   "  acquire DEVICE [--mode client|daemon] [--json]\n"
		   "  exec DEVICE [--mode client] -- COMMAND [ARGS...]\n"
		   "                                (in ARGS, @FDS@ becomes the queue fds, a:b:c;\n"
		   "                                 @VHOSTFDS@ one /dev/vhost-net fd per queue)\n"
		   "  resize DEVICE N\n"
		   "  release DEVICE [--token HEX]\n"
		   "  reload                        (waits until applied: exit 0, or refused: 1)\n"
		   "  create NAME --template T [--queues N]\n"
		   "                                (a device from a [template T] of the config;\n"
		   "                                 N at most the template's max_queues)\n"
		   "  destroy NAME                  (a created device: its creator or root)\n"
		   "  qmp-add DEVICE --qmp QMPSOCKET --id ID [--mac MAC] [--bus BUS] [--vhost on|off]\n"
		   "                                (into a running QEMU, which then holds the lease;\n"
		   "                                 prints its token)\n"
		   "  qmp-del DEVICE --qmp QMPSOCKET --id ID [--token HEX]\n"
		   "                                (out of it, and ends the lease: as root or with\n"
		   "                                 the token)\n"
		   "SOCKET defaults to " TAPQD_DEFAULT_SOCKET "\n");
}

/* One line on stderr, with the daemon's own words when it gave any. */
static int fail(const struct tapqd_client *c, const char *what, int r)
{
	const char *msg = c && tapqd_client_error(c)[0] ? tapqd_client_error(c) : strerror(-r);

	fprintf(stderr, "tapqctl: %s: %s\n", what, msg);
	return 1;
}

static int connect_or_fail(const struct ctl_opts *o, struct tapqd_client **ret)
{
	const char *path = o->socket ? o->socket : TAPQD_DEFAULT_SOCKET;
	int r = tapqd_client_connect(path, ret);

	if (r < 0) {
		fprintf(stderr, "tapqctl: connecting to %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}

/* JSON null stands for what a device does not have: no string, a count of 0. */
static json_object *json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *json_count_or_null(uint64_t n)
{
	return n ? json_object_new_uint64(n) : NULL;
}

/* Prints o on one line, as compact as JSON goes (the README's keys, in its order), and frees it. */
static int json_print(json_object *o)
{
	const char *s =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s ? 0 : 1;

	if (s)
		printf("%s\n", s);
	else
		fprintf(stderr, "tapqctl: out of memory\n");
	json_object_put(o);
	return r;
}

static json_object *json_queues(const struct tapqd_device_info *dev)
{
	json_object *queues = json_object_new_array();

	for (unsigned int i = 0; i < dev->n_queues && i < TAPQD_MAX_QUEUES; i++) {
		const struct tapqd_queue_info *q = &dev->queues[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "index", json_object_new_int64(i));
		json_object_object_add(o, "active", json_object_new_boolean(q->active));
		json_object_object_add(o, "cpu", q->cpu < 0 ? NULL : json_object_new_int(q->cpu));
		json_object_object_add(o, "worker", json_object_new_boolean(q->worker));
		json_object_object_add(o, "rx_packets", json_object_new_uint64(q->rx_packets));
		json_object_object_add(o, "rx_bytes", json_object_new_uint64(q->rx_bytes));
		json_object_object_add(o, "tx_packets", json_object_new_uint64(q->tx_packets));
		json_object_object_add(o, "tx_bytes", json_object_new_uint64(q->tx_bytes));
		json_object_object_add(o, "drops", json_object_new_uint64(q->drops));
		json_object_object_add(o, "cpu_ns", json_object_new_uint64(q->cpu_ns));
		json_object_array_add(queues, o);
	}
	return queues;
}

static const char *backend_name(unsigned int backend)
{
	switch (backend) {
	case TAPQD_BACKEND_NONE:
		return "none";
	case TAPQD_BACKEND_SINK:
		return "sink";
	case TAPQD_BACKEND_ECHO:
		return "echo";
	}
	return "unknown";
}

/* 12345678 -> "11.8 MiB": ring budgets are read by people. */
static const char *human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* What a device waits for the end of its lease to do; NULL for nothing. */
static const char *pending_name(unsigned int pending)
{
	switch (pending) {
	case TAPQD_PENDING_REMOVE:
		return "remove";
	case TAPQD_PENDING_RECONFIGURE:
		return "reconfigure";
	case TAPQD_PENDING_CREATE:
		return "create";
	}
	return NULL;
}

/* NULL when the device follows no QEMU */
static const char *follow_name(unsigned int follow)
{
	switch (follow) {
	case TAPQD_FOLLOW_CONNECTING:
		return "connecting";
	case TAPQD_FOLLOW_UP:
		return "up";
	}
	return NULL;
}

/* Handoff by name: the queues open outside tapqd, as the kernel counts them. */
static void outside_counts(const struct tapqd_device_info *dev, unsigned int *ret_attached,
			   unsigned int *ret_detached)
{
	unsigned int attached = 0, held = 0;

	for (unsigned int i = 0; i < dev->n_queues && i < TAPQD_MAX_QUEUES; i++) {
		attached += dev->queues[i].active;
		held += dev->queues[i].held;
	}
	*ret_attached = attached;
	*ret_detached = held > attached ? held - attached : 0;
}

/* The kernel sets no limit per device: a client may open more queues by name than max_queues. */
static unsigned int outside_over_max(const struct tapqd_device_info *dev, unsigned int held)
{
	return held > dev->max_queues ? held - dev->max_queues : 0;
}

/*
 * A renamed device's interface as this network namespace names it (tapqctl
 * runs in tapqd's): "?" when it has no such ifindex. NULL when not renamed.
 */
static const char *kernel_name(const struct tapqd_device_info *dev, char buf[IF_NAMESIZE])
{
	if (!dev->renamed)
		return NULL;
	return if_indextoname(dev->ifindex, buf) ? buf : "?";
}

/* The user name of uid, as this host's user database has it; NULL: none. */
static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;

	if (getpwuid_r(uid, &pw, buf, size, &res) != 0 || !res)
		return NULL;
	return res->pw_name;
}

/* {"uid":U,"user":"name"} of a created device's creator; null for a declared device. */
static json_object *json_creator(const struct tapqd_device_info *dev)
{
	char buf[1024];
	const char *name;
	json_object *o;

	if (!dev->created)
		return NULL;
	name = user_name(dev->created_by, buf, sizeof(buf));
	o = json_object_new_object();
	json_object_object_add(o, "uid", json_object_new_int64(dev->created_by));
	json_object_object_add(o, "user", json_string_or_null(name));
	return o;
}

static json_object *json_device(const struct tapqd_device_info *dev)
{
	char ifname[IF_NAMESIZE];
	json_object *o = json_object_new_object();
	bool follows = follow_name(dev->follow);

	json_object_object_add(o, "name", json_object_new_string(dev->name));
	json_object_object_add(o, "ifindex", json_object_new_int64(dev->ifindex));
	json_object_object_add(o, "max_queues", json_object_new_int64(dev->max_queues));
	json_object_object_add(o, "active_queues", json_object_new_int64(dev->active_queues));
	json_object_object_add(o, "leased", json_object_new_boolean(dev->leased));
	/* 0 while leased: tapqd does not say whose lease it is to this user */
	json_object_object_add(o, "holder_pid", dev->leased && dev->holder_pid
							? json_object_new_int(dev->holder_pid)
							: NULL);
	json_object_object_add(o, "holder_comm",
			       json_string_or_null(dev->leased && dev->holder_pid && dev->holder_comm[0]
							   ? dev->holder_comm
							   : NULL));
	json_object_object_add(o, "control",
			       json_string_or_null(dev->leased ? tapqd_control_name(dev->control)
							       : NULL));
	json_object_object_add(o, "backend", json_object_new_string(backend_name(dev->backend)));
	json_object_object_add(o, "txqueuelen", json_object_new_int64(dev->txqueuelen));
	json_object_object_add(o, "txqueuelen_pending", json_count_or_null(dev->txqueuelen_pending));
	json_object_object_add(o, "ring_worst_case_bytes",
			       json_object_new_uint64((uint64_t)dev->txqueuelen * GSO_MAX_BYTES));
	json_object_object_add(o, "queue_memory", json_count_or_null(dev->queue_memory));
	json_object_object_add(o, "tunsetqueue_calls",
			       json_object_new_uint64(dev->tunsetqueue_calls));
	json_object_object_add(o, "waiting", json_object_new_boolean(dev->waiting));
	json_object_object_add(o, "handoff", json_object_new_string(
						     dev->handoff == TAPQD_HANDOFF_NAME ? "name" : "fd"));
	if (dev->handoff == TAPQD_HANDOFF_NAME) {
		json_object *outside = json_object_new_object();
		unsigned int attached, detached;

		outside_counts(dev, &attached, &detached);
		json_object_object_add(outside, "attached", json_object_new_int64(attached));
		json_object_object_add(outside, "detached", json_object_new_int64(detached));
		json_object_object_add(outside, "over_max",
				       json_object_new_int64(outside_over_max(dev, attached + detached)));
		json_object_object_add(o, "outside", outside);
	}
	json_object_object_add(o, "pending", json_string_or_null(pending_name(dev->pending)));
	json_object_object_add(o, "create_error",
			       json_string_or_null(dev->pending == TAPQD_PENDING_CREATE
							   ? strerror((int)dev->create_error)
							   : NULL));
	json_object_object_add(o, "renamed_to", json_string_or_null(kernel_name(dev, ifname)));
	json_object_object_add(o, "follow", json_string_or_null(follow_name(dev->follow)));
	json_object_object_add(o, "vcpus", follows ? json_object_new_int64(dev->vcpus) : NULL);
	json_object_object_add(o, "template",
			       json_string_or_null(dev->created ? dev->template_name : NULL));
	json_object_object_add(o, "created_by", json_creator(dev));
	json_object_object_add(o, "queues", json_queues(dev));
	return o;
}

static void print_text_ring(const struct tapqd_device_info *dev)
{
	char worst[32], budget[32];

	printf("  ring %u packets/queue (worst case %s/queue with 64 KiB GSO packets)",
	       dev->txqueuelen,
	       human_bytes((uint64_t)dev->txqueuelen * GSO_MAX_BYTES, worst, sizeof(worst)));
	if (dev->queue_memory)
		printf(", budget %s", human_bytes(dev->queue_memory, budget, sizeof(budget)));
	if (dev->txqueuelen_pending)
		printf(", %u once released", dev->txqueuelen_pending);
	printf("\n  backend %s  TUNSETQUEUE by tapqd: %" PRIu64 "\n", backend_name(dev->backend),
	       dev->tunsetqueue_calls);
}

static void print_text_device(const struct tapqd_device_info *dev)
{
	char ifname[IF_NAMESIZE];

	printf("%.*s  ifindex %u  queues %u/%u active  ", (int)sizeof(dev->name), dev->name,
	       dev->ifindex, dev->active_queues, dev->max_queues);
	if (dev->handoff == TAPQD_HANDOFF_NAME)
		printf("handed off by name\n");
	else if (dev->leased && !dev->holder_pid)
		printf("leased (%s control; its holder is not shown to you)\n",
		       tapqd_control_name(dev->control));
	else if (dev->leased && dev->holder_comm[0])
		printf("leased by pid %d %s (%s control)\n", dev->holder_pid, dev->holder_comm,
		       tapqd_control_name(dev->control));
	else if (dev->leased)
		printf("leased by pid %d (%s control)\n", dev->holder_pid,
		       tapqd_control_name(dev->control));
	else
		printf("not leased\n");
	if (dev->created) {
		char buf[1024];
		const char *name = user_name(dev->created_by, buf, sizeof(buf));

		printf("  created from template %s by uid %u%s%s%s\n", dev->template_name,
		       (unsigned int)dev->created_by, name ? " (" : "", name ? name : "",
		       name ? ")" : "");
	}
	if (dev->waiting && dev->leased)
		printf("  waiting for its holder to resume with the queue fds (queue states "
		       "unknown)\n");
	else if (dev->waiting)
		printf("  waiting for its interface to go with the fds of its last holder\n");
	if (dev->renamed)
		printf("  renamed to %s outside tapqd: acquire and resize refused until it is "
		       "renamed back\n",
		       kernel_name(dev, ifname));
	if (dev->pending == TAPQD_PENDING_REMOVE)
		printf("  removed from the config: deleted when the lease ends\n");
	else if (dev->pending == TAPQD_PENDING_CREATE)
		printf("  its interface is gone, and creating it again failed (%s): retrying\n",
		       strerror((int)dev->create_error));
	else if (dev->pending == TAPQD_PENDING_RECONFIGURE && dev->handoff == TAPQD_HANDOFF_NAME)
		printf("  config changes wait until no queue is open (then reload)\n");
	else if (dev->pending == TAPQD_PENDING_RECONFIGURE)
		printf("  config changes wait for the end of the lease\n");
	if (dev->follow == TAPQD_FOLLOW_UP)
		printf("  following %u vCPU%s: queue i on the core of vCPU i mod %u\n", dev->vcpus,
		       dev->vcpus == 1 ? "" : "s", dev->vcpus);
	else if (dev->follow == TAPQD_FOLLOW_CONNECTING)
		printf("  following vCPUs: waiting for the QMP monitor\n");
	if (dev->handoff == TAPQD_HANDOFF_NAME) {
		unsigned int attached, detached, over;

		outside_counts(dev, &attached, &detached);
		over = outside_over_max(dev, attached + detached);
		printf("  handed off by name (open it as %.*s): %u queues attached, %u detached, "
		       "held outside tapqd",
		       (int)sizeof(dev->name), dev->name, attached, detached);
		if (over)
			printf(": %u more than max_queues %u (the kernel sets no limit per device; "
			       "they get no core)",
			       over, dev->max_queues);
		printf("; tapqd holds none\n");
	}
	print_text_ring(dev);
	for (unsigned int i = 0; i < dev->n_queues && i < TAPQD_MAX_QUEUES; i++) {
		bool last = (i + 1) % QUEUES_PER_LINE == 0 || i + 1 == dev->n_queues;
		char q[16];

		snprintf(q, sizeof(q), "q%u", i);
		printf("  %-5s%-9s", q, dev->queues[i].active ? "active" : "detached");
		if (dev->queues[i].cpu < 0)
			printf(last ? "cpu -\n" : "cpu -  ");
		else
			printf(last ? "cpu %d\n" : "cpu %-3d", dev->queues[i].cpu);
	}
	if (dev->backend == TAPQD_BACKEND_NONE)
		return;
	for (unsigned int i = 0; i < dev->max_queues && i < TAPQD_MAX_QUEUES; i++) {
		const struct tapqd_queue_info *q = &dev->queues[i];

		if (!q->worker && !q->rx_packets && !q->tx_packets && !q->drops)
			continue;
		printf("  q%-4u %-8s rx %" PRIu64 " pkts %" PRIu64 " B  tx %" PRIu64
		       " pkts %" PRIu64 " B  drops %" PRIu64 "  cpu %.3f s\n",
		       i, q->worker ? "worker" : "idle", q->rx_packets, q->rx_bytes, q->tx_packets,
		       q->tx_bytes, q->drops, (double)q->cpu_ns / 1e9);
	}
}

/* {"not_allowed":0,...}: every reason this tapqctl knows; null from a daemon that says nothing */
static json_object *json_refusals(const struct tapqd_daemon_info *info)
{
	json_object *o;

	if (!info->known)
		return NULL;
	o = json_object_new_object();
	for (unsigned int i = 0; i < TAPQD_REFUSAL_COUNT; i++)
		json_object_object_add(o, tapqd_refusal_name(i),
				       json_object_new_uint64(info->refusals[i]));
	return o;
}

/* One line, only when something was refused: "refused since start: bad_token 2000, ...". */
static void print_text_refusals(const struct tapqd_daemon_info *info)
{
	const char *sep = "refused since tapqd started: ";

	for (unsigned int i = 0; i < TAPQD_REFUSAL_COUNT; i++) {
		if (!info->refusals[i])
			continue;
		printf("%s%s %" PRIu64, sep, tapqd_refusal_name(i), info->refusals[i]);
		sep = ", ";
	}
	if (sep[0] == ',')
		printf("\n");
}

/* --json: the devices as they arrive, into a buffer printed once the whole answer is in. */
struct status_json {
	FILE *f;
	size_t n;
};

static int status_json_device(void *arg, const struct tapqd_device_info *dev)
{
	struct status_json *j = arg;
	json_object *o = json_device(dev);
	const char *s =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s && fprintf(j->f, "%s%s", j->n++ ? "," : "", s) >= 0 ? 0 : -ENOMEM;

	json_object_put(o);
	return r;
}

static int status_text_device(void *arg, const struct tapqd_device_info *dev)
{
	(void)arg;
	print_text_device(dev);
	return 0;
}

/*
 * One device at a time, never an array of them all: at 1000 devices that
 * was 10 MiB allocated and zeroed (room for 256 queues each), and a json-c
 * tree of it all. The JSON is the shape json_print() gives a tree:
 * {"devices":[...],"refusals":{...}[,"config_error":"..."]}.
 */
static int cmd_status(const struct ctl_opts *o)
{
	struct tapqd_daemon_info info;
	char conf_error[TAPQD_ERRMSG_MAX];
	struct status_json j = {0};
	struct tapqd_client *c;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_reload_error(c, conf_error, sizeof(conf_error));
	if (r < 0) {
		r = fail(c, "status: the outcome of the last reload", r);
		tapqd_client_free(c);
		return r;
	}
	if (!o->json) {
		if (conf_error[0])
			printf("config not reloaded, the previous one runs: %s\n", conf_error);
		r = tapqd_client_status_each(c, o->device, status_text_device, NULL, &info);
		if (r == 0)
			print_text_refusals(&info);
	} else {
		j.f = open_memstream(&text, &len);
		r = j.f ? tapqd_client_status_each(c, o->device, status_json_device, &j, &info)
			: -ENOMEM;
		if (j.f && fclose(j.f) != 0 && r == 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		free(text);
		r = fail(c, "status", r);
		tapqd_client_free(c);
		return r;
	}
	if (o->json) {
		json_object *refusals = json_refusals(&info);
		const char *rs = json_object_to_json_string_ext(
			refusals, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		json_object *err = conf_error[0] ? json_object_new_string(conf_error) : NULL;
		const char *es = err ? json_object_to_json_string_ext(err, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE)
				     : NULL;

		if (!rs || (err && !es)) {
			fprintf(stderr, "tapqctl: out of memory\n");
			r = 1;
		} else {
			printf("{\"devices\":[%s],\"refusals\":%s%s%s}\n", text ? text : "", rs,
			       es ? ",\"config_error\":" : "", es ? es : "");
		}
		json_object_put(refusals);
		json_object_put(err);
	}
	free(text);
	tapqd_client_free(c);
	return r;
}

static void print_text_template(const struct tapqd_template_info *t)
{
	printf("%s  names %s  max_queues %u  you created %u", t->name, t->names, t->max_queues,
	       t->created);
	if (t->max_per_user)
		printf(" of max_per_user %u\n", t->max_per_user);
	else
		printf(" (no max_per_user)\n");
}

static json_object *json_template(const struct tapqd_template_info *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "names", json_object_new_string(t->names));
	json_object_object_add(o, "max_queues", json_object_new_int64(t->max_queues));
	json_object_object_add(o, "max_per_user", json_count_or_null(t->max_per_user));
	json_object_object_add(o, "created", json_object_new_int64(t->created));
	return o;
}

/* {"templates":[...]}: those the daemon lets this user create from. */
static int cmd_templates(const struct ctl_opts *o)
{
	struct tapqd_template_info *ts;
	struct tapqd_client *c;
	json_object *top, *list;
	size_t n;
	int r;

	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_templates(c, &ts, &n);
	if (r < 0) {
		r = fail(c, "templates", r);
		tapqd_client_free(c);
		return r;
	}
	tapqd_client_free(c);
	if (!o->json) {
		if (!n)
			printf("no template you may create devices from\n");
		for (size_t i = 0; i < n; i++)
			print_text_template(&ts[i]);
		free(ts);
		return 0;
	}
	top = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, json_template(&ts[i]));
	free(ts);
	json_object_object_add(top, "templates", list);
	return json_print(top);
}

/* metrics and monitor: one connection, the module's work on it, its exit code. */
static int cmd_on_connection(const struct ctl_opts *o, bool monitor)
{
	struct tapqd_client *c;
	int r;

	if (connect_or_fail(o, &c))
		return 1;
	r = monitor ? monitor_run(c, o->device, o->json) : metrics_run(c, o->device);
	tapqd_client_free(c);
	return r;
}

void token_hex(const uint8_t token[TAPQD_TOKEN_LEN], char out[2 * TAPQD_TOKEN_LEN + 1])
{
	for (size_t i = 0; i < TAPQD_TOKEN_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", token[i]);
}

int token_parse(const char *hex, uint8_t token[TAPQD_TOKEN_LEN])
{
	if (strlen(hex) != 2 * TAPQD_TOKEN_LEN)
		return -EINVAL;
	for (size_t i = 0; i < TAPQD_TOKEN_LEN; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		token[i] = (uint8_t)b;
	}
	return 0;
}

/* "3:4:5": QEMU's fds= syntax, and cloud-hypervisor's fd=[...] once commas are put in. */
static char *fds_joined(const int *fds, size_t n)
{
	size_t cap = n * 12 + 1, off = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s%d", i ? ":" : "", fds[i]);
	return s;
}

static void print_lease(const struct tapqd_lease_info *l, bool json)
{
	char tok[2 * TAPQD_TOKEN_LEN + 1];
	char *fds = fds_joined(l->fds, l->n_fds);

	token_hex(l->token, tok);
	if (json) {
		json_object *o = json_object_new_object(), *list = json_object_new_array();

		for (size_t i = 0; i < l->n_fds; i++)
			json_object_array_add(list, json_object_new_int(l->fds[i]));
		json_object_object_add(o, "device", json_object_new_string(l->dev.name));
		json_object_object_add(o, "ifindex", json_object_new_int64(l->dev.ifindex));
		json_object_object_add(o, "mode",
				       json_object_new_string(tapqd_control_name(l->dev.control)));
		json_object_object_add(o, "token", json_object_new_string(tok));
		json_object_object_add(o, "fds", list);
		json_object_object_add(o, "max_queues", json_object_new_int64(l->dev.max_queues));
		json_object_object_add(o, "active_queues",
				       json_object_new_int64(l->dev.active_queues));
		json_object_object_add(o, "vnet_hdr_size",
				       json_object_new_int64(l->dev.vnet_hdr_size));
		json_object_object_add(o, "queues", json_queues(&l->dev));
		json_print(o);
	} else {
		printf("device %.*s ifindex %u mode %s token %s\n", (int)sizeof(l->dev.name),
		       l->dev.name, l->dev.ifindex, tapqd_control_name(l->dev.control), tok);
		printf("fds %s\n", fds ? fds : "?");
		printf("active %u/%u\n", l->dev.active_queues, l->dev.max_queues);
	}
	fflush(stdout);
	free(fds);
}

/*
 * Holds the lease until SIGINT/SIGTERM, or until the daemon says it ended.
 * Return: 0 when interrupted, 1 when the lease was taken away.
 */
/* tapqctl holds fds but reads no queue: any shrink is fine once said. */
static void on_shrink(const char *name, unsigned int active_queues, void *arg)
{
	(void)arg;
	fprintf(stderr, "tapqctl: %s: shrinking to %u queues: acknowledged\n", name,
		active_queues);
}

static int hold_lease(struct tapqd_client *c, const char *device)
{
	struct pollfd pfd[2] = {{.fd = -1, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
	struct signalfd_siginfo si;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pfd[0].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (pfd[0].fd < 0) {
		fprintf(stderr, "tapqctl: signalfd: %s\n", strerror(errno));
		return 1;
	}
	pfd[1].fd = tapqd_client_fd(c);
	tapqd_client_on_shrink(c, on_shrink, NULL);
	for (;;) {
		struct tapqd_event_info ev;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tapqctl: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[0].revents && read(pfd[0].fd, &si, sizeof(si)) == sizeof(si)) {
			close(pfd[0].fd);
			return 0;
		}
		if (!pfd[1].revents)
			continue;
		int r = tapqd_client_next_event(c, 0, &ev);

		if (r == -ETIMEDOUT)
			continue;
		if (r < 0) {
			/* The daemon went away; the fds and so the device stay ours. */
			pfd[1].fd = -1;
			continue;
		}
		if (ev.kind == TAPQD_EVENT_LEASE_ENDED && !strcmp(ev.name, device)) {
			fprintf(stderr, "tapqctl: lease of %s ended by the daemon\n", device);
			close(pfd[0].fd);
			return 1;
		}
		if (ev.kind == TAPQD_EVENT_ACTIVE_CHANGED)
			fprintf(stderr, "tapqctl: %s: %u queues active\n", device,
				ev.active_queues);
	}
	close(pfd[0].fd);
	return 1;
}

static int cmd_acquire(const struct ctl_opts *o)
{
	struct tapqd_lease_info *l = malloc(sizeof(*l));
	struct tapqd_client *c;
	sigset_t mask;
	int r;

	if (!l)
		return fail(NULL, "acquire", -ENOMEM);
	/* Blocked before the lease exists, so that no signal can leave it behind. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (connect_or_fail(o, &c)) {
		free(l);
		return 1;
	}
	r = tapqd_client_acquire(c, o->device, o->control, l);
	if (r < 0) {
		char what[64];

		snprintf(what, sizeof(what), "acquire %s", o->device);
		r = fail(c, what, r);
		goto out;
	}
	print_lease(l, o->json);
	r = hold_lease(c, o->device);
	tapqd_lease_close_fds(l);
	if (r == 0) {
		int rr = tapqd_client_release(c, o->device, NULL);

		if (rr < 0 && rr != -ECONNRESET && rr != -EPIPE)
			r = fail(c, "release", rr);
	}
out:
	tapqd_client_free(c);
	free(l);
	return r;
}

/* Replaces every tag in arg by value; returns arg itself when there is none. */
static char *substitute(char *arg, const char *tag, const char *value)
{
	const size_t tag_len = strlen(tag), value_len = strlen(value);
	const char *p;
	size_t n = 0;
	char *out, *q;

	for (p = strstr(arg, tag); p; p = strstr(p + tag_len, tag))
		n++;
	if (!n)
		return arg;
	out = malloc(strlen(arg) + n * value_len + 1);
	if (!out)
		return NULL;
	for (p = arg, q = out;;) {
		const char *t = strstr(p, tag);
		size_t k = t ? (size_t)(t - p) : strlen(p);

		memcpy(q, p, k);
		q += k;
		if (!t)
			break;
		memcpy(q, value, value_len);
		q += value_len;
		p = t + tag_len;
	}
	*q = '\0';
	return out;
}

static bool args_mention(char **argv, const char *tag)
{
	for (size_t i = 0; argv[i]; i++) {
		if (strstr(argv[i], tag))
			return true;
	}
	return false;
}

/*
 * QEMU's vhostfds= wants one /dev/vhost-net fd per queue, as many as fds=;
 * opening them here lets a QEMU without access to /dev/vhost-net use vhost.
 * Return: 0, or a negative errno with what failed in @what.
 */
static int vhost_open(int *fds, size_t n, char *what, size_t what_size)
{
	for (size_t i = 0; i < n; i++) {
		fds[i] = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
		if (fds[i] < 0) {
			snprintf(what, what_size, "opening /dev/vhost-net for queue %zu", i);
			return -errno;
		}
	}
	return 0;
}

/* The fds the exec'd program is to inherit: close-on-exec cleared on exactly these. */
static int inherit_fds(const int *fds, size_t n, char *what, size_t what_size)
{
	for (size_t i = 0; i < n; i++) {
		if (fcntl(fds[i], F_SETFD, 0) < 0) {
			snprintf(what, what_size, "clearing close-on-exec on fd %d", fds[i]);
			return -errno;
		}
	}
	return 0;
}

/*
 * Puts the queue fds (and, when @VHOSTFDS@ is used, one vhost-net fd per
 * queue) into argv, ready for the exec.
 * Return: 0, or a negative errno with what failed in @what.
 */
static int exec_prepare(const struct tapqd_lease_info *l, char **argv, char *what,
			 size_t what_size)
{
	int vhost[TAPQD_MAX_QUEUES];
	size_t n_vhost = 0;
	char *fds, *vfds = NULL;
	int r;

	if (args_mention(argv, "@VHOSTFDS@")) {
		n_vhost = l->n_fds;
		r = vhost_open(vhost, n_vhost, what, what_size);
		if (r < 0)
			return r;
	}
	snprintf(what, what_size, "exec");
	fds = fds_joined(l->fds, l->n_fds);
	if (!fds)
		return -ENOMEM;
	if (n_vhost) {
		vfds = fds_joined(vhost, n_vhost);
		if (!vfds)
			return -ENOMEM;
	}
	for (size_t i = 0; argv[i]; i++) {
		argv[i] = substitute(argv[i], "@FDS@", fds);
		if (argv[i] && vfds)
			argv[i] = substitute(argv[i], "@VHOSTFDS@", vfds);
		if (!argv[i])
			return -ENOMEM;
	}
	r = inherit_fds(l->fds, l->n_fds, what, what_size);
	if (r == 0)
		r = inherit_fds(vhost, n_vhost, what, what_size);
	return r;
}

static int cmd_exec(const struct ctl_opts *o, char **argv)
{
	struct tapqd_lease_info *l = malloc(sizeof(*l));
	struct tapqd_client *c;
	char what[128];
	int r;

	if (!l)
		return fail(NULL, "exec", -ENOMEM);
	if (connect_or_fail(o, &c)) {
		free(l);
		return 1;
	}
	r = tapqd_client_acquire(c, o->device, TAPQD_CONTROL_CLIENT, l);
	if (r < 0) {
		snprintf(what, sizeof(what), "acquire %s", o->device);
		r = fail(c, what, r);
		tapqd_client_free(c);
		free(l);
		return r;
	}
	/* The connection does not survive the exec; the lease stays with this pid. */
	tapqd_client_free(c);
	r = exec_prepare(l, argv, what, sizeof(what));
	if (r < 0)
		return fail(NULL, what, r);
	execvp(argv[0], argv);
	snprintf(what, sizeof(what), "exec %s", argv[0]);
	fail(NULL, what, -errno);
	/* as the shell does for a command it cannot run */
	return 127;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *ret)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

static int cmd_resize(const struct ctl_opts *o, const char *count)
{
	struct tapqd_client *c;
	unsigned int n;
	int r;

	if (parse_uint(count, TAPQD_MAX_QUEUES, &n) < 0 || n == 0) {
		fprintf(stderr, "tapqctl: resize: \"%s\" is not a queue count (1-%d)\n", count,
			TAPQD_MAX_QUEUES);
		return 1;
	}
	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_resize(c, o->device, n);
	if (r < 0)
		r = fail(c, "resize", r);
	tapqd_client_free(c);
	return r;
}

static int cmd_release(const struct ctl_opts *o)
{
	uint8_t token[TAPQD_TOKEN_LEN];
	struct tapqd_client *c;
	int r;

	if (o->token && token_parse(o->token, token) < 0) {
		fprintf(stderr, "tapqctl: release: the token is %d hex digits\n",
			2 * TAPQD_TOKEN_LEN);
		return 1;
	}
	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_release(c, o->device, o->token ? token : NULL);
	if (r < 0)
		r = fail(c, "release", r);
	tapqd_client_free(c);
	return r;
}

static int cmd_reload(const struct ctl_opts *o)
{
	struct tapqd_client *c;
	int r;

	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_reload(c);
	if (r < 0)
		r = fail(c, "reload refused", r);
	tapqd_client_free(c);
	return r;
}

static int cmd_create(const struct ctl_opts *o)
{
	struct tapqd_client *c;
	unsigned int n = 0;
	int r;

	if (o->queues && (parse_uint(o->queues, TAPQD_MAX_QUEUES, &n) < 0 || n == 0)) {
		fprintf(stderr, "tapqctl: create: --queues \"%s\" is not a queue count (1-%d)\n",
			o->queues, TAPQD_MAX_QUEUES);
		return 1;
	}
	if (strlen(o->template_name) >= TAPQD_TEMPLATE_MAX) {
		fprintf(stderr, "tapqctl: create: a template name has at most %d characters\n",
			TAPQD_TEMPLATE_MAX - 1);
		return 1;
	}
	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_create(c, o->device, o->template_name, n);
	if (r < 0)
		r = fail(c, "create", r);
	tapqd_client_free(c);
	return r;
}

static int cmd_destroy(const struct ctl_opts *o)
{
	struct tapqd_client *c;
	int r;

	if (connect_or_fail(o, &c))
		return 1;
	r = tapqd_client_destroy(c, o->device);
	if (r < 0)
		r = fail(c, "destroy", r);
	tapqd_client_free(c);
	return r;
}

/* Takes the options of the commands that have them, wherever they stand. */
static int parse_opts(int argc, char **argv, struct ctl_opts *o, char **positional, int max_pos)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			if (tapqd_control_parse(argv[++i], &o->control) < 0) {
				fprintf(stderr, "tapqctl: --mode is client or daemon, not \"%s\"\n",
					argv[i]);
				return -1;
			}
		} else if (!strcmp(argv[i], "--template") && i + 1 < argc) {
			o->template_name = argv[++i];
		} else if (!strcmp(argv[i], "--queues") && i + 1 < argc) {
			o->queues = argv[++i];
		} else if (!strcmp(argv[i], "--token") && i + 1 < argc) {
			o->token = argv[++i];
		} else if (!strcmp(argv[i], "--qmp") && i + 1 < argc) {
			o->hp.qmp = argv[++i];
		} else if (!strcmp(argv[i], "--id") && i + 1 < argc) {
			o->hp.id = argv[++i];
		} else if (!strcmp(argv[i], "--mac") && i + 1 < argc) {
			o->hp.mac = argv[++i];
		} else if (!strcmp(argv[i], "--bus") && i + 1 < argc) {
			o->hp.bus = argv[++i];
		} else if (!strcmp(argv[i], "--vhost") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "on") && strcmp(argv[i], "off")) {
				fprintf(stderr, "tapqctl: --vhost is on or off, not \"%s\"\n", argv[i]);
				return -1;
			}
			o->hp.vhost = !strcmp(argv[i], "on");
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "tapqctl: unknown option %s\n", argv[i]);
			return -1;
		} else if (n < max_pos) {
			positional[n++] = argv[i];
		} else {
			fprintf(stderr, "tapqctl: unexpected argument \"%s\"\n", argv[i]);
			return -1;
		}
	}
	return n;
}

/* exec DEVICE [--mode client] -- COMMAND [ARGS...] */
static int parse_exec(int argc, char **argv, struct ctl_opts *o)
{
	int dashes = 1;

	if (argc > 3 && !strcmp(argv[1], "--mode")) {
		if (tapqd_control_parse(argv[2], &o->control) < 0) {
			fprintf(stderr, "tapqctl: --mode is client or daemon, not \"%s\"\n", argv[2]);
			return 1;
		}
		dashes = 3;
	}
	if (dashes + 1 >= argc || strcmp(argv[dashes], "--")) {
		fprintf(stderr, "tapqctl: usage: exec DEVICE [--mode client] -- COMMAND [ARGS...]\n");
		return 1;
	}
	/* The exec'd program (QEMU) speaks no protocol and cannot acknowledge a shrink. */
	if (o->control != TAPQD_CONTROL_CLIENT) {
		fprintf(stderr, "tapqctl: exec: daemon mode is refused: the program it runs "
				"cannot acknowledge a shrink; exec leases are client mode\n");
		return 1;
	}
	o->device = argv[0];
	return cmd_exec(o, argv + dashes + 1);
}

int main(int argc, char **argv)
{
	struct ctl_opts o = {.control = TAPQD_CONTROL_CLIENT};
	char *pos[2] = {NULL, NULL};
	const char *cmd;
	int i = 1, n;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		o.socket = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[i++];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "exec"))
		return parse_exec(argc - i, argv + i, &o);
	n = parse_opts(argc - i, argv + i, &o, pos, 2);
	if (n < 0)
		return 1;
	o.device = pos[0];
	if (!strcmp(cmd, "status") && n <= 1)
		return cmd_status(&o);
	if (!strcmp(cmd, "templates") && n == 0)
		return cmd_templates(&o);
	if (!strcmp(cmd, "metrics") && o.json) {
		fprintf(stderr, "tapqctl: metrics prints Prometheus text only: it has no --json\n");
		return 1;
	}
	if (!strcmp(cmd, "metrics") && n <= 1)
		return cmd_on_connection(&o, false);
	if (!strcmp(cmd, "monitor") && n <= 1)
		return cmd_on_connection(&o, true);
	if (!strcmp(cmd, "acquire") && n == 1)
		return cmd_acquire(&o);
	if (!strcmp(cmd, "resize") && n == 2)
		return cmd_resize(&o, pos[1]);
	if (!strcmp(cmd, "release") && n == 1)
		return cmd_release(&o);
	if (!strcmp(cmd, "reload") && n == 0)
		return cmd_reload(&o);
	if (!strcmp(cmd, "create") && n == 1 && o.template_name)
		return cmd_create(&o);
	if (!strcmp(cmd, "destroy") && n == 1)
		return cmd_destroy(&o);
	if (!strcmp(cmd, "qmp-add") && o.control != TAPQD_CONTROL_CLIENT) {
		fprintf(stderr, "tapqctl: qmp-add: QEMU cannot acknowledge resizes: client mode only\n");
		return 1;
	}
	o.hp.socket = o.socket;
	o.hp.device = o.device;
	o.hp.token = o.token;
	if (!strcmp(cmd, "qmp-add") && n == 1 && o.hp.qmp && o.hp.id && !o.token)
		return hotplug_add(&o.hp);
	if (!strcmp(cmd, "qmp-del") && n == 1 && o.hp.qmp && o.hp.id && !o.hp.mac && !o.hp.bus)
		return hotplug_del(&o.hp);
	usage(stderr);
	return 1;
}
