/**
 * Streaming batch translation of a 1 GiB input (npm run test:long): the real CLI reads the file
 * on stdin and writes stdout to a file; its peak resident memory (VmHWM, polled from /proc while it
 * runs) must stay under 300 MB, and the output must have exactly one line per input line, the
 * empty and blank input lines giving empty output lines. Neither file is ever loaded whole: the
 * input is written group by group and the output is read back as a stream.
 *
 * The input is honest but feasible: groups of a long line (200–800 KB of real sentences; the model
 * reads only its first 100 tokens, and the translator cuts such a line before encoding it, see
 * test/reliability/pretruncate.test.ts), an empty line, two ordinary sentences and a blank line,
 * repeated to 1 GiB (about 2,100 groups). Greedy decoding (--beam 1) of a tiny model trained for
 * 20 steps.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../helpers/run-cli.js';
import { trainArgs } from '../reliability/fixtures.js';

/** 1 GiB (SEQ2SEQ_STREAM_BYTES overrides it for a quick check of the test itself). */
const TOTAL = Number(process.env.SEQ2SEQ_STREAM_BYTES ?? 2 ** 30);
const GROUP = 5; // long, empty, short, short, blank
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seq2seq-1gb-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes the input file; returns its line count and size. Memory: one group at a time. */
function writeInput(path: string): { lines: number; bytes: number; groups: number } {
  const sentences = readFileSync(join(REPO, 'corpora', 'demo', 'train.en'), 'utf8')
    .split('\n')
    .filter((s) => s.trim() !== '');
  let pool = '';
  for (let i = 0; pool.length < 1_200_000; i++) pool += sentences[(i * 7919) % sentences.length] + ' ';
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const fd = openSync(path, 'w');
  let bytes = 0;
  let lines = 0;
  let groups = 0;
  try {
    while (bytes < TOTAL) {
      const len = 200_000 + Math.floor(rand() * 600_000);
      const start = Math.floor(rand() * (pool.length - len - 100));
      const from = pool.indexOf(' ', start) + 1;
      const long = pool.slice(from, from + len).trimEnd();
      const a = sentences[Math.floor(rand() * sentences.length)];
      const b = sentences[Math.floor(rand() * sentences.length)];
      const group = Buffer.from(`${long}\n\n${a}\n${b}\n \t \n`, 'utf8');
      let off = 0;
      while (off < group.length) off += writeSync(fd, group, off);
      bytes += group.length;
      lines += GROUP;
      groups++;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, bytes, groups };
}

/** Counts the lines of a file as a stream, and the line numbers (1-based) that are empty. */
async function scanOutput(
  path: string,
  isEmptyExpected: (line: number) => boolean,
): Promise<{ lines: number; emptyWhereExpected: number; notEmptyWhereExpected: number }> {
  let lines = 0;
  let lineLen = 0;
  let emptyWhereExpected = 0;
  let notEmptyWhereExpected = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a) {
        lines++;
        if (isEmptyExpected(lines)) {
          if (lineLen === 0) emptyWhereExpected++;
          else notEmptyWhereExpected++;
        }
        lineLen = 0;
      } else lineLen++;
    }
  }
  if (lineLen > 0) lines++; // a last line without a newline would still count (and fail the equality)
  return { lines, emptyWhereExpected, notEmptyWhereExpected };
}

function vmHWM(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

describe('streaming translation of 1 GiB', () => {
  it('peak RSS under 300 MB, exactly one output line per input line', async () => {
    // A tiny run (as in the bad-input fixtures): 300 pairs, 20 steps.
    const demo = join(REPO, 'corpora', 'demo');
    for (const lang of ['en', 'de']) {
      const text =
        readFileSync(join(demo, `train.${lang}`), 'utf8')
          .split('\n')
          .slice(0, 300)
          .join('\n') + '\n';
      (await import('node:fs')).writeFileSync(join(dir, `t.${lang}`), text);
    }
    const tr = await runCli(
      trainArgs(200, ['--out', 'run', '--max-steps', '20', '--log-format', 'plain'], { valid: false }),
      { cwd: dir },
    );
    expect(tr.code, tr.stderr).toBe(0);

    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const t0 = performance.now();
    const inp = writeInput(input);
    const genSeconds = (performance.now() - t0) / 1000;
    expect(statSync(input).size).toBe(inp.bytes);
    expect(inp.bytes).toBeGreaterThanOrEqual(TOTAL);

    const inFd = openSync(input, 'r');
    const outFd = openSync(output, 'w');
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'translate', '--model', 'run', '--beam', '1', '--batch-size', '32'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: [inFd, outFd, 'pipe'],
    });
    closeSync(inFd);
    closeSync(outFd);
    let peak = 0;
    let samples = 0;
    const poll = setInterval(() => {
      const v = child.pid ? vmHWM(child.pid) : null;
      if (v !== null) {
        peak = Math.max(peak, v);
        samples++;
      }
    }, 50);
    let stderrLines = 0;
    let warnings = 0;
    let other = '';
    let pending = '';
    child.stderr!.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const l of parts) {
        stderrLines++;
        if (
          /^seq2seq: warning: <stdin>:\d+: source of more than \d+ tokens \(\d+ characters\) cropped to the model's limit of 100$/.test(
            l,
          )
        )
          warnings++;
        else if (other.length < 2000) other += l + '\n';
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearInterval(poll);
    const seconds = (performance.now() - started) / 1000;
    expect(code, other).toBe(0);

    const out = await scanOutput(output, (line) => line % GROUP === 2 || line % GROUP === 0);
    const mb = (x: number) => (x / 1e6).toFixed(1);
    console.log(
      `1 GiB stream: input ${inp.bytes.toLocaleString('en-US')} bytes, ${inp.lines.toLocaleString('en-US')} lines (${inp.groups} long lines of 200–800 KB), written in ${genSeconds.toFixed(1)} s; ` +
        `translate --beam 1: ${seconds.toFixed(1)} s (${mb(inp.bytes / seconds)} MB/s, ${(inp.lines / seconds).toFixed(0)} lines/s), peak RSS ${mb(peak)} MB (VmHWM, ${samples} samples); ` +
        `output ${out.lines.toLocaleString('en-US')} lines, ${statSync(output).size.toLocaleString('en-US')} bytes; ${warnings} crop warnings`,
    );
    expect(out.lines).toBe(inp.lines);
    expect(out.emptyWhereExpected).toBe((inp.lines / GROUP) * 2);
    expect(out.notEmptyWhereExpected).toBe(0);
    expect(other, 'stderr holds only the crop warnings').toBe('');
    expect(warnings).toBe(inp.groups);
    expect(stderrLines).toBe(inp.groups);
    expect(samples).toBeGreaterThan(10);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(300e6);
    expect(existsSync(output)).toBe(true);
  });
});
