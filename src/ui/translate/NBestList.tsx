/**
 * The n-best list of one translation: rank, model score (the translator's order, best first) and
 * text. With one hypothesis (greedy search) it says how to get more.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { HypothesisLike } from './types.js';

export interface NBestListProps {
  hyps: readonly HypothesisLike[];
  /** The search that produced them, e.g. "beam 5". */
  search: string;
  /** Most hypotheses shown (default 10). */
  max?: number;
  width?: number;
}

export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : String(score);
}

export function NBestList({ hyps, search, max = 10, width = 80 }: NBestListProps): React.ReactElement {
  const shown = hyps.slice(0, max);
  const scoreW = Math.max(5, ...shown.map((h) => formatScore(h.score).length));
  return (
    <Box flexDirection="column">
      <Text bold>
        n-best ({hyps.length} {hyps.length === 1 ? 'hypothesis' : 'hypotheses'}, {search}; higher score is better)
      </Text>
      {shown.map((h, i) => (
        <Text key={i} wrap="truncate-end">
          <Text color={i === 0 ? 'green' : undefined}>{`${String(i + 1).padStart(2)}. `}</Text>
          <Text dimColor>{formatScore(h.score).padStart(scoreW)}</Text>
          {`  ${h.text}`.slice(0, Math.max(10, width))}
        </Text>
      ))}
      {hyps.length > shown.length ? <Text dimColor>… {hyps.length - shown.length} more</Text> : null}
      {hyps.length === 1 ? <Text dimColor>one hypothesis: use :nbest K or :beam N for a longer list</Text> : null}
    </Box>
  );
}
