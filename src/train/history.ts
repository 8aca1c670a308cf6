/**
 * history.jsonl: one JSON object per training event (start, step, eval, sample, checkpoint,
 * warning, done), appended as they happen, with the wall-clock time. Step events are thinned to
 * every `stepEvery`-th step (appended with O_NOFOLLOW, src/model/run-dir.ts appendHistory).
 * `readHistory` reads it back (for `seq2seq inspect`).
 */
import { existsSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';
import { MAX_HISTORY_BYTES, appendHistory } from '../model/run-dir.js';
import { readFileLimited } from '../util/json-file.js';
import type { TrainEvent } from './events.js';

export class HistoryWriter {
  constructor(
    readonly path: string,
    private readonly stepEvery = 10,
  ) {}

  write(e: TrainEvent): void {
    if (e.type === 'step' && e.step % this.stepEvery !== 0 && e.step !== 1) return;
    appendHistory(this.path, JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export function readHistory(path: string): (TrainEvent & { time?: string })[] {
  if (!existsSync(path) && !isLink(path)) return [];
  const out: (TrainEvent & { time?: string })[] = [];
  // Bounded, a regular file, and not through a link out of the run (src/util/regular-file.ts).
  const bytes = readFileLimited(path, MAX_HISTORY_BYTES, 'training history', dirname(path));
  const lines = bytes.toString('utf8').split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as TrainEvent);
    } catch {
      // A line cut short by a kill mid-append can only be the last one: skip it; others are errors.
      if (i !== last) throw new InputError(`${path}:${i + 1}: not valid JSON`);
    }
  });
  return out;
}
