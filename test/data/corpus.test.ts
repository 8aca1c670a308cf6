/**
 * Corpus readers: every defined input case (exact messages), streaming with bounded memory, and
 * the same errors through the CLI (message on one line, exit code 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import {
  describeCorpus,
  loadPairs,
  newCorpusReport,
  readLines,
  readPairs,
  resolveCorpus,
  type CorpusSpec,
} from '../../src/data/corpus.js';
import { MAX_LINE_BYTES, firstInvalidUtf8 } from '../../src/data/line-reader.js';
import { corpusStats } from '../../src/data/corpus-stats.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corpus-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a file (string or bytes) in the test directory and returns its path. */
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<InputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('aligned files', () => {
  it('pairs line N with line N, trims, and names lines from 1', async () => {
    const en = file('a.en', 'Hello world.\n  Good  night \nThird.\n');
    const de = file('a.de', 'Hallo Welt.\nGute Nacht\nDritter.\n');
    const { pairs, report } = await loadPairs({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(pairs).toEqual([
      { src: 'Hello world.', tgt: 'Hallo Welt.', line: 1 },
      { src: 'Good  night', tgt: 'Gute Nacht', line: 2 },
      { src: 'Third.', tgt: 'Dritter.', line: 3 },
    ]);
    expect(report).toMatchObject({ pairs: 3, lines: 3, skippedEmpty: 0, crlfLines: 0, bomStripped: 0 });
  });

  it('reads a last line without a final newline', async () => {
    const en = file('nofinal.en', 'one\ntwo');
    const de = file('nofinal.de', 'eins\nzwei\n');
    const { pairs } = await loadPairs({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(pairs.map((p) => p.tgt)).toEqual(['eins', 'zwei']);
  });

  it('skips and counts pairs with an empty side', async () => {
    const en = file('e.en', 'a\n\nc\n   \ne\n');
    const de = file('e.de', 'A\nB\n\n\nE\n');
    const { pairs, report } = await loadPairs({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(pairs.map((p) => [p.src, p.line])).toEqual([
      ['a', 1],
      ['e', 5],
    ]);
    expect(report).toMatchObject({ pairs: 2, lines: 5, skippedEmpty: 3, emptySrc: 2, emptyTgt: 2 });
  });

  it('strips and counts a BOM in each file, normalises and counts CRLF', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const en = file('bom.en', Buffer.concat([bom, Buffer.from('Hi\r\nYou\r\n')]));
    const de = file('bom.de', Buffer.concat([bom, Buffer.from('Hallo\nDu\r\n')]));
    const { pairs, report } = await loadPairs({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(pairs.map((p) => [p.src, p.tgt])).toEqual([
      ['Hi', 'Hallo'],
      ['You', 'Du'],
    ]);
    expect(report.bomStripped).toBe(2);
    expect(report.crlfLines).toBe(3);
  });

  it('keeps a BOM that is not at the start of the file (it is text, U+FEFF)', async () => {
    const lines: string[] = [];
    for await (const l of readLines(file('midbom.txt', 'a\n\uFEFFb\n'))) lines.push(l.text);
    expect(lines).toEqual(['a', '\uFEFFb']);
  });

  it('mismatched line counts: names the file that ended, the line, and the other file', async () => {
    const en = file('m.en', 'a\nb\nc\n');
    const de = file('m.de', 'A\nB\n');
    let e = await errorOf(loadPairs({ format: 'aligned', srcPath: en, tgtPath: de }));
    expect(e.message).toBe(
      `${de}:2: ends after line 2, but ${en} continues (line 3): aligned files must have the same number of lines`,
    );
    e = await errorOf(loadPairs({ format: 'aligned', srcPath: de, tgtPath: en }));
    expect(e.message).toBe(
      `${de}:2: ends after line 2, but ${en} continues (line 3): aligned files must have the same number of lines`,
    );
    expect(e.exitCode).toBe(2);
  });

  it('an empty file against a non-empty one', async () => {
    const en = file('empty.en', '');
    const de = file('one.de', 'x\n');
    const e = await errorOf(loadPairs({ format: 'aligned', srcPath: en, tgtPath: de }));
    expect(e.message).toBe(
      `${en}: has no lines, but ${de} continues (line 1): aligned files must have the same number of lines`,
    );
  });

  it('two empty files are an empty corpus', async () => {
    const { pairs, report } = await loadPairs({
      format: 'aligned',
      srcPath: file('z.en', ''),
      tgtPath: file('z.de', ''),
    });
    expect(pairs).toEqual([]);
    expect(report.lines).toBe(0);
  });
});

describe('UTF-8 and binary input', () => {
  it('invalid UTF-8: path, line, byte and column', async () => {
    const en = file('bad.en', Buffer.concat([Buffer.from('ok\nab'), Buffer.from([0xff]), Buffer.from('c\n')]));
    const de = file('bad.de', 'ok\nok\n');
    const e = await errorOf(loadPairs({ format: 'aligned', srcPath: en, tgtPath: de }));
    expect(e.message).toBe(`${en}:2: invalid UTF-8 (byte 0xFF at column 3)`);
  });

  it('rejects overlong encodings, surrogates and truncated sequences', async () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc0, 0xaf], 1], // overlong "/"
      [[0xed, 0xa0, 0x80], 0], // UTF-16 surrogate
      [[0x61, 0x62, 0xe2, 0x82], 2], // truncated €
      [[0xf5, 0x80, 0x80, 0x80], 0], // beyond U+10FFFF
    ];
    for (const [bytes, col] of cases) {
      const p = file(`bad-${bytes.join('-')}.txt`, Buffer.from([...bytes, 0x0a]));
      const e = await errorOf(async () => {
        for await (const _ of readLines(p)) void _;
      });
      expect(e.message).toBe(
        `${p}:1: invalid UTF-8 (byte 0x${bytes[col].toString(16).toUpperCase()} at column ${col + 1})`,
      );
    }
    expect(firstInvalidUtf8(Buffer.from('naïve € 😀', 'utf8'))).toBe(-1);
  });

  it('a NUL byte is an error (binary file)', async () => {
    const p = file('nul.tsv', Buffer.from('a\tb\nc\t\0d\n'));
    const e = await errorOf(loadPairs({ format: 'tsv', path: p }));
    expect(e.message).toBe(`${p}:2: NUL byte at column 3 (binary file?)`);
  });

  it('a line longer than the limit is an error (binary file), without reading it all', async () => {
    const p = join(dir, 'long.txt');
    const fd = openSync(p, 'w');
    writeSync(fd, 'short\n');
    writeSync(fd, Buffer.alloc(MAX_LINE_BYTES + 10, 0x61));
    closeSync(fd);
    const e = await errorOf(async () => {
      for await (const _ of readLines(p)) void _;
    });
    expect(e.message).toBe(`${p}:2: line longer than ${MAX_LINE_BYTES} bytes (binary file?)`);
  });

  it('multi-byte characters split across read chunks decode correctly', async () => {
    // 65535 ASCII bytes, then "ä" (2 bytes) straddles the 64 KiB chunk boundary.
    const first = 'x'.repeat(65535) + 'ä€😀';
    const p = file('straddle.txt', `${first}\nzweite Zeile\n`);
    const got: string[] = [];
    for await (const l of readLines(p)) got.push(l.text);
    expect(got).toEqual([first, 'zweite Zeile']);
  });

  it('a CRLF split across read chunks is still one line end', async () => {
    const first = 'y'.repeat(65535); // its "\r" is the last byte of the first 64 KiB chunk
    const counts = { crlfLines: 0, bomStripped: 0 };
    const got: string[] = [];
    for await (const l of readLines(file('crlf-split.txt', `${first}\r\nnext\r\n`), counts)) got.push(l.text);
    expect(got).toEqual([first, 'next']);
    expect(counts.crlfLines).toBe(2);
  });

  it('readLines yields every line, empty ones included', async () => {
    const got: [string, number][] = [];
    for await (const l of readLines(file('lines.txt', 'a\n\nc\r\n\n'))) got.push([l.text, l.line]);
    expect(got).toEqual([
      ['a', 1],
      ['', 2],
      ['c', 3],
      ['', 4],
    ]);
  });
});

describe('TSV', () => {
  it('source<TAB>target, a third column ignored, blank lines skipped and counted', async () => {
    const p = file('t.tsv', 'Go.\tVa !\nRun!\tCours !\tCC-BY 2.0 (France) Attribution: tatoeba.org\n\nHi.\t\n');
    const { pairs, report } = await loadPairs({ format: 'tsv', path: p });
    expect(pairs).toEqual([
      { src: 'Go.', tgt: 'Va !', line: 1 },
      { src: 'Run!', tgt: 'Cours !', line: 2 },
    ]);
    expect(report).toMatchObject({ pairs: 2, lines: 4, skippedEmpty: 2, emptyTgt: 2 });
  });

  it('a line without a tab is an error with file and line', async () => {
    const p = file('notab.tsv', 'a\tb\nno tab here\n');
    const e = await errorOf(loadPairs({ format: 'tsv', path: p }));
    expect(e.message).toBe(`${p}:2: no tab: expected source<TAB>target`);
  });
});

describe('JSON Lines', () => {
  it('reads src/tgt, ignores other fields, skips blank lines', async () => {
    const p = file('j.jsonl', '{"src": "Hi", "tgt": "Salut", "id": 7}\n\n{"tgt": "B", "src": "A"}\n');
    const { pairs, report } = await loadPairs({ format: 'jsonl', path: p });
    expect(pairs).toEqual([
      { src: 'Hi', tgt: 'Salut', line: 1 },
      { src: 'A', tgt: 'B', line: 3 },
    ]);
    expect(report.skippedEmpty).toBe(1);
  });

  it('invalid JSON, a missing field, a non-string field, a non-object: file:line errors', async () => {
    const cases: [string, string][] = [
      ['{"src": "a", "tgt": ', 'invalid JSON ('],
      ['{"src": "a"}', 'missing field "tgt"'],
      ['{"src": 1, "tgt": "b"}', 'field "src" must be a string'],
      ['["a", "b"]', 'expected a JSON object {"src": …, "tgt": …}'],
    ];
    for (const [i, [line, msg]] of cases.entries()) {
      const p = file(`bad${i}.jsonl`, `{"src": "ok", "tgt": "ok"}\n${line}\n`);
      const e = await errorOf(loadPairs({ format: 'jsonl', path: p }));
      expect(e.message.startsWith(`${p}:2: ${msg}`), e.message).toBe(true);
    }
  });
});

describe('resolveCorpus', () => {
  it('two paths → aligned; a prefix with --src/--tgt → aligned; extensions and content → tsv/jsonl', () => {
    const en = file('train.en', 'a\n');
    const de = file('train.de', 'b\n');
    expect(resolveCorpus([en, de])).toEqual({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(resolveCorpus([join(dir, 'train')], { src: 'en', tgt: 'de' })).toEqual({
      format: 'aligned',
      srcPath: en,
      tgtPath: de,
    });
    const tsv = file('x.tsv', 'a\tb\n');
    expect(resolveCorpus([tsv])).toEqual({ format: 'tsv', path: tsv });
    const jl = file('x.jsonl', '{"src":"a","tgt":"b"}\n');
    expect(resolveCorpus([jl])).toEqual({ format: 'jsonl', path: jl });
    const sniffJ = file('noext1', '\n{"src":"a","tgt":"b"}\n');
    const sniffT = file('noext2', 'a\tb\n');
    expect(resolveCorpus([sniffJ]).format).toBe('jsonl');
    expect(resolveCorpus([sniffT]).format).toBe('tsv');
    expect(resolveCorpus([sniffT], { format: 'jsonl' }).format).toBe('jsonl');
    // A TSV file stays TSV when --src/--tgt are given only to name the languages.
    expect(resolveCorpus([tsv], { src: 'en', tgt: 'de' })).toEqual({ format: 'tsv', path: tsv });
    expect(describeCorpus({ format: 'aligned', srcPath: 'p.en', tgtPath: 'p.de' })).toBe('aligned p.en + p.de');
    expect(describeCorpus({ format: 'tsv', path: 'f.txt' })).toBe('TSV f.txt');
  });

  it('errors: missing file, directory, missing language file, bad combinations', async () => {
    file('only.en', 'a\n');
    const sub = join(dir, 'subdir');
    mkdirSync(sub, { recursive: true });
    const cases: [() => unknown, string][] = [
      [() => resolveCorpus([join(dir, 'nope.tsv')]), `${join(dir, 'nope.tsv')}: no such file`],
      [() => resolveCorpus([sub]), `${sub}: is a directory, expected a file`],
      [() => resolveCorpus([join(dir, 'only')], { src: 'en', tgt: 'de' }), `${join(dir, 'only.de')}: no such file`],
      [() => resolveCorpus([]), 'no corpus given'],
      [() => resolveCorpus(['a', 'b', 'c']), 'a corpus is one or two paths, got 3: a b c'],
      [
        () => resolveCorpus([join(dir, 'train')], { src: 'en' }),
        '--src and --tgt go together: give both languages or neither',
      ],
      [
        () => resolveCorpus([join(dir, 'train.en'), join(dir, 'train.de')], { format: 'tsv' }),
        "two paths name an aligned corpus, but the format is 'tsv'",
      ],
      [
        () => resolveCorpus([file('plain.dat', 'just words\n')]),
        `${join(dir, 'plain.dat')}: cannot tell the corpus format (not JSON Lines, no tab): give --src/--tgt for aligned files or the format explicitly`,
      ],
    ];
    for (const [f, msg] of cases) expect((await errorOf(f)).message).toBe(msg);
  });

  it('readPairs on a file that disappeared reports it as an InputError', async () => {
    const spec: CorpusSpec = { format: 'tsv', path: join(dir, 'gone.tsv') };
    const e = await errorOf(loadPairs(spec));
    expect(e.message).toBe(`${join(dir, 'gone.tsv')}: no such file`);
  });
});

describe('streaming', () => {
  it('reads 600k aligned pairs with bounded memory (heap + buffers grow far less than the files)', async () => {
    const n = 600_000;
    const en = join(dir, 'big.en');
    const de = join(dir, 'big.de');
    const fe = openSync(en, 'w');
    const fd = openSync(de, 'w');
    const chunkE: string[] = [];
    const chunkD: string[] = [];
    for (let i = 0; i < n; i++) {
      chunkE.push(`sentence number ${i} with a few more words to make it longer ${i % 97}`);
      chunkD.push(`Satz Nummer ${i} mit ein paar weiteren Wörtern, damit er länger wird ${i % 89}`);
      if (chunkE.length === 10_000) {
        writeSync(fe, chunkE.join('\n') + '\n');
        writeSync(fd, chunkD.join('\n') + '\n');
        chunkE.length = 0;
        chunkD.length = 0;
      }
    }
    closeSync(fe);
    closeSync(fd);
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = used();
    let peak = 0;
    const report = newCorpusReport();
    let count = 0;
    let lastLine = 0;
    for await (const p of readPairs({ format: 'aligned', srcPath: en, tgtPath: de }, report)) {
      count++;
      lastLine = p.line;
      if (count % 5000 === 0) peak = Math.max(peak, used() - base);
    }
    expect(count).toBe(n);
    expect(lastLine).toBe(n);
    expect(report.pairs).toBe(n);
    // Measured: streaming peaks at ≈ 13 MB above the start; keeping the pairs (one-byte strings)
    // grows by ≈ 75 MB for this file, so 32 MB separates the two.
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('corpus stats', () => {
  it('counts tokens, nearest-rank percentiles and ratios (hand-computed)', async () => {
    // Source lengths 1..10 words, target lengths 2 × source.
    const src = Array.from({ length: 10 }, (_, i) =>
      Array(i + 1)
        .fill('w')
        .join(' '),
    );
    const tgt = Array.from({ length: 10 }, (_, i) =>
      Array(2 * (i + 1))
        .fill(`v${i}`)
        .join(' '),
    );
    const en = file('st.en', src.join('\n') + '\n\n');
    const de = file('st.de', tgt.join('\n') + '\nx\n');
    const st = await corpusStats({ format: 'aligned', srcPath: en, tgtPath: de });
    expect(st.pairs).toBe(10);
    expect(st.src.tokens).toBe(55);
    expect(st.tgt.tokens).toBe(110);
    expect(st.src.types).toBe(1);
    expect(st.tgt.types).toBe(10);
    // N = 10: p50 is the 5th smallest, p90 the 9th, p99 the 10th.
    expect(st.src.length).toEqual({ min: 1, mean: 5.5, p50: 5, p90: 9, p99: 10, max: 10 });
    expect(st.ratio).toMatchObject({ mean: 2, sd: 0, min: 2, p50: 2, max: 2, outliers: 0 });
    expect(st.report.skippedEmpty).toBe(1);
  });
});

describe('through the CLI', () => {
  const built = existsSync(new URL('../../dist/cli/commands/corpus.js', import.meta.url));

  it.skipIf(!built)('corpus stats --format json on the demo corpus', async () => {
    const r = await runCli(['corpus', 'stats', 'corpora/demo/valid', '--src', 'en', '--tgt', 'de', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout);
    expect(st.pairs).toBe(1000);
    expect(st.format).toBe('aligned');
  });

  it.skipIf(!built)('every reader error: exact one-line message and exit code 2', async () => {
    const en = file('cli.en', 'a\nb\n');
    const de = file('cli.de', 'a\n');
    const bad = file(
      'cli-bad.tsv',
      Buffer.concat([Buffer.from('a\tb\n'), Buffer.from([0xc3, 0x28, 0x09, 0x61, 0x0a])]),
    );
    const notab = file('cli-notab.tsv', 'a\tb\nc\n');
    const nul = file('cli-nul.tsv', Buffer.from('a\t\0\n'));
    const badjson = file('cli.jsonl', '{"src": "a"}\n');
    const cases: [string[], string][] = [
      [
        [en, de],
        `${de}:1: ends after line 1, but ${en} continues (line 2): aligned files must have the same number of lines`,
      ],
      [[bad], `${bad}:2: invalid UTF-8 (byte 0xC3 at column 1)`],
      [[notab], `${notab}:2: no tab: expected source<TAB>target`],
      [[nul], `${nul}:1: NUL byte at column 3 (binary file?)`],
      [[badjson], `${badjson}:1: missing field "tgt"`],
      [[join(dir, 'missing.tsv')], `${join(dir, 'missing.tsv')}: no such file`],
      [[dir], `${dir}: is a directory, expected a file`],
      [[en, '--format', 'xml'], "--format must be text or json, got 'xml'"],
      [[en, '--corpus-format', 'csv'], "--corpus-format must be aligned, tsv or jsonl, got 'csv'"],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['corpus', 'stats', ...args]);
      expect(r.stderr, args.join(' ')).toBe(`seq2seq: ${msg}\n`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
  });
});

describe('the shared corpora', () => {
  const shared = new URL('../../../shared/corpora/', import.meta.url).pathname;
  const hasTatoeba = existsSync(join(shared, 'tatoeba-eng-fra/fra.txt'));
  const hasMulti30k = existsSync(join(shared, 'multi30k/val.en'));

  it.skipIf(!hasTatoeba)(
    'Tatoeba fra.txt reads as TSV: 142,787 pairs, first pair "Go." → "Va !" (skipped: ../shared/corpora not found)',
    async () => {
      const spec = resolveCorpus([join(shared, 'tatoeba-eng-fra/fra.txt')]);
      expect(spec.format).toBe('tsv');
      const report = newCorpusReport();
      let first: { src: string; tgt: string } | null = null;
      for await (const p of readPairs(spec, report)) first ??= p;
      expect(first).toMatchObject({ src: 'Go.', tgt: 'Va !' });
      expect(report.pairs).toBe(142_787);
    },
  );

  it.skipIf(!hasMulti30k)(
    'Multi30k val reads as aligned files by prefix: 1,014 pairs (skipped: ../shared/corpora not found)',
    async () => {
      const { pairs, report } = await loadPairs(
        resolveCorpus([join(shared, 'multi30k/val')], { src: 'en', tgt: 'de' }),
      );
      expect(pairs.length).toBe(1014);
      expect(report.skippedEmpty).toBe(0);
    },
  );
});
