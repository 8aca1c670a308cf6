/**
 * One transcript entry: the source line (›) and its best translation (=) or the error it raised
 * (✗), then the translator's warnings (!) and, for a line longer than the model's limit, the part
 * that was not translated.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { TranscriptEntry } from './types.js';

export function EntryView({ entry }: { entry: TranscriptEntry }): React.ReactElement {
  const best = entry.translation?.hyps[0];
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="blue">› </Text>
        {entry.source}
      </Text>
      {entry.error !== null ? (
        <Text color="red">  ✗ {entry.error}</Text>
      ) : best ? (
        <Text>
          <Text color="green">{'  = '}</Text>
          {best.text}
        </Text>
      ) : (
        <Text dimColor>{'  = (no hypothesis)'}</Text>
      )}
      {entry.translation?.warnings.map((w, i) => (
        <Text key={i} color="yellow">
          {'  ! '}
          {w}
        </Text>
      ))}
      {entry.leftOut !== undefined ? (
        <Text color="yellow">
          {'  ! not translated: '}
          {entry.leftOut}
        </Text>
      ) : null}
    </Box>
  );
}
