/**
 * The download layer in-process, against the local server: a pinned sha256 that does not match
 * discards the download (nothing renamed, no partial kept); a resume whose Content-Range starts
 * elsewhere starts over; a 416 on resume starts over; the progress reducer's rate and ETA against
 * hand-computed values; the terminal bar and the plain lines; the source names, pairs and mirror
 * mapping; the pins cover every Multi30k file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile, partPath } from '../../src/data/download/download-file.js';
import type { DownloadEvent } from '../../src/data/download/events.js';
import { foldTransfer, RATE_TAU_MS, type TransferView } from '../../src/data/download/progress-state.js';
import {
  MULTI30K_SHA256,
  MULTI30K_SPLITS,
  multi30kFiles,
  parsePair,
  parseSource,
  viaMirror,
} from '../../src/data/sources.js';
import { barLine, formatBytes, formatEta, progressRenderer } from '../../src/cli/corpus-progress.js';
import { CorpusServer } from './fixtures/corpus-server.js';

let tmp: string;
let server: CorpusServer;
const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
const URL_A = 'https://example.org/data/a.txt';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'seq2seq-download-'));
  server = await new CorpusServer().start();
  server.serve(URL_A, body);
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const settings = (events: DownloadEvent[] = []) => ({
  stallMs: 2000,
  retries: 2,
  backoffMs: 10,
  onEvent: (e: DownloadEvent) => events.push(e),
});
const from = () => viaMirror(URL_A, server.url);

describe('downloadFile', () => {
  it('verifies against a pinned sha256: a match is renamed into place, a mismatch is discarded', async () => {
    const ok = join(tmp, 'ok.txt');
    const events: DownloadEvent[] = [];
    const got = await downloadFile({ url: from(), name: 'a.txt', dest: ok, sha256: sha(body) }, settings(events));
    expect(got).toEqual({ bytes: body.length, sha256: sha(body) });
    expect(readFileSync(ok).equals(body)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'start', name: 'a.txt', offset: 0, total: body.length });
    expect(events.at(-1)).toMatchObject({ type: 'done', bytes: body.length, sha256: sha(body) });
    const bad = join(tmp, 'bad.txt');
    await expect(
      downloadFile({ url: from(), name: 'a.txt', dest: bad, sha256: '0'.repeat(64) }, settings()),
    ).rejects.toThrow(
      `a.txt: sha256 mismatch (expected ${'0'.repeat(64)}, got ${sha(body)}); the download was discarded`,
    );
    expect(existsSync(bad)).toBe(false);
    expect(existsSync(partPath(bad))).toBe(false);
  });

  it('a partial file from another URL, or one the server will not resume (416), is started over', async () => {
    const dest = join(tmp, 'other.txt');
    writeFileSync(partPath(dest), 'stale bytes');
    writeFileSync(`${dest}.part.json`, JSON.stringify({ url: 'http://elsewhere/x' }));
    await downloadFile({ url: from(), name: 'a.txt', dest }, settings());
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(server.log.at(-1)?.range).toBeUndefined();

    const dest2 = join(tmp, 'toolong.txt');
    writeFileSync(partPath(dest2), Buffer.concat([body, Buffer.from('extra')])); // longer than the file: 416
    writeFileSync(`${dest2}.part.json`, JSON.stringify({ url: from() }));
    const events: DownloadEvent[] = [];
    await downloadFile({ url: from(), name: 'a.txt', dest: dest2 }, settings(events));
    expect(readFileSync(dest2).equals(body)).toBe(true);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({
      reason: `${new URL(server.url).host}: cannot resume a.txt (HTTP 416); starting over`,
    });
  });
});

describe('progress', () => {
  it('folds events into bytes, an exponentially averaged rate and an ETA (hand-computed)', () => {
    let v: TransferView | undefined;
    v = foldTransfer(v, { type: 'start', name: 'f', url: 'https://h/f', offset: 1000, total: 11_000, at: 0 });
    expect(v).toMatchObject({ received: 1000, resumedFrom: 1000, rate: 0 });
    v = foldTransfer(v, { type: 'progress', name: 'f', received: 3000, total: 11_000, at: 1000 });
    // First sample: the instantaneous rate, 2000 B in 1 s; ETA 8000 / 2000 = 4 s.
    expect(v!.rate).toBe(2000);
    expect(v!.eta).toBe(4);
    v = foldTransfer(v, { type: 'progress', name: 'f', received: 7000, total: 11_000, at: 2000 });
    // Instant 4000 B/s; α = 1 − e^(−1000/2000) = 0.393469…; rate = 2000 + α·2000 = 2786.94 B/s.
    const alpha = 1 - Math.exp(-1000 / RATE_TAU_MS);
    expect(alpha).toBeCloseTo(0.393469, 6);
    expect(v!.rate).toBeCloseTo(2786.9387, 3);
    expect(v!.eta).toBeCloseTo(4000 / 2786.9387, 4);
    expect(foldTransfer(v, { type: 'progress', name: 'other', received: 1, at: 3000 })).toBe(v);
    v = foldTransfer(v, { type: 'done', name: 'f', bytes: 11_000, sha256: 'x', at: 3000 });
    expect(v).toMatchObject({ done: true, received: 11_000, eta: 0 });
  });

  it('formats sizes, times and the bar', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1234)).toBe('1.2 kB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatEta(59.6)).toBe('1:00');
    expect(formatEta(3725)).toBe('1:02:05');
    const v: TransferView = {
      name: 'train.en.gz',
      received: 2500,
      total: 10_000,
      resumedFrom: 0,
      startedAt: 0,
      at: 1000,
      rate: 2500,
      eta: 3,
      done: false,
    };
    expect(barLine(v)).toBe(
      `train.en.gz  [${'█'.repeat(6)}${'░'.repeat(18)}]  25%  2.5 kB / 10.0 kB  2.5 kB/s  ETA 0:03`,
    );
  });

  it('redraws one line on a terminal; prints plain lines otherwise', () => {
    const sink = (isTTY: boolean) => {
      const chunks: string[] = [];
      return { isTTY, chunks, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WritableStream & {
        isTTY: boolean;
        chunks: string[];
      };
    };
    const events: DownloadEvent[] = [
      { type: 'start', name: 'f.gz', url: 'https://host.example/f.gz', offset: 0, total: 2000, at: 0 },
      { type: 'progress', name: 'f.gz', received: 1000, total: 2000, at: 500 },
      {
        type: 'retry',
        name: 'f.gz',
        reason: 'host.example: connection cut',
        attempt: 2,
        attempts: 6,
        delayMs: 500,
        kept: 1000,
      },
      { type: 'start', name: 'f.gz', url: 'https://host.example/f.gz', offset: 1000, total: 2000, at: 1000 },
      { type: 'done', name: 'f.gz', bytes: 2000, sha256: 'abcdef0123456789', at: 2000 },
    ];
    const tty = sink(true);
    const r = progressRenderer(tty, 'get');
    for (const e of events) r.onEvent(e);
    r.finish();
    const screen = tty.chunks.join('');
    expect(screen).toContain('\r\x1b[2Kf.gz  [████████████░░░░░░░░░░░░]  50%  1.0 kB / 2.0 kB  2.0 kB/s  ETA 0:01');
    expect(screen).toContain(
      'get: f.gz: host.example: connection cut; retrying in 0.5 s (attempt 2 of 6, resuming from 1.0 kB)\n',
    );
    expect(screen.endsWith('get: f.gz: 2.0 kB in 1.0 s, 1.0 kB/s, sha256 abcdef012345…\n')).toBe(true);
    const plain = sink(false);
    const p = progressRenderer(plain, 'get');
    for (const e of events) p.onEvent(e);
    expect(plain.chunks).toEqual([
      'get: downloading f.gz from host.example (2.0 kB)\n',
      'get: f.gz: host.example: connection cut; retrying in 0.5 s (attempt 2 of 6, resuming from 1.0 kB)\n',
      'get: downloading f.gz from host.example (2.0 kB), resuming at 1.0 kB\n',
      'get: f.gz: 2.0 kB in 1.0 s, 1.0 kB/s, sha256 abcdef012345…\n',
    ]);
  });
});

describe('sources', () => {
  it('names sources and pairs, and maps URLs onto a mirror', () => {
    expect(parseSource('multi30k')).toEqual({ kind: 'multi30k' });
    expect(parseSource('opus:OpenSubtitles')).toEqual({ kind: 'opus', corpus: 'OpenSubtitles' });
    expect(() => parseSource('opus:')).toThrow(
      "'opus:': an OPUS corpus is opus:NAME, NAME as OPUS spells it (e.g. opus:Tatoeba)",
    );
    expect(parsePair('en-pt_BR')).toEqual({ src: 'en', tgt: 'pt_BR' });
    expect(() => parsePair('en-en')).toThrow('--pair en-en: the two languages are the same');
    expect(viaMirror('https://opus.nlpl.eu/opusapi/?corpus=X&source=de', 'http://127.0.0.1:9/')).toBe(
      'http://127.0.0.1:9/opus.nlpl.eu/opusapi/?corpus=X&source=de',
    );
    expect(viaMirror('https://h/x', undefined)).toBe('https://h/x');
  });

  it('pins a sha256 for every Multi30k file it fetches, and only for those', () => {
    const files = multi30kFiles(undefined);
    expect(files).toHaveLength(MULTI30K_SPLITS.reduce((n, s) => n + s.languages.length, 0));
    expect(files).toHaveLength(22);
    for (const f of files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(files.map((f) => f.file))).toEqual(new Set(Object.keys(MULTI30K_SHA256)));
    expect(multi30kFiles({ src: 'de', tgt: 'fr' }).map((f) => f.file)).toContain('test_2017_mscoco.fr.gz');
  });
});
