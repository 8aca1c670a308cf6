/**
 * history.jsonl: one JSON object per training event (start, step, eval, sample, checkpoint,
 * warning, done), appended as they happen, with the wall-clock time. Step events are thinned to
 * every `stepEvery`-th step. `readHistory` reads it back (for `seq2seq inspect`).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { TrainEvent } from './events.js';

export class HistoryWriter {
  constructor(
    readonly path: string,
    private readonly stepEvery = 10,
  ) {}

  write(e: TrainEvent): void {
    if (e.type === 'step' && e.step % this.stepEvery !== 0 && e.step !== 1) return;
    appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
  }
}

export function readHistory(path: string): (TrainEvent & { time?: string })[] {
  if (!existsSync(path)) return [];
  const out: (TrainEvent & { time?: string })[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
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
