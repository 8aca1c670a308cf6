/**
 * The attention heatmap of the best hypothesis of one translation (see attention-grid.ts for the
 * drawing), or a one-line note when the model has no attention or produced nothing.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { renderHeatmap, type HeatScale, type HeatStyle } from './attention-grid.js';
import type { TranslationLike } from './types.js';

export interface AttentionViewProps {
  translation: TranslationLike;
  width?: number;
  maxRows?: number;
  rowOffset?: number;
  colOffset?: number;
  style?: HeatStyle;
  scale?: HeatScale;
}

export function AttentionView({ translation, width = 80, maxRows = 20, rowOffset = 0, colOffset = 0, style = 'shade', scale = 'absolute' }: AttentionViewProps): React.ReactElement {
  const best = translation.hyps[0];
  if (!best) return <Text dimColor>attention: no translation</Text>;
  if (best.attention === null) {
    return <Text color="yellow">attention: this model has no attention mechanism, so there is no alignment to show</Text>;
  }
  if (best.attention.length === 0) return <Text dimColor>attention: the translation is empty (no output tokens)</Text>;
  const map = renderHeatmap(
    { attention: best.attention, sourcePieces: translation.sourcePieces, targetPieces: best.pieces },
    { width, maxRows, rowOffset, colOffset, style, scale },
  );
  // A flat attention (an untrained model, or a long source) leaves every cell in the lowest level.
  const flat = scale === 'absolute' && map.levels.every((row) => row.every((l) => l === 0));
  return (
    <Box flexDirection="column">
      <Text bold>attention: output pieces (rows) × source pieces (columns)</Text>
      {map.lines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      {flat ? <Text dimColor>flat attention (every cell in the lowest level): try :attn row</Text> : null}
    </Box>
  );
}
