/**
 * Fixtures of the reliability suites: small corpora cut from corpora/demo, the `train` command on them, a tiny
 * real run trained once by the real CLI in a temporary directory, helpers that copy that run and break one file
 * of it, a bash runner for pipelines, and the error line of stderr.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO, runCli, runProcess, type CliResult } from '../helpers/run-cli.js';

export interface Fixtures {
  /** The temporary working directory every case runs in (paths in cases are relative to it). */
  dir: string;
  /** A trained tiny run: `run/` inside `dir`. */
  run: string;
}

function firstLines(path: string, n: number): string {
  return readFileSync(path, 'utf8').split('\n').slice(0, n).join('\n') + '\n';
}

/** Writes the fixture corpora into `dir`: t.en/t.de (300 pairs) and v.en/v.de, cut from corpora/demo. */
export function writeCorpora(dir: string, validPairs = 30): void {
  const demo = join(REPO, 'corpora', 'demo');
  for (const lang of ['en', 'de']) {
    writeFileSync(join(dir, `t.${lang}`), firstLines(join(demo, `train.${lang}`), 300));
    writeFileSync(join(dir, `v.${lang}`), firstLines(join(demo, `valid.${lang}`), validPairs));
  }
}

/**
 * `train` on the fixture corpora (t → training, v → validation unless `valid` is false; en → de) with the
 * tiny preset and a vocabulary of `vocabSize`; `extra` flags go last.
 */
export function trainArgs(vocabSize: number, extra: string[] = [], { valid = true } = {}): string[] {
  return [
    'train',
    '--train',
    't',
    ...(valid ? ['--valid', 'v'] : []),
    '--src',
    'en',
    '--tgt',
    'de',
    '--preset',
    'tiny',
    '--vocab-size',
    String(vocabSize),
    ...extra,
  ];
}

/** What a run directory holds after training, sorted (no temporary file). */
export const RUN_DIR_ENTRIES = ['best', 'config.json', 'history.jsonl', 'last', 'model.safetensors', 'tokenizer.json'];

/** Two steps of training on the fixture corpora (add --out): for the cases that fail before or after them. */
export const TRAIN_2_STEPS = trainArgs(100, ['--max-steps', '2', '--log-format', 'plain']);

/** Writes the corpora and trains the shared tiny run (about 2 s). */
export async function buildFixtures(): Promise<Fixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'seq2seq-bad-input-'));
  writeCorpora(dir);
  const train = trainArgs(200, ['--out', 'run', '--max-steps', '20', '--log-format', 'plain', '--seed', '1']);
  const r = await runCli(train, { cwd: dir });
  if (r.code !== 0) throw new Error(`fixture training failed (exit ${r.code}): ${r.stderr}`);
  // A tokenizer of another vocabulary size, for the "tokenizer does not fit the model" cases.
  const b = await runCli(['bpe', 'learn', '--vocab-size', '150', 't.en', 't.de', '-o', 'tok150.json'], { cwd: dir });
  if (b.code !== 0) throw new Error(`fixture bpe learn failed: ${b.stderr}`);
  mkdirSync(join(dir, 'adir'));
  return { dir, run: join(dir, 'run') };
}

/** Copies the trained run to `dir/name` and returns that path, for a case to break. */
export function copyRun(fx: Fixtures, name: string): string {
  const to = join(fx.dir, name);
  cpSync(fx.run, to, { recursive: true });
  return to;
}

/** safetensors: 8-byte little-endian header length, JSON header, data. */
export function readSafetensors(path: string): {
  header: Record<string, { dtype?: string; shape?: number[]; data_offsets: [number, number] }>;
  data: Buffer;
} {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}

export function writeSafetensors(path: string, header: object, data: Buffer): void {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json, 'utf8'), data]));
}

/** Runs `script` in bash (for pipelines; $S2S is the CLI); returns stdout and stderr. */
export function runBash(script: string, cwd: string): Promise<CliResult> {
  return runProcess('bash', ['-c', script], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', S2S: `${process.execPath} ${BIN}` },
    timeoutMs: 120_000,
  });
}

/** The first line of stderr that reports an error, after the progress lines train prints. */
export function errorLine(stderr: string): { line: string | undefined; before: string[] } {
  const lines = stderr.split('\n');
  const i = lines.findIndex((l) => l.startsWith('seq2seq:') || l.startsWith('error:'));
  return { line: i < 0 ? undefined : lines[i], before: i < 0 ? lines : lines.slice(0, i) };
}

/** Lines that look like a JavaScript stack trace. */
export function stackLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s+at /.test(l));
}
