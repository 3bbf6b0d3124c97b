/* SPDX-License-Identifier: MIT */
/* status.h - what STATUS and LEASE say of a device: read from the model, never changing it */
#ifndef TAPQD_STATUS_H
#define TAPQD_STATUS_H

#include "daemon.h"

/*
 * The wire description of dev. Read-only: the model as it is, and for a
 * device handed off by name the kernel's count of the queues open outside
 * tapqd (rtnetlink), which tapqd cannot otherwise know.
 */
void status_device_info(struct tapqd *d, const struct device *dev,
			struct tapqd_device_info *info);

/*
 * What a peer that may not use the device sees of it: its name, its
 * queues and whether it is leased, not who holds it, how much traffic its
 * queues carried, nor the QEMU it follows. Pure: info in, info out.
 */
void status_redact(struct tapqd_device_info *info);

#endif
