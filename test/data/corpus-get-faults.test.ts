/**
 * `seq2seq corpus get` under every fault the issue lists, injected by the local server (or the
 * machine): no network, HTTP 404, 500 then success, a connection cut mid-body (resumed with
 * Range), a stall (timeout), redirects and a redirect loop, a checksum mismatch in the cache, a
 * corrupt or truncated archive (gzip and zip), a full disk (a small tmpfs), Ctrl-C mid-download
 * (a real SIGINT to the child), and proxies from the environment. Each checks the exit code, the
 * exact error line, and that no corpus directory (or staging directory) was left half-written.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/data/download/cache.js';
import { CorpusServer, mirrorPath, startTunnelProxy } from './fixtures/corpus-server.js';
import {
  m30kUrl,
  mosesZip,
  multi30kFixture,
  opusArchiveUrl,
  opusEntry,
  serveMulti30k,
  tatoebaFixture,
  type Multi30kFixture,
} from './fixtures/corpora.js';
import { closedPort, corpusCli, errorLine, listTree, spawnCorpusCli, stagingLeft } from './fixtures/get-env.js';

let tmp: string;
let server: CorpusServer;
let m30k: Multi30kFixture;
let run = 0;
const tat = tatoebaFixture();
const TAT_ZIP = opusArchiveUrl('Tatoeba', 'v2023-04-12', 'en', 'fr');
let tatZip: Buffer;

/** A fresh output directory name and cache per case, so cases do not see each other's cache. */
function fresh(): { out: string; cache: string } {
  run++;
  server.log.length = 0;
  return { out: join(tmp, `out-${run}`), cache: join(tmp, `cache-${run}`) };
}
const get = (args: string[], extra: Record<string, string> = {}) => corpusCli(tmp, server.url, ['get', ...args], extra);
const read = (p: string) => readFileSync(p, 'utf8');
const bodyUrl = (file: string) => `${server.url}${mirrorPath(m30kUrl(file))}`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'seq2seq-corpus-faults-'));
  server = await new CorpusServer().start();
  m30k = multi30kFixture();
  serveMulti30k(server, m30k);
  server.opus = [opusEntry('Tatoeba', 'v2023-04-12', 'en', 'fr', 400, 12)];
  tatZip = await mosesZip('Tatoeba', 'en', 'fr', tat.en, tat.fr);
  server.serve(TAT_ZIP, tatZip);
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('corpus get: network faults', () => {
  it('no network: one line naming the host and what the cache holds; nothing written', async () => {
    const port = await closedPort();
    const { out, cache } = fresh();
    // The cache holds the en-de half of Multi30k; all four languages need 22 files.
    expect((await get(['multi30k', '--pair', 'en-de', '--out', `${out}-de`, '--cache', cache])).code).toBe(0);
    const r = await corpusCli(tmp, `http://127.0.0.1:${port}`, ['get', 'multi30k', '--out', out, '--cache', cache]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toBe(
      `seq2seq: cannot reach 127.0.0.1:${port} (connection refused); the cache (${cache}) holds 12 of the 22 files ` +
        `multi30k needs`,
    );
    expect(existsSync(out)).toBe(false);
    const t = await corpusCli(tmp, `http://127.0.0.1:${port}`, [
      'get',
      'tatoeba',
      '--pair',
      'en-fr',
      '--out',
      out,
      '--cache',
      cache,
    ]);
    expect(t.code).toBe(1);
    expect(errorLine(t.stderr)).toBe(
      `seq2seq: cannot reach 127.0.0.1:${port} (connection refused); the cache (${cache}) holds 0 of the 1 file ` +
        `tatoeba en-fr needs`,
    );
  });

  it('HTTP 404: exit 1 at once (not retried), nothing written', async () => {
    const { out, cache } = fresh();
    server.fault(m30kUrl('val.cs.gz'), { statuses: [404, 404, 404] });
    const r = await get(['multi30k', '--out', out, '--cache', cache]);
    server.faults.clear();
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toBe(
      `seq2seq: HTTP 404 from 127.0.0.1:${new URL(server.url).port} for ${bodyUrl('val.cs.gz')}`,
    );
    expect(server.requests(m30kUrl('val.cs.gz'))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(stagingLeft(tmp)).toEqual([]);
  });

  it('HTTP 500 and 503, then success: retried with backoff, exit 0', async () => {
    const { out, cache } = fresh();
    server.fault(m30kUrl('train.de.gz'), { statuses: [500, 503] });
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    server.faults.clear();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /get: train\.de\.gz: 127\.0\.0\.1:\d+: HTTP 500 for train\.de\.gz; retrying in \d\.\d s \(attempt 2 of 6\)/,
    );
    expect(r.stderr).toMatch(/HTTP 503 for train\.de\.gz; retrying in \d\.\d s \(attempt 3 of 6\)/);
    expect(server.requests(m30kUrl('train.de.gz'))).toHaveLength(3);
    expect(read(join(out, 'train.de'))).toBe(m30k.lines.get('train.de')!.join('\n') + '\n');
  });

  it('a connection cut mid-body: the partial file is resumed with a Range request (If-Range: its ETag)', async () => {
    const { out, cache } = fresh();
    const body = m30k.gz.get('train.en.gz')!;
    server.fault(m30kUrl('train.en.gz'), { cutAfter: { bytes: 1000, times: 1 } });
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    server.faults.clear();
    expect(r.code).toBe(0);
    const reqs = server.requests(m30kUrl('train.en.gz'));
    expect(reqs).toHaveLength(2);
    expect(reqs[0].range).toBeUndefined();
    expect(reqs[1].range).toBe('bytes=1000-');
    expect(reqs[1].ifRange).toBe(`"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`);
    expect(r.stderr).toMatch(
      /train\.en\.gz: 127\.0\.0\.1:\d+: connection cut.*; retrying in .* resuming from 1\.0 kB\)/,
    );
    expect(r.stderr).toContain('resuming at 1.0 kB');
    expect(read(join(out, 'train.en'))).toBe(m30k.lines.get('train.en')!.join('\n') + '\n');
  });

  it('a server that stalls: the stall timeout fires, and the retry resumes where the bytes stopped', async () => {
    const { out, cache } = fresh();
    server.fault(m30kUrl('val.en.gz'), { stallAfter: { bytes: 700, times: 1 } });
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache, '--timeout', '1.5']);
    server.faults.clear();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/val\.en\.gz: 127\.0\.0\.1:\d+: stalled \(no data for 1\.5 s\); retrying/);
    expect(server.requests(m30kUrl('val.en.gz')).map((q) => q.range)).toEqual([undefined, 'bytes=700-']);
    expect(read(join(out, 'val.en'))).toBe(m30k.lines.get('val.en')!.join('\n') + '\n');
  });

  it('a server that stalls every time: gives up after the retries, keeps the partial file, exit 1', async () => {
    const { out, cache } = fresh();
    server.fault(m30kUrl('train.en.gz'), { stallAfter: { bytes: 600, times: 99 } });
    const r = await get([
      'multi30k',
      '--pair',
      'en-de',
      '--out',
      out,
      '--cache',
      cache,
      '--timeout',
      '0.5',
      '--retries',
      '1',
    ]);
    server.faults.clear();
    expect(r.code).toBe(1);
    const part = `${new DownloadCache(cache).pathFor(m30kUrl('train.en.gz'))}.part`;
    expect(errorLine(r.stderr)).toBe(
      `seq2seq: 127.0.0.1:${new URL(server.url).port}: stalled (no data for 0.5 s); gave up after 2 attempts; 1200 ` +
        `bytes kept in ${part} for a resume`,
    );
    expect(statSync(part).size).toBe(1200);
    expect(existsSync(out)).toBe(false);
  });

  it('a redirect is followed; a redirect loop is one clear line', async () => {
    const { out, cache } = fresh();
    const moved = `${server.url}/elsewhere/val.de.gz`;
    server.files.set('/elsewhere/val.de.gz', m30k.gz.get('val.de.gz')!);
    server.fault(m30kUrl('val.de.gz'), { redirect: moved });
    const ok = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    expect(ok.code).toBe(0);
    expect(read(join(out, 'val.de'))).toBe(m30k.lines.get('val.de')!.join('\n') + '\n');
    server.fault(m30kUrl('val.fr.gz'), { redirect: '/loop/b' });
    server.faults.set('/loop/b', { redirect: mirrorPath(m30kUrl('val.fr.gz')) });
    const loop = await get(['multi30k', '--pair', 'en-fr', '--out', `${out}-fr`, '--cache', cache]);
    server.faults.clear();
    expect(loop.code).toBe(1);
    expect(errorLine(loop.stderr)).toBe(
      `seq2seq: redirect loop: ${bodyUrl('val.fr.gz')} → ${server.url}/loop/b → ${bodyUrl('val.fr.gz')}`,
    );
    expect(existsSync(`${out}-fr`)).toBe(false);
  });
});

describe('corpus get: the cache and the archives', () => {
  it('a cached file that no longer matches its recorded sha256 is downloaded again, and says so', async () => {
    const { out, cache } = fresh();
    expect((await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache])).code).toBe(0);
    const cached = new DownloadCache(cache).pathFor(m30kUrl('train.en.gz'));
    const bytes = readFileSync(cached);
    bytes[100] ^= 0xff;
    writeFileSync(cached, bytes);
    const before = server.requests(m30kUrl('train.en.gz')).length;
    const r = await get(['multi30k', '--pair', 'en-de', '--out', `${out}-2`, '--cache', cache]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        'get: cache: train\\.en\\.gz does not match its recorded sha256 ' +
          '\\([0-9a-f]{12}…, found [0-9a-f]{12}…\\); downloading it again',
      ),
    );
    expect(server.requests(m30kUrl('train.en.gz')).length).toBe(before + 1);
    expect(readFileSync(cached).equals(m30k.gz.get('train.en.gz')!)).toBe(true);
    expect(read(join(`${out}-2`, 'train.en'))).toBe(m30k.lines.get('train.en')!.join('\n') + '\n');
  });

  it('a truncated gzip archive: exit 1, out of the cache, no corpus; the next run fetches it afresh', async () => {
    const { out, cache } = fresh();
    const good = m30k.gz.get('val.de.gz')!;
    server.serve(m30kUrl('val.de.gz'), good.subarray(0, good.length - 30));
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    server.serve(m30kUrl('val.de.gz'), good);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toBe(
      'seq2seq: val.de.gz: corrupt gzip archive (unexpected end of file); removed it from the cache, so the next ' +
        'run downloads it again',
    );
    expect(existsSync(out)).toBe(false);
    expect(stagingLeft(tmp)).toEqual([]);
    expect(new DownloadCache(cache).record(m30kUrl('val.de.gz'))).toBeUndefined();
    expect(new DownloadCache(cache).record(m30kUrl('val.en.gz'))).toBeDefined();
    const again = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    expect(again.code).toBe(0);
    expect(read(join(out, 'val.de'))).toBe(m30k.lines.get('val.de')!.join('\n') + '\n');
  });

  it('a truncated zip archive, and one with a damaged entry: exit 1, one line, no corpus', async () => {
    const { out, cache } = fresh();
    server.serve(TAT_ZIP, tatZip.subarray(0, tatZip.length - 100));
    const r = await get(['tatoeba', '--pair', 'en-fr', '--out', out, '--cache', cache]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toBe(
      'seq2seq: Tatoeba-en-fr.txt.zip: corrupt zip archive (End of central directory record signature not found. ' +
        'Either not a zip file, or file is truncated.); ' +
        'removed it from the cache, so the next run downloads it again',
    );
    const damaged = Buffer.from(tatZip);
    damaged[200] ^= 0x55; // inside the deflated data of the first entry
    server.serve(TAT_ZIP, damaged);
    const d = await get(['tatoeba', '--pair', 'en-fr', '--out', out, '--cache', cache]);
    server.serve(TAT_ZIP, tatZip);
    expect(d.code).toBe(1);
    expect(errorLine(d.stderr)).toMatch(
      new RegExp(
        '^seq2seq: Tatoeba-en-fr\\.txt\\.zip: corrupt zip archive \\(Tatoeba\\.en-fr\\.en: .+\\); ' +
          'removed it from the cache, so the next run downloads it again$',
      ),
    );
    expect(existsSync(out)).toBe(false);
    expect(stagingLeft(tmp)).toEqual([]);
  });
});

describe('corpus get: a full disk (32 KiB tmpfs)', () => {
  let full = '';
  let mounted = false;
  let why = '';
  beforeAll(() => {
    full = join(tmp, 'full');
    mkdirSync(full, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', full], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      why = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim().split('\n')[0];
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [full]);
  });

  it('unpacking onto a full disk: exit 1, one line, nothing left on it', async (ctx) => {
    if (!mounted) {
      console.warn(`full-disk case skipped: mount -t tmpfs failed (${why})`);
      ctx.skip();
    }
    const { cache } = fresh();
    const out = join(full, 'm30k');
    const r = await get(['multi30k', '--out', out, '--cache', cache]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toBe(`seq2seq: ${out}: no space left on device; nothing written`);
    expect(readdirSync(full)).toEqual([]);
  });

  it('downloading into a cache on a full disk: exit 1, one line naming the file', async (ctx) => {
    if (!mounted) ctx.skip();
    const { out } = fresh();
    const cache = join(full, 'cache');
    writeFileSync(join(full, 'filler'), Buffer.alloc(30 * 1024)); // leaves less than the first file needs
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(
      new RegExp(
        `^seq2seq: ${cache}/downloads/raw\\.githubusercontent\\.com: no space left on device while downloading ` +
          `\\S+\\.gz \\(the partial file is kept for a resume\\)$`,
      ),
    );
    expect(existsSync(out)).toBe(false);
    rmSync(cache, { recursive: true, force: true });
    rmSync(join(full, 'filler'));
  });
});

describe('corpus get: Ctrl-C and proxies', () => {
  it('Ctrl-C mid-download: exit 130, the partial kept, no corpus; the next run resumes it with Range', async () => {
    const { out, cache } = fresh();
    server.fault(m30kUrl('train.en.gz'), { trickle: 100 });
    const { child, done } = spawnCorpusCli(tmp, server.url, [
      'get',
      'multi30k',
      '--pair',
      'en-de',
      '--out',
      out,
      '--cache',
      cache,
    ]);
    const part = `${new DownloadCache(cache).pathFor(m30kUrl('train.en.gz'))}.part`;
    const deadline = Date.now() + 20_000;
    while (!(existsSync(part) && statSync(part).size >= 300) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const r = await done;
    server.faults.clear();
    expect(r.code).toBe(130);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThanOrEqual(300);
    expect(kept).toBeLessThan(m30k.gz.get('train.en.gz')!.length);
    expect(errorLine(r.stderr)).toBe(
      `seq2seq: interrupted; kept the partial download of train.en.gz (${kept} bytes) in ${part} for a resume`,
    );
    expect(existsSync(out)).toBe(false);
    expect(stagingLeft(tmp)).toEqual([]);
    const again = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache]);
    expect(again.code).toBe(0);
    expect(server.requests(m30kUrl('train.en.gz')).at(-1)?.range).toBe(`bytes=${kept}-`);
    expect(read(join(out, 'train.en'))).toBe(m30k.lines.get('train.en')!.join('\n') + '\n');
    expect(listTree(join(cache, 'downloads')).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('HTTP_PROXY is honoured (the connections go through the proxy), NO_PROXY bypasses it', async () => {
    const proxy = await startTunnelProxy();
    try {
      const { out, cache } = fresh();
      const before = server.log.length;
      const via = await get(['multi30k', '--pair', 'en-de', '--out', out, '--cache', cache], {
        HTTP_PROXY: proxy.url,
        http_proxy: proxy.url,
      });
      expect(via.code).toBe(0);
      expect(server.log.length - before).toBe(12);
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(new Set(proxy.connects)).toEqual(new Set([new URL(server.url).host]));
      const seen = proxy.connects.length;
      const direct = await get(['multi30k', '--pair', 'en-fr', '--out', `${out}-fr`, '--cache', cache], {
        http_proxy: proxy.url,
        no_proxy: '127.0.0.1',
      });
      expect(direct.code).toBe(0);
      expect(proxy.connects.length).toBe(seen);
      expect(read(join(`${out}-fr`, 'val.fr'))).toBe(m30k.lines.get('val.fr')!.join('\n') + '\n');
    } finally {
      await proxy.close();
    }
  });
});
