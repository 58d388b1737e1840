/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"
#include "filter-cache.h"

#define CACHE_MAGIC "rtrbpf1\n"

struct cache_head {
	char magic[8];
	uint32_t key_len;
	uint32_t n_insns;
};

struct build_id {
	const void *p;
	size_t len;
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build_id *id = data;

	(void)size;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr),
			   *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const char *desc = p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + sizeof(*nh), "GNU", 4) == 0 && desc + nh->n_descsz <= end) {
				id->p = desc;
				id->len = nh->n_descsz;
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* only the first object: the program itself */
}

const void *filter_cache_build_id(size_t *ret_len)
{
	static struct build_id id;
	static bool done;

	if (!done) {
		dl_iterate_phdr(find_build_id, &id);
		done = true;
	}
	*ret_len = id.len;
	return id.len > 0 ? id.p : NULL;
}

/* The directory, when it is ours alone: owned by us, 0700, no symlink; @create makes it. */
static int cache_dir(bool create)
{
	int fd;
	struct stat st;

	if (create) {
		(void)mkdir(RTR_RUN_DIR, 0700);
		(void)mkdir(RTR_SECCOMP_CACHE_DIR, 0700);
	}
	fd = open(RTR_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static void entry_name(char *buf, size_t n, uint64_t hash)
{
	snprintf(buf, n, "%016llx.bpf", (unsigned long long)hash);
}

static int read_entry(int fd, const void *key, size_t key_len, struct sock_filter **ret_insns,
		      unsigned short *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	struct cache_head h;
	struct stat st;
	size_t need;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0 || (size_t)st.st_size < sizeof(h))
		return -ENOENT;
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		return -ENOENT;
	memcpy(&h, buf, sizeof(h));
	need = sizeof(h) + (size_t)h.key_len + (size_t)h.n_insns * sizeof(struct sock_filter);
	if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.key_len != key_len || h.n_insns == 0 ||
	    h.n_insns > BPF_MAXINSNS || need != (size_t)st.st_size ||
	    memcmp(buf + sizeof(h), key, key_len) != 0)
		return -ENOENT;
	*ret_insns = malloc((size_t)h.n_insns * sizeof(struct sock_filter));
	if (!*ret_insns)
		return -ENOENT;
	memcpy(*ret_insns, buf + sizeof(h) + key_len,
	       (size_t)h.n_insns * sizeof(struct sock_filter));
	*ret_n = (unsigned short)h.n_insns;
	return 0;
}

int filter_cache_get(const void *key, size_t key_len, uint64_t hash, struct sock_filter **ret_insns,
		     unsigned short *ret_n)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[32];

	dfd = cache_dir(false);
	if (dfd < 0)
		return -ENOENT;
	entry_name(name, sizeof(name), hash);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || read_entry(fd, key, key_len, ret_insns, ret_n) < 0)
		return -ENOENT;
	log_debug("seccomp: compiled filter read from %s/%s", RTR_SECCOMP_CACHE_DIR, name);
	return 0;
}

/* Bounded: a directory that reached RTR_SECCOMP_CACHE_MAX entries is emptied first. */
static void cache_trim(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	unsigned n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	if (n >= RTR_SECCOMP_CACHE_MAX) {
		rewinddir(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				(void)unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

void filter_cache_put(const void *key, size_t key_len, uint64_t hash,
		      const struct sock_filter *insns, unsigned short n)
{
	struct cache_head h = {.magic = CACHE_MAGIC, .key_len = (uint32_t)key_len, .n_insns = n};
	_cleanup_close_ int dfd = cache_dir(true);
	char name[32], tmp[48];
	int fd;
	bool ok;

	if (dfd < 0) {
		log_debug("seccomp: no filter cache at %s: %s", RTR_SECCOMP_CACHE_DIR,
			  strerror(-dfd));
		return;
	}
	cache_trim(dfd);
	entry_name(name, sizeof(name), hash);
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ok = write_all(fd, &h, sizeof(h)) == 0 && write_all(fd, key, key_len) == 0 &&
	     write_all(fd, insns, (size_t)n * sizeof(*insns)) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dfd, tmp, dfd, name) < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return;
	}
	log_debug("seccomp: compiled filter stored in %s/%s", RTR_SECCOMP_CACHE_DIR, name);
}
