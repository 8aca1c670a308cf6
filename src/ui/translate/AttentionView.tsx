/**
 * The attention heatmap of the best hypothesis of one translation (see attention-grid.ts for the
 * drawing), or a one-line note when the model has no attention or produced nothing. The panel
 * takes at most `maxLines` lines: rows that do not fit are cropped to a window the keys scroll.
 */
import type React from 'react';
import { Box, Text } from 'ink';
import { heatLevel, levelsOf, renderHeatmap, type HeatScale, type HeatStyle } from './attention-grid.js';
import type { TranslationLike } from './types.js';

export interface AttentionPanelOptions {
  width: number;
  /** Most lines the whole panel may take (title and notes included); Infinity for no limit. */
  maxLines: number;
  /** Most matrix rows to draw; Infinity for all that fit in maxLines. */
  maxRows: number;
  rowOffset: number;
  colOffset: number;
  style: HeatStyle;
  scale: HeatScale;
}

export interface PanelLine {
  text: string;
  tone?: 'title' | 'dim' | 'warn';
}

export interface AttentionPanel {
  lines: PanelLine[];
  /** Matrix rows drawn, and the offsets after clamping (0 when there is no matrix). */
  shownRows: number;
  rowOffset: number;
  colOffset: number;
}

const TITLE = 'attention: output pieces (rows) × source pieces (columns)';

/** The panel's lines; the fewest rows it can show is one, so it may exceed a very small maxLines. */
export function attentionPanel(translation: TranslationLike, o: AttentionPanelOptions): AttentionPanel {
  const none = (text: string, tone: PanelLine['tone']): AttentionPanel => ({
    lines: [{ text, tone }],
    shownRows: 0,
    rowOffset: 0,
    colOffset: 0,
  });
  const best = translation.hyps[0];
  if (!best) return none('attention: no translation', 'dim');
  if (best.attention === null) {
    return none('attention: this model has no attention mechanism, so there is no alignment to show', 'warn');
  }
  if (best.attention.length === 0) return none('attention: the translation is empty (no output tokens)', 'dim');
  const input = { attention: best.attention, sourcePieces: translation.sourcePieces, targetPieces: best.pieces };
  // A flat attention (an untrained model, or a long source) leaves every cell in the lowest level.
  const levels = levelsOf(o.style);
  const flat = o.scale === 'absolute' && best.attention.every((row) => row.every((w) => heatLevel(w, levels) === 0));
  const draw = (maxRows: number) => {
    const map = renderHeatmap(input, { ...o, maxRows });
    const lines: PanelLine[] = [{ text: TITLE, tone: 'title' }, ...map.lines.map((text) => ({ text }))];
    if (flat) lines.push({ text: 'flat attention (every cell in the lowest level): try :attn row', tone: 'dim' });
    return { lines, shownRows: map.rowTo - map.rowFrom, rowOffset: map.rowOffset, colOffset: map.colOffset };
  };
  let panel = draw(Math.min(o.maxRows, best.attention.length));
  // Fewer rows until the panel fits (cropping adds a note line, and the labels may need one line fewer or more).
  while (panel.lines.length > o.maxLines && panel.shownRows > 1) {
    panel = draw(Math.max(1, panel.shownRows - (panel.lines.length - o.maxLines)));
  }
  return panel;
}

export type AttentionViewProps = Partial<AttentionPanelOptions> & { translation: TranslationLike };

export function AttentionView({ translation, ...opts }: AttentionViewProps): React.ReactElement {
  const panel = attentionPanel(translation, {
    width: opts.width ?? 80,
    maxLines: opts.maxLines ?? Infinity,
    maxRows: opts.maxRows ?? Infinity,
    rowOffset: opts.rowOffset ?? 0,
    colOffset: opts.colOffset ?? 0,
    style: opts.style ?? 'shade',
    scale: opts.scale ?? 'absolute',
  });
  return (
    <Box flexDirection="column">
      {panel.lines.map((l, i) => (
        <Text
          key={i}
          wrap="truncate-end"
          bold={l.tone === 'title'}
          dimColor={l.tone === 'dim'}
          color={l.tone === 'warn' ? 'yellow' : undefined}
        >
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
