/**
 * Faults against the real server: a client that leaves mid-request (its waiting sentences leave
 * the queue and are never decoded; a half-sent body does no harm), a request past --timeout-ms
 * (503, its sentences leave too), a flood past --max-queue (503 with Retry-After, the queue never
 * over its bound, memory flat, every accepted reply right, the server answering afterwards), and
 * SIGTERM under load (every request in flight answered in full, then exit 0).
 * /health reports the queue and the count of decoded sentences, which is what these tests watch.
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServeFixtures, postJson, startServe, translateCli, type Served, type ServeFixtures } from './fixtures.js';

interface Health {
  status: string;
  queue: { sentences: number; decoding: number; capacity: number };
  decodedSentences: number;
}

let fx: ServeFixtures;
const servers: Served[] = [];

beforeAll(async () => {
  fx = await buildServeFixtures();
});
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) await s.stop();
});

async function serve(args: string[]): Promise<Served> {
  const s = await startServe(fx.dir, ['--model', fx.enDe, ...args]);
  servers.push(s);
  return s;
}

const health = async (s: Served) => (await (await fetch(`${s.url}/health`)).json()) as Health;

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * n distinct one-sentence texts from the test lines (no sentence-ending punctuation, so each is one
 * sentence to the splitter; distinct, so that no reply can stand in for another).
 */
function sentences(n: number, tag: string): string[] {
  return Array.from({ length: n }, (_, i) => `${fx.en[i % fx.en.length].replace(/[.!?]/g, '')} ${tag} ${i}`);
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('a client that goes away', () => {
  it('mid-request: its queued sentences leave the queue, are never decoded, and it is logged as 499', async () => {
    const s = await serve(['--max-batch', '2']);
    const long = sentences(60, 'long');
    const first = postJson(`${s.url}/translate`, { q: long, source: 'en', target: 'de' });
    const quitter = new AbortController();
    const gone = fetch(`${s.url}/translate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ q: sentences(10, 'gone'), source: 'en', target: 'de' }),
      signal: quitter.signal,
    }).catch((err: Error) => err.name);
    // The first request alone never has more than 60 sentences waiting or decoded: beyond, the second is queued.
    await until('the second request to be queued', async () => {
      const h = await health(s);
      return h.queue.sentences + h.decodedSentences > 60;
    });
    quitter.abort();
    expect(await gone).toBe('AbortError');
    const r = await first;
    expect(r.status).toBe(200);
    expect(r.json.translatedText).toEqual(await translateCli(fx.dir, fx.enDe, long, ['--split-sentences']));
    await until('the queue to empty and decoding to stop', async () => {
      const h = await health(s);
      return h.queue.sentences === 0 && h.queue.decoding === 0;
    });
    expect((await health(s)).decodedSentences).toBe(60);
    await until('the 499 log line', async () => / POST \/translate 499 .*sentences=10/.test(s.log()));
  });

  it('while sending its body: nothing breaks', async () => {
    const s = await serve([]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(new URL(s.url).port), '127.0.0.1', () => {
        const head = 'POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000';
        socket.write(`${head}\r\n\r\n{"q": "a do`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    const r = await postJson(`${s.url}/translate`, { q: fx.en[0], source: 'en', target: 'de' });
    expect(r.status).toBe(200);
    expect((await health(s)).status).toBe('ok');
  });
});

describe('--timeout-ms', () => {
  it('a request not done in time gets 503 with Retry-After, and its waiting sentences are dropped', async () => {
    // 1,000 sentences one at a time take seconds on any CPU (80 two at a time could finish within 300 ms)
    const s = await serve(['--max-batch', '1', '--timeout-ms', '300']);
    const r = await postJson(`${s.url}/translate`, { q: sentences(1000, 'slow'), source: 'en', target: 'de' });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ error: 'translation timed out after 300 ms' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await until('the queue to empty and decoding to stop', async () => {
      const h = await health(s);
      return h.queue.sentences === 0 && h.queue.decoding === 0;
    });
    const decoded = (await health(s)).decodedSentences;
    expect(decoded).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await health(s)).decodedSentences).toBe(decoded);
  });
});

describe('a flood past the queue', () => {
  it('503s with Retry-After, not a growing queue; accepted replies right; memory flat; it recovers', async () => {
    const s = await serve(['--max-queue', '16', '--max-batch', '4']);
    const rssBefore = rssKb(s.child.pid!);
    let maxQueued = 0;
    let flooding = true;
    const watcher = (async () => {
      while (flooding) {
        maxQueued = Math.max(maxQueued, (await health(s)).queue.sentences);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const requests = Array.from({ length: 120 }, (_, i) => sentences(2, `flood ${i}`));
    const replies = await Promise.all(
      requests.map((q) => postJson(`${s.url}/translate`, { q, source: 'en', target: 'de' })),
    );
    flooding = false;
    await watcher;
    const busy = replies.filter((r) => r.status === 503);
    const done = replies.filter((r) => r.status === 200);
    expect(busy.length).toBeGreaterThan(0);
    expect(done.length).toBeGreaterThan(0);
    expect(busy.length + done.length).toBe(requests.length);
    for (const r of busy) {
      expect(r.json).toEqual({ error: 'Server busy: the translation queue is full' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(maxQueued).toBeLessThanOrEqual(16);
    // every accepted reply is the translation of its own request
    const acceptedIdx = replies.map((r, i) => (r.status === 200 ? i : -1)).filter((i) => i >= 0);
    const expected = await translateCli(
      fx.dir,
      fx.enDe,
      acceptedIdx.flatMap((i) => requests[i]),
      ['--split-sentences'],
    );
    acceptedIdx.forEach((i, k) => expect(replies[i].json.translatedText).toEqual(expected.slice(2 * k, 2 * k + 2)));
    expect(rssKb(s.child.pid!) - rssBefore).toBeLessThan(100 * 1024);
    const after = await postJson(`${s.url}/translate`, { q: fx.en[1], source: 'en', target: 'de' });
    expect(after.status).toBe(200);
  });
});

describe('SIGTERM under load', () => {
  it('stops accepting, answers every request in flight in full, exits 0', async () => {
    const s = await serve(['--max-batch', '4']);
    const requests = Array.from({ length: 12 }, (_, i) => sentences(3, `term ${i}`));
    const pending = requests.map((q) => postJson(`${s.url}/translate`, { q, source: 'en', target: 'de' }));
    await until('decoding to be under way with requests waiting', async () => {
      const h = await health(s);
      return h.decodedSentences > 0 && h.queue.sentences > 0;
    });
    s.child.kill('SIGTERM');
    const replies = await Promise.all(pending);
    expect(await s.exited).toBe(0);
    expect(replies.map((r) => r.status)).toEqual(requests.map(() => 200));
    const expected = await translateCli(fx.dir, fx.enDe, requests.flat(), ['--split-sentences']);
    replies.forEach((r, i) => expect(r.json.translatedText).toEqual(expected.slice(3 * i, 3 * i + 3)));
    expect(s.log()).toMatch(/SIGTERM: no new requests/);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });
});
