/**
 * Pins the per-step training losses of short fixed-seed runs (forward, BPTT, per-token gradients,
 * clipping, Adam) of five configurations — attention of every kind, pre-output or none, input
 * feeding, tied embeddings, dropout, word and memory dropout, label smoothing — to the values the
 * code computed before the packed layout of issue 20 (commit e3915d8, the padded layout with masks):
 * the refactoring must not change the mathematics, and neither may later speed work, beyond
 * float32 summation order (1e-5 relative; the two backends differ by about 1e-6 after 12 steps).
 * The values come from the TypeScript backend of e3915d8, running exactly the `trace` procedure
 * below against that tree's dist/ (bench-style script, same batches, seeds and updates).
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import type { ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { Backend } from '../../src/tensor/backend.js';
import { createNativeBackend, getBackend, setBackend } from '../../src/tensor/index.js';
import { jsBackend } from '../../src/tensor/js-backend.js';
import { Adam } from '../../src/train/adam.js';
import { clipGradNorm, scaleGrads } from '../../src/train/clip.js';
import { Rng } from '../../src/util/rng.js';

const base = { srcVocabSize: 30, tgtVocabSize: 28, embeddingSize: 8, hiddenSize: 10, attentionSize: 9 };
const CONFIGS: Record<string, ModelConfigInput> = {
  'gru bahdanau, dropouts, label smoothing': {
    ...base,
    cell: 'gru',
    attention: 'bahdanau',
    preOutputSize: 9,
    dropout: 0.2,
    wordDropout: 0.1,
    memoryDropout: 0.1,
    labelSmoothing: 0.1,
  },
  'lstm luong-general 2L, input feeding, tied': {
    ...base,
    cell: 'lstm',
    attention: 'luong-general',
    encoderLayers: 2,
    decoderLayers: 2,
    inputFeeding: true,
    tiedTargetEmbeddings: true,
    preOutputSize: 8,
    dropout: 0.2,
    labelSmoothing: 0.1,
  },
  'gru bahdanau 2L uni, input feeding': {
    ...base,
    cell: 'gru',
    attention: 'bahdanau',
    encoderLayers: 2,
    decoderLayers: 2,
    bidirectional: false,
    inputFeeding: true,
    dropout: 0.2,
  },
  'lstm luong-dot': {
    ...base,
    cell: 'lstm',
    attention: 'luong-dot',
    encoderHiddenSize: 5,
    dropout: 0.1,
    memoryDropout: 0.2,
  },
  'rnn none, no pre-output': {
    ...base,
    cell: 'rnn',
    attention: 'none',
    bidirectional: false,
    preOutput: false,
    dropout: 0.1,
  },
};

// per-token training loss of steps 1 … 12, computed by e3915d8 (TypeScript backend)
const PINNED: Record<string, number[]> = {
  'gru bahdanau, dropouts, label smoothing': [
    3.3004411611713413, 3.3758856832873736, 3.3031136859871055, 3.2492740488125702, 3.0626819701812869,
    3.139538342358462, 3.1529860619623604, 3.073981808507193, 2.7778262544261239, 2.9561008200241212,
    3.0216515140716793, 2.9387997861958861,
  ],
  'lstm luong-general 2L, input feeding, tied': [
    3.424790400630906, 3.4132582881500788, 3.4012831636405481, 3.3533665265636414, 3.2917692707050481,
    3.2871153709604215, 3.3084749908856992, 3.1993847439917178, 3.1450831783409403, 3.2771668335001745,
    3.1359728637721207, 2.9704167831244446,
  ],
  'gru bahdanau 2L uni, input feeding': [
    3.4203579012550978, 3.413592987346449, 3.4430801811439307, 3.3166129159517257, 3.2241919530710716,
    3.2319565255525222, 3.3023598073467411, 3.1531183974494961, 3.1575436697103929, 3.1402226793562815,
    3.1991504653617175, 2.9833893505135745,
  ],
  'lstm luong-dot': [
    3.4838386031299859, 3.5176398198234025, 3.4507334166202352, 3.4457347082922425, 3.285509746466599,
    3.3805131947962508, 3.3184352757708009, 3.2134598000519019, 3.1018029138992542, 3.1253747577630961,
    3.1179702993094347, 3.0645773196671318,
  ],
  'rnn none, no pre-output': [
    3.3885331717403195, 3.3341213891317953, 3.298165603900479, 3.2292245181601342, 3.0795394554973021,
    3.1400328957591106, 3.0928420254700262, 2.9090653078035942, 2.8969251354567729, 2.9416713181480465,
    2.8731131754326915, 2.594411020708153,
  ],
};

/** Adam (lr 1e-2, clipping at 1) on 4 fixed batches of 7 unsorted pairs, the target a reversed part of the source. */
function trace(config: ModelConfigInput, steps: number): number[] {
  const rng = new Rng(21);
  const model = new Seq2Seq(config, rng);
  const adam = new Adam(model.params);
  const data = Array.from({ length: 4 }, () => {
    const src: number[][] = [];
    const tgt: number[][] = [];
    for (let i = 0; i < 7; i++) {
      const s = Array.from({ length: 1 + rng.int(7) }, () => 4 + rng.int(23));
      src.push(s);
      tgt.push(
        s
          .slice(0, 1 + rng.int(s.length))
          .reverse()
          .map((x) => x + 1),
      );
    }
    return makeBatch(src, tgt);
  });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    model.zeroGrad();
    const r = model.loss(data[step % data.length], { backward: true, train: true });
    scaleGrads(model.params, 1 / r.tokens);
    clipGradNorm(model.params, 1);
    adam.step(1e-2);
    losses.push(r.loss / r.tokens);
  }
  return losses;
}

const native = createNativeBackend();
const backends: [string, Backend][] = [['ts', jsBackend]];
if (native) backends.push(['native', native]);

describe('fixed-seed training losses equal those of the code before the packed layout (e3915d8)', () => {
  for (const [backendName, backend] of backends)
    for (const [name, config] of Object.entries(CONFIGS))
      it(`${backendName}: ${name}`, () => {
        const prev = getBackend();
        setBackend(backend);
        try {
          const losses = trace(config, PINNED[name].length);
          const want = PINNED[name];
          losses.forEach((l, i) => expect(Math.abs(l - want[i]) / want[i], `step ${i + 1}`).toBeLessThan(1e-5));
          // the runs learn, so the pinned values cover real updates
          expect(losses.at(-1)!).toBeLessThan(0.93 * losses[0]);
        } finally {
          setBackend(prev);
        }
      });
});
