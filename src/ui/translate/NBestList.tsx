/**
 * The n-best list of one translation: rank, model score (the translator's order, best first) and
 * text, one line each. A list longer than the lines it is given shows a window of it, which
 * Shift-↑/↓ and PgUp/PgDn scroll (the offset is the first hypothesis shown). With one hypothesis
 * (greedy search) it says how to get more.
 */
import type React from 'react';
import { Box, Text } from 'ink';
import type { HypothesisLike } from './types.js';

export interface NBestListProps {
  hyps: readonly HypothesisLike[];
  /** The search that produced them, e.g. "beam 5". */
  search: string;
  /** Most lines the panel may take, title and note included (default: all hypotheses). */
  maxLines?: number;
  /** Index of the first hypothesis shown (clamped). */
  offset?: number;
}

export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : String(score);
}

export interface NBestWindow {
  /** Index of the first hypothesis shown, after clamping, and how many are shown. */
  offset: number;
  shown: number;
  /** The line under the list (a scroll note or the greedy hint), or null. */
  note: string | null;
  /** Lines the panel takes. */
  lines: number;
}

/** The window of the list that fits in `maxLines` (at least one hypothesis). */
export function nbestWindow(count: number, maxLines: number, offset: number): NBestWindow {
  if (count === 1)
    return { offset: 0, shown: 1, note: 'one hypothesis: use :nbest K or :beam N for a longer list', lines: 3 };
  if (1 + count <= maxLines) return { offset: 0, shown: count, note: null, lines: 1 + count };
  const shown = Math.max(1, Math.min(count, maxLines - 2));
  const from = Math.max(0, Math.min(offset, count - shown));
  const note = `showing ${from + 1}–${from + shown} of ${count} (Shift-↑/↓, PgUp/PgDn)`;
  return { offset: from, shown, note, lines: shown + 2 };
}

export function NBestList({ hyps, search, maxLines = Infinity, offset = 0 }: NBestListProps): React.ReactElement {
  const win = nbestWindow(hyps.length, maxLines, offset);
  const shown = hyps.slice(win.offset, win.offset + win.shown);
  // Columns as wide as the whole list needs, so that they stay put while it scrolls.
  const scoreW = Math.max(5, ...hyps.map((h) => formatScore(h.score).length));
  const rankW = Math.max(2, String(hyps.length).length);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        n-best ({hyps.length} {hyps.length === 1 ? 'hypothesis' : 'hypotheses'}, {search}; higher score is better)
      </Text>
      {shown.map((h, i) => {
        const rank = win.offset + i + 1;
        return (
          <Text key={rank} wrap="truncate-end">
            <Text color={rank === 1 ? 'green' : undefined}>{`${String(rank).padStart(rankW)}. `}</Text>
            <Text dimColor>{formatScore(h.score).padStart(scoreW)}</Text>
            {`  ${h.text}`}
          </Text>
        );
      })}
      {win.note !== null ? (
        <Text dimColor wrap="truncate-end">
          {win.note}
        </Text>
      ) : null}
    </Box>
  );
}
