/**
 * The decoding options of `translate`, `eval` and `serve` (src/cli/decoding-flags.ts) through the real CLI
 * (run `npm run build` first): the three commands' --help list the same options with the same help and defaults
 * (the documented ones, docs/evaluation.md), and a bad value is one line naming the option, exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const COMMANDS = ['translate', 'eval', 'serve'] as const;
const DECODING = [
  '--beam',
  '--length-penalty',
  '--max-length-ratio',
  '--max-length-constant',
  '--replace-unk',
  '--precision',
  '--shortlist',
];
/** The defaults docs/evaluation.md and docs/serve.md give (none for a switch). */
const DEFAULTS: Record<string, string | null> = {
  '--beam': '5',
  '--length-penalty': '0.6',
  '--max-length-ratio': '2',
  '--max-length-constant': '10',
  '--replace-unk': null,
  '--precision': 'fp32',
  '--shortlist': null,
};

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-decoding-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The Options section of a --help text: flag → its entry, wrapped lines joined with single spaces. */
function helpOptions(help: string): Map<string, string> {
  const section = help.slice(help.indexOf('Options:'));
  const entries: string[] = [];
  for (const line of section.split('\n').slice(1)) {
    if (/^\s{2}-/.test(line)) entries.push(line.trim());
    else if (/^\s{4,}\S/.test(line) && entries.length > 0) entries[entries.length - 1] += ' ' + line.trim();
    else if (line.trim() === '' || !/^\s/.test(line)) break;
  }
  const byFlag = new Map<string, string>();
  for (const e of entries) byFlag.set(/(--[a-z-]+)/.exec(e)![1], e.replace(/\s+/g, ' '));
  return byFlag;
}

describe('decoding options: declared once for translate, eval and serve', () => {
  it('--help of the three commands lists the same decoding options, help texts and defaults', async () => {
    const helps = await Promise.all(COMMANDS.map((c) => runCli([c, '--help'], { cwd: dir })));
    const listed = helps.map((h) => {
      expect(h.code).toBe(0);
      const options = helpOptions(h.stdout);
      return DECODING.map((flag) => options.get(flag));
    });
    for (const [i, flag] of DECODING.entries()) {
      const entry = listed[0][i];
      expect(entry, `translate --help lists ${flag}`).toBeDefined();
      const wanted = DEFAULTS[flag];
      if (wanted === null) expect(entry).not.toContain('(default:');
      else expect(entry).toContain(`(default: "${wanted}")`);
      expect(listed[1][i], `eval --help: ${flag}`).toBe(entry);
      expect(listed[2][i], `serve --help: ${flag}`).toBe(entry);
    }
  });

  const bad: [string, string, string][] = [
    ['--beam', 'x', "--beam must be an integer ≥ 1, got 'x'"],
    ['--beam', '0', "--beam must be an integer ≥ 1, got '0'"],
    ['--beam', '65', "--beam must be an integer from 1 to 64, got '65'"],
    ['--length-penalty', 'abc', "--length-penalty must be a number ≥ 0, got 'abc'"],
    ['--length-penalty', '-1', "--length-penalty must be a number ≥ 0, got '-1'"],
    ['--max-length-ratio', '101', "--max-length-ratio must be a number from 0 to 100, got '101'"],
    ['--max-length-constant', '', "--max-length-constant must be a number ≥ 0, got ''"],
    ['--precision', 'fp8', "--precision must be one of fp32, bf16, int8, got 'fp8'"],
  ];
  const args: Record<(typeof COMMANDS)[number], string[]> = {
    translate: ['translate', '--model', 'no-run'],
    eval: ['eval', '--model', 'no-run', '--test', 'no-test.tsv'],
    serve: ['serve', '--model', 'no-run', '--port', '0'],
  };
  it.each(COMMANDS.flatMap((c) => bad.map(([flag, value, error]) => [c, flag, value, error] as const)))(
    "%s %s '%s': one line naming the option, exit 2 (before any file is read)",
    async (command, flag, value, error) => {
      const r = await runCli([...args[command], flag, value], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`seq2seq: ${error}\n`);
      expect(r.stdout).toBe('');
    },
  );
});
