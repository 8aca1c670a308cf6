/**
 * The subword pieces of the source and of the best output, separated by spaces; unknown pieces
 * (`<unk>`, or the unknown id in the output) are highlighted in red, and bracketed ⟦…⟧ so they
 * stand out under NO_COLOR too.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { UNK_ID } from '../../data/batch.js';
import type { TranslationLike } from './types.js';

export const UNK_PIECE = '<unk>';

export function isUnknown(piece: string, id?: number): boolean {
  return piece === UNK_PIECE || id === UNK_ID;
}

function Pieces({ label, pieces, ids }: { label: string; pieces: readonly string[]; ids?: readonly number[] }): React.ReactElement {
  const unknown = pieces.filter((p, i) => isUnknown(p, ids?.[i])).length;
  return (
    <Text wrap="wrap">
      <Text bold>{label}</Text>
      <Text dimColor>{` (${pieces.length} pieces${unknown > 0 ? `, ${unknown} unknown` : ''}): `}</Text>
      {pieces.map((p, i) => (
        <React.Fragment key={i}>
          {i > 0 ? ' ' : ''}
          {isUnknown(p, ids?.[i]) ? (
            <Text color="white" backgroundColor="red" bold>{`⟦${p}⟧`}</Text>
          ) : (
            <Text>{p}</Text>
          )}
        </React.Fragment>
      ))}
    </Text>
  );
}

export function TokenView({ translation }: { translation: TranslationLike }): React.ReactElement {
  const best = translation.hyps[0];
  return (
    <Box flexDirection="column">
      <Pieces label="source" pieces={translation.sourcePieces} />
      {best ? <Pieces label="output" pieces={best.pieces} ids={best.ids} /> : <Text dimColor>output: none</Text>}
    </Box>
  );
}
