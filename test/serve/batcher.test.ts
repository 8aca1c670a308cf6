/**
 * The dynamic batcher with a decoder of the test's making: batches of at most maxBatch, a partial
 * batch only once the answered requests are back or after maxWaitMs, one batch at a time, oldest first
 * and one model per batch, results
 * routed back to their requests, a full queue refused at once, an abandoned request's waiting
 * sentences never decoded.
 */
import { describe, expect, it } from 'vitest';
import { DynamicBatcher, QueueFullError } from '../../src/serve/batcher.js';

/** A decoder that records its batches and is released by hand. */
function manualDecoder() {
  const batches: { key: string; sentences: string[]; nBest: number; release(): void }[] = [];
  const decode = (key: string, sentences: string[], nBest: number) =>
    new Promise<string[][]>((resolve) => {
      const hyps = sentences.map((s) => Array.from({ length: nBest }, (_, k) => `${key}:${s}#${k}`));
      batches.push({ key, sentences, nBest, release: () => resolve(hyps) });
    });
  return { batches, decode };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('DynamicBatcher', () => {
  it('sends a full batch at once and a partial one after maxWaitMs; one batch at a time', async () => {
    const d = manualDecoder();
    const b = new DynamicBatcher(d.decode, { maxBatch: 3, maxWaitMs: 40, capacity: 100 });
    const r1 = b.submit('m', ['a', 'b', 'c', 'd'], 1);
    await tick();
    expect(d.batches.map((x) => x.sentences)).toEqual([['a', 'b', 'c']]);
    const r2 = b.submit('m', ['e'], 1);
    await tick(60);
    // 'd' and 'e' waited past maxWaitMs, but the decoder is busy: nothing more is sent
    expect(d.batches).toHaveLength(1);
    expect(b.queued).toBe(2);
    d.batches[0].release();
    await tick();
    expect(d.batches.map((x) => x.sentences)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    d.batches[1].release();
    expect(await r1).toEqual([['m:a#0'], ['m:b#0'], ['m:c#0'], ['m:d#0']]);
    expect(await r2).toEqual([['m:e#0']]);
    expect(b.decoded).toBe(5);
  });

  it('a lone request at an idle batcher goes at once; after a batch, it waits for the answered requests', async () => {
    const d = manualDecoder();
    const b = new DynamicBatcher(d.decode, { maxBatch: 8, maxWaitMs: 80, capacity: 100 });
    void b.submit('m', ['a'], 1);
    await tick();
    expect(d.batches.map((x) => x.sentences)).toEqual([['a']]);
    void b.submit('m', ['b'], 1);
    void b.submit('m', ['c'], 1);
    d.batches[0].release();
    await tick(20);
    // the batch answered one request: b and c wait for it to come back (a closed-loop client)
    expect(d.batches).toHaveLength(1);
    void b.submit('m', ['d'], 1);
    await tick();
    expect(d.batches.map((x) => x.sentences)).toEqual([['a'], ['b', 'c', 'd']]);
    d.batches[1].release();
    await tick();
    // three answered, one comes back: it goes alone after maxWaitMs
    void b.submit('m', ['e'], 1);
    await tick(20);
    expect(d.batches).toHaveLength(2);
    await tick(100);
    expect(d.batches.map((x) => x.sentences)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('a batch holds one model, oldest first; nBest is the largest asked, each request gets its own count', async () => {
    const d = manualDecoder();
    const b = new DynamicBatcher(d.decode, { maxBatch: 2, maxWaitMs: 0, capacity: 100 });
    const x = b.submit('x', ['1'], 1);
    await tick();
    const y = b.submit('y', ['2'], 3);
    const x2 = b.submit('x', ['3', '4'], 2);
    d.batches[0].release();
    await tick();
    expect(d.batches[1]).toMatchObject({ key: 'y', sentences: ['2'], nBest: 3 });
    d.batches[1].release();
    await tick();
    expect(d.batches[2]).toMatchObject({ key: 'x', sentences: ['3', '4'], nBest: 2 });
    d.batches[2].release();
    expect(await x).toEqual([['x:1#0']]);
    expect(await y).toEqual([['y:2#0', 'y:2#1', 'y:2#2']]);
    expect(await x2).toEqual([
      ['x:3#0', 'x:3#1'],
      ['x:4#0', 'x:4#1'],
    ]);
  });

  it('refuses what does not fit in the queue at once, with a Retry-After estimate', async () => {
    const d = manualDecoder();
    const b = new DynamicBatcher(d.decode, { maxBatch: 2, maxWaitMs: 0, capacity: 3 });
    void b.submit('m', ['a', 'b'], 1);
    await tick();
    void b.submit('m', ['c', 'd', 'e'], 1);
    expect(b.queued).toBe(3);
    expect(() => b.submit('m', ['f'], 1)).toThrow(QueueFullError);
    try {
      b.submit('m', ['f'], 1);
    } catch (err) {
      expect((err as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(b.queued).toBe(3);
  });

  it('an aborted request leaves the queue: its waiting sentences are never decoded; the others are', async () => {
    const d = manualDecoder();
    const b = new DynamicBatcher(d.decode, { maxBatch: 2, maxWaitMs: 0, capacity: 100 });
    const first = b.submit('m', ['a', 'b'], 1);
    await tick();
    const quitter = new AbortController();
    const gone = b.submit('m', ['x', 'y', 'z'], 1, quitter.signal);
    const last = b.submit('m', ['c'], 1);
    expect(b.queued).toBe(4);
    quitter.abort(new Error('client left'));
    await expect(gone).rejects.toThrow('client left');
    expect(b.queued).toBe(1);
    d.batches[0].release();
    await tick();
    d.batches[1].release();
    expect(await first).toEqual([['m:a#0'], ['m:b#0']]);
    expect(await last).toEqual([['m:c#0']]);
    expect(d.batches.flatMap((x) => x.sentences)).toEqual(['a', 'b', 'c']);
    await b.whenIdle();
    expect(b.decoded).toBe(3);
  });

  it('a failing decoder fails the requests of that batch only', async () => {
    let calls = 0;
    const decode = async (_k: string, s: string[]) => {
      if (calls++ === 0) throw new Error('boom');
      return s.map((x) => [x]);
    };
    const b = new DynamicBatcher(decode, { maxBatch: 1, maxWaitMs: 0, capacity: 10 });
    const bad = b.submit('m', ['a'], 1);
    const good = b.submit('m', ['b'], 1);
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toEqual([['b']]);
  });
});
