/**
 * train_ddp.py reproduces `seq2seq train`'s bookkeeping exactly, so that a run moves between the two:
 * the random generator (xoshiro128**), the batcher's plan of every epoch and its fingerprint (which
 * `train --resume` checks), the learning-rate schedule, and the tables of default settings and presets.
 * Each is computed by the Python port (python/seq2seq_torch) and compared with the TypeScript original.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Batcher, type EncodedPair } from '../../src/data/batcher.js';
import { ID_FORMAT, writeIdShard } from '../../src/data/id-shards.js';
import { DEFAULTS } from '../../src/train/config.js';
import { PRESETS } from '../../src/train/presets.js';
import { LrSchedule } from '../../src/train/schedule.js';
import { Rng } from '../../src/util/rng.js';
import { runPython, torchMissing } from './twin.js';

const missing = await torchMissing();
const dir = mkdtempSync(join(tmpdir(), 'twin-ports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function py(code: string, input = ''): Promise<unknown> {
  const r = await runPython(['-c', code], { input });
  if (r.code !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(missing !== null)('the Python ports equal the TypeScript originals', () => {
  it('Rng: the same 32-bit numbers and shuffles from the same seeds', async () => {
    const seeds = [0, 1, 7, 12345, 0xffffffff];
    const theirs = (await py(`
import json
from seq2seq_torch.batching import Rng
out = []
for seed in ${JSON.stringify(seeds)}:
    r = Rng(seed)
    nums = [r.next_u32() for _ in range(50)]
    a = list(range(30)); r.shuffle(a)
    out.append({'nums': nums, 'shuffled': a, 'state': r.state()[:4]})
print(json.dumps(out))`)) as { nums: number[]; shuffled: number[]; state: number[] }[];
    seeds.forEach((seed, k) => {
      const r = new Rng(seed);
      const nums = Array.from({ length: 50 }, () => r.nextUint32());
      const a = Array.from({ length: 30 }, (_, i) => i);
      r.shuffle(a);
      expect(theirs[k]).toEqual({ nums, shuffled: a, state: r.getState().slice(0, 4) });
    });
  });

  it('Batcher: the same batches in every epoch and the same fingerprint (filters, caps, empty sources)', async () => {
    const rng = new Rng(3);
    const pairs: EncodedPair[] = Array.from({ length: 700 }, (_, id) => ({
      src: Int32Array.from({ length: id % 97 === 0 ? 0 : 1 + rng.int(40) }, () => 4 + rng.int(50)),
      tgt: Int32Array.from({ length: rng.int(45) }, () => 4 + rng.int(50)),
      id,
    }));
    writeIdShard(join(dir, 'train-00000.safetensors'), pairs.slice(0, 400), {});
    writeIdShard(join(dir, 'train-00001.safetensors'), pairs.slice(400), {});
    const index = {
      format: ID_FORMAT,
      version: 1,
      tokenizers: { src: 't.json', tgt: 't.json' },
      vocab: { src: 60, tgt: 60 },
      splits: {
        train: {
          shards: [
            { file: 'train-00000.safetensors', pairs: 400 },
            { file: 'train-00001.safetensors', pairs: 300 },
          ],
        },
      },
    };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    const settings = [
      { maxTokens: 300, seed: 1 },
      { maxTokens: 500, maxSentences: 7, seed: 42, maxSrcLen: 30, maxTgtLen: 35 },
      { maxTokens: 2000, seed: 0xfffffffe, maxSrcLen: 25 },
    ];
    const theirs = (await py(`
import json
from seq2seq_torch.batching import Batcher
from seq2seq_torch.ids import load_split
split = load_split(${JSON.stringify(dir)}, 'train')
out = []
for s in ${JSON.stringify(settings)}:
    b = Batcher(split, s['maxTokens'], s.get('maxSentences'), s.get('maxSrcLen'), s.get('maxTgtLen'), s['seed'])
    plans = [[[b.kept[i] for i in batch] for batch in b.plan_for(e)] for e in range(3)]
    out.append({'plans': plans, 'state': b.state(), 'filtered': b.filtered})
print(json.dumps(out))`)) as { plans: number[][][]; state: unknown; filtered: number }[];
    settings.forEach((s, k) => {
      const b = new Batcher(pairs, s);
      expect(theirs[k].plans).toEqual([0, 1, 2].map((e) => b.planFor(e)));
      expect(theirs[k].state).toEqual(b.state());
      expect(theirs[k].filtered).toBe(b.filtered.total);
    });
    expect(new Set(settings.map((_, k) => (theirs[k].state as { fingerprint: string }).fingerprint)).size).toBe(3);
  });

  it('LrSchedule: the same rate at every step (warm-up, plateau decay, damping, annealing)', async () => {
    const cases = [
      { kind: 'inverse-sqrt', lr: 0.002, warmupSteps: 8, anneal: 0.3, minLr: 1e-5 },
      { kind: 'plateau', lr: 0.001, factor: 0.5, patience: 2, minLr: 1e-4 },
      { kind: 'constant', lr: 0.003, anneal: 0.5 },
    ] as const;
    const scores = [1, 2, 2, 1, 3, 3, 3, 3, 0, 4];
    const theirs = (await py(`
import json
from seq2seq_torch.schedule import LrSchedule
out = []
for c in ${JSON.stringify(cases)}:
    s = LrSchedule(c['kind'], c['lr'], c.get('warmupSteps', 0), c.get('factor', 0.5), c.get('patience', 2),
                   c.get('minLr', 0), c.get('anneal', 0))
    rates = []
    for i, score in enumerate(${JSON.stringify(scores)}):
        rates.append([s.lr_at(step, step / 40) for step in range(4 * i + 1, 4 * i + 5)])
        rates.append(s.observe(score))
        if i == 6: s.dampen(0.5)
    out.append({'rates': rates, 'state': s.state()})
print(json.dumps(out))`)) as unknown[];
    cases.forEach((c, k) => {
      const s = new LrSchedule({ ...c });
      const rates: unknown[] = [];
      scores.forEach((score, i) => {
        rates.push([1, 2, 3, 4].map((d) => s.lrAt(4 * i + d, (4 * i + d) / 40)));
        rates.push(s.observe(score));
        if (i === 6) s.dampen(0.5);
      });
      expect(theirs[k]).toEqual({ rates, state: s.state() });
    });
  });

  it('settings: the same defaults and presets as `seq2seq train`', async () => {
    const theirs = await py('from seq2seq_torch.settings import tables_json; print(tables_json())');
    expect(theirs).toEqual({ defaults: DEFAULTS, presets: PRESETS });
  });
});
