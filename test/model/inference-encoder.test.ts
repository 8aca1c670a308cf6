/**
 * The encoder at inference (src/model/inference-encoder.ts) against the training-time EncoderPass it replaces at
 * decoding (inference mode): the memory (unpacked from the top layer's outputs) and the final states must be the
 * same to the bit, prepared (W_ih packed, W_hhᵀ made once) or not, for every cell, one and two directions and
 * layers, sizes over one k block, ragged and one-token batches, one sentence (the few-row products split over the
 * threads) and many, on 1 and 2 threads; and weights changed after `prepare` must not be used in their old form.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import { parseModelConfig, type ModelConfigInput } from '../../src/model/config.js';
import { Encoder, EncoderPass } from '../../src/model/encoder.js';
import { InferenceEncoder } from '../../src/model/inference-encoder.js';
import { getBackend } from '../../src/tensor/index.js';
import { Rng } from '../../src/util/rng.js';

const CONFIGS: Record<string, Omit<ModelConfigInput, 'srcVocabSize' | 'tgtVocabSize'>> = {
  'gru, bidirectional, over one k block': { cell: 'gru', embeddingSize: 40, hiddenSize: 300, bidirectional: true },
  'lstm, 2 layers, bidirectional': {
    cell: 'lstm',
    embeddingSize: 12,
    hiddenSize: 20,
    encoderLayers: 2,
    bidirectional: true,
  },
  'rnn, 2 layers, one direction': {
    cell: 'rnn',
    embeddingSize: 9,
    hiddenSize: 14,
    encoderLayers: 2,
    bidirectional: false,
  },
};

function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let differ = 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) differ++;
  expect(differ, `${what}: elements that differ`).toBe(0);
}

const sentences = (rng: Rng, lengths: number[]) => lengths.map((n) => Array.from({ length: n }, () => 4 + rng.int(36)));

const BATCHES: [string, number[]][] = [
  ['ragged, unsorted', [3, 7, 1, 7, 5, 2]],
  ['one sentence', [9]],
  ['one token each', [1, 1, 1]],
];

function compare(enc: Encoder, inf: InferenceEncoder, rng: Rng, label: string): void {
  const C = enc.rnn.outputSize;
  for (const [what, lengths] of BATCHES) {
    const srcs = sentences(rng, lengths);
    const b = makeBatch(srcs, srcs);
    const pass = new EncoderPass(enc);
    const memory = pass.forward(b.src, b.srcLengths, b.size, b.srcLen, false, null);
    const final = pass.finalState();
    const got = inf.forward(b.src, b.srcLengths, b.size, b.srcLen);
    const gotMemory = inf.steps.unpack(got.outputs, C, new Float32Array(b.srcLen * b.size * C));
    expectSameBits(gotMemory, memory, `${label}, ${what}: memory`);
    expectSameBits(got.final, final, `${label}, ${what}: final states`);
  }
}

describe(`the inference encoder = the encoder pass, to the bit (backend: ${getBackend().name})`, () => {
  for (const [name, over] of Object.entries(CONFIGS))
    it(name, () => {
      const config = parseModelConfig({ srcVocabSize: 40, tgtVocabSize: 40, dropout: 0.3, ...over });
      const enc = new Encoder(config, config.hiddenSize, new Rng(7));
      const plain = new InferenceEncoder(enc);
      const prepared = new InferenceEncoder(enc);
      prepared.prepare();
      const k = getBackend();
      const before = k.threads();
      try {
        for (const threads of [1, 2]) {
          k.setThreads(threads);
          compare(enc, plain, new Rng(threads), `${threads} thread(s), not prepared`);
          compare(enc, prepared, new Rng(threads), `${threads} thread(s), prepared`);
        }
      } finally {
        k.setThreads(before);
      }
    });

  it('weights changed after prepare are not used in their old form', () => {
    const gru = CONFIGS['gru, bidirectional, over one k block'];
    const config = parseModelConfig({ srcVocabSize: 40, tgtVocabSize: 40, ...gru });
    const enc = new Encoder(config, config.hiddenSize, new Rng(7));
    const prepared = new InferenceEncoder(enc);
    prepared.prepare();
    for (const p of enc.params) for (let i = 0; i < p.size; i++) p.value[i] *= 1.01; // as an optimiser step would
    compare(enc, prepared, new Rng(4), 'changed weights');
  });
});
