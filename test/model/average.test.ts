/**
 * Checkpoint averaging (src/model/average.ts) and kept checkpoints (run-dir.ts writeKeptCheckpoint,
 * listKept, repairRun): weights with known values are written as kept checkpoints of a tiny run and
 * the average is compared with means computed by hand; --best picks by the recorded validation
 * BLEU; pruning keeps the newest N; --resume's repair removes temporaries, puts back a stranded
 * .old and drops kept checkpoints newer than the resumed step.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { averageRun, averageWeights, selectKept } from '../../src/model/average.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { KEPT_DIR, listKept, loadRun, repairRun, writeKeptCheckpoint } from '../../src/model/run-dir.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Rng } from '../../src/util/rng.js';
import { makeTinyRun } from '../decode/tiny-run.js';

const root = mkdtempSync(join(tmpdir(), 'seq2seq-average-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
async function freshRun(): Promise<{ dir: string; model: Seq2Seq }> {
  const dir = await makeTinyRun(join(root, `run${counter++}`));
  return { dir, model: loadRun(dir).model as Seq2Seq };
}

/** Sets every parameter element j (counted across all tensors, in order) to f(j). */
function fill(model: Seq2Seq, f: (j: number) => number): void {
  let j = 0;
  for (const p of model.params) for (let i = 0; i < p.value.length; i++) p.value[i] = f(j++);
}

function averagedValues(dir: string, names: string[]): number[] {
  const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
  return names.flatMap((n) => [...tensors.get(n)!.data]);
}

describe('checkpoint averaging', () => {
  it('two checkpoints: the element-wise mean, computed by hand', async () => {
    const { dir, model } = await freshRun();
    fill(model, (j) => j * 0.5 + 1);
    writeKeptCheckpoint(dir, 100, model, { validation: { bleu: 1 } }, 5);
    fill(model, (j) => j * 0.5 + 3);
    writeKeptCheckpoint(dir, 200, model, { validation: { bleu: 2 } }, 5);
    const r = averageRun(dir, { by: 'last', n: 5 });
    expect(r.steps).toEqual([100, 200]);
    expect(r.out).toBe(join(dir, 'averaged'));
    const names = model.params.map((p) => p.name);
    const got = averagedValues(r.out, names);
    // (j/2 + 1 + j/2 + 3) / 2 = j/2 + 2, exact in float32 for these j
    expect(got).toEqual(got.map((_, j) => j * 0.5 + 2));
    // translate/eval load it through the run, like best/
    const run = loadRun(join(dir, 'averaged'));
    expect(run.dir).toBe(dir);
    expect(run.checkpoint).toBe(join(dir, 'averaged'));
    expect(run.model.params[0].value[3]).toBe(3.5);
    const doc = JSON.parse(readFileSync(join(dir, 'averaged', 'config.json'), 'utf8'));
    expect(doc).toMatchObject({
      kind: 'checkpoint',
      step: 200,
      averaged: { steps: [100, 200], selection: 'last 5', validationBleu: [1, 2] },
    });
  });

  it('three checkpoints: 7/3 rounded once to float32, and float64 accumulation (2²⁴ + 1 + 1 is not lost)', async () => {
    const { dir, model } = await freshRun();
    const values = [
      [16777216, 1],
      [1, 2],
      [1, 4],
    ];
    values.forEach(([first, rest], k) => {
      fill(model, (j) => (j === 0 ? first : rest));
      writeKeptCheckpoint(dir, (k + 1) * 10, model, { validation: { bleu: k } }, 3);
    });
    const tensors = averageWeights(listKept(dir).map((k) => k.dir));
    // element 0: (16777216 + 1 + 1) / 3 = 5592406 exactly (float32 sums would give 2²⁴ + 1 → 2²⁴, then 5592405.5)
    expect(tensors[0].data[0]).toBe(5592406);
    // every other element: (1 + 2 + 4) / 3 = 7/3 as float32
    expect(tensors[0].data[1]).toBe(Math.fround(7 / 3));
    expect(tensors[tensors.length - 1].data[0]).toBe(Math.fround(7 / 3));
    expect(tensors.map((t) => t.name)).toEqual(model.params.map((p) => p.name));
  });

  it('--last N takes the newest N; --best N the N highest validation BLEU (ties: the newer)', async () => {
    const { dir, model } = await freshRun();
    const bleu = { 100: 10, 200: 30, 300: 20, 400: 25, 500: 20 } as Record<number, number>;
    for (const step of [100, 200, 300, 400, 500]) {
      fill(model, () => step);
      writeKeptCheckpoint(dir, step, model, { validation: { bleu: bleu[step], chrf: 0 } }, 10);
    }
    expect(selectKept(dir, { by: 'last', n: 2 }).map((k) => k.step)).toEqual([400, 500]);
    expect(selectKept(dir, { by: 'last', n: 9 }).map((k) => k.step)).toEqual([100, 200, 300, 400, 500]);
    expect(selectKept(dir, { by: 'best', n: 2 }).map((k) => k.step)).toEqual([200, 400]);
    expect(selectKept(dir, { by: 'best', n: 3 }).map((k) => k.step)).toEqual([200, 400, 500]);
    const r = averageRun(dir, { by: 'best', n: 2 }, join(dir, 'avg-best2'));
    expect(r.steps).toEqual([200, 400]);
    expect(averagedValues(join(dir, 'avg-best2'), [model.params[0].name]).every((v) => v === 300)).toBe(true);
  });

  it('--out outside the run: a standalone run directory that loads on its own', async () => {
    const { dir, model } = await freshRun();
    fill(model, () => 2);
    writeKeptCheckpoint(dir, 1, model, {}, 2);
    fill(model, () => 4);
    writeKeptCheckpoint(dir, 2, model, {}, 2);
    const out = join(root, 'standalone');
    averageRun(dir, { by: 'last', n: 2 }, out);
    const run = loadRun(out);
    expect(run.dir).toBe(out);
    expect(run.model.params.every((p) => p.value.every((v) => v === 3))).toBe(true);
    expect(() => averageRun(dir, { by: 'last', n: 2 }, out)).toThrow(
      `${out}: directory is not empty (choose another --out)`,
    );
  });

  it('refuses checkpoints whose configs or tensors differ, naming the file', async () => {
    const { dir, model } = await freshRun();
    writeKeptCheckpoint(dir, 1, model, {}, 5);
    const other = new Seq2Seq({ ...model.config, hiddenSize: model.config.hiddenSize + 2 }, new Rng(1));
    writeKeptCheckpoint(dir, 2, other, {}, 5);
    const [a, b] = listKept(dir).map((k) => k.dir);
    expect(() => averageWeights([a, b])).toThrow(InputError);
    expect(() => averageWeights([a, b])).toThrow(
      `${b}/config.json: model hiddenSize ${model.config.hiddenSize + 2}, but ${model.config.hiddenSize} in ${a}/config.json`,
    );
    // the same config, but weights of the other size: the shapes differ
    writeFileSync(join(b, 'config.json'), readFileSync(join(a, 'config.json')));
    expect(() => averageWeights([a, b])).toThrow(/\/step-00000002\/model\.safetensors: tensor \S+ has shape \[/);
  });

  it('no kept checkpoints: one line naming the directory', async () => {
    const { dir } = await freshRun();
    expect(() => averageRun(dir, { by: 'last', n: 5 })).toThrow(
      `${join(dir, KEPT_DIR)}: no kept checkpoints (train with --keep-checkpoints N to keep the weights of the newest N validations)`,
    );
    expect(existsSync(join(dir, 'averaged'))).toBe(false);
  });
});

describe('kept checkpoints', () => {
  it('keep N: only the newest N step directories remain, and no temporaries', async () => {
    const { dir, model } = await freshRun();
    for (const step of [5, 10, 15, 20, 25]) writeKeptCheckpoint(dir, step, model, { validation: { bleu: step } }, 3);
    expect(readdirSync(join(dir, KEPT_DIR)).sort()).toEqual(['step-00000015', 'step-00000020', 'step-00000025']);
    const doc = JSON.parse(readFileSync(join(dir, KEPT_DIR, 'step-00000025', 'config.json'), 'utf8'));
    expect(doc).toMatchObject({ kind: 'checkpoint', step: 25, validation: { bleu: 25 } });
  });

  it('resume repair: temporaries of dead processes removed, a stranded .old put back, steps after the resumed one dropped', async () => {
    const { dir, model } = await freshRun();
    for (const step of [10, 20, 30, 40]) writeKeptCheckpoint(dir, step, model, {}, 10);
    const k = join(dir, KEPT_DIR);
    mkdirSync(join(k, '.step-00000050.tmp-999999999')); // a kill while writing step 50
    mkdirSync(join(k, '.step-00000005.tmp-999999999-del')); // a kill while pruning step 5
    renameSync(join(k, 'step-00000020'), join(k, '.step-00000020.old')); // a kill between the two renames
    expect(listKept(dir).map((c) => c.step)).toEqual([10, 20, 30, 40]); // readers see the .old
    const did = repairRun(dir, 30);
    expect(readdirSync(k).sort()).toEqual(['step-00000010', 'step-00000020', 'step-00000030']);
    expect(did).toEqual(
      expect.arrayContaining([
        `${KEPT_DIR}/.step-00000050.tmp-999999999`,
        `${KEPT_DIR}/.step-00000020.old`,
        `${KEPT_DIR}/step-00000040`,
      ]),
    );
  });
});
