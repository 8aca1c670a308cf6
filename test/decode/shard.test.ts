/**
 * Sharded batch translation (src/decode/shard.ts, `seq2seq translate --shard`): for N = 1, 3 and 7 over a file
 * with empty, blank and very long lines (cropped, with warnings), a byte order mark, a BOM-like character
 * inside and no final newline, the shards' outputs concatenated in order are the unsharded output byte for
 * byte (and their warnings name the same lines); a killed shard resumes; a complete one is skipped; `--shard
 * auto` reads Kubernetes, Slurm and GNU parallel variables.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from '../../src/data/line-reader.js';
import { countLines, parseShardSpec, shardOutputPath, shardRange } from '../../src/decode/shard.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { runCommand } from '../helpers/run-command.js';
import { TINY_SRC, makeTinyRun } from './tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'shard-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NO_SCHEDULER = {
  JOB_COMPLETION_INDEX: '',
  SLURM_ARRAY_TASK_ID: '',
  SLURM_ARRAY_TASK_COUNT: '',
  SLURM_ARRAY_TASK_MIN: '',
  SLURM_ARRAY_TASK_STEP: '',
  PARALLEL_SEQ: '',
};

describe('parseShardSpec, shardRange, shardOutputPath', () => {
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('expected an InputError');
  };

  it('I/N counts from 0; bad forms and out-of-range indices are InputErrors', () => {
    expect(parseShardSpec('3/16', {})).toMatchObject({ index: 3, count: 16 });
    expect(parseShardSpec('0/1', {})).toMatchObject({ index: 0, count: 1 });
    expect(err(() => parseShardSpec('16/16', {}))).toMatch(/shard index 16 is not below the number of shards 16/);
    expect(err(() => parseShardSpec('0/0', {}))).toMatch(/must be ≥ 1/);
    for (const bad of ['3', '-1/4', '1/4/2', 'a/b', '', 'auto/', 'automatic'])
      expect(err(() => parseShardSpec(bad, {}))).toMatch(/--shard must be I\/N/);
  });

  it('auto: Kubernetes Indexed Job, Slurm array, GNU parallel, in that precedence', () => {
    expect(parseShardSpec('auto/5', { JOB_COMPLETION_INDEX: '2' })).toMatchObject({ index: 2, count: 5 });
    expect(err(() => parseShardSpec('auto', { JOB_COMPLETION_INDEX: '2' }))).toMatch(/give them as --shard auto\/N/);
    expect(err(() => parseShardSpec('auto/2', { JOB_COMPLETION_INDEX: '2' }))).toMatch(/not below/);
    // sbatch --array=5-8: tasks 5…8, SLURM_ARRAY_TASK_MIN=5
    expect(
      parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '5' }),
    ).toMatchObject({ index: 2, count: 4 });
    expect(parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({
      index: 3,
      count: 4,
    });
    // --array=0-9:3 → 0, 3, 6, 9
    expect(
      parseShardSpec('auto', {
        SLURM_ARRAY_TASK_ID: '6',
        SLURM_ARRAY_TASK_COUNT: '4',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_STEP: '3',
      }),
    ).toMatchObject({ index: 2, count: 4 });
    expect(err(() => parseShardSpec('auto/5', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' }))).toMatch(
      /SLURM_ARRAY_TASK_COUNT=4/,
    );
    expect(parseShardSpec('auto/8', { PARALLEL_SEQ: '1' })).toMatchObject({ index: 0, count: 8 });
    expect(parseShardSpec('auto/8', { PARALLEL_SEQ: '8' })).toMatchObject({ index: 7, count: 8 });
    expect(err(() => parseShardSpec('auto', { PARALLEL_SEQ: '3' }))).toMatch(/GNU parallel does not tell/);
    expect(
      parseShardSpec('auto/4', {
        JOB_COMPLETION_INDEX: '1',
        SLURM_ARRAY_TASK_ID: '2',
        SLURM_ARRAY_TASK_COUNT: '4',
        PARALLEL_SEQ: '4',
      }),
    ).toMatchObject({ index: 1 });
    expect(err(() => parseShardSpec('auto', NO_SCHEDULER))).toMatch(
      /no JOB_COMPLETION_INDEX .*SLURM_ARRAY_TASK_ID .*PARALLEL_SEQ/,
    );
    expect(err(() => parseShardSpec('auto/3', { JOB_COMPLETION_INDEX: 'x' }))).toMatch(
      /JOB_COMPLETION_INDEX=x is not a non-negative integer/,
    );
  });

  it('the ranges are contiguous, in order, cover every line once and differ in size by at most one', () => {
    for (let lines = 0; lines <= 60; lines++)
      for (let n = 1; n <= 9; n++) {
        let next = 0;
        const sizes: number[] = [];
        for (let i = 0; i < n; i++) {
          const [a, b] = shardRange(lines, i, n);
          expect(a).toBe(next);
          next = b;
          sizes.push(b - a);
        }
        expect(next).toBe(lines);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    expect(shardRange(1_000_000_007, 12_344, 12_345)[1]).toBe(1_000_000_007);
  });

  it('{i} is the zero-padded index, so that the outputs sort in order', () => {
    expect(shardOutputPath('out/part-{i}.de', { index: 3, count: 16, source: '' })).toBe('out/part-03.de');
    expect(shardOutputPath('part-{i}', { index: 7, count: 8, source: '' })).toBe('part-7');
    expect(shardOutputPath('plain.txt', { index: 7, count: 100, source: '' })).toBe('plain.txt');
  });

  it('countLines counts lines as the line reader reads them', async () => {
    const cases = ['', '\n', 'a', 'a\n', 'a\nb', '\n\n\n', 'a\r\nb\r\n', '\uFEFFx\ny', 'x\n\ny\n'];
    for (const [k, text] of cases.entries()) {
      const p = join(dir, `count-${k}.txt`);
      writeFileSync(p, text);
      let n = 0;
      for await (const _ of readLines(p)) n++;
      expect(countLines(p).lines, JSON.stringify(text)).toBe(n);
    }
  });
});

describe('seq2seq translate --shard', () => {
  let run: string;
  const input = join(dir, 'in.txt');
  let reference: Buffer;
  let referenceWarnings: string[];
  const warnings = (stderr: string) =>
    stderr
      .split('\n')
      .filter((l) => l.includes('warning:'))
      .sort();
  const translate = (args: string[], env: Record<string, string> = {}) =>
    runCli(['translate', '--model', run, '-i', input, '--beam', '3', '--batch-size', '4', ...args], {
      cwd: dir,
      env: { ...NO_SCHEDULER, ...env },
    });

  beforeAll(async () => {
    run = await makeTinyRun(join(dir, 'run'), { maxSourceLength: 12 });
    const rng = new Rng(5);
    const words = TINY_SRC.join(' ').split(' ');
    const lines: string[] = [];
    for (let i = 0; i < 45; i++) {
      // very long (≈ 200 kB), long (cropped), short
      const n = i % 11 === 4 ? 40_000 : i % 7 === 3 ? 30 : 1 + rng.int(10);
      lines.push(
        i % 6 === 0
          ? ''
          : i % 13 === 5
            ? '   \t '
            : Array.from({ length: n }, () => words[rng.int(words.length)]).join(' '),
      );
    }
    // a BOM character inside the file is text, also on the first line of a shard (15: of 3, 19: of 7)
    for (const k of [10, 15, 19]) lines[k] = '\uFEFF' + lines[k];
    writeFileSync(input, '\uFEFF' + lines.join('\n')); // a byte order mark, and no final newline
    const r = await translate(['-o', 'full.txt']);
    expect(r.code, r.stderr).toBe(0);
    reference = readFileSync(join(dir, 'full.txt'));
    referenceWarnings = warnings(r.stderr);
    expect(reference.toString('utf8').split('\n')).toHaveLength(46);
    expect(referenceWarnings.length).toBeGreaterThan(4);
  }, 120_000);

  for (const N of [1, 3, 7]) {
    it(`${N} shard(s): the outputs concatenated are the unsharded output, byte for byte`, async () => {
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) => translate(['-o', `n${N}-part-{i}.txt`, '--shard', `${i}/${N}`])),
      );
      results.forEach((r) => expect(r.code, r.stderr).toBe(0));
      const parts = readdirSync(dir)
        .filter((f) => f.startsWith(`n${N}-part-`))
        .sort();
      expect(parts).toHaveLength(N);
      expect(Buffer.concat(parts.map((f) => readFileSync(join(dir, f)))).equals(reference)).toBe(true);
      expect(results.flatMap((r) => warnings(r.stderr)).sort()).toEqual(referenceWarnings);
      expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
    }, 120_000);
  }

  it('with --split-sentences the shards concatenated are the unsharded --split-sentences output', async () => {
    const split = ['--split-sentences'];
    const whole = await translate(['-o', 'split-full.txt', ...split]);
    expect(whole.code, whole.stderr).toBe(0);
    const results = await Promise.all(
      [0, 1, 2].map((i) => translate(['-o', `split-part-{i}.txt`, '--shard', `${i}/3`, ...split])),
    );
    results.forEach((r) => expect(r.code, r.stderr).toBe(0));
    const parts = readdirSync(dir)
      .filter((f) => f.startsWith('split-part-'))
      .sort();
    const full = readFileSync(join(dir, 'split-full.txt'));
    expect(Buffer.concat(parts.map((f) => readFileSync(join(dir, f)))).equals(full)).toBe(true);
  }, 120_000);

  it('a killed shard keeps its complete lines and resumes; a complete shard is skipped', async () => {
    const out = join(dir, 'kill-1.txt');
    const killed = await translate(['-o', out, '--shard', '1/3'], { SEQ2SEQ_TEST_CRASH_AT: 'shard.half-written:2' });
    expect(killed.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);
    const partial = readFileSync(`${out}.partial`, 'utf8');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.endsWith('\n')).toBe(false); // killed with a line half written
    const r = await translate(['-o', out, '--shard', '1/3']);
    expect(r.code, r.stderr).toBe(0);
    const kept = Number(/resuming after (\d+) of 15 lines/.exec(r.stderr)?.[1]);
    expect(kept).toBeGreaterThanOrEqual(4);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'n3-part-1.txt')))).toBe(true);
    expect(existsSync(`${out}.partial`) || existsSync(`${out}.partial.json`)).toBe(false);
    const mtime = statSync(out).mtimeMs;
    const again = await translate(['-o', out, '--shard', '1/3']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/lines 16–30 of 45: .*kill-1\.txt is complete; skipped/);
    expect(statSync(out).mtimeMs).toBe(mtime);
  }, 120_000);

  it('a partial output of other settings is not continued: the shard starts over', async () => {
    const out = join(dir, 'other-2.txt');
    const killed = await translate(['-o', out, '--shard', '2/3', '--length-penalty', '0'], {
      SEQ2SEQ_TEST_CRASH_AT: 'shard.half-written:2',
    });
    expect(killed.code).not.toBe(0);
    const r = await translate(['-o', out, '--shard', '2/3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('made with other settings or input; starting over');
    expect(readFileSync(out).equals(readFileSync(join(dir, 'n3-part-2.txt')))).toBe(true);
  }, 120_000);

  it("--shard auto with each scheduler's variables writes the same shard", async () => {
    const expected = readFileSync(join(dir, 'n3-part-1.txt'));
    const envs: [string, string, Record<string, string>][] = [
      ['k8s', 'auto/3', { JOB_COMPLETION_INDEX: '1' }],
      ['slurm', 'auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1' }],
      ['parallel', 'auto/3', { PARALLEL_SEQ: '2' }],
    ];
    for (const [name, spec, env] of envs) {
      const r = await translate(['-o', `auto-${name}-{i}.txt`, '--shard', spec], env);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(readFileSync(join(dir, `auto-${name}-1.txt`)).equals(expected), name).toBe(true);
    }
    const none = await translate(['-o', 'auto-none.txt', '--shard', 'auto/3']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no JOB_COMPLETION_INDEX/);
  }, 120_000);

  it('the GNU parallel recipe of docs/scale-out.md (when parallel is installed)', async () => {
    if ((await runCommand('sh', ['-c', 'command -v parallel'])).code !== 0) {
      process.stderr.write('GNU parallel is not installed: its recipe is not run\n');
      return;
    }
    const seq2seq = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;
    const cmd = `${seq2seq} translate --model run -i in.txt --beam 3 --batch-size 4`;
    const r = await runCommand(
      'sh',
      ['-c', `parallel --will-cite -j 2 -N0 ${cmd} -o par-{i}.txt --shard auto/7 ::: $(seq 7)`],
      {
        cwd: dir,
        env: { ...process.env, ...NO_SCHEDULER },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const parts = readdirSync(dir)
      .filter((f) => /^par-\d\.txt$/.test(f))
      .sort();
    expect(parts).toHaveLength(7);
    expect(Buffer.concat(parts.map((f) => readFileSync(join(dir, f)))).equals(reference)).toBe(true);
  }, 120_000);

  it('an output that is not a regular file (a device, a FIFO, a link) is refused, never renamed over', async () => {
    const dev = join(dir, 'null-device');
    const fifo = join(dir, 'fifo');
    const link = join(dir, 'link-out.txt');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'elsewhere.txt'), 'kept\n');
    symlinkSync(join(dir, 'elsewhere.txt'), link);
    for (const out of [dev, fifo, link]) {
      const r = await translate(['-o', out, '--shard', '0/1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `seq2seq: ${out}: not a regular file; a shard's output must be a file of its own (nothing written)\n`,
      );
    }
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'elsewhere.txt'), 'utf8')).toBe('kept\n');
  });

  it('bad usage: one line, exit 2, nothing written', async () => {
    writeFileSync(join(dir, 'wrong.txt'), 'one line\n');
    const cases: [string[], RegExp][] = [
      [['--shard', '0/2'], /--shard needs the input and the output as files/],
      [['-o', 'x.txt', '--shard', '2/2'], /shard index 2 is not below/],
      [['-o', 'x.txt', '--shard', 'half'], /--shard must be I\/N/],
      [
        ['-o', 'wrong.txt', '--shard', '0/3'],
        /wrong\.txt: exists with 1 lines, but shard 0\/3 has 15 input lines \(lines 1–15 of .*in\.txt\)/,
      ],
      [['-o', 'nodir/x.txt', '--shard', '0/3'], /directory .*nodir does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = await translate(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'x.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'wrong.txt'), 'utf8')).toBe('one line\n');
  }, 60_000);
});
