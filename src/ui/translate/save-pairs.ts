/**
 * `:save FILE`: the pairs translated so far as TSV (`source<TAB>best translation`, one per line),
 * written through the one output helper (src/util/output.ts, writeOutputFileSync): an existing
 * regular file is replaced whole or not at all (its mode kept), a symbolic link is followed, a
 * character device is written in place, a FIFO, a directory or a block device is refused.
 */
import { resolve } from 'node:path';
import { outputLine, writeOutputFileSync } from '../../util/output.js';
import type { TranscriptEntry } from './types.js';

/** Tabs and line breaks of any kind inside a field would break the TSV shape; they become spaces. */
function field(s: string): string {
  return outputLine(s.replace(/[\t\r\n]+/g, ' '));
}

/** The TSV text of the successful entries, in transcript order. */
export function pairsToTsv(entries: readonly TranscriptEntry[]): { text: string; count: number } {
  let text = '';
  let count = 0;
  for (const e of entries) {
    const best = e.translation?.hyps[0];
    if (!best) continue;
    text += `${field(e.source)}\t${field(best.text)}\n`;
    count++;
  }
  return { text, count };
}

/** Writes the pairs to `file` (relative to `cwd`); returns the absolute path and the pair count. */
export function savePairs(
  file: string,
  entries: readonly TranscriptEntry[],
  cwd = process.cwd(),
): { path: string; count: number } {
  const path = resolve(cwd, file);
  const { text, count } = pairsToTsv(entries);
  writeOutputFileSync(path, text);
  return { path, count };
}
