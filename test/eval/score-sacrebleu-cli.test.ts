/**
 * `seq2seq score` prints what sacreBLEU's command line prints: every case of
 * fixtures/sacrebleu-cli.json is sacreBLEU 2.6.0's own stdout for the same inputs and options
 * (text lines aligned on ' = ', JSON objects and lists, -b, -w, several references, chrF++,
 * lowercase, tokenize none/char, floor/add-k smoothing, hypotheses on stdin), compared byte for byte
 * with only the signature's version field changed (ours names this implementation). One deviation,
 * documented in docs/evaluation.md: JSON is always a list, where sacreBLEU prints a lone object for
 * one metric; that case is compared as parsed JSON.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVAL_VERSION } from '../../src/eval/references.js';
import { runCli } from '../helpers/run-cli.js';

interface Case {
  sacrebleu: string[];
  seq2seq: string[];
  stdin: string | null;
  stdout: string;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/sacrebleu-cli.json', import.meta.url), 'utf8')) as {
  inputs: Record<string, string>;
  cases: Case[];
};
const dir = mkdtempSync(join(tmpdir(), 'seq2seq-sacrebleu-cli-'));
for (const [name, text] of Object.entries(fx.inputs)) writeFileSync(join(dir, name), text);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sacreBLEU's output with our version tag, in the signature and in JSON's "version" field. */
const ours = (s: string) =>
  s
    .replaceAll('version:2.6.0', `version:${EVAL_VERSION}`)
    .replaceAll('"version": "2.6.0"', `"version": "${EVAL_VERSION}"`);

describe('seq2seq score prints as sacreBLEU 2.6.0 does', () => {
  for (const c of fx.cases) {
    it(`sacrebleu ${c.sacrebleu.join(' ')}${c.stdin ? ` < ${c.stdin}` : ''}`, async () => {
      const input = c.stdin ? fx.inputs[c.stdin] : '';
      const r = await runCli(['score', ...c.seq2seq], { cwd: dir, input });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      if (c.stdout.startsWith('{')) {
        // one metric: sacreBLEU prints the object alone, we print a list of one
        expect(JSON.parse(r.stdout)).toEqual([JSON.parse(ours(c.stdout))]);
      } else {
        expect(r.stdout).toBe(ours(c.stdout));
      }
    });
  }

  it('covers text, JSON, score-only, stdin and every option the fixture names', () => {
    const args = fx.cases.flatMap((c) => c.seq2seq);
    for (const flag of ['-b', '-w', '-f', '--lowercase', '--tokenize', '--smooth', '--smooth-value', '--metrics']) {
      expect(args).toContain(flag);
    }
    expect(fx.cases.filter((c) => c.stdin !== null).length).toBeGreaterThanOrEqual(2);
  });
});
