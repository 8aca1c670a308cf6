/**
 * `seq2seq score --hyp --ref` through the real CLI (run `npm run build` first); its output against
 * sacreBLEU's own command line: score-sacrebleu-cli.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  it("prints sacreBLEU's one-line `signature = score` per metric (README example, two references)", async () => {
    const r = await runCli(['score', '--hyp', hyp, '--ref', ref1, '--ref', ref2]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '  BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0 = 48.5 ' +
        '82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
      'chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:seq2seq-0.1.0 = 59.7',
      '',
    ]);
    // the score lines of the library (`BLEU = 48.53 …`, as sacreBLEU's Python API prints them) at -w 2
    const w2 = await runCli(['score', '--hyp', hyp, '--ref', ref1, '--ref', ref2, '-w', '2']);
    expect(w2.stdout).toContain(' = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n');
    expect(w2.stdout).toContain(' = 59.73\n');
  });

  it('hypotheses from stdin (no --hyp, or --hyp -), references as arguments: the same scores', async () => {
    const text = readFileSync(hyp, 'utf8');
    const want = (await runCli(['score', '--hyp', hyp, '--ref', ref1, '--ref', ref2, '-f', 'json'])).stdout;
    const a = await runCli(['score', '--ref', ref1, '--ref', ref2, '-f', 'json'], { input: text });
    const b = await runCli(['score', ref1, ref2, '--hyp', '-', '-f', 'json'], { input: text });
    const c = await runCli(['score', ref1, '--ref', ref2, '-f', 'json'], { input: text });
    for (const x of [a, b, c]) {
      expect(x.code, x.stderr).toBe(0);
      expect(x.stdout).toBe(want);
    }
    const short = await runCli(['score', ref1], { input: 'one line\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(
      `seq2seq: <stdin> has 1 lines but ${ref1} has 3: the files must be aligned line by line\n`,
    );
    const bad = await runCli(['score', ref1], { input: Buffer.from([0x61, 0x0a, 0xff, 0x0a, 0x63, 0x0a]) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('seq2seq: <stdin>:2: invalid UTF-8 (byte 0xFF at column 1)\n');
  });

  it('-b prints the scores alone; -w sets their decimals; a bad -w is a usage error', async () => {
    const r = await runCli(['score', '--hyp', hyp, '--ref', ref1, '--ref', ref2, '-b', '-w', '4']);
    expect(r.stdout).toBe('48.5308\n59.7275\n'); // sacreBLEU 2.6.0: -b -w 4 -f text
    const w = await runCli(['score', '--hyp', hyp, '--ref', ref1, '-w', '-1']);
    expect(w.code).toBe(2);
    expect(w.stderr).toBe("seq2seq: --width must be an integer ≥ 0, got '-1'\n");
  });

  it("--format json (sacreBLEU's keys, every digit of the score), --lowercase, --metrics", async () => {
    const up = file('hyp-upper.txt', "THE DOG BIT THE MAN.\nIT WASN'T SURPRISING.\nTHE MAN HAD JUST BITTEN HIM.\n");
    const r = await runCli([
      'score',
      '--hyp',
      up,
      '--ref',
      ref1,
      '--ref',
      ref2,
      '--lowercase',
      '--metrics',
      'bleu',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { name: string; score: number; signature: string }[];
    expect(j).toHaveLength(1);
    expect(j[0].name).toBe('BLEU');
    expect(Math.abs(j[0].score - 48.530827)).toBeLessThan(1e-6);
    expect(j[0].signature).toContain('case:lc');
    const keys = ['name', 'score', 'signature', 'verbose_score', 'nrefs', 'case', 'eff', 'tok', 'smooth', 'version'];
    expect(Object.keys(j[0])).toEqual(keys);
    const fields = { nrefs: '2', case: 'lc', eff: 'no', tok: '13a', smooth: 'exp', version: 'seq2seq-0.1.0' };
    expect(j[0]).toMatchObject(fields);
    expect((j[0] as unknown as { verbose_score: string }).verbose_score).toBe(
      '82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
    );
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
