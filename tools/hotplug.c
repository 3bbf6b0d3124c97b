// SPDX-License-Identifier: MIT
/*
 * hotplug.c - tapqctl qmp-add and qmp-del: leases a device, puts its queue
 * fds into a running QEMU over QMP (getfd, netdev_add, device_add) and
 * hands the lease to that QEMU; and the reverse. Every step of qmp-add that
 * fails undoes the ones before it, so that QEMU keeps no fd of ours by name
 * and tapqd no lease; every step of qmp-del takes what is already gone as
 * done, so that a qmp-del that stopped half-way can be run again.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holder.h"
#include "hotplug.h"
#include "qmpc.h"

#define HOTPLUG_DELETED_TIMEOUT_MS 10000
#define HOTPLUG_FDNAME_MAX 160

/* One error line, with QEMU's or tapqd's own words. */
static int hotplug_fail(const char *what, const char *why)
{
	fprintf(stderr, "tapqctl: %s: %s\n", what, why);
	return 1;
}

/* The same, with tapqd's words when it gave any. */
static int hotplug_fail_tapqd(const char *what, const struct tapqd_client *c, int r)
{
	return hotplug_fail(what, tapqd_client_error(c)[0] ? tapqd_client_error(c) : strerror(-r));
}

/* Both ends: QEMU's monitor (and QEMU's pid), then tapqd. Return: 0, or 1 once said why. */
static int hotplug_connect(const struct hotplug_opts *o, struct qmpc **ret_q, pid_t *ret_qemu,
			   struct tapqd_client **ret_c)
{
	const char *path = o->socket ? o->socket : TAPQD_DEFAULT_SOCKET;
	char err[256];
	int r = qmpc_open(o->qmp, ret_q, ret_qemu, err, sizeof(err));

	if (r < 0)
		return hotplug_fail(o->qmp, err);
	r = tapqd_client_connect(path, ret_c);
	if (r < 0)
		return hotplug_fail(path, strerror(-r));
	return 0;
}

static void hotplug_fdname(char *buf, size_t size, const char *id, size_t queue)
{
	snprintf(buf, size, "%s-q%zu", id, queue);
}

/* "ID-q0:ID-q1:...": the names getfd gave the queue fds, in queue order. */
static char *hotplug_fdnames(const char *id, size_t n)
{
	size_t cap = n * (strlen(id) + 16) + 1, off = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s%s-q%zu", i ? ":" : "", id, i);
	return s;
}

/*
 * QEMU answered that it has no such netdev (DeviceNotFound) or fd name
 * (GenericError): qmpc_error() has only the words, and neither has a query
 * in QEMU 7.2 to ask instead.
 */
static bool hotplug_not_found(const struct qmpc *q, int r)
{
	return r == -EREMOTEIO && strstr(qmpc_error(q), "not found");
}

/* Best effort while undoing: whatever fails here is said, and the rest still undone. */
static void hotplug_undo(struct qmpc *q, const char *cmd, json_object *args)
{
	if (qmpc_run(q, cmd, args, -1) < 0)
		fprintf(stderr, "tapqctl: undoing: %s: %s\n", cmd, qmpc_error(q));
}

/*
 * Closes the fds QEMU still has by name; netdev_add takes the names it used
 * out of the list. Every name is tried; what fails is said, after `how`.
 * Return: 0, or the last failure.
 */
static int hotplug_closefds(struct qmpc *q, const char *id, size_t n, const char *how)
{
	char name[HOTPLUG_FDNAME_MAX];
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *args = json_object_new_object();
		int r;

		hotplug_fdname(name, sizeof(name), id, i);
		if (!args || json_object_object_add(args, "fdname", json_object_new_string(name)) <
				     0) {
			json_object_put(args);
			fprintf(stderr, "tapqctl: %sclosefd %s: out of memory\n", how, name);
			ret = -ENOMEM;
			continue;
		}
		r = qmpc_run(q, "closefd", args, -1);
		/* a name netdev_add consumed is not found: nothing to close */
		if (r < 0 && !hotplug_not_found(q, r)) {
			fprintf(stderr, "tapqctl: %sclosefd %s: %s\n", how, name, qmpc_error(q));
			ret = r;
		}
	}
	return ret;
}

static json_object *hotplug_id_args(const char *key, const char *id)
{
	json_object *args = json_object_new_object();

	if (args && json_object_object_add(args, key, json_object_new_string(id)) < 0) {
		json_object_put(args);
		return NULL;
	}
	return args;
}

/* netdev_add type tap with every queue fd, by the names getfd gave them. */
static int hotplug_netdev_add(struct qmpc *q, const struct hotplug_opts *o, size_t n)
{
	char *names = hotplug_fdnames(o->id, n);
	json_object *args = json_object_new_object();
	int r = -ENOMEM;

	if (names && args && !json_object_object_add(args, "type", json_object_new_string("tap")) &&
	    !json_object_object_add(args, "id", json_object_new_string(o->id)) &&
	    !json_object_object_add(args, "fds", json_object_new_string(names)) &&
	    !json_object_object_add(args, "vhost", json_object_new_boolean(o->vhost))) {
		r = qmpc_run(q, "netdev_add", args, -1);
		args = NULL;
	}
	json_object_put(args);
	free(names);
	return r;
}

/* virtio-net-pci with N queue pairs: 2N+2 MSI-X vectors, one per virtqueue + config + control. */
static int hotplug_device_add(struct qmpc *q, const struct hotplug_opts *o, size_t n)
{
	json_object *args = json_object_new_object();
	int r = -ENOMEM;

	if (args &&
	    !json_object_object_add(args, "driver", json_object_new_string("virtio-net-pci")) &&
	    !json_object_object_add(args, "netdev", json_object_new_string(o->id)) &&
	    !json_object_object_add(args, "id", json_object_new_string(o->id)) &&
	    !json_object_object_add(args, "mq", json_object_new_boolean(1)) &&
	    !json_object_object_add(args, "vectors", json_object_new_int((int)(2 * n + 2))) &&
	    (!o->mac || !json_object_object_add(args, "mac", json_object_new_string(o->mac))) &&
	    (!o->bus || !json_object_object_add(args, "bus", json_object_new_string(o->bus)))) {
		r = qmpc_run(q, "device_add", args, -1);
		args = NULL;
	}
	json_object_put(args);
	return r;
}

/* device_del, then the DEVICE_DELETED that says QEMU let go of it (the guest must agree). */
static int hotplug_device_del(struct qmpc *q, const char *id)
{
	int r = qmpc_run(q, "device_del", hotplug_id_args("id", id), -1);

	if (r == 0)
		r = qmpc_wait_deleted(q, id, HOTPLUG_DELETED_TIMEOUT_MS);
	return r;
}

/* getfd every queue fd, one per command (QMP takes one fd with each). */
static int hotplug_getfds(struct qmpc *q, const struct hotplug_opts *o,
			  const struct tapqd_lease_info *l, size_t *ret_named)
{
	char name[HOTPLUG_FDNAME_MAX];

	for (*ret_named = 0; *ret_named < l->n_fds; (*ret_named)++) {
		int r;

		hotplug_fdname(name, sizeof(name), o->id, *ret_named);
		r = qmpc_run(q, "getfd", hotplug_id_args("fdname", name), l->fds[*ret_named]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Into QEMU, by name, then used by a netdev and a device: on a failure at
 * any step, what the steps before did is undone. Return: 0 or the step's error.
 */
static int hotplug_plug(struct qmpc *q, const struct hotplug_opts *o,
			const struct tapqd_lease_info *l, const char **ret_step)
{
	size_t named = 0;
	int r;

	*ret_step = "getfd";
	r = hotplug_getfds(q, o, l, &named);
	if (r == 0) {
		*ret_step = "netdev_add";
		r = hotplug_netdev_add(q, o, l->n_fds);
	}
	if (r < 0) {
		/* a getfd that failed still may have named its fd: close that one too */
		hotplug_closefds(q, o->id, named < l->n_fds ? named + 1 : named, "undoing: ");
		return r;
	}
	*ret_step = "device_add";
	r = hotplug_device_add(q, o, l->n_fds);
	if (r < 0)
		hotplug_undo(q, "netdev_del", hotplug_id_args("id", o->id));
	return r;
}

int hotplug_add(const struct hotplug_opts *o)
{
	struct tapqd_lease_info *l = malloc(sizeof(*l));
	char what[300], tok[2 * TAPQD_TOKEN_LEN + 1];
	struct tapqd_client *c = NULL;
	struct qmpc *q = NULL;
	const char *step;
	pid_t qemu = 0;
	int r, rc = 1;

	if (!l)
		return hotplug_fail("qmp-add", strerror(ENOMEM));
	l->n_fds = 0;
	if (hotplug_connect(o, &q, &qemu, &c))
		goto out;
	/* QEMU cannot acknowledge resizes: client mode only */
	r = tapqd_client_acquire(c, o->device, TAPQD_CONTROL_CLIENT, l);
	if (r < 0) {
		snprintf(what, sizeof(what), "acquire %s", o->device);
		hotplug_fail_tapqd(what, c, r);
		goto out;
	}
	r = hotplug_plug(q, o, l, &step);
	if (r < 0) {
		snprintf(what, sizeof(what), "%s %s", step, o->id);
		hotplug_fail(what, qmpc_error(q));
		goto release;
	}
	/* from here the lease lives as long as QEMU, whose copies of the fds these are */
	r = tapqd_client_handover(c, o->device, NULL, qemu);
	if (r < 0) {
		snprintf(what, sizeof(what), "handing %s over to pid %d", o->device, (int)qemu);
		hotplug_fail_tapqd(what, c, r);
		if (hotplug_device_del(q, o->id) < 0)
			fprintf(stderr, "tapqctl: undoing: device_del %s: %s\n", o->id, qmpc_error(q));
		hotplug_undo(q, "netdev_del", hotplug_id_args("id", o->id));
		goto release;
	}
	token_hex(l->token, tok);
	printf("device %.*s id %s qemu pid %d queues %zu token %s\n", (int)sizeof(l->dev.name),
	       l->dev.name, o->id, (int)qemu, l->n_fds, tok);
	rc = 0;
	goto out;
release:
	r = tapqd_client_release(c, o->device, NULL);
	if (r < 0)
		hotplug_fail_tapqd("release", c, r);
out:
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	qmpc_close(q);
	free(l);
	return rc;
}

/*
 * The lease is released only when QEMU at that socket is the one that holds
 * it. Return: 0 with the device's queue count in *ret_n, or 1 once said why.
 */
static int hotplug_holder_check(struct tapqd_client *c, const struct hotplug_opts *o, pid_t qemu,
				size_t *ret_n)
{
	struct tapqd_device_info *dev = NULL;
	char why[200];
	size_t n = 0;
	int r = tapqd_client_status(c, o->device, &dev, &n);

	if (r < 0)
		return hotplug_fail_tapqd(o->device, c, r);
	r = 0;
	if (n != 1 || !dev[0].leased || dev[0].holder_pid != qemu) {
		snprintf(why, sizeof(why), "not leased by QEMU pid %d (holder %d)", (int)qemu,
			 n == 1 && dev[0].leased ? dev[0].holder_pid : 0);
		r = hotplug_fail(o->device, why);
	} else {
		*ret_n = dev[0].max_queues;
	}
	free(dev);
	return r;
}

/*
 * An id QEMU could have given a device: a letter, then letters, digits, '-',
 * '.', '_' (QEMU's id_wellformed). Anything else names no device of QEMU's,
 * and would be read as more of the QOM path hotplug_has_device asks about.
 */
static bool hotplug_id_valid(const char *id)
{
	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		return false;
	for (const char *p = id + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return false;
	return strlen(id) < HOTPLUG_FDNAME_MAX - 16;
}

/*
 * Does QEMU have a device of that id? Asked of QOM, where every device given
 * an id lives until it is deleted, so that no error message has to be read:
 * qom-get answers DeviceNotFound for a path that is not there.
 * Return: 1, 0, or -errno.
 */
static int hotplug_has_device(struct qmpc *q, const char *id)
{
	char path[HOTPLUG_FDNAME_MAX + 32];
	json_object *args;
	int r;

	snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
	args = hotplug_id_args("path", path);
	if (!args || json_object_object_add(args, "property", json_object_new_string("type")) < 0) {
		json_object_put(args);
		return -ENOMEM;
	}
	r = qmpc_run(q, "qom-get", args, -1);
	if (r == -EREMOTEIO)
		return 0;
	return r < 0 ? r : 1;
}

/*
 * device_del and its DEVICE_DELETED, or nothing when QEMU has no such device
 * any more (a guest that agreed after an earlier qmp-del gave up): *ret_gone
 * says which. An unplug still waiting for the guest is not done: QEMU's
 * words say so. Return: 0, or 1 once said why.
 */
static int hotplug_del_device(struct qmpc *q, const char *id, bool *ret_gone)
{
	char what[300], why[256];
	int r = hotplug_device_del(q, id);

	*ret_gone = false;
	snprintf(what, sizeof(what), "device_del %s", id);
	if (r != -EREMOTEIO)
		return r < 0 ? hotplug_fail(what, qmpc_error(q)) : 0;
	/* QEMU refused: whether the device is still there is the question, not why */
	snprintf(why, sizeof(why), "%s", qmpc_error(q));
	r = hotplug_has_device(q, id);
	if (r < 0)
		return hotplug_fail(what, qmpc_error(q)[0] ? qmpc_error(q) : strerror(-r));
	*ret_gone = r == 0;
	return r == 0 ? 0 : hotplug_fail(what, why);
}

int hotplug_del(const struct hotplug_opts *o)
{
	uint8_t token[TAPQD_TOKEN_LEN];
	struct tapqd_client *c = NULL;
	char what[300];
	struct qmpc *q = NULL;
	pid_t qemu = 0;
	size_t n = 0;
	bool gone;
	int r, rc = 1;

	if (o->token && token_parse(o->token, token) < 0)
		return hotplug_fail("--token", "the token is 32 hex digits");
	if (!hotplug_id_valid(o->id))
		return hotplug_fail("--id", "not an id QEMU gives: a letter, then letters, digits, "
					    "'-', '.' or '_'");
	if (hotplug_connect(o, &q, &qemu, &c))
		goto out;
	if (hotplug_holder_check(c, o, qemu, &n))
		goto out;
	/* until DEVICE_DELETED the guest may still use the queues: the lease stays */
	if (hotplug_del_device(q, o->id, &gone))
		goto out;
	if (gone)
		printf("device_del %s: already done: QEMU has no device %s\n", o->id, o->id);
	/* the netdev's end closes QEMU's copies of the queue fds */
	r = qmpc_run(q, "netdev_del", hotplug_id_args("id", o->id), -1);
	if (hotplug_not_found(q, r)) {
		printf("netdev_del %s: already done: QEMU has no netdev %s\n", o->id, o->id);
	} else if (r < 0) {
		snprintf(what, sizeof(what), "netdev_del %s", o->id);
		hotplug_fail(what, qmpc_error(q));
		goto out;
	}
	/* a name getfd gave that no netdev took holds a queue fd too (a hand-made getfd, say) */
	if (hotplug_closefds(q, o->id, n, "") < 0)
		goto out;
	/*
	 * Every step may have found nothing to do because --id is not the id
	 * qmp-add used: the fds would stay in QEMU, unleased. /proc says (when
	 * tapqctl may read QEMU's: root, or QEMU's own user).
	 */
	r = holder_count_tap_fds(qemu, o->device);
	if (r > 0) {
		snprintf(what, sizeof(what),
			 "QEMU pid %d still has %d fds of it (is %s the id qmp-add gave?): the "
			 "lease stays",
			 (int)qemu, r, o->id);
		hotplug_fail(o->device, what);
		goto out;
	}
	if (r < 0)
		fprintf(stderr, "tapqctl: cannot see the fds of QEMU pid %d (%s): releasing on the "
				"word of QMP\n",
			(int)qemu, strerror(-r));
	r = tapqd_client_release(c, o->device, o->token ? token : NULL);
	if (r < 0) {
		hotplug_fail_tapqd("release", c, r);
		goto out;
	}
	rc = 0;
out:
	tapqd_client_free(c);
	qmpc_close(q);
	return rc;
}
