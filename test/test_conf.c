// SPDX-License-Identifier: MIT
/* test_conf.c - unit tests of config/: every key, every error with its line, defaults, files */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "conf_keep.h"
#include "conf.h"
#include "tapqd.h"

#define D "[device t0]\n"

/* Fake user and group databases, so that no test depends on /etc/passwd. */
static const struct {
	const char *name;
	int r;
	uint32_t id;
} test_users[] = {
	{"root", 0, 0}, {"alice", 0, 1000}, {"bob", 0, 1001},
	{"io-error", -EIO, 0}, {"bad-id", 0, 4294967295u},
}, test_groups[] = {
	{"root", 0, 0}, {"staff", 0, 50}, {"kvm", 0, 108}, {"netdev", 0, 109},
	{"io-error", -EIO, 0},
};

static int test_user(const char *name, uid_t *ret)
{
	for (size_t i = 0; i < sizeof(test_users) / sizeof(test_users[0]); i++) {
		if (!strcmp(name, test_users[i].name)) {
			*ret = test_users[i].id;
			return test_users[i].r;
		}
	}
	return -ENOENT;
}

static int test_group(const char *name, gid_t *ret)
{
	for (size_t i = 0; i < sizeof(test_groups) / sizeof(test_groups[0]); i++) {
		if (!strcmp(name, test_groups[i].name)) {
			*ret = test_groups[i].id;
			return test_groups[i].r;
		}
	}
	return -ENOENT;
}

static const struct conf_lookup test_lookup = {test_user, test_group};

static int parse_len(const char *text, size_t len, struct conf *c, struct conf_error *err)
{
	int r = conf_parse_buffer(text, len, "t.conf", &test_lookup, c, err);

	if (r == 0)
		conf_keep(c);
	return r;
}

static void expect_ok(const char *text, struct conf *c)
{
	struct conf_error err;
	int r = parse_len(text, strlen(text), c, &err);

	ck_assert_msg(r == 0, "refused: line %u: %s\n--\n%s", err.line, err.msg, text);
}

static void expect_error_len(const char *text, size_t len, unsigned int line, const char *msg)
{
	struct conf_error err;
	struct conf c;
	int r = parse_len(text, len, &c, &err);

	ck_assert_msg(r == -EINVAL, "accepted (%d)\n--\n%s", r, text);
	ck_assert_msg(!strcmp(err.msg, msg) && err.line == line,
		      "got line %u: %s\nwanted line %u: %s\n--\n%s", err.line, err.msg, line, msg,
		      text);
	ck_assert_str_eq(err.file, "t.conf");
}

static void expect_error(const char *text, unsigned int line, const char *msg)
{
	expect_error_len(text, strlen(text), line, msg);
}

/* One bad config, the line the error must name, and the message. */
static const struct {
	const char *text;
	unsigned int line;
	const char *msg;
} bad[] = {
	/* structure */
	{"max_queues = 4\n", 1, "\"max_queues\": key outside of any section"},
	{"# c\n[tapqd]\nfoo = 1\n", 3, "unknown key \"foo\" in [tapqd]"},
	{"[tapqd]\nmtu = 1500\n", 2, "unknown key \"mtu\" in [tapqd]"},
	{D "socket = /x\n", 2, "unknown key \"socket\" in [device t0]"},
	{D "Max_Queues = 2\n", 2, "unknown key \"Max_Queues\" in [device t0]"},
	{D "max queues = 2\n", 2, "unknown key \"max queues\" in [device t0]"},
	/* templates */
	{"[template]\n", 1, "[template] needs a name, as in [template vm]"},
	{"[template vm]\nmax_queues = 2\n", 1,
	 "[template vm] needs names = GLOB: the names devices created from it may have, as in "
	 "names = vm-*"},
	{"[template vm]\nnames = vm-*\n[template vm]\nnames = x*\n", 3,
	 "duplicate template \"vm\" (first at line 1)"},
	{"[template vm]\nnames = vm-[ab\n", 2,
	 "names: \"vm-[ab\" has a \"[\" that is never closed"},
	{"[template vm]\nnames = vm/*\n", 2,
	 "names: \"vm/*\" has a character no interface name has"},
	{"[template vm]\nnames = vm\\\n", 2, "names: \"vm\\\\\" ends with a lone \"\\\""},
	{"[template vm]\nnames = vm*\nmax_per_user = 0\n", 3,
	 "max_per_user: \"0\" is out of range 1-65536"},
	{"[template vm]\nnames = vm*\nmax_per_user = 65537\n", 3,
	 "max_per_user: \"65537\" is out of range 1-65536"},
	{"[template vm]\nnames = vm*\nmax_per_user = x\n", 3,
	 "max_per_user: \"x\" is not a number"},
	{"[template vm]\nnames = vm*\nfoo = 1\n", 3, "unknown key \"foo\" in [template vm]"},
	{"[template vm]\nnames = vm*\nmac = 52:54:00:12:34:56\n", 3,
	 "mac: not in a template: every device created from the template would have the same "
	 "address"},
	{"[template vm]\nnames = vm*\nhandoff = name\n", 3,
	 "handoff: not in a template: a created device is handed over by fd (ACQUIRE)"},
	{"[template vm]\nnames = vm*\nmax_queues = 300\n", 3,
	 "max_queues: \"300\" is out of range 1-256"},
	{"[template vm]\nnames = vm*\nmax_queues = 2\nactive_queues = 3\n", 4,
	 "active_queues: \"3\" is more than max_queues (2)"},
	{"[template vm]\nnames = vm*\nallow_users = nosuch\n", 3,
	 "allow_users: unknown user \"nosuch\""},
	{"[template vm]\n[tapqd]\nnames = x\n", 3, "unknown key \"names\" in [tapqd]"},
	{D "names = x*\n", 2, "unknown key \"names\" in [device t0]"},
	{"[template a-name-of-32-characters-is-longx]\n", 1,
	 "template name \"a-name-of-32-characters-is-longx\" is too long (at most 31 characters)"},
	{"\n[foo]\n", 2, "unknown section \"foo\" (expected [tapqd], [device NAME] or [template NAME])"},
	{"[Device t0]\n", 1, "unknown section \"Device t0\" (expected [tapqd], [device NAME] or [template NAME])"},
	{"[devicet0]\n", 1, "unknown section \"devicet0\" (expected [tapqd], [device NAME] or [template NAME])"},
	{"[]\n", 1, "unknown section \"\" (expected [tapqd], [device NAME] or [template NAME])"},
	{"[device]\n", 1, "[device] needs a name, as in [device tap0]"},
	{"[device  ]\n", 1, "[device] needs a name, as in [device tap0]"},
	{"[device a b]\n", 1, "device name \"a b\" is not a valid interface name"},
	{"[device 0123456789abcdef]\n", 1,
	 "device name \"0123456789abcdef\" is not a valid interface name"},
	{"[device a/b]\n", 1, "device name \"a/b\" is not a valid interface name"},
	{"[device a:b]\n", 1, "device name \"a:b\" is not a valid interface name"},
	{"[device tap%d]\n", 1, "device name \"tap%d\" is not a valid interface name"},
	{"[device .]\n", 1, "device name \".\" is not a valid interface name"},
	{"[device ..]\n", 1, "device name \"..\" is not a valid interface name"},
	{"[device t\xc3\xa9]\n", 1, "device name \"t\\xc3\\xa9\" is not a valid interface name"},
	{D "[device t1]\n\n[device t0]\n", 4, "duplicate device \"t0\" (first at line 1)"},
	{"[tapqd]\n" D "[tapqd]\n", 3, "duplicate section [tapqd] (first at line 1)"},
	{D "max_queues = 2\nmtu = 1500\nmax_queues = 3\n", 4,
	 "max_queues: duplicate key (first set at line 2)"},
	{"[tapqd]\nlog_level = info\nlog_level = info\n", 3,
	 "log_level: duplicate key (first set at line 2)"},
	{D "mtu =\n", 2, "mtu: missing value"},
	{D "mtu = ; no value\n", 2, "mtu: missing value"},
	{"[tapqd]\nsocket=\n", 2, "socket: missing value"},
	{D "mtu\n", 2, "\"mtu\" is neither \"key = value\" nor \"[section]\""},
	{D "mtu ; = 5\n", 2, "\"mtu ; = 5\" is neither \"key = value\" nor \"[section]\""},
	{"[device t0\n", 1, "section header \"[device t0\" has no \"]\""},
	{"[device t0 ; x]\n", 1, "section header \"[device t0 ; x]\" has no \"]\""},
	{"[device t0] x\n", 1, "unexpected text \"x\" after section header"},
	{"[device t0];x\n", 1, "unexpected text \";x\" after section header"},
	{D "= 5\n", 2, "missing key name before \"5\""},
	{D "mtu = 1500\n  1600\n", 3,
	 "mtu: unexpected continuation line \"1600\" (only lists continue)"},
	{D "mtu = 1500\n  [device t1]\n", 3,
	 "mtu: unexpected continuation line \"[device t1]\" (only lists continue)"},
	{D "foo = 1\nbar = 2\n", 2, "unknown key \"foo\" in [device t0]"},

	/* [tapqd] */
	{"[tapqd]\nsocket = run/tapqd.sock\n", 2,
	 "socket: \"run/tapqd.sock\" is not an absolute path"},
	{"[tapqd]\nsocket = /run/tapqd/\n", 2,
	 "socket: \"/run/tapqd/\" is a directory, not a socket path"},
	{"[tapqd]\nsocket = /0123456789012345678901234567890123456789"
	 "0123456789012345678901234567890123456789012345678901234567890123456789\n", 2,
	 "socket: \"/01234567890123456789012345678901234567890123456...\" is too long "
	 "(at most 107 characters)"},
	{"[tapqd]\nsocket_mode = 0999\n", 2, "socket_mode: \"0999\" is not an octal mode"},
	{"[tapqd]\nsocket_mode = 0x1ff\n", 2, "socket_mode: \"0x1ff\" is not an octal mode"},
	{"[tapqd]\nsocket_mode = -660\n", 2, "socket_mode: \"-660\" is not an octal mode"},
	{"[tapqd]\nsocket_mode = 01000\n", 2, "socket_mode: \"01000\" is out of range 0000-0777"},
	{"[tapqd]\nsocket_mode = 1777\n", 2, "socket_mode: \"1777\" is out of range 0000-0777"},
	{"[tapqd]\nsocket_mode = 7777777777777777777777777\n", 2,
	 "socket_mode: \"7777777777777777777777777\" is out of range 0000-0777"},
	{"[tapqd]\nsocket_group = nogroup\n", 2, "socket_group: unknown group \"nogroup\""},
	{"[tapqd]\nsocket_group = 4294967295\n", 2,
	 "socket_group: \"4294967295\" is out of range 0-4294967294"},
	{"[tapqd]\nsocket_group = 99999999999999999999999\n", 2,
	 "socket_group: \"99999999999999999999999\" is out of range 0-4294967294"},
	{"[tapqd]\nsocket_group = 12ab\n", 2,
	 "socket_group: \"12ab\" is not a group name or number"},
	{"[tapqd]\nsocket_group = io-error\n", 2,
	 "socket_group: looking up group \"io-error\" failed: Input/output error"},
	{"[tapqd]\nlog_level = verbose\n", 2,
	 "log_level: \"verbose\" is not one of err, warning, notice, info, debug"},
	{"[tapqd]\nlog_level = error\n", 2,
	 "log_level: \"error\" is not one of err, warning, notice, info, debug"},

	/* [device] */
	{D "max_queues = 300\n", 2, "max_queues: \"300\" is out of range 1-256"},
	{D "max_queues = 0\n", 2, "max_queues: \"0\" is out of range 1-256"},
	{D "max_queues = 257\n", 2, "max_queues: \"257\" is out of range 1-256"},
	{D "max_queues = 18446744073709551616\n", 2,
	 "max_queues: \"18446744073709551616\" is out of range 1-256"},
	{D "max_queues = -1\n", 2, "max_queues: \"-1\" is not a number"},
	{D "max_queues = +4\n", 2, "max_queues: \"+4\" is not a number"},
	{D "max_queues = 4x\n", 2, "max_queues: \"4x\" is not a number"},
	{D "max_queues = 4 4\n", 2, "max_queues: \"4 4\" is not a number"},
	{D "max_queues = 0x10\n", 2, "max_queues: \"0x10\" is not a number"},
	{D "max_queues = 4;x\n", 2, "max_queues: \"4;x\" is not a number"},
	{D "active_queues = 0\n", 2, "active_queues: \"0\" is out of range 1-256"},
	{D "active_queues = some\n", 2, "active_queues: \"some\" is not a number"},
	{D "max_queues = 4\nactive_queues = 8\n", 3,
	 "active_queues: \"8\" is more than max_queues (4)"},
	{D "active_queues = 8\nmax_queues = 4\n", 2,
	 "active_queues: \"8\" is more than max_queues (4)"},
	{D "active_queues = 2\n", 2, "active_queues: \"2\" is more than max_queues (1)"},
	{D "vnet_hdr = maybe\n", 2, "vnet_hdr: \"maybe\" is not yes or no"},
	{D "vnet_hdr = 2\n", 2, "vnet_hdr: \"2\" is not yes or no"},
	{D "vnet_hdr_size = 11\n", 2, "vnet_hdr_size: \"11\" is not 10 or 12"},
	{D "vnet_hdr_size = 012\n", 2, "vnet_hdr_size: \"012\" is not 10 or 12"},
	{D "vnet_hdr = no\nvnet_hdr_size = 10\n", 3, "vnet_hdr_size: \"10\" needs vnet_hdr = yes"},
	{D "vnet_hdr_size = 12\nvnet_hdr = off\n", 2, "vnet_hdr_size: \"12\" needs vnet_hdr = yes"},
	{D "offloads = tso4\n", 2, "offloads: \"tso4\" needs csum"},
	{D "offloads = tso6, ufo\n", 2, "offloads: \"tso6,ufo\" needs csum"},
	{D "offloads = csum, tso_ecn\n", 2, "offloads: \"tso_ecn\" needs tso4 or tso6"},
	{D "offloads = csum, uso4\n", 2,
	 "offloads: \"uso4\" needs uso6 too (the kernel takes both or neither)"},
	{D "offloads = csum, uso6\n", 2,
	 "offloads: \"uso6\" needs uso4 too (the kernel takes both or neither)"},
	{D "offloads = csum, gso\n", 2,
	 "offloads: unknown offload \"gso\" (one of none, csum, tso4, tso6, tso_ecn, ufo, uso4, "
	 "uso6)"},
	{D "offloads = none, csum\n", 2,
	 "offloads: \"none\" cannot be combined with other offloads"},
	{D "offloads = csum none\n", 2,
	 "offloads: \"none\" cannot be combined with other offloads"},
	{D "offloads = ,\n", 2, "offloads: \",\" has no entries"},
	{D "offloads = csum\nvnet_hdr = no\n", 2, "offloads: \"csum\" needs vnet_hdr = yes"},
	{D "vnet_hdr = false\noffloads = csum,tso4\n", 3,
	 "offloads: \"csum,tso4\" needs vnet_hdr = yes"},
	{D "mtu = 67\n", 2, "mtu: \"67\" is out of range 68-65521"},
	{D "mtu = 65522\n", 2, "mtu: \"65522\" is out of range 68-65521"},
	{D "mtu = 0\n", 2, "mtu: \"0\" is out of range 68-65521"},
	{D "mtu = 1500x\n", 2, "mtu: \"1500x\" is not a number"},
	{D "mac = 01:00:5e:00:00:01\n", 2, "mac: \"01:00:5e:00:00:01\" is a multicast address"},
	{D "mac = ff:ff:ff:ff:ff:ff\n", 2, "mac: \"ff:ff:ff:ff:ff:ff\" is a multicast address"},
	{D "mac = 00:00:00:00:00:00\n", 2, "mac: \"00:00:00:00:00:00\" is the all-zero address"},
	{D "mac = 52:54:00:12:34\n", 2,
	 "mac: \"52:54:00:12:34\" is not a mac address like 52:54:00:12:34:56"},
	{D "mac = 52-54-00-12-34-56\n", 2,
	 "mac: \"52-54-00-12-34-56\" is not a mac address like 52:54:00:12:34:56"},
	{D "mac = 52:54:00:12:34:5g\n", 2,
	 "mac: \"52:54:00:12:34:5g\" is not a mac address like 52:54:00:12:34:56"},
	{D "mac = 52:54:00:12:34:567\n", 2,
	 "mac: \"52:54:00:12:34:567\" is not a mac address like 52:54:00:12:34:56"},
	{D "mac = 5:54:00:12:34:56:\n", 2,
	 "mac: \"5:54:00:12:34:56:\" is not a mac address like 52:54:00:12:34:56"},
	{D "mac = 52:54:00:00:00:01\n[device t1]\nmac = 52:54:00:00:00:01\n", 4,
	 "mac: \"52:54:00:00:00:01\" is already the address of device \"t0\""},
	{D "txqueuelen = 0\n", 2, "txqueuelen: \"0\" is out of range 1-1000000"},
	{D "txqueuelen = 1000001\n", 2, "txqueuelen: \"1000001\" is out of range 1-1000000"},
	{D "bridge = br/0\n", 2, "bridge: \"br/0\" is not a valid interface name"},
	{D "bridge = 0123456789abcdef\n", 2,
	 "bridge: \"0123456789abcdef\" is not a valid interface name"},
	{D "bridge = t0\n", 2, "bridge: \"t0\" is the device itself"},
	{D "owner = nobody-here\n", 2, "owner: unknown user \"nobody-here\""},
	{D "owner = 4294967295\n", 2, "owner: \"4294967295\" is out of range 0-4294967294"},
	{D "owner = io-error\n", 2,
	 "owner: looking up user \"io-error\" failed: Input/output error"},
	{D "owner = bad-id\n", 2, "owner: user \"bad-id\" has the invalid id 4294967295"},
	{D "owner = kvm\n", 2, "owner: unknown user \"kvm\""},
	{D "group = alice\n", 2, "group: unknown group \"alice\""},
	{D "allow_users = alice, nobody-here\n", 2, "allow_users: unknown user \"nobody-here\""},
	{D "allow_users = ,\n", 2, "allow_users: \",\" has no entries"},
	{D "allow_users = alice\n  bob, carol\n", 3, "allow_users: unknown user \"carol\""},
	{D "allow_groups = kvm netdev wheel\n", 2, "allow_groups: unknown group \"wheel\""},
	{D "persist = perhaps\n", 2, "persist: \"perhaps\" is not yes or no"},

	/* messages quote values safely */
	{D "mtu = \"1500\"\n", 2, "mtu: \"\\\"1500\\\"\" is not a number"},
	{D "mtu = a\\b\x01\n", 2, "mtu: \"a\\\\b\\x01\" is not a number"},

	/* placement, workers, budget */
	{"[tapqd]\ncpus = 0-\n", 2, "cpus: \"0-\" is not \"all\" or a list like 0-3,8"},
	{"[tapqd]\ncpus = x\n", 2, "cpus: \"x\" is not \"all\" or a list like 0-3,8"},
	{"[tapqd]\ncpus = 3-1\n", 2, "cpus: \"3-1\": ranges go upwards, CPUs are numbered 0-1023"},
	{"[tapqd]\ncpus = 1024\n", 2, "cpus: \"1024\": ranges go upwards, CPUs are numbered 0-1023"},
	{"[tapqd]\ncpus = 1,,2\n", 2, "cpus: \"1,,2\" has an empty entry"},
	{"[tapqd]\ncpus = 1,\n", 2, "cpus: \"1,\" has an empty entry"},
	{"[tapqd]\ncpus = -1\n", 2, "cpus: \"-1\" is not \"all\" or a list like 0-3,8"},
	{"[tapqd]\nplacement = random\n", 2,
	 "placement: \"random\" is not one of spread, compact, none"},
	{"[tapqd]\nresize_timeout = 0\n", 2, "resize_timeout: \"0\" is out of range 1-20000"},
	{"[tapqd]\nresize_timeout = 20001\n", 2,
	 "resize_timeout: \"20001\" is out of range 1-20000"},
	{"[tapqd]\nclient_output_max = 65535\n", 2,
	 "client_output_max: \"65535\" is out of range 64K-1G"},
	{"[tapqd]\nclient_output_max = 2G\n", 2, "client_output_max: \"2G\" is out of range 64K-1G"},
	{"[tapqd]\nclient_output_max = 1T\n", 2,
	 "client_output_max: \"1T\" is not a size like 65536, 512K, 4M or 1G"},
	{"[tapqd]\nclient_output_max = M\n", 2,
	 "client_output_max: \"M\" is not a size like 65536, 512K, 4M or 1G"},
	{"[tapqd]\nclient_output_max = -1\n", 2,
	 "client_output_max: \"-1\" is not a size like 65536, 512K, 4M or 1G"},
	{D "backend = loop\n", 2, "backend: \"loop\" is not one of none, sink, echo"},

	/* connections */
	{"[tapqd]\nmax_connections = 0\n", 2, "max_connections: \"0\" is out of range 1-65536"},
	{"[tapqd]\nmax_connections = 65537\n", 2,
	 "max_connections: \"65537\" is out of range 1-65536"},
	{"[tapqd]\nmax_connections = many\n", 2, "max_connections: \"many\" is not a number"},
	{"[tapqd]\nmax_connections_per_uid = 0\n", 2,
	 "max_connections_per_uid: \"0\" is out of range 1-65536"},
	{"[tapqd]\nmax_connections_per_uid = -1\n", 2,
	 "max_connections_per_uid: \"-1\" is not a number"},
	{"[tapqd]\nmax_connections_per_uid = 2000\n", 2,
	 "max_connections_per_uid: 2000 is more than max_connections (1024), which caps every "
	 "user together"},
	{"[tapqd]\nmax_connections_per_uid = 20\nmax_connections = 10\n", 3,
	 "max_connections_per_uid: 20 is more than max_connections (10), which caps every user "
	 "together"},
	{"[tapqd]\nhello_timeout = 99\n", 2, "hello_timeout: \"99\" is out of range 100-600000"},
	{"[tapqd]\nhello_timeout = 600001\n", 2,
	 "hello_timeout: \"600001\" is out of range 100-600000"},
	{"[tapqd]\nhello_timeout = 5s\n", 2, "hello_timeout: \"5s\" is not a number"},

	/* handoff: what needs tapqd's own queues makes no sense by name */
	{D "handoff = path\n", 2, "handoff: \"path\" is not fd or name"},
	{D "handoff = name\nbackend = echo\n", 3,
	 "backend = echo needs queues of tapqd's own: not with handoff = name"},
	{D "backend = sink\nhandoff = name\n", 3,
	 "backend = sink needs queues of tapqd's own: not with handoff = name"},
	{D "max_queues = 4\nactive_queues = 2\nhandoff = name\n", 4,
	 "active_queues: the client of a device with handoff = name attaches its queues itself: "
	 "leave it at all"},
	{D "handoff = name\npersist = no\n", 3,
	 "persist = no: a device with handoff = name must outlive tapqd's own fds, which it "
	 "closes once the device is set up"},
	{D "handoff = name\nallow_users = alice\n", 2,
	 "handoff = name: allow_users and allow_groups apply to ACQUIRE, which such a device "
	 "refuses; owner and group say who may open it"},
	{D "queue_memory = 4X\n", 2,
	 "queue_memory: \"4X\" is not a size like 65536, 512K, 4M or 1G"},
	{D "queue_memory = M\n", 2, "queue_memory: \"M\" is not a size like 65536, 512K, 4M or 1G"},
	{D "queue_memory = 1.5M\n", 2,
	 "queue_memory: \"1.5M\" is not a size like 65536, 512K, 4M or 1G"},
	{D "queue_memory = 63K\n", 2, "queue_memory: \"63K\" is out of range 64K-1024G"},
	{D "queue_memory = 1025G\n", 2,
	 "queue_memory: \"1025G\" is not a size like 65536, 512K, 4M or 1G"},
	{D "queue_memory = 4M\nmtu = 1500\ntxqueuelen = 500\n", 4,
	 "txqueuelen and queue_memory both size the queue rings: give one"},
	{D "follow = /run/qemu/vm.qmp\n", 2, "follow: \"/run/qemu/vm.qmp\" is not qmp:PATH"},
	{D "follow = QMP:/run/vm.qmp\n", 2, "follow: \"QMP:/run/vm.qmp\" is not qmp:PATH"},
	{D "follow = qmp:run/vm.qmp\n", 2, "follow: \"run/vm.qmp\" is not an absolute path"},
	{D "follow = qmp:\n", 2, "follow: \"\" is not an absolute path"},
	{D "follow = qmp:/run/qemu/\n", 2,
	 "follow: \"/run/qemu/\" is a directory, not a socket path"},
	{D "follow = qmp:/0123456789012345678901234567890123456789"
	 "0123456789012345678901234567890123456789012345678901234567890123456789\n", 2,
	 "follow: \"/01234567890123456789012345678901234567890123456...\" is too long "
	 "(at most 107 characters)"},
	{D "follow = qmp:/a\nfollow = qmp:/b\n", 3, "follow: duplicate key (first set at line 2)"},
	{D "pin_client_threads = maybe\n", 2, "pin_client_threads: \"maybe\" is not yes or no"},
	{D "mtu = 1500\npin_client_threads = yes\n", 3,
	 "pin_client_threads: needs follow = qmp:PATH"},
	{"[tapqd]\nfollow = qmp:/a\n", 2, "unknown key \"follow\" in [tapqd]"},
	{D "txqueuelen = 500\nqueue_memory = 4M\n", 3,
	 "txqueuelen and queue_memory both size the queue rings: give one"},

	/* of the checks across keys, the one on the earliest line is reported */
	{D "max_queues = 2\noffloads = tso4\nactive_queues = 3\n", 3,
	 "offloads: \"tso4\" needs csum"},
	{D "max_queues = 2\nactive_queues = 3\n[device t1]\noffloads = tso4\n", 3,
	 "active_queues: \"3\" is more than max_queues (2)"},
	/* they run on a whole file: a parse error anywhere comes first */
	{D "offloads = tso4\n[device t1]\nmtu = 1\n", 4, "mtu: \"1\" is out of range 68-65521"},
};

/* Every device key in a template; the glob decides the names, and formatting reads back. */
START_TEST(test_templates)
{
	static const char text[] = "[template vm]\n"
				   "names = vm-[0-9]*\n"
				   "max_queues = 8\n"
				   "active_queues = 2\n"
				   "vnet_hdr_size = 10\n"
				   "offloads = csum tso4\n"
				   "mtu = 9000\n"
				   "queue_memory = 8M\n"
				   "bridge = br0\n"
				   "owner = 1000\n"
				   "group = 100\n"
				   "allow_users = alice, 1001\n"
				   "allow_groups = kvm\n"
				   "persist = yes\n"
				   "backend = echo\n"
				   "max_per_user = 4\n"
				   "[template other]\n"
				   "names = *\n";
	struct conf *c = malloc(sizeof(*c)), *back = malloc(sizeof(*back));
	const struct conf_template *t;
	struct conf_device cd;
	struct conf_error err;
	char buf[4096];
	int n;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(back);
	expect_ok(text, c);
	ck_assert_uint_eq(c->n_devices, 0);
	ck_assert_uint_eq(c->n_templates, 2);
	t = conf_find_template(c, "vm");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(conf_find_template(c, "v"));
	ck_assert_str_eq(t->names, "vm-[0-9]*");
	ck_assert_uint_eq(t->max_per_user, 4);
	ck_assert_uint_eq(conf_find_template(c, "other")->max_per_user, 0);
	ck_assert_uint_eq(t->dev.max_queues, 8);
	ck_assert_uint_eq(t->dev.n_allow_users, 2);
	ck_assert(conf_template_name_matches(t, "vm-1"));
	ck_assert(conf_template_name_matches(t, "vm-9abc"));
	ck_assert(!conf_template_name_matches(t, "vm-a"));
	ck_assert(!conf_template_name_matches(t, "xvm-1"));
	/* the glob never lets through what is no interface name */
	ck_assert(!conf_template_name_matches(conf_find_template(c, "other"), "a b"));
	ck_assert(!conf_template_name_matches(conf_find_template(c, "other"), "a-name-too-long-1"));
	conf_template_device(t, "vm-1", &cd);
	ck_assert_str_eq(cd.name, "vm-1");
	ck_assert_uint_eq(cd.mtu, 9000);
	/* the config of a created device travels as text: it reads back to the same settings */
	n = conf_device_format(&cd, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(conf_parse_buffer(buf, (size_t)n, "state", &test_lookup, back, &err), 0);
	ck_assert_uint_eq(back->n_devices, 1);
	ck_assert_str_eq(back->devices[0].name, "vm-1");
#define SAME(f) ck_assert_msg(back->devices[0].f == cd.f, #f)
	SAME(max_queues); SAME(active_queues); SAME(vnet_hdr); SAME(vnet_hdr_size); SAME(offloads);
	SAME(mtu); SAME(queue_memory); SAME(txqueuelen); SAME(owner); SAME(group); SAME(persist);
	SAME(backend); SAME(n_allow_users); SAME(n_allow_groups);
#undef SAME
	ck_assert_mem_eq(back->devices[0].allow_users, cd.allow_users,
			 cd.n_allow_users * sizeof(uid_t));
	ck_assert_str_eq(back->devices[0].bridge, "br0");
	ck_assert_int_eq(conf_device_format(&cd, buf, 20), -ENOSPC);
	conf_free(back);
	free(c);
	free(back);
}
END_TEST

START_TEST(test_errors)
{
	expect_error(bad[_i].text, bad[_i].line, bad[_i].msg);
}
END_TEST

START_TEST(test_defaults)
{
	const struct conf_device *d;
	struct conf c;

	expect_ok("", &c);
	ck_assert_str_eq(c.socket_path, "/run/tapqd/tapqd.sock");
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert(!c.has_socket_group);
	ck_assert_int_eq(c.log_level, CONF_LOG_INFO);
	ck_assert_uint_eq(c.n_devices, 0);

	expect_ok("# only comments\n; and blanks\n\n   \n", &c);
	ck_assert_uint_eq(c.n_devices, 0);

	expect_ok("[tapqd]\n", &c);
	ck_assert_str_eq(c.socket_path, "/run/tapqd/tapqd.sock");

	/* an empty device section is a device with every default */
	expect_ok("\n[device t0]\n", &c);
	ck_assert_uint_eq(c.n_devices, 1);
	d = &c.devices[0];
	ck_assert_str_eq(d->name, "t0");
	ck_assert_uint_eq(d->line, 2);
	ck_assert_uint_eq(d->max_queues, 1);
	ck_assert_uint_eq(d->active_queues, CONF_ACTIVE_ALL);
	ck_assert(d->vnet_hdr);
	ck_assert_uint_eq(d->vnet_hdr_size, 12);
	ck_assert_uint_eq(d->offloads, 0);
	ck_assert_uint_eq(d->mtu, 0);
	ck_assert(!d->has_mac);
	ck_assert_uint_eq(d->txqueuelen, 0);
	ck_assert_str_eq(d->bridge, "");
	ck_assert(!d->has_owner && !d->has_group);
	ck_assert_uint_eq(d->n_allow_users, 0);
	ck_assert_uint_eq(d->n_allow_groups, 0);
	ck_assert(!d->persist);
	ck_assert_int_eq(d->backend, CONF_BACKEND_NONE);
	ck_assert_int_eq(d->handoff, CONF_HANDOFF_FD);
	ck_assert_uint_eq(d->queue_memory, 4u << 20);
	ck_assert(c.cpus_all);
	ck_assert_int_eq(c.placement, CONF_PLACEMENT_SPREAD);
	ck_assert_uint_eq(c.resize_timeout_ms, 2000);
	ck_assert_uint_eq(c.max_connections, 1024);
	ck_assert_uint_eq(c.max_connections_per_uid, 64);
	ck_assert_uint_eq(c.hello_timeout_ms, 5000);
	ck_assert_uint_eq(c.client_output_max, 1u << 20);
	ck_assert_uint_eq(d->active_queues_line + d->vnet_hdr_size_line + d->offloads_line +
				  d->mac_line + d->bridge_line,
			  0);
}
END_TEST

START_TEST(test_client_output_max)
{
	struct conf c;

	expect_ok("[tapqd]\nclient_output_max = 64K\n", &c);
	ck_assert_uint_eq(c.client_output_max, 65536);
	expect_ok("[tapqd]\nclient_output_max = 1g\n", &c);
	ck_assert_uint_eq(c.client_output_max, 1u << 30);
	expect_ok("[tapqd]\nclient_output_max = 300000\n", &c);
	ck_assert_uint_eq(c.client_output_max, 300000);
	/* the largest message, twice over, fits the smallest bound */
	ck_assert_uint_ge(CONF_CLIENT_OUTPUT_MIN, 2 * TAPQD_MSG_MAX);
}
END_TEST

START_TEST(test_placement_keys)
{
	struct conf c;

	expect_ok("[tapqd]\ncpus = 0-3,8,10-11\nplacement = Compact\nresize_timeout = 1\n", &c);
	ck_assert(!c.cpus_all);
	for (unsigned int cpu = 0; cpu < CONF_CPUS_MAX; cpu++)
		ck_assert_msg(conf_cpu_isset(&c, cpu) == (cpu <= 3 || cpu == 8 || cpu == 10 ||
							  cpu == 11),
			      "cpu %u", cpu);
	ck_assert_int_eq(c.placement, CONF_PLACEMENT_COMPACT);
	ck_assert_uint_eq(c.resize_timeout_ms, 1);
	expect_ok("[tapqd]\ncpus = 1023\nplacement = none\nresize_timeout = 20000\n", &c);
	ck_assert(conf_cpu_isset(&c, 1023) && !conf_cpu_isset(&c, 0) &&
		  !conf_cpu_isset(&c, CONF_CPUS_MAX));
	ck_assert_int_eq(c.placement, CONF_PLACEMENT_NONE);
	expect_ok("[tapqd]\ncpus = ALL\n", &c);
	ck_assert(c.cpus_all);
	expect_ok("[tapqd]\nmax_connections = 1\nmax_connections_per_uid = 1\n"
		  "hello_timeout = 100\n",
		  &c);
	ck_assert_uint_eq(c.max_connections, 1);
	ck_assert_uint_eq(c.max_connections_per_uid, 1);
	ck_assert_uint_eq(c.hello_timeout_ms, 100);
	expect_ok("[tapqd]\nmax_connections = 65536\nmax_connections_per_uid = 65536\n"
		  "hello_timeout = 600000\n",
		  &c);
	ck_assert_uint_eq(c.max_connections, 65536);
	ck_assert_uint_eq(c.max_connections_per_uid, 65536);
	ck_assert_uint_eq(c.hello_timeout_ms, 600000);
	ck_assert_str_eq(conf_placement_name(CONF_PLACEMENT_SPREAD), "spread");
	ck_assert_str_eq(conf_log_level_name(CONF_LOG_NOTICE), "notice");
	ck_assert_ptr_null(conf_log_level_name((enum conf_log_level)0));
	ck_assert_ptr_null(conf_placement_name((enum conf_placement)3));
}
END_TEST

START_TEST(test_worker_budget_keys)
{
	static const struct {
		const char *v;
		uint64_t bytes;
	} sizes[] = {
		{"65536", 65536},	   {"64K", 65536},	      {"512k", 512u << 10},
		{"4M", 4u << 20},	   {"1g", UINT64_C(1) << 30}, {"1024G", UINT64_C(1) << 40},
		{"1099511627776", UINT64_C(1) << 40},
	};
	char text[128];
	struct conf c;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(text, sizeof(text), D "queue_memory = %s\n", sizes[i].v);
		expect_ok(text, &c);
		ck_assert_msg(c.devices[0].queue_memory == sizes[i].bytes, "%s", sizes[i].v);
		ck_assert_uint_eq(c.devices[0].queue_memory_line, 2);
	}
	expect_ok(D "backend = sink\n[device t1]\nbackend = ECHO\n[device t2]\nbackend = none\n",
		  &c);
	ck_assert_int_eq(c.devices[0].backend, CONF_BACKEND_SINK);
	ck_assert_int_eq(c.devices[1].backend, CONF_BACKEND_ECHO);
	ck_assert_int_eq(c.devices[2].backend, CONF_BACKEND_NONE);
	ck_assert_str_eq(conf_backend_name(CONF_BACKEND_ECHO), "echo");
	ck_assert_ptr_null(conf_backend_name((enum conf_backend)3));

	expect_ok(D "handoff = name\nmax_queues = 4\nactive_queues = 4\npersist = yes\n"
		    "owner = alice\n[device t1]\nhandoff = FD\nbackend = echo\n",
		  &c);
	ck_assert_int_eq(c.devices[0].handoff, CONF_HANDOFF_NAME);
	ck_assert_uint_eq(c.devices[0].handoff_line, 2);
	ck_assert_int_eq(c.devices[1].handoff, CONF_HANDOFF_FD);
	ck_assert_str_eq(conf_handoff_name(CONF_HANDOFF_NAME), "name");
	ck_assert_ptr_null(conf_handoff_name((enum conf_handoff)2));
}
END_TEST

START_TEST(test_conf_init)
{
	struct conf c;

	memset(&c, 0xa5, sizeof(c));
	conf_init(&c);
	ck_assert_str_eq(c.socket_path, "/run/tapqd/tapqd.sock");
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert(!c.has_socket_group);
	ck_assert_int_eq(c.log_level, CONF_LOG_INFO);
	ck_assert_uint_eq(c.n_devices, 0);
}
END_TEST

START_TEST(test_tapqd_keys)
{
	static const struct {
		const char *v;
		enum conf_log_level level;
	} levels[] = {
		{"err", CONF_LOG_ERR},	 {"warning", CONF_LOG_WARNING}, {"notice", CONF_LOG_NOTICE},
		{"info", CONF_LOG_INFO}, {"debug", CONF_LOG_DEBUG},	{"DEBUG", CONF_LOG_DEBUG},
	};
	char text[256];
	struct conf c;

	expect_ok("[tapqd]\nsocket = /tmp/t.sock\nsocket_mode = 0600\nsocket_group = kvm\n"
		  "log_level = debug\n",
		  &c);
	ck_assert_str_eq(c.socket_path, "/tmp/t.sock");
	ck_assert_uint_eq(c.socket_mode, 0600);
	ck_assert(c.has_socket_group);
	ck_assert_uint_eq(c.socket_group, 108);
	ck_assert_int_eq(c.log_level, CONF_LOG_DEBUG);

	/* the longest path that fits sun_path with its NUL */
	snprintf(text, sizeof(text), "[tapqd]\nsocket = /%0106d\n", 0);
	expect_ok(text, &c);
	ck_assert_uint_eq(strlen(c.socket_path), 107);
	snprintf(text, sizeof(text), "[tapqd]\nsocket = /%0107d\n", 0);
	expect_error(text, 2,
		     "socket: \"/00000000000000000000000000000000000000000000000...\" is too long "
		     "(at most 107 characters)");

	expect_ok("[tapqd]\nsocket_mode = 660\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0660);
	expect_ok("[tapqd]\nsocket_mode = 0\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0);
	expect_ok("[tapqd]\nsocket_mode = 0777\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0777);
	expect_ok("[tapqd]\nsocket_mode = 00000000000000000000000660\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0660);

	expect_ok("[tapqd]\nsocket_group = 0\n", &c);
	ck_assert(c.has_socket_group);
	ck_assert_uint_eq(c.socket_group, 0);
	expect_ok("[tapqd]\nsocket_group = 4294967294\n", &c);
	ck_assert_uint_eq(c.socket_group, 4294967294u);

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(text, sizeof(text), "[tapqd]\nlog_level = %s\n", levels[i].v);
		expect_ok(text, &c);
		ck_assert_int_eq(c.log_level, levels[i].level);
	}
}
END_TEST

START_TEST(test_queues)
{
	struct conf c;

	expect_ok(D "max_queues = 256\n", &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 256);
	expect_ok(D "max_queues = 1\n", &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 1);
	expect_ok(D "max_queues = 0004\n", &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 4);

	expect_ok(D "max_queues = 8\nactive_queues = all\n", &c);
	ck_assert_uint_eq(c.devices[0].active_queues, CONF_ACTIVE_ALL);
	ck_assert_uint_eq(c.devices[0].active_queues_line, 3);
	expect_ok(D "max_queues = 8\nactive_queues = ALL\n", &c);
	ck_assert_uint_eq(c.devices[0].active_queues, CONF_ACTIVE_ALL);
	expect_ok(D "max_queues = 8\nactive_queues = 8\n", &c);
	ck_assert_uint_eq(c.devices[0].active_queues, 8);
	/* keys come in any order */
	expect_ok(D "active_queues = 3\nmax_queues = 8\n", &c);
	ck_assert_uint_eq(c.devices[0].active_queues, 3);
	ck_assert_uint_eq(c.devices[0].max_queues, 8);
	expect_ok(D "active_queues = 1\n", &c);
	ck_assert_uint_eq(c.devices[0].active_queues, 1);
}
END_TEST

START_TEST(test_booleans)
{
	static const struct {
		const char *v;
		bool b;
	} words[] = {
		{"yes", true},	{"no", false},	 {"true", true}, {"false", false}, {"on", true},
		{"off", false}, {"1", true},	 {"0", false},	 {"YES", true},	   {"No", false},
		{"On", true},	{"FALSE", false},
	};
	char text[128];
	struct conf c;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), D "vnet_hdr = %s\npersist = %s\n", words[i].v,
			 words[i].v);
		expect_ok(text, &c);
		ck_assert_int_eq(c.devices[0].vnet_hdr, words[i].b);
		ck_assert_int_eq(c.devices[0].persist, words[i].b);
	}
}
END_TEST

START_TEST(test_follow_keys)
{
	/* sun_path holds 107 characters and the NUL */
	char path[CONF_PATH_MAX], text[CONF_PATH_MAX + 64];
	struct conf c;

	expect_ok(D, &c);
	ck_assert_str_eq(c.devices[0].follow_qmp, "");
	ck_assert(!c.devices[0].pin_client_threads);
	expect_ok(D "follow = qmp:/run/qemu/vm1.tapqd.sock\n", &c);
	ck_assert_str_eq(c.devices[0].follow_qmp, "/run/qemu/vm1.tapqd.sock");
	ck_assert(!c.devices[0].pin_client_threads);
	expect_ok(D "pin_client_threads = yes\nfollow = qmp:/x\n", &c);
	ck_assert_str_eq(c.devices[0].follow_qmp, "/x");
	ck_assert(c.devices[0].pin_client_threads);
	ck_assert_uint_eq(c.devices[0].pin_client_threads_line, 2);
	expect_ok(D "follow = qmp:/x\npin_client_threads = no\n", &c);
	ck_assert(!c.devices[0].pin_client_threads);
	expect_ok(D "pin_client_threads = no\n", &c);

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), D "follow = qmp:%s\n", path);
	expect_ok(text, &c);
	ck_assert_uint_eq(strlen(c.devices[0].follow_qmp), CONF_PATH_MAX - 1);
}
END_TEST

START_TEST(test_vnet_hdr_size)
{
	struct conf c;

	expect_ok(D "vnet_hdr_size = 10\n", &c);
	ck_assert_uint_eq(c.devices[0].vnet_hdr_size, 10);
	ck_assert_uint_eq(c.devices[0].vnet_hdr_size_line, 2);
	expect_ok(D "vnet_hdr_size = 12\nvnet_hdr = yes\n", &c);
	ck_assert_uint_eq(c.devices[0].vnet_hdr_size, 12);
	/* no vnet header and no size: fine, the default size is unused */
	expect_ok(D "vnet_hdr = no\n", &c);
	ck_assert(!c.devices[0].vnet_hdr);
}
END_TEST

START_TEST(test_offloads)
{
	struct conf c;

	expect_ok(D "offloads = none\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, 0);
	ck_assert_uint_eq(c.devices[0].offloads_line, 2);
	expect_ok(D "offloads = NONE\nvnet_hdr = no\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, 0);
	expect_ok(D "offloads = csum\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, CONF_OFFLOAD_CSUM);
	expect_ok(D "offloads = csum,tso4,tso6,tso_ecn,ufo,uso4,uso6\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, 0x7f);
	expect_ok(D "offloads = CSUM, Tso4 tso6\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads,
			  CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO4 | CONF_OFFLOAD_TSO6);
	expect_ok(D "offloads = csum, tso6, tso_ecn\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads,
			  CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO6 | CONF_OFFLOAD_TSO_ECN);
	expect_ok(D "offloads = csum, ufo\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, CONF_OFFLOAD_CSUM | CONF_OFFLOAD_UFO);
	expect_ok(D "offloads = csum,csum\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, CONF_OFFLOAD_CSUM);
	/* a list continues on indented lines, even after a trailing comma */
	expect_ok(D "offloads = csum,\n\ttso4\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO4);
	/* the kernel's rules hold for the whole list, wherever csum is */
	expect_ok(D "offloads = tso4\n  csum\n", &c);
	ck_assert_uint_eq(c.devices[0].offloads, CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO4);
	expect_error(D "offloads = none\n  csum\n", 3,
		     "offloads: \"none\" cannot be combined with other offloads");
}
END_TEST

START_TEST(test_link_keys)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	struct conf c;

	expect_ok(D "mtu = 68\n", &c);
	ck_assert_uint_eq(c.devices[0].mtu, 68);
	expect_ok(D "mtu = 65521\n", &c);
	ck_assert_uint_eq(c.devices[0].mtu, 65521);
	expect_ok(D "mtu = 9000\n", &c);
	ck_assert_uint_eq(c.devices[0].mtu, 9000);

	expect_ok(D "mac = 52:54:00:AB:cd:Ef\n", &c);
	ck_assert(c.devices[0].has_mac);
	ck_assert_mem_eq(c.devices[0].mac, mac, 6);
	ck_assert_uint_eq(c.devices[0].mac_line, 2);
	/* locally administered unicast is fine */
	expect_ok(D "mac = 02:00:00:00:00:00\n", &c);
	ck_assert(c.devices[0].has_mac);
	/* inih takes "key: value" too, and splits at the first ':' only */
	expect_ok(D "mac: 52:54:00:ab:cd:ef\nmtu: 1500\n", &c);
	ck_assert_mem_eq(c.devices[0].mac, mac, 6);
	ck_assert_uint_eq(c.devices[0].mtu, 1500);

	expect_ok(D "txqueuelen = 1\n", &c);
	ck_assert_uint_eq(c.devices[0].txqueuelen, 1);
	expect_ok(D "txqueuelen = 1000000\n", &c);
	ck_assert_uint_eq(c.devices[0].txqueuelen, 1000000);

	expect_ok(D "bridge = br0\n", &c);
	ck_assert_str_eq(c.devices[0].bridge, "br0");
	ck_assert_uint_eq(c.devices[0].bridge_line, 2);
	expect_ok(D "bridge = 0123456789abcde\n", &c);
	ck_assert_str_eq(c.devices[0].bridge, "0123456789abcde");

	expect_ok(D "persist = yes\n", &c);
	ck_assert(c.devices[0].persist);
}
END_TEST

START_TEST(test_owner_group)
{
	struct conf c;

	expect_ok(D "owner = alice\ngroup = kvm\n", &c);
	ck_assert(c.devices[0].has_owner && c.devices[0].has_group);
	ck_assert_uint_eq(c.devices[0].owner, 1000);
	ck_assert_uint_eq(c.devices[0].group, 108);
	expect_ok(D "owner = 0\ngroup = 0\n", &c);
	ck_assert(c.devices[0].has_owner && c.devices[0].has_group);
	ck_assert_uint_eq(c.devices[0].owner, 0);
	ck_assert_uint_eq(c.devices[0].group, 0);
	expect_ok(D "owner = 4294967294\ngroup = 65534\n", &c);
	ck_assert_uint_eq(c.devices[0].owner, 4294967294u);
	ck_assert_uint_eq(c.devices[0].group, 65534);
	/* numbers need no entry in the user database */
	expect_ok(D "owner = 31337\n", &c);
	ck_assert_uint_eq(c.devices[0].owner, 31337);
}
END_TEST

START_TEST(test_allow_lists)
{
	char text[1024];
	struct conf c;
	size_t o;

	expect_ok(D "allow_users = alice, bob 0\nallow_groups = kvm,netdev\n", &c);
	ck_assert_uint_eq(c.devices[0].n_allow_users, 3);
	ck_assert_uint_eq(c.devices[0].allow_users[0], 1000);
	ck_assert_uint_eq(c.devices[0].allow_users[1], 1001);
	ck_assert_uint_eq(c.devices[0].allow_users[2], 0);
	ck_assert_uint_eq(c.devices[0].n_allow_groups, 2);
	ck_assert_uint_eq(c.devices[0].allow_groups[0], 108);
	ck_assert_uint_eq(c.devices[0].allow_groups[1], 109);

	/* one id named twice takes one entry */
	expect_ok(D "allow_users = alice 1000 alice\n", &c);
	ck_assert_uint_eq(c.devices[0].n_allow_users, 1);

	/* continuation lines, with a blank line and a comment in between */
	expect_ok(D "allow_users = alice,\n    bob ; the second\n\n# more\n    42\nmtu = 1500\n",
		  &c);
	ck_assert_uint_eq(c.devices[0].n_allow_users, 3);
	ck_assert_uint_eq(c.devices[0].allow_users[2], 42);
	ck_assert_uint_eq(c.devices[0].mtu, 1500);

	/* CONF_MAX_ACL entries fit, one more does not */
	o = (size_t)snprintf(text, sizeof(text), D "allow_groups =");
	for (int i = 0; i < CONF_MAX_ACL; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " %d", 2000 + i);
	snprintf(text + o, sizeof(text) - o, "\n");
	expect_ok(text, &c);
	ck_assert_uint_eq(c.devices[0].n_allow_groups, CONF_MAX_ACL);
	snprintf(text + o, sizeof(text) - o, "\n  kvm\n");
	expect_error(text, 3, "allow_groups: too many entries (at most 32)");
	snprintf(text + o, sizeof(text) - o, ",2000\n");
	expect_ok(text, &c);
}
END_TEST

START_TEST(test_syntax)
{
	struct conf c;

	/* comments, inline comments, spacing */
	expect_ok("# top\n; also\n[tapqd] ; global\n  log_level=debug   ; loud\n[ device   t0 ]\n"
		  "\tmax_queues\t=\t4\t\n",
		  &c);
	ck_assert_int_eq(c.log_level, CONF_LOG_DEBUG);
	ck_assert_str_eq(c.devices[0].name, "t0");
	ck_assert_uint_eq(c.devices[0].max_queues, 4);

	/* CRLF line ends and a UTF-8 byte order mark */
	expect_ok("\xef\xbb\xbf[device t0]\r\nmax_queues = 2\r\n\r\n[device t1]\r\n", &c);
	ck_assert_uint_eq(c.n_devices, 2);
	ck_assert_uint_eq(c.devices[0].max_queues, 2);
	ck_assert_uint_eq(c.devices[1].line, 4);

	/* no newline at the end */
	expect_ok(D "max_queues = 3", &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 3);

	/* the same key in two sections, [tapqd] anywhere */
	expect_ok(D "max_queues = 2\n[tapqd]\nlog_level = err\n[device t1]\nmax_queues = 3\n", &c);
	ck_assert_uint_eq(c.n_devices, 2);
	ck_assert_uint_eq(c.devices[0].max_queues, 2);
	ck_assert_uint_eq(c.devices[1].max_queues, 3);
	ck_assert_uint_eq(c.devices[1].line, 5);
	ck_assert_int_eq(c.log_level, CONF_LOG_ERR);

	/* an indented first key of a section is a key, not a continuation */
	expect_ok(D "   max_queues = 5\n", &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 5);

	/* an inline comment needs a space before the ';' */
	expect_ok(D "bridge = br0;x\n", &c);
	ck_assert_str_eq(c.devices[0].bridge, "br0;x");
}
END_TEST

START_TEST(test_long_lines)
{
	char text[600];
	struct conf c;

	/* CONF_LINE_MAX characters are fine, one more is not */
	memset(text, 0, sizeof(text));
	memcpy(text, D "#", 13);
	memset(text + 13, 'x', CONF_LINE_MAX - 1);
	strcat(text, "\nmax_queues = 2\n");
	expect_ok(text, &c);
	ck_assert_uint_eq(c.devices[0].max_queues, 2);

	/* ... even with CRLF */
	memcpy(text + 12 + CONF_LINE_MAX, "\r\nmax_queues = 2\r\n", 19);
	expect_ok(text, &c);

	memcpy(text + 12 + CONF_LINE_MAX, "x\nmax_queues = 2\n", 18);
	expect_error(text, 2, "line is longer than 198 characters");

	/* a long value: the line is refused, not cut */
	memset(text, 0, sizeof(text));
	strcpy(text, D "mtu = 1500\nbridge = ");
	memset(text + strlen(text), 'b', 300);
	strcat(text, "\n");
	expect_error(text, 3, "line is longer than 198 characters");

	/* a line without a newline at the end of the buffer */
	memset(text, 0, sizeof(text));
	strcpy(text, D "#");
	memset(text + strlen(text), 'c', 250);
	expect_error(text, 2, "line is longer than 198 characters");
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char t1[] = D "mtu = 15\0" "00\n";
	static const char t2[] = D "# a comment\0 with a NUL\n";
	static const char t3[] = "\0";
	static const char t4[] = D "mtu = 1500\n\n\0";

	expect_error_len(t1, sizeof(t1) - 1, 2, "line contains a NUL byte");
	expect_error_len(t2, sizeof(t2) - 1, 2, "line contains a NUL byte");
	expect_error_len(t3, sizeof(t3) - 1, 1, "line contains a NUL byte");
	expect_error_len(t4, sizeof(t4) - 1, 4, "line contains a NUL byte");
}
END_TEST

/* No cap on devices: 5000 of them, with addresses; a duplicate anywhere is named. */
START_TEST(test_many_devices)
{
	enum { N = 5000 };
	char *text = malloc(64 * (N + 2));
	struct conf c;
	size_t o = 0;

	ck_assert_ptr_nonnull(text);
	for (int i = 0; i < N; i++)
		o += (size_t)sprintf(text + o, "[device tap%d]\nmac = 52:54:00:00:%02x:%02x\n", i,
				     i >> 8, i & 0xff);
	expect_ok(text, &c);
	ck_assert_uint_eq(c.n_devices, N);
	ck_assert_str_eq(c.devices[N - 1].name, "tap4999");
	ck_assert_uint_eq(c.devices[N - 1].line, 2 * N - 1);
	ck_assert_ptr_eq(conf_find_device(&c, "tap4321"), &c.devices[4321]);
	sprintf(text + o, "# one more\n[device tap17]\n");
	expect_error(text, 2 * N + 2, "duplicate device \"tap17\" (first at line 35)");
	sprintf(text + o, "[device tapx]\nmac = 52:54:00:00:01:00\n");
	expect_error(text, 2 * N + 2,
		     "mac: \"52:54:00:00:01:00\" is already the address of device \"tap256\"");
	free(text);
}
END_TEST

START_TEST(test_find_device)
{
	struct conf c;

	expect_ok(D "max_queues = 2\n[device t1]\nmax_queues = 3\n", &c);
	ck_assert_ptr_eq(conf_find_device(&c, "t0"), &c.devices[0]);
	ck_assert_ptr_eq(conf_find_device(&c, "t1"), &c.devices[1]);
	ck_assert_ptr_null(conf_find_device(&c, "t2"));
	ck_assert_ptr_null(conf_find_device(&c, "t"));
	ck_assert_ptr_null(conf_find_device(&c, ""));
}
END_TEST

/* conf_validate() on its own, with structs no parser made. */
START_TEST(test_validate)
{
	struct conf_error err;
	struct conf c;
	struct conf_device *d;

	expect_ok(D "max_queues = 4\n", &c);
	d = &c.devices[0];
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), 0);

	d->active_queues = 5;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.file, "v.conf");
	ck_assert_uint_eq(err.line, 1); /* no active_queues line: the header */
	ck_assert_str_eq(err.msg, "active_queues: \"5\" is more than max_queues (4)");
	d->active_queues = CONF_ACTIVE_ALL;

	d->max_queues = 0;
	ck_assert_int_eq(conf_validate(&c, NULL, &err), -EINVAL);
	ck_assert_str_eq(err.file, "");
	ck_assert_str_eq(err.msg, "max_queues: \"0\" is out of range 1-256");
	d->max_queues = 4;

	memcpy(d->name, "bad name", 9);
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "device 1 has an invalid name");
	memset(d->name, 'x', sizeof(d->name)); /* unterminated */
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	memcpy(d->name, "t0", 3);

	memcpy(d->follow_qmp, "rel.sock", 9);
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "follow: not an absolute socket path of at most 107 characters");
	memset(d->follow_qmp, '/', sizeof(d->follow_qmp)); /* unterminated */
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	memcpy(d->follow_qmp, "/q.sock", 8);
	d->pin_client_threads = true;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), 0);
	d->follow_qmp[0] = '\0';
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_uint_eq(err.line, 1); /* no pin_client_threads line: the header */
	ck_assert_str_eq(err.msg, "pin_client_threads: needs follow = qmp:PATH");
	d->pin_client_threads = false;

	d->offloads = 0x80;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "offloads: unknown bits 0x80");
	d->offloads = 0;

	d->vnet_hdr_size = 0;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "vnet_hdr_size: \"0\" is not 10 or 12");
	d->vnet_hdr_size = 12;

	d->has_mac = true; /* all zeros */
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "mac: 00:00:00:00:00:00 is not unicast");
	d->has_mac = false;

	d->mtu = 70000;
	d->txqueuelen = 2000000;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "mtu: \"70000\" is out of range 68-65521");
	d->mtu = 0;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "txqueuelen: \"2000000\" is out of range 1-1000000");
	d->txqueuelen = 0;

	d->n_allow_users = CONF_MAX_ACL + 1;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "allow_users: too many entries (at most 32)");
	d->n_allow_users = 0;

	d->has_owner = true;
	d->owner = (uid_t)-1;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "owner: \"4294967295\" is not a valid user id");
	d->has_owner = false;
	d->has_group = true;
	d->group = (gid_t)-1;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "group: \"4294967295\" is not a valid group id");
	d->has_group = false;
	d->n_allow_groups = CONF_MAX_ACL + 1;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "allow_groups: too many entries (at most 32)");
	d->n_allow_groups = 0;
	memcpy(d->bridge, "b:1", 4);
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "bridge: not a valid interface name");
	d->bridge[0] = '\0';

	c.devices[1] = c.devices[0];
	c.devices[1].line = 7;
	c.n_devices = 2;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_uint_eq(err.line, 7);
	ck_assert_str_eq(err.msg, "duplicate device \"t0\" (first at line 1)");
	c.n_devices = 1;

	/* global settings keep no line: errors name the file only */
	c.socket_path[0] = 'r';
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.msg,
			 "socket: not an absolute socket path of at most 107 characters");
	c.socket_path[0] = '/';
	memset(c.socket_path, '/', sizeof(c.socket_path));
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	conf_init(&c);
	c.socket_mode = 01777;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "socket_mode: \"1777\" is out of range 0000-0777");
	conf_init(&c);
	c.has_socket_group = true;
	c.socket_group = (gid_t)-1;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "socket_group: \"4294967295\" is not a valid group id");
	conf_init(&c);
	c.log_level = 9;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "log_level: 9 is not a log level");
	conf_init(&c);
	c.devices = calloc(3, sizeof(*c.devices));
	ck_assert_ptr_nonnull(c.devices);
	c.n_devices = 3;
	for (size_t i = 0; i < 3; i++) {
		snprintf(c.devices[i].name, sizeof(c.devices[i].name), "t%zu", i % 2);
		c.devices[i].max_queues = 1;
		c.devices[i].vnet_hdr_size = 12;
		c.devices[i].line = (unsigned int)i + 1;
	}
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "duplicate device \"t0\" (first at line 1)");
	ck_assert_uint_eq(err.line, 3);
	c.n_devices = 2;
	ck_assert_int_eq(conf_validate(&c, "v.conf", &err), 0);
	conf_free(&c);
}
END_TEST

START_TEST(test_error_redact)
{
	char buf[64];

	conf_error_redact("/etc/t.conf:3: mtu: \"pass=S3CRET\" is not a number", buf, sizeof(buf));
	ck_assert_str_eq(buf, "/etc/t.conf:3: mtu: \"...\" is not a number");
	/* an escaped quote does not end the value, nor does an escaped backslash start one */
	conf_error_redact("k: \"a\\\"b\" and \"c\\\\\" end", buf, sizeof(buf));
	ck_assert_str_eq(buf, "k: \"...\" and \"...\" end");
	conf_error_redact("k: \"unterminated S3CRET", buf, sizeof(buf));
	ck_assert_str_eq(buf, "k: \"...\"");
	conf_error_redact("no quotes: line 4", buf, sizeof(buf));
	ck_assert_str_eq(buf, "no quotes: line 4");
	/* cut short rather than cut inside the mark */
	conf_error_redact("abcdef \"S3CRET\"", buf, 10);
	ck_assert_str_eq(buf, "abcdef ");
	conf_error_redact("abc", buf, 1);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* Whatever text of the file an error cites, the redacted form keeps file and line, not the text. */
static const char *const secret_configs[] = {
	"[tapqd]\nsocket = S3CRET\n",
	"[tapqd]\nsocket_mode = S3CRET\n",
	"[tapqd]\nsocket_group = S3CRET\n",
	"[tapqd]\nlog_level = S3CRET\n",
	"[tapqd]\ncpus = S3CRET\n",
	"[tapqd]\nS3CRET = 1\n",
	"[tapqd]\nS3CRET\n",
	"[tapqd] S3CRET\n",
	"[S3CRET]\n",
	"[tapqd S3CRET\n",
	"S3CRET = 1\n",
	"= S3CRET\n",
	D "max_queues = S3CRET\n",
	D "max_queues = 99999999999999999999S3CRET\n",
	D "mtu = S3CRET\n",
	D "mac = S3CRET\n",
	D "bridge = S3CRET/x\n",
	D "owner = S3CRET\n",
	D "allow_users = alice, S3CRET\n",
	D "allow_groups = S3CRET\n",
	D "offloads = csum S3CRET\n",
	D "vnet_hdr = S3CRET\n",
	D "persist = S3CRET\n",
	D "follow = S3CRET\n",
	D "queue_memory = S3CRET\n",
	D "handoff = S3CRET\n",
	D "allow_users = alice\n  \"S3CRET\n",
	D "mtu = 1500\n  S3CRET\n",
	"[device S3CRET/]\n",
	"[device S3CRET]\n[device S3CRET]\n",
};

START_TEST(test_error_redact_configs)
{
	for (size_t i = 0; i < sizeof(secret_configs) / sizeof(secret_configs[0]); i++) {
		const char *text = secret_configs[i];
		char full[600], hidden[600], prefix[64];
		struct conf_error err;
		struct conf c;

		ck_assert_msg(conf_parse_buffer(text, strlen(text), "/etc/t.conf", &test_lookup, &c,
						&err) != 0,
			      "case %zu: refused", i);
		conf_error_format(&err, full, sizeof(full));
		ck_assert_msg(strstr(full, "S3CRET"), "case %zu: the full error cites the line: %s",
			      i, full);
		conf_error_redact(full, hidden, sizeof(hidden));
		ck_assert_msg(!strstr(hidden, "S3CRET"), "case %zu: %s", i, hidden);
		snprintf(prefix, sizeof(prefix), "/etc/t.conf:%u: ", err.line);
		ck_assert_msg(!strncmp(hidden, prefix, strlen(prefix)), "case %zu: %s", i, hidden);
	}
}
END_TEST

START_TEST(test_error_format)
{
	struct conf_error err = {
		.file = "/etc/tapqd.conf",
		.line = 12,
		.msg = "mtu: missing value",
	};
	char buf[64];

	conf_error_format(&err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/etc/tapqd.conf:12: mtu: missing value");
	err.line = 0;
	conf_error_format(&err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/etc/tapqd.conf: mtu: missing value");
	err.file[0] = '\0';
	conf_error_format(&err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "mtu: missing value");
	err.line = 3;
	conf_error_format(&err, buf, sizeof(buf));
	ck_assert_str_eq(buf, "line 3: mtu: missing value");

	/* too small a buffer: cut, marked, terminated */
	conf_error_format(&err, buf, 12);
	ck_assert_str_eq(buf, "line 3: ...");
	buf[0] = 'x';
	conf_error_format(&err, buf, 0);
	ck_assert_int_eq(buf[0], 'x');

	/* fields without a NUL are read no further than their size */
	memset(err.file, 'f', sizeof(err.file));
	memset(err.msg, 'm', sizeof(err.msg));
	{
		char big[1024];

		conf_error_format(&err, big, sizeof(big));
		ck_assert_uint_eq(strlen(big), sizeof(err.file) + 4 + sizeof(err.msg));
	}
}
END_TEST

START_TEST(test_helpers)
{
	ck_assert(conf_ifname_valid("tap0"));
	ck_assert(conf_ifname_valid("a"));
	ck_assert(conf_ifname_valid("0123456789abcde"));
	ck_assert(conf_ifname_valid("br-lan_1.100"));
	ck_assert(!conf_ifname_valid(""));
	ck_assert(!conf_ifname_valid("0123456789abcdef"));
	ck_assert(!conf_ifname_valid("."));
	ck_assert(!conf_ifname_valid(".."));
	ck_assert(conf_ifname_valid("..."));
	ck_assert(!conf_ifname_valid("a b"));
	ck_assert(!conf_ifname_valid("a\tb"));
	ck_assert(!conf_ifname_valid("a/b"));
	ck_assert(!conf_ifname_valid("a:1"));
	ck_assert(!conf_ifname_valid("tap%d"));
	ck_assert(!conf_ifname_valid("\x7f"));
	ck_assert(!conf_ifname_valid("t\xc3\xa9"));

	ck_assert_str_eq(conf_offload_name(CONF_OFFLOAD_CSUM), "csum");
	ck_assert_str_eq(conf_offload_name(CONF_OFFLOAD_TSO_ECN), "tso_ecn");
	ck_assert_str_eq(conf_offload_name(CONF_OFFLOAD_USO6), "uso6");
	ck_assert_ptr_null(conf_offload_name(0));
	ck_assert_ptr_null(conf_offload_name(0x80));
	ck_assert_ptr_null(conf_offload_name(CONF_OFFLOAD_CSUM | CONF_OFFLOAD_TSO4));
}
END_TEST

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_load_file)
{
	char dir[] = "/tmp/test_conf.XXXXXX", path[64];
	struct conf_error err;
	struct conf c;
	char *big, *text = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));

	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	write_file(path, D "max_queues = 4\n", strlen(D "max_queues = 4\n"));
	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), 0);
	ck_assert_uint_eq(c.devices[0].max_queues, 4);
	conf_free(&c);

	/* the text that loaded, for the state a restart comes up on; none when it does not load */
	ck_assert_int_eq(conf_load_file_text(path, &test_lookup, &c, &err, &text, &len), 0);
	ck_assert_uint_eq(len, strlen(D "max_queues = 4\n"));
	ck_assert_mem_eq(text, D "max_queues = 4\n", len);
	conf_free(&c);
	free(text);
	text = NULL;

	write_file(path, D "max_queues = 400\n", strlen(D "max_queues = 400\n"));
	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), -EINVAL);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_int_eq(conf_load_file_text(path, &test_lookup, &c, &err, &text, &len), -EINVAL);
	ck_assert_ptr_null(text);

	/* 1 MiB is the most tapqd reads */
	big = malloc(1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', 1024 * 1024 + 1);
	memcpy(big, D, strlen(D));
	write_file(path, big, 1024 * 1024);
	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), 0);
	ck_assert_uint_eq(c.n_devices, 1);
	conf_free(&c);
	write_file(path, big, 1024 * 1024 + 1);
	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "file is larger than 1048576 bytes (1 MiB)");
	ck_assert_uint_eq(err.line, 0);
	free(big);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), -ENOENT);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.msg, "cannot open: No such file or directory");

	ck_assert_int_eq(conf_load_file(dir, &test_lookup, &c, &err), -EISDIR);
	ck_assert_str_eq(err.msg, "is a directory, not a regular file");

	/* no writer: a blocking open would wait for one forever */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(conf_load_file(path, &test_lookup, &c, &err), -EINVAL);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.msg, "is a FIFO, not a regular file");
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(conf_load_file("/dev/null", &test_lookup, &c, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "is a character device, not a regular file");

	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_lookup_system)
{
	uid_t uid = 1;
	gid_t gid = 1;

	/* root is the one account every Linux system has */
	ck_assert_int_eq(conf_lookup_system.user("root", &uid), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_int_eq(conf_lookup_system.group("root", &gid), 0);
	ck_assert_uint_eq(gid, 0);
	ck_assert_int_eq(conf_lookup_system.user("tapqd-test-no-such-user", &uid), -ENOENT);
	ck_assert_int_eq(conf_lookup_system.group("tapqd-test-no-such-group", &gid), -ENOENT);
}
END_TEST

static const char *srcdir(void)
{
	const char *s = getenv("TAPQD_SRCDIR");

	return s ? s : ".";
}

START_TEST(test_example)
{
	struct conf_error err;
	char path[4096];
	struct conf c;
	int r;

	snprintf(path, sizeof(path), "%s/tapqd.conf.example", srcdir());
	r = conf_load_file(path, &test_lookup, &c, &err);
	ck_assert_msg(r == 0, "%s:%u: %s", err.file, err.line, err.msg);
	ck_assert_str_eq(c.socket_path, "/run/tapqd/tapqd.sock");
	ck_assert_uint_eq(c.n_devices, 1);
	ck_assert_str_eq(c.devices[0].name, "tapq0");
	ck_assert_uint_eq(c.devices[0].max_queues, 4);
	/* and it leaves everything else at its default */
	ck_assert_uint_eq(c.devices[0].active_queues, CONF_ACTIVE_ALL);
	ck_assert(!c.has_socket_group && !c.devices[0].has_owner && !c.devices[0].has_mac);
	ck_assert_str_eq(c.devices[0].bridge, "");
	conf_free(&c);
}
END_TEST

/* Every file in test/integration/bad-configs is refused at the line its first line names. */
START_TEST(test_bad_configs)
{
	char dirpath[4096], path[4096 + 256], first[128];
	struct conf_error err;
	struct dirent *de;
	unsigned int want;
	struct conf c;
	int n = 0;
	DIR *d;

	snprintf(dirpath, sizeof(dirpath), "%s/test/integration/bad-configs", srcdir());
	d = opendir(dirpath);
	ck_assert_msg(d != NULL, "%s: %s", dirpath, strerror(errno));
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
		ck_assert_int_eq(fclose(f), 0);
		ck_assert_msg(sscanf(first, "# expect-line: %u", &want) == 1, "%s: no expect-line",
			      path);
		ck_assert_msg(conf_load_file(path, &test_lookup, &c, &err) < 0, "%s: accepted",
			      path);
		ck_assert_msg(err.line == want, "%s: error at line %u (%s), wanted %u", path,
			      err.line, err.msg, want);
		n++;
	}
	ck_assert_int_eq(closedir(d), 0);
	ck_assert_int_ge(n, 12);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *parse = tcase_create("parse");
	TCase *api = tcase_create("api");
	TCase *files = tcase_create("files");

	tcase_add_loop_test(parse, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(parse, test_templates);
	tcase_add_test(parse, test_defaults);
	tcase_add_test(parse, test_tapqd_keys);
	tcase_add_test(parse, test_placement_keys);
	tcase_add_test(parse, test_client_output_max);
	tcase_add_test(parse, test_worker_budget_keys);
	tcase_add_test(parse, test_queues);
	tcase_add_test(parse, test_booleans);
	tcase_add_test(parse, test_vnet_hdr_size);
	tcase_add_test(parse, test_follow_keys);
	tcase_add_test(parse, test_offloads);
	tcase_add_test(parse, test_link_keys);
	tcase_add_test(parse, test_owner_group);
	tcase_add_test(parse, test_allow_lists);
	tcase_add_test(parse, test_syntax);
	tcase_add_test(parse, test_long_lines);
	tcase_add_test(parse, test_nul_bytes);
	tcase_add_test(parse, test_many_devices);
	tcase_add_checked_fixture(parse, NULL, conf_keep_free);
	suite_add_tcase(s, parse);

	tcase_add_test(api, test_conf_init);
	tcase_add_test(api, test_find_device);
	tcase_add_test(api, test_validate);
	tcase_add_test(api, test_error_format);
	tcase_add_test(api, test_error_redact);
	tcase_add_test(api, test_error_redact_configs);
	tcase_add_test(api, test_helpers);
	tcase_add_test(api, test_lookup_system);
	tcase_add_checked_fixture(api, NULL, conf_keep_free);
	suite_add_tcase(s, api);

	tcase_add_test(files, test_load_file);
	tcase_add_test(files, test_example);
	tcase_add_test(files, test_bad_configs);
	tcase_add_checked_fixture(files, NULL, conf_keep_free);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return check_run(conf_suite());
}
