/**
 * One dynamic batcher for every concurrent request: requests put their sentences in one bounded
 * FIFO queue, and the decoder takes them in batches. A batch is sent when the decoder is free and
 *   - at least `maxBatch` sentences are waiting, or
 *   - every request answered so far has been followed by a new one (clients that send their next
 *     request when they get an answer are all back; at an idle server this holds at once, so a
 *     lone request never waits), or
 *   - the oldest waiting sentence has waited `maxWaitMs`, counted from when the decoder became
 *     free if that is later (a partial batch);
 * it holds up to `maxBatch` sentences of the oldest sentence's model, oldest first (the decoder
 * sorts them by length inside: src/decode/translator.ts). One batch is decoded at a time. Without
 * the second and the "decoder free" rule, the requests answered by one batch would come back just
 * after the requests still waiting had been sent as a partial batch, and batches would alternate
 * between large and small.
 * A request that does not fit in the queue is refused at once (QueueFullError, for a 503 with
 * Retry-After) instead of letting the queue grow; a request that is abandoned (its client went away,
 * it timed out) takes its waiting sentences out of the queue, so they are never decoded.
 */

/** Decodes sentences of model `key`; resolves to the texts of nBest hypotheses per sentence. */
export type DecodeFn = (key: string, sentences: string[], nBest: number) => Promise<string[][]>;

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** Sentences waiting at most. */
  capacity: number;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the translation queue is full');
    this.name = 'QueueFullError';
  }
}

interface Job {
  key: string;
  nBest: number;
  /** The hypotheses of each sentence, filled as batches come back. */
  results: string[][];
  remaining: number;
  done: boolean;
  resolve(results: string[][]): void;
  reject(err: Error): void;
}

interface Item {
  job: Job;
  index: number;
  sentence: string;
  queuedAt: number;
}

export class DynamicBatcher {
  private queue: Item[] = [];
  private inFlight = false;
  private inFlightSentences = 0;
  private timer: NodeJS.Timeout | null = null;
  private decodedSentences = 0;
  private decodedBatches = 0;
  /** Sentences per second of the decoder, smoothed, for Retry-After; 0 before the first batch. */
  private rate = 0;
  private idleWaiters: (() => void)[] = [];
  /** When the last batch ended. */
  private lastEnd = -Infinity;
  /**
   * Answered requests not yet followed by a new one (at most maxBatch): + the requests each batch
   * answers, − 1 per arriving request. Carried across batches, so that clients slower than
   * maxWaitMs still fill the next batch instead of leaving a small one behind; forgotten after
   * 10 × maxWaitMs without decoding or waiting sentences.
   */
  private expected = 0;

  constructor(
    private readonly decode: DecodeFn,
    private readonly opts: BatcherOptions,
  ) {}

  /** Sentences waiting (not yet sent to the decoder). */
  get queued(): number {
    return this.queue.length;
  }

  /** Sentences in the batch being decoded (0 when the decoder is idle). */
  get decoding(): number {
    return this.inFlightSentences;
  }

  /** Batches decoded since the start. */
  get batches(): number {
    return this.decodedBatches;
  }

  /** Sentences decoded since the start (abandoned requests' waiting sentences never are). */
  get decoded(): number {
    return this.decodedSentences;
  }

  /**
   * Queues the sentences of one request; resolves to their hypotheses' texts (up to nBest each) in
   * order. Throws QueueFullError at once when they do not fit; rejects with the signal's reason
   * when `signal` aborts first (the sentences still waiting leave the queue).
   */
  submit(key: string, sentences: readonly string[], nBest: number, signal?: AbortSignal): Promise<string[][]> {
    if (sentences.length === 0) return Promise.resolve([]);
    if (this.queue.length + sentences.length > this.opts.capacity) throw new QueueFullError(this.retryAfter());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const job: Job = {
        key,
        nBest,
        results: new Array(sentences.length),
        remaining: sentences.length,
        done: false,
        resolve,
        reject,
      };
      const now = performance.now();
      // After a long idle spell nobody is coming back any more: forget the expectation.
      if (!this.inFlight && this.queue.length === 0 && now - this.lastEnd > 10 * this.opts.maxWaitMs) this.expected = 0;
      this.expected = Math.max(0, this.expected - 1);
      sentences.forEach((sentence, index) => this.queue.push({ job, index, sentence, queuedAt: now }));
      if (signal) {
        const abandon = () => {
          if (job.done) return;
          job.done = true;
          this.queue = this.queue.filter((item) => item.job !== job);
          reject(signal.reason as Error);
          this.notifyIdle();
        };
        signal.addEventListener('abort', abandon, { once: true });
        // The listener goes with the job: a long-lived signal must not keep every request alive.
        const settle = job.resolve;
        job.resolve = (r) => {
          signal.removeEventListener('abort', abandon);
          settle(r);
        };
      }
      this.schedule();
    });
  }

  /** Resolves once nothing is waiting and no batch is being decoded. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && !this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds until the queue has likely drained, at the decoder's recent speed (at least 1). */
  retryAfter(): number {
    if (this.rate <= 0) return 1;
    return Math.min(60, Math.max(1, Math.ceil(this.queue.length / this.rate)));
  }

  private schedule(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const now = performance.now();
    const waited = now - Math.max(this.queue[0].queuedAt, this.lastEnd);
    if (this.queue.length >= this.opts.maxBatch || this.expected === 0 || waited >= this.opts.maxWaitMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.dispatch();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.opts.maxWaitMs - waited);
    }
  }

  private dispatch(): void {
    const key = this.queue[0].job.key;
    const batch: Item[] = [];
    const rest: Item[] = [];
    for (const item of this.queue) {
      if (batch.length < this.opts.maxBatch && item.job.key === key) batch.push(item);
      else rest.push(item);
    }
    this.queue = rest;
    const nBest = Math.max(...batch.map((item) => item.job.nBest));
    this.inFlight = true;
    this.inFlightSentences = batch.length;
    const started = performance.now();
    this.decode(
      key,
      batch.map((item) => item.sentence),
      nBest,
    ).then(
      (hyps) => {
        const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
        this.rate = this.rate === 0 ? batch.length / seconds : 0.8 * this.rate + 0.2 * (batch.length / seconds);
        this.decodedSentences += batch.length;
        this.decodedBatches++;
        let answered = 0;
        batch.forEach((item, k) => {
          const job = item.job;
          if (job.done) return;
          job.results[item.index] = hyps[k].slice(0, job.nBest);
          if (--job.remaining === 0) {
            job.done = true;
            job.resolve(job.results);
            answered++;
          }
        });
        this.finishBatch(answered);
      },
      (err: Error) => {
        for (const { job } of batch) {
          if (job.done) continue;
          job.done = true;
          this.queue = this.queue.filter((item) => item.job !== job);
          job.reject(err);
        }
        this.finishBatch(0);
      },
    );
  }

  private finishBatch(answered: number): void {
    this.inFlight = false;
    this.inFlightSentences = 0;
    this.lastEnd = performance.now();
    this.expected = Math.min(this.opts.maxBatch, this.expected + answered);
    this.schedule();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queue.length > 0 || this.inFlight) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
