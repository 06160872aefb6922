/*
 * probe_pool.c - probe many hosts at once and print them in target order:
 * the worker pool of `portier smb` and `portier rpc`.  Each worker takes
 * the next target, probes it without the lock, then prints every finished
 * host that is next in order (so output never waits for the slowest host
 * more than it must, and each host appears once).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/probe_out.h"

struct pool_slot {
	void *result; /* NULL until probed */
	int rc;
	struct portier_err err;
};

struct pool {
	const struct probe_pool_ops *ops;
	void *ctx;
	const struct portier_addr *targets;
	struct pool_slot *slots;
	size_t n, next_probe, next_print;
	pthread_mutex_t lock;
};

static void release(struct pool *p, void *result)
{
	if (result && p->ops->release)
		p->ops->release(result);
	portier_free(result);
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		void *r = portier_calloc(1, p->ops->result_size);
		struct portier_err err = {0};
		size_t i;
		int rc;

		pthread_mutex_lock(&p->lock);
		i = p->next_probe < p->n ? p->next_probe++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n || !r) {
			portier_free(r);
			if (i < p->n) { /* out of memory: record it, go on */
				pthread_mutex_lock(&p->lock);
				p->next_probe = p->n;
				pthread_mutex_unlock(&p->lock);
			}
			return NULL;
		}
		rc = p->ops->probe(p->ctx, &p->targets[i], r, &err);
		pthread_mutex_lock(&p->lock);
		p->slots[i].rc = rc;
		p->slots[i].err = err;
		p->slots[i].result = r;
		while (p->next_print < p->n && p->slots[p->next_print].result) {
			struct pool_slot *sl = &p->slots[p->next_print++];

			p->ops->report(p->ctx, sl->result, sl->rc, &sl->err);
			release(p, sl->result);
			sl->result = NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

int probe_out_pool(struct cli *cli, const struct portier_addr *t, size_t n,
		   unsigned parallel, const struct probe_pool_ops *ops,
		   void *ctx)
{
	struct pool p = {.ops = ops, .ctx = ctx, .targets = t, .n = n};
	pthread_t tid[PROBE_POOL_MAX_PARALLEL];
	unsigned started = 0;
	size_t k;

	p.slots = portier_calloc(n, sizeof(*p.slots));
	if (!p.slots) {
		cli_error(cli, "out of memory for %zu targets", n);
		return EXIT_RUNTIME;
	}
	pthread_mutex_init(&p.lock, NULL);
	if (parallel > n)
		parallel = (unsigned)n;
	if (parallel > PROBE_POOL_MAX_PARALLEL)
		parallel = PROBE_POOL_MAX_PARALLEL;
	while (started + 1 < parallel &&
	       pthread_create(&tid[started], NULL, pool_worker, &p) == 0)
		started++;
	pool_worker(&p); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&p.lock);
	for (k = 0; k < n; k++) /* finished but stuck behind a failure */
		release(&p, p.slots[k].result);
	portier_free(p.slots);
	if (p.next_print < n) {
		cli_error(cli, "out of memory: %zu of %zu hosts not probed",
			  n - p.next_print, n);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
