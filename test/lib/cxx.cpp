// SPDX-License-Identifier: MIT
/*
 * cxx.cpp - tapqd.h from C++, linked against libtapqd.so: the header's checks
 * hold, a missing socket is an error and a device goes through the wire and back
 */

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "tapqd.h"

static_assert(sizeof(tapqd_wire_device) == 136,
	      "the device header: version 3's 80 bytes, then template and creator, then holder_comm");
static_assert(TAPQD_LEASE_MSG_SIZE(TAPQD_MAX_QUEUES) <= TAPQD_MSG_MAX, "a 256-queue lease fits");

static int fail(const char *what)
{
	std::fprintf(stderr, "cxx: %s\n", what);
	return 1;
}

int main()
{
	tapqd_client *c = nullptr;
	int r = tapqd_client_connect("/nonexistent/tapqd.sock", &c);

	if (r != -ENOENT || c)
		return fail("tapqd_client_connect on a missing socket is not -ENOENT");

	std::unique_ptr<tapqd_device_info> dev(new tapqd_device_info());
	std::unique_ptr<tapqd_device_info> back(new tapqd_device_info());
	std::vector<char> buf(TAPQD_MSG_MAX);

	std::strcpy(dev->name, "tapq0");
	dev->max_queues = dev->n_queues = 4;
	dev->active_queues = 2;
	for (unsigned int i = 0; i < dev->n_queues; i++) {
		dev->queues[i].active = i < 2;
		dev->queues[i].cpu = (int)i;
		dev->queues[i].rx_bytes = 1000u * i;
	}
	ssize_t n = tapqd_device_encode(dev.get(), buf.data(), buf.size());
	if (n != (ssize_t)(TAPQD_DEVICE_MSG_SIZE(4) - sizeof(tapqd_hdr)))
		return fail("a 4-queue device does not encode to its size");
	if (tapqd_device_decode(buf.data(), (size_t)n, back.get()) != 0)
		return fail("a 4-queue device does not decode");
	if (std::strcmp(back->name, "tapq0") || back->n_queues != 4 || back->active_queues != 2 ||
	    back->queues[3].cpu != 3 || back->queues[3].rx_bytes != 3000 || back->queues[4].cpu != -1)
		return fail("a 4-queue device comes back changed");
	std::printf("ok c++: connect to a missing socket: %s; a 4-queue DEVICE is %zd bytes\n",
		    std::strerror(-r), n + (ssize_t)sizeof(tapqd_hdr));
	return 0;
}
