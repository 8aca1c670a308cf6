/**
 * Distributed for real (issue 22): python/seq2seq_torch/train_ddp.py on two ranks with gloo on this machine,
 * started with torchrun's environment contract (MASTER_ADDR, MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE). The
 * run the ranks write is loaded by `seq2seq translate`, `inspect`, `eval` and `train --resume`; our greedy
 * translations equal the twin's on the same weights; weights survive ours → PyTorch → ours bit for bit.
 * test/long/ddp.long.ts adds torchrun itself and a step-by-step comparison of the two trainers.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSource } from '../../src/decode/translator.js';
import { saveModel } from '../../src/model/checkpoint.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Tokenizer } from '../../src/text/tokenizer.js';
import { Rng } from '../../src/util/rng.js';
import { greedyEvalArgs } from '../helpers/run-cli.js';
import { DEMO, cli, demoIds, history, launchRanks } from './ddp-setup.js';
import { runPython, torchMissing } from './twin.js';

const missing = await torchMissing();
const work = mkdtempSync(join(tmpdir(), 'twin-ddp-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(missing !== null)('train_ddp.py: two ranks with gloo, and back to seq2seq', () => {
  const run = join(work, 'run-ddp');

  beforeAll(() => demoIds(work), 180_000);

  it('two ranks train 30 steps on the demo corpus: the loss falls, rank 0 writes a run directory', async () => {
    const ranks = await launchRanks(work, 2, [
      '--ids',
      'ids',
      '--out',
      run,
      '--preset',
      'tiny',
      '--max-steps',
      '30',
      '--eval-every',
      '15',
      '--log-every',
      '10',
    ]);
    for (const r of ranks) expect(r.code, r.out).toBe(0);
    expect(ranks[0].out).toContain('2 process(es) on cpu');
    for (const f of [
      'config.json',
      'tokenizer.json',
      'model.safetensors',
      'history.jsonl',
      'best/model.safetensors',
      'last/model.safetensors',
      'last/train-state/state.json',
      'last/train-state/optimizer.safetensors',
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const ev = history(run);
    const steps = ev.filter((e) => e.type === 'step');
    const evals = ev.filter((e) => e.type === 'eval');
    expect(steps.map((e) => e.step)).toEqual([1, 10, 20, 30]);
    expect(evals.map((e) => e.step)).toEqual([15, 30]);
    expect(steps[3].loss!).toBeLessThan(steps[0].loss! - 0.5); // ln(1000) ≈ 6.9 nats at the start
    expect(evals[1].loss!).toBeLessThan(evals[0].loss!);
    const state = JSON.parse(readFileSync(join(run, 'last', 'train-state', 'state.json'), 'utf8'));
    expect(state).toMatchObject({
      version: 1,
      step: 30,
      optimizer: { kind: 'adam', t: 30 },
      batcher: { epoch: 0, index: 30 },
    });
  }, 300_000);

  it("seq2seq translate loads it; its greedy output on 100 sentences = the twin's greedy", async () => {
    const lines = readFileSync(join(DEMO, 'valid.en'), 'utf8').split('\n').slice(0, 100);
    writeFileSync(join(work, 'in.txt'), lines.join('\n') + '\n');
    const ours = (await cli(work, ['translate', '--model', run, '--beam', '1', '-i', 'in.txt'])).stdout
      .split('\n')
      .slice(0, -1);
    const tok = Tokenizer.load(join(run, 'tokenizer.json'));
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    const sources = lines.map((l) => Array.from(encodeSource(tok, l, config.model.maxSourceLength).ids));
    const r = await runPython(['-m', 'seq2seq_torch.tool', 'greedy', run], { input: JSON.stringify(sources) });
    expect(r.code, r.stderr).toBe(0);
    const theirs = (JSON.parse(r.stdout) as number[][]).map((ids) => tok.decode(ids));
    expect(ours).toHaveLength(100);
    expect(theirs).toEqual(ours);
    expect(new Set(ours).size).toBeGreaterThan(1); // not one fixed output for every input
  }, 120_000);

  it('inspect and eval read the run (the same validation perplexity); train --resume continues it', async () => {
    const inspect = await cli(work, ['inspect', run, '--format', 'json']);
    expect(JSON.parse(inspect.stdout)).toMatchObject({
      checkpoints: { best: { step: 30 }, last: { step: 30 } },
      training: { bestMetric: 'loss', preset: 'tiny' },
    });
    expect((await cli(work, ['inspect', run])).stdout).toMatch(/^ {6}30 +\d\.\d{3} +[\d.]+ +– +– +best$/m);
    // seq2seq eval's perplexity of the valid set = the one the twin measured at step 30 (the best checkpoint)
    const ev = JSON.parse((await cli(work, greedyEvalArgs(run, join(DEMO, 'valid')))).stdout);
    expect(ev.pairs).toBe(1000);
    const twinPpl = history(run)
      .filter((e) => e.type === 'eval')
      .pop()!.ppl as number;
    expect(Math.abs(ev.perplexity.perplexity - twinPpl) / twinPpl).toBeLessThan(1e-5);
    const resumed = join(work, 'run-ddp-resumed');
    cpSync(run, resumed, { recursive: true });
    const r = await cli(work, ['train', '--resume', resumed, '--max-steps', '35', '--log-format', 'json']);
    expect(r.stderr).toContain('"resumed":true');
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ step: 35, reason: 'max-steps' });
  }, 180_000);

  it('ours → PyTorch → ours keeps every weight bit-exact (LSTM/Luong, tied, 2-layer bi-GRU)', async () => {
    const configs: ModelConfigInput[] = [
      {
        cell: 'gru',
        srcVocabSize: 40,
        tgtVocabSize: 30,
        embeddingSize: 8,
        hiddenSize: 12,
        encoderLayers: 2,
        decoderLayers: 2,
      },
      {
        cell: 'lstm',
        srcVocabSize: 40,
        tgtVocabSize: 30,
        embeddingSize: 8,
        hiddenSize: 12,
        attention: 'luong-general',
        inputFeeding: true,
        bidirectional: false,
      },
      {
        cell: 'rnn',
        srcVocabSize: 40,
        tgtVocabSize: 30,
        embeddingSize: 8,
        hiddenSize: 12,
        attention: 'none',
        preOutputSize: 8,
        tiedTargetEmbeddings: true,
      },
    ];
    for (const [k, config] of configs.entries()) {
      const dir = join(work, `rt-${k}`);
      saveModel(dir, new Seq2Seq(config, new Rng(11 + k)));
      const out = join(dir, 'back.safetensors');
      const r = await runPython([
        '-m',
        'seq2seq_torch.tool',
        'roundtrip',
        join(dir, 'model.safetensors'),
        join(dir, 'config.json'),
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const a = readSafetensors(join(dir, 'model.safetensors')).tensors;
      const b = readSafetensors(out).tensors;
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [name, t] of a) {
        expect(b.get(name)!.shape, name).toEqual(t.shape);
        expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
      }
    }
  });
});
