/**
 * How many lines each panel of the interactive translator gets. The live part of the screen (the
 * panels and the status, input and hint lines; the transcript above is ordinary terminal output)
 * is kept shorter than the screen by the height of the last transcript entry:
 * - a frame as tall as the screen makes Ink 6 redraw everything, and the frame after it erases one
 *   line too many, which ate the last line of the transcript (fixed in Ink 7.1.1, which needs
 *   Node 22: vadimdemedes/ink#974);
 * - what scrolls off the top cannot be brought back when a panel closes, so keeping the last entry
 *   on the screen (the one the panels describe) leaves it in view above the input line afterwards.
 * Panels that do not fit are cut to a window that their keys scroll.
 *
 * A panel's natural height is all of it; its minimum is the least that still says something (the
 * title and one row). When the natural heights do not fit, every open panel gets its minimum (in
 * the order below, while there is room), and the rest is shared out a line at a time, in turn.
 */
import { attentionPanel } from './AttentionView.js';
import { HELP_LINES } from './commands.js';
import { entryHeight } from './EntryView.js';
import { nbestWindow } from './NBestList.js';
import { tokenLines } from './TokenView.js';
import type { TranslateState } from './translate-state.js';
import type { TranscriptEntry, TranslationLike } from './types.js';

/** The heatmap stays readable at most this wide (more columns only spread the cells). */
export const HEAT_MAX_WIDTH = 120;

export type PanelName = 'tokens' | 'nbest' | 'help' | 'attention';

/** Order in which panels get their minimum and then more room. */
const PRIORITY: readonly PanelName[] = ['tokens', 'nbest', 'help', 'attention'];

export interface Layout {
  columns: number;
  heatWidth: number;
  /** Lines each panel may take; 0 when it is hidden (closed, nothing to show, or no room). */
  lines: Record<PanelName, number>;
  /** "(nothing translated yet)": a panel is open but there is no translation to show. */
  nothingYet: boolean;
}

/** The newest successfully translated entry: the one the panels show. */
export function lastTranslated(
  s: Pick<TranslateState, 'entries'>,
): (TranscriptEntry & { translation: TranslationLike }) | null {
  for (let i = s.entries.length - 1; i >= 0; i--) {
    const e = s.entries[i]!;
    if (e.translation) return { ...e, translation: e.translation };
  }
  return null;
}

interface Need {
  natural: number;
  min: number;
}

/** Shares `room` lines among the panels that need some (see the header). */
export function allocate(room: number, needs: Partial<Record<PanelName, Need>>): Record<PanelName, number> {
  const out: Record<PanelName, number> = { tokens: 0, nbest: 0, help: 0, attention: 0 };
  const open = PRIORITY.filter((p) => needs[p] !== undefined);
  if (open.reduce((a, p) => a + needs[p]!.natural, 0) <= room) {
    for (const p of open) out[p] = needs[p]!.natural;
    return out;
  }
  let left = room;
  for (const p of open) {
    if (needs[p]!.min > left) continue;
    out[p] = needs[p]!.min;
    left -= out[p];
  }
  // The rest a line at a time to each panel that wants more, in turn, so that none takes it all.
  for (let more = true; more && left > 0; ) {
    more = false;
    for (const p of open) {
      if (left === 0 || out[p] === 0 || out[p] >= needs[p]!.natural) continue;
      out[p]++;
      left--;
      more = true;
    }
  }
  return out;
}

export function layout(s: TranslateState): Layout {
  const columns = s.screen.columns;
  const heatWidth = Math.min(columns, HEAT_MAX_WIDTH);
  const last = lastTranslated(s)?.translation ?? null;
  const nothingYet = last === null && (s.panels.nbest || s.panels.attention || s.panels.tokens);
  const fixed = 2 + (s.busy !== null || s.status !== null ? 1 : 0) + (nothingYet ? 1 : 0);
  // The last entry stays on the screen, up to a third of it.
  const newest = s.entries[s.entries.length - 1];
  const reserve = newest ? Math.min(entryHeight(newest, columns), Math.floor(s.screen.rows / 3)) : 0;
  const needs: Partial<Record<PanelName, Need>> = {};
  if (s.panels.help) needs.help = { natural: 1 + HELP_LINES.length, min: 2 };
  if (last && s.panels.nbest) needs.nbest = { natural: nbestWindow(last.hyps.length, Infinity, 0).lines, min: 3 };
  if (last && s.panels.tokens) {
    needs.tokens = { natural: tokenLines(last, columns, Infinity, s.isKnownSource).length, min: 2 };
  }
  if (last && s.panels.attention) {
    const heat = (maxLines: number) =>
      attentionPanel(last, { ...heatOptions(s), width: heatWidth, maxLines, maxRows: Infinity });
    needs.attention = { natural: heat(Infinity).lines.length, min: heat(0).lines.length };
  }
  return { columns, heatWidth, lines: allocate(Math.max(0, s.screen.rows - 1 - reserve - fixed), needs), nothingYet };
}

/** The heatmap's drawing options from the state (width and height come from the layout). */
export function heatOptions(s: TranslateState): {
  rowOffset: number;
  colOffset: number;
  style: TranslateState['heatStyle'];
  scale: TranslateState['heatScale'];
} {
  return { rowOffset: s.scroll.heatRow, colOffset: s.scroll.heatCol, style: s.heatStyle, scale: s.heatScale };
}
