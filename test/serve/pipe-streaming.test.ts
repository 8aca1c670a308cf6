/**
 * `seq2seq translate` on a pipe answers line by line: the test writes line B only after it has
 * read A's translation, so without the idle flush of a partial batch (src/decode/stream-translate.ts)
 * it would wait forever (the guard fails it after 30 s) — no timing is assumed. And
 * `--split-sentences`: one output line per input line, each sentence translated on its own (the
 * same text as translating the sentences as lines) and joined back with the line's whitespace.
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';
import { buildServeFixtures, translateCli, type ServeFixtures } from './fixtures.js';

let fx: ServeFixtures;
beforeAll(async () => {
  fx = await buildServeFixtures();
});

describe('translate on a pipe', () => {
  it("prints A's translation before B is written", async () => {
    const [a, b] = [fx.en[0], fx.en[1]];
    const expected = await translateCli(fx.dir, fx.enDe, [a, b]);
    const child = spawn(process.execPath, [BIN, 'translate', '--model', fx.enDe], {
      cwd: fx.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const lines: string[] = [];
    const nextLine = () =>
      new Promise<string>((resolve, reject) => {
        const guard = setTimeout(
          () => reject(new Error(`no output line within 30 s (got ${JSON.stringify(out)})`)),
          30_000,
        );
        const check = () => {
          const nl = out.indexOf('\n');
          if (nl < 0) return;
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          child.stdout.off('data', onData);
          clearTimeout(guard);
          resolve(line);
        };
        const onData = (d: Buffer) => {
          out += d.toString('utf8');
          check();
        };
        child.stdout.on('data', onData);
        check();
      });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write(`${a}\n`);
    lines.push(await nextLine());
    child.stdin.write(`${b}\n`);
    lines.push(await nextLine());
    child.stdin.end();
    expect(await closed).toBe(0);
    expect(lines).toEqual(expected);
  });
});

describe('--split-sentences', () => {
  it('one output line per input line: the sentences translated as lines, joined back', async () => {
    const lines = [`${fx.en[2]} ${fx.en[3]}`, fx.en[4], '', `  ${fx.en[5]}  ${fx.en[6]}`];
    const split = await translateCli(fx.dir, fx.enDe, lines, ['--split-sentences']);
    const sentences = await translateCli(fx.dir, fx.enDe, [fx.en[2], fx.en[3], fx.en[4], fx.en[5], fx.en[6]]);
    expect(split).toEqual([`${sentences[0]} ${sentences[1]}`, sentences[2], '', `  ${sentences[3]}  ${sentences[4]}`]);
  });

  it('with --n-best above 1 is refused (exit 2, one line)', async () => {
    const r = await runCli(
      ['translate', '--model', fx.enDe, '--split-sentences', '--n-best', '2', '--format', 'jsonl'],
      { cwd: fx.dir, input: 'a\n' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'seq2seq: --split-sentences gives one hypothesis per line: it cannot go with --n-best > 1',
    ]);
  });
});
