/**
 * Batch translation of a line stream with bounded memory: read `batchSize` lines, translate them
 * (one Translator call, batched inside), write exactly one output line per input line in order,
 * repeat. The sink's promise resolves when it can take more (backpressure) and resolves to false
 * once the reader is gone (e.g. `| head -1`), which ends the run early without an error.
 * With `idleFlushMs` (input from a pipe), a partial batch is also translated once no new line has
 * arrived for that long, so a program feeding lines one at a time gets each answer before it sends
 * the next. With `splitSentences`, every line is cut into sentences (src/text/sentences.ts), the
 * sentences are translated, and the line is put back together: still one output line per input line.
 */
import type { TextLine } from '../data/line-reader.js';
import { joinSentences, splitSentences } from '../text/sentences.js';
import { jsonLine, outputLine } from '../util/output.js';
import type { TranslateOptions, Translation, Translator } from './translator.js';

export type OutputFormat = 'text' | 'jsonl';

export interface StreamTranslateOptions {
  batchSize: number;
  format: OutputFormat;
  /** Input name for warnings (`name:line: …`). */
  inputName: string;
  onWarning?: (message: string) => void;
  /** After each batch: lines done so far, output tokens so far. */
  onProgress?: (lines: number, outputTokens: number) => void;
  /** Translate a partial batch after this many milliseconds without a new input line (pipes). */
  idleFlushMs?: number;
  /** Translate sentence by sentence (text output, one best hypothesis), joined back per line. */
  splitSentences?: boolean;
}

export interface StreamTranslateResult {
  lines: number;
  outputTokens: number;
  /** True when the sink closed before the input ended. */
  closedEarly: boolean;
}

/** One output line (without its newline) for a translation. */
export function formatTranslation(t: Translation, format: OutputFormat): string {
  if (format === 'jsonl') {
    return jsonLine({ src: t.source, hyps: t.hyps.map((h) => ({ text: h.text, score: h.score })) });
  }
  // Exactly one line per input line, whatever the decoded text holds.
  return outputLine(t.hyps[0]?.text ?? '');
}

export async function translateStream(
  translator: Translator,
  input: AsyncIterable<TextLine>,
  write: (text: string) => Promise<boolean>,
  opts: StreamTranslateOptions,
  translateOpts: Partial<TranslateOptions> = {},
): Promise<StreamTranslateResult> {
  let lines = 0;
  let outputTokens = 0;
  let batch: TextLine[] = [];
  const flush = async (): Promise<boolean> => {
    if (batch.length === 0) return true;
    const texts = batch.map((l) => l.text);
    const out = opts.splitSentences
      ? translateBySentence(translator, texts, translateOpts)
      : translator.translate(texts, translateOpts);
    let text = '';
    out.forEach((t, k) => {
      for (const w of t.warnings) opts.onWarning?.(`${opts.inputName}:${batch[k].line}: ${w}`);
      outputTokens += t.hyps[0]?.ids.length ?? 0;
      text += formatTranslation(t, opts.format) + '\n';
    });
    lines += batch.length;
    batch = [];
    const open = await write(text);
    opts.onProgress?.(lines, outputTokens);
    // One turn of the event loop per batch: when input and output never block (buffered stdin, a
    // file), only microtasks run otherwise, and a Ctrl-C/SIGTERM handler would wait for the end.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return open;
  };
  const reader = input[Symbol.asyncIterator]();
  // The read in progress; it outlives an idle flush (an iterator is never asked twice at once).
  let pending: Promise<IteratorResult<TextLine>> | null = null;
  const idleMs = opts.idleFlushMs;
  try {
    for (;;) {
      pending ??= reader.next();
      const next = batch.length > 0 && idleMs !== undefined ? await withIdleTimeout(pending, idleMs) : await pending;
      if (next === IDLE) {
        if (!(await flush())) return { lines, outputTokens, closedEarly: true };
        continue;
      }
      pending = null;
      if (next.done) break;
      batch.push(next.value);
      if (batch.length >= opts.batchSize && !(await flush())) return { lines, outputTokens, closedEarly: true };
    }
    const open = await flush();
    return { lines, outputTokens, closedEarly: !open };
  } finally {
    // Ending early closes the input (as `for await` would); a read still waiting is left to finish.
    if (pending === null) await reader.return?.();
  }
}

const IDLE = Symbol('idle');

/** The read's result, or IDLE when it has not arrived within `ms`. */
async function withIdleTimeout<T>(read: Promise<T>, ms: number): Promise<T | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => {
    timer = setTimeout(() => resolve(IDLE), ms);
  });
  try {
    return await Promise.race([read, idle]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One Translation per line, its single hypothesis the line's sentences translated together (one
 * Translator call for all of them) and joined back with the line's own whitespace; the score is
 * the sum of the sentences' scores, the ids and pieces are theirs in order.
 */
export function translateBySentence(
  translator: Translator,
  lines: readonly string[],
  translateOpts: Partial<TranslateOptions> = {},
): Translation[] {
  const splits = lines.map((l) => splitSentences(l));
  const results = translator.translate(
    splits.flatMap((s) => s.sentences),
    { ...translateOpts, nBest: 1 },
  );
  let k = 0;
  return splits.map((split, i) => {
    const parts = results.slice(k, k + split.sentences.length);
    k += split.sentences.length;
    const best = parts.map((t) => t.hyps[0]);
    const hyp = {
      text: joinSentences(
        split,
        best.map((h) => h.text),
      ),
      score: best.reduce((sum, h) => sum + h.score, 0),
      ids: best.flatMap((h) => h.ids),
      pieces: best.flatMap((h) => h.pieces),
      attention: null,
    };
    const sourcePieces = parts.flatMap((t) => t.sourcePieces);
    return { source: lines[i], sourcePieces, hyps: [hyp], warnings: parts.flatMap((t) => t.warnings) };
  });
}
