import { afterEach, describe, expect, it } from 'vitest';
import type React from 'react';
import { render, cleanup } from 'ink-testing-library';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { TranslateApp } from '../../../src/ui/translate/TranslateApp.js';
import { FakeTranslator, fakeTranslate } from './fake-translator.js';

const KEY = {
  enter: '\r',
  up: '\u001b[A',
  down: '\u001b[B',
  shiftUp: '\u001b[1;2A',
  shiftDown: '\u001b[1;2B',
  pageDown: '\u001b[6~',
  tab: '\t',
  ctrlA: '\u0001',
  ctrlD: '\u0004',
  ctrlC: '\u0003',
  ctrlT: '\u0014',
  esc: '\u001b',
};

/** Resolves when `cond()` holds, checking after each turn of the event loop; fails after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The app on a fake translator, translations run by hand (`defer`): no timers. Keys reach the
 * app synchronously, except a lone Esc, which Ink holds for one turn of the event loop (it could
 * start an escape sequence); React draws a change in a microtask. So `type` lets a turn pass after
 * each chunk, runs the translations the keys queued, and lets another turn pass for their frame.
 */
async function start(
  translator = new FakeTranslator(),
  extra: Partial<React.ComponentProps<typeof TranslateApp>> = {},
) {
  let quits = 0;
  const pending: (() => void)[] = [];
  const ui = render(
    <TranslateApp
      translator={translator}
      runDir="runs/test"
      modelInfo={{ runDir: 'runs/test', cell: 'gru', attention: 'bahdanau', srcVocab: 120, tgtVocab: 130 }}
      defer={(run) => pending.push(run)}
      colour={false}
      onQuit={() => quits++}
      {...extra}
    />,
  );
  const frame = () => stripVTControlCharacters(ui.lastFrame() ?? '');
  const lines = () => frame().split('\n');
  /** The input line is the second-to-last line (the hint line is last); Ink trims trailing blanks. */
  const inputLine = () => lines()[lines().length - 2]!;
  const runTranslations = () => {
    while (pending.length > 0) pending.shift()!();
  };
  const type = async (...chunks: string[]) => {
    for (const c of chunks) {
      ui.stdin.write(c);
      await new Promise((r) => setImmediate(r));
      runTranslations();
      await new Promise((r) => setImmediate(r));
    }
  };
  // Keys are read once Ink listens to stdin (an effect that runs after the first frame).
  await until(() => ui.stdin.listenerCount('readable') > 0, 'Ink to read the keyboard');
  return { ui, translator, frame, lines, inputLine, type, runTranslations, quits: () => quits };
}

afterEach(() => cleanup());

describe('TranslateApp', () => {
  it('shows the model, translates the typed line on Enter and adds it to the transcript', async () => {
    const t = await start();
    expect(t.frame()).toContain('model runs/test · gru · attention bahdanau · vocab 120 → 130');
    await t.type('the black cat', KEY.enter);
    expect(t.translator.calls.map((c) => c.lines)).toEqual([['the black cat']]);
    expect(t.translator.calls[0]!.opts).toMatchObject({ beam: 5, nBest: 5 }); // default search
    expect(t.frame()).toContain('› the black cat');
    expect(t.frame()).toContain('= CAT BLACK THE');
    expect(t.lines().at(-3)).toMatch(/^translated in [\d.]+ ms \(beam 5, 3 → 3 pieces\)$/);
    expect(t.inputLine()).toBe('› █'); // cleared; without colour the cursor is a block
  });

  it('keeps keys that arrive faster than the screen is redrawn', async () => {
    const t = await start();
    // No pause between the writes: the second arrives before React has re-rendered.
    t.ui.stdin.write('quick');
    t.ui.stdin.write(' fox');
    t.ui.stdin.write(KEY.enter);
    t.runTranslations();
    expect(t.translator.calls.map((c) => c.lines)).toEqual([['quick fox']]);
  });

  it('applies control keys and text that arrive in one chunk in their order', async () => {
    const t = await start();
    // Under load, Ctrl-U and the keys after it reach stdin in one read.
    await t.type('boom', '\u0015the dog');
    expect(t.inputLine()).toBe('› the dog█');
    await t.type('x\u0015caa\u0008\u0005t', KEY.enter); // Ctrl-U, text, BS, Ctrl-E, text
    expect(t.translator.calls.map((c) => c.lines)).toEqual([['cat']]);
    await t.type('boom', '\u0015:quit' + KEY.enter);
    expect(t.translator.calls).toHaveLength(1);
    expect(t.quits()).toBe(1);
  });

  it('shows "translating…" before calling the translator', async () => {
    // The deferred translation is run by hand: no dependence on timing.
    let run: (() => void) | null = null;
    const t = await start(new FakeTranslator(), { defer: (fn) => (run = fn) });
    t.ui.stdin.write('slow one');
    t.ui.stdin.write(KEY.enter);
    await until(() => run !== null && t.frame().includes('translating… slow one'), 'the "translating…" frame');
    expect(t.frame()).toContain('translating… slow one');
    expect(t.translator.calls).toHaveLength(0);
    run!();
    expect(t.translator.calls).toHaveLength(1);
    await until(() => !t.frame().includes('translating…'), 'the frame after the translation');
    expect(t.frame()).toContain('= ONE SLOW');
  });

  it('recalls earlier inputs with ↑ and ↓, and Enter translates the recalled line', async () => {
    const t = await start();
    await t.type('one', KEY.enter, 'two', KEY.enter, 'dra');
    await t.type(KEY.up);
    expect(t.inputLine()).toBe('› two█');
    await t.type(KEY.up);
    expect(t.inputLine()).toBe('› one█');
    await t.type(KEY.up); // stays at the oldest
    expect(t.inputLine()).toBe('› one█');
    await t.type(KEY.down);
    expect(t.inputLine()).toBe('› two█');
    await t.type(KEY.down); // back to the unfinished line
    expect(t.inputLine()).toBe('› dra█');
    await t.type(KEY.up, KEY.up, KEY.enter);
    expect(t.translator.calls.map((c) => c.lines[0])).toEqual(['one', 'two', 'one']);
  });

  it('edits the line: ← moves the cursor, Backspace (DEL) deletes before it', async () => {
    const t = await start();
    await t.type('cat', '\u001b[D', '\u001b[D');
    expect(t.inputLine()).toBe('› c▏at');
    await t.type('\u007f', 'h');
    expect(t.inputLine()).toBe('› h▏at');
    await t.type(KEY.enter);
    expect(t.translator.calls[0]!.lines).toEqual(['hat']);
  });

  it('translates a multi-line paste line by line, one transcript entry each', async () => {
    const t = await start();
    await t.type('a b\nc d\r\ne f\nlast');
    expect(t.translator.calls.map((c) => c.lines)).toEqual([['a b'], ['c d'], ['e f']]);
    expect(t.frame()).toContain('= B A');
    expect(t.frame()).toContain('= D C');
    expect(t.frame()).toContain('= F E');
    expect(t.inputLine()).toBe('› last█');
  });

  it(':beam N and :greedy change the options passed to the translator; :nbest K raises the beam', async () => {
    const t = await start(new FakeTranslator(), { options: { beam: 4, maxLengthRatio: 2 } });
    await t.type('x', KEY.enter);
    await t.type(':beam 3', KEY.enter, 'y', KEY.enter);
    await t.type(':greedy', KEY.enter, 'z', KEY.enter);
    await t.type(':nbest 8', KEY.enter, 'w', KEY.enter);
    await t.type(':lp 0.6', KEY.enter, 'v', KEY.enter);
    const opts = t.translator.calls.map((c) => c.opts);
    expect(opts[0]).toEqual({ beam: 4, nBest: 4, maxLengthRatio: 2 });
    expect(opts[1]).toEqual({ beam: 3, nBest: 3, maxLengthRatio: 2 });
    expect(opts[2]).toEqual({ beam: 1, nBest: 1, maxLengthRatio: 2 });
    expect(opts[3]).toEqual({ beam: 8, nBest: 8, maxLengthRatio: 2 });
    expect(opts[4]).toEqual({ beam: 8, nBest: 8, maxLengthRatio: 2, lengthPenalty: 0.6 });
    expect(t.lines().at(-1)).toContain('[beam 8, lp 0.6 · n-best 8]');
  });

  it('Tab shows the n-best list of the last translation with scores, best first', async () => {
    const t = await start(new FakeTranslator(), { options: { beam: 3 } });
    await t.type('red fox', KEY.enter, KEY.tab);
    const f = t.frame();
    expect(f).toContain('n-best (3 hypotheses, beam 3');
    const rows = t.lines().filter((l) => /^ *\d+\. /.test(l));
    expect(rows).toEqual([' 1. -1.25  FOX RED', ' 2. -2.50  FOX1 RED1', ' 3. -3.75  FOX2 RED2']);
    await t.type(KEY.tab);
    expect(t.frame()).not.toContain('n-best (');
  });

  it('Ctrl-A shows the attention heatmap of the last translation (NO_COLOR: shades), Ctrl-T the pieces', async () => {
    const t = await start();
    await t.type('le chat noir', KEY.enter, KEY.ctrlA);
    const lines = t.lines();
    const head = lines.findIndex((l) => l.startsWith('attention: output pieces'));
    expect(head).toBeGreaterThan(0);
    // Cells are 5 wide ("</s>" + 1); Ink drops trailing blanks.
    expect(lines[head + 1]).toBe('     le   chat noir </s>');
    // The fake aligns output i with source word S−1−i, weight 1: the darkest shade.
    expect(lines[head + 2]).toBe(`NOIR           ${'█'.repeat(5)}`);
    expect(lines[head + 3]).toBe(`CHAT      ${'█'.repeat(5)}`);
    expect(lines[head + 4]).toBe(`LE   ${'█'.repeat(5)}`);
    expect(lines[head + 5]).toContain('legend (attention weight)');
    await t.type(KEY.ctrlT);
    expect(t.frame()).toContain('source (3 pieces): le chat noir');
    expect(t.frame()).toContain('output (3 pieces): NOIR CHAT LE');
    await t.type(KEY.esc);
    expect(t.frame()).not.toContain('legend');
  });

  it('highlights unknown pieces in the token view', async () => {
    const t = await start();
    await t.type('<unk> zebra', KEY.enter, KEY.ctrlT);
    expect(t.frame()).toContain('source (2 pieces, 1 unknown): ⟦<unk>⟧ zebra');
    expect(t.frame()).toContain('output (2 pieces, 1 unknown): ZEBRA ⟦<UNK>⟧');
  });

  it('highlights source pieces the source vocabulary lacks, when the translator exposes it', async () => {
    const translator = Object.assign(new FakeTranslator(), {
      src: { tokenToId: (p: string) => (p === '🦊' ? undefined : 9) },
    });
    const t = await start(translator);
    await t.type('the 🦊 runs', KEY.enter, KEY.ctrlT);
    expect(t.frame()).toContain('source (3 pieces, 1 unknown): the ⟦🦊⟧ runs');
  });

  it('says so when the model has no attention', async () => {
    const t = await start(new FakeTranslator(false));
    await t.type('hello', KEY.enter, ':attn', KEY.enter);
    expect(t.frame()).toContain('this model has no attention mechanism');
  });

  it('shows a failing translation as one red line, without the stack, and keeps running', async () => {
    const t = await start();
    await t.type('boom now', KEY.enter);
    const f = t.frame();
    expect(f).toContain('✗ decoder exploded: NaN in logits');
    expect(f).not.toContain('at step');
    expect(f).not.toContain('decode.js');
    await t.type('still alive', KEY.enter);
    expect(t.frame()).toContain('= ALIVE STILL');
    expect(t.translator.calls).toHaveLength(2);
  });

  it('reports bad commands on one line and does not translate them', async () => {
    const t = await start();
    await t.type(':beam zero', KEY.enter);
    expect(t.lines().at(-3)).toBe('✗ :beam zero: not a whole number');
    await t.type(':frobnicate', KEY.enter);
    expect(t.frame()).toContain('unknown command :frobnicate');
    expect(t.translator.calls).toHaveLength(0);
  });

  it(':help lists the keys and commands', async () => {
    const t = await start();
    await t.type(':help', KEY.enter);
    expect(t.frame()).toContain('keys and commands');
    for (const k of [':beam N, :greedy', ':save FILE', ':quit, :q, Ctrl-C, Ctrl-D', 'Ctrl-A, :attn'])
      expect(t.frame()).toContain(k);
  });

  it(':save FILE writes the pairs as TSV atomically and confirms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq2seq-ui-'));
    try {
      writeFileSync(join(dir, 'pairs.tsv'), 'old content\n');
      const t = await start(new FakeTranslator(), { cwd: dir });
      await t.type('a\tb c', KEY.enter); // a tab typed inside the line becomes a space
      await t.type('boom', KEY.enter); // failed lines are not saved
      await t.type('d e', KEY.enter, ':save pairs.tsv', KEY.enter);
      expect(readFileSync(join(dir, 'pairs.tsv'), 'utf8')).toBe('a b c\tC B A\nd e\tE D\n');
      expect(t.frame()).toContain(`saved 2 pairs to ${join(dir, 'pairs.tsv')}`);
      await t.type(':save no/such/dir/x.tsv', KEY.enter);
      // one line naming the path that cannot be written (long paths are cut at the screen edge)
      expect(t.lines().at(-3)).toMatch(
        new RegExp(`^✗ cannot save: ${dir.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      expect(existsSync(join(dir, 'no'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [name, keys] of [
    [':quit', [':quit', KEY.enter]],
    [':q', [':q', KEY.enter]],
    ['Ctrl-C', [KEY.ctrlC]],
    ['Ctrl-D', [KEY.ctrlD]],
  ] as const) {
    it(`${name} quits`, async () => {
      const t = await start();
      await t.type(...keys);
      expect(t.quits()).toBe(1);
      await t.type('after', KEY.enter);
      expect(t.translator.calls).toHaveLength(0);
    });
  }
});

/** Gives ink-testing-library's terminal (100 columns, no row count) a size, and tells the app. */
function resize(ui: { stdout: NodeJS.EventEmitter }, columns: number, rows: number): void {
  Object.defineProperty(ui.stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(ui.stdout, 'rows', { value: rows, configurable: true });
  ui.stdout.emit('resize');
}

const ALPHABET = [
  'alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike',
  'november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu',
].join(' ');

describe('TranslateApp on a terminal of a given size', () => {
  it('re-lays out the heatmap when the terminal is resized', async () => {
    const t = await start();
    await t.type(ALPHABET, KEY.enter, KEY.ctrlA);
    /** The panel: from its title to the status line under it. */
    const heatmap = () => {
      const l = t.lines();
      return l.slice(
        l.findIndex((x) => x.startsWith('attention: output pieces')),
        l.findIndex((x) => x.startsWith('translated in')),
      );
    };
    // 100 columns: all 26 words and </s> fit in 3-column cells (labels of 5 on alternate lines).
    expect(heatmap()[1]).toMatch(/^ +alpha char… echo {2}golf {2}india /);
    expect(t.frame()).not.toContain('columns 1–');
    resize(t.ui, 60, 24);
    // 60 columns: 2-column cells (labels of 3 on alternate lines), and still one column too many.
    await until(() => t.frame().includes('columns 1–26 of 27'), 'the heatmap laid out for 60 columns');
    // (the transcript above was printed at the old width, as in a terminal)
    for (const line of heatmap()) expect(stringWidth(line)).toBeLessThanOrEqual(60);
    expect(heatmap()[1]).toMatch(/^ +al… ch… ec… go… /);
    resize(t.ui, 140, 24);
    // Wider than 120 columns the heatmap stays 120 wide: 4-column cells (labels of 7), all columns.
    await until(() => !t.frame().includes('columns 1–'), 'the heatmap laid out for 140 columns');
    expect(heatmap()[1]).toMatch(/^ +alpha {3}charlie echo {4}golf {4}india /);
    expect(Math.max(...heatmap().map((l) => stringWidth(l)))).toBeLessThanOrEqual(120);
  });

  it('keeps the live part shorter than the screen, leaving the last entry in view; panels are cut to fit', async () => {
    const t = await start();
    resize(t.ui, 100, 20);
    const sentence = 'a b c d e f g h i j k l';
    await t.type(':nbest 30', KEY.enter, sentence, KEY.enter, KEY.ctrlA, KEY.ctrlT, ':help', KEY.enter);
    const lines = t.lines();
    const entry = lines.indexOf(`  = ${fakeTranslate(sentence, 1).hyps[0]!.text}`);
    expect(lines[entry - 1]).toBe(`› ${sentence}`);
    // Below the last entry (2 lines): at most 20 − 1 − 2 lines, so the entry stays on a 20-row screen.
    const live = lines.slice(entry + 1);
    expect(live.length).toBeLessThanOrEqual(17);
    for (const l of live) expect(stringWidth(l)).toBeLessThanOrEqual(100);
    expect(live.some((l) => /^showing 1–\d+ of 30 \(Shift-↑\/↓, PgUp\/PgDn\)$/.test(l))).toBe(true);
    expect(live.some((l) => l.startsWith('attention: output pieces'))).toBe(true);
    expect(live.some((l) => l.startsWith('source (12 pieces)'))).toBe(true);
    expect(live.some((l) => l === 'keys and commands')).toBe(true);
  });

  it('scrolls the n-best list: Shift-↑/↓ by one, PgDn by a page, within the list', async () => {
    const t = await start();
    resize(t.ui, 100, 20);
    await t.type(':nbest 30', KEY.enter, 'red fox', KEY.enter);
    const ranks = () =>
      t
        .lines()
        .filter((l) => /^ *\d+\. +-/.test(l))
        .map((l) => Number(l.trim().split('.')[0]));
    const shown = ranks().length;
    expect(ranks()).toEqual(Array.from({ length: shown }, (_, i) => i + 1));
    expect(shown).toBeLessThan(30);
    await t.type(KEY.shiftDown, KEY.shiftDown, KEY.shiftDown);
    expect(ranks()[0]).toBe(4);
    expect(t.frame()).toContain(`showing 4–${3 + shown} of 30`);
    expect(t.lines().find((l) => l.startsWith(' 4. '))).toBe(' 4.  -5.00  FOX3 RED3');
    await t.type(KEY.pageDown);
    expect(ranks()[0]).toBe(4 + shown - 1);
    for (let i = 0; i < 10; i++) await t.type(KEY.pageDown);
    expect(ranks().at(-1)).toBe(30);
    expect(ranks()).toHaveLength(shown);
    for (let i = 0; i < 40; i++) await t.type(KEY.shiftUp);
    expect(ranks()[0]).toBe(1);
    // ↑ without Shift still recalls the history.
    await t.type(KEY.up);
    expect(t.inputLine()).toBe('› red fox█');
  });

  it('warns when a line is longer than the model accepts, and shows what was not translated', async () => {
    const translator = new FakeTranslator();
    translator.maxWords = 4;
    const t = await start(translator);
    await t.type('one two three four five six seven', KEY.enter);
    expect(t.frame()).toContain('  = FOUR THREE TWO ONE');
    expect(t.frame()).toContain("  ! source of 7 tokens cropped to the model's limit of 4");
    expect(t.frame()).toContain('  ! not translated: five six seven');
    expect(t.lines().at(-3)).toBe(
      "⚠ not all translated: source of 7 tokens cropped to the model's limit of 4; split the line",
    );
    await t.type('short one', KEY.enter);
    expect(t.lines().at(-3)).toMatch(/^translated in /);
  });
});
