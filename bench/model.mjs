// Training-step throughput of the Seq2Seq model (forward + BPTT, no optimiser) on random batches,
// with the time per backend kernel. Defaults: the reference model of shared/reference/performance.md
// (bi-GRU 512, Bahdanau, 8000/8000 vocabularies, 256 embeddings) at batch 64, lengths 14.
//   npm run bench:model -- [--cell gru] [--attention bahdanau] [--hidden 512] [--emb 256] [--vocab 8000]
//                          [--batch 64] [--src-len 14] [--tgt-len 14] [--spread 4] [--steps 3] [--backend js|native] [--by-shape]
import { makeBatch } from '../dist/data/batch.js';
import { Seq2Seq } from '../dist/model/seq2seq.js';
import { getBackend } from '../dist/tensor/index.js';
import { Rng } from '../dist/util/rng.js';
import { cliFlags } from './lib/args.mjs';

const { o } = cliFlags('npm run bench:model -- [flags]', {
  cell: { type: 'string', default: 'gru', help: 'rnn | gru | lstm' },
  attention: { type: 'string', default: 'bahdanau', help: 'none | bahdanau | luong-dot | luong-general' },
  hidden: { type: 'number', default: 512 },
  emb: { type: 'number', default: 256 },
  vocab: { type: 'number', default: 8000 },
  batch: { type: 'number', default: 64 },
  'src-len': { type: 'number', default: 14 },
  'tgt-len': { type: 'number', default: 14 },
  // lengths are drawn from [len − spread + 1, len] (src and tgt independently): --spread 22 with
  // --src-len 28 --tgt-len 28 gives about the padding of random Multi30k batches
  spread: { type: 'number', default: 4 },
  steps: { type: 'number', default: 3 },
  backend: { type: 'string', help: 'js | native (default: SEQ2SEQ_BACKEND, else native when built)' },
  'by-shape': { type: 'boolean', help: 'GEMM time split by transposes and shape (M×K×N, M printed when ≤ 64)' },
});
if (o.backend !== undefined) process.env.SEQ2SEQ_BACKEND = o.backend;
const H = o.hidden;
const E = o.emb;
const V = o.vocab;
const Bsz = o.batch;
const S = o['src-len'];
const T = o['tgt-len'];
const { steps, spread } = o;
const byShape = o['by-shape'] === true;
const config = {
  cell: o.cell,
  attention: o.attention,
  srcVocabSize: V,
  tgtVocabSize: V,
  embeddingSize: E,
  hiddenSize: H,
  attentionSize: H,
  preOutputSize: H,
  bidirectional: true,
};

const k = getBackend();
// time every kernel call
const stats = new Map();
for (const name of Object.keys(k)) {
  const f = k[name];
  if (typeof f !== 'function' || ['threads', 'setThreads'].includes(name)) continue;
  k[name] = (...a) => {
    const t0 = performance.now();
    const r = f(...a);
    const key =
      name === 'gemm' && byShape
        ? `gemm ${a[0] ? 'T' : 'N'}${a[1] ? 'T' : 'N'} ${a[2] <= 64 ? a[2] : 'M'}×${a[4]}×${a[3]}`
        : name;
    const s = stats.get(key) ?? { ms: 0, calls: 0 };
    s.ms += performance.now() - t0;
    s.calls++;
    if (name === 'gemm') s.flops = (s.flops ?? 0) + 2 * a[2] * a[3] * a[4];
    stats.set(key, s);
    return r;
  };
}

const rng = new Rng(1);
const model = new Seq2Seq(config, rng);
const seq = (n) => Array.from({ length: n }, () => 4 + rng.int(V - 4));
const batch = () => {
  const src = [],
    tgt = [];
  for (let b = 0; b < Bsz; b++) {
    src.push(seq(Math.max(1, S - rng.int(spread))));
    tgt.push(seq(Math.max(1, T - 1 - rng.int(spread))));
  }
  return makeBatch(src, tgt);
};
console.log(
  `backend ${k.name} (${k.threads()} thread(s)); ${config.cell} ${config.attention}, H ${H}, E ${E}, V ${V}, ${model.parameterCount.toLocaleString('en')} parameters; batch ${Bsz}, lengths ≤ ${S}/${T}`,
);
model.zeroGrad();
model.loss(batch(), { backward: true }); // warm-up
stats.clear();
let tokens = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const b = batch();
  model.zeroGrad();
  tokens += model.loss(b, { backward: true }).tokens;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
// CPU time: on a shared machine a 1-thread run's CPU time is steadier than its wall time
console.log(
  `${steps} steps, ${tokens} target tokens in ${(ms / 1000).toFixed(2)} s: ${(tokens / (ms / 1000)).toFixed(1)} target tokens/s; CPU ${(cpuMs / 1000).toFixed(2)} s (${(tokens / (cpuMs / 1000)).toFixed(1)} tokens per CPU-second)`,
);
let kernelMs = 0,
  gemmMs = 0,
  gemmFlops = 0;
for (const s of stats.values()) {
  kernelMs += s.ms;
  if (s.flops) {
    gemmMs += s.ms;
    gemmFlops += s.flops;
  }
}
console.log(
  `GEMM ${((100 * gemmMs) / ms).toFixed(1)} % of the time, ${(gemmFlops / steps / 1e9).toFixed(1)} GFLOP per step at ${(gemmFlops / gemmMs / 1e6).toFixed(0)} GFLOP/s; ${(gemmFlops / tokens / 1e6).toFixed(1)} MFLOP per target token, ${(gemmFlops / ms / 1e6).toFixed(0)} GFLOP/s over the whole step`,
);
console.log(
  `kernels ${((100 * kernelMs) / ms).toFixed(1)} % of the time, the rest (TypeScript glue: copies, views, loops) ${((100 * (ms - kernelMs)) / ms).toFixed(1)} %`,
);
for (const [name, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms))
  console.log(
    `  ${name.padEnd(28)} ${((100 * s.ms) / ms).toFixed(1).padStart(5)} %  ${String(s.calls).padStart(7)} calls${s.flops ? `${(s.flops / s.ms / 1e6).toFixed(0).padStart(6)} GFLOP/s` : ''}`,
  );
