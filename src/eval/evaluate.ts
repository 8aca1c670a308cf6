/**
 * A model on a test corpus: every source translated (greedy for beam 1, else beam search, in
 * batches), the translations scored against the references (BLEU / chrF as sacreBLEU computes them),
 * the references' per-token perplexity under the model, and the decoding speed. Returns data; the
 * CLI (`seq2seq eval`) prints it and the quality scripts read its JSON form.
 *
 *   perplexity = exp(Σ −log p(y_t | y_<t, x) / Σ tokens)   over the references, </s> counted;
 *                from model.loss, or by forced decoding for an ensemble (which has no loss).
 */
import type { SentencePair } from '../data/corpus.js';
import type { DecodingRun } from '../decode/run-loader.js';
import { Translator, type TranslateOptions } from '../decode/translator.js';
import { computeMetrics, type MetricName, type MetricResult } from './metrics.js';
import { forcedPerplexity, perplexity, type PerplexityResult } from './model-scores.js';

/**
 * Sources handed to the Translator at once. It sorts them by length and decodes them in batches of its own size
 * (512 rows: 512 sentences greedy, 102 at beam 5), so a batch holds sentences of similar lengths that finish at
 * similar steps: fewer, fuller steps than batches of consecutive lines (greedy 6–10 % less CPU time on Multi30k
 * test_2016). Each sentence's translation is the same in any batch (test/decode/pinned-outputs.test.ts and
 * translator.test.ts check it).
 */
const TRANSLATE_CHUNK = 1024;

/** The search as the Translator does it (beam, length penalty, length limit, <unk> replacement); the best is scored. */
export interface EvaluateOptions extends Omit<TranslateOptions, 'nBest' | 'maxSourceLength'> {
  /** Sentences scored together for the perplexity (translation batches are the Translator's: TRANSLATE_CHUNK). */
  batchSize: number;
  metrics: readonly MetricName[];
  /** Case-insensitive BLEU / chrF. */
  lowercase: boolean;
}

export interface DecodingSpeed {
  /** `greedy` or `beam K`. */
  search: string;
  sentences: number;
  seconds: number;
  sentencesPerSecond: number;
  /** Output tokens (without </s>) per second. */
  tokensPerSecond: number;
}

export interface Evaluation {
  /** The best translation of each source, in corpus order. */
  hypotheses: string[];
  metrics: MetricResult[];
  perplexity: PerplexityResult;
  decoding: DecodingSpeed;
  /** Sources longer than the model's limit (run.maxSourceLength), cropped before decoding and scoring. */
  cropped: number;
}

export function evaluate(run: DecodingRun, pairs: readonly SentencePair[], o: EvaluateOptions): Evaluation {
  const { batchSize, metrics: metricNames, lowercase, ...search } = o;
  const translator = new Translator(run.model, run.srcTokenizer, run.tgtTokenizer, {
    ...search,
    nBest: 1,
    maxSourceLength: run.maxSourceLength,
  });
  const sources = pairs.map((p) => p.src);
  const refs = pairs.map((p) => p.tgt);
  const hypotheses: string[] = [];
  let outTokens = 0;
  let cropped = 0;
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < sources.length; s += TRANSLATE_CHUNK) {
    for (const t of translator.translate(sources.slice(s, s + TRANSLATE_CHUNK))) {
      hypotheses.push(t.hyps[0]?.text ?? '');
      outTokens += t.hyps[0]?.ids.length ?? 0;
      if (t.warnings.length > 0) cropped++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const metrics = computeMetrics(hypotheses, [refs], metricNames, { lowercase });
  const limit = run.maxSourceLength;
  const crop = (ids: Int32Array) => (limit !== undefined && ids.length > limit ? ids.slice(0, limit) : ids);
  const score = run.members.length > 1 ? forcedPerplexity : perplexity;
  const ppl = score(
    run.model,
    sources.map((s) => crop(run.srcTokenizer.encode(s))),
    refs.map((r) => run.tgtTokenizer.encode(r)),
    batchSize,
  );
  const decoding = {
    search: o.beam === 1 ? 'greedy' : `beam ${o.beam}`,
    sentences: hypotheses.length,
    seconds,
    sentencesPerSecond: hypotheses.length / seconds,
    tokensPerSecond: outTokens / seconds,
  };
  return { hypotheses, metrics, perplexity: ppl, decoding, cropped };
}
