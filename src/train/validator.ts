/**
 * Validation: teacher-forced loss and perplexity over the whole validation set,
 *   loss = Σ CE / tokens,  ppl = exp(Σ nll / tokens),
 * and greedy decoding of (up to `maxDecode`) validation sources scored with corpus BLEU and chrF
 * (sacreBLEU defaults, on detokenised text), plus a few fixed sample translations.
 * Inference mode: no dropout, no random numbers drawn, weights untouched.
 */
import type { EncodedPair } from '../data/batcher.js';
import { evalBatches } from '../data/batcher.js';
import { greedyDecode } from '../decode/greedy.js';
import { corpusBleu } from '../eval/bleu.js';
import { corpusChrf } from '../eval/chrf.js';
import type { Seq2SeqModel } from '../model/types.js';

export interface ValidationPair extends EncodedPair {
  srcText: string;
  tgtText: string;
}

export interface ValidationResult {
  loss: number;
  ppl: number;
  bleu: number;
  chrf: number;
  samples: { source: string; reference: string; hypothesis: string }[];
}

export interface ValidatorOptions {
  /** Token budget of a teacher-forced batch (default 4000). */
  maxTokens?: number;
  /** Sentences decoded for BLEU/chrF (default all). */
  maxDecode?: number;
  /** Sentences per greedy-decoding batch (default 64). */
  decodeBatch?: number;
  /** Sample translations reported (default 3). */
  samples?: number;
}

export type Detokenize = (ids: ArrayLike<number>) => string;

export class Validator {
  private readonly pairs: ValidationPair[];
  private readonly decodePairs: ValidationPair[];
  private readonly sampleIds: number[];
  private readonly opts: Required<ValidatorOptions>;

  constructor(
    pairs: ValidationPair[],
    private readonly decode: Detokenize,
    opts: ValidatorOptions = {},
  ) {
    if (pairs.length === 0) throw new Error('Validator: empty validation set');
    this.pairs = pairs;
    this.opts = {
      maxTokens: opts.maxTokens ?? 4000,
      maxDecode: opts.maxDecode ?? Infinity,
      decodeBatch: opts.decodeBatch ?? 64,
      samples: opts.samples ?? 3,
    };
    this.decodePairs = pairs.slice(0, Math.min(pairs.length, this.opts.maxDecode));
    const n = Math.min(this.opts.samples, this.decodePairs.length);
    // Evenly spaced, fixed sample sentences: the same ones at every evaluation.
    this.sampleIds = Array.from({ length: n }, (_, i) => Math.floor((i * this.decodePairs.length) / n));
  }

  get size(): number {
    return this.pairs.length;
  }

  evaluate(model: Seq2SeqModel): ValidationResult {
    let loss = 0;
    let nll = 0;
    let tokens = 0;
    for (const b of evalBatches(this.pairs, { maxTokens: this.opts.maxTokens })) {
      const r = model.loss(b, { backward: false, train: false });
      loss += r.loss;
      nll += r.nll;
      tokens += r.tokens;
    }
    // Decode in length-sorted chunks (little padding), then put back in corpus order.
    const order = this.decodePairs
      .map((_, i) => i)
      .sort((a, b) => this.decodePairs[a].src.length - this.decodePairs[b].src.length || a - b);
    const hyps: string[] = new Array(this.decodePairs.length);
    for (let i = 0; i < order.length; i += this.opts.decodeBatch) {
      const chunk = order.slice(i, i + this.opts.decodeBatch);
      const out = greedyDecode(
        model,
        chunk.map((j) => this.decodePairs[j].src),
        { lengthPenalty: 0, maxLengthRatio: 1.5, maxLengthConstant: 5, keepAttention: false },
      );
      chunk.forEach((j, k) => (hyps[j] = this.decode(out[k].ids)));
    }
    const refs = this.decodePairs.map((p) => p.tgtText);
    const bleu = corpusBleu(hyps, [refs]).score;
    const chrf = corpusChrf(hyps, [refs]).score;
    return {
      loss: loss / tokens,
      ppl: Math.exp(nll / tokens),
      bleu,
      chrf,
      samples: this.sampleIds.map((i) => ({
        source: this.decodePairs[i].srcText,
        reference: this.decodePairs[i].tgtText,
        hypothesis: hyps[i],
      })),
    };
  }
}
