/**
 * `seq2seq corpus get` end to end against a local HTTP server (127.0.0.1, random port) that serves
 * fixture archives made here (gzip Multi30k files, OPUS Moses zips, OPUS-API JSON): what it writes
 * is compared with the fixture's own lines and sha256, the manifest field by field, the cache is
 * reused offline, and bad usage exits 2 with one line. The faults are in corpus-get-faults.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusManifest } from '../../src/data/manifest.js';
import { sourceKey } from '../../src/data/split.js';
import { MULTI30K_SPLITS } from '../../src/data/sources.js';
import { CorpusServer } from './fixtures/corpus-server.js';
import {
  M30K_SIZES,
  m30kUrl,
  mosesZip,
  multi30kFixture,
  opusArchiveUrl,
  opusEntry,
  serveMulti30k,
  tatoebaFixture,
  type Multi30kFixture,
} from './fixtures/corpora.js';
import { closedPort, corpusCli, errorLine, stagingLeft } from './fixtures/get-env.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const read = (p: string) => readFileSync(p, 'utf8');
const linesOf = (p: string) => read(p).split('\n').slice(0, -1);
const manifest = (dir: string) => JSON.parse(read(join(dir, 'manifest.json'))) as CorpusManifest;

let tmp: string;
let server: CorpusServer;
let m30k: Multi30kFixture;
const tat = tatoebaFixture();
const get = (args: string[], extra: Record<string, string> = {}) => corpusCli(tmp, server.url, ['get', ...args], extra);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'seq2seq-corpus-get-'));
  server = await new CorpusServer().start();
  m30k = multi30kFixture();
  serveMulti30k(server, m30k);
  server.opus = [
    opusEntry('Tatoeba', 'v2023-04-12', 'en', 'fr', 400, 12),
    opusEntry('Tatoeba', 'v2023-04-12', 'de', 'en', 300, 9),
    opusEntry('EUbookshop', 'v2', 'en', 'fr', '250', '40', true),
    opusEntry('EUbookshop', 'v2', 'en', 'fr', '250', '35'),
  ];
  server.serve(
    opusArchiveUrl('Tatoeba', 'v2023-04-12', 'en', 'fr'),
    await mosesZip('Tatoeba', 'en', 'fr', tat.en, tat.fr),
  );
  const eu = Array.from({ length: 250 }, (_, i) => i);
  server.serve(
    opusArchiveUrl('EUbookshop', 'v2', 'en', 'fr'),
    await mosesZip(
      'EUbookshop',
      'en',
      'fr',
      eu.map((i) => `Book ${i}.`),
      eu.map((i) => `Livre ${i}.`),
    ),
  );
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('corpus get multi30k', () => {
  it('writes every split and language of the source unchanged, with a manifest of what it fetched', async () => {
    const r = await get(['multi30k']);
    expect(r.stderr).not.toMatch(/seq2seq: /);
    expect(r.code).toBe(0);
    const dir = join(tmp, 'corpora', 'multi30k');
    const m = manifest(dir);
    let files = 0;
    for (const { split, languages } of MULTI30K_SPLITS) {
      for (const lang of languages) {
        expect(linesOf(join(dir, `${split}.${lang}`))).toEqual(m30k.lines.get(`${split}.${lang}`));
        expect(m.files[`${split}.${lang}`]).toEqual({
          lines: M30K_SIZES[split],
          sha256: sha(m30k.lines.get(`${split}.${lang}`)!.join('\n') + '\n'),
        });
        files++;
      }
      expect(m.splits[split].pairs).toBe(M30K_SIZES[split]);
      expect(Object.keys(m.splits[split].files).sort()).toEqual([...languages].sort());
    }
    expect(files).toBe(22);
    expect(existsSync(join(dir, 'test_2017_flickr.cs'))).toBe(false);
    expect(m.source).toBe('multi30k');
    expect(m.languages).toEqual(['en', 'de', 'fr', 'cs']);
    expect(m.release).toEqual({
      repository: 'https://github.com/multi30k/dataset',
      commit: 'a3d2e0d26b56f3846f66a952536ffed4e401d05a',
    });
    expect(m.licence?.url).toBe('https://github.com/multi30k/dataset#use-of-the-data');
    expect(m.downloads).toHaveLength(22);
    for (const d of m.downloads) {
      const file = d.url.split('/').pop()!;
      expect(d.url).toBe(m30kUrl(file));
      expect(d.fetchedFrom).toBe(`${server.url}/raw.githubusercontent.com${new URL(d.url).pathname}`);
      expect(d.sha256).toBe(sha(m30k.gz.get(file)!));
      expect(d.bytes).toBe(m30k.gz.get(file)!.length);
      expect(d.fromCache).toBe(false);
    }
    expect(r.stdout).toContain(
      'wrote corpora/multi30k: train 300, val 40, test_2016_flickr 30, test_2017_flickr 30, test_2017_mscoco 20, ' +
        'test_2018_flickr 25 pairs',
    );
    expect(r.stdout).toContain(
      'next: seq2seq train --preset multi30k --train corpora/multi30k/train --valid corpora/multi30k/val --src en ' +
        '--tgt de',
    );
    expect(r.stderr).toContain('get: downloading train.en.gz from 127.0.0.1');
    expect(stagingLeft(join(tmp, 'corpora'))).toEqual([]);
  });

  it('a second get of the same files is served by the cache, verified, with no network at all', async () => {
    const port = await closedPort();
    const before = server.log.length;
    const r = await corpusCli(tmp, `http://127.0.0.1:${port}`, [
      'get',
      'multi30k',
      '--pair',
      'en-de',
      '--out',
      'm30k-offline',
    ]);
    expect(r.code).toBe(0);
    expect(server.log.length).toBe(before);
    expect(r.stderr).toContain('get: train.de.gz: from the cache');
    const m = manifest(join(tmp, 'm30k-offline'));
    expect(m.downloads.every((d) => d.fromCache)).toBe(true);
    expect(m.languages).toEqual(['en', 'de']);
    expect(linesOf(join(tmp, 'm30k-offline', 'val.de'))).toEqual(m30k.lines.get('val.de'));
  });

  it('--pair en-cs takes the splits that have both languages (no 2017 test sets)', async () => {
    const r = await get(['multi30k', '--pair', 'en-cs']);
    expect(r.code).toBe(0);
    const m = manifest(join(tmp, 'corpora', 'multi30k-en-cs'));
    expect(Object.keys(m.splits)).toEqual(['train', 'val', 'test_2016_flickr', 'test_2018_flickr']);
    expect(m.pair).toEqual({ src: 'en', tgt: 'cs' });
  });

  it('refuses an existing output directory (exit 2, untouched) unless --force, which replaces it whole', async () => {
    const out = join(tmp, 'exists');
    rmSync(out, { recursive: true, force: true });
    await get(['multi30k', '--pair', 'en-de', '--out', out]);
    writeFileSync(join(out, 'mine.txt'), 'keep me');
    const r = await get(['multi30k', '--pair', 'en-de', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`seq2seq: ${out}: already exists (give --force to replace it)`);
    expect(read(join(out, 'mine.txt'))).toBe('keep me');
    const f = await get(['multi30k', '--pair', 'en-de', '--out', out, '--force']);
    expect(f.code).toBe(0);
    expect(existsSync(join(out, 'mine.txt'))).toBe(false);
    expect(linesOf(join(out, 'train.en'))).toEqual(m30k.lines.get('train.en'));
    expect(stagingLeft(tmp)).toEqual([]);
  });
});

describe('corpus get tatoeba / opus:NAME', () => {
  it('tatoeba --pair en-fr: the OPUS archive, split by corpus prepare, with report, licence, README', async () => {
    const r = await get(['tatoeba', '--pair', 'en-fr']);
    expect(r.stderr).not.toMatch(/seq2seq: /);
    expect(r.code).toBe(0);
    const dir = join(tmp, 'corpora', 'tatoeba-en-fr');
    const m = manifest(dir);
    const p = m.prepare!;
    const e = tat.expect;
    expect(p.read).toBe(e.read);
    expect(p.dropped).toEqual({ duplicate: e.duplicate, empty: e.empty, tooLong: e.tooLong, ratio: e.ratio });
    expect(p.changed).toEqual({ nfc: e.nfc, controlChars: e.controlChars });
    expect(p.kept).toBe(e.kept);
    expect(p.groups).toBe(e.groups);
    expect(JSON.parse(read(join(dir, 'prepare.json')))).toEqual(p);
    // Default sizes: 2000 at most 5 % → 18, 5000 at most 10 % → 37 (whole groups: at least that).
    expect(p.splits.val).toBeGreaterThanOrEqual(18);
    expect(p.splits.test).toBeGreaterThanOrEqual(37);
    expect(p.splits.train + p.splits.val + p.splits.test).toBe(e.kept);
    const train = new Set(linesOf(join(dir, 'train.en')).map(sourceKey));
    for (const s of ['val', 'test'])
      for (const l of linesOf(join(dir, `${s}.en`))) expect(train.has(sourceKey(l))).toBe(false);
    // Pairs stay pairs: every kept (en, fr) is one of the fixture's, cleaned.
    const fixturePairs = new Set(
      tat.en.map(
        (x, i) => `${sourceKey(x.normalize('NFC'))}\t${sourceKey(tat.fr[i].normalize('NFC').replace(/\t/g, ' '))}`,
      ),
    );
    for (const s of ['train', 'val', 'test']) {
      const en = linesOf(join(dir, `${s}.en`));
      const fr = linesOf(join(dir, `${s}.fr`));
      expect(fr).toHaveLength(en.length);
      for (const [i, x] of en.entries()) {
        if (x.startsWith('Control')) continue; // its control character was removed
        expect(fixturePairs.has(`${sourceKey(x)}\t${sourceKey(fr[i])}`)).toBe(true);
      }
    }
    expect(
      linesOf(join(dir, 'train.en')).concat(linesOf(join(dir, 'val.en')), linesOf(join(dir, 'test.en'))),
    ).toContain('Control character 0.');
    expect(m.licence).toMatchObject({
      name: 'CC BY 2.0 FR',
      url: 'https://creativecommons.org/licenses/by/2.0/fr/',
      files: ['LICENSE.txt', 'README.txt'],
    });
    expect(read(join(dir, 'LICENSE.txt'))).toBe('Tatoeba fixture licence: CC BY 2.0 FR\n');
    expect(m.release).toEqual({
      corpus: 'Tatoeba',
      version: 'v2023-04-12',
      archive: opusArchiveUrl('Tatoeba', 'v2023-04-12', 'en', 'fr'),
      pairs: 400,
    });
    expect(m.downloads.map((d) => d.url)).toEqual([
      'https://opus.nlpl.eu/opusapi/?corpus=Tatoeba&source=en&target=fr&preprocessing=moses&version=latest',
      opusArchiveUrl('Tatoeba', 'v2023-04-12', 'en', 'fr'),
    ]);
    expect(existsSync(join(dir, '.raw.en'))).toBe(false);
    expect(r.stderr).toContain(
      `prepare: read 400 pairs; dropped 20 duplicates, 5 with an empty side, 2 over 1000 characters, 2 with a ` +
        `length ratio over 9`,
    );
    expect(r.stdout).toContain(
      'next: seq2seq train --preset tatoeba --train corpora/tatoeba-en-fr/train --valid corpora/tatoeba-en-fr/val ' +
        '--src en --tgt fr',
    );
  });

  it('opus:Tatoeba --pair fr-en: the same archive (OPUS order en-fr), the direction asked for', async () => {
    const r = await get(['opus:Tatoeba', '--pair', 'fr-en', '--seed', '3', '--valid', '10', '--test', '5%']);
    expect(r.code).toBe(0);
    const dir = join(tmp, 'corpora', 'Tatoeba-fr-en');
    const m = manifest(dir);
    expect(m.pair).toEqual({ src: 'fr', tgt: 'en' });
    expect(m.prepare!.settings.valid).toBe('10 (asked: 10)');
    expect(m.prepare!.settings.test).toBe('19 (asked: 5%)');
    expect(m.licence?.url).toBe('https://opus.nlpl.eu/Tatoeba/corpus/version/Tatoeba');
    const fr = linesOf(join(dir, 'train.fr'));
    const en = linesOf(join(dir, 'train.en'));
    const i = en.indexOf('English sentence number 300.');
    expect(fr[i]).toBe('Phrase française numéro 300.');
    // Grouped by the source side, French here: all 371 kept French sentences differ.
    expect(m.prepare!.groups).toBe(371);
  });

  it('--no-split writes the archive as it is: all.SRC / all.TGT', async () => {
    const r = await get(['tatoeba', '--pair', 'en-fr', '--no-split', '--out', 'tat-raw']);
    expect(r.code).toBe(0);
    expect(read(join(tmp, 'tat-raw', 'all.en'))).toBe(tat.en.join('\n') + '\n');
    expect(read(join(tmp, 'tat-raw', 'all.fr'))).toBe(tat.fr.join('\n') + '\n');
    const m = manifest(join(tmp, 'tat-raw'));
    expect(Object.keys(m.splits)).toEqual(['all']);
    expect(m.prepare).toBeUndefined();
    expect(r.stdout).not.toContain('next:');
  });

  it('prefers the plain Moses archive to the .strict one', async () => {
    const r = await get(['opus:EUbookshop', '--pair', 'en-fr', '--valid', '20', '--test', '20']);
    expect(r.code).toBe(0);
    expect(server.requests(opusArchiveUrl('EUbookshop', 'v2', 'en', 'fr'))).toHaveLength(1);
    expect(server.requests(opusArchiveUrl('EUbookshop', 'v2', 'en', 'fr', true))).toHaveLength(0);
    expect(manifest(join(tmp, 'corpora', 'EUbookshop-en-fr')).splits.train.pairs).toBe(210);
  });

  it('--list opus --pair en-fr: the corpora for the pair, most pairs first, with sizes', async () => {
    const r = await get(['--list', 'opus', '--pair', 'fr-en']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'corpus      version      pairs      size',
      'Tatoeba     v2023-04-12    400   12.3 kB',
      'EUbookshop  v2             250   35.8 kB',
      '',
    ]);
    expect(r.stderr).toContain('list: 2 corpora on OPUS for fr-en');
  });

  it('--list alone names the sources; --list multi30k its splits and languages', async () => {
    const r = await get(['--list']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['multi30k', '', '', 'tatoeba', 'opus:NAME', '']);
    const m = await get(['--list', 'multi30k']);
    expect(m.stdout).toBe(MULTI30K_SPLITS.map((s) => `${s.split.padEnd(18)}${s.languages.join(' ')}\n`).join(''));
    expect(m.stdout).toContain('test_2017_mscoco  en de fr\n');
    const bad = await get(['--list', 'wmt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^seq2seq: --list takes sources, multi30k or opus, got 'wmt'; known sources: /);
  });

  it('--list falls back to the answer it cached when OPUS cannot be reached, and says so', async () => {
    expect((await get(['--list', 'opus', '--pair', 'en-fr'])).code).toBe(0); // cached here
    const port = await closedPort();
    const r = await corpusCli(tmp, `http://127.0.0.1:${port}`, ['get', '--list', 'opus', '--pair', 'en-fr']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Tatoeba     v2023-04-12    400   12.3 kB');
    expect(r.stderr).toMatch(
      new RegExp(
        `list: cannot reach 127\\.0\\.0\\.1:${port} \\(connection refused\\); showing the list cached on \\d{4}-`,
      ),
    );
  });

  it('get reuses the cached OPUS answer; --refresh asks the API again', async () => {
    const api = 'https://opus.nlpl.eu/opusapi/?corpus=Tatoeba&source=en&target=fr&preprocessing=moses&version=latest';
    const before = server.requests(api).length;
    expect((await get(['tatoeba', '--pair', 'en-fr', '--out', 'tat-again'])).code).toBe(0);
    expect(server.requests(api).length).toBe(before);
    expect((await get(['tatoeba', '--pair', 'en-fr', '--out', 'tat-refresh', '--refresh'])).code).toBe(0);
    expect(server.requests(api).length).toBe(before + 1);
  });
});

describe('corpus get: bad usage (exit 2, one line)', () => {
  const cases: [string, string[], string][] = [
    [
      'an unknown source',
      ['wmt14'],
      "seq2seq: unknown source 'wmt14'; known sources: multi30k, tatoeba, opus:NAME (any corpus on OPUS, e.g. " +
        'opus:Tatoeba, opus:EUbookshop)',
    ],
    [
      'a pair multi30k does not have',
      ['multi30k', '--pair', 'en-ja'],
      'seq2seq: multi30k has no pair en-ja: its languages are en, de, fr, cs (pairs en-de, en-fr, en-cs, de-fr, ' +
        'de-cs, fr-cs, either direction)',
    ],
    [
      'a pair an OPUS corpus does not have',
      ['opus:Tatoeba', '--pair', 'en-ja'],
      'seq2seq: opus:Tatoeba has no pair en-ja; it has 2 pairs, with en or ja: de-en, en-fr',
    ],
    [
      'an OPUS corpus that does not exist (case)',
      ['opus:tatoeba', '--pair', 'en-fr'],
      "seq2seq: OPUS has no corpus 'tatoeba' (did you mean opus:Tatoeba?); seq2seq corpus get --list opus --pair " +
        'en-fr lists the corpora for a pair',
    ],
    [
      'tatoeba without --pair',
      ['tatoeba'],
      'seq2seq: tatoeba needs --pair SRC-TGT (e.g. --pair en-de); seq2seq corpus get --list opus --pair en-de ' +
        'lists the corpora for a pair',
    ],
    [
      'a malformed pair',
      ['multi30k', '--pair', 'english'],
      "seq2seq: --pair must be SRC-TGT with language codes such as en-de or en-pt_BR, got 'english'",
    ],
    [
      'no source',
      [],
      'seq2seq: corpus get needs a source: multi30k, tatoeba, opus:NAME (any corpus on OPUS, e.g. opus:Tatoeba, ' +
        'opus:EUbookshop)',
    ],
    ['a bad --timeout', ['multi30k', '--timeout', '0'], "seq2seq: --timeout must be a number of seconds > 0, got '0'"],
  ];
  for (const [k, [what, args, line]] of cases.entries()) {
    it(what, async () => {
      const out = join(tmp, `bad-${k}`);
      const r = await get([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(errorLine(r.stderr)).toBe(line);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('seq2seq:'))).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
      expect(stagingLeft(tmp)).toEqual([]);
    });
  }
});
