// SPDX-License-Identifier: GPL-2.0
/*
 * insncount - a QEMU TCG plugin that counts the guest instructions each
 * call of chosen guest functions executes, from its entry to its return,
 * callees included. make bench uses it for the cost of a scheduling
 * decision: counts do not change with host load, where times vary by
 * +-30 % under emulation.
 *
 *   qemu-system-x86_64 ... -plugin insncount.so,ctl=CTL,out=OUT
 *
 * CTL is a text file the guest writes (through a shared directory):
 *
 *   phase NAME
 *   fn LABEL HEXADDR      (up to 8; addresses from /proc/kallsyms)
 *
 * When it changes (checked whenever a vCPU goes idle), the plugin writes
 * the figures of the phase that ends to OUT, one line per function,
 *
 *   PHASE LABEL CALLS MEDIAN MIN P10 P90
 *
 * starts counting for the new one, and writes "NAME" to CTL.ack, which
 * the guest waits for before it sends traffic.
 *
 * How a call is followed without reading registers (QEMU 7.2's API has
 * none): every translation block ends at most in one call or one return.
 * A call starts when a block at the function's address executes; then
 * every block's instructions are added, calls deepen and returns
 * shallow the nesting, and the return at depth 0 ends it. Tail calls,
 * retpolines and return thunks keep calls and returns paired. An
 * interrupt taken inside a call is counted with it (it returns with
 * iret, not ret): the median is the figure to read.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_FNS		8
#define MAX_VCPUS	64

enum kind { OTHER, CALL, RET };

struct tb_info {
	uint64_t vaddr;
	uint32_t insns;
	enum kind last;
};

/* A phase's functions; replaced whole, never freed (a phase is long). */
struct config {
	unsigned int gen, n;
	char phase[64];
	char label[MAX_FNS][64];
	uint64_t addr[MAX_FNS];
};

struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct vcpu {
	unsigned int gen;
	bool inside[MAX_FNS];
	int depth[MAX_FNS];
	uint64_t count[MAX_FNS];
};

static const char *ctl_path, *out_path;
static struct config *cur;		/* read with __atomic_load_n */
static struct samples found[MAX_FNS];	/* of cur, under lock */
static struct vcpu vcpus[MAX_VCPUS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec ctl_mtime;
static off_t ctl_size = -1;

static enum kind kind_of(const char *disas)
{
	/* skip prefixes: "rep ret", "bnd ret", "notrack call" ... */
	static const char *const prefixes[] = { "rep ", "repz ", "bnd ", "notrack ", "data16 " };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(disas, prefixes[i], strlen(prefixes[i]))) {
			disas += strlen(prefixes[i]);
			i = (size_t)-1;
		}
	if (!strncmp(disas, "call", 4))
		return CALL;
	if (!strncmp(disas, "ret", 3))
		return RET;
	return OTHER;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Write the figures of @c (ending) to out; under lock. */
static void flush_phase(const struct config *c)
{
	FILE *f;
	unsigned int i;

	if (!c || !c->n)
		return;
	f = fopen(out_path, "a");
	if (!f)
		return;
	for (i = 0; i < c->n; i++) {
		struct samples *s = &found[i];

		if (s->n) {
			qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
			fprintf(f, "%s %s %zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				c->phase, c->label[i], s->n, s->v[s->n / 2], s->v[0],
				s->v[s->n / 10], s->v[s->n * 9 / 10]);
		} else {
			fprintf(f, "%s %s 0 0 0 0 0\n", c->phase, c->label[i]);
		}
		s->n = 0;
	}
	fclose(f);
}

static struct config *read_ctl(unsigned int gen)
{
	struct config *c = calloc(1, sizeof(*c));
	char line[256], label[64];
	uint64_t addr;
	FILE *f = fopen(ctl_path, "r");

	if (!c || !f) {
		free(c);
		if (f)
			fclose(f);
		return NULL;
	}
	c->gen = gen;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "phase %63s", c->phase) == 1)
			continue;
		if (c->n < MAX_FNS && sscanf(line, "fn %63s %" SCNx64, label, &addr) == 2) {
			strcpy(c->label[c->n], label);
			c->addr[c->n++] = addr;
		}
	}
	fclose(f);
	return c;
}

/* A vCPU went idle: a good time to look for a new phase. */
static void vcpu_idle(qemu_plugin_id_t id, unsigned int vcpu_index)
{
	struct config *old, *c;
	struct stat st;
	char ack[4096];
	FILE *f;

	if (stat(ctl_path, &st))
		return;
	pthread_mutex_lock(&lock);
	if (st.st_mtim.tv_sec == ctl_mtime.tv_sec && st.st_mtim.tv_nsec == ctl_mtime.tv_nsec &&
	    st.st_size == ctl_size)
		goto out;
	ctl_mtime = st.st_mtim;
	ctl_size = st.st_size;
	old = __atomic_load_n(&cur, __ATOMIC_ACQUIRE);
	c = read_ctl(old ? old->gen + 1 : 1);
	if (!c)
		goto out;
	flush_phase(old);
	__atomic_store_n(&cur, c, __ATOMIC_RELEASE);
	snprintf(ack, sizeof(ack), "%s.ack", ctl_path);
	f = fopen(ack, "w");
	if (f) {
		fprintf(f, "%s\n", c->phase);
		fclose(f);
	}
out:
	pthread_mutex_unlock(&lock);
}

static void record(const struct config *c, unsigned int i, uint64_t count)
{
	struct samples *s = &found[i];

	pthread_mutex_lock(&lock);
	if (__atomic_load_n(&cur, __ATOMIC_ACQUIRE) == c) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 1024;
			uint64_t *v = realloc(s->v, cap * sizeof(*v));

			if (v) {
				s->v = v;
				s->cap = cap;
			}
		}
		if (s->n < s->cap)
			s->v[s->n++] = count;
	}
	pthread_mutex_unlock(&lock);
}

static void tb_exec(unsigned int vcpu_index, void *udata)
{
	const struct tb_info *tb = udata;
	const struct config *c = __atomic_load_n(&cur, __ATOMIC_ACQUIRE);
	struct vcpu *v = &vcpus[vcpu_index % MAX_VCPUS];
	unsigned int i;

	if (!c || !c->n)
		return;
	if (v->gen != c->gen) {
		memset(v, 0, sizeof(*v));
		v->gen = c->gen;
	}
	for (i = 0; i < c->n; i++) {
		if (!v->inside[i]) {
			if (tb->vaddr != c->addr[i])
				continue;
			v->inside[i] = true;
			v->depth[i] = 0;
			v->count[i] = 0;
		}
		v->count[i] += tb->insns;
		if (tb->last == CALL) {
			v->depth[i]++;
		} else if (tb->last == RET && v->depth[i]-- == 0) {
			v->inside[i] = false;
			record(c, i, v->count[i]);
		}
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct tb_info *info = malloc(sizeof(*info));
	char *disas;

	if (!info || !n) {
		free(info);
		return;
	}
	info->vaddr = qemu_plugin_tb_vaddr(tb);
	info->insns = (uint32_t)n;
	disas = qemu_plugin_insn_disas(qemu_plugin_tb_get_insn(tb, n - 1));
	info->last = disas ? kind_of(disas) : OTHER;
	free(disas);
	/* info lives as long as the block may run: never freed */
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, info);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	pthread_mutex_lock(&lock);
	flush_phase(__atomic_load_n(&cur, __ATOMIC_ACQUIRE));
	pthread_mutex_unlock(&lock);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "ctl=", 4))
			ctl_path = argv[i] + 4;
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	}
	if (!ctl_path || !out_path) {
		fprintf(stderr, "insncount: needs ctl=FILE and out=FILE\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_vcpu_idle_cb(id, vcpu_idle);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
