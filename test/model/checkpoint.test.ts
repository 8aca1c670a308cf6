import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { randomBatch } from '../../src/model/gradcheck.js';
import { writeSafetensors } from '../../src/model/safetensors.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Rng } from '../../src/util/rng.js';

const root = mkdtempSync(join(tmpdir(), 'seq2seq-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = {
  cell: 'lstm',
  attention: 'luong-general',
  srcVocabSize: 12,
  tgtVocabSize: 9,
  embeddingSize: 4,
  hiddenSize: 5,
  encoderLayers: 2,
  bidirectional: true,
  inputFeeding: true,
} as const;

describe('checkpoints', () => {
  it('a saved model reloads bit-identically (every tensor, and the same loss)', () => {
    const model = new Seq2Seq(config, new Rng(3));
    const dir = join(root, 'a');
    saveModel(dir, model);
    const back = loadModel(dir);
    expect(back.config).toEqual(model.config);
    expect(back.params.map((p) => p.name)).toEqual(model.params.map((p) => p.name));
    model.params.forEach((p, i) => {
      const q = back.params[i];
      expect(q.shape).toEqual(p.shape);
      expect(
        Buffer.from(q.value.buffer, q.value.byteOffset, q.value.byteLength).equals(
          Buffer.from(p.value.buffer, p.value.byteOffset, p.value.byteLength),
        ),
      ).toBe(true);
    });
    const batch = randomBatch(new Rng(1), 4, 5, 12, 9);
    expect(back.loss(batch).loss).toBe(model.loss(batch).loss);
    const doc = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(doc.format).toBe('seq2seq');
    expect(doc.model.cell).toBe('lstm');
  });

  it("keeps other top-level keys of an existing config.json (the trainer's settings)", () => {
    const dir = join(root, 'keep');
    saveModel(dir, new Seq2Seq(config, new Rng(1)));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), train: { lr: 0.001 } }));
    saveModel(dir, new Seq2Seq(config, new Rng(2)));
    expect(JSON.parse(readFileSync(path, 'utf8')).train).toEqual({ lr: 0.001 });
  });

  it('a tensor whose shape does not match the config is an InputError naming file and tensor', () => {
    const dir = join(root, 'b');
    saveModel(dir, new Seq2Seq(config, new Rng(3)));
    const path = join(dir, 'config.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.model.hiddenSize = 6;
    writeFileSync(path, JSON.stringify(doc));
    expect(() => loadModel(dir)).toThrow(InputError);
    expect(() => loadModel(dir)).toThrow(
      /model\.safetensors: tensor encoder\.rnn\.weight_ih_l0 has shape \[20,4\], the config needs \[24,4\]/,
    );
  });

  it('missing, unexpected or corrupt tensors and configs are InputErrors', () => {
    const dir = join(root, 'c');
    const model = new Seq2Seq(config, new Rng(3));
    saveModel(dir, model);
    const weights = join(dir, 'model.safetensors');
    const tensors = model.params.map((p) => ({ name: p.name, shape: p.shape, data: p.value }));
    writeSafetensors(weights, tensors.slice(1));
    expect(() => loadModel(dir)).toThrow(/tensor encoder\.embedding\.weight is missing/);
    writeSafetensors(weights, [...tensors, { name: 'extra', shape: [1], data: new Float32Array(1) }]);
    expect(() => loadModel(dir)).toThrow(/unexpected tensor extra/);
    const full = readFileSync(join(root, 'a', 'model.safetensors'));
    writeFileSync(weights, full.subarray(0, full.length - 10));
    expect(() => loadModel(dir)).toThrow(InputError);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    expect(() => loadModel(dir)).toThrow(/config\.json: not valid JSON/);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ format: 'seq2seq', version: 1, model: { ...config, cell: 'tree' } }),
    );
    expect(() => loadModel(dir)).toThrow(/config\.json: model: cell/);
    expect(() => loadModel(join(root, 'nope'))).toThrow(/model directory not found/);
  });
});
