/**
 * Batch translation of a line stream with bounded memory: read `batchSize` lines, translate them
 * (one Translator call, batched inside), write exactly one output line per input line in order,
 * repeat. The sink's promise resolves when it can take more (backpressure) and resolves to false
 * once the reader is gone (e.g. `| head -1`), which ends the run early without an error.
 */
import type { TextLine } from '../data/line-reader.js';
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
    const out = translator.translate(batch.map((l) => l.text), translateOpts);
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
  for await (const l of input) {
    batch.push(l);
    if (batch.length >= opts.batchSize && !(await flush())) return { lines, outputTokens, closedEarly: true };
  }
  const open = await flush();
  return { lines, outputTokens, closedEarly: !open };
}
