/* offload: a mutex-guarded FIFO for the threads, a pipe carrying finished jobs back to the loop. */
#include "offload.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

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
	bool stopping;
	pthread_t threads[OFFLOAD_MAX_THREADS];
	int nthreads;
	int pipe_fds[2];
	struct event *finished;
	int in_flight; /* jobs handed in and not yet done; touched on the loop only */
};

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
		pthread_mutex_unlock(&o->lock);
		job->work(job->arg);
		/* A pointer is smaller than PIPE_BUF, so the write is atomic. */
		if (write(o->pipe_fds[1], &job, sizeof job) != (ssize_t)sizeof job)
			abort();
	}
}

static void
finished_cb(evutil_socket_t fd, short what, void *arg)
{
	struct offload_job *job;

	(void)what;
	(void)arg;
	struct offload *o = arg;

	while (read(fd, &job, sizeof job) == (ssize_t)sizeof job) {
		o->in_flight--;
		job->done(job->arg);
		free(job);
	}
}

struct offload *
offload_new(struct event_base *base, int threads)
{
	struct offload *o = xcalloc(1, sizeof *o);

	if (threads < 1)
		threads = 1;
	if (threads > OFFLOAD_MAX_THREADS)
		threads = OFFLOAD_MAX_THREADS;
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

void
offload_run(struct offload *o, void (*work)(void *arg), void (*done)(void *arg), void *arg)
{
	struct offload_job *job = xcalloc(1, sizeof *job);

	job->work = work;
	job->done = done;
	job->arg = arg;
	o->in_flight++;
	pthread_mutex_lock(&o->lock);
	if (o->tail)
		o->tail->next = job;
	else
		o->head = job;
	o->tail = job;
	pthread_cond_signal(&o->wake);
	pthread_mutex_unlock(&o->lock);
}

void
offload_free(struct offload *o)
{
	struct offload_job *job;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stopping = true;
	pthread_cond_broadcast(&o->wake);
	pthread_mutex_unlock(&o->lock);
	/* Workers drain the queue before they see stopping with nothing left. */
	for (int i = 0; i < o->nthreads; i++)
		pthread_join(o->threads[i], NULL);
	fcntl(o->pipe_fds[0], F_SETFL, O_NONBLOCK);
	while (read(o->pipe_fds[0], &job, sizeof job) == (ssize_t)sizeof job) {
		job->done(job->arg);
		free(job);
	}
	event_free(o->finished);
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
