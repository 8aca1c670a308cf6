/* A persistent thread pool: workers are created once and wait (briefly spinning, then on a
 * condition variable) for the next parallel region; the calling thread takes part.
 * A region is a number of independent chunks that threads claim one at a time, so a worker that
 * is late (the machine is busy) costs nothing: the caller simply runs the remaining chunks. */
#ifndef SEQ2SEQ_POOL_H
#define SEQ2SEQ_POOL_H

#define POOL_MAX_THREADS 64

/* fn(arg, chunk, tid): runs chunk `chunk` on thread `tid` (0 = the caller; per-thread buffers). */
typedef void (*pool_task)(void *arg, long chunk, int tid);

/* Number of threads parallel regions may use (>= 1). */
int pool_threads(void);
/* Sets it, creating workers on first need; never destroys threads. */
void pool_set_threads(int n);
/* Runs chunks 0..n_chunks-1 over up to pool_threads() threads; returns when all are done. */
void pool_run(pool_task fn, void *arg, long n_chunks);
/* Online CPUs (sysconf). */
int pool_cpu_count(void);

#endif
