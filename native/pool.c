/* Persistent thread pool (see pool.h).
 *
 * Dispatch: the caller publishes (fn, arg, n_chunks), resets the claim word to (generation, 0)
 * and bumps the generation; workers spin for a short while watching it (so back-to-back GEMMs
 * cost no system call), then sleep on a condition variable, woken only when someone sleeps
 * (Dekker-style: a worker stores `sleepers` then re-reads `gen`; the caller stores `gen` then
 * reads `sleepers`).
 * Work sharing: every thread, the caller included, claims chunks by a CAS on one 64-bit word
 * holding (generation << 32 | next chunk), so a worker waking late for an old region can never
 * claim a chunk of a new one. The caller returns when `done` reaches n_chunks; it never waits
 * for a worker that has not started. */
#define _GNU_SOURCE
#include "pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long an idle worker spins before sleeping (microseconds). */
#define SPIN_US 200

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_uint gen;              /* bumped once per parallel region */
static _Atomic uint64_t claim;       /* (gen << 32) | next unclaimed chunk */
static atomic_long done;             /* chunks finished in the current region */
static atomic_int sleepers;          /* workers blocked (or about to block) on cv */
static pool_task cur_fn;
static void *cur_arg;
static long cur_chunks;
static int cur_active;               /* threads allowed in the current region */
static int n_workers;                /* created workers (threads 1..n_workers) */
static int n_threads = 0;            /* threads used, 0 = not yet initialised */
static unsigned start_gen[POOL_MAX_THREADS];

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* Claims and runs chunks of region g until none is left (or the region is over). */
static void work(unsigned g, int tid) {
  for (;;) {
    uint64_t v = atomic_load(&claim);
    if ((unsigned)(v >> 32) != g) return;
    long c = (long)(v & 0xffffffffu);
    if (c >= cur_chunks) return;
    if (atomic_compare_exchange_weak(&claim, &v, v + 1)) {
      /* chunk c of region g is ours and unfinished, so the region (fn, arg) is still current */
      cur_fn(cur_arg, c, tid);
      atomic_fetch_add(&done, 1);
    }
  }
}

static void *worker_main(void *p) {
  int tid = (int)(long)p;
  unsigned seen = start_gen[tid]; /* the generation when created: regions published later run */
  for (;;) {
    double t0 = now_us();
    int spins = 0;
    while (atomic_load_explicit(&gen, memory_order_acquire) == seen) {
      CPU_RELAX();
      if (++spins == 256) {
        spins = 0;
        if (now_us() - t0 > SPIN_US) {
          pthread_mutex_lock(&mu);
          atomic_fetch_add(&sleepers, 1);
          while (atomic_load(&gen) == seen) pthread_cond_wait(&cv, &mu);
          atomic_fetch_sub(&sleepers, 1);
          pthread_mutex_unlock(&mu);
          break;
        }
      }
    }
    seen = atomic_load(&gen);
    if (tid < cur_active) work(seen, tid);
  }
  return 0;
}

int pool_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n);
}

int pool_threads(void) {
  if (n_threads == 0) n_threads = pool_cpu_count();
  return n_threads;
}

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > POOL_MAX_THREADS) n = POOL_MAX_THREADS;
  n_threads = n;
}

static void ensure_workers(int n) {
  while (n_workers < n - 1) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    start_gen[n_workers + 1] = atomic_load(&gen);
    int rc = pthread_create(&th, &attr, worker_main, (void *)(long)(n_workers + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    n_workers++;
  }
}

void pool_run(pool_task fn, void *arg, long n_chunks) {
  int t = pool_threads();
  if (t > 1) ensure_workers(t);
  if (t > n_workers + 1) t = n_workers + 1;
  if (t <= 1 || n_chunks <= 1) {
    for (long c = 0; c < n_chunks; c++) fn(arg, c, 0);
    return;
  }
  cur_fn = fn;
  cur_arg = arg;
  cur_chunks = n_chunks;
  cur_active = t;
  atomic_store(&done, 0);
  unsigned g = atomic_load(&gen) + 1;
  atomic_store(&claim, (uint64_t)g << 32);
  atomic_store(&gen, g);                    /* seq_cst: publish before reading sleepers */
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  work(g, 0);
  int spins = 0;
  while (atomic_load(&done) < n_chunks) {
    CPU_RELAX();
    if (++spins > 4096) sched_yield();
  }
}
