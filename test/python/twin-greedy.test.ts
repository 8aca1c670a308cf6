/**
 * The twin's step-by-step decoder (python/seq2seq_torch/model.py decoder_step, greedy) against ours
 * (src/decode/greedy.ts) for every attention kind, each cell, input feeding, no pre-output and tied embeddings,
 * on the same weights: the same output ids for every sentence. The teacher-forced loss is compared in
 * twin-gradients; this checks the inference path (state carried step to step, finished rows dropped).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyDecode } from '../../src/decode/greedy.js';
import { saveModel } from '../../src/model/checkpoint.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { writeRunConfig } from '../../src/model/run-dir.js';
import { Rng } from '../../src/util/rng.js';
import { runPython, torchMissing } from './twin.js';

const missing = await torchMissing();
const dir = mkdtempSync(join(tmpdir(), 'twin-greedy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { srcVocabSize: 50, tgtVocabSize: 40, embeddingSize: 8, hiddenSize: 12, attentionSize: 10 } as const;
const CONFIGS: ModelConfigInput[] = [
  { ...base, cell: 'gru', attention: 'bahdanau', encoderLayers: 2, decoderLayers: 2 },
  { ...base, cell: 'lstm', attention: 'luong-general', inputFeeding: true },
  { ...base, cell: 'rnn', attention: 'luong-dot', encoderHiddenSize: 6 },
  { ...base, cell: 'gru', attention: 'none', preOutputSize: 8, tiedTargetEmbeddings: true },
  { ...base, cell: 'lstm', attention: 'bahdanau', preOutput: false, bidirectional: false, decoderLayers: 2 },
];

describe.skipIf(missing !== null)('greedy decoding: the twin = ours on the same weights', () => {
  for (const [k, config] of CONFIGS.entries()) {
    it(`${config.cell} ${config.attention}${config.inputFeeding ? ' input-feeding' : ''}`, async () => {
      const rng = new Rng(40 + k);
      // scaled-up weights: sharper distributions, so that the outputs vary and ties are remote
      const model = new Seq2Seq(config, rng);
      for (const p of model.params) for (let i = 0; i < p.size; i++) p.value[i] *= 3;
      const run = join(dir, `run-${k}`);
      saveModel(run, model);
      writeRunConfig(run, { model: model.config, training: {}, tokenizers: { src: 'none.json', tgt: 'none.json' } });
      const sources = Array.from({ length: 30 }, (_, b) => Array.from({ length: b % 9 }, () => 4 + rng.int(46)));
      const ours = greedyDecode(model, sources, {
        lengthPenalty: 0,
        maxLengthRatio: 2,
        maxLengthConstant: 10,
        keepAttention: false,
      });
      const r = await runPython(['-m', 'seq2seq_torch.tool', 'greedy', run, '--batch', '7'], {
        input: JSON.stringify(sources),
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(ours.map((h) => h.ids));
      expect(new Set(ours.map((h) => h.ids.join(' '))).size).toBeGreaterThan(5);
    });
  }
});
