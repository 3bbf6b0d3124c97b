/* SPDX-License-Identifier: MIT */
/* qmpc.h - a blocking QMP client for tapqctl: one monitor connection, commands, events */
#ifndef TAPQCTL_QMPC_H
#define TAPQCTL_QMPC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

struct qmpc;

/*
 * Connects to a QMP socket, reads the greeting and leaves capabilities
 * negotiation: ready for commands. *ret_pid is the QEMU process at the other
 * end (SO_PEERCRED). Return: 0 or -errno, with what went wrong in err.
 */
int qmpc_open(const char *path, struct qmpc **ret, pid_t *ret_pid, char *err, size_t err_size);
void qmpc_close(struct qmpc *q);

/*
 * Runs one command with args (taken; NULL for none), passing fd along with
 * it (SCM_RIGHTS) when fd >= 0, and waits (bounded) for its return, skipping
 * events. Return: 0, -EREMOTEIO when QEMU answered with an error, or -errno;
 * qmpc_error() has QEMU's words or ours.
 */
int qmpc_run(struct qmpc *q, const char *cmd, json_object *args, int fd);
const char *qmpc_error(const struct qmpc *q);

/*
 * Waits up to timeout_ms for DEVICE_DELETED of device id, including one that
 * came while a command was awaited. Return: 0 or -ETIMEDOUT (or -errno).
 */
int qmpc_wait_deleted(struct qmpc *q, const char *id, int timeout_ms);

#endif
