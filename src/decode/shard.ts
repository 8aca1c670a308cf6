/**
 * Sharded batch translation (`seq2seq translate -i IN -o OUT --shard I/N`): job I of N translates the I-th of
 * N contiguous line ranges of IN, so the N outputs concatenated in order are the unsharded output.
 *   lines of shard I = [⌊I·L/N⌋, ⌊(I+1)·L/N⌋)   (L = lines of IN, counted as the line reader counts them)
 * The shard's output is written to OUT.partial (with OUT.partial.json naming the input, the range and the
 * decoding settings) and renamed to OUT when complete. A job started again skips a complete OUT (one line per
 * input line of its range), and resumes a killed one: it keeps the complete lines of OUT.partial and
 * translates the rest — unless the partial file belongs to other settings, then it starts over.
 * `--shard auto` takes I (and N) from the scheduler: a Kubernetes Indexed Job (JOB_COMPLETION_INDEX; N as
 * auto/N, the Job's completions), a Slurm job array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, step
 * SLURM_ARRAY_TASK_STEP, N = SLURM_ARRAY_TASK_COUNT) or GNU parallel (PARALLEL_SEQ − 1; N as auto/N).
 * `{i}` in OUT becomes I, zero-padded to the width of N − 1, so that `cat OUT-*` concatenates in order.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { TextLine } from '../data/line-reader.js';
import { fsyncDir, writeFileAtomic } from '../util/atomic-write.js';
import { crashPoint } from '../util/crash-point.js';
import { streamLines } from './stream-lines.js';
import { type OutputFormat, translateStream } from './stream-translate.js';
import type { Translator } from './translator.js';

export interface ShardSpec {
  /** 0-based shard index I < count. */
  index: number;
  count: number;
  /** Where I and N came from, for messages: "--shard 3/16", "Slurm array task 4 of 16", … */
  source: string;
}

type Env = Record<string, string | undefined>;

function envInt(env: Env, name: string): number | null {
  const v = env[name];
  if (v === undefined || v.trim() === '') return null;
  if (!/^\s*\d+\s*$/.test(v)) throw new InputError(`--shard auto: ${name}=${v} is not a non-negative integer`);
  return Number(v);
}

/** `I/N` (0 ≤ I < N), `auto` or `auto/N`; auto reads the scheduler's variables from `env`. */
export function parseShardSpec(spec: string, env: Env = process.env): ShardSpec {
  const fixed = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const auto = /^auto(?:\/(\d+))?$/.exec(spec.trim());
  let s: ShardSpec;
  if (fixed) s = { index: Number(fixed[1]), count: Number(fixed[2]), source: `--shard ${spec.trim()}` };
  else if (auto) s = fromScheduler(env, auto[1] === undefined ? null : Number(auto[1]));
  else throw new InputError(`--shard must be I/N (0 ≤ I < N), auto or auto/N, got '${spec}'`);
  if (!(Number.isSafeInteger(s.count) && s.count >= 1))
    throw new InputError(`--shard: the number of shards must be ≥ 1 (${s.source})`);
  if (!(Number.isSafeInteger(s.index) && s.index < s.count))
    throw new InputError(
      `--shard: shard index ${s.index} is not below the number of shards ${s.count} ` +
        `(${s.source}; indices count from 0)`,
    );
  return s;
}

function fromScheduler(env: Env, given: number | null): ShardSpec {
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== null) {
    if (given === null)
      throw new InputError(
        '--shard auto: a Kubernetes Indexed Job does not tell its completions: give them as --shard auto/N',
      );
    return { index: k8s, count: given, source: `Kubernetes Indexed Job, JOB_COMPLETION_INDEX=${k8s} of ${given}` };
  }
  const task = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (task !== null) {
    const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    if (count === null && given === null)
      throw new InputError(
        '--shard auto: SLURM_ARRAY_TASK_ID without SLURM_ARRAY_TASK_COUNT: give the count as --shard auto/N',
      );
    if (count !== null && given !== null && count !== given)
      throw new InputError(`--shard auto/${given}: the Slurm array has SLURM_ARRAY_TASK_COUNT=${count} tasks`);
    if (task < min || step < 1 || (task - min) % step !== 0)
      throw new InputError(
        `--shard auto: SLURM_ARRAY_TASK_ID=${task} is not in the array ${min}, ${min + step}, … ` +
          '(SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP)',
      );
    const n = count ?? given!;
    return {
      index: (task - min) / step,
      count: n,
      source: `Slurm array task ${task} (index ${(task - min) / step} of ${n})`,
    };
  }
  const seq = envInt(env, 'PARALLEL_SEQ');
  if (seq !== null) {
    if (given === null)
      throw new InputError('--shard auto: GNU parallel does not tell the number of jobs: give it as --shard auto/N');
    if (seq < 1) throw new InputError(`--shard auto: PARALLEL_SEQ=${seq} (GNU parallel counts jobs from 1)`);
    return { index: seq - 1, count: given, source: `GNU parallel job ${seq} of ${given}` };
  }
  throw new InputError(
    '--shard auto: no JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm job array) ' +
      'or PARALLEL_SEQ (GNU parallel) in the environment',
  );
}

/** [start, end) of shard `index` of `count` over `lines` lines: contiguous, in order, sizes differing by at most 1. */
export function shardRange(lines: number, index: number, count: number): [number, number] {
  return [Math.floor((index * lines) / count), Math.floor(((index + 1) * lines) / count)];
}

/** OUT with `{i}` replaced by the shard index, zero-padded to the width of count − 1. */
export function shardOutputPath(template: string, s: ShardSpec): string {
  return template.replaceAll('{i}', String(s.index).padStart(String(s.count - 1).length, '0'));
}

const CHUNK = 1 << 20;

/**
 * Reads `path` from byte 0 and calls `each(offsetAfterNewline)` for every newline; stops when it returns false.
 * Returns the file size.
 */
function scanNewlines(path: string, each: (after: number) => boolean): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) return pos;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1))
        if (!each(pos + i + 1)) return fstatSync(fd).size;
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines as the line reader counts them: every newline ends one, and a last line without one counts too. */
export function countLines(path: string): { lines: number; bytes: number; lastEnd: number } {
  let lines = 0;
  let lastEnd = 0;
  const bytes = scanNewlines(path, (after) => {
    lines++;
    lastEnd = after;
    return true;
  });
  return { lines: lines + (bytes > lastEnd ? 1 : 0), bytes, lastEnd };
}

/** Byte offsets where the 0-based lines `a` ≤ `b` start (the file size for the line after the last), in one pass. */
function lineStarts(path: string, a: number, b: number, size: number): [number, number] {
  const at = [a === 0 ? 0 : size, b === 0 ? 0 : size];
  let seen = 0;
  if (b > 0)
    scanNewlines(path, (after) => {
      seen++;
      if (seen === a) at[0] = after;
      if (seen < b) return true;
      at[1] = after;
      return false;
    });
  return [at[0], at[1]];
}

export interface ShardPlan {
  shard: ShardSpec;
  input: string;
  output: string;
  partial: string;
  /** The shard's 0-based input lines [start, end) and their bytes [startByte, endByte). */
  start: number;
  end: number;
  startByte: number;
  endByte: number;
  inputLines: number;
  inputBytes: number;
  /** True when `output` already holds the shard's translation (one line per input line). */
  complete: boolean;
}

/** Where shard `s` of `input` goes and whether it is already done (no model needed for this). */
export function planShard(input: string, outputTemplate: string, s: ShardSpec): ShardPlan {
  const output = shardOutputPath(outputTemplate, s);
  const { lines, bytes } = countLines(input);
  const [start, end] = shardRange(lines, s.index, s.count);
  const [startByte, endByte] = lineStarts(input, start, end, bytes);
  let complete = false;
  if (existsSync(output)) {
    if (statSync(output).isDirectory()) throw new InputError(`${output}: is a directory, expected a file`);
    const have = countLines(output).lines;
    if (have !== end - start) {
      throw new InputError(
        `${output}: exists with ${have} lines, but shard ${s.index}/${s.count} has ${end - start} input lines ` +
          `(lines ${start + 1}–${end} of ${input}); remove it to translate the shard again`,
      );
    }
    complete = true;
  }
  return {
    shard: s,
    input,
    output,
    partial: `${output}.partial`,
    start,
    end,
    startByte,
    endByte,
    inputLines: lines,
    inputBytes: bytes,
    complete,
  };
}

export interface ShardTranslateOptions {
  batchSize: number;
  format: OutputFormat;
  /** Translate sentence by sentence, joined back per line (translate --split-sentences). */
  splitSentences?: boolean;
  /** The decoding settings (models, beam, …): a partial output made with others is not continued. */
  identity: Record<string, unknown>;
  onNote?: (message: string) => void;
  onWarning?: (message: string) => void;
}

/** The lines [start, end) of the plan's input, numbered as in the file (the same rules as the file reader). */
async function* rangeLines(p: ShardPlan): AsyncGenerator<TextLine> {
  if (p.endByte <= p.startByte) return;
  const stream = createReadStream(p.input, { start: p.startByte, end: p.endByte - 1 });
  // Inside the file, a byte order mark is text: a leading empty line keeps streamLines from stripping one.
  async function* bytes(): AsyncGenerator<Buffer> {
    if (p.startByte > 0) yield Buffer.from('\n');
    for await (const chunk of stream) yield chunk as Buffer;
  }
  const shift = p.startByte > 0 ? 1 : 0;
  for await (const l of streamLines(bytes(), p.input)) {
    if (l.line <= shift) continue;
    yield { text: l.text, line: p.start + l.line - shift };
  }
}

/**
 * Keeps the complete lines of a partial output (cutting a line a kill left half written); returns how many.
 */
function keepCompleteLines(partial: string): number {
  const { lines, bytes, lastEnd } = countLines(partial);
  if (bytes === lastEnd) return lines;
  const fd = openSync(partial, 'r+');
  try {
    ftruncateSync(fd, lastEnd);
  } finally {
    closeSync(fd);
  }
  return lines - 1;
}

/** Translates the plan's lines into its output (resuming a partial one); returns the lines done now and before. */
export async function translateShard(
  translator: Translator,
  p: ShardPlan,
  o: ShardTranslateOptions,
): Promise<{ translated: number; resumed: number }> {
  const meta = `${p.partial}.json`;
  const identity = JSON.stringify({
    input: resolve(p.input),
    inputBytes: p.inputBytes,
    shard: [p.shard.index, p.shard.count],
    lines: [p.start, p.end],
    format: o.format,
    splitSentences: o.splitSentences === true,
    ...o.identity,
  });
  let done = 0;
  if (existsSync(p.partial) && existsSync(meta) && readFileSync(meta, 'utf8') === identity) {
    done = keepCompleteLines(p.partial);
    if (done > p.end - p.start)
      throw new InputError(`${p.partial}: holds ${done} lines, more than the shard's ${p.end - p.start}; remove it`);
    if (done > 0) o.onNote?.(`${p.partial}: resuming after ${done} of ${p.end - p.start} lines`);
  } else {
    if (existsSync(p.partial)) o.onNote?.(`${p.partial}: made with other settings or input; starting over`);
    writeFileAtomic(meta, identity);
    const fd = openSync(p.partial, 'w');
    closeSync(fd);
  }
  const fd = openSync(p.partial, 'a');
  let translated = 0;
  try {
    let skip = done;
    async function* todo(): AsyncGenerator<TextLine> {
      for await (const l of rangeLines(p)) {
        if (skip > 0) {
          skip--;
          continue;
        }
        yield l;
      }
    }
    const write = async (text: string): Promise<boolean> => {
      const b = Buffer.from(text, 'utf8');
      const half = b.length >> 1;
      for (let off = 0; off < half; ) off += writeSync(fd, b, off, half - off);
      crashPoint('shard.half-written'); // tests: killed with a line half written
      for (let off = half; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
      return true;
    };
    const r = await translateStream(translator, todo(), write, {
      batchSize: o.batchSize,
      format: o.format,
      inputName: p.input,
      onWarning: o.onWarning,
      splitSentences: o.splitSentences,
    });
    translated = r.lines;
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (done + translated !== p.end - p.start)
    throw new InputError(
      `${p.input}: changed while shard ${p.shard.index}/${p.shard.count} was translated ` +
        `(${done + translated} of ${p.end - p.start} lines)`,
    );
  renameSync(p.partial, p.output);
  unlinkSync(meta);
  fsyncDir(dirname(p.output));
  return { translated, resumed: done };
}
