/* A persistent thread pool: workers are created once and wait (briefly spinning, then on a
 * condition variable) for the next parallel region; the calling thread takes part as thread 0. */
#ifndef SEQ2SEQ_POOL_H
#define SEQ2SEQ_POOL_H

#define POOL_MAX_THREADS 64

/* fn(arg, tid, nthreads) runs once for every tid in [0, nthreads). */
typedef void (*pool_task)(void *arg, int tid, int nthreads);

/* Number of threads parallel regions use (>= 1). */
int pool_threads(void);
/* Sets it, creating workers on first need; never destroys threads. */
void pool_set_threads(int n);
/* Runs fn on min(n, pool_threads()) threads and returns when all are done. */
void pool_run(pool_task fn, void *arg, int n);
/* Online CPUs (sysconf). */
int pool_cpu_count(void);

#endif
