/**
 * src/model/checkpoint.ts: save → load gives bit-identical weights and the same loss; loading
 * rejects a checkpoint whose tensors do not match its config (wrong shape, missing, extra) or whose
 * config is invalid, with an InputError naming the file (and the tensor or field).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import { InputError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(join(tmpdir(), 'seq2seq-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `run${n++}`);

const small = {
  srcVocabSize: 13,
  tgtVocabSize: 11,
  embeddingSize: 4,
  hiddenSize: 5,
  attentionSize: 3,
  preOutputSize: 4,
};

describe('checkpoint save → load', () => {
  for (const [label, extra] of [
    ['gru + bahdanau, bidirectional', { cell: 'gru', attention: 'bahdanau' }],
    [
      'lstm + luong-general, 2 layers, input feeding',
      { cell: 'lstm', attention: 'luong-general', encoderLayers: 2, decoderLayers: 2, inputFeeding: true },
    ],
    [
      'rnn without attention, unidirectional, tied',
      { cell: 'rnn', attention: 'none', bidirectional: false, tiedTargetEmbeddings: true },
    ],
  ] as const) {
    it(`${label}: bit-identical weights, same config, same loss`, () => {
      const model = new Seq2Seq({ ...small, ...extra }, new Rng(11));
      const dir = freshDir();
      saveModel(dir, model);
      const back = loadModel(dir);
      expect(back.config).toEqual(model.config);
      expect(back.params.map((p) => [p.name, p.shape])).toEqual(model.params.map((p) => [p.name, p.shape]));
      for (let i = 0; i < model.params.length; i++) {
        const a = model.params[i].value;
        const b = back.params[i].value;
        expect(
          Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
        ).toBe(true);
      }
      const batch = makeBatch(
        [
          [4, 5, 6, 7],
          [8, 9],
        ],
        [
          [5, 6, 10],
          [4, 7],
        ],
      );
      expect(back.loss(batch).loss).toBe(model.loss(batch).loss);
    });
  }

  it('the safetensors file uses PyTorch-style names', () => {
    const dir = freshDir();
    saveModel(dir, new Seq2Seq({ ...small, cell: 'gru', attention: 'bahdanau' }, new Rng(2)));
    const names = [...readSafetensors(join(dir, 'model.safetensors')).tensors.keys()];
    for (const name of [
      'encoder.embedding.weight',
      'encoder.rnn.weight_ih_l0',
      'encoder.rnn.weight_hh_l0_reverse',
      'decoder.embedding.weight',
      'decoder.rnn.weight_ih_l0',
      'decoder.rnn.bias_hh_l0',
      'decoder.out.weight',
      'decoder.out.bias',
    ])
      expect(names).toContain(name);
    expect(names.some((x) => x.startsWith('decoder.attention.'))).toBe(true);
  });
});

describe('checkpoint load rejects mismatches with an InputError naming file and tensor', () => {
  const saveSmall = () => {
    const dir = freshDir();
    saveModel(dir, new Seq2Seq({ ...small, cell: 'gru', attention: 'bahdanau' }, new Rng(3)));
    return dir;
  };
  const rewriteConfig = (dir: string, edit: (model: Record<string, unknown>) => void) => {
    const path = join(dir, 'config.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    edit(doc.model);
    writeFileSync(path, JSON.stringify(doc));
  };
  const rewriteWeights = (dir: string, edit: (t: { name: string; shape: number[]; data: Float32Array }[]) => void) => {
    const path = join(dir, 'model.safetensors');
    const list = [...readSafetensors(path).tensors.entries()].map(([name, t]) => ({
      name,
      shape: t.shape,
      data: t.data,
    }));
    edit(list);
    writeSafetensors(path, list);
  };
  const loadError = (dir: string): Error => {
    try {
      loadModel(dir);
    } catch (err) {
      return err as Error;
    }
    throw new Error('loadModel accepted a bad checkpoint');
  };

  it('a tensor whose shape differs from the config', () => {
    const dir = saveSmall();
    rewriteConfig(dir, (m) => (m.tgtVocabSize = 12));
    const err = loadError(dir);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(join(dir, 'model.safetensors'));
    expect(err.message).toMatch(/decoder\.(embedding|out)\.weight/);
    expect(err.message).toMatch(/\[11, ?4\]/);
    expect(err.message).toMatch(/\[12, ?4\]/);
  });

  it('a missing tensor', () => {
    const dir = saveSmall();
    rewriteWeights(dir, (list) =>
      list.splice(
        list.findIndex((t) => t.name === 'decoder.out.bias'),
        1,
      ),
    );
    const err = loadError(dir);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/model\.safetensors.*decoder\.out\.bias.*missing/);
  });

  it('an extra tensor', () => {
    const dir = saveSmall();
    rewriteWeights(dir, (list) => list.push({ name: 'decoder.mystery.weight', shape: [2], data: new Float32Array(2) }));
    const err = loadError(dir);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/model\.safetensors.*decoder\.mystery\.weight/);
  });

  it('an unknown config key, and a missing directory', () => {
    const dir = saveSmall();
    rewriteConfig(dir, (m) => (m.hiddenSise = 5));
    const err = loadError(dir);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/config\.json.*hiddenSise/);
    expect(loadError(join(root, 'does-not-exist'))).toBeInstanceOf(InputError);
  });
});
