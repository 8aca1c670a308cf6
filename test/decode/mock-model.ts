/**
 * A deterministic mock Seq2SeqModel: the next-token distribution of a row is a softmax of
 * pseudo-random logits drawn from a hash of (seed, source ids, prefix), so any prefix's probability
 * can be recomputed independently (`logProbOf`), and exhaustive search gives the true best output.
 * Attention rows are a hash-derived distribution over the real source positions (0 on padding).
 */
import { BOS_ID, EOS_ID } from '../../src/data/batch.js';
import type { DecoderState, Seq2SeqModel, StepResult } from '../../src/model/types.js';

/** FNV-1a over 32-bit words, then a few xorshift rounds. */
function hash(words: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) {
    h ^= w & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= w >>> 16;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h >>> 0;
}

function uniforms(seedWords: number[], n: number): Float64Array {
  const out = new Float64Array(n);
  let s = hash(seedWords) || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 4294967296;
  }
  return out;
}

class MockState implements DecoderState {
  constructor(
    readonly rows: { src: number[]; prefix: number[]; started: boolean }[],
    readonly srcLen: number,
  ) {}
  get batchSize(): number {
    return this.rows.length;
  }
  select(rows: Int32Array): MockState {
    return new MockState(
      Array.from(rows, (r) => {
        if (r < 0 || r >= this.rows.length) throw new Error(`select: row ${r} out of range`);
        return this.rows[r];
      }),
      this.srcLen,
    );
  }
}

export interface MockOptions {
  vocab: number;
  seed: number;
  /** Logit scale: larger = more peaked distributions. */
  sharpness?: number;
  /** Added to the </s> logit (positive → shorter outputs). */
  eosBias?: number;
  /** Logits rounded to multiples of 1/ties: many exactly equal log-probabilities (tie-breaking). */
  ties?: number;
  attention?: boolean;
}

export class MockModel implements Seq2SeqModel {
  readonly srcVocabSize: number;
  readonly tgtVocabSize: number;
  readonly hasAttention: boolean;
  readonly params = [];
  /** Number of step() calls and of rows stepped (to check batching and early stopping). */
  steps = 0;
  rowsStepped = 0;
  constructor(readonly o: MockOptions) {
    this.srcVocabSize = o.vocab;
    this.tgtVocabSize = o.vocab;
    this.hasAttention = o.attention ?? true;
  }
  loss(): never {
    throw new Error('MockModel.loss is not used by the decoders');
  }

  /** log p(· | src, prefix) as float32, as a real model returns it. */
  distribution(src: readonly number[], prefix: readonly number[]): Float32Array {
    const V = this.o.vocab;
    const u = uniforms([this.o.seed, src.length, ...src, 0xfffff, prefix.length, ...prefix], V);
    const q = this.o.ties;
    const raw = Array.from(u, (x) => (x - 0.5) * (this.o.sharpness ?? 4));
    const logits = q ? raw.map((x) => Math.round(x * q) / q) : raw;
    logits[EOS_ID] += this.o.eosBias ?? 0;
    const m = Math.max(...logits);
    const z = Math.log(logits.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
    return Float32Array.from(logits, (x) => x - z);
  }

  attentionRow(src: readonly number[], prefix: readonly number[], S: number): Float32Array {
    const u = uniforms([this.o.seed ^ 0x5555, ...src, 0xeeeee, ...prefix], src.length);
    const sum = u.reduce((a, x) => a + x + 0.01, 0);
    const row = new Float32Array(S);
    for (let j = 0; j < src.length; j++) row[j] = (u[j] + 0.01) / sum;
    return row;
  }

  /** Σ log p of the tokens ids (+ </s> when ended), computed independently of the decoders. */
  logProbOf(src: readonly number[], ids: readonly number[], ended: boolean): number {
    let lp = 0;
    const seq = ended ? [...ids, EOS_ID] : ids;
    for (let t = 0; t < seq.length; t++) lp += this.distribution(src, seq.slice(0, t))[seq[t]];
    return lp;
  }

  startDecoding(src: Int32Array, srcLengths: Int32Array, batchSize: number, srcLen: number): DecoderState {
    const rows = [];
    for (let b = 0; b < batchSize; b++) {
      const s: number[] = [];
      for (let t = 0; t < srcLengths[b]; t++) s.push(src[t * batchSize + b]);
      rows.push({ src: s, prefix: [] as number[], started: false });
    }
    return new MockState(rows, srcLen);
  }

  step(stateIn: DecoderState, prev: Int32Array): StepResult {
    const state = stateIn as MockState;
    const B = state.rows.length;
    const V = this.o.vocab;
    const S = state.srcLen;
    this.steps++;
    this.rowsStepped += B;
    const logProbs = new Float32Array(B * V);
    const attention = this.hasAttention ? new Float32Array(B * S) : null;
    const rows = state.rows.map((r, b) => {
      if (!r.started && prev[b] !== BOS_ID) throw new Error('the first step must feed <s>');
      const prefix = r.started ? [...r.prefix, prev[b]] : [];
      return { src: r.src, prefix, started: true };
    });
    rows.forEach((r, b) => {
      logProbs.set(this.distribution(r.src, r.prefix), b * V);
      if (attention) attention.set(this.attentionRow(r.src, r.prefix, S), b * S);
    });
    return { logProbs, attention, state: new MockState(rows, S) };
  }
}

/** Every output the decoders can produce (y</s> with |y| < maxLen, or y cut at |y| = maxLen), scored. */
export function exhaustiveBest(
  model: MockModel,
  src: number[],
  maxLen: number,
  alpha: number,
): { ids: number[]; score: number; finished: boolean }[] {
  const V = model.tgtVocabSize;
  const out: { ids: number[]; score: number; finished: boolean }[] = [];
  const lp = (len: number) => (alpha === 0 ? 1 : ((5 + len) / 6) ** alpha);
  const walk = (prefix: number[], logp: number) => {
    const d = model.distribution(src, prefix);
    if (prefix.length === maxLen) {
      out.push({ ids: prefix, score: logp / lp(prefix.length), finished: false });
      return;
    }
    out.push({ ids: prefix, score: (logp + d[EOS_ID]) / lp(prefix.length + 1), finished: true });
    for (let v = 0; v < V; v++) if (v !== EOS_ID) walk([...prefix, v], logp + d[v]);
  };
  walk([], 0);
  return out.sort((a, b) => b.score - a.score);
}
