/**
 * Dropout through the twin: our training-mode loss and BPTT with dropout, word dropout and memory dropout
 * (label smoothing too), on the same weights and batch, with OUR masks exported and applied by the twin.
 * The masks are recorded from the backend's dropoutMask kernel in the order the model draws them
 * (source embedding, source word keep, memory, target embedding, target word keep, output) and moved into
 * the twin's layout: our loss sorts the rows by target length (the twin gets the batch in that order), the
 * encoder runs them by source length, and the output mask covers only the rows with a target.
 * The encoder has one layer here: between stacked encoder layers the twin uses torch.nn's own dropout.
 */
import { describe, expect, it } from 'vitest';
import { randomBatch } from '../../src/model/gradcheck.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { withFloat64 } from '../../src/nn/alloc.js';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { Rng } from '../../src/util/rng.js';
import { relativeNormError, torchMissing, twinGrads, type TwinGrads, weightsAndGrads } from './twin.js';

const missing = await torchMissing();
const DROPOUT = 0.3;
const WORD = 0.2;
const MEMORY = 0.25;

function configs(): { name: string; config: ModelConfigInput }[] {
  const out: { name: string; config: ModelConfigInput }[] = [];
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    for (const attention of ['none', 'bahdanau', 'luong-dot', 'luong-general'] as const) {
      const base: ModelConfigInput = {
        cell,
        attention,
        srcVocabSize: 11,
        tgtVocabSize: 10,
        embeddingSize: 4,
        hiddenSize: 6,
        encoderHiddenSize: 3,
        bidirectional: true,
        decoderLayers: 2,
        attentionSize: 5,
        preOutputSize: 4,
        dropout: DROPOUT,
        wordDropout: WORD,
        memoryDropout: attention === 'none' ? 0 : MEMORY,
        labelSmoothing: 0.1,
      };
      out.push({ name: `${cell} ${attention}`, config: base });
      out.push({
        name: `${cell} ${attention} input-feeding`,
        config: { ...base, inputFeeding: true, decoderLayers: 1 },
      });
      if (!attention.startsWith('luong'))
        out.push({ name: `${cell} ${attention} no-pre-output`, config: { ...base, preOutput: false } });
    }
  out.push({
    name: 'gru bahdanau tied',
    config: { ...out.find((c) => c.name === 'gru bahdanau')!.config, tiedTargetEmbeddings: true },
  });
  return out;
}

/** Stable order of rows by decreasing length (as our loss and encoder sort them). */
function byLength(len: ArrayLike<number>): number[] {
  return Array.from({ length: len.length }, (_, i) => i).sort((x, y) => len[y] - len[x] || x - y);
}

interface Case {
  name: string;
  config: Record<string, unknown>;
  weights: Record<string, number[]>;
  batch: Record<string, unknown>;
  masks: Record<string, { shape: number[]; data: number[] }>;
  loss: number;
  grads: Record<string, number[]>;
}

function oursWithMasks(): Case[] {
  return configs().map(({ name, config }, k) => {
    // One entry per mask: a packed mask (Dropout.sampleMaskPacked) is drawn step by step with the
    // same seeds, each step's rows at their padded offset `first`; put back together, positions of
    // padded rows (never drawn, never read) hold 1.
    const draws: { p: number; seeds: [number, number]; parts: { first: number; data: number[] }[] }[] = [];
    const base = getBackend();
    const recording: Backend = {
      ...base,
      dropoutMask(mask, p, s0, s1, first) {
        base.dropoutMask(mask, p, s0, s1, first);
        const last = draws[draws.length - 1];
        const part = { first: first ?? 0, data: Array.from(mask) };
        if (first !== undefined && first > 0 && last && last.p === p && last.seeds[0] === s0 && last.seeds[1] === s1)
          last.parts.push(part);
        else draws.push({ p, seeds: [s0, s1], parts: [part] });
      },
    };
    const rng = new Rng(100 + k);
    const model = new Seq2Seq(config, rng);
    const raw = randomBatch(rng, 4, 5, model.srcVocabSize, model.tgtVocabSize);
    setBackend(recording);
    let loss: number;
    try {
      model.zeroGrad();
      loss = model.loss(raw, { backward: true, train: true }).loss;
    } finally {
      setBackend(base);
    }
    // the batch as our loss sees it: rows by decreasing target length
    const B = raw.size;
    const o1 = byLength(raw.tgtLengths);
    const perm = (a: Int32Array, T: number) =>
      Array.from({ length: T * B }, (_, i) => a[Math.floor(i / B) * B + o1[i % B]]);
    const srcLengths = o1.map((b) => raw.srcLengths[b]);
    const tgtLengths = o1.map((b) => raw.tgtLengths[b]);
    const S = raw.srcLen;
    const T = raw.tgtLen;
    const c = model.config;
    const E = c.embeddingSize;
    const C = model.sizes.memory;
    const P = model.sizes.outputInput;
    /** The next mask; `padded`: its length in the padded layout (a packed mask is spread back into it). */
    const take = (p: number, padded?: number) => {
      const d = draws.shift();
      if (!d || d.p !== p) throw new Error(`${name}: expected a mask draw with p = ${p}, got ${d ? d.p : 'none'}`);
      if (padded === undefined) {
        if (d.parts.length !== 1) throw new Error(`${name}: a whole mask was expected, got ${d.parts.length} parts`);
        return d.parts[0].data;
      }
      const out = new Array<number>(padded).fill(1);
      for (const x of d.parts) x.data.forEach((v, i) => (out[x.first + i] = v));
      return out;
    };
    // source: element mask × word keep, in the encoder's run order (by source length) → batch rows
    const o2 = byLength(srcLengths);
    const srcMask = take(DROPOUT, S * B * E);
    const srcKeep = take(WORD, S * B);
    const src = new Array<number>(S * B * E);
    for (let s = 0; s < S; s++)
      for (let i = 0; i < B; i++)
        for (let j = 0; j < E; j++) src[(s * B + o2[i]) * E + j] = srcMask[(s * B + i) * E + j] * srcKeep[s * B + i];
    const masks: Case['masks'] = { src: { shape: [S, B, E], data: src } };
    if (c.memoryDropout > 0) masks.memory = { shape: [S, B, C], data: take(MEMORY) };
    const tgtMask = take(DROPOUT, T * B * E);
    const tgtKeep = take(WORD, T * B);
    masks.tgt = { shape: [T, B, E], data: tgtMask.map((m, i) => m * tgtKeep[Math.floor(i / E)]) };
    // over the packed rows at once (a batched pre-output), else step by step in the padded layout
    const packedOut = c.preOutput && !c.inputFeeding;
    const outMask = take(DROPOUT, packedOut ? undefined : T * B * P);
    if (outMask.length === T * B * P) masks.out = { shape: [T, B, P], data: outMask };
    else {
      // only the rows with a target: step t's rows b < n_t, step after step (the others are never read)
      const out = new Array<number>(T * B * P).fill(1);
      let r = 0;
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B && tgtLengths[b] > t; b++, r++)
          for (let j = 0; j < P; j++) out[(t * B + b) * P + j] = outMask[r * P + j];
      expect(r * P, name).toBe(outMask.length);
      masks.out = { shape: [T, B, P], data: out };
    }
    expect(draws, `${name}: masks left over`).toEqual([]);
    const { weights, grads } = weightsAndGrads(model.params);
    const batch = {
      size: B,
      srcLen: S,
      tgtLen: T,
      src: perm(raw.src, S),
      srcLengths,
      tgtIn: perm(raw.tgtIn, T),
      tgtOut: perm(raw.tgtOut, T),
    };
    return { name, config: model.config as unknown as Record<string, unknown>, weights, batch, masks, loss, grads };
  });
}

function check(mine: Case[], theirs: TwinGrads[], lossTol: number, gradTol: number): number {
  const failures: string[] = [];
  let worst = 0;
  mine.forEach((m, k) => {
    const t = theirs[k];
    const le = Math.abs(m.loss - t.loss) / Math.abs(t.loss);
    if (!(le <= lossTol)) failures.push(`${m.name}: loss ${m.loss} vs ${t.loss}`);
    for (const [n, g] of Object.entries(m.grads)) {
      const e = relativeNormError(g, t.grads[n]);
      worst = Math.max(worst, e, le);
      if (!(e <= gradTol)) failures.push(`${m.name}: ${n} gradient error ${e.toExponential(2)}`);
    }
  });
  expect(failures).toEqual([]);
  return worst;
}

describe.skipIf(missing !== null)(
  'dropout, word dropout and memory dropout: the twin with our masks = our training-mode BPTT',
  () => {
    it('TypeScript backend, float64: loss and gradients agree to 1e-9', async () => {
      const mine = withFloat64(() => oursWithMasks());
      const worst = check(mine, await twinGrads(mine), 1e-9, 1e-9);
      process.stdout.write(
        `dropout masks, js float64: worst error ${worst.toExponential(2)} over ${mine.length} configurations\n`,
      );
    });

    const native = createNativeBackend();
    it.skipIf(native === null)('native backend, float32: loss within 1e-5, gradients within 1e-4', async () => {
      const before = getBackend();
      setBackend(native!);
      let mine: Case[];
      try {
        mine = oursWithMasks();
      } finally {
        setBackend(before);
      }
      const worst = check(mine, await twinGrads(mine), 1e-5, 1e-4);
      process.stdout.write(`dropout masks, native float32: worst error ${worst.toExponential(2)}\n`);
    });

    it("the masks matter: without them (inference mode) the twin's loss differs", async () => {
      const mine = withFloat64(() => oursWithMasks()).slice(0, 3);
      const theirs = await twinGrads(mine.map((c) => ({ ...c, masks: {} })));
      mine.forEach((m, k) => expect(Math.abs(m.loss - theirs[k].loss) / m.loss).toBeGreaterThan(1e-3));
    });
  },
);
