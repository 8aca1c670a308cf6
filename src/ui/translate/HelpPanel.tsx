/** The list of keys and commands (:help), cut to `maxLines` lines on a short terminal. */
import type React from 'react';
import { Box, Text } from 'ink';
import { HELP_LINES } from './commands.js';

export function HelpPanel({ maxLines = Infinity }: { maxLines?: number }): React.ReactElement {
  const w = Math.max(...HELP_LINES.map(([k]) => k.length));
  const fits = 1 + HELP_LINES.length <= maxLines;
  const shown = fits ? HELP_LINES : HELP_LINES.slice(0, Math.max(0, maxLines - 2));
  return (
    <Box flexDirection="column">
      <Text bold>keys and commands</Text>
      {shown.map(([k, d]) => (
        <Text key={k} wrap="truncate-end">
          {'  '}
          <Text color="cyan">{k.padEnd(w)}</Text>
          {'  '}
          {d}
        </Text>
      ))}
      {fits ? null : (
        <Text dimColor wrap="truncate-end">
          {`  … ${HELP_LINES.length - shown.length} more (the terminal is too short to list them all)`}
        </Text>
      )}
    </Box>
  );
}
