import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('seq2seq gradcheck (CLI)', () => {
  it('prints a per-parameter table and exits 0 when every gradient matches', async () => {
    const r = await runCli(['gradcheck', '--cell', 'rnn', '--attention', 'luong-general', '--samples', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}rnn luong-general uni 1L/m);
    expect(r.stdout).toMatch(/decoder\.attention\.key_layer\.weight +\d+ entries +\d\.\d\de-\d+/);
    expect(r.stdout).toMatch(/6\/6 configurations pass/);
  });

  it('rejects a bad option with exit code 2 and a one-line message', async () => {
    const r = await runCli(['gradcheck', '--attention', 'global']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--attention must be one of/);
  });
});
