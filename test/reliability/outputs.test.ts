/**
 * Every command's output, to every kind of output (randomized, seeded): the real CLI writes its
 * results to standard output or to a file it is given (-o, --hyp-out), and that output is a regular
 * file, a symbolic link to one, a FIFO with a reader, the null device (a character device 1,3 made
 * with mknod in the test's own directory), the full device (1,7), a file on a full disk (a 64 KiB
 * tmpfs) or a pipe whose reader has gone. Each case checks: no stack trace; the documented exit code
 * (0, or 1 with one line when the output cannot take the data); the output still the same kind of
 * file afterwards (a device still that device, a link still that link); no temporary file left; and
 * where the output was readable, one output line per input line for the commands that promise it.
 *
 * `npm test` runs one output kind per command (the kinds drawn from a seeded shuffle, so every kind
 * is used) with random input lines; SEQ2SEQ_OUTPUTS_ALL=1 (`npm run test:long`) runs every command
 * with every kind. SEQ2SEQ_FUZZ_SEED changes the seed.
 */
import fc from 'fast-check';
import {
  chmodSync,
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, trainArgs, type Fixtures } from './fixtures.js';
import {
  CAN,
  kindOf,
  leftovers,
  makeDevice,
  makeFifo,
  mountFullDisk,
  readFifo,
  run,
  traceLines,
  unmount,
  type RunResult,
} from './special-files.js';

const SEED = Number(process.env.SEQ2SEQ_FUZZ_SEED ?? 23);
const ALL = process.env.SEQ2SEQ_OUTPUTS_ALL === '1';

type Kind = 'file' | 'symlink' | 'fifo' | 'null' | 'full' | 'full disk' | 'closed pipe';
const KINDS: Kind[] = ['file', 'symlink', 'fifo', 'null', 'full', 'full disk', 'closed pipe'];

/** What a kind needs from the machine: null when it can be made here. */
function unavailable(kind: Kind): string | null {
  if (kind === 'fifo') return CAN.fifos;
  if (kind === 'null' || kind === 'full') return CAN.devices;
  if (kind === 'full disk') return CAN.mounts;
  return null;
}

interface Command {
  name: string;
  /** The arguments; `out` is the output file for commands that take one (else results go to stdout). */
  args: (out?: string) => string[];
  /** Whether it writes to a file given as `out` rather than to standard output. */
  toFile?: boolean;
  /** Standard input, from the random lines. */
  input?: (lines: string[]) => string;
  /** Output lines expected, when one line per input line is promised. */
  linesOut?: (lines: string[]) => number;
  /** Set up what the command needs in its directory. */
  prepare?: (dir: string) => void;
}

const perLine = (lines: string[]) => lines.length;
const asText = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

const COMMANDS: Command[] = [
  {
    name: 'translate (stdin → stdout)',
    args: () => ['translate', '--model', 'run', '--beam', '1'],
    input: asText,
    linesOut: perLine,
  },
  {
    name: 'translate --format jsonl',
    args: () => ['translate', '--model', 'run', '--beam', '2', '--format', 'jsonl'],
    input: asText,
    linesOut: perLine,
  },
  {
    name: 'translate -o',
    args: (out) => ['translate', '--model', 'run', '--beam', '1', '-i', 'in.txt', '-o', out!],
    toFile: true,
    linesOut: perLine,
  },
  { name: 'eval', args: () => ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '1'] },
  {
    name: 'eval --hyp-out',
    args: (out) => [
      'eval',
      '--model',
      'run',
      '--test',
      'v',
      '--src',
      'en',
      '--tgt',
      'de',
      '--beam',
      '1',
      '--hyp-out',
      out!,
    ],
    toFile: true,
    linesOut: () => 30,
  },
  { name: 'bpe apply', args: () => ['bpe', 'apply', '-t', 'run/tokenizer.json'], input: asText, linesOut: perLine },
  { name: 'bpe decode', args: () => ['bpe', 'decode', '-t', 'run/tokenizer.json'], input: asText, linesOut: perLine },
  {
    name: 'bpe learn -o',
    args: (out) => ['bpe', 'learn', '--vocab-size', '60', '--text', 't.en', '-o', out!],
    toFile: true,
  },
  { name: 'score', args: () => ['score', '--hyp', 'v.de', '--ref', 'v.de'] },
  {
    name: 'score --model',
    args: () => ['score', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--format', 'jsonl'],
    linesOut: () => 30,
  },
  { name: 'inspect', args: () => ['inspect', 'run'] },
  { name: 'doctor', args: () => ['doctor'] },
  { name: 'corpus stats', args: () => ['corpus', 'stats', 'v', '--src', 'en', '--tgt', 'de'] },
  {
    name: 'average',
    args: () => ['average', 'run', '--last', '2'],
    prepare: (d) => {
      for (const step of ['00000010', '00000020'])
        cpSync(join(d, 'run', 'best'), join(d, 'run', 'checkpoints', `step-${step}`), { recursive: true });
    },
  },
  { name: 'gradcheck', args: () => ['gradcheck', '--cell', 'rnn', '--attention', 'none', '--samples', '1'] },
  {
    name: 'train',
    args: () => trainArgs(60, ['--max-steps', '2', '--log-format', 'plain', '--out', 'new-run']),
  },
  { name: '--help', args: () => ['--help'] },
  { name: '--version', args: () => ['--version'] },
];

let fx: Fixtures;
let disk = '';

beforeAll(async () => {
  fx = await buildFixtures();
  chmodSync(fx.dir, 0o755);
  if (CAN.mounts === null) {
    disk = join(fx.dir, 'disk');
    const why = mountFullDisk(disk);
    if (why) throw new Error(`mount failed although the probe worked: ${why}`);
  }
}, 120_000);

afterAll(() => {
  if (disk) unmount(disk);
  if (fx) rmSync(fx.dir, { recursive: true, force: true });
});

/** Input lines: awkward but valid text (combining marks, astral characters, U+2028, tabs, BOMs inside). */
const lineArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('a man in an orange hat', 'two dogs\u2028run', '\ufeffzwei Hunde', 'tab\there', 'café ☕ 😀', ''),
);
const linesArb = fc.array(
  lineArb.map((l) => l.replace(/[\r\n\0]/g, ' ')),
  { minLength: 1, maxLength: 12 },
);

interface Case {
  command: Command;
  kind: Kind;
  lines: string[];
}

/** The cases: one kind per command (every kind used), or every pair with SEQ2SEQ_OUTPUTS_ALL. */
function cases(): Case[] {
  const inputs = fc.sample(linesArb, { seed: SEED, numRuns: COMMANDS.length * KINDS.length });
  const kinds = fc.sample(fc.shuffledSubarray(KINDS, { minLength: KINDS.length }), { seed: SEED, numRuns: 1 })[0];
  const out: Case[] = [];
  let next = 0;
  COMMANDS.forEach((command, i) => {
    // A file output has no pipe to close.
    const possible = KINDS.filter((k) => !(command.toFile && k === 'closed pipe'));
    let chosen = possible;
    if (!ALL) {
      while (!possible.includes(kinds[next % kinds.length])) next++;
      chosen = [kinds[next++ % kinds.length]];
    }
    chosen.forEach((kind, k) => out.push({ command, kind, lines: inputs[i * KINDS.length + k] }));
  });
  return out;
}

/** The output path of a case inside its directory (or on the full disk). */
function outputPath(c: Case, d: string): string {
  if (c.kind === 'full disk') return join(disk, `${d.split('/').pop()}.out`);
  return join(d, c.kind === 'symlink' ? 'link.out' : 'out');
}

/** Makes the output of kind `kind` at `path` (a regular file or a link's target hold "old"). */
function makeOutput(kind: Kind, path: string, d: string): void {
  if (kind === 'file') writeFileSync(path, 'old\n');
  if (kind === 'symlink') {
    writeFileSync(join(d, 'target.out'), 'old\n');
    symlinkSync('target.out', path);
  }
  if (kind === 'fifo') makeFifo(path);
  if (kind === 'null' || kind === 'full') makeDevice(path, kind);
}

interface Outcome {
  r: RunResult;
  d: string;
  out: string;
  /** What the output was just before the run (kindOf). */
  before: string;
  /** What a reader of the output got (a regular file, a link's target, a FIFO), else null. */
  read: Buffer | null;
}

async function runCase(c: Case): Promise<Outcome> {
  const d = mkdtempSync(join(fx.dir, 'case-'));
  for (const f of ['t.en', 't.de', 'v.en', 'v.de']) cpSync(join(fx.dir, f), join(d, f));
  cpSync(fx.run, join(d, 'run'), { recursive: true });
  writeFileSync(join(d, 'in.txt'), asText(c.lines));
  c.command.prepare?.(d);
  const out = outputPath(c, d);
  if (c.kind !== 'closed pipe' && c.kind !== 'full disk') makeOutput(c.kind, out, d);
  const reading = c.kind === 'fifo' ? readFifo(out) : null;
  let fd: number | null = null;
  // Standard output opened as the shell's `>` does (a new file on the full disk).
  if (!c.command.toFile && c.kind !== 'closed pipe') fd = openSync(out, c.kind === 'full disk' ? 'wx' : 'w');
  const before = kindOf(out);
  const input = c.command.input?.(c.lines);
  const r = await run(c.command.toFile ? c.command.args(out) : c.command.args(), {
    cwd: d,
    input,
    stdout: fd ?? (c.kind === 'closed pipe' ? 'closed' : 'pipe'),
  });
  if (fd !== null) closeSync(fd);
  const read = reading ? await reading : c.kind === 'file' || c.kind === 'symlink' ? readFileSync(out) : null;
  return { r, d, out, before, read };
}

function check(c: Case, { r, d, out, before, read }: Outcome): void {
  const where = `${c.command.name} → ${c.kind}\n--- stderr:\n${r.stderr.slice(0, 1500)}`;
  expect(traceLines(r.stderr + r.stdout), where).toEqual([]);
  expect(r.signal, where).toBeNull();
  const full = c.kind === 'full' || c.kind === 'full disk';
  expect(r.code, where).toBe(full ? 1 : 0);
  const error = r.stderr.split('\n').find((l) => l.startsWith('seq2seq:'));
  if (full) {
    const expected = !c.command.toFile
      ? 'seq2seq: cannot write to standard output: no space left on device'
      : c.kind === 'full'
        ? `seq2seq: cannot write to ${out}: no space left on device`
        : `seq2seq: ${out}: no space left on device; nothing written, any previous file kept`;
    expect(error, where).toBe(expected);
  } else expect(error, where).toBeUndefined();
  if (c.kind !== 'closed pipe') expect(kindOf(out), where).toBe(before);
  expect(leftovers(d), where).toEqual([]);
  if (c.kind === 'full disk') expect(leftovers(disk), where).toEqual([]);
  if (read !== null && c.command.linesOut) {
    const text = read.toString('utf8');
    // One line per input line: no other line break of any kind inside.
    expect(text.split('\n').length - 1, where).toBe(c.command.linesOut(c.lines));
    expect(text, where).not.toMatch(/[\r\v\f\u0085\u2028\u2029]/);
  }
}

describe('every command × every kind of output (randomized, seeded)', () => {
  const all = cases();
  it('covers every command and every kind of output', () => {
    expect(new Set(all.map((c) => c.command.name)).size).toBe(COMMANDS.length);
    expect(new Set(all.map((c) => c.kind)).size).toBe(KINDS.length);
  });
  for (const c of all) {
    it.skipIf(unavailable(c.kind) !== null).concurrent(`${c.command.name} → ${c.kind}`, async () => {
      check(c, await runCase(c));
    });
  }
});
