/**
 * The subword pieces of the source and of the best output, separated by spaces; unknown pieces
 * (`<unk>`; in the output the unknown id; in the source a piece the source vocabulary lacks, when
 * `isKnownSource` can tell) are highlighted in red, and bracketed ⟦…⟧ so they stand out under
 * NO_COLOR too. The pieces are laid out in lines of `width` columns here (not by the terminal), so
 * the panel's height is known and can be limited to `maxLines`.
 */
import type React from 'react';
import { Box, Text } from 'ink';
import { UNK_ID } from '../../data/batch.js';
import { displayWidth, truncateToWidth } from '../shared/text-width.js';
import type { TranslationLike } from './types.js';

export const UNK_PIECE = '<unk>';

export function isUnknown(piece: string, id?: number): boolean {
  return piece === UNK_PIECE || id === UNK_ID;
}

/** A run of text on one line: the section's label, its counts, a piece, or an unknown piece. */
export interface Segment {
  text: string;
  kind: 'label' | 'count' | 'piece' | 'unknown';
}

function section(
  label: string,
  pieces: readonly string[],
  unknown: (p: string, i: number) => boolean,
  width: number,
): Segment[][] {
  const unk = pieces.filter(unknown).length;
  const lines: Segment[][] = [
    [
      { text: label, kind: 'label' },
      { text: ` (${pieces.length} pieces${unk > 0 ? `, ${unk} unknown` : ''}):`, kind: 'count' },
    ],
  ];
  let used = displayWidth(label) + displayWidth(lines[0]![1]!.text);
  pieces.forEach((p, i) => {
    const seg: Segment = unknown(p, i) ? { text: `⟦${p}⟧`, kind: 'unknown' } : { text: p, kind: 'piece' };
    const w = displayWidth(seg.text);
    if (used + 1 + w > width && used > 0) {
      lines.push([]);
      used = 0;
    }
    const line = lines[lines.length - 1]!;
    if (used > 0) {
      line.push({ text: ' ', kind: 'piece' });
      used++;
    }
    line.push({ ...seg, text: truncateToWidth(seg.text, width - used) });
    used += Math.min(w, width - used);
  });
  return lines;
}

/** A section cut to n lines; the last kept line says how many lines were left out. */
function crop(lines: Segment[][], n: number): Segment[][] {
  if (lines.length <= n) return lines;
  return [...lines.slice(0, Math.max(0, n - 1)), [{ text: `  … ${lines.length - n + 1} more lines`, kind: 'count' }]];
}

/** The panel's lines: source pieces, then output pieces, within `width` columns and `maxLines` lines. */
export function tokenLines(
  translation: TranslationLike,
  width: number,
  maxLines = Infinity,
  isKnownSource?: (piece: string) => boolean,
): Segment[][] {
  const best = translation.hyps[0];
  const src = section(
    'source',
    translation.sourcePieces,
    (p) => isUnknown(p) || (isKnownSource !== undefined && !isKnownSource(p)),
    width,
  );
  const out = best
    ? section('output', best.pieces, (p, i) => isUnknown(p, best.ids?.[i]), width)
    : [[{ text: 'output: none', kind: 'count' as const }]];
  if (src.length + out.length <= maxLines) return [...src, ...out];
  const outN = Math.min(out.length, Math.max(1, Math.floor(maxLines / 2)));
  return [...crop(src, Math.max(1, maxLines - outN)), ...crop(out, outN)];
}

export interface TokenViewProps {
  translation: TranslationLike;
  /** Whether the source vocabulary has this piece (unknown pieces are highlighted). */
  isKnownSource?: (piece: string) => boolean;
  width?: number;
  maxLines?: number;
}

export function TokenView({ translation, isKnownSource, width = 80, maxLines }: TokenViewProps): React.ReactElement {
  return (
    <Box flexDirection="column">
      {tokenLines(translation, width, maxLines, isKnownSource).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line.map((seg, j) =>
            seg.kind === 'unknown' ? (
              <Text key={j} color="white" backgroundColor="red" bold>
                {seg.text}
              </Text>
            ) : (
              <Text key={j} bold={seg.kind === 'label'} dimColor={seg.kind === 'count'}>
                {seg.text}
              </Text>
            ),
          )}
        </Text>
      ))}
    </Box>
  );
}
