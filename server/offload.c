/* offload: a mutex-guarded, bounded FIFO for the threads, a pipe carrying finished jobs back to the loop. */
#include "offload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

#define OFFLOAD_MAX_THREADS 8

struct offload_job {
	struct offload_job *next;
	void (*work)(void *arg);
	void (*done)(void *arg);
	void *arg;
};

struct offload {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct offload_job *head, *tail;
	int queued, running, queue_max;
	unsigned long refused;
	bool stopping;
	pthread_t threads[OFFLOAD_MAX_THREADS];
	int nthreads;
	int pipe_fds[2];
	struct event *finished;
	int in_flight; /* jobs handed in and not yet done; touched on the loop only */
	struct offload *next_abandoned;
};

/* Offloads left behind with a stuck thread, kept reachable until the process exits. */
static struct offload *abandoned;

static void *
worker_main(void *arg)
{
	struct offload *o = arg;

	for (;;) {
		struct offload_job *job;
		pthread_mutex_lock(&o->lock);
		while (o->head == NULL && !o->stopping)
			pthread_cond_wait(&o->wake, &o->lock);
		job = o->head;
		if (job == NULL) {
			pthread_mutex_unlock(&o->lock);
			return NULL;
		}
		o->head = job->next;
		if (o->head == NULL)
			o->tail = NULL;
		o->queued--;
		o->running++;
		pthread_mutex_unlock(&o->lock);
		job->work(job->arg);
		pthread_mutex_lock(&o->lock);
		o->running--;
		pthread_mutex_unlock(&o->lock);
		/* A pointer is smaller than PIPE_BUF, so the write is atomic. */
		if (write(o->pipe_fds[1], &job, sizeof job) != (ssize_t)sizeof job)
			abort();
	}
}

static void
finished_cb(evutil_socket_t fd, short what, void *arg)
{
	struct offload *o = arg;
	struct offload_job *job;

	(void)what;
	while (read(fd, &job, sizeof job) == (ssize_t)sizeof job) {
		o->in_flight--;
		job->done(job->arg);
		free(job);
	}
}

struct offload *
offload_new(struct event_base *base, int threads, int queue_max)
{
	struct offload *o = xcalloc(1, sizeof *o);

	if (threads < 1)
		threads = 1;
	if (threads > OFFLOAD_MAX_THREADS)
		threads = OFFLOAD_MAX_THREADS;
	o->queue_max = queue_max > 0 ? queue_max : 1;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->wake, NULL);
	if (pipe2(o->pipe_fds, O_CLOEXEC) != 0)
		abort();
	fcntl(o->pipe_fds[0], F_SETFL, O_NONBLOCK);
	o->finished = event_new(base, o->pipe_fds[0], EV_READ | EV_PERSIST, finished_cb, o);
	event_add(o->finished, NULL);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&o->threads[o->nthreads], NULL, worker_main, o) == 0)
			o->nthreads++;
	if (o->nthreads == 0)
		abort();
	return o;
}

bool
offload_run(struct offload *o, void (*work)(void *arg), void (*done)(void *arg), void *arg)
{
	struct offload_job *job;

	pthread_mutex_lock(&o->lock);
	if (o->queued >= o->queue_max) {
		o->refused++;
		pthread_mutex_unlock(&o->lock);
		return false;
	}
	job = xcalloc(1, sizeof *job);
	job->work = work;
	job->done = done;
	job->arg = arg;
	o->in_flight++;
	if (o->tail)
		o->tail->next = job;
	else
		o->head = job;
	o->tail = job;
	o->queued++;
	pthread_cond_signal(&o->wake);
	pthread_mutex_unlock(&o->lock);
	return true;
}

void
offload_get_stats(struct offload *o, struct offload_stats *stats)
{
	pthread_mutex_lock(&o->lock);
	stats->queued = o->queued;
	stats->running = o->running;
	stats->refused = o->refused;
	pthread_mutex_unlock(&o->lock);
}

void
offload_free(struct offload *o, int wait_ms)
{
	struct offload_job *job;
	struct timespec deadline;
	int stuck = 0;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stopping = true;
	pthread_cond_broadcast(&o->wake);
	pthread_mutex_unlock(&o->lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	/* Workers drain the queue before they see stopping with nothing left. */
	for (int i = 0; i < o->nthreads; i++) {
		if (pthread_timedjoin_np(o->threads[i], NULL, &deadline) == ETIMEDOUT) {
			pthread_detach(o->threads[i]);
			stuck++;
		}
	}
	while (read(o->pipe_fds[0], &job, sizeof job) == (ssize_t)sizeof job) {
		job->done(job->arg);
		free(job);
	}
	event_free(o->finished);
	o->finished = NULL;
	if (stuck > 0) {
		log_warn("worker thread still busy at exit; left behind");
		o->next_abandoned = abandoned;
		abandoned = o;
		return;
	}
	close(o->pipe_fds[0]);
	close(o->pipe_fds[1]);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->wake);
	free(o);
}

int
offload_in_flight(const struct offload *o)
{
	return o->in_flight;
}
