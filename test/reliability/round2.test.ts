/**
 * Reliability, round 2 (issue 23): each numbered failure of the outside attack, and the ones found
 * the same way since, as a test of the real CLI. Every case checks the exit code, the exact first
 * line of stderr, that no stack trace is printed, that nothing outside the run or the output
 * changed (a snapshot of the case's own directory) and that no temporary file is left.
 *
 * Run against the code before these fixes to see them fail:
 *   SEQ2SEQ_TEST_BIN=/work/wt-base/bin/seq2seq.js npx vitest run test/reliability/round2.test.ts
 * (docs/reliability.md records how many fail there). Device nodes, FIFOs, links and the full or
 * read-only disks are made inside the test's own temporary directory; what needs root skips visibly.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixtures,
  readSafetensors,
  RUN_DIR_ENTRIES,
  TRAIN_2_STEPS,
  writeSafetensors,
  type Fixtures,
} from './fixtures.js';
import {
  CAN,
  changed,
  kindOf,
  leftovers,
  makeDevice,
  makeFifo,
  mountFullDisk,
  readFifo,
  run,
  runAs,
  traceLines,
  tree,
  unmount,
  type RunResult,
} from './special-files.js';

let fx: Fixtures;
const noDevices = CAN.devices !== null;
const noFifos = CAN.fifos !== null;
const noMounts = CAN.mounts !== null;

beforeAll(async () => {
  fx = await buildFixtures();
  chmodSync(fx.dir, 0o755);
}, 120_000);

afterAll(() => {
  if (fx) rmSync(fx.dir, { recursive: true, force: true });
});

/** A fresh directory for one case, with the corpora and (optionally) a copy of the trained run. */
function caseDir(name: string, withRun = true): string {
  const d = mkdtempSync(join(fx.dir, `${name}-`));
  for (const f of ['t.en', 't.de', 'v.en', 'v.de']) cpSync(join(fx.dir, f), join(d, f));
  if (withRun) cpSync(fx.run, join(d, 'run'), { recursive: true });
  return d;
}

function expectClean(r: RunResult, code: number, first: string | RegExp | null, where = ''): void {
  const w = `${where}\n--- stderr:\n${r.stderr.slice(0, 1500)}`;
  expect(traceLines(r.stderr + r.stdout), w).toEqual([]);
  expect(r.signal, w).toBeNull();
  expect(r.code, w).toBe(code);
  const line = r.stderr.split('\n').find((l) => l.startsWith('seq2seq:') || l.startsWith('error:'));
  if (first === null) expect(line, w).toBeUndefined();
  else if (typeof first === 'string') expect(line, w).toBe(first);
  else expect(line, w).toMatch(first);
}

/** The end of the message for a NaN or an infinity in a weights file. */
const DAMAGED = ' (a diverged or damaged checkpoint)';

function editJson(path: string, edit: (doc: Record<string, any>) => void): void {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

describe.concurrent('1. a write error on standard output is one line, exit 1, in every command', () => {
  const commands: [string, string[], string?][] = [
    ['translate', ['translate', '--model', 'run', '--beam', '1', '-i', 'v.en']],
    ['bpe apply', ['bpe', 'apply', '-t', 'run/tokenizer.json'], 'a man in an orange hat\n'],
    ['corpus stats', ['corpus', 'stats', 'v', '--src', 'en', '--tgt', 'de']],
    ['score', ['score', '--hyp', 'v.de', '--ref', 'v.de']],
    ['inspect', ['inspect', 'run']],
    ['eval', ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '1']],
    ['doctor', ['doctor']],
    ['--help', ['--help']],
    ['--version', ['--version']],
  ];
  it.skipIf(noDevices).each(commands)(
    '%s > full (a character device 1,7 made in the test directory)',
    async (_name, args, input) => {
      const d = caseDir('stdout-full');
      makeDevice(join(d, 'full'), 'full');
      const before = tree(d);
      const { openSync, closeSync } = await import('node:fs');
      const fd = openSync(join(d, 'full'), 'w');
      const r = await run(args, { cwd: d, stdout: fd, input });
      closeSync(fd);
      expectClean(r, 1, 'seq2seq: cannot write to standard output: no space left on device', args.join(' '));
      expect(changed(before, tree(d))).toEqual([]); // the device is still the same device
    },
  );

  it.skipIf(noMounts)('translate with standard output on a full disk (64 KiB tmpfs): one line, exit 1', async () => {
    const d = caseDir('stdout-disk');
    const disk = join(d, 'disk');
    const why = mountFullDisk(disk);
    if (why) throw new Error(`mount failed: ${why}`);
    try {
      const { openSync, closeSync } = await import('node:fs');
      const fd = openSync(join(disk, 'out.txt'), 'wx');
      const r = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en'], { cwd: d, stdout: fd });
      closeSync(fd);
      expectClean(r, 1, 'seq2seq: cannot write to standard output: no space left on device');
      expect(readdirSync(disk).sort()).toEqual(['filler', 'out.txt']);
    } finally {
      unmount(disk);
    }
  });
});

describe.concurrent('2. an output that exists and is not a regular file is written in place, never renamed over', () => {
  const lines = readFileSync(new URL('../../corpora/demo/valid.en', import.meta.url), 'utf8')
    .split('\n')
    .slice(0, 30).length;
  const writers: [string, (out: string) => string[]][] = [
    ['translate -o', (out) => ['translate', '--model', 'run', '--beam', '1', '-i', 'v.en', '-o', out]],
    [
      'eval --hyp-out',
      (out) => ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '1', '--hyp-out', out],
    ],
    ['bpe learn -o', (out) => ['bpe', 'learn', '--vocab-size', '60', '--text', 't.en', '-o', out]],
  ];

  it.skipIf(noDevices).each(writers)(
    '%s to a null device (1,3): exit 0, still the same device, nothing else changed',
    async (_name, args) => {
      const d = caseDir('null');
      makeDevice(join(d, 'null'), 'null');
      const before = tree(d);
      const r = await run(args('null'), { cwd: d });
      expectClean(r, 0, null);
      expect(kindOf(join(d, 'null'))).toBe(before.get('null'));
      expect(changed(before, tree(d))).toEqual([]);
    },
  );

  it.skipIf(noDevices).each(writers)(
    '%s to a full device (1,7): one line, exit 1, still the same device',
    async (_name, args) => {
      const d = caseDir('full');
      makeDevice(join(d, 'full'), 'full');
      const before = tree(d);
      const r = await run(args('full'), { cwd: d });
      expectClean(r, 1, 'seq2seq: cannot write to full: no space left on device');
      expect(changed(before, tree(d))).toEqual([]);
    },
  );

  it.skipIf(noFifos).each(writers)(
    '%s to a FIFO: the reader gets the output, the FIFO stays a FIFO',
    async (name, args) => {
      const d = caseDir('fifo');
      makeFifo(join(d, 'fifo'));
      const before = tree(d);
      const [r, got] = await Promise.all([run(args('fifo'), { cwd: d }), readFifo(join(d, 'fifo'))]);
      expectClean(r, 0, null);
      if (name === 'bpe learn -o') expect(JSON.parse(got.toString('utf8')).model.type).toBe('BPE');
      else expect(got.toString('utf8').split('\n').length - 1).toBe(lines);
      expect(changed(before, tree(d))).toEqual([]);
    },
  );

  it.each(writers)('%s to a symbolic link: the file it points to is replaced, the link stays', async (name, args) => {
    const d = caseDir('link');
    mkdirSync(join(d, 'elsewhere'));
    writeFileSync(join(d, 'elsewhere', 'target.txt'), 'old\n');
    symlinkSync('elsewhere/target.txt', join(d, 'link.txt'));
    const before = tree(d);
    const r = await run(args('link.txt'), { cwd: d });
    expectClean(r, 0, null);
    expect(kindOf(join(d, 'link.txt'))).toBe('symlink -> elsewhere/target.txt');
    const text = readFileSync(join(d, 'elsewhere', 'target.txt'), 'utf8');
    if (name === 'bpe learn -o') expect(JSON.parse(text).model.type).toBe('BPE');
    else expect(text.split('\n').length - 1).toBe(lines);
    expect(changed(before, tree(d))).toEqual(['elsewhere/target.txt']);
    expect(leftovers(d)).toEqual([]);
  });

  it('a symbolic link to nothing is refused before any work: exit 2, nothing created', async () => {
    const d = caseDir('dangling');
    symlinkSync('nowhere/out.txt', join(d, 'out.txt'));
    const before = tree(d);
    const r = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en', '-o', 'out.txt'], { cwd: d });
    expectClean(r, 2, 'seq2seq: out.txt: a symbolic link to nowhere/out.txt, which does not exist; nothing written');
    expect(changed(before, tree(d))).toEqual([]);
  });

  it(':save (interactive) follows the same rules: a device in place, a link followed, a FIFO refused', async () => {
    const { savePairs } = await import('../../src/ui/translate/save-pairs.js');
    const d = caseDir('save', false);
    const entries = [{ source: 'a\u2028b', translation: { hyps: [{ text: 'x\ty\u2029z' }] } }] as never;
    writeFileSync(join(d, 'target.tsv'), 'old\n');
    symlinkSync('target.tsv', join(d, 'link.tsv'));
    expect(savePairs('link.tsv', entries, d).count).toBe(1);
    expect(kindOf(join(d, 'link.tsv'))).toBe('symlink -> target.tsv');
    expect(readFileSync(join(d, 'target.tsv'), 'utf8')).toBe('a b\tx y z\n');
    if (makeFifo(join(d, 'fifo')) === null)
      expect(() => savePairs('fifo', entries, d)).toThrow(
        /fifo: is a FIFO \(named pipe\); give a regular file or a character device$/,
      );
    if (!noDevices) {
      makeDevice(join(d, 'null'), 'null');
      savePairs('null', entries, d);
      expect(kindOf(join(d, 'null'))).toMatch(/^char /);
    }
    expect(leftovers(d)).toEqual([]);
  });
});

describe.concurrent('3. a tampered config.json cannot make the program allocate without bound', () => {
  it('encoderLayers 3000 in every config of the run: one line, exit 2, at once', async () => {
    const d = caseDir('layers');
    for (const f of ['config.json', 'best/config.json', 'last/config.json'])
      editJson(join(d, 'run', f), (c) => (c.model.encoderLayers = 3000));
    const r = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en'], { cwd: d });
    expectClean(r, 2, 'seq2seq: run/config.json: model: encoderLayers must be at most 64 (got 3000)');
  });

  it('encoderLayers 3000 in best/config.json only: the checkpoint config is checked the same way', async () => {
    const d = caseDir('layers-best');
    editJson(join(d, 'run', 'best', 'config.json'), (c) => (c.model.encoderLayers = 3000));
    const r = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en'], { cwd: d });
    expectClean(r, 2, 'seq2seq: run/best/config.json: model: encoderLayers must be at most 64 (got 3000)');
  });
});

describe.concurrent('4. NaN or infinite weights are refused at load and by average', () => {
  /** Sets one number of tensor `name` in a safetensors file. */
  function poison(path: string, name: string, index: number, value: number): void {
    const { header, data } = readSafetensors(path);
    data.writeFloatLE(value, header[name].data_offsets[0] + index * 4);
    writeSafetensors(path, header, data);
  }

  it('one NaN in decoder.out.bias: translate refuses the model (it gave empty translations, exit 0)', async () => {
    const d = caseDir('nan');
    poison(join(d, 'run', 'best', 'model.safetensors'), 'decoder.out.bias', 3, NaN);
    const r = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en'], { cwd: d });
    expectClean(r, 2, 'seq2seq: run/best/model.safetensors: tensor decoder.out.bias holds NaN at index 3' + DAMAGED);
    expect(r.stdout).toBe('');
  });

  it('an infinity in an encoder weight: eval refuses it', async () => {
    const d = caseDir('inf');
    poison(join(d, 'run', 'best', 'model.safetensors'), 'encoder.rnn.weight_hh_l0', 0, -Infinity);
    const r = await run(['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '1'], {
      cwd: d,
    });
    expectClean(
      r,
      2,
      'seq2seq: run/best/model.safetensors: tensor encoder.rnn.weight_hh_l0 holds -Infinity at index 0' + DAMAGED,
    );
  });

  it('average refuses a kept checkpoint with a NaN: exit 2, no averaged/ and no temporary left', async () => {
    const d = caseDir('nan-average');
    for (const step of ['00000010', '00000020'])
      cpSync(join(d, 'run', 'best'), join(d, 'run', 'checkpoints', `step-${step}`), { recursive: true });
    poison(join(d, 'run', 'checkpoints', 'step-00000020', 'model.safetensors'), 'decoder.out.weight', 7, NaN);
    const before = tree(d);
    const r = await run(['average', 'run', '--last', '2'], { cwd: d });
    expectClean(
      r,
      2,
      'seq2seq: run/checkpoints/step-00000020/model.safetensors: tensor decoder.out.weight holds NaN at index 7' +
        DAMAGED,
    );
    expect(changed(before, tree(d))).toEqual([]);
  });
});

describe('5. every catchable terminating signal removes the temporary output; stale temporaries are removed', () => {
  const signals: NodeJS.Signals[] = [
    'SIGHUP',
    'SIGQUIT',
    'SIGUSR2',
    'SIGALRM',
    'SIGINT',
    'SIGTERM',
    'SIGVTALRM',
    'SIGPROF',
    'SIGXCPU',
    'SIGIO',
    'SIGPWR',
    'SIGSYS',
    'SIGTRAP',
    'SIGABRT',
    'SIGSTKFLT',
  ];
  const many = () => readFileSync(join(fx.dir, 'v.en'), 'utf8').repeat(200); // 6,000 lines: long enough to interrupt

  async function interrupted(signal: NodeJS.Signals): Promise<void> {
    const { spawn } = await import('node:child_process');
    const { constants } = await import('node:os');
    const d = caseDir(`sig-${signal}`);
    writeFileSync(join(d, 'out.txt'), 'the previous output\n');
    const before = tree(d);
    const { BIN_UNDER_TEST } = await import('./special-files.js');
    const child = spawn(
      process.execPath,
      [BIN_UNDER_TEST, 'translate', '--model', 'run', '--beam', '5', '--batch-size', '8', '-o', 'out.txt'],
      { cwd: d, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (x: Buffer) => (stderr += x.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(many());
    const poll = setInterval(() => {
      if (readdirSync(d).some((f) => f.startsWith('.out.txt.tmp-'))) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    const [code, sig] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    clearInterval(poll);
    const w = `${signal}: ${stderr}`;
    expect(sig, w).toBeNull();
    expect(code, w).toBe(128 + constants.signals[signal]);
    expect(stderr.trim(), w).toBe(`seq2seq: interrupted (${signal}); out.txt left untouched`);
    expect(traceLines(stderr)).toEqual([]);
    expect(changed(before, tree(d)), w).toEqual([]);
  }

  for (let i = 0; i < signals.length; i += 3) {
    const group = signals.slice(i, i + 3);
    it(`translate -o stopped by ${group.join(', ')}: exit 128+n, one line, the previous file kept`, async () => {
      await Promise.all(group.map(interrupted));
    });
  }

  it('temporaries of a dead process (translate -o, average) are removed by the next write of the name', async () => {
    const d = caseDir('stale');
    writeFileSync(join(d, '.out.txt.tmp-999999999-abc'), 'half an output');
    writeFileSync(join(d, '.other.txt.tmp-999999999-abc'), 'not ours to remove');
    mkdirSync(join(d, 'run', '.averaged.tmp-999999999'));
    writeFileSync(join(d, 'run', '.averaged.tmp-999999999', 'model.safetensors'), 'half');
    for (const step of ['00000010', '00000020'])
      cpSync(join(d, 'run', 'best'), join(d, 'run', 'checkpoints', `step-${step}`), { recursive: true });
    const t = await run(['translate', '--model', 'run', '--beam', '1', '-i', 'v.en', '-o', 'out.txt'], { cwd: d });
    expectClean(t, 0, null);
    const a = await run(['average', 'run', '--last', '2'], { cwd: d });
    expectClean(a, 0, null);
    expect(leftovers(d)).toEqual(['.other.txt.tmp-999999999-abc']);
  });

  it('average killed while writing (crash point), then run again: no .averaged.tmp-PID is left', async () => {
    const d = caseDir('average-crash');
    for (const step of ['00000010', '00000020'])
      cpSync(join(d, 'run', 'best'), join(d, 'run', 'checkpoints', `step-${step}`), { recursive: true });
    const k = await run(['average', 'run', '--last', '2'], {
      cwd: d,
      env: { SEQ2SEQ_TEST_CRASH_AT: 'checkpoint.written' },
    });
    expect(k.signal).toBe('SIGKILL');
    expect(leftovers(d).filter((p) => p.includes('.averaged.tmp-'))).toHaveLength(1);
    const a = await run(['average', 'run', '--last', '2'], { cwd: d });
    expectClean(a, 0, null);
    expect(leftovers(d)).toEqual([]);
  });
});

describe('6. files inside a run are not opened through links out of it; one process writes a run', () => {
  it('history.jsonl a symbolic link out of the run: --resume refuses it, the file outside is unchanged', async () => {
    const d = caseDir('history-link');
    writeFileSync(join(d, 'outside.jsonl'), 'do not touch\n');
    rmSync(join(d, 'run', 'history.jsonl'));
    symlinkSync(join(d, 'outside.jsonl'), join(d, 'run', 'history.jsonl'));
    const before = tree(d);
    const r = await run(['train', '--resume', 'run', '--max-steps', '24', '--log-format', 'plain'], { cwd: d });
    expectClean(r, 2, `seq2seq: run/history.jsonl: leads outside run (a symbolic link to ${join(d, 'outside.jsonl')})`);
    expect(readFileSync(join(d, 'outside.jsonl'), 'utf8')).toBe('do not touch\n');
    expect(changed(before, tree(d))).toEqual([]);
  });

  it('history.jsonl a symbolic link inside the run is not appended through either', async () => {
    const d = caseDir('history-inner-link');
    cpSync(join(d, 'run', 'history.jsonl'), join(d, 'run', 'real-history.jsonl'));
    rmSync(join(d, 'run', 'history.jsonl'));
    symlinkSync('real-history.jsonl', join(d, 'run', 'history.jsonl'));
    const r = await run(['train', '--resume', 'run', '--max-steps', '24', '--log-format', 'plain'], { cwd: d });
    expectClean(
      r,
      2,
      /^seq2seq: run\/history\.jsonl: is a symbolic link; a run's history must be a regular file inside the run$/,
    );
    expect(leftovers(d)).toEqual([]);
  });

  it('three concurrent --resume of a run: one trains, the others stop at once (exit 1), history whole', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN_UNDER_TEST } = await import('./special-files.js');
    const d = caseDir('concurrent');
    // Long enough that the two others start while the first trains; it is stopped (Ctrl-C) once
    // they have given up. Were two let in, the test would wait for their end and time out.
    const args = ['train', '--resume', 'run', '--max-steps', '100000', '--log-format', 'plain'];
    const procs = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, [BIN_UNDER_TEST, ...args], { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
      const p = { child, stderr: '', done: null as unknown as Promise<RunResult> };
      child.stderr.on('data', (x: Buffer) => (p.stderr += x.toString()));
      p.done = new Promise<RunResult>((resolve) =>
        child.on('close', (code, signal) =>
          resolve({ code: code ?? 128, signal, stdout: '', stderr: p.stderr, ms: 0 }),
        ),
      );
      return p;
    });
    const first = await Promise.race(procs.map((p, i) => p.done.then(() => i)));
    const second = await Promise.race(
      procs.filter((_, i) => i !== first).map((p) => p.done.then(() => procs.indexOf(p))),
    );
    const winner = procs.find((_, i) => i !== first && i !== second)!;
    // Wait until it trains (its Ctrl-C handler is set), then stop it.
    while (!/^step \d+ /m.test(winner.stderr)) await new Promise((r) => setTimeout(r, 20));
    winner.child.kill('SIGINT');
    const [a, b, w] = await Promise.all([procs[first].done, procs[second].done, winner.done]);
    for (const r of [a, b])
      expectClean(
        r,
        1,
        new RegExp(
          '^seq2seq: run: in use by process \\d+ \\(since [\\d:.TZ-]+\\); ' +
            'one process at a time may write a run: wait for it to finish or stop it$',
        ),
      );
    expect(w.code, w.stderr).toBe(130);
    expect(w.stderr.trim().split('\n').at(-1)).toBe(
      'seq2seq: interrupted; checkpoint written to run/last (continue with: seq2seq train --resume run)',
    );
    const steps = readFileSync(join(d, 'run', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step: number })
      .filter((e) => e.type === 'step')
      .map((e) => e.step);
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
    expect(new Set(steps).size).toBe(steps.length);
    expect(leftovers(d)).toEqual([]);
  }, 120_000);

  it('a lock left by a killed process, or copied along with a run, is stale and taken over', async () => {
    const d = caseDir('stale-lock');
    writeFileSync(
      join(d, 'run', '.lock'),
      JSON.stringify({
        pid: 999999999,
        host: (await import('node:os')).hostname(),
        run: join(d, 'run'),
        since: 'then',
      }),
    );
    const r = await run(['train', '--resume', 'run', '--max-steps', '22', '--log-format', 'plain'], { cwd: d });
    expectClean(r, 0, null);
    writeFileSync(
      join(d, 'run', '.lock'),
      JSON.stringify({
        pid: process.pid,
        host: (await import('node:os')).hostname(),
        run: '/elsewhere/run',
        since: 'then',
      }),
    );
    const c = await run(['train', '--resume', 'run', '--max-steps', '24', '--log-format', 'plain'], { cwd: d });
    expectClean(c, 0, null);
    expect(leftovers(d)).toEqual([]);
  });

  it.skipIf(noFifos || noDevices)(
    'files of a run that are not regular files (a FIFO, a device, a link out) are refused at once, never waited on',
    async () => {
      const d = caseDir('special-run');
      type Break = (r: string) => string | null;
      const fifo =
        (f: string): Break =>
        (r) => (rmSync(join(r, f)), makeFifo(join(r, f)));
      const cases: [string, Break, (r: string) => string[], (r: string) => string][] = [
        [
          'config.json as a FIFO',
          fifo('config.json'),
          (r) => ['inspect', r],
          (r) => `seq2seq: ${r}/config.json: is a FIFO (named pipe), expected a regular file`,
        ],
        [
          'tokenizer.json as a FIFO',
          fifo('tokenizer.json'),
          (r) => ['translate', '--model', r],
          (r) => `seq2seq: ${r}/tokenizer.json: is a FIFO (named pipe), expected a regular file`,
        ],
        [
          'history.jsonl as a FIFO',
          fifo('history.jsonl'),
          (r) => ['inspect', r],
          (r) => `seq2seq: ${r}/history.jsonl: is a FIFO (named pipe), expected a regular file`,
        ],
        [
          'the weights a null device',
          (r) => (
            rmSync(join(r, 'best', 'model.safetensors')), makeDevice(join(r, 'best', 'model.safetensors'), 'null')
          ),
          (r) => ['translate', '--model', r],
          (r) => `seq2seq: ${r}/best/model.safetensors: is a character device, expected a regular file`,
        ],
        [
          'best/ a link to a checkpoint outside the run',
          (r) => (
            cpSync(join(r, 'best'), join(d, 'other-best'), { recursive: true }),
            rmSync(join(r, 'best'), { recursive: true }),
            symlinkSync(join(d, 'other-best'), join(r, 'best')),
            null
          ),
          (r) => ['translate', '--model', r],
          (r) =>
            `seq2seq: ${r}/best/config.json: leads outside ${r} ` +
            `(a symbolic link to ${join(d, 'other-best', 'config.json')})`,
        ],
      ];
      for (const [k, [name, breakIt, args, error]] of cases.entries()) {
        const r = `run-${k}`;
        cpSync(join(d, 'run'), join(d, r), { recursive: true });
        expect(breakIt(join(d, r)), name).toBeNull();
        const res = await run(args(r), { cwd: d, input: 'a man\n', timeoutMs: 20_000 });
        expectClean(res, 2, error(r), name);
      }
    },
    120_000,
  );
});

describe.concurrent('7. sizes beyond reason are one-line usage errors, exit 2, before anything is created', () => {
  const cases: [string, string[], string, Record<string, string>?][] = [
    [
      '--beam 1000000000 (translate)',
      ['translate', '--model', 'run', '--beam', '1000000000'],
      "seq2seq: --beam must be an integer from 1 to 64, got '1000000000'",
    ],
    [
      '--beam 65 (eval)',
      ['eval', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--beam', '65'],
      "seq2seq: --beam must be an integer from 1 to 64, got '65'",
    ],
    [
      '--batch-size 1e9 (score)',
      ['score', '--model', 'run', '--test', 'v', '--src', 'en', '--tgt', 'de', '--batch-size', '1000000000'],
      "seq2seq: --batch-size must be an integer from 1 to 65536, got '1000000000'",
    ],
    [
      '--max-length-ratio 1e9',
      ['translate', '--model', 'run', '--max-length-ratio', '1e9'],
      "seq2seq: --max-length-ratio must be a number from 0 to 100, got '1e9'",
    ],
    [
      'SEQ2SEQ_THREADS=2147483648',
      ['doctor'],
      "seq2seq: SEQ2SEQ_THREADS must be at most 1024, got '2147483648'",
      { SEQ2SEQ_THREADS: '2147483648' },
    ],
    [
      '--hidden-size 1000000',
      [...TRAIN_2_STEPS, '--out', 'o', '--hidden-size', '1000000'],
      'seq2seq: options: --hidden-size must be at most 16384 (got 1000000)',
    ],
    [
      '--embedding-size 1000000',
      [...TRAIN_2_STEPS, '--out', 'o', '--embedding-size', '1000000'],
      'seq2seq: options: --embedding-size must be at most 16384 (got 1000000)',
    ],
    [
      '--attention-size 1000000',
      [...TRAIN_2_STEPS, '--out', 'o', '--attention-size', '1000000'],
      'seq2seq: options: --attention-size must be at most 16384 (got 1000000)',
    ],
    [
      '--pre-output-size 1000000',
      [...TRAIN_2_STEPS, '--out', 'o', '--pre-output-size', '1000000'],
      'seq2seq: options: --pre-output-size must be at most 16384 (got 1000000)',
    ],
    [
      '--batch-tokens 1e12',
      [...TRAIN_2_STEPS, '--out', 'o', '--batch-tokens', '1e12'],
      'seq2seq: options: --batch-tokens must be at most 1048576 (got 1000000000000)',
    ],
    [
      '--vocab-size 1e7 (train)',
      [...TRAIN_2_STEPS, '--out', 'o', '--vocab-size', '10000000'],
      'seq2seq: options: --vocab-size must be at most 1048576 (got 10000000)',
    ],
    [
      '--vocab-size 1e7 (bpe learn)',
      ['bpe', 'learn', '--vocab-size', '10000000', 't.en', '-o', 'tok.json'],
      "seq2seq: --vocab-size must be an integer from 5 to 1048576, got '10000000'",
    ],
  ];
  it.each(cases)('%s', async (_name, args, error, env) => {
    const d = caseDir('sizes');
    const before = tree(d);
    const r = await run(args, { cwd: d, env, input: 'a man\n' });
    expectClean(r, 2, error);
    expect(changed(before, tree(d))).toEqual([]);
  });

  it('a train --config file with a size beyond reason names the file and the key', async () => {
    const d = caseDir('sizes-config');
    writeFileSync(join(d, 'big.json'), JSON.stringify({ model: { decoderLayers: 1000 } }));
    const r = await run([...TRAIN_2_STEPS, '--out', 'o', '--config', 'big.json'], { cwd: d });
    expectClean(r, 2, 'seq2seq: big.json: model.decoderLayers must be at most 64 (got 1000)');
    expect(existsSync(join(d, 'o'))).toBe(false);
  });
});

describe('8. a failed start leaves no run directory behind', () => {
  it('train --max-src-len 1: exit 2, no run; the corrected command then trains', async () => {
    const d = caseDir('failed-start', false);
    const before = tree(d);
    const r = await run([...TRAIN_2_STEPS, '--out', 'runs/x', '--max-src-len', '1'], { cwd: d });
    expectClean(r, 2, 'seq2seq: no training pairs left (300 longer than the length limits)');
    expect(changed(before, tree(d))).toEqual([]);
    const ok = await run([...TRAIN_2_STEPS, '--out', 'runs/x'], { cwd: d });
    expectClean(ok, 0, null);
    expect(readdirSync(join(d, 'runs', 'x')).sort()).toEqual(RUN_DIR_ENTRIES);
  });

  it('--out a symbolic link to an empty directory: the run is made there, the link stays', async () => {
    const d = caseDir('out-link', false);
    mkdirSync(join(d, 'elsewhere'));
    symlinkSync('elsewhere', join(d, 'runs'));
    const r = await run([...TRAIN_2_STEPS, '--out', 'runs'], { cwd: d });
    expectClean(r, 0, null);
    expect(kindOf(join(d, 'runs'))).toBe('symlink -> elsewhere');
    expect(existsSync(join(d, 'elsewhere', 'config.json'))).toBe(true);
    expect(leftovers(d)).toEqual([]);
  });

  it('--out a symbolic link to nothing: refused before any work (it was ENOTDIR after learning BPE)', async () => {
    const d = caseDir('out-dangling', false);
    symlinkSync('nowhere', join(d, 'runs'));
    const before = tree(d);
    const r = await run([...TRAIN_2_STEPS, '--out', 'runs'], { cwd: d });
    expectClean(r, 2, 'seq2seq: runs: a symbolic link to nowhere, which does not exist');
    expect(changed(before, tree(d))).toEqual([]);
  });
});

describe('9. a run that cannot be written is one line that says what to do', () => {
  const message = (dir: string, why: string) =>
    `seq2seq: ${dir}: cannot write in the run directory (${why}); training writes its checkpoints and history ` +
    'there: make it writable, or copy the run and resume the copy';

  it.skipIf(noMounts)('a run on a read-only file system (a tmpfs remounted read-only)', async () => {
    const d = caseDir('ro-fs', false);
    const ro = join(d, 'ro');
    const { execFileSync } = await import('node:child_process');
    mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', ro], { stdio: 'pipe' });
    try {
      cpSync(fx.run, join(ro, 'run'), { recursive: true });
      execFileSync('mount', ['-o', 'remount,ro', ro], { stdio: 'pipe' });
      const before = tree(d);
      const r = await run(['train', '--resume', 'ro/run', '--max-steps', '24', '--log-format', 'plain'], { cwd: d });
      expectClean(r, 2, message('ro/run', 'read-only file system'));
      expect(changed(before, tree(d))).toEqual([]);
    } finally {
      unmount(ro);
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'a run the user may not write (run as user nobody: root ignores permissions)',
    async (ctx) => {
      const d = caseDir('ro-perm');
      for (const p of [d, ...[...tree(d).entries()].filter(([, k]) => k === 'dir').map(([p]) => join(d, p))])
        chmodSync(p, 0o555);
      const probe = await runAs(65534, ['--version'], d).catch(() => null);
      if (probe?.code !== 0) {
        console.warn('skipped: cannot start the CLI as user nobody');
        ctx.skip();
      }
      const r = await runAs(65534, ['train', '--resume', 'run', '--max-steps', '24', '--log-format', 'plain'], d);
      expect(traceLines(r.stderr)).toEqual([]);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n').find((l) => l.startsWith('seq2seq:'))).toBe(message('run', 'permission denied'));
    },
  );
});

describe.concurrent('10. smaller ones', () => {
  it('score --model A --model B scores with the ensemble (it used B alone): A twice equals A', async () => {
    const d = caseDir('score-ensemble');
    cpSync(join(d, 'run'), join(d, 'run2'), { recursive: true });
    nudgeWeights(join(d, 'run2'));
    const score = (models: string[]) =>
      run(['score', '-b', ...models.flatMap((m) => ['--model', m]), '--test', 'v', '--src', 'en', '--tgt', 'de'], {
        cwd: d,
      });
    const [a, b, aa, ab] = await Promise.all([
      score(['run']),
      score(['run2']),
      score(['run', 'run']),
      score(['run', 'run2']),
    ]);
    for (const r of [a, b, aa, ab]) expectClean(r, 0, null);
    const nums = (r: RunResult) => r.stdout.trim().split('\n').map(Number);
    nums(aa).forEach((x, i) => expect(x).toBeCloseTo(nums(a)[i], 3));
    expect(ab.stdout).not.toBe(b.stdout);
    expect(ab.stdout).not.toBe(a.stdout);
  });

  it('CR-only line ends are refused with the line and column, not read as one line (file and stdin)', async () => {
    const d = caseDir('cr-only', false);
    writeFileSync(join(d, 'mac.en'), 'a man\ra woman\ra dog\r');
    writeFileSync(join(d, 'mac.de'), 'ein Mann\neine Frau\nein Hund\n');
    const fix = "lines must end with LF or CRLF (old Mac line ends? convert with: tr '\\r' '\\n')";
    const s = await run(['corpus', 'stats', 'mac.en', 'mac.de'], { cwd: d });
    expectClean(s, 2, `seq2seq: mac.en:1: carriage return (CR) without a line feed at column 6: ${fix}`);
    const t = await run(['bpe', 'apply', '-t', join(fx.dir, 'tok150.json')], { cwd: d, input: 'ok\r\nbad\rline\n' });
    expectClean(t, 2, `seq2seq: <stdin>:2: carriage return (CR) without a line feed at column 4: ${fix}`);
  });

  it('corpus stats counts CRLF line ends that exist, and reports a BOM or U+2028 inside a line', async () => {
    const d = caseDir('crlf-count', false);
    writeFileSync(join(d, 'c.en'), 'one\r\ntwo \ufeffthree\r\nfour\u2028five\n');
    writeFileSync(join(d, 'c.de'), 'eins\nzwei\ndrei\n');
    const r = await run(['corpus', 'stats', 'c.en', 'c.de'], { cwd: d });
    expectClean(r, 0, null);
    expect(r.stdout).toContain(
      'normalised 2 CRLF line ends, stripped 0 BOM; 1 lines hold U+FEFF (BOM) inside, kept as text; ' +
        '1 lines hold U+2028/U+2029, kept as text',
    );
  });

  it('U+2028 inside an input line: each command writing one line per input still does (text, JSON Lines)', async () => {
    const d = caseDir('u2028');
    const input = 'a man\u2028in a hat\nthe dog\u2029runs\n';
    const outputs = await Promise.all([
      run(['translate', '--model', 'run', '--beam', '1', '--format', 'jsonl'], { cwd: d, input }),
      run(['translate', '--model', 'run', '--beam', '1'], { cwd: d, input }),
      run(['bpe', 'apply', '-t', 'run/tokenizer.json'], { cwd: d, input }),
    ]);
    for (const r of outputs) {
      expectClean(r, 0, null);
      expect(r.stdout.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/)).toHaveLength(3); // two lines and the empty rest
    }
    expect(
      outputs[0].stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { src: string }).src),
    ).toEqual(['a man\u2028in a hat', 'the dog\u2029runs']);
  });
});

/** Makes a run's weights differ from the original's (every number × 0.9), for the ensemble case. */
function nudgeWeights(runDir: string): void {
  for (const f of ['best/model.safetensors', 'last/model.safetensors']) {
    const p = join(runDir, f);
    const { header, data } = readSafetensors(p);
    for (let i = 0; i + 4 <= data.length; i += 4) data.writeFloatLE(data.readFloatLE(i) * 0.9, i);
    writeSafetensors(p, header, data);
  }
  rmSync(join(runDir, 'model.safetensors'));
  cpSync(join(runDir, 'best', 'model.safetensors'), join(runDir, 'model.safetensors'));
}
