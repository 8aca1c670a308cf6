/**
 * The plain and JSON loggers: the same trainer events as the dashboard, as lines (for a pipe, a
 * log file or CI). Plain lines are short and greppable; JSON lines are the events themselves.
 * Step lines are thinned to one every `stepEvery` steps (and the first).
 */
import type { TrainEvent } from '../../train/events.js';
import { formatDuration } from '../../train/duration.js';

export interface TrainLogger {
  event(e: TrainEvent): void;
  note(message: string): void;
}

export function formatPlain(e: TrainEvent): string | null {
  switch (e.type) {
    case 'start':
      return (
        `${e.resumed ? 'resuming' : 'training'} ${e.parameters.toLocaleString('en-US')} parameters from step ` +
        `${e.step}, epoch ${e.epoch + 1} (${e.batchesPerEpoch} batches per epoch)${budget(e)}` +
        (e.runDir ? ` → ${e.runDir}` : '')
      );
    case 'step':
      return (
        `step ${e.step} epoch ${e.epoch + 1} ${e.epochStep}/${e.batchesPerEpoch} loss ${e.loss.toFixed(3)} ppl ` +
        `${fmtPpl(e.ppl)} lr ${e.lr.toExponential(2)} gnorm ${e.gradNorm.toFixed(2)} tok/s ` +
        `${Math.round(e.tokensPerSec)} elapsed ${formatDuration(e.elapsed)}` +
        (e.eta === null ? '' : ` eta ${formatDuration(e.eta)}`)
      );
    case 'eval':
      return (
        `eval step ${e.step} loss ${e.loss.toFixed(3)} ppl ${fmtPpl(e.ppl)} BLEU ${e.bleu.toFixed(2)} chrF ` +
        `${e.chrf.toFixed(2)}${e.best ? ` (best ${e.metric})` : ''}`
      );
    case 'sample':
      return `sample step ${e.step}\n  src: ${e.source}\n  ref: ${e.reference}\n  hyp: ${e.hypothesis}`;
    case 'checkpoint':
      return `checkpoint ${e.kind} step ${e.step} → ${e.path}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'done':
      return (
        `done (${e.reason}) at step ${e.step}, epoch ${e.epoch + 1}, after ${formatDuration(e.elapsed)}` +
        (e.best ? `; best ${e.best.metric} ${e.best.value.toFixed(2)} at step ${e.best.step}` : '')
      );
  }
}

function budget(e: Extract<TrainEvent, { type: 'start' }>): string {
  const parts: string[] = [];
  if (e.maxSteps !== null) parts.push(`${e.maxSteps} steps`);
  if (e.maxEpochs !== null) parts.push(`${e.maxEpochs} epochs`);
  if (e.timeBudgetMs !== null) parts.push(formatDuration(e.timeBudgetMs / 1000));
  return parts.length > 0 ? `, budget ${parts.join(' / ')}` : '';
}

export function fmtPpl(p: number): string {
  return !Number.isFinite(p) ? String(p) : p >= 1000 ? p.toExponential(2) : p.toFixed(2);
}

export function createLogger(format: 'plain' | 'json', write: (line: string) => void, stepEvery = 10): TrainLogger {
  return {
    event(e: TrainEvent): void {
      if (e.type === 'step' && e.step !== 1 && e.step % stepEvery !== 0) return;
      if (format === 'json') write(JSON.stringify(e));
      else {
        const line = formatPlain(e);
        if (line !== null) write(line);
      }
    },
    note(message: string): void {
      write(format === 'json' ? JSON.stringify({ type: 'note', message }) : message);
    },
  };
}
