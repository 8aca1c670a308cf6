/** `seq2seq translate` through the real CLI on a tiny random run (run `npm run build` first). */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecodingRun } from '../../src/decode/run-loader.js';
import { Translator } from '../../src/decode/translator.js';
import { BIN, REPO, runCli } from '../helpers/run-cli.js';
import { makeTinyRun } from './tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-translate-'));
const run = join(dir, 'run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await makeTinyRun(run, { maxSourceLength: 20 });
});

const longLine = Array.from({ length: 40 }, (_, i) => ['the', 'cat', 'dog', 'park'][i % 4]).join(' ');
const lines = ['the cat sits on the mat', '', 'a dog runs', '   ', longLine, 'zwölf ünïcödé wörter 😀', 'the man'];

describe('seq2seq translate (batch)', () => {
  it('one output line per input line, in order; empty → empty; long lines cropped with a warning; same text as the Translator API', async () => {
    const r = await runCli(['translate', '--model', run, '--beam', '3', '--batch-size', '2'], {
      input: lines.join('\n') + '\n',
    });
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out).toHaveLength(lines.length + 1);
    expect(out[lines.length]).toBe('');
    expect(out[1]).toBe('');
    expect(out[3]).toBe('');
    expect(r.stderr).toMatch(/^seq2seq: warning: <stdin>:5: source of \d+ tokens cropped to the model's limit of 20$/m);
    const loaded = await loadDecodingRun(run);
    const tr = new Translator(loaded.model, loaded.srcTokenizer, loaded.tgtTokenizer, {
      beam: 3,
      maxSourceLength: loaded.maxSourceLength,
    });
    expect(out.slice(0, lines.length)).toEqual(tr.translate(lines).map((t) => t.hyps[0].text));
  });

  it('--format jsonl with --n-best: {"src","hyps":[{"text","score"}]} per line, best first', async () => {
    const r = await runCli(['translate', '--model', run, '--beam', '4', '--n-best', '3', '--format', 'jsonl'], {
      input: 'the cat\na dog runs\n',
    });
    expect(r.code).toBe(0);
    const objs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { src: string; hyps: { text: string; score: number }[] });
    expect(objs.map((o) => o.src)).toEqual(['the cat', 'a dog runs']);
    for (const o of objs) {
      expect(o.hyps.length).toBeGreaterThan(0);
      expect(o.hyps.length).toBeLessThanOrEqual(3);
      for (let k = 1; k < o.hyps.length; k++) expect(o.hyps[k - 1].score).toBeGreaterThanOrEqual(o.hyps[k].score);
      expect(Object.keys(o.hyps[0]).sort()).toEqual(['score', 'text']);
    }
  });

  it('-i/-o: writes the file atomically; the input without a final newline still gives one line each', async () => {
    const inPath = join(dir, 'in.txt');
    const outPath = join(dir, 'out.txt');
    writeFileSync(inPath, 'the cat\n\na dog');
    const r = await runCli(['translate', '--model', run, '-i', inPath, '-o', outPath, '--beam', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const out = readFileSync(outPath, 'utf8').split('\n');
    expect(out).toHaveLength(4);
    expect(out[1]).toBe('');
  });

  it('invalid UTF-8 → error naming the line; an existing -o target is untouched and no temp file is left', async () => {
    const inPath = join(dir, 'bad.txt');
    const outDir = mkdtempSync(join(dir, 'o-'));
    const outPath = join(outDir, 'keep.txt');
    writeFileSync(outPath, 'precious\n');
    writeFileSync(
      inPath,
      Buffer.concat([Buffer.from('the cat\na dog\n'), Buffer.from([0x61, 0xc3, 0x28, 0x0a]), Buffer.from('the man\n')]),
    );
    const r = await runCli(['translate', '--model', run, '-i', inPath, '-o', outPath, '--batch-size', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`seq2seq: ${inPath}:3: invalid UTF-8 (byte 0xC3 at column 2)\n`);
    expect(readFileSync(outPath, 'utf8')).toBe('precious\n');
    expect(readdirSync(outDir)).toEqual(['keep.txt']);
    const s = await runCli(['translate', '--model', run], { input: Buffer.from([0x61, 0x0a, 0xff, 0x0a]) });
    expect(s.code).toBe(2);
    expect(s.stderr).toBe('seq2seq: <stdin>:2: invalid UTF-8 (byte 0xFF at column 1)\n');
  });

  it('a closed stdout pipe (| head -1) ends quietly with exit 0', async () => {
    const input = Array.from({ length: 3000 }, (_, i) => `the cat ${i % 7 === 0 ? 'sits' : 'runs'}`).join('\n') + '\n';
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'translate', '--model', run, '--beam', '1', '--batch-size', '16'], {
        cwd: REPO,
        env: { ...process.env, NO_COLOR: '1' },
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.stdin.on('error', () => {});
      child.stdin.end(input);
      child.on('close', (code) => resolve({ code, stderr: err }));
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it('usage errors: --n-best over --beam, n-best with text output, missing run, missing input', async () => {
    expect(
      (await runCli(['translate', '--model', run, '--beam', '2', '--n-best', '3', '--format', 'jsonl'])).code,
    ).toBe(2);
    const t = await runCli(['translate', '--model', run, '--beam', '3', '--n-best', '2']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('needs --format jsonl');
    const m = await runCli(['translate', '--model', join(dir, 'nope')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe(`seq2seq: ${join(dir, 'nope')}: run directory not found\n`);
    const i = await runCli(['translate', '--model', run, '-i', join(dir, 'missing.txt')]);
    expect(i.code).toBe(2);
    expect(i.stderr).toContain('missing.txt');
    expect(existsSync(join(dir, 'missing.txt'))).toBe(false);
  });
});

describe('seq2seq translate (streaming and interrupts)', () => {
  const spawnTranslate = (args: string[]) =>
    spawn(process.execPath, [BIN, 'translate', '--model', run, ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
    });

  it('output of the first batch appears before the input ends', async () => {
    const child = spawnTranslate(['--beam', '1', '--batch-size', '2']);
    child.stdin.write('the cat\na dog\n');
    const first = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
    );
    expect(first.split('\n')).toHaveLength(3); // two lines, stdin still open
    child.stdin.end('the man\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
  });

  it('SIGINT during -o: exit 130, temp file removed, existing target untouched', async () => {
    const outDir = mkdtempSync(join(dir, 'sig-'));
    const target = join(outDir, 'out.txt');
    writeFileSync(target, 'old\n');
    const child = spawnTranslate(['--beam', '1', '--batch-size', '1', '-o', target]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.write('the cat\n');
    // Wait for the temporary file to exist, i.e. the run is writing.
    for (let k = 0; k < 200 && readdirSync(outDir).length < 2; k++) await new Promise((r) => setTimeout(r, 25));
    expect(readdirSync(outDir).length).toBe(2);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(readdirSync(outDir)).toEqual(['out.txt']);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(err).toContain('interrupted');
  });
});
