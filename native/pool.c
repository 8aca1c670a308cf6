/* Persistent thread pool (see pool.h).
 * Dispatch: the caller publishes (fn, arg, n) and bumps a generation counter; workers spin for a
 * short while watching it (so back-to-back GEMMs cost no system call), then sleep on a condition
 * variable. Only sleeping workers are woken through the mutex (Dekker-style: the worker stores
 * `sleepers` then re-reads `gen`; the caller stores `gen` then reads `sleepers`). */
#define _GNU_SOURCE
#include "pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long an idle worker spins before sleeping (microseconds). */
#define SPIN_US 150

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_uint gen;          /* bumped once per parallel region */
static atomic_int sleepers;      /* workers blocked (or about to block) on cv */
static atomic_int pending;       /* workers that have not finished the current region */
static pool_task cur_fn;
static void *cur_arg;
static int cur_n;
static int n_workers;            /* created workers (threads 1..n_workers) */
static int n_threads = 0;        /* threads used, 0 = not initialised */
static unsigned start_gen[POOL_MAX_THREADS];

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static void *worker_main(void *p) {
  int tid = (int)(long)p;
  unsigned seen = start_gen[tid]; /* the generation when created: a region published later runs */
  for (;;) {
    /* wait for a new generation: spin, then sleep */
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
    seen = atomic_load_explicit(&gen, memory_order_acquire);
    if (tid < cur_n) cur_fn(cur_arg, tid, cur_n);
    atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
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
    if (pthread_create(&th, &attr, worker_main, (void *)(long)(n_workers + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    n_workers++;
  }
}

void pool_run(pool_task fn, void *arg, int n) {
  int t = pool_threads();
  if (n > t) n = t;
  if (n <= 1) { fn(arg, 0, 1); return; }
  ensure_workers(n);
  if (n > n_workers + 1) n = n_workers + 1;
  if (n <= 1) { fn(arg, 0, 1); return; }
  cur_fn = fn;
  cur_arg = arg;
  cur_n = n;
  atomic_store(&pending, n_workers);
  atomic_fetch_add(&gen, 1);                /* seq_cst: publish before reading sleepers */
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  fn(arg, 0, n);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    CPU_RELAX();
    if (++spins > 4096) sched_yield();
  }
}
