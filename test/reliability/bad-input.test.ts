/**
 * Bad input, end to end: the real CLI (bin/seq2seq.js → dist/) is run as a subprocess on broken
 * files, flags and run directories. Every case checks the exit code (2 bad usage/input, 1 runtime
 * failure, 0 when the input is fine after normalisation), the exact first error line on stderr
 * (after the progress lines `train` prints first), and that no stack trace is printed.
 * Needs `npm run build` first (like every CLI subprocess test).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from '../helpers/run-cli.js';
import {
  buildFixtures,
  copyRun,
  errorLine,
  readSafetensors,
  runBash,
  stackLines,
  TRAIN_2_STEPS,
  trainArgs,
  writeSafetensors,
  type Fixtures,
} from './fixtures.js';
import { runAs } from './special-files.js';

let fx: Fixtures;
const BEST = join('best', 'model.safetensors');

/** The broken files every case reads, written once into the fixture directory. */
function writeBadFiles(dir: string): void {
  const w = (name: string, data: string | Buffer) => writeFileSync(join(dir, name), data);
  w('empty.en', '');
  w('empty.de', '');
  w('m.en', 'one\ntwo\n');
  w('m.de', 'eins\n');
  w('notab.tsv', 'a man\tein Mann\na woman and no tab\n');
  w('bad.en', Buffer.from([0x61, 0x0a, 0x61, 0x62, 0xff, 0xfe, 0x0a]));
  w('bad.de', 'x\ny\n');
  w('nul.en', Buffer.from('a\0b\n'));
  w('nul.de', 'x\n');
  w('png.en', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  w('png.de', 'x\n');
  w('big.en', 'word '.repeat(1_000_000) + '\nsmall\n'); // a 5 MB single line
  w('big.de', 'Wort\nklein\n');
  w('crlf.en', 'a man\r\na woman\r\na dog\r\n');
  w('crlf.de', '\ufeffein Mann\r\neine Frau\r\nein Hund\r\n');
  w('lf.en', 'a man\na woman\na dog\n');
  w('j.jsonl', '{"src":"a","tgt":"b"}\n{bad\n');
  w('j2.jsonl', '{"src":"a"}\n');
  w('hyp.txt', 'a man\na woman\n');
  w('ref1.txt', 'a man\n');
  w('unknown-key.json', JSON.stringify({ presett: 'tiny' }));
  w('unknown-model-key.json', JSON.stringify({ model: { hiddenSie: 4 } }));
  w('wrong-type.json', JSON.stringify({ model: { hiddenSize: 'big' } }));
  w('wrong-type-lr.json', JSON.stringify({ lr: 'fast' }));
  w('not-json.json', '{bad');
  w('array.json', '[1, 2]');

  // Run directories, each with one file missing, truncated, swapped or inconsistent.
  const run = (name: string, breakIt: (r: string) => void) => breakIt(copyRun(fx, name));
  run('r-no-config', (r) => unlinkSync(join(r, 'config.json')));
  run('r-config-not-json', (r) => writeFileSync(join(r, 'config.json'), '{bad'));
  run('r-truncated', (r) => truncateSync(join(r, BEST), 1000));
  run('r-truncated-5', (r) => truncateSync(join(r, BEST), 5));
  run('r-empty-weights', (r) => truncateSync(join(r, BEST), 0));
  run('r-config-as-weights', (r) => writeFileSync(join(r, BEST), readFileSync(join(r, 'config.json'))));
  run('r-huge-header', (r) => {
    const buf = readFileSync(join(r, BEST));
    buf.writeBigUInt64LE(1_000_000_000n, 0);
    writeFileSync(join(r, BEST), buf);
  });
  run('r-offsets-past-end', (r) => {
    // Header consistent with the shapes, but the data it points to lies past the end of the file.
    const { header, data } = readSafetensors(join(r, BEST));
    for (const [k, v] of Object.entries(header)) {
      if (k === '__metadata__') continue;
      v.data_offsets = [v.data_offsets[0] + data.length, v.data_offsets[1] + data.length];
    }
    writeSafetensors(join(r, BEST), header, data);
  });
  run('r-offsets-wrong-span', (r) => {
    const { header, data } = readSafetensors(join(r, BEST));
    header['encoder.embedding.weight'].data_offsets[1] += 10_000_000;
    writeSafetensors(join(r, BEST), header, data);
  });
  run('r-tok150', (r) => writeFileSync(join(r, 'tokenizer.json'), readFileSync(join(fx.dir, 'tok150.json'))));
  run('r-no-tok', (r) => unlinkSync(join(r, 'tokenizer.json')));
  run('r-tok-not-json', (r) => writeFileSync(join(r, 'tokenizer.json'), '{bad'));
  run('r-tok-is-weights', (r) => writeFileSync(join(r, 'tokenizer.json'), readFileSync(join(r, BEST))));
  run('r-opt-truncated', (r) => truncateSync(join(r, 'last', 'train-state', 'optimizer.safetensors'), 100));
  run('r-state-not-json', (r) => writeFileSync(join(r, 'last', 'train-state', 'state.json'), '{bad'));
  // Kept checkpoints (as `train --keep-checkpoints` writes them), the newer with a reshaped tensor.
  run('r-kept-shape', (r) => {
    for (const step of ['00000010', '00000020'])
      cpSync(join(r, 'best'), join(r, 'checkpoints', `step-${step}`), { recursive: true });
    const w = join(r, 'checkpoints', 'step-00000020', 'model.safetensors');
    const { header, data } = readSafetensors(w);
    const [rows, cols] = header['encoder.embedding.weight'].shape!;
    header['encoder.embedding.weight'].shape = [rows / 2, cols * 2]; // same byte count, other shape
    writeSafetensors(w, header, data);
  });
}

beforeAll(async () => {
  fx = await buildFixtures();
  writeBadFiles(fx.dir);
}, 60_000);

afterAll(() => {
  if (fx) rmSync(fx.dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: string[];
  /** stdin (default empty) */
  input?: string | Buffer;
  code: number;
  /** the exact first error line; `$DIR` stands for the fixture directory. null: no error line */
  error: string | null;
  /** extra checks on the result */
  check?: (r: CliResult) => void;
}
const MISMATCH = 'aligned files must have the same number of lines';

const CASES: Record<string, Case[]> = {
  'top level': [
    { name: 'unknown command', args: ['bogus'], code: 2, error: "error: unknown command 'bogus'" },
    { name: 'unknown flag', args: ['--bogus'], code: 2, error: "error: unknown option '--bogus'" },
  ],
  'corpus stats': [
    {
      name: 'missing file',
      args: ['corpus', 'stats', 'nofile.en', 'nofile.de'],
      code: 2,
      error: 'seq2seq: nofile.en: no such file',
    },
    {
      name: 'a directory where a file is expected',
      args: ['corpus', 'stats', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected a file',
    },
    {
      name: 'missing prefix files',
      args: ['corpus', 'stats', 'nope', '--src', 'en', '--tgt', 'de'],
      code: 2,
      error: 'seq2seq: nope.en: no such file',
    },
    {
      name: 'mismatched line counts',
      args: ['corpus', 'stats', 'm.en', 'm.de'],
      code: 2,
      error: `seq2seq: m.de:1: ends after line 1, but m.en continues (line 2): ${MISMATCH}`,
    },
    {
      name: 'TSV line without a tab',
      args: ['corpus', 'stats', 'notab.tsv'],
      code: 2,
      error: 'seq2seq: notab.tsv:2: no tab: expected source<TAB>target',
    },
    {
      name: 'invalid UTF-8',
      args: ['corpus', 'stats', 'bad.en', 'bad.de'],
      code: 2,
      error: 'seq2seq: bad.en:2: invalid UTF-8 (byte 0xFF at column 3)',
    },
    {
      name: 'NUL byte',
      args: ['corpus', 'stats', 'nul.en', 'nul.de'],
      code: 2,
      error: 'seq2seq: nul.en:1: NUL byte at column 2 (binary file?)',
    },
    {
      name: 'binary file (PNG header)',
      args: ['corpus', 'stats', 'png.en', 'png.de'],
      code: 2,
      error: 'seq2seq: png.en:1: invalid UTF-8 (byte 0x89 at column 1)',
    },
    {
      name: '5 MB single line',
      args: ['corpus', 'stats', 'big.en', 'big.de'],
      code: 2,
      error: 'seq2seq: big.en:1: line longer than 1048576 bytes (binary file?)',
    },
    {
      name: 'JSON Lines: invalid JSON',
      args: ['corpus', 'stats', 'j.jsonl'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: j\.jsonl:2: invalid JSON \(/) as unknown as string,
    },
    {
      name: 'JSON Lines: missing field',
      args: ['corpus', 'stats', 'j2.jsonl'],
      code: 2,
      error: 'seq2seq: j2.jsonl:1: missing field "tgt"',
    },
    {
      name: 'unknown flag',
      args: ['corpus', 'stats', 't.en', 't.de', '--bogus'],
      code: 2,
      error: "error: unknown option '--bogus'",
    },
    {
      name: 'no corpus argument',
      args: ['corpus', 'stats'],
      code: 2,
      error: "error: missing required argument 'corpus'",
    },
    {
      name: 'bad --corpus-format',
      args: ['corpus', 'stats', 't.en', 't.de', '--corpus-format', 'xml'],
      code: 2,
      error: "seq2seq: --corpus-format must be aligned, tsv or jsonl, got 'xml'",
    },
    {
      name: 'bad --format',
      args: ['corpus', 'stats', 't.en', 't.de', '--format', 'xml'],
      code: 2,
      error: "seq2seq: --format must be text or json, got 'xml'",
    },
    {
      name: 'empty corpus: reported, not an error',
      args: ['corpus', 'stats', 'empty.en', 'empty.de'],
      code: 0,
      error: null,
      check: (r) => expect(r.stdout).toMatch(/^pairs\s+0$/m),
    },
    {
      name: 'CRLF and BOM: normalised and counted',
      args: ['corpus', 'stats', 'crlf.en', 'crlf.de'],
      code: 0,
      error: null,
      // 3 CRLF line ends in each file; the BOM of crlf.de stripped
      check: (r) => {
        expect(r.stdout).toMatch(/^pairs\s+3$/m);
        expect(r.stdout).toContain('normalised 6 CRLF line ends, stripped 1 BOM');
      },
    },
  ],
  bpe: [
    {
      name: 'learn: --vocab-size 3',
      args: ['bpe', 'learn', '--vocab-size', '3', 't.en', '-o', 'x.json'],
      code: 2,
      error: "seq2seq: --vocab-size must be an integer ≥ 5, got '3'",
    },
    {
      name: 'learn: --vocab-size abc',
      args: ['bpe', 'learn', '--vocab-size', 'abc', 't.en', '-o', 'x.json'],
      code: 2,
      error: "seq2seq: --vocab-size must be an integer ≥ 5, got 'abc'",
    },
    {
      name: 'learn: negative --vocab-size',
      args: ['bpe', 'learn', '--vocab-size', '-5', 't.en', '-o', 'x.json'],
      code: 2,
      error: "seq2seq: --vocab-size must be an integer ≥ 5, got '-5'",
    },
    {
      name: 'learn: no -o',
      args: ['bpe', 'learn', '--vocab-size', '100', 't.en'],
      code: 2,
      error: "error: required option '-o, --output <file>' not specified",
    },
    {
      name: 'learn: nothing to learn from',
      args: ['bpe', 'learn', '--vocab-size', '100', '-o', 'x.json'],
      code: 2,
      error: 'seq2seq: nothing to learn from: give a corpus or --text FILE…',
    },
    {
      name: 'learn: missing --text file',
      args: ['bpe', 'learn', '--vocab-size', '100', '--text', 'nofile', '-o', 'x.json'],
      code: 2,
      error: 'seq2seq: nofile: no such file',
    },
    {
      name: 'learn: empty text',
      args: ['bpe', 'learn', '--vocab-size', '100', '--text', 'empty.en', '-o', 'x.json'],
      code: 2,
      error: 'seq2seq: empty.en: no text to learn from (the input is empty)',
    },
    {
      name: 'learn: invalid UTF-8 text',
      args: ['bpe', 'learn', '--vocab-size', '100', '--text', 'bad.en', '-o', 'x.json'],
      code: 2,
      error: 'seq2seq: bad.en:2: invalid UTF-8 (byte 0xFF at column 3)',
    },
    {
      name: 'learn: -o is a directory',
      args: ['bpe', 'learn', '--vocab-size', '100', '--text', 't.en', '-o', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected a file',
    },
    {
      name: 'learn: -o in a missing directory',
      args: ['bpe', 'learn', '--vocab-size', '100', '--text', 't.en', '-o', 'nodir/x.json'],
      code: 2,
      error: 'seq2seq: nodir/x.json: directory nodir does not exist',
    },
    {
      name: 'learn: bad --side',
      args: ['bpe', 'learn', '--vocab-size', '100', 't.en', 't.de', '--side', 'left', '-o', 'x.json'],
      code: 2,
      error: "seq2seq: --side must be src, tgt or both, got 'left'",
    },
    {
      name: 'apply: missing tokenizer',
      args: ['bpe', 'apply', '-t', 'nofile.json'],
      code: 2,
      error: 'seq2seq: nofile.json: no such file',
    },
    {
      name: 'apply: tokenizer is a directory',
      args: ['bpe', 'apply', '-t', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory',
    },
    {
      name: 'apply: tokenizer is not JSON',
      args: ['bpe', 'apply', '-t', 't.en'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: t\.en: not valid JSON \(/) as unknown as string,
    },
    {
      name: 'apply: no -t',
      args: ['bpe', 'apply'],
      code: 2,
      error: "error: required option '-t, --tokenizer <file>' not specified",
    },
    {
      name: 'apply: invalid UTF-8 on stdin',
      args: ['bpe', 'apply', '-t', 'run/tokenizer.json'],
      input: Buffer.from([0x61, 0x62, 0xff, 0x63, 0x0a]),
      code: 2,
      error: 'seq2seq: <stdin>:1: invalid UTF-8 (byte 0xFF at column 3)',
    },
    {
      name: 'apply: BOM and CRLF on stdin are normalised',
      args: ['bpe', 'apply', '-t', 'run/tokenizer.json'],
      input: '\ufeffa b\r\nc\r\n',
      code: 0,
      error: null,
      check: (r) => expect(r.stdout).toBe('▁a ▁b\n▁c\n'),
    },
    {
      name: 'decode --ids: not an id',
      args: ['bpe', 'decode', '-t', 'run/tokenizer.json', '--ids'],
      input: '5 x 7\n',
      code: 2,
      error: "seq2seq: <stdin>:1: 'x' is not a token id of run/tokenizer.json (0..199)",
    },
    {
      name: 'decode --ids: id out of range',
      args: ['bpe', 'decode', '-t', 'run/tokenizer.json', '--ids'],
      input: '5\n6 200\n',
      code: 2,
      error: "seq2seq: <stdin>:2: '200' is not a token id of run/tokenizer.json (0..199)",
    },
  ],
  translate: [
    {
      name: '--beam 0',
      args: ['translate', '--model', 'run', '--beam', '0'],
      code: 2,
      error: "seq2seq: --beam must be an integer ≥ 1, got '0'",
    },
    {
      name: '--beam abc',
      args: ['translate', '--model', 'run', '--beam', 'abc'],
      code: 2,
      error: "seq2seq: --beam must be an integer ≥ 1, got 'abc'",
    },
    {
      name: '--beam -1',
      args: ['translate', '--model', 'run', '--beam', '-1'],
      code: 2,
      error: "seq2seq: --beam must be an integer ≥ 1, got '-1'",
    },
    {
      name: '--batch-size 0',
      args: ['translate', '--model', 'run', '--batch-size', '0'],
      code: 2,
      error: "seq2seq: --batch-size must be an integer ≥ 1, got '0'",
    },
    {
      name: '--length-penalty abc',
      args: ['translate', '--model', 'run', '--length-penalty', 'abc'],
      code: 2,
      error: "seq2seq: --length-penalty must be a number ≥ 0, got 'abc'",
    },
    {
      name: '--n-best 3 with text output',
      args: ['translate', '--model', 'run', '--n-best', '3'],
      code: 2,
      error: 'seq2seq: --n-best > 1 needs --format jsonl (text output has one line per input line)',
    },
    {
      name: '--n-best above --beam',
      args: ['translate', '--model', 'run', '--n-best', '6', '--beam', '5', '--format', 'jsonl'],
      code: 2,
      error: 'seq2seq: --n-best 6 cannot exceed --beam 5',
    },
    {
      name: 'bad --format',
      args: ['translate', '--model', 'run', '--format', 'xml'],
      code: 2,
      error: "seq2seq: --format must be text or jsonl, got 'xml'",
    },
    { name: 'no --model', args: ['translate'], code: 2, error: "error: required option '--model <run>' not specified" },
    {
      name: 'missing run directory',
      args: ['translate', '--model', 'nope'],
      code: 2,
      error: 'seq2seq: nope: run directory not found',
    },
    {
      name: 'run is a file',
      args: ['translate', '--model', 't.en'],
      code: 2,
      error: 'seq2seq: t.en: not a directory (expected a run directory)',
    },
    {
      name: '-i missing',
      args: ['translate', '--model', 'run', '-i', 'nofile'],
      code: 2,
      error: 'seq2seq: nofile: no such input file',
    },
    {
      name: '-i is a directory',
      args: ['translate', '--model', 'run', '-i', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected an input file',
    },
    {
      name: '-o is a directory',
      args: ['translate', '--model', 'run', '-o', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected a file',
    },
    {
      name: '-o in a missing directory',
      args: ['translate', '--model', 'run', '-o', 'nodir/out.txt'],
      code: 2,
      error: 'seq2seq: nodir/out.txt: directory nodir does not exist',
    },
    {
      name: 'invalid UTF-8 on stdin',
      args: ['translate', '--model', 'run', '--beam', '1'],
      input: Buffer.from([0x61, 0x0a, 0x62, 0xc3, 0x28, 0x0a]),
      code: 2,
      error: 'seq2seq: <stdin>:2: invalid UTF-8 (byte 0xC3 at column 2)',
    },
    {
      name: 'NUL byte on stdin',
      args: ['translate', '--model', 'run', '--beam', '1'],
      input: Buffer.from('a\0b\n'),
      code: 2,
      error: 'seq2seq: <stdin>:1: NUL byte at column 2 (binary file?)',
    },
    {
      name: 'invalid UTF-8 in -i file',
      args: ['translate', '--model', 'run', '--beam', '1', '-i', 'bad.en'],
      code: 2,
      error: 'seq2seq: bad.en:2: invalid UTF-8 (byte 0xFF at column 3)',
    },
    {
      name: '5 MB single line on stdin',
      args: ['translate', '--model', 'run', '--beam', '1'],
      input: 'word '.repeat(1_000_000) + '\n',
      code: 2,
      error: 'seq2seq: <stdin>:1: line longer than 1048576 bytes (binary file?)',
    },
    {
      name: 'run: config.json missing',
      args: ['translate', '--model', 'r-no-config'],
      code: 2,
      error: 'seq2seq: r-no-config/config.json: file not found (not a run directory?)',
    },
    {
      name: 'run: config.json not JSON',
      args: ['translate', '--model', 'r-config-not-json'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: r-config-not-json\/config\.json: not valid JSON \(/) as unknown as string,
    },
    {
      name: 'run: weights truncated',
      args: ['translate', '--model', 'r-truncated'],
      code: 2,
      error: expect.stringMatching(
        /^seq2seq: r-truncated\/best\/model\.safetensors: truncated safetensors file \(header claims \d+ bytes, file has 992 after the length\)$/,
      ) as unknown as string,
    },
    {
      name: 'run: weights cut to 5 bytes',
      args: ['translate', '--model', 'r-truncated-5'],
      code: 2,
      error: 'seq2seq: r-truncated-5/best/model.safetensors: truncated safetensors file (5 bytes, no header)',
    },
    {
      name: 'run: weights empty',
      args: ['translate', '--model', 'r-empty-weights'],
      code: 2,
      error: 'seq2seq: r-empty-weights/best/model.safetensors: truncated safetensors file (0 bytes, no header)',
    },
    {
      name: 'run: config.json where the weights belong',
      args: ['translate', '--model', 'r-config-as-weights'],
      code: 2,
      error: expect.stringMatching(
        /^seq2seq: r-config-as-weights\/best\/model\.safetensors: safetensors header claims \d+ bytes \(limit 16777216\)$/,
      ) as unknown as string,
    },
    {
      name: 'run: header claims more bytes than the file has',
      args: ['translate', '--model', 'r-huge-header'],
      code: 2,
      error:
        'seq2seq: r-huge-header/best/model.safetensors: safetensors header claims 1000000000 bytes (limit 16777216)',
    },
    {
      name: 'run: tensor data past the end of the file',
      args: ['translate', '--model', 'r-offsets-past-end'],
      code: 2,
      error: expect.stringMatching(
        /^seq2seq: r-offsets-past-end\/best\/model\.safetensors: .*(past|beyond|end|truncated|bytes)/,
      ) as unknown as string,
    },
    {
      name: 'run: tensor span does not fit its shape',
      args: ['translate', '--model', 'r-offsets-wrong-span'],
      code: 2,
      error:
        'seq2seq: r-offsets-wrong-span/best/model.safetensors: tensor encoder.embedding.weight: data_offsets span 10025600 bytes but shape [200,32] needs 25600',
    },
    {
      name: 'run: tokenizer of another vocabulary size',
      args: ['translate', '--model', 'r-tok150'],
      code: 2,
      error: 'seq2seq: r-tok150/tokenizer.json: 150 tokens, but the model in best has a source vocabulary of 200',
    },
    {
      name: 'run: tokenizer missing',
      args: ['translate', '--model', 'r-no-tok'],
      code: 2,
      error: 'seq2seq: r-no-tok/tokenizer.json: no such file',
    },
    {
      name: 'run: tokenizer not JSON',
      args: ['translate', '--model', 'r-tok-not-json'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: r-tok-not-json\/tokenizer\.json: not valid JSON \(/) as unknown as string,
    },
    {
      name: 'run: weights where the tokenizer belongs',
      args: ['translate', '--model', 'r-tok-is-weights'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: r-tok-is-weights\/tokenizer\.json: /) as unknown as string,
    },
  ],
  inspect: [
    { name: 'missing run', args: ['inspect', 'nope'], code: 2, error: 'seq2seq: nope: run directory not found' },
    {
      name: 'run is a file',
      args: ['inspect', 't.en'],
      code: 2,
      error: 'seq2seq: t.en: not a directory (expected a run directory)',
    },
    {
      name: 'bad --format',
      args: ['inspect', 'run', '--format', 'xml'],
      code: 2,
      error: "seq2seq: --format must be text or json, got 'xml'",
    },
    {
      name: 'config.json missing',
      args: ['inspect', 'r-no-config'],
      code: 2,
      error: 'seq2seq: r-no-config/config.json: file not found (not a run directory?)',
    },
    {
      name: 'header claims more bytes than the file has',
      args: ['inspect', 'r-huge-header'],
      code: 2,
      error:
        'seq2seq: r-huge-header/best/model.safetensors: safetensors header claims 1000000000 bytes (limit 16777216)',
    },
    {
      name: 'tokenizer of another vocabulary size',
      args: ['inspect', 'r-tok150'],
      code: 2,
      error: 'seq2seq: r-tok150/tokenizer.json: 150 tokens, but the model in best has a source vocabulary of 200',
    },
    { name: 'no argument', args: ['inspect'], code: 2, error: "error: missing required argument 'run'" },
  ],
  average: [
    {
      name: 'no kept checkpoints',
      args: ['average', 'run'],
      code: 2,
      error:
        'seq2seq: run/checkpoints: no kept checkpoints (train with --keep-checkpoints N to keep the weights of the newest N validations)',
    },
    {
      name: 'mismatched tensor shapes',
      args: ['average', 'r-kept-shape'],
      code: 2,
      error:
        'seq2seq: r-kept-shape/checkpoints/step-00000020/model.safetensors: tensor encoder.embedding.weight has shape [100,64], but [200,32] in r-kept-shape/checkpoints/step-00000010/model.safetensors',
      check: () => expect(existsSync(join(fx.dir, 'r-kept-shape', 'averaged'))).toBe(false),
    },
    {
      name: '--last 0',
      args: ['average', 'r-kept-shape', '--last', '0'],
      code: 2,
      error: "seq2seq: --last must be an integer ≥ 1, got '0'",
    },
    {
      name: '--best 0',
      args: ['average', 'r-kept-shape', '--best', '0'],
      code: 2,
      error: "seq2seq: --best must be an integer ≥ 1, got '0'",
    },
    {
      name: '--last five',
      args: ['average', 'r-kept-shape', '--last', 'five'],
      code: 2,
      error: "seq2seq: --last must be an integer ≥ 1, got 'five'",
    },
    {
      name: '--last 2.5',
      args: ['average', 'r-kept-shape', '--last', '2.5'],
      code: 2,
      error: "seq2seq: --last must be an integer ≥ 1, got '2.5'",
    },
    {
      name: '--last with --best',
      args: ['average', 'r-kept-shape', '--last', '2', '--best', '2'],
      code: 2,
      error: 'seq2seq: give either --last N or --best N, not both',
    },
    {
      name: '--best without recorded scores',
      args: ['average', 'r-kept-shape', '--best', '2'],
      code: 2,
      error:
        'seq2seq: r-kept-shape/checkpoints/step-00000010/config.json: no validation BLEU recorded (--best needs it; use --last)',
    },
    {
      name: '--out is best/ of the run',
      args: ['average', 'r-kept-shape', '--last', '1', '--out', 'r-kept-shape/best'],
      code: 2,
      error: 'seq2seq: --out: r-kept-shape/best is part of the run; choose another name',
    },
    { name: 'missing run', args: ['average', 'nope'], code: 2, error: 'seq2seq: nope: run directory not found' },
    { name: 'no argument', args: ['average'], code: 2, error: "error: missing required argument 'run'" },
  ],
  eval: [
    {
      name: 'no --test',
      args: ['eval', '--model', 'run'],
      code: 2,
      error: "error: required option '--test <corpus...>' not specified",
    },
    {
      name: 'missing test files',
      args: ['eval', '--model', 'run', '--test', 'nofile.en', 'nofile.de'],
      code: 2,
      error: 'seq2seq: nofile.en: no such file',
    },
    {
      name: 'mismatched line counts',
      args: ['eval', '--model', 'run', '--test', 'm.en', 'm.de'],
      code: 2,
      error: `seq2seq: m.de:1: ends after line 1, but m.en continues (line 2): ${MISMATCH}`,
    },
    {
      name: 'empty test corpus',
      args: ['eval', '--model', 'run', '--test', 'empty.en', 'empty.de'],
      code: 2,
      error: 'seq2seq: empty.en empty.de: no sentence pairs to evaluate',
    },
    {
      name: 'unknown metric',
      args: ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--metrics', 'bleu,foo'],
      code: 2,
      error: "seq2seq: unknown metric 'foo' (expected bleu, chrf or chrf++)",
    },
    {
      name: '--beam 0',
      args: ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '0'],
      code: 2,
      error: "seq2seq: --beam must be an integer ≥ 1, got '0'",
    },
    {
      name: '--hyp-out is a directory (before decoding)',
      args: ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--hyp-out', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected a file',
    },
    {
      name: 'truncated weights',
      args: ['eval', '--model', 'r-truncated-5', '--test', 'v', '--src', 'en', '--tgt', 'de'],
      code: 2,
      error: 'seq2seq: r-truncated-5/best/model.safetensors: truncated safetensors file (5 bytes, no header)',
    },
    {
      name: 'NUL byte in the test corpus',
      args: ['eval', '--model', 'run', '--test', 'nul.en', 'nul.de'],
      code: 2,
      error: 'seq2seq: nul.en:1: NUL byte at column 2 (binary file?)',
    },
  ],
  score: [
    {
      name: 'hyp and ref of different lengths',
      args: ['score', '--hyp', 'hyp.txt', '--ref', 'ref1.txt'],
      code: 2,
      error: 'seq2seq: hyp.txt has 2 lines but ref1.txt has 1: the files must be aligned line by line',
    },
    {
      name: 'no --ref',
      args: ['score', '--hyp', 'hyp.txt'],
      code: 2,
      error: 'seq2seq: at least one --ref FILE is required',
    },
    {
      name: 'missing hyp',
      args: ['score', '--hyp', 'nofile', '--ref', 'ref1.txt'],
      code: 2,
      error: 'seq2seq: nofile: no such file',
    },
    {
      name: 'bad --tokenize',
      args: ['score', '--hyp', 'hyp.txt', '--ref', 'hyp.txt', '--tokenize', 'foo'],
      code: 2,
      error: "seq2seq: --tokenize must be one of 13a, intl, char, none, got 'foo'",
    },
    {
      name: 'bad --smooth',
      args: ['score', '--hyp', 'hyp.txt', '--ref', 'hyp.txt', '--smooth', 'foo'],
      code: 2,
      error: "seq2seq: --smooth must be one of exp, floor, add-k, none, got 'foo'",
    },
    {
      name: 'unknown metric',
      args: ['score', '--hyp', 'hyp.txt', '--ref', 'hyp.txt', '--metrics', 'foo'],
      code: 2,
      error: "seq2seq: unknown metric 'foo' (expected bleu, chrf or chrf++)",
    },
    {
      name: '--smooth-value abc',
      args: ['score', '--hyp', 'hyp.txt', '--ref', 'hyp.txt', '--smooth', 'floor', '--smooth-value', 'abc'],
      code: 2,
      error: "seq2seq: --smooth-value must be a non-negative number, got 'abc'",
    },
    {
      name: '--model without --test',
      args: ['score', '--model', 'run'],
      code: 2,
      error: 'seq2seq: --model needs --test CORPUS (or use --hyp/--ref without a model)',
    },
    {
      name: '--model with a tokenizer that does not fit',
      args: ['score', '--model', 'r-tok150', '--test', 'v', '--src', 'en', '--tgt', 'de'],
      code: 2,
      error: 'seq2seq: r-tok150/tokenizer.json: 150 tokens, but the model in best has a source vocabulary of 200',
    },
    {
      name: 'invalid UTF-8 in the hypotheses',
      args: ['score', '--hyp', 'bad.en', '--ref', 'bad.de'],
      code: 2,
      error: 'seq2seq: bad.en:2: invalid UTF-8 (byte 0xFF at column 3)',
    },
  ],
  train: [
    {
      name: 'config: unknown key',
      args: [...TRAIN_2_STEPS, '--out', 'o1', '--config', 'unknown-key.json'],
      code: 2,
      error: "seq2seq: unknown-key.json: unknown key 'presett'",
    },
    {
      name: 'config: unknown model key',
      args: [...TRAIN_2_STEPS, '--out', 'o2', '--config', 'unknown-model-key.json'],
      code: 2,
      error: "seq2seq: unknown-model-key.json: unknown key 'model.hiddenSie'",
    },
    {
      name: 'config: wrong type (model.hiddenSize)',
      args: [...TRAIN_2_STEPS, '--out', 'o3', '--config', 'wrong-type.json'],
      code: 2,
      error: 'seq2seq: wrong-type.json: model.hiddenSize must be a number',
    },
    {
      name: 'config: wrong type (lr)',
      args: [...TRAIN_2_STEPS, '--out', 'o4', '--config', 'wrong-type-lr.json'],
      code: 2,
      error: 'seq2seq: wrong-type-lr.json: lr must be a number',
    },
    {
      name: 'config: not JSON',
      args: [...TRAIN_2_STEPS, '--out', 'o5', '--config', 'not-json.json'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: not-json\.json: not valid JSON \(/) as unknown as string,
    },
    {
      name: 'config: not an object',
      args: [...TRAIN_2_STEPS, '--out', 'o6', '--config', 'array.json'],
      code: 2,
      error: 'seq2seq: array.json: expected a JSON object of training settings',
    },
    {
      name: 'config: missing',
      args: [...TRAIN_2_STEPS, '--out', 'o7', '--config', 'nofile.json'],
      code: 2,
      error: 'seq2seq: nofile.json: no such file',
    },
    {
      name: 'config: a directory',
      args: [...TRAIN_2_STEPS, '--out', 'o8', '--config', 'adir'],
      code: 2,
      error: 'seq2seq: adir: is a directory, expected a file',
    },
    {
      name: '--out already holds a run',
      args: [...TRAIN_2_STEPS, '--out', 'run'],
      code: 2,
      error: 'seq2seq: run: already holds a run (continue it with --resume run, or choose another --out)',
    },
    {
      name: 'negative --hidden-size',
      args: [...TRAIN_2_STEPS, '--out', 'o9', '--hidden-size', '-3'],
      code: 2,
      error: 'seq2seq: options: --hidden-size must be positive',
    },
    {
      name: '--hidden-size abc',
      args: [...TRAIN_2_STEPS, '--out', 'o10', '--hidden-size', 'abc'],
      code: 2,
      error: "seq2seq: --hidden-size: expected a number, got 'abc'",
    },
    {
      name: '--vocab-size 3',
      args: [...TRAIN_2_STEPS, '--out', 'o11', '--vocab-size', '3'],
      code: 2,
      error: 'seq2seq: options: --vocab-size must be at least 8',
    },
    {
      name: 'unknown --preset',
      args: [...TRAIN_2_STEPS, '--out', 'o12', '--preset', 'huge'],
      code: 2,
      error: 'seq2seq: options: --preset must be tiny, small, base, multi30k or tatoeba',
    },
    {
      name: 'unknown --cell',
      args: [...TRAIN_2_STEPS, '--out', 'o13', '--cell', 'foo'],
      code: 2,
      error: 'seq2seq: options: --cell must be rnn, gru or lstm',
    },
    {
      name: '--dropout 1.5',
      args: [...TRAIN_2_STEPS, '--out', 'o14', '--dropout', '1.5'],
      code: 2,
      error: 'seq2seq: options: --dropout must be in [0, 1)',
    },
    {
      name: '--lr 0',
      args: [...TRAIN_2_STEPS, '--out', 'o15', '--lr', '0'],
      code: 2,
      error: 'seq2seq: options: --lr must be positive',
    },
    {
      name: 'unknown --optimizer',
      args: [...TRAIN_2_STEPS, '--out', 'o16', '--optimizer', 'foo'],
      code: 2,
      error: 'seq2seq: options: --optimizer must be adam or sgd',
    },
    {
      name: 'bad --time-budget: refused before the run directory is created',
      args: [...TRAIN_2_STEPS, '--out', 'o17', '--time-budget', 'soon'],
      code: 2,
      error: "seq2seq: --time-budget: cannot read 'soon' as a duration (e.g. 90s, 30m, 1h30m)",
      check: () => expect(existsSync(join(fx.dir, 'o17'))).toBe(false),
    },
    {
      name: 'unknown flag',
      args: [...TRAIN_2_STEPS, '--out', 'o18', '--bogus'],
      code: 2,
      error: "error: unknown option '--bogus'",
    },
    {
      name: 'no --train',
      args: ['train', '--valid', 'v', '--src', 'en', '--tgt', 'de', '--out', 'o19'],
      code: 2,
      error: 'seq2seq: --train CORPUS is required (or "train" in the config file)',
    },
    {
      name: 'no --out',
      args: TRAIN_2_STEPS,
      code: 2,
      error: 'seq2seq: --out DIR is required (or "out" in the config file)',
    },
    {
      name: 'empty training corpus: no run directory left behind',
      args: [
        'train',
        '--train',
        'empty',
        '--valid',
        'v',
        '--src',
        'en',
        '--tgt',
        'de',
        '--preset',
        'tiny',
        '--max-steps',
        '2',
        '--out',
        'o20',
        '--log-format',
        'plain',
      ],
      code: 2,
      error: 'seq2seq: $DIR/empty: the training corpus has no sentence pairs',
      check: () => expect(existsSync(join(fx.dir, 'o20'))).toBe(false),
    },
    {
      name: 'mismatched training files',
      args: [
        'train',
        '--train',
        'm',
        '--valid',
        'v',
        '--src',
        'en',
        '--tgt',
        'de',
        '--preset',
        'tiny',
        '--out',
        'o21',
        '--log-format',
        'plain',
      ],
      code: 2,
      error: `seq2seq: $DIR/m.de:1: ends after line 1, but $DIR/m.en continues (line 2): ${MISMATCH}`,
    },
    {
      name: 'invalid UTF-8 in the training corpus',
      args: [
        'train',
        '--train',
        'bad',
        '--valid',
        'v',
        '--src',
        'en',
        '--tgt',
        'de',
        '--preset',
        'tiny',
        '--out',
        'o22',
        '--log-format',
        'plain',
      ],
      code: 2,
      error: 'seq2seq: $DIR/bad.en:2: invalid UTF-8 (byte 0xFF at column 3)',
    },
    {
      name: '--tokenizer missing',
      args: [...TRAIN_2_STEPS, '--out', 'o23', '--tokenizer', 'nofile.json'],
      code: 2,
      error: 'seq2seq: $DIR/nofile.json: no such file',
    },
    {
      name: '--tokenizer not JSON',
      args: [...TRAIN_2_STEPS, '--out', 'o24', '--tokenizer', 't.en'],
      code: 2,
      error: expect.stringMatching(/^seq2seq: \/.*\/t\.en: not valid JSON \(/) as unknown as string,
    },
    {
      name: '--resume: missing run',
      args: ['train', '--resume', 'nope', '--max-steps', '3'],
      code: 2,
      error: 'seq2seq: nope: run directory not found',
    },
    {
      name: '--resume: config.json missing',
      args: ['train', '--resume', 'r-no-config', '--max-steps', '30'],
      code: 2,
      error: 'seq2seq: r-no-config/config.json: file not found (not a run directory?)',
    },
    {
      name: '--resume: optimizer state truncated',
      args: ['train', '--resume', 'r-opt-truncated', '--max-steps', '30'],
      code: 2,
      error: expect.stringMatching(
        /^seq2seq: r-opt-truncated\/last\/train-state\/optimizer\.safetensors: truncated safetensors file \(header claims \d+ bytes, file has 92 after the length\)$/,
      ) as unknown as string,
    },
    {
      name: '--resume: state.json not JSON',
      args: ['train', '--resume', 'r-state-not-json', '--max-steps', '30'],
      code: 2,
      error: expect.stringMatching(
        /^seq2seq: r-state-not-json\/last\/train-state\/state\.json: not valid JSON \(/,
      ) as unknown as string,
    },
    {
      name: '--resume with --config',
      args: ['train', '--resume', 'run', '--config', 'unknown-key.json'],
      code: 2,
      error: "seq2seq: --resume continues with the run's saved settings: --config cannot be given",
    },
  ],
  gradcheck: [
    {
      name: 'unknown --cell',
      args: ['gradcheck', '--cell', 'foo'],
      code: 2,
      error: "seq2seq: --cell must be one of rnn, gru, lstm, got 'foo'",
    },
    {
      name: 'unknown --attention',
      args: ['gradcheck', '--attention', 'foo'],
      code: 2,
      error: "seq2seq: --attention must be one of none, bahdanau, luong-dot, luong-general, got 'foo'",
    },
    {
      name: '--seed abc',
      args: ['gradcheck', '--seed', 'abc'],
      code: 2,
      error: "seq2seq: --seed must be an integer ≥ 0, got 'abc'",
    },
  ],
  doctor: [
    {
      name: 'bad --format',
      args: ['doctor', '--format', 'xml'],
      code: 2,
      error: "seq2seq: --format must be text or json, got 'xml'",
    },
  ],
};

/** Progress lines `train` may print on stderr before it meets the bad input. */
const PROGRESS = /^(reading |learning |loading |$)/;

function checkResult(c: Case, r: CliResult): void {
  const where = `${c.args.join(' ')}\n--- stderr:\n${r.stderr.slice(0, 2000)}`;
  expect(stackLines(r.stderr + r.stdout), where).toEqual([]);
  expect(r.code, where).toBe(c.code);
  const { line, before } = errorLine(r.stderr);
  if (c.error === null) {
    expect(line, where).toBeUndefined();
  } else {
    const expected = typeof c.error === 'string' ? c.error.replaceAll('$DIR', fx.dir) : c.error;
    expect(line, where).toEqual(expected);
    for (const l of before) expect(l, `${where}\nunexpected line before the error`).toMatch(PROGRESS);
  }
  c.check?.(r);
}

// One flat concurrent suite, so that small groups do not leave the subprocess slots idle.
describe.concurrent('bad input', () => {
  for (const [command, cases] of Object.entries(CASES)) {
    for (const c of cases) {
      it(`${command}: ${c.name}`, async () => {
        const r = await runCli(c.args, { input: c.input, cwd: fx.dir });
        checkResult(c, r);
      });
    }
  }
});

describe.concurrent('bad input: translate normalises CRLF and BOM', () => {
  it('CRLF input with a BOM translates exactly like LF input', async () => {
    const lf = await runCli(['translate', '--model', 'run', '--beam', '1', '-i', 'lf.en'], { cwd: fx.dir });
    const crlf = await runCli(['translate', '--model', 'run', '--beam', '1'], {
      cwd: fx.dir,
      input: '\ufeff' + readFileSync(join(fx.dir, 'crlf.en'), 'utf8'),
    });
    expect(lf.code).toBe(0);
    expect(crlf.code).toBe(0);
    expect(crlf.stdout.split('\n')).toHaveLength(4); // 3 lines + final newline
    expect(crlf.stdout).toBe(lf.stdout);
    expect(stackLines(crlf.stderr)).toEqual([]);
  });
});

describe.concurrent('bad input: output to a closed pipe ends quietly with exit 0', () => {
  // 2,000 input lines: far more output than a pipe buffer holds once `head -1` has exited.
  const pipeCases: [string, string][] = [
    [
      'translate',
      'for i in $(seq 1 67); do cat v.en; done | $S2S translate --model run --beam 1 | head -1 >/dev/null; echo "exit=${PIPESTATUS[1]}"',
    ],
    [
      'bpe apply',
      'for i in $(seq 1 20); do cat t.en; done | $S2S bpe apply -t run/tokenizer.json | head -1 >/dev/null; echo "exit=${PIPESTATUS[1]}"',
    ],
    ['corpus stats', '$S2S corpus stats t.en t.de | head -1 >/dev/null; echo "exit=${PIPESTATUS[0]}"'],
    ['inspect', '$S2S inspect run | head -1 >/dev/null; echo "exit=${PIPESTATUS[0]}"'],
  ];
  for (const [name, script] of pipeCases) {
    it(`${name} | head -1`, async () => {
      const r = await runBash(script, fx.dir);
      expect(r.stdout.trim(), r.stderr).toBe('exit=0');
      expect(r.stderr).toBe('');
    });
  }
});

describe('bad input: permission denied', () => {
  // root ignores chmod 000, so as root the CLI is started as user nobody (65534) instead.
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => (asRoot ? runAs(65534, args, fx.dir) : runCli(args, { cwd: fx.dir }));
  let canSwitch = true;
  beforeAll(async () => {
    chmodSync(fx.dir, 0o755);
    writeFileSync(join(fx.dir, 'secret.en'), 'a\n');
    writeFileSync(join(fx.dir, 'secret.de'), 'b\n');
    chmodSync(join(fx.dir, 'secret.en'), 0o000);
    mkdirSync(join(fx.dir, 'ro'), { recursive: true });
    chmodSync(join(fx.dir, 'ro'), 0o555);
    if (asRoot) {
      const probe = await runAs(65534, ['--version'], fx.dir).catch(() => ({ code: -1, stdout: '', stderr: '' }));
      canSwitch = probe.code === 0;
    }
  });

  it('unreadable corpus file', async (ctx) => {
    if (!canSwitch) ctx.skip(); // visible in the report as skipped: cannot start the CLI as another user
    const r = await run(['corpus', 'stats', 'secret.en', 'secret.de']);
    checkResult({ name: '', args: [], code: 2, error: 'seq2seq: secret.en: permission denied' }, r);
  });

  it('output file in a read-only directory; nothing is left there', async (ctx) => {
    if (!canSwitch) ctx.skip();
    const r = await run(['translate', '--model', 'run', '-i', 'v.en', '--beam', '1', '-o', 'ro/out.txt']);
    checkResult(
      { name: '', args: [], code: 2, error: 'seq2seq: ro/out.txt: permission denied (cannot write in ro)' },
      r,
    );
    expect(readdirSync(join(fx.dir, 'ro'))).toEqual([]);
  });
});

describe('bad input: full disk (64 KiB tmpfs)', () => {
  let full = '';
  let mounted = false;
  let why = '';
  beforeAll(() => {
    full = join(fx.dir, 'full');
    mkdirSync(full);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      why = String((err as { stderr?: Buffer }).stderr ?? err)
        .trim()
        .split('\n')[0];
      return;
    }
    writeFileSync(join(full, 'keep.txt'), 'the previous output\n');
    try {
      writeFileSync(join(full, 'filler'), Buffer.alloc(1 << 20)); // fills the disk, then fails
    } catch {
      /* ENOSPC: the disk is full now */
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [full]);
  });

  it('translate -o onto a full disk: exit 1, one line, the previous file kept, no temp file left (skipped when tmpfs cannot be mounted)', async (ctx) => {
    if (!mounted) {
      console.warn(`full-disk case skipped: mount -t tmpfs failed (${why})`);
      ctx.skip();
    }
    const r = await runCli(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en', '-o', 'full/keep.txt'], {
      cwd: fx.dir,
    });
    checkResult(
      {
        name: '',
        args: [],
        code: 1,
        error: 'seq2seq: full/keep.txt: no space left on device; nothing written, any previous file kept',
      },
      r,
    );
    expect(readFileSync(join(full, 'keep.txt'), 'utf8')).toBe('the previous output\n');
    expect(readdirSync(full).sort()).toEqual(['filler', 'keep.txt']);
  });

  it('bpe learn -o onto a full disk: exit 1, one line (skipped when tmpfs cannot be mounted)', async (ctx) => {
    if (!mounted) ctx.skip();
    const r = await runCli(['bpe', 'learn', '--vocab-size', '200', 't.en', 't.de', '-o', 'full/tok.json'], {
      cwd: fx.dir,
    });
    checkResult(
      {
        name: '',
        args: [],
        code: 1,
        error: 'seq2seq: full/tok.json: no space left on device; nothing written, any previous file kept',
      },
      r,
    );
    expect(readdirSync(full).sort()).toEqual(['filler', 'keep.txt']);
  });
});

describe.concurrent('what happens when a run is interrupted', () => {
  /** Starts the CLI, waits until `ready()` holds (polled), sends `signal`, and collects the result. */
  function interrupt(
    args: string[],
    ready: (stderr: string) => boolean,
    signal: NodeJS.Signals,
    input?: string,
  ): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: fx.dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      const poll = setInterval(() => {
        if (!sent && ready(err)) {
          sent = true;
          child.kill(signal);
        }
      }, 20);
      child.on('error', reject);
      child.on('close', (code, sig) => {
        clearInterval(poll);
        resolve({ code: code ?? (sig ? 128 : 1), stdout: out, stderr: err });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  }

  it('train: Ctrl-C (SIGINT) finishes the step, writes last/, prints the --resume command, exits 130', async () => {
    const r = await interrupt(
      trainArgs(100, [
        '--max-steps',
        '100000',
        '--eval-every',
        '100000',
        '--out',
        'sigint-run',
        '--log-format',
        'plain',
      ]),
      (stderr) => /^step \d+ /m.test(stderr),
      'SIGINT',
    );
    const runDir = join(fx.dir, 'sigint-run');
    expect(stackLines(r.stderr)).toEqual([]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'seq2seq: interrupted; checkpoint written to sigint-run/last (continue with: seq2seq train --resume sigint-run)',
    );
    expect(existsSync(join(runDir, 'last', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(runDir, 'last', 'train-state', 'state.json'))).toBe(true);
  });

  it('translate -o: SIGTERM midway leaves the previous output file untouched and no temp file, exits 143', async () => {
    writeFileSync(join(fx.dir, 'sig-out.txt'), 'the previous output\n');
    const many = readFileSync(join(fx.dir, 'v.en'), 'utf8').repeat(200); // 6,000 lines: long enough to interrupt
    const r = await interrupt(
      ['translate', '--model', 'run', '--beam', '5', '--batch-size', '8', '-o', 'sig-out.txt'],
      () => readdirSync(fx.dir).some((f) => f.startsWith('.sig-out.txt.tmp-')),
      'SIGTERM',
      many,
    );
    expect(stackLines(r.stderr)).toEqual([]);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr.trim()).toBe('seq2seq: interrupted (SIGTERM); sig-out.txt left untouched');
    expect(readFileSync(join(fx.dir, 'sig-out.txt'), 'utf8')).toBe('the previous output\n');
    expect(readdirSync(fx.dir).filter((f) => f.includes('sig-out.txt.tmp'))).toEqual([]);
  });
});
