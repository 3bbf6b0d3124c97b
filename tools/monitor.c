// SPDX-License-Identifier: MIT
/*
 * monitor.c - tapqctl monitor: every event tapqd sends a subscriber, one
 * line each (text, or a JSON object with --json), flushed as it comes so
 * that a pipe's reader sees it at once
 */

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "monitor.h"

/* The event's key; NULL for a kind this tapqctl does not know (a newer tapqd): skipped. */
static const char *monitor_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[TAPQD_EVENT_ACTIVE_CHANGED] = "active_changed",
		[TAPQD_EVENT_LEASE_ENDED] = "lease_ended",
		[TAPQD_EVENT_DEVICE_REMOVED] = "device_removed",
		[TAPQD_EVENT_SHRINK] = "shrink",
		[TAPQD_EVENT_LEASE_TAKEN] = "lease_taken",
		[TAPQD_EVENT_DEVICE_CREATED] = "device_created",
		[TAPQD_EVENT_DEVICE_RENAMED] = "device_renamed",
		[TAPQD_EVENT_RELOAD_APPLIED] = "reload_applied",
		[TAPQD_EVENT_RELOAD_REFUSED] = "reload_refused",
		[TAPQD_EVENT_VCPUS_CHANGED] = "vcpus_changed",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}

static bool monitor_has_holder(const struct tapqd_event_info *ev)
{
	return ev->kind == TAPQD_EVENT_LEASE_TAKEN || ev->kind == TAPQD_EVENT_LEASE_ENDED ||
	       ev->kind == TAPQD_EVENT_DEVICE_REMOVED;
}

static bool monitor_is_reload(const struct tapqd_event_info *ev)
{
	return ev->kind == TAPQD_EVENT_RELOAD_APPLIED || ev->kind == TAPQD_EVENT_RELOAD_REFUSED;
}

/* "2026-11-29T21:10:13Z": when tapqctl heard it, UTC, as the journal's --utc short-iso. */
static void monitor_time(char *out, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || !gmtime_r(&now, &tm) ||
	    !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "-");
}

/* TIME DEVICE KIND DETAILS: the device "-" for a reload; a pid 0 to whom may not see it. */
static int monitor_text(const char *when, const char *kind, const struct tapqd_event_info *ev)
{
	printf("%s %s %s", when, monitor_is_reload(ev) ? "-" : ev->name, kind);
	if (monitor_has_holder(ev) && ev->pid && ev->comm[0])
		printf(" pid %d %s", (int)ev->pid, ev->comm);
	else if (monitor_has_holder(ev) && ev->pid)
		printf(" pid %d", (int)ev->pid);
	else if (ev->kind != TAPQD_EVENT_DEVICE_REMOVED && monitor_has_holder(ev))
		printf(" (its holder is not shown to you)");
	if (ev->kind == TAPQD_EVENT_DEVICE_RENAMED)
		printf(ev->new_name[0] ? " to %s" : " back", ev->new_name);
	if (ev->kind == TAPQD_EVENT_VCPUS_CHANGED)
		printf(" vcpus %u", ev->vcpus);
	if (!monitor_is_reload(ev) && ev->kind != TAPQD_EVENT_VCPUS_CHANGED)
		printf(" active %u", ev->active_queues);
	return printf("\n") < 0 ? -EIO : 0;
}

/* Every key always there, null where the event says nothing (as status --json). */
static int monitor_json(const char *when, const char *kind, const struct tapqd_event_info *ev)
{
	json_object *o = json_object_new_object();
	bool holder = monitor_has_holder(ev) && ev->pid;
	const char *s;
	int r;

	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "event", json_object_new_string(kind));
	json_object_object_add(o, "device",
			       monitor_is_reload(ev) ? NULL : json_object_new_string(ev->name));
	json_object_object_add(o, "pid", holder ? json_object_new_int(ev->pid) : NULL);
	json_object_object_add(o, "comm",
			       holder && ev->comm[0] ? json_object_new_string(ev->comm) : NULL);
	json_object_object_add(o, "active_queues",
			       monitor_is_reload(ev) ? NULL
						     : json_object_new_int64(ev->active_queues));
	json_object_object_add(o, "renamed_to",
			       ev->kind == TAPQD_EVENT_DEVICE_RENAMED && ev->new_name[0]
				       ? json_object_new_string(ev->new_name)
				       : NULL);
	json_object_object_add(o, "vcpus", ev->kind == TAPQD_EVENT_VCPUS_CHANGED
						   ? json_object_new_int64(ev->vcpus)
						   : NULL);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	r = s && printf("%s\n", s) >= 0 ? 0 : -EIO;
	json_object_put(o);
	return r;
}

static int monitor_device_seen(void *arg, const struct tapqd_device_info *dev)
{
	(void)dev;
	*(bool *)arg = true;
	return 0;
}

/*
 * A name with no device yet is watched all the same (a VM's device made by
 * CREATE later), but said once, so that a misspelt name does not look like a
 * quiet device.
 */
static void monitor_say_absent(struct tapqd_client *c, const char *device)
{
	bool seen = false;
	int r = tapqd_client_status_each(c, device, monitor_device_seen, &seen, NULL);

	if (r == -ENOENT || (r == 0 && !seen))
		fprintf(stderr, "tapqctl: monitor: no device %s now; watching for one by that name\n",
			device);
}

int monitor_run(struct tapqd_client *c, const char *device, bool json)
{
	struct tapqd_event_info ev;
	int r;

	if (device)
		monitor_say_absent(c, device);
	r = tapqd_client_subscribe(c, device);

	while (r == 0) {
		const char *kind;
		char when[32];

		r = tapqd_client_next_event(c, -1, &ev);
		kind = r == 0 ? monitor_kind_name(ev.kind) : NULL;
		if (!kind)
			continue;
		monitor_time(when, sizeof(when));
		r = json ? monitor_json(when, kind, &ev) : monitor_text(when, kind, &ev);
		if (r == 0 && fflush(stdout) != 0)
			r = -errno;
	}
	fprintf(stderr, "tapqctl: monitor: %s\n",
		tapqd_client_error(c)[0] ? tapqd_client_error(c) : strerror(-r));
	return 1;
}
