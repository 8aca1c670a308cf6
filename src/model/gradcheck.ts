/**
 * Gradient check of the whole model: the analytic gradient of every parameter tensor (BPTT)
 * against a central finite difference of the loss, (L(θ + h) − L(θ − h)) / 2h, on small random
 * models and a random padded batch. Runs in float64 (nn/alloc.ts withFloat64, on the TypeScript
 * backend), so h = 1e-6 leaves truncation (~h²) and rounding (~1e-16·L/h) errors far below the
 * tolerance: an error of 1e-5 would be a real bug, not noise.
 *   error = |g_analytic − g_numeric| / max(|g_analytic|, |g_numeric|, 1e-3)
 * (relative for ordinary gradients, absolute below 1e-3 so that entries whose gradient is ~0 do
 * not turn rounding noise into huge "relative" errors).
 */
import { makeBatch } from '../data/batch.js';
import { withFloat64 } from '../nn/alloc.js';
import { jsBackend } from '../tensor/js-backend.js';
import { getBackend, setBackend } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import type { ModelConfigInput } from './config.js';
import { Seq2Seq } from './seq2seq.js';

export const GRADCHECK_TOLERANCE = 1e-5;

export interface GradcheckCase {
  name: string;
  config: ModelConfigInput;
}

export interface ParamCheck {
  param: string;
  checked: number;
  maxError: number;
}

export interface GradcheckResult {
  name: string;
  params: ParamCheck[];
  maxError: number;
  ok: boolean;
}

export type Cell = 'rnn' | 'gru' | 'lstm';
export type AttentionName = 'none' | 'bahdanau' | 'luong-dot' | 'luong-general';
export const CELLS: Cell[] = ['rnn', 'gru', 'lstm'];
export const ATTENTIONS: AttentionName[] = ['none', 'bahdanau', 'luong-dot', 'luong-general'];

/** Tiny configurations: every cell × attention × bidirectional × layers (1, 2), plus variants. */
export function gradcheckCases(filter: { cell?: Cell; attention?: AttentionName } = {}): GradcheckCase[] {
  const cases: GradcheckCase[] = [];
  const H = 4;
  for (const cell of CELLS) {
    if (filter.cell && filter.cell !== cell) continue;
    for (const attention of ATTENTIONS) {
      if (filter.attention && filter.attention !== attention) continue;
      for (const bidirectional of [false, true])
        for (const layers of [1, 2]) {
          const config: ModelConfigInput = {
            cell,
            attention,
            bidirectional,
            encoderLayers: layers,
            decoderLayers: layers,
            srcVocabSize: 9,
            tgtVocabSize: 8,
            embeddingSize: 3,
            hiddenSize: H,
            encoderHiddenSize: attention === 'luong-dot' && bidirectional ? H / 2 : H,
            attentionSize: 5,
            preOutputSize: 5,
          };
          cases.push({ name: `${cell} ${attention} ${bidirectional ? 'bi' : 'uni'} ${layers}L`, config });
        }
      // variants: input feeding + label smoothing; no pre-output; tied embeddings
      const base = {
        cell,
        attention,
        srcVocabSize: 9,
        tgtVocabSize: 8,
        embeddingSize: 3,
        hiddenSize: H,
        attentionSize: 5,
        bidirectional: false,
      } as const;
      cases.push({
        name: `${cell} ${attention} uni 1L input-feeding smoothing`,
        config: { ...base, inputFeeding: true, labelSmoothing: 0.1, preOutputSize: 5 },
      });
      if (!attention.startsWith('luong'))
        cases.push({ name: `${cell} ${attention} uni 1L no-pre-output`, config: { ...base, preOutput: false } });
      cases.push({
        name: `${cell} ${attention} uni 1L tied-embeddings`,
        config: { ...base, preOutputSize: 3, tiedTargetEmbeddings: true },
      });
    }
  }
  return cases;
}

/** A random padded batch of B pairs (lengths 1…maxLen) over the given vocabularies. */
export function randomBatch(rng: Rng, B: number, maxLen: number, srcV: number, tgtV: number) {
  const src: number[][] = [];
  const tgt: number[][] = [];
  for (let b = 0; b < B; b++) {
    // the first pair has the full length so that every batch has padding beside it
    const ls = b === 0 ? maxLen : 1 + rng.int(maxLen);
    const lt = b === 0 ? maxLen : 1 + rng.int(maxLen);
    src.push(Array.from({ length: ls }, () => 4 + rng.int(srcV - 4)));
    tgt.push(Array.from({ length: lt }, () => 4 + rng.int(tgtV - 4)));
  }
  return makeBatch(src, tgt);
}

/** Checks one configuration; `samples` random entries per tensor plus its largest gradient. */
export function gradcheckModel(c: GradcheckCase, seed: number, samples = 6): GradcheckResult {
  const previous = getBackend();
  setBackend(jsBackend);
  try {
    return withFloat64(() => {
      const rng = new Rng(seed);
      const model = new Seq2Seq({ ...c.config, dropout: 0 }, rng);
      const batch = randomBatch(rng, 3, 4, model.srcVocabSize, model.tgtVocabSize);
      model.zeroGrad();
      model.loss(batch, { backward: true, train: false });
      const h = 1e-5;
      const params: ParamCheck[] = [];
      for (const p of model.params) {
        const grad = Float64Array.from(p.grad);
        const idx = new Set<number>();
        let best = 0;
        for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[best])) best = i;
        idx.add(best);
        for (let s = 0; s < samples; s++) idx.add(rng.int(p.size));
        let maxError = 0;
        for (const i of idx) {
          const v = p.value[i];
          p.value[i] = v + h;
          const lp = model.loss(batch, { backward: false }).loss;
          p.value[i] = v - h;
          const lm = model.loss(batch, { backward: false }).loss;
          p.value[i] = v;
          const numeric = (lp - lm) / (2 * h);
          const err = Math.abs(grad[i] - numeric) / Math.max(Math.abs(grad[i]), Math.abs(numeric), 1e-3);
          if (!(err <= maxError)) maxError = err; // NaN propagates as a failure
        }
        params.push({ param: p.name, checked: idx.size, maxError });
      }
      const maxError = params.reduce((m, p) => (p.maxError > m || Number.isNaN(p.maxError) ? p.maxError : m), 0);
      return { name: c.name, params, maxError, ok: maxError <= GRADCHECK_TOLERANCE };
    });
  } finally {
    setBackend(previous);
  }
}
