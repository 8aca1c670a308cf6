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
    expect(r.stderr.split("\n")[0]).toMatch(/^error: (unknown command|too many arguments)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
