/**
 * The independent check of our BPTT: for every configuration `seq2seq gradcheck` covers (src/model/gradcheck.ts:
 * each cell × attention × uni/bidirectional × 1–2 layers, plus input feeding + label smoothing, no pre-output
 * and tied embeddings), on the gradcheck's own weights and batch, PyTorch autograd through the twin
 * (python/seq2seq_torch/model.py, in float64) gives the same loss and the same gradient of every parameter as
 * our hand-written backward — on the TypeScript backend (float64 and float32) and on the native one (float32).
 * Dropout is off here, as in the gradient check; test/python/twin-dropout.test.ts applies our dropout masks.
 */
import { describe, expect, it } from 'vitest';
import { gradcheckCases, randomBatch } from '../../src/model/gradcheck.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { withFloat64 } from '../../src/nn/alloc.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { Rng } from '../../src/util/rng.js';
import { relativeNormError, torchMissing, twinGrads, type TwinGrads, weightsAndGrads } from './twin.js';

const SEED = 1;
const missing = await torchMissing();

interface Ours {
  name: string;
  config: Record<string, unknown>;
  weights: Record<string, number[]>;
  batch: Record<string, unknown>;
  loss: number;
  nll: number;
  tokens: number;
  grads: Record<string, number[]>;
}

/** The gradcheck's model and batch for `seed`, our loss and gradients (the current backend and buffer type). */
function ours(): Ours[] {
  return gradcheckCases().map((c) => {
    const rng = new Rng(SEED);
    const model = new Seq2Seq({ ...c.config, dropout: 0 }, rng);
    const batch = randomBatch(rng, 3, 4, model.srcVocabSize, model.tgtVocabSize);
    model.zeroGrad();
    const r = model.loss(batch, { backward: true, train: false });
    const { weights, grads } = weightsAndGrads(model.params);
    const b = {
      size: batch.size,
      srcLen: batch.srcLen,
      tgtLen: batch.tgtLen,
      src: [...batch.src],
      srcLengths: [...batch.srcLengths],
      tgtIn: [...batch.tgtIn],
      tgtOut: [...batch.tgtOut],
    };
    return {
      name: c.name,
      config: model.config as unknown as Record<string, unknown>,
      weights,
      batch: b,
      loss: r.loss,
      nll: r.nll,
      tokens: r.tokens,
      grads,
    };
  });
}

/** The twin's autograd of our cases, given what it needs (their name, config, weights and batch). */
const autograd = (cases: Ours[]): Promise<TwinGrads[]> =>
  twinGrads(cases.map(({ name, config, weights, batch }) => ({ name, config, weights, batch })));

/**
 * Entry by entry: max_i |a_i − b_i| / max(|b_i|, 1e-3 · max_j |b_j|) — relative for every entry except those a
 * thousand times smaller than the tensor's largest, which are held to 1e-3 of it. For float64 runs.
 */
function entryError(a: number[], b: number[]): number {
  let scale = 0;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3 * scale, 1e-300);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

function compare(
  mine: Ours[],
  theirs: TwinGrads[],
  lossTol: number,
  gradTol: number,
  gradError: (a: number[], b: number[]) => number,
) {
  expect(theirs.map((t) => t.name)).toEqual(mine.map((m) => m.name));
  let worstLoss = 0;
  let worstGrad = 0;
  const failures: string[] = [];
  mine.forEach((m, k) => {
    const t = theirs[k];
    expect(t.tokens, m.name).toBe(m.tokens);
    const le = Math.abs(m.loss - t.loss) / Math.abs(t.loss);
    const ne = Math.abs(m.nll - t.nll) / Math.abs(t.nll);
    worstLoss = Math.max(worstLoss, le, ne);
    if (!(le <= lossTol && ne <= lossTol))
      failures.push(`${m.name}: loss ${m.loss} vs ${t.loss}, nll ${m.nll} vs ${t.nll}`);
    expect(Object.keys(t.grads).sort(), m.name).toEqual(Object.keys(m.grads).sort());
    for (const [name, g] of Object.entries(m.grads)) {
      const e = gradError(g, t.grads[name]);
      worstGrad = Math.max(worstGrad, e);
      if (!(e <= gradTol)) failures.push(`${m.name}: ${name} gradient error ${e.toExponential(2)}`);
    }
  });
  expect(failures).toEqual([]);
  return { worstLoss, worstGrad };
}

describe.skipIf(missing !== null)('PyTorch autograd through the twin = our BPTT, every gradcheck configuration', () => {
  it('covers all the gradcheck configurations', () => {
    expect(gradcheckCases().length).toBe(78);
  });

  it('TypeScript backend, float64: the loss and every entry of every gradient agree to 1e-9', async () => {
    const mine = withFloat64(() => ours());
    const r = compare(mine, await autograd(mine), 1e-12, 1e-9, entryError);
    process.stdout.write(
      `twin vs ours (js, float64): worst loss error ${r.worstLoss.toExponential(2)}, ` +
        `worst gradient error ${r.worstGrad.toExponential(2)}\n`,
    );
  });

  for (const backend of ['js', 'native'] as const) {
    const native = backend === 'native' ? createNativeBackend() : null;
    it.skipIf(backend === 'native' && native === null)(
      `${backend} backend, float32: loss within 1e-5 and every gradient within 1e-4 (relative, ‖Δg‖/‖g‖)`,
      async () => {
        const before = getBackend();
        setBackend(native ?? jsBackend);
        let mine: Ours[];
        try {
          mine = ours();
        } finally {
          setBackend(before);
        }
        // The gradient as a vector, ‖a − b‖₂ / ‖b‖₂: in float32, single entries that are sums of cancelling terms
        // (the softmax's α(dα − Σ α dα)) carry rounding of up to 1e-2 relative — in PyTorch's own float32
        // autograd as much as in ours (measured: 7e-3 either way).
        const r = compare(mine, await autograd(mine), 1e-5, 1e-4, relativeNormError);
        process.stdout.write(
          `twin vs ours (${backend}, float32): worst loss error ${r.worstLoss.toExponential(2)}, ` +
            `worst gradient error ${r.worstGrad.toExponential(2)}\n`,
        );
      },
    );
  }
});
