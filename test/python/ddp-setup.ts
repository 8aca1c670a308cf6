/**
 * Shared by the train_ddp.py tests (test/python/ddp.test.ts, test/long/ddp.long.ts): a tokenizer and id shards
 * of the demo corpus, ranks launched with torchrun's environment contract, history and CLI helpers.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO, runCli } from '../helpers/run-cli.js';
import { PYTHON, pythonEnv } from './twin.js';

export const DEMO = join(REPO, 'corpora', 'demo');
/** The demo corpus's validation set and its languages, as the flags of `train` and `corpus encode`. */
export const DEMO_VALID_EN_DE = ['--valid', join(DEMO, 'valid'), '--src', 'en', '--tgt', 'de'];
export const TRAIN_DDP = join(REPO, 'python', 'seq2seq_torch', 'train_ddp.py');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `world` ranks of train_ddp.py in `cwd` with torchrun's variables (gloo kept on the loopback
 * interface); resolves with each rank's exit code and output.
 */
export async function launchRanks(
  cwd: string,
  world: number,
  args: string[],
): Promise<{ code: number; out: string }[]> {
  const port = await freePort();
  return Promise.all(
    Array.from(
      { length: world },
      (_, rank) =>
        new Promise<{ code: number; out: string }>((resolve) => {
          const env = pythonEnv({
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            RANK: String(rank),
            LOCAL_RANK: String(rank),
            WORLD_SIZE: String(world),
            GLOO_SOCKET_IFNAME: 'lo',
          });
          const child = spawn(PYTHON, [TRAIN_DDP, ...args, '--threads', '1'], {
            cwd,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.stderr.on('data', (d: Buffer) => (out += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, out });
          });
        }),
    ),
  );
}

export interface HistoryEvent {
  type: string;
  step: number;
  loss?: number;
  [k: string]: unknown;
}

export function history(run: string): HistoryEvent[] {
  return readFileSync(join(run, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as HistoryEvent);
}

/** Runs seq2seq in `cwd`; throws with its stderr unless it exits 0. */
export async function cli(cwd: string, args: string[], timeoutMs = 180_000) {
  const r = await runCli(args, { cwd, timeoutMs });
  if (r.code !== 0) throw new Error(`seq2seq ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r;
}

/** tok.json (joint BPE, 1,000) learned on the demo corpus and ids/ (train + valid) encoded with it, in `cwd`. */
export async function demoIds(cwd: string): Promise<void> {
  await cli(cwd, [
    'bpe',
    'learn',
    '--vocab-size',
    '1000',
    join(DEMO, 'train'),
    '--src',
    'en',
    '--tgt',
    'de',
    '-o',
    'tok.json',
  ]);
  await encodeDemo(cwd, ['--tokenizer', 'tok.json'], 'ids');
}

/** `corpus encode` of the demo corpus (train + valid) into `out` in `cwd`, by `by` (--tokenizer F or --model RUN). */
export async function encodeDemo(cwd: string, by: string[], out: string): Promise<void> {
  await cli(cwd, ['corpus', 'encode', join(DEMO, 'train'), ...DEMO_VALID_EN_DE, ...by, '-o', out]);
}
