// Training-step throughput of the Seq2Seq model (forward + BPTT, no optimiser) on random batches,
// with the time per backend kernel. Defaults: the reference model of shared/reference/performance.md
// (bi-GRU 512, Bahdanau, 8000/8000 vocabularies, 256 embeddings) at batch 64, lengths 14.
//   npm run bench:model -- [--cell gru] [--attention bahdanau] [--hidden 512] [--emb 256] [--vocab 8000]
//                          [--batch 64] [--src-len 14] [--tgt-len 14] [--steps 3] [--backend js|native]
import { makeBatch } from '../dist/data/batch.js';
import { Seq2Seq } from '../dist/model/seq2seq.js';
import { getBackend } from '../dist/tensor/index.js';
import { Rng } from '../dist/util/rng.js';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const H = Number(opt('hidden', 512));
const E = Number(opt('emb', 256));
const V = Number(opt('vocab', 8000));
const Bsz = Number(opt('batch', 64));
const S = Number(opt('src-len', 14));
const T = Number(opt('tgt-len', 14));
const steps = Number(opt('steps', 3));
const config = { cell: opt('cell', 'gru'), attention: opt('attention', 'bahdanau'), srcVocabSize: V, tgtVocabSize: V, embeddingSize: E, hiddenSize: H, attentionSize: H, preOutputSize: H, bidirectional: true };

const k = getBackend();
// time every kernel call
const stats = new Map();
for (const name of Object.keys(k)) {
  const f = k[name];
  if (typeof f !== 'function' || ['threads', 'setThreads'].includes(name)) continue;
  k[name] = (...a) => {
    const t0 = performance.now();
    const r = f(...a);
    const s = stats.get(name) ?? { ms: 0, calls: 0 };
    s.ms += performance.now() - t0;
    s.calls++;
    stats.set(name, s);
    return r;
  };
}

const rng = new Rng(1);
const model = new Seq2Seq(config, rng);
const seq = (n) => Array.from({ length: n }, () => 4 + rng.int(V - 4));
const batch = () => {
  const src = [], tgt = [];
  for (let b = 0; b < Bsz; b++) {
    src.push(seq(Math.max(1, S - rng.int(4))));
    tgt.push(seq(Math.max(1, T - 1 - rng.int(4))));
  }
  return makeBatch(src, tgt);
};
console.log(`backend ${k.name} (${k.threads()} thread(s)); ${config.cell} ${config.attention}, H ${H}, E ${E}, V ${V}, ${model.parameterCount.toLocaleString('en')} parameters; batch ${Bsz}, lengths ≤ ${S}/${T}`);
model.zeroGrad();
model.loss(batch(), { backward: true }); // warm-up
stats.clear();
let tokens = 0;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const b = batch();
  model.zeroGrad();
  tokens += model.loss(b, { backward: true }).tokens;
}
const ms = performance.now() - t0;
console.log(`${steps} steps, ${tokens} target tokens in ${(ms / 1000).toFixed(2)} s: ${(tokens / (ms / 1000)).toFixed(1)} target tokens/s`);
let kernelMs = 0;
for (const s of stats.values()) kernelMs += s.ms;
console.log(`kernels ${((100 * kernelMs) / ms).toFixed(1)} % of the time, the rest (TypeScript glue: copies, views, loops) ${((100 * (ms - kernelMs)) / ms).toFixed(1)} %`);
for (const [name, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${name.padEnd(28)} ${((100 * s.ms) / ms).toFixed(1).padStart(5)} %  ${String(s.calls).padStart(7)} calls`);
