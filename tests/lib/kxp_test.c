// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the kvm_xsave_probe tests. Everything goes through the real
 * /dev/kvm of the test VM; nothing here fakes what KVM or the module do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kxp_test.h"

int kxp_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int kxp_vm_create(struct kxp_vm *vm)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return -errno;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		close(vm->kvm_fd);
		return -errno;
	}
	snprintf(vm->name, sizeof(vm->name), "%d-%d", getpid(), vm->vm_fd);
	return 0;
}

void kxp_vm_destroy(struct kxp_vm *vm)
{
	close(vm->vm_fd);
	close(vm->kvm_fd);
}

int kxp_vcpu_create(struct kxp_vm *vm, struct kxp_vcpu *vcpu, int id)
{
	int size;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return -errno;
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -EINVAL;
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		return -errno;
	snprintf(vcpu->dir, sizeof(vcpu->dir), "%s/%s/vcpu%d", KXP_DEBUGFS,
		 vm->name, id);
	return 0;
}

void kxp_vcpu_destroy(struct kxp_vcpu *vcpu)
{
	if (vcpu->run && vcpu->run != MAP_FAILED)
		munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
}

int kxp_set_cpuid_xcr0(struct kxp_vcpu *vcpu, uint64_t add_xcr0,
		       uint64_t drop_xcr0)
{
	const int max = 256;
	struct kvm_cpuid2 *cpuid;
	unsigned int i;
	int r;

	cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = max;
	r = kxp_ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	for (i = 0; !r && i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 0xd && e->index == 0) {
			e->eax = (e->eax | (uint32_t)add_xcr0) &
				 ~(uint32_t)drop_xcr0;
			e->edx = (e->edx | (uint32_t)(add_xcr0 >> 32)) &
				 ~(uint32_t)(drop_xcr0 >> 32);
		}
		/* Keep the feature flags consistent with leaf 0xD. */
		if (e->function == 1 && (drop_xcr0 & X_YMM))
			e->ecx &= ~(1u << 28);		/* AVX */
		if (e->function == 7 && e->index == 0 &&
		    (drop_xcr0 & X_PKRU))
			e->ecx &= ~(1u << 3);		/* PKU */
	}
	if (!r)
		r = kxp_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return r;
}

int kxp_set_cpuid(struct kxp_vcpu *vcpu, uint64_t drop_xcr0)
{
	return kxp_set_cpuid_xcr0(vcpu, 0, drop_xcr0);
}

uint64_t kxp_supported_xcr0(struct kxp_vm *vm)
{
	const int max = 256;
	struct kvm_cpuid2 *cpuid;
	uint64_t xcr0 = 0;
	unsigned int i;

	cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return 0;
	cpuid->nent = max;
	if (!kxp_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		for (i = 0; i < cpuid->nent; i++)
			if (cpuid->entries[i].function == 0xd &&
			    cpuid->entries[i].index == 0)
				xcr0 = cpuid->entries[i].eax |
				       (uint64_t)cpuid->entries[i].edx << 32;
	free(cpuid);
	return xcr0;
}

int kxp_run_hlt(struct kxp_vcpu *vcpu)
{
	static const uint8_t code[] = { 0xf4 };	/* hlt */
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0x10000,
		.memory_size = 0x1000,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	void *mem;

	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	memcpy(mem, code, sizeof(code));
	region.userspace_addr = (uintptr_t)mem;
	if (kxp_ioctl(vcpu->vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		return -1;
	/* Real mode, CS base at our page: the guest is one HLT. */
	if (kxp_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base = 0x10000;
	sregs.cs.selector = 0x1000;
	if (kxp_ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) ||
	    kxp_ioctl(vcpu->fd, KVM_SET_REGS, &regs) ||
	    kxp_ioctl(vcpu->fd, KVM_RUN, NULL))
		return -1;
	return vcpu->run->exit_reason;
}

uint64_t *kxp_xstate_bv(uint8_t *buf)
{
	return (uint64_t *)(buf + 512);
}

void kxp_xsave_fill(uint8_t *buf, uint64_t bv)
{
	uint32_t mxcsr = 0x1f80;	/* the reset value */
	unsigned int i;

	memset(buf, 0, KXP_XSAVE_SIZE);
	memcpy(buf + 24, &mxcsr, sizeof(mxcsr));
	/* XMM registers and the YMM upper halves get a recognisable pattern. */
	for (i = 160; i < 416; i++)
		buf[i] = (uint8_t)i;
	for (i = 576; i < 576 + 256; i++)
		buf[i] = (uint8_t)(i * 7);
	*kxp_xstate_bv(buf) = bv;
}

int kxp_set_xsave(struct kxp_vcpu *vcpu, const void *buf)
{
	return kxp_ioctl(vcpu->fd, KVM_SET_XSAVE, (void *)buf);
}

int kxp_get_xsave(struct kxp_vcpu *vcpu, void *buf, bool xsave2)
{
	return kxp_ioctl(vcpu->fd, xsave2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE,
			 buf);
}

int kxp_set_xcr0(struct kxp_vcpu *vcpu, uint64_t xcr0)
{
	struct kvm_xcrs xcrs = {
		.nr_xcrs = 1,
		.xcrs[0] = { .xcr = 0, .value = xcr0 },
	};

	return kxp_ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
}

int kxp_read_file(const char *path, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off + 1 < len) {
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		off += n;
	}
	buf[off] = '\0';
	close(fd);
	return off;
}

void kxp_vm_summary_path(const struct kxp_vm *vm, char *path, size_t len)
{
	snprintf(path, len, "%s/%s/summary", KXP_DEBUGFS, vm->name);
}

/*
 * @vcpu's block in its VM's summary: from its "vm:" line to the blank
 * line before the next one. Returns a pointer into @buf, or NULL.
 */
static char *vcpu_block(struct kxp_vcpu *vcpu, char *buf, size_t len)
{
	char path[512], want[32], *p, *end;
	int n;

	kxp_vm_summary_path(vcpu->vm, path, sizeof(path));
	n = kxp_read_file(path, buf, len);
	if (n < 0)
		return NULL;
	snprintf(want, sizeof(want), "\nvcpu: %d\n", vcpu->id);
	for (p = buf; p && *p; p = end ? end + 2 : NULL) {
		end = strstr(p, "\n\n");
		if (end)
			end[1] = '\0';
		if (strstr(p, want))
			return p;
	}
	return NULL;
}

int kxp_vcpu_str(struct kxp_vcpu *vcpu, const char *key, char *out,
		 size_t len)
{
	static char buf[1 << 20];
	char *block = vcpu_block(vcpu, buf, sizeof(buf)), *line;
	size_t klen = strlen(key);

	if (!block)
		return -ENOENT;
	if (!strcmp(key, "summary")) {
		snprintf(out, len, "%s", block);
		return 0;
	}
	for (line = strtok(block, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, key, klen) && line[klen] == ':' &&
		    line[klen + 1] == ' ') {
			snprintf(out, len, "%s", line + klen + 2);
			out[strcspn(out, " ")] = '\0';
			return 0;
		}
	return -ENOENT;
}

uint64_t kxp_vcpu_u64(struct kxp_vcpu *vcpu, const char *key)
{
	char buf[64];

	if (kxp_vcpu_str(vcpu, key, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

#define KXP_PARAM_VCPU_FILES "/sys/module/kvm_xsave_probe/parameters/vcpu_files"

static int vcpu_files_param(void)
{
	char buf[8];

	if (kxp_read_file(KXP_PARAM_VCPU_FILES, buf, sizeof(buf)) < 1)
		return -ENOENT;
	return buf[0] == 'Y' || buf[0] == '1';
}

int kxp_set_vcpu_files(bool on)
{
	int old = vcpu_files_param(), r;

	if (old < 0)
		return old;
	r = kxp_write_file(KXP_PARAM_VCPU_FILES, on ? "1" : "0");
	return r ? r : old;
}

uint64_t kxp_key_u64(const char *file, const char *key)
{
	static char buf[1 << 16];
	char path[256], *line;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", KXP_DEBUGFS, file);
	if (kxp_read_file(path, buf, sizeof(buf)) < 0)
		return ~0ULL;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return strtoull(line + klen + 1, NULL, 0);
	return ~0ULL;
}

int kxp_trait(const char *name)
{
	static char buf[1 << 16];
	char path[256], key[64], *line;
	size_t klen;

	snprintf(path, sizeof(path), "%s/info", KXP_DEBUGFS);
	klen = snprintf(key, sizeof(key), "trait.%s:", name);
	if (kxp_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, key, klen))
			return !strcmp(line + klen + strspn(line + klen, " "),
				       "yes");
	return -1;
}

static void kxp_copy_val(char *dst, size_t len, const char *val, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, val, n);
	dst[n] = '\0';
}

int kxp_parse_event(const char *line, struct kxp_ev *ev)
{
	const char *p = line;
	int seen = 0;

	memset(ev, 0, sizeof(*ev));
	while (*p && *p != '\n') {
		const char *eq = strchr(p, '='), *end;
		size_t klen, vlen;

		if (!eq)
			return -EINVAL;
		end = eq + strcspn(eq, " \n");
		klen = eq - p;
		vlen = end - eq - 1;
#define KEY(k) (klen == strlen(k) && !strncmp(p, k, klen))
		if (KEY("seq"))
			ev->seq = strtoull(eq + 1, NULL, 10);
		else if (KEY("pid"))
			ev->pid = atoi(eq + 1);
		else if (KEY("vcpu"))
			ev->vcpu = atoi(eq + 1);
		else if (KEY("ret"))
			ev->ret = atoi(eq + 1);
		else if (KEY("comm"))
			kxp_copy_val(ev->comm, sizeof(ev->comm), eq + 1, vlen);
		else if (KEY("vm"))
			kxp_copy_val(ev->vm, sizeof(ev->vm), eq + 1, vlen);
		else if (KEY("op"))
			kxp_copy_val(ev->op, sizeof(ev->op), eq + 1, vlen);
		else if (KEY("reason"))
			kxp_copy_val(ev->reason, sizeof(ev->reason), eq + 1,
				     vlen);
		else if (KEY("xstate_bv"))
			ev->xstate_bv = strtoull(eq + 1, NULL, 16);
		else if (KEY("mask"))
			ev->mask = strtoull(eq + 1, NULL, 16);
		else if (KEY("bits"))
			ev->bits = strtoull(eq + 1, NULL, 16);
		else if (KEY("names"))
			kxp_copy_val(ev->names, sizeof(ev->names), eq + 1,
				     vlen);
		else if (KEY("thread_comm"))
			kxp_copy_val(ev->thread_comm, sizeof(ev->thread_comm),
				     eq + 1, vlen);
		else if (!KEY("ts") && !KEY("tid"))
			seen--;	/* a key added later: the format is additive */
#undef KEY
		seen++;
		p = *end == ' ' ? end + 1 : end;
	}
	/*
	 * seq ts pid tid comm vm vcpu op ret reason xstate_bv mask bits names
	 * thread_comm
	 */
	return seen == 15 ? 0 : -EINVAL;
}

static int kxp_scan_events(struct kxp_vcpu *vcpu, const char *op,
			   const char *reason, struct kxp_ev *last)
{
	static char buf[1 << 22];
	struct kxp_ev ev;
	char *line, *save;
	int n = 0;

	if (kxp_read_file(KXP_DEBUGFS "/events", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kxp_parse_event(line, &ev))
			return -1;	/* a malformed line is a failure */
		if (strcmp(ev.vm, vcpu->vm->name) || ev.vcpu != vcpu->id ||
		    strcmp(ev.op, op) || (reason && strcmp(ev.reason, reason)))
			continue;
		n++;
		if (last)
			*last = ev;
	}
	return n;
}

int kxp_last_event(struct kxp_vcpu *vcpu, const char *op, const char *reason,
		   struct kxp_ev *ev)
{
	return kxp_scan_events(vcpu, op, reason, ev) > 0 ? 0 : -ENOENT;
}

int kxp_count_events(struct kxp_vcpu *vcpu, const char *op,
		     const char *reason)
{
	return kxp_scan_events(vcpu, op, reason, NULL);
}

int kxp_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	size_t len = strlen(s);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

int kxp_reset(void)
{
	return kxp_write_file(KXP_DEBUGFS "/reset", "1\n");
}

bool kxp_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool kxp_wait_path(const char *path, bool present, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i <= ms / 10; i++) {
		if (kxp_path_exists(path) == present)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

bool kxp_vcpu_wait_ready(struct kxp_vcpu *vcpu, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char path[512], one[8];
	int i;

	for (i = 0; i <= ms / 10; i++) {
		if (!kxp_vcpu_str(vcpu, "vcpu", one, sizeof(one)))
			break;
		nanosleep(&ts, NULL);
	}
	if (i > ms / 10)
		return false;
	if (vcpu_files_param() != 1)
		return true;
	snprintf(path, sizeof(path), "%s/summary", vcpu->dir);
	return kxp_wait_path(path, true, ms);
}

bool kxp_module_loaded(void)
{
	return kxp_path_exists("/sys/module/kvm_xsave_probe");
}

int kxp_module_load(const char *params)
{
	const char *ko = getenv("KXP_MODULE");
	int fd, r;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0);
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

int kxp_module_unload(void)
{
	return syscall(SYS_delete_module, "kvm_xsave_probe", O_NONBLOCK) < 0 ?
	       -errno : 0;
}
