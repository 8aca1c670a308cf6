/**
 * Fixtures of the serve tests: a temporary directory with two tiny runs trained by the real CLI on
 * the first lines of corpora/demo (en→de, and de→en for detection and `auto`), a runner of the
 * real `seq2seq serve` on 127.0.0.1 and a free port, and the reference: `seq2seq translate` on the
 * same lines with the same settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO, runCli } from '../helpers/run-cli.js';

export interface ServeFixtures {
  dir: string;
  /** en→de run. */
  enDe: string;
  /** de→en run. */
  deEn: string;
  /** Lines of corpora/demo/test.{en,de} (not trained on). */
  en: string[];
  de: string[];
}

function firstLines(path: string, n: number): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, n);
}

/** A tiny run trained for 30 steps, with one BPE vocabulary per language (tok.en.json, tok.de.json). */
async function train(dir: string, src: string, tgt: string, out: string): Promise<string> {
  const args = ['train', '--train', 't', '--valid', 'v', '--src', src, '--tgt', tgt, '--out', out, '--preset', 'tiny'];
  const tokenizers = ['--src-tokenizer', `tok.${src}.json`, '--tgt-tokenizer', `tok.${tgt}.json`];
  const r = await runCli([...args, ...tokenizers, '--max-steps', '30', '--seed', '1', '--log-format', 'plain'], {
    cwd: dir,
  });
  if (r.code !== 0) throw new Error(`fixture training ${src}→${tgt} failed (exit ${r.code}): ${r.stderr}`);
  return join(dir, out);
}

/** Trains both runs (a few seconds). */
export async function buildServeFixtures(): Promise<ServeFixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'seq2seq-serve-'));
  const demo = join(REPO, 'corpora', 'demo');
  for (const [name, n] of [
    ['train', 300],
    ['valid', 30],
  ] as const) {
    for (const lang of ['en', 'de']) {
      writeFileSync(
        join(dir, `${name === 'train' ? 't' : 'v'}.${lang}`),
        firstLines(join(demo, `${name}.${lang}`), n).join('\n') + '\n',
      );
    }
  }
  for (const lang of ['en', 'de']) {
    const b = await runCli(['bpe', 'learn', '--vocab-size', '200', '--text', `t.${lang}`, '-o', `tok.${lang}.json`], {
      cwd: dir,
    });
    if (b.code !== 0) throw new Error(`fixture bpe learn failed: ${b.stderr}`);
  }
  const enDe = await train(dir, 'en', 'de', 'run-en-de');
  const deEn = await train(dir, 'de', 'en', 'run-de-en');
  const en = firstLines(join(demo, 'test.en'), 40).filter((l) => l.trim() !== '');
  const de = firstLines(join(demo, 'test.de'), 40).filter((l) => l.trim() !== '');
  return { dir, enDe, deEn, en, de };
}

/** `seq2seq translate` on `lines` (one per line): the output lines. */
export async function translateCli(
  dir: string,
  run: string,
  lines: readonly string[],
  extra: string[] = [],
): Promise<string[]> {
  const r = await runCli(['translate', '--model', run, ...extra], { cwd: dir, input: lines.join('\n') + '\n' });
  if (r.code !== 0) throw new Error(`seq2seq translate failed (exit ${r.code}): ${r.stderr}`);
  const out = r.stdout.split('\n');
  out.pop();
  return out;
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Resolves with the exit code (or the signal's name) when the server ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then the exit. */
  stop(): Promise<number | string>;
}

/** Starts `seq2seq serve --port 0 …args` and resolves once it says it is ready. */
export function startServe(dir: string, args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not get ready in 30 s:\n${text}`));
    }, 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      if (url && text.includes('ready at')) {
        clearTimeout(timer);
        resolve({
          url,
          child,
          log: () => text,
          exited,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before it was ready:\n${text}`));
    });
  });
}

/** POST a JSON body; the status, headers and parsed JSON reply. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}
