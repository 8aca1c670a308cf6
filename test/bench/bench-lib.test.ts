/**
 * The bench scripts' shared pieces: the argument parser (bench/lib/args.mjs, node:util parseArgs) and the
 * PyTorch peer runner (bench/lib/peer.mjs) against fake peers in a temporary directory (a RESULT line, PyTorch
 * unavailable, no script at all); and bench:decode's multi30k section end to end on three sentences.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UsageError, parseFlags } from '../../bench/lib/args.mjs';
import { parseResult, ratio, runPeer } from '../../bench/lib/peer.mjs';
import { REPO } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'seq2seq-bench-lib-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FLAGS = { steps: { type: 'number', default: 20 }, name: 'string', fast: 'boolean' };

describe('parseFlags (node:util parseArgs)', () => {
  it('typed values, defaults, --x=value, and what follows -- as extra', () => {
    const r = parseFlags(['--steps', '5', '--name=-a', '--fast', '--', '--lr', '1e-3'], FLAGS);
    expect(r.o).toEqual({ steps: 5, name: '-a', fast: true });
    expect(r.extra).toEqual(['--lr', '1e-3']);
    expect(parseFlags([], FLAGS).o).toEqual({ steps: 20 });
  });

  it('positionals only where allowed', () => {
    expect(parseFlags(['a.txt', '--name', 'x', 'b.txt'], FLAGS, { positionals: true }).positionals).toEqual([
      'a.txt',
      'b.txt',
    ]);
    expect(() => parseFlags(['a.txt'], FLAGS)).toThrow("unknown argument 'a.txt' (see --help)");
  });

  it('one clear line for each mistake', () => {
    const message = (argv: string[]) => {
      try {
        parseFlags(argv, FLAGS);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message(['--stpes', '5'])).toBe("unknown argument '--stpes' (see --help)");
    expect(message(['--steps', 'five'])).toBe("--steps must be a number, got 'five'");
    expect(message(['--steps'])).toBe("--steps needs a value (one starting with '-' goes as --steps=-…)");
    expect(message(['--name', '-a'])).toBe("--name needs a value (one starting with '-' goes as --name=-…)");
    expect(message(['--fast=yes'])).toBe('--fast takes no value');
  });

  it('a script: --help prints the flags and exits 0; a bad flag is one line and exit 2', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(REPO, 'bench/model.mjs'), ...args], { encoding: 'utf8' });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run bench:model/);
    expect(help.stdout).toMatch(/--by-shape/);
    const bad = run(['--steps', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("model.mjs: --steps must be a number, got 'x'\n");
  });
});

describe('runPeer (../shared/peers/pytorch-bench)', () => {
  const before = process.env.SEQ2SEQ_PEER;
  afterEach(() => {
    if (before === undefined) delete process.env.SEQ2SEQ_PEER;
    else process.env.SEQ2SEQ_PEER = before;
  });
  const fake = (name: string, body: string) => {
    const path = join(tmp, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it('parses its RESULT lines (numbers as numbers) and passes the mode and arguments', () => {
    process.env.SEQ2SEQ_PEER = fake(
      'peer-ok',
      'echo "noise"; echo "RESULT torch greedy threads=$3 batch=64 sent_per_s=321.5 mode=$1"',
    );
    const r = runPeer('decode', ['--threads', '2']);
    expect(r.error).toBeNull();
    expect(r.results).toEqual([{ threads: 2, batch: 64, sent_per_s: 321.5, mode: 'decode' }]);
    expect(parseResult('RESULT train tok_per_s=1401.2 rnn=gru')).toEqual({ tok_per_s: 1401.2, rnn: 'gru' });
    expect(ratio(642, 321)).toBe('2.00×');
    expect(ratio(642, NaN)).toBe('–');
  });

  it('says why there is no ratio: no script, PyTorch unavailable (exit 3), no RESULT line', () => {
    process.env.SEQ2SEQ_PEER = join(tmp, 'nowhere', 'pytorch-bench');
    expect(runPeer('decode').error).toMatch(/^peer missing \(.*nowhere\/pytorch-bench not found\)$/);
    process.env.SEQ2SEQ_PEER = fake('peer-3', 'echo "pytorch-bench: python3-torch could not be installed" >&2; exit 3');
    expect(runPeer('train').error).toBe(
      'peer failed (PyTorch unavailable): pytorch-bench: python3-torch could not be installed',
    );
    process.env.SEQ2SEQ_PEER = fake('peer-silent', 'echo hello');
    expect(runPeer('train').error).toBe('peer printed no RESULT line');
  });
});

describe('bench:decode, multi30k section', () => {
  it('runs on three given sentences: the search rows and the seq2seq-eval rows with the goals', () => {
    const test = join(tmp, 'three.en');
    writeFileSync(test, 'A man rides a bike.\nTwo dogs play in the snow.\nA girl reads.\n');
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bench/decode.mjs'), '--only', 'multi30k', '--test', test, '--batch1-sentences', '2'],
      {
        encoding: 'utf8',
        env: { ...process.env, SEQ2SEQ_THREADS: '1' },
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const row of [
      'greedy, batch 1',
      'greedy, batch 64',
      'beam 5, batch 1',
      'beam 5, batch 64',
      'seq2seq eval, greedy',
      'seq2seq eval, beam 5',
    ])
      expect(r.stdout).toMatch(new RegExp(`^${row} +\\d+ +[\\d.]+ +\\d+`, 'm'));
    expect(r.stdout).toMatch(/3 sentences of .*three\.en/);
    expect(r.stdout).toMatch(/goal ≥ 1500 on 2 threads: (met|not met)/);
  }, 120_000);
});
