/**
 * The interactive translator's state, and `update`, the pure function that folds one action into
 * it (as ui/train/view-state.ts folds the trainer's events). Work that is not pure comes back as
 * effects for the controller (controller.ts) to carry out: translate a line, save the pairs, quit;
 * their results come back as actions (`translated`, `saved`, …). Nothing here knows about Ink.
 *
 * Lines typed or pasted go to a queue and run one at a time, in order: a `:` command at once, a
 * sentence by a `translate` effect, after which the queue waits for its `translated` action.
 */
import type { HeatScale, HeatStyle } from './attention-grid.js';
import { attentionPanel } from './AttentionView.js';
import { parseCommand, type Command } from './commands.js';
import { heatOptions, lastTranslated, layout } from './layout.js';
import * as edit from './line-editor.js';
import { nbestWindow } from './NBestList.js';
import { leftOutText } from './over-length.js';
import { splitSentences } from '../../text/sentences.js';
import type { TranscriptEntry, TranslateSettings, TranslationLike } from './types.js';

export const DEFAULT_BEAM = 5;

export interface Search {
  beam: number;
  nBest: number;
  /** nBest was set explicitly (:nbest K or --n-best > 1) rather than following the beam. */
  nBestPinned: boolean;
  lengthPenalty: number | undefined;
}

export interface Panels {
  nbest: boolean;
  attention: boolean;
  tokens: boolean;
  help: boolean;
}

export interface Status {
  kind: 'error' | 'warning' | 'info';
  text: string;
}

export interface Screen {
  columns: number;
  rows: number;
}

export interface TranslateState {
  line: edit.LineState;
  /** Submitted lines not yet run. */
  queue: readonly string[];
  /** The sentence being translated, or null. */
  busy: string | null;
  entries: readonly TranscriptEntry[];
  nextId: number;
  /** Options from the command line; the search below overrides beam, nBest and lengthPenalty. */
  options: Partial<TranslateSettings>;
  search: Search;
  panels: Panels;
  heatStyle: HeatStyle;
  heatScale: HeatScale;
  /** First heatmap row and column shown, first n-best hypothesis shown (clamped when scrolled). */
  scroll: { heatRow: number; heatCol: number; nbest: number };
  status: Status | null;
  screen: Screen;
  /** The terminal shows colours (`:attn color` falls back to shades without). */
  colour: boolean;
  /** Whether the source vocabulary has a piece, when the translator can tell (token view). */
  isKnownSource?: (piece: string) => boolean;
  /** Each entered line is cut into sentences, translated one by one (translate --split-sentences). */
  splitSentences: boolean;
  quitting: boolean;
}

export type LineEdit = 'left' | 'right' | 'home' | 'end' | 'backspace' | 'clear' | 'historyUp' | 'historyDown';

const LINE_EDITS: Readonly<Record<LineEdit, (s: edit.LineState) => edit.LineState>> = {
  left: edit.moveLeft,
  right: edit.moveRight,
  home: edit.moveHome,
  end: edit.moveEnd,
  backspace: edit.backspace,
  clear: edit.clearLine,
  historyUp: edit.historyUp,
  historyDown: edit.historyDown,
};

/** By lines (n-best hypotheses, heatmap rows or columns), or by a page of whichever panel PgUp/PgDn moves. */
export type Scroll = { target: 'nbest' | 'heatRows' | 'heatCols'; by: number } | { target: 'page'; by: 1 | -1 };

export type TranslateAction =
  | { type: 'edit'; edit: LineEdit }
  /** Typed or pasted text; each line break submits the line before it. */
  | { type: 'type'; text: string }
  | { type: 'submit' }
  | { type: 'toggle'; panel: keyof Panels }
  | { type: 'hidePanels' }
  | { type: 'scroll'; scroll: Scroll }
  | { type: 'resize'; screen: Screen }
  | {
      type: 'translated';
      source: string;
      search: string;
      translation: TranslationLike | null;
      error: string | null;
      ms: number;
    }
  | { type: 'saved'; path: string; count: number }
  | { type: 'saveFailed'; error: string }
  | { type: 'quit' };

export type Effect =
  | { kind: 'translate'; source: string; search: string; options: Partial<TranslateSettings> }
  | { kind: 'save'; file: string; entries: readonly TranscriptEntry[] }
  | { kind: 'quit' };

export interface Update {
  state: TranslateState;
  effects: Effect[];
}

export interface InitialStateArgs {
  options?: Partial<TranslateSettings>;
  screen: Screen;
  colour: boolean;
  /** Ten heat colours need 256 colours or more; a 16-colour terminal starts with shade characters. */
  richColour: boolean;
  isKnownSource?: (piece: string) => boolean;
  /** Cut each entered line into sentences (src/text/sentences.ts), each translated as an entry of its own. */
  splitSentences?: boolean;
}

const NO_PANELS: Panels = { nbest: false, attention: false, tokens: false, help: false };

export function initialState({
  options = {},
  screen,
  colour,
  richColour,
  isKnownSource,
  splitSentences = false,
}: InitialStateArgs): TranslateState {
  const beam = Math.max(1, Math.floor(options.beam ?? DEFAULT_BEAM));
  const pinned = options.nBest !== undefined && options.nBest > 1;
  return {
    line: edit.emptyLine,
    queue: [],
    busy: null,
    entries: [],
    nextId: 1,
    options,
    search: {
      beam: pinned ? Math.max(beam, options.nBest!) : beam,
      nBest: pinned ? options.nBest! : beam,
      nBestPinned: pinned,
      lengthPenalty: options.lengthPenalty,
    },
    panels: NO_PANELS,
    heatStyle: richColour ? 'color' : 'shade',
    heatScale: 'absolute',
    scroll: { heatRow: 0, heatCol: 0, nbest: 0 },
    status: null,
    screen,
    colour,
    isKnownSource,
    splitSentences,
    quitting: false,
  };
}

export function describeSearch(s: Search): string {
  const base = s.beam === 1 ? 'greedy' : `beam ${s.beam}`;
  return s.lengthPenalty !== undefined ? `${base}, lp ${s.lengthPenalty}` : base;
}

/** The translator's options for the next sentence: the command line's, with the current search. */
export function searchOptions(s: Pick<TranslateState, 'options' | 'search'>): Partial<TranslateSettings> {
  const o: Partial<TranslateSettings> = {
    ...s.options,
    beam: s.search.beam,
    nBest: Math.min(s.search.nBest, s.search.beam),
  };
  if (s.search.lengthPenalty !== undefined) o.lengthPenalty = s.search.lengthPenalty;
  return o;
}

const none = (state: TranslateState): Update => ({ state, effects: [] });

export function update(s: TranslateState, a: TranslateAction): Update {
  if (s.quitting) return none(s);
  switch (a.type) {
    case 'edit':
      return none({ ...s, line: LINE_EDITS[a.edit](s.line) });
    case 'type': {
      const r = edit.insertChunk(s.line, a.text.replace(/\t/g, ' '));
      return drain({ ...s, line: r.state, queue: [...s.queue, ...r.lines] });
    }
    case 'submit': {
      const r = edit.submit(s.line);
      return drain({ ...s, line: r.state, queue: [...s.queue, r.line] });
    }
    case 'toggle':
      return none({ ...s, panels: { ...s.panels, [a.panel]: !s.panels[a.panel] } });
    case 'hidePanels':
      return none({ ...s, panels: NO_PANELS, status: null });
    case 'scroll':
      return none(scroll(s, a.scroll));
    case 'resize':
      return none({ ...s, screen: a.screen });
    case 'translated':
      return drain(addEntry(s, a));
    case 'saved':
      return none({
        ...s,
        status: { kind: 'info', text: `saved ${a.count} ${a.count === 1 ? 'pair' : 'pairs'} to ${a.path}` },
      });
    case 'saveFailed':
      return none({ ...s, status: { kind: 'error', text: `cannot save: ${a.error}` } });
    case 'quit':
      return { state: { ...s, quitting: true, queue: [] }, effects: [{ kind: 'quit' }] };
  }
}

/** Runs queued lines until one needs the translator (or the queue is empty). */
function drain(start: TranslateState): Update {
  let s = start;
  const effects: Effect[] = [];
  while (s.busy === null && !s.quitting && s.queue.length > 0) {
    const text = s.queue[0]!.trim();
    s = { ...s, queue: s.queue.slice(1) };
    if (text === '') continue;
    if (text.startsWith(':')) {
      const r = runCommand(s, parseCommand(text));
      s = r.state;
      effects.push(...r.effects);
    } else if (s.splitSentences && splitSentences(text).sentences.length > 1) {
      // the sentences go back to the front of the queue, each to be translated as a line of its own
      s = { ...s, queue: [...splitSentences(text).sentences, ...s.queue] };
    } else {
      s = { ...s, busy: text };
      effects.push({ kind: 'translate', source: text, search: describeSearch(s.search), options: searchOptions(s) });
    }
  }
  return { state: s, effects };
}

const info = (text: string): Status => ({ kind: 'info', text });

function runCommand(s: TranslateState, cmd: Command): Update {
  const toggle = (p: keyof Panels) => ({ ...s.panels, [p]: !s.panels[p] });
  switch (cmd.kind) {
    case 'quit':
      return update(s, { type: 'quit' });
    case 'help':
      return none({ ...s, panels: toggle('help') });
    case 'tokens':
      return none({ ...s, panels: toggle('tokens') });
    case 'beam': {
      const nBest = s.search.nBestPinned ? Math.min(s.search.nBest, cmd.beam) : cmd.beam;
      const status = info(cmd.beam === 1 ? 'search: greedy (beam 1)' : `search: beam ${cmd.beam}`);
      return none({ ...s, search: { ...s.search, beam: cmd.beam, nBest }, status });
    }
    case 'nbest': {
      if (cmd.k === null) return none({ ...s, panels: toggle('nbest') });
      const search = { ...s.search, nBest: cmd.k, nBestPinned: true, beam: Math.max(s.search.beam, cmd.k) };
      const status = info(`n-best: ${cmd.k} hypotheses per sentence (from the next translation)`);
      return none({ ...s, search, panels: { ...s.panels, nbest: true }, status });
    }
    case 'lengthPenalty':
      return none({
        ...s,
        search: { ...s.search, lengthPenalty: cmd.alpha },
        status: info(`length penalty α = ${cmd.alpha}`),
      });
    case 'attention': {
      if (cmd.style === null && cmd.scale === null) return none({ ...s, panels: toggle('attention') });
      let next: TranslateState = {
        ...s,
        panels: { ...s.panels, attention: true },
        heatScale: cmd.scale ?? s.heatScale,
      };
      if (cmd.style === 'color' && !s.colour) {
        const text = 'no colour in this terminal (NO_COLOR or not a colour terminal): using shades';
        next = { ...next, heatStyle: 'shade', status: { kind: 'error', text } };
      } else if (cmd.style) {
        next = { ...next, heatStyle: cmd.style };
      }
      return none(next);
    }
    case 'save':
      return { state: s, effects: [{ kind: 'save', file: cmd.file, entries: s.entries }] };
    case 'error':
      return none({ ...s, status: { kind: 'error', text: cmd.message } });
  }
}

type Translated = Extract<TranslateAction, { type: 'translated' }>;

/** The status line after a translation: its error, the warning of a cropped line, or the time it took. */
function translatedStatus(a: Translated): Status {
  const t = a.translation;
  if (a.error !== null || !t) return { kind: 'error', text: `translation failed: ${a.error ?? 'no translation'}` };
  if (t.warnings.length > 0) {
    return { kind: 'warning', text: `not all translated: ${t.warnings.join('; ')}; split the line` };
  }
  const ms = a.ms < 10 ? a.ms.toFixed(1) : String(Math.round(a.ms));
  const pieces = `${t.sourcePieces.length} → ${t.hyps[0]?.pieces.length ?? 0} pieces`;
  return info(`translated in ${ms} ms (${a.search}, ${pieces})`);
}

function addEntry(s: TranslateState, a: Translated): TranslateState {
  const t = a.translation;
  const entry: TranscriptEntry = { id: s.nextId, source: a.source, translation: t, error: a.error, search: a.search };
  const leftOut = t && t.warnings.length > 0 ? leftOutText(a.source, t.sourcePieces) : null;
  if (leftOut !== null) entry.leftOut = leftOut;
  return {
    ...s,
    entries: [...s.entries, entry],
    nextId: s.nextId + 1,
    busy: null,
    status: translatedStatus(a),
    scroll: { heatRow: 0, heatCol: 0, nbest: 0 },
  };
}

function scroll(s: TranslateState, sc: Scroll): TranslateState {
  const last = lastTranslated(s)?.translation;
  if (!last) return s;
  const lay = layout(s);
  const heat = (rowOffset: number, colOffset: number) =>
    attentionPanel(last, {
      ...heatOptions(s),
      rowOffset,
      colOffset,
      width: lay.heatWidth,
      maxLines: lay.lines.attention,
      maxRows: Infinity,
    });
  let target = sc.target;
  let by = sc.by;
  if (target === 'page') {
    // PgUp/PgDn: half a heatmap window when the heatmap is shown, else a window of the n-best list.
    if (lay.lines.attention > 0) {
      target = 'heatRows';
      by = sc.by * Math.max(1, Math.floor(heat(s.scroll.heatRow, s.scroll.heatCol).shownRows / 2));
    } else {
      target = 'nbest';
      by = sc.by * Math.max(1, nbestWindow(last.hyps.length, lay.lines.nbest, s.scroll.nbest).shown - 1);
    }
  }
  if (target === 'nbest') {
    if (lay.lines.nbest === 0) return s;
    const offset = nbestWindow(last.hyps.length, lay.lines.nbest, Math.max(0, s.scroll.nbest + by)).offset;
    return { ...s, scroll: { ...s.scroll, nbest: offset } };
  }
  if (lay.lines.attention === 0) return s;
  const row = target === 'heatRows' ? Math.max(0, s.scroll.heatRow + by) : s.scroll.heatRow;
  const col = target === 'heatCols' ? Math.max(0, s.scroll.heatCol + by) : s.scroll.heatCol;
  const p = heat(row, col);
  return { ...s, scroll: { ...s.scroll, heatRow: p.rowOffset, heatCol: p.colOffset } };
}
