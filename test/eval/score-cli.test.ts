/** `seq2seq score --hyp --ref` through the real CLI (run `npm run build` first). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

// sacreBLEU's README example.
const hyp = file('hyp.txt', "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
const ref1 = file('ref1.txt', 'The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n');
const ref2 = file('ref2.txt', 'The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n');

describe('seq2seq score --hyp --ref', () => {
  it('prints sacreBLEU score lines and signatures (README example, two references)', async () => {
    const r = await runCli(['score', '--hyp', hyp, '--ref', ref1, '--ref', ref2]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
      'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0',
      'chrF2 = 59.73',
      'chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:seq2seq-0.1.0',
      '',
    ]);
  });

  it('--format json, --lowercase, --metrics', async () => {
    const up = file('hyp-upper.txt', "THE DOG BIT THE MAN.\nIT WASN'T SURPRISING.\nTHE MAN HAD JUST BITTEN HIM.\n");
    const r = await runCli(['score', '--hyp', up, '--ref', ref1, '--ref', ref2, '--lowercase', '--metrics', 'bleu', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { name: string; score: number; signature: string }[];
    expect(j).toHaveLength(1);
    expect(j[0].name).toBe('BLEU');
    expect(Math.abs(j[0].score - 48.530827)).toBeLessThan(1e-6);
    expect(j[0].signature).toContain('case:lc');
  });

  it('mismatched line counts: error naming both files and counts, exit 2', async () => {
    const short = file('short.txt', 'a\nb\n');
    const r = await runCli(['score', '--hyp', hyp, '--ref', short]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`seq2seq: ${hyp} has 3 lines but ${short} has 2: the files must be aligned line by line\n`);
  });

  it('invalid UTF-8: error naming file and line', async () => {
    const bad = file('bad.txt', Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a, 0x63, 0x0a]));
    const r = await runCli(['score', '--hyp', bad, '--ref', ref1]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^seq2seq: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid UTF-8`));
  });

  it('usage errors: missing --ref, unknown metric, missing file', async () => {
    expect((await runCli(['score', '--hyp', hyp])).code).toBe(2);
    const m = await runCli(['score', '--hyp', hyp, '--ref', ref1, '--metrics', 'meteor']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("unknown metric 'meteor'");
    const f = await runCli(['score', '--hyp', join(dir, 'nope.txt'), '--ref', ref1]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('nope.txt');
  });
});
