/**
 * The interactive translator's reducer, its key map and its layout, without a terminal: actions in,
 * state and effects out. Translations come from the fake translator (words reversed, upper-cased).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { attentionPanel } from '../../../src/ui/translate/AttentionView.js';
import { HELP_LINES } from '../../../src/ui/translate/commands.js';
import { inputWindow } from '../../../src/ui/translate/InputLine.js';
import { keyActions } from '../../../src/ui/translate/keys.js';
import { allocate, layout } from '../../../src/ui/translate/layout.js';
import { nbestWindow } from '../../../src/ui/translate/NBestList.js';
import { leftOutText } from '../../../src/ui/translate/over-length.js';
import { tokenLines } from '../../../src/ui/translate/TokenView.js';
import {
  initialState,
  update,
  type Effect,
  type TranslateAction,
  type TranslateState,
} from '../../../src/ui/translate/translate-state.js';
import { fakeTranslate } from './fake-translator.js';

const start = (over: Partial<Parameters<typeof initialState>[0]> = {}) =>
  initialState({ screen: { columns: 100, rows: 30 }, colour: false, richColour: false, ...over });

/** Folds actions, collecting the effects in order. */
function run(s: TranslateState, ...actions: TranslateAction[]): { state: TranslateState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const a of actions) {
    const r = update(s, a);
    s = r.state;
    effects.push(...r.effects);
  }
  return { state: s, effects };
}

/** The action the controller sends back for a `translate` effect (the fake translator's answer). */
function answer(e: Effect, maxWords = Infinity): TranslateAction {
  if (e.kind !== 'translate') throw new Error(`expected a translate effect, got ${e.kind}`);
  return {
    type: 'translated',
    source: e.source,
    search: e.search,
    translation: fakeTranslate(e.source, e.options.nBest ?? 1, true, maxWords),
    error: null,
    ms: 3,
  };
}

const typed = (text: string): TranslateAction => ({ type: 'type', text });
const enter: TranslateAction = { type: 'submit' };

describe('the input queue', () => {
  it('runs typed and pasted lines one at a time, in order; commands wait for the sentence before them', () => {
    let r = run(start(), typed('a b\nc d\n:beam 3\ne f\n'));
    expect(r.effects).toEqual([{ kind: 'translate', source: 'a b', search: 'beam 5', options: { beam: 5, nBest: 5 } }]);
    expect(r.state.busy).toBe('a b');
    expect(r.state.queue).toEqual(['c d', ':beam 3', 'e f']);
    r = run(r.state, answer(r.effects[0]!));
    expect(r.state.entries.map((e) => e.translation?.hyps[0]?.text)).toEqual(['B A']);
    expect(r.effects).toEqual([{ kind: 'translate', source: 'c d', search: 'beam 5', options: { beam: 5, nBest: 5 } }]);
    // After "c d", :beam 3 applies at once and "e f" is translated with it.
    r = run(r.state, answer(r.effects[0]!));
    expect(r.effects).toEqual([{ kind: 'translate', source: 'e f', search: 'beam 3', options: { beam: 3, nBest: 3 } }]);
    expect(r.state.status).toEqual({ kind: 'info', text: 'search: beam 3' });
    r = run(r.state, answer(r.effects[0]!));
    expect(r.effects).toEqual([]);
    expect(r.state.busy).toBeNull();
    expect(r.state.entries.map((e) => [e.source, e.search])).toEqual([
      ['a b', 'beam 5'],
      ['c d', 'beam 5'],
      ['e f', 'beam 3'],
    ]);
    expect(r.state.line.history).toEqual(['a b', 'c d', ':beam 3', 'e f']);
  });

  it('--split-sentences: a line of several sentences becomes one entry per sentence, in order, before the next line', () => {
    let r = run(start({ splitSentences: true }), typed('A b. C d? E\nF g\n'));
    expect(r.effects.map((e) => e.kind === 'translate' && e.source)).toEqual(['A b.']);
    expect(r.state.queue).toEqual(['C d?', 'E', 'F g']);
    for (const expected of ['C d?', 'E', 'F g']) {
      r = run(r.state, answer(r.effects[0]!));
      expect(r.effects.map((e) => e.kind === 'translate' && e.source)).toEqual([expected]);
    }
    r = run(r.state, answer(r.effects[0]!));
    expect(r.state.entries.map((e) => e.source)).toEqual(['A b.', 'C d?', 'E', 'F g']);
    // without the flag the same line is one entry
    r = run(start(), typed('A b. C d? E\n'));
    expect(r.effects.map((e) => e.kind === 'translate' && e.source)).toEqual(['A b. C d? E']);
  });

  it('search options: --n-best pins the list, :nbest raises the beam, :lp sets α, the rest passes through', () => {
    const s = start({ options: { beam: 4, nBest: 2, maxLengthRatio: 2 } });
    let r = run(s, typed('x'), enter);
    expect((r.effects[0] as Extract<Effect, { kind: 'translate' }>).options).toEqual({
      beam: 4,
      nBest: 2,
      maxLengthRatio: 2,
    });
    r = run(
      r.state,
      answer(r.effects[0]!),
      typed(':beam 1'),
      enter,
      typed(':nbest 6'),
      enter,
      typed(':lp 0.6'),
      enter,
      typed('y'),
      enter,
    );
    expect((r.effects[0] as Extract<Effect, { kind: 'translate' }>).options).toEqual({
      beam: 6,
      nBest: 6,
      maxLengthRatio: 2,
      lengthPenalty: 0.6,
    });
    expect(r.state.panels.nbest).toBe(true); // :nbest K shows the list
  });

  it(':quit drops what is queued, asks to quit once, and nothing happens after', () => {
    const r = run(start(), typed('one\n:quit\ntwo\n'));
    const done = run(r.state, answer(r.effects[0]!));
    expect(done.effects).toEqual([{ kind: 'quit' }]);
    expect(done.state.quitting).toBe(true);
    expect(done.state.queue).toEqual([]);
    const after = run(done.state, typed('three'), enter, { type: 'quit' }, { type: 'toggle', panel: 'help' });
    expect(after.state).toBe(done.state);
    expect(after.effects).toEqual([]);
  });

  it(':save hands the entries so far to the controller and reports its answer', () => {
    let r = run(start(), typed('a b\n'));
    r = run(r.state, answer(r.effects[0]!), typed(':save out.tsv'), enter);
    expect(r.effects).toEqual([{ kind: 'save', file: 'out.tsv', entries: r.state.entries }]);
    expect(r.effects[0]!.kind === 'save' && r.effects[0]!.entries.map((e) => e.source)).toEqual(['a b']);
    expect(run(r.state, { type: 'saved', path: '/d/out.tsv', count: 1 }).state.status).toEqual({
      kind: 'info',
      text: 'saved 1 pair to /d/out.tsv',
    });
    expect(run(r.state, { type: 'saveFailed', error: 'no such directory' }).state.status).toEqual({
      kind: 'error',
      text: 'cannot save: no such directory',
    });
  });

  it('a failed translation is an entry with its error; a bad command changes nothing but the status', () => {
    let r = run(start(), typed('boom\n'));
    r = run(r.state, {
      type: 'translated',
      source: 'boom',
      search: 'beam 5',
      translation: null,
      error: 'NaN in logits',
      ms: 1,
    });
    expect(r.state.entries[0]).toMatchObject({ source: 'boom', translation: null, error: 'NaN in logits' });
    expect(r.state.status).toEqual({ kind: 'error', text: 'translation failed: NaN in logits' });
    const before = r.state;
    r = run(before, typed(':beam 99'), enter);
    expect(r.state.status).toEqual({ kind: 'error', text: ':beam 99: must be between 1 and 64' });
    expect(r.state.search).toBe(before.search);
  });

  it(':attn color without colour falls back to shades and says so', () => {
    const r = run(start(), typed(':attn color row'), enter);
    expect(r.state.heatStyle).toBe('shade');
    expect(r.state.heatScale).toBe('row');
    expect(r.state.panels.attention).toBe(true);
    expect(r.state.status?.kind).toBe('error');
    expect(run(start({ colour: true }), typed(':attn color'), enter).state.heatStyle).toBe('color');
  });
});

describe('a line longer than the model accepts', () => {
  it('is translated in part, with a warning naming what was left out', () => {
    let r = run(start(), typed('one two three four five six\n'));
    r = run(r.state, answer(r.effects[0]!, 4));
    expect(r.state.entries[0]!.leftOut).toBe('five six');
    expect(r.state.status).toEqual({
      kind: 'warning',
      text: "not all translated: source of 6 tokens cropped to the model's limit of 4; split the line",
    });
  });

  it('leftOutText matches the kept pieces against the line (spaces, "▁" and case aside)', () => {
    expect(leftOutText('Ein  Mann fährt Rad.', ['▁ein', '▁Ma', 'nn', '▁fä'])).toBe('hrt Rad.');
    expect(leftOutText('a b', ['▁a', '▁b'])).toBeNull(); // nothing left out
    expect(leftOutText('a b c', ['▁a', '<unk>'])).toBeNull(); // not the line's text: no claim
  });
});

describe('scrolling', () => {
  /** A 20-row screen with the n-best list of 30 hypotheses open. */
  function withList(panels: Partial<TranslateState['panels']> = {}): TranslateState {
    let r = run(start({ screen: { columns: 100, rows: 20 } }), typed(':nbest 30\nred fox\n'));
    r = run(r.state, answer(r.effects[0]!));
    return { ...r.state, panels: { ...r.state.panels, ...panels } };
  }
  const scroll = (s: TranslateState, ...scrolls: Extract<TranslateAction, { type: 'scroll' }>['scroll'][]) =>
    run(s, ...scrolls.map((sc) => ({ type: 'scroll' as const, scroll: sc }))).state;

  it('the n-best list moves by one (Shift-↑/↓) or a window (PgUp/PgDn), and stops at its ends', () => {
    const s = withList();
    const shown = nbestWindow(30, layout(s).lines.nbest, 0).shown;
    expect(shown).toBeLessThan(30);
    expect(scroll(s, { target: 'nbest', by: 1 }, { target: 'nbest', by: 1 }).scroll.nbest).toBe(2);
    expect(scroll(s, { target: 'page', by: 1 }).scroll.nbest).toBe(shown - 1);
    expect(scroll(s, ...Array(20).fill({ target: 'page', by: 1 })).scroll.nbest).toBe(30 - shown);
    expect(scroll(s, { target: 'nbest', by: 3 }, { target: 'nbest', by: -10 }).scroll.nbest).toBe(0);
    // A new translation starts at the top again.
    const moved = scroll(s, { target: 'nbest', by: 5 });
    const again = run(moved, typed('blue cat\n'));
    expect(run(again.state, answer(again.effects[0]!)).state.scroll.nbest).toBe(0);
  });

  it('PgUp/PgDn move the heatmap by half its window when it is shown; Shift-←/→ its columns, clamped', () => {
    // 40 words and </s> on 60 columns: 2-column cells, not all columns fit.
    let r = run(
      start({ screen: { columns: 60, rows: 20 } }),
      typed(`${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')}\n`),
    );
    r = run(r.state, answer(r.effects[0]!), { type: 'toggle', panel: 'attention' });
    const s = r.state;
    const lay = layout(s);
    const rows = attentionPanel(s.entries[0]!.translation!, {
      width: lay.heatWidth,
      maxLines: lay.lines.attention,
      maxRows: Infinity,
      rowOffset: 0,
      colOffset: 0,
      style: 'shade',
      scale: 'absolute',
    }).shownRows;
    expect(rows).toBeLessThan(40);
    expect(scroll(s, { target: 'page', by: 1 }).scroll.heatRow).toBe(Math.floor(rows / 2));
    expect(scroll(s, ...Array(30).fill({ target: 'page', by: 1 })).scroll.heatRow).toBe(40 - rows);
    expect(scroll(s, { target: 'page', by: -1 }).scroll.heatRow).toBe(0);
    const right = scroll(s, ...Array(30).fill({ target: 'heatCols', by: 4 }));
    expect(right.scroll.heatCol).toBeGreaterThan(0);
    expect(right.scroll.heatCol).toBeLessThan(41);
    // At the right end already: one more step changes nothing; one step back moves 4 columns.
    expect(scroll(right, { target: 'heatCols', by: 4 }).scroll.heatCol).toBe(right.scroll.heatCol);
    expect(scroll(right, { target: 'heatCols', by: -4 }).scroll.heatCol).toBe(right.scroll.heatCol - 4);
  });

  it('a closed panel does not scroll', () => {
    const s = withList({ nbest: false });
    expect(scroll(s, { target: 'nbest', by: 3 }, { target: 'page', by: 1 }).scroll).toEqual(s.scroll);
  });
});

describe('layout', () => {
  it('allocate: natural heights when they fit; else minimums first, the rest shared a line at a time', () => {
    expect(allocate(20, { nbest: { natural: 5, min: 3 }, attention: { natural: 8, min: 6 } })).toEqual({
      tokens: 0,
      nbest: 5,
      help: 0,
      attention: 8,
    });
    // 12 lines: minimums 3 + 6, then 3 more shared in turn (n-best first): n-best 5, heatmap 7.
    expect(allocate(12, { nbest: { natural: 31, min: 3 }, attention: { natural: 20, min: 6 } })).toEqual({
      tokens: 0,
      nbest: 5,
      help: 0,
      attention: 7,
    });
    // Too short for both minimums: the n-best list (earlier in the order) is shown, the heatmap is not.
    expect(allocate(7, { nbest: { natural: 31, min: 3 }, attention: { natural: 20, min: 6 } })).toEqual({
      tokens: 0,
      nbest: 7,
      help: 0,
      attention: 0,
    });
  });

  it('a resize changes the layout', () => {
    let r = run(start(), typed(`${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')}\n`));
    r = run(r.state, answer(r.effects[0]!), { type: 'toggle', panel: 'attention' }, { type: 'toggle', panel: 'help' });
    const before = layout(r.state);
    const after = layout(run(r.state, { type: 'resize', screen: { columns: 60, rows: 16 } }).state);
    expect(before.heatWidth).toBe(100);
    expect(after.heatWidth).toBe(60);
    expect(after.lines.attention + after.lines.help).toBeLessThan(before.lines.attention + before.lines.help);
  });

  it('any screen and panels: each keeps to its lines and width; the last entry stays in view (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          columns: fc.integer({ min: 40, max: 200 }),
          rows: fc.integer({ min: 8, max: 60 }),
          words: fc.array(fc.constantFrom('a', 'cat', 'international', '猫', '東京', '🦊', 'naïve', 'x'), {
            minLength: 1,
            maxLength: 50,
          }),
          nBest: fc.integer({ min: 1, max: 40 }),
          panels: fc.record({ nbest: fc.boolean(), attention: fc.boolean(), tokens: fc.boolean(), help: fc.boolean() }),
        }),
        ({ columns, rows, words, nBest, panels }) => {
          let r = run(start({ screen: { columns, rows } }), typed(`:nbest ${nBest}\n${words.join(' ')}\n`));
          r = run(r.state, answer(r.effects[0]!));
          const s = { ...r.state, panels };
          const lay = layout(s);
          const t = s.entries[0]!.translation!;
          const heat = attentionPanel(t, {
            width: lay.heatWidth,
            maxLines: lay.lines.attention,
            maxRows: Infinity,
            rowOffset: 0,
            colOffset: 0,
            style: 'shade',
            scale: 'absolute',
          });
          const used = {
            nbest: lay.lines.nbest > 0 ? nbestWindow(t.hyps.length, lay.lines.nbest, 0).lines : 0,
            attention: lay.lines.attention > 0 ? heat.lines.length : 0,
            tokens: lay.lines.tokens > 0 ? tokenLines(t, columns, lay.lines.tokens).length : 0,
            help: lay.lines.help > 0 ? Math.min(lay.lines.help, 1 + HELP_LINES.length) : 0,
          };
          for (const p of ['nbest', 'attention', 'tokens', 'help'] as const)
            expect(used[p]).toBeLessThanOrEqual(lay.lines[p]);
          // The matrix and its labels fit; the title, legend and notes are cut by Ink at the edge (truncate-end).
          const matrix = heat.lines.filter((l) => l.tone === undefined && !/^(legend|showing) /.test(l.text));
          if (lay.lines.attention > 0)
            for (const l of matrix) expect(stringWidth(l.text)).toBeLessThanOrEqual(lay.heatWidth);
          if (lay.lines.tokens > 0) {
            for (const l of tokenLines(t, columns, lay.lines.tokens))
              expect(stringWidth(l.map((x) => x.text).join(''))).toBeLessThanOrEqual(columns);
          }
          // status + input + hint lines; the entry: source and translation, each wrapped at the screen edge.
          const entry = [`› ${words.join(' ')}`, `  = ${t.hyps[0]!.text}`].reduce(
            (n, l) => n + Math.ceil(stringWidth(l) / columns),
            0,
          );
          const live = Object.values(used).reduce((a, b) => a + b, 0) + 3;
          expect(live).toBeLessThanOrEqual(rows - 1 - Math.min(entry, Math.floor(rows / 3)));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('keys', () => {
  it('maps Ink key events to actions', () => {
    expect(keyActions('\r', { return: true })).toEqual([{ type: 'submit' }]);
    expect(keyActions('', { upArrow: true })).toEqual([{ type: 'edit', edit: 'historyUp' }]);
    expect(keyActions('', { upArrow: true, shift: true })).toEqual([
      { type: 'scroll', scroll: { target: 'nbest', by: -1 } },
    ]);
    expect(keyActions('', { downArrow: true, shift: true })).toEqual([
      { type: 'scroll', scroll: { target: 'nbest', by: 1 } },
    ]);
    expect(keyActions('', { pageDown: true })).toEqual([{ type: 'scroll', scroll: { target: 'page', by: 1 } }]);
    expect(keyActions('', { leftArrow: true, shift: true })).toEqual([
      { type: 'scroll', scroll: { target: 'heatCols', by: -4 } },
    ]);
    expect(keyActions('', { leftArrow: true })).toEqual([{ type: 'edit', edit: 'left' }]);
    expect(keyActions('', { delete: true })).toEqual([{ type: 'edit', edit: 'backspace' }]);
    expect(keyActions('\t', { tab: true })).toEqual([{ type: 'toggle', panel: 'nbest' }]);
    expect(keyActions('', { escape: true })).toEqual([{ type: 'hidePanels' }]);
    expect(keyActions('a', { ctrl: true })).toEqual([{ type: 'toggle', panel: 'attention' }]);
    expect(keyActions('d', { ctrl: true })).toEqual([{ type: 'quit' }]);
    expect(keyActions('u', { ctrl: true })).toEqual([{ type: 'edit', edit: 'clear' }]);
    expect(keyActions('x', { meta: true })).toEqual([]);
    expect(keyActions('héllo', {})).toEqual([{ type: 'type', text: 'héllo' }]);
    expect(keyActions('one\rtwo', {})).toEqual([{ type: 'type', text: 'one\rtwo' }]);
  });

  it('splits a chunk of control keys and text into actions in their order', () => {
    expect(keyActions('x\u0015caa\u0008\u0005t', {})).toEqual([
      { type: 'type', text: 'x' },
      { type: 'edit', edit: 'clear' },
      { type: 'type', text: 'caa' },
      { type: 'edit', edit: 'backspace' },
      { type: 'edit', edit: 'end' },
      { type: 'type', text: 't' },
    ]);
    // Tab then Ctrl-A in one read: both keys, not a typed tab.
    expect(keyActions('\t\u0001', {})).toEqual([
      { type: 'toggle', panel: 'nbest' },
      { type: 'toggle', panel: 'attention' },
    ]);
    // Folded into the state: "cat" is translated.
    const r = run(start(), ...keyActions('x\u0015caa\u0008\u0005t', {}), ...keyActions('\r', { return: true }));
    expect(r.effects.map((e) => e.kind === 'translate' && e.source)).toEqual(['cat']);
  });
});

describe('the input line', () => {
  const shown = (w: ReturnType<typeof inputWindow>) =>
    `${w.left ? '…' : ''}${w.before}[${w.at ?? ''}]${w.after}${w.right ? '…' : ''}`;

  it('shows a line that fits whole, and the window around the cursor of one that does not', () => {
    expect(shown(inputWindow('short', 5, 20))).toBe('short[]');
    const text = 'abcdefghijklmnopqrstuvwxyz';
    // Cursor at the end: the end of the line, cut on the left.
    expect(shown(inputWindow(text, 26, 12))).toBe('…rstuvwxyz[]');
    // Cursor at the start: the start of the line, cut on the right.
    expect(shown(inputWindow(text, 0, 12))).toBe('[a]bcdefghij…');
    // In the middle: a quarter of the room (10 columns less the marks) after the cursor.
    expect(shown(inputWindow(text, 13, 12))).toBe('…ghijklm[n]o…');
  });

  it('measures wide characters by their columns (property: always within the width, the cursor shown)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'é', '猫', '🦊', ' '), { maxLength: 80 }),
        fc.nat(),
        fc.integer({ min: 8, max: 60 }),
        (chars, at, width) => {
          const text = chars.join('');
          const cursor = chars.slice(0, at % (chars.length + 1)).join('').length;
          const w = inputWindow(text, cursor, width);
          expect(w.at).toBe(Array.from(text.slice(cursor))[0]);
          // The cursor cell (a space at the end of the line), or the bar drawn before it without colour.
          const cells = stringWidth(shown(w).replace(/[[\]]/g, '')) + 1;
          expect(cells).toBeLessThanOrEqual(width);
        },
      ),
      { numRuns: 300 },
    );
  });
});
