/**
 * One transcript entry: the source line (›) and its best translation (=) or the error it raised
 * (✗), then the translator's warnings (!) and, for a line longer than the model's limit, the part
 * that was not translated.
 */
import type React from 'react';
import { Box, Text } from 'ink';
import { displayWidth } from '../shared/text-width.js';
import type { TranscriptEntry } from './types.js';

export interface EntryLine {
  mark: string;
  text: string;
  tone: 'source' | 'translation' | 'none' | 'error' | 'warning';
}

export function entryLines(entry: TranscriptEntry): EntryLine[] {
  const best = entry.translation?.hyps[0];
  const lines: EntryLine[] = [{ mark: '› ', text: entry.source, tone: 'source' }];
  if (entry.error !== null) lines.push({ mark: '  ✗ ', text: entry.error, tone: 'error' });
  else if (best) lines.push({ mark: '  = ', text: best.text, tone: 'translation' });
  else lines.push({ mark: '  = ', text: '(no hypothesis)', tone: 'none' });
  for (const w of entry.translation?.warnings ?? []) lines.push({ mark: '  ! ', text: w, tone: 'warning' });
  if (entry.leftOut !== undefined)
    lines.push({ mark: '  ! ', text: `not translated: ${entry.leftOut}`, tone: 'warning' });
  return lines;
}

/** Screen rows the entry takes at `columns` (each line wrapped at the screen edge). */
export function entryHeight(entry: TranscriptEntry, columns: number): number {
  return entryLines(entry).reduce((n, l) => n + Math.max(1, Math.ceil(displayWidth(l.mark + l.text) / columns)), 0);
}

const MARK_COLOUR = { source: 'blue', translation: 'green', none: undefined, error: 'red', warning: 'yellow' } as const;

export function EntryView({ entry }: { entry: TranscriptEntry }): React.ReactElement {
  return (
    <Box flexDirection="column">
      {entryLines(entry).map((l, i) => (
        <Text
          key={i}
          dimColor={l.tone === 'none'}
          color={l.tone === 'error' || l.tone === 'warning' ? MARK_COLOUR[l.tone] : undefined}
        >
          <Text color={MARK_COLOUR[l.tone]}>{l.mark}</Text>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
