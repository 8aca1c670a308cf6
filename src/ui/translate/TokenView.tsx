/**
 * The subword pieces of the source and of the best output, separated by spaces; unknown pieces
 * (`<unk>`; in the output the unknown id; in the source a piece the source vocabulary lacks, when
 * `isKnownSource` can tell) are highlighted in red, and bracketed ⟦…⟧ so they stand out under
 * NO_COLOR too.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { UNK_ID } from '../../data/batch.js';
import type { TranslationLike } from './types.js';

export const UNK_PIECE = '<unk>';

export function isUnknown(piece: string, id?: number): boolean {
  return piece === UNK_PIECE || id === UNK_ID;
}

function Pieces({ label, pieces, ids, known }: { label: string; pieces: readonly string[]; ids?: readonly number[]; known?: (piece: string) => boolean }): React.ReactElement {
  const unk = (p: string, i: number) => isUnknown(p, ids?.[i]) || (known !== undefined && !known(p));
  const unknown = pieces.filter(unk).length;
  return (
    <Text wrap="wrap">
      <Text bold>{label}</Text>
      <Text dimColor>{` (${pieces.length} pieces${unknown > 0 ? `, ${unknown} unknown` : ''}): `}</Text>
      {pieces.map((p, i) => (
        <React.Fragment key={i}>
          {i > 0 ? ' ' : ''}
          {unk(p, i) ? (
            <Text color="white" backgroundColor="red" bold>{`⟦${p}⟧`}</Text>
          ) : (
            <Text>{p}</Text>
          )}
        </React.Fragment>
      ))}
    </Text>
  );
}

export interface TokenViewProps {
  translation: TranslationLike;
  /** Whether the source vocabulary has this piece (unknown pieces are highlighted). */
  isKnownSource?: (piece: string) => boolean;
}

export function TokenView({ translation, isKnownSource }: TokenViewProps): React.ReactElement {
  const best = translation.hyps[0];
  return (
    <Box flexDirection="column">
      <Pieces label="source" pieces={translation.sourcePieces} known={isKnownSource} />
      {best ? <Pieces label="output" pieces={best.pieces} ids={best.ids} /> : <Text dimColor>output: none</Text>}
    </Box>
  );
}
