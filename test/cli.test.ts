import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { readFileSync } from 'node:fs';

describe('seq2seq CLI', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('rejects an unknown command with exit code 2 and a one-line message', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: (unknown command|too many arguments)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('closed pipes', () => {
  it('ends quietly with exit 0 when stdout is closed early (| head -1)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('./helpers/run-cli.js');
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" translate --help | head -1; echo "rc=\${PIPESTATUS[0]}"`],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/^Usage: seq2seq translate/);
    expect(r.stdout.trim().split('\n').pop()).toBe('rc=0');
    expect(r.stderr).toBe('');
  });
});

describe('backend environment', () => {
  it('warns once, on one line, when SEQ2SEQ_THREADS cannot be honoured, and still runs', async () => {
    const r = await runCli(['--version'], { env: { SEQ2SEQ_THREADS: 'abc' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('seq2seq: warning: SEQ2SEQ_THREADS=abc is not a positive integer; using the default\n');
  });
});
