/**
 * The main thread's side of the decoding thread (decode-worker.ts): starts it, waits for its
 * models, and turns DecodeRequests into promises. If the thread dies, every pending and later
 * request fails (the server then answers 500 and stops: see server.ts).
 */
import { Worker } from 'node:worker_threads';
import { RuntimeFailure, Seq2SeqError } from '../errors.js';
import type { DecodeReply, DecodeRequest, DecodeWorkerData } from './decode-protocol.js';

interface Pending {
  resolve(hyps: string[][]): void;
  reject(err: Error): void;
}

export class DecoderThread {
  /** The models' run directories by key, once all are loaded. */
  readonly ready: Promise<Map<string, string>>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(data: DecodeWorkerData, onDeath: (err: Error) => void) {
    this.worker = new Worker(new URL('./decode-worker.js', import.meta.url), { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: DecodeReply) => {
        if (m.type === 'ready') resolve(new Map(m.models.map((x) => [x.key, x.dir])));
        else if (m.type === 'failed') reject(new Seq2SeqError(m.message, m.exitCode));
        else this.settle(m);
      });
      const die = (err: Error) => {
        if (this.failure) return;
        this.failure = err;
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        onDeath(err);
      };
      this.worker.on('error', (err) => die(new RuntimeFailure(`the decoding thread failed: ${err.message}`)));
      this.worker.on('exit', (code) => die(new RuntimeFailure(`the decoding thread stopped (exit code ${code})`)));
    });
    // Loading failures are reported by whoever awaits `ready`; never as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** The texts of the nBest hypotheses of every sentence, in order. */
  decode(key: string, sentences: string[], nBest: number): Promise<string[][]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const req: DecodeRequest = { id, key, sentences, nBest };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req);
    });
  }

  /** Stops the thread (pending requests fail). */
  async close(): Promise<void> {
    this.failure ??= new Error('the decoding thread was stopped');
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    await this.worker.terminate();
  }

  private settle(m: Extract<DecodeReply, { id: number }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'decoded') p.resolve(m.hyps);
    else p.reject(new Error(m.message));
  }
}
