/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i386 probe: sockets through socketcall() and socket(), and two plain syscalls. */
static long sys(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static void out(const char *name, long r)
{
	static const char *const names[] = {[1] = "EPERM", [38] = "ENOSYS", [97] = "EAFNOSUPPORT"};
	char buf[64], digits[12];
	const char *e = r >= 0 ? "ok" : -r < 98 ? names[-r] : 0;
	int n = 0, d = 0;

	while (*name)
		buf[n++] = *name++;
	buf[n++] = '=';
	if (e) {
		while (*e)
			buf[n++] = *e++;
	} else {
		buf[n++] = 'E';
		for (r = -r; r; r /= 10)
			digits[d++] = (char)('0' + r % 10);
		while (d)
			buf[n++] = digits[--d];
	}
	buf[n++] = '\n';
	sys(4 /* write */, 1, (long)buf, n);
}

void _start(void)
{
	long vsock[3] = {40, 1, 0}, alg[3] = {38, 5, 0}, inet[3] = {2, 1, 0};
	int sv[2];
	long pair[4] = {1, 1, 0, (long)sv};

	out("socketcall-vsock", sys(102, 1 /* SYS_SOCKET */, (long)vsock, 0));
	out("socketcall-alg", sys(102, 1, (long)alg, 0));
	out("socketcall-inet", sys(102, 1, (long)inet, 0));
	out("socketcall-socketpair", sys(102, 8 /* SYS_SOCKETPAIR */, (long)pair, 0));
	out("socket-vsock", sys(359, 40, 1, 0));
	out("socket-alg", sys(359, 38, 5, 0));
	out("socket-inet", sys(359, 2, 1, 0));
	out("mseal", sys(462, 0, 0, 0));
	out("keyctl", sys(288, 0, -3, 0));
	sys(1 /* exit */, 0, 0, 0);
}
