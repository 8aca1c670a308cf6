// Kernel throughput, TypeScript backend vs native backend side by side in one run: GEMM GFLOP/s
// per shape (forward and the transposed variants backward uses), native on 1 thread and on all
// threads, plus the fused kernels of the output layer and the optimiser.
//   npm run bench:kernels [-- --reps 5] [-- --no-js] [-- --threads N]
// The machine may be shared: each figure is the best of --reps repetitions (default 5).
import { createNativeBackend } from '../dist/tensor/index.js';
import { jsBackend } from '../dist/tensor/js-backend.js';
import { loadNative } from '../dist/tensor/native.js';
import { cpus } from 'node:os';
import { cliFlags } from './lib/args.mjs';
import { fmaPeakPerCore } from './lib/machine.mjs';

const { o } = cliFlags('npm run bench:kernels [-- --reps 5] [-- --no-js] [-- --threads N]', {
  reps: { type: 'number', default: 5, help: 'each figure is the best of this many repetitions' },
  'no-js': { type: 'boolean', help: 'skip the TypeScript backend' },
  threads: { type: 'number', default: cpus().length, help: 'threads of the "all threads" columns' },
});
const reps = o.reps;
const withJs = !o['no-js'];
const allThreads = o.threads;

const load = loadNative();
const native = createNativeBackend();
if (!native) console.log(`native backend unavailable: ${load.error} — TypeScript figures only`);
else console.log(`native addon: ${load.addon.buildInfo()}; ${allThreads} threads max; best of ${reps}`);
// the core's own ceiling: a GEMM figure means more beside it (machines of one kind differ: a Zen 4
// runs 512-bit FMAs at half the rate of a Zen 5)
const peak = native ? fmaPeakPerCore() : NaN;
if (native)
  console.log(
    `FMA peak of one core (register-only multiply-add loop): ${peak.toFixed(0)} GFLOP/s; ${allThreads} cores ≈ ${(allThreads * peak).toFixed(0)}`,
  );

function rand(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** best seconds per call of fn over `reps` timed batches (each ≈ ≥ 50 ms or one call) */
function time(fn, _flops, repsWanted) {
  fn(); // warm-up (packing buffers, threads, JIT)
  const once = process.hrtime.bigint();
  fn();
  const t1 = Number(process.hrtime.bigint() - once) / 1e9;
  const inner = Math.max(1, Math.min(1000, Math.round(0.05 / Math.max(t1, 1e-7))));
  let best = Infinity;
  for (let r = 0; r < repsWanted; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / inner);
  }
  return best;
}

const gemmShapes = [
  // [label, transA, transB, M, K, N]
  ['64×512×1536 X·W (NN)', false, false, 64, 512, 1536],
  ['64×512×1536 X·Wᵀ (NT, forward)', false, true, 64, 512, 1536],
  ['dW 1536×64×512 dYᵀ·X (TN)', true, false, 1536, 64, 512],
  ['64×256×768 (NN)', false, false, 64, 256, 768],
  ['64×256×768 (NT)', false, true, 64, 256, 768],
  ['960×512×8000 output (NT)', false, true, 960, 512, 8000],
  ['960×512×8000 (NN)', false, false, 960, 512, 8000],
  ['dX 960×8000×512 dY·W (NN)', false, false, 960, 8000, 512],
  ['dW 8000×960×512 dYᵀ·X (TN)', true, false, 8000, 960, 512],
  ['1×512×1536 decode (NN)', false, false, 1, 512, 1536],
  ['1×512×1536 decode (NT)', false, true, 1, 512, 1536],
  ['512×512×512 (NN)', false, false, 512, 512, 512],
];

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log('\nGEMM, GFLOP/s (C = op(A)·op(B), M×K×N)');
console.log(
  `${pad('shape', 34)}${lpad('ts', 8)}${lpad('native 1t', 11)}${lpad(`native ${allThreads}t`, 11)}${lpad('1t/ts', 8)}${lpad(`${allThreads}t/1t`, 8)}${lpad('1t/peak', 9)}`,
);
for (const [label, tA, tB, M, K, N] of gemmShapes) {
  const A = rand(M * K),
    B = rand(K * N),
    C = new Float32Array(M * N);
  const flops = 2 * M * N * K;
  const big = flops > 2e9;
  const js = withJs
    ? flops / time(() => jsBackend.gemm(tA, tB, M, N, K, 1, A, B, 0, C), flops, big ? 1 : Math.min(reps, 3)) / 1e9
    : NaN;
  let n1 = NaN,
    nAll = NaN;
  if (native) {
    native.setThreads(1);
    n1 = flops / time(() => native.gemm(tA, tB, M, N, K, 1, A, B, 0, C), flops, reps) / 1e9;
    native.setThreads(allThreads);
    nAll = flops / time(() => native.gemm(tA, tB, M, N, K, 1, A, B, 0, C), flops, reps) / 1e9;
  }
  const f = (x) => (Number.isNaN(x) ? '-' : x.toFixed(1));
  console.log(
    `${pad(label, 34)}${lpad(f(js), 8)}${lpad(f(n1), 11)}${lpad(f(nAll), 11)}${lpad(withJs ? (n1 / js).toFixed(0) + '×' : '-', 8)}${lpad((nAll / n1).toFixed(2), 8)}${lpad(Number.isNaN(peak) ? '-' : `${((100 * n1) / peak).toFixed(0)} %`, 9)}`,
  );
}

console.log('\nfused kernels, ms per call (ts | native all threads | ratio)');
const V = 8000,
  M = 960,
  Bsz = 64,
  H = 512;
const logits = rand(M * V).map((x) => x * 5),
  d = new Float32Array(M * V);
const targets = Int32Array.from({ length: M }, (_, i) => (i % 10 === 9 ? 0 : 4 + ((i * 7919) % (V - 4))));
const gi = rand(Bsz * 3 * H),
  gh = rand(Bsz * 3 * H),
  h = rand(Bsz * H),
  hn = new Float32Array(Bsz * H),
  gates = new Float32Array(Bsz * 3 * H);
const P = 15_550_000,
  p = rand(P),
  g = rand(P),
  m = new Float32Array(P),
  v = new Float32Array(P);
const dgi = new Float32Array(Bsz * 3 * H),
  dgh = new Float32Array(Bsz * 3 * H),
  dhp = new Float32Array(Bsz * H);
const fused = [
  ['softmaxCrossEntropy 960×8000, ε=0.1', (k) => k.softmaxCrossEntropy(M, V, logits, targets, 0, 0.1, d)],
  ['logSoftmax 960×8000', (k) => k.logSoftmax(M, V, logits, d)],
  ['gruForward 64×512', (k) => k.gruForward(Bsz, H, gi, gh, h, hn, gates)],
  ['gruBackward 64×512', (k) => k.gruBackward(Bsz, H, gates, gh, h, hn, dgi, dgh, dhp)],
  ['tanh 64×1536', (k) => k.tanh(gi, dgi)],
  ['transpose 1536×1280 (W_ih, once per pass)', (k) => k.transpose(1536, 1280, p, m)],
  ['adamStep 15.55 M parameters', (k) => k.adamStep(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0)],
];
for (const [label, fn] of fused) {
  const tj = withJs ? time(() => fn(jsBackend), 1, Math.min(reps, 3)) * 1e3 : NaN;
  const tn = native ? time(() => fn(native), 1, reps) * 1e3 : NaN;
  const f = (x) => (Number.isNaN(x) ? '-' : x < 0.1 ? x.toFixed(4) : x.toFixed(2));
  console.log(
    `${pad(label, 40)}${lpad(f(tj), 10)}${lpad(f(tn), 10)}${lpad(withJs && native ? (tj / tn).toFixed(0) + '×' : '-', 8)}`,
  );
}

// Decoding's output layer, C = X·Wᵀ + b with W 8,000×512 as Linear stores it: the fp32 product the decoder
// step runs today (NT: W packed on every call beyond 4 rows), the same product with W packed once
// (gemmPackedWeights: the same result to the bit), and the opt-in low-precision products (W packed once).
if (native) {
  const { int8PackedSize, bf16PackedSize } = await import('../dist/tensor/low-precision-layout.js');
  console.log(`\ndecoding output layer 512 → 8,000, native, ${allThreads} threads, ms per call`);
  console.log(`(low precision: ${load.addon.lowPrecisionPaths()})`);
  const widths = [10, 10, 10, 10, 11, 9, 9];
  const cells = (first, ...rest) => pad(first, 34) + rest.map((c, i) => lpad(c, widths[i])).join('');
  console.log(
    cells('rows (what decodes them)', 'fp32 NT', 'packed', 'int8', 'bf16', 'NT/packed', 'NT/int8', 'NT/bf16'),
  );
  native.setThreads(allThreads);
  const Kd = 512,
    Nd = 8000;
  const W = rand(Nd * Kd).map((x) => x * 0.05),
    bias = rand(Nd);
  const P = new Float32Array(native.packedWeightsSize(Nd, Kd));
  native.packWeights(Nd, Kd, W, P);
  const q = new Int8Array(int8PackedSize(Nd, Kd)),
    scales = new Float32Array(Nd),
    rowSums = new Int32Array(Nd);
  native.quantizeInt8(Nd, Kd, W, q, scales, rowSums);
  const Wb = new Uint16Array(bf16PackedSize(Nd, Kd));
  native.packBf16(Nd, Kd, W, Wb);
  const rowCounts = [
    [1, 'greedy, one sentence'],
    [5, 'beam 5, one sentence'],
    [64, 'greedy, batch 64'],
    [320, 'beam 5, batch 64'],
  ];
  for (const [Md, what] of rowCounts) {
    const X = rand(Md * Kd),
      C = new Float32Array(Md * Nd);
    const nt = time(() => native.gemm(false, true, Md, Nd, Kd, 1, X, W, 0, C), 1, reps) * 1e3;
    const pk = time(() => native.gemmPackedWeights(Md, Nd, Kd, 1, X, W, P, 0, C), 1, reps) * 1e3;
    const i8 = time(() => native.gemmInt8(Md, Nd, Kd, X, q, scales, rowSums, bias, C), 1, reps) * 1e3;
    const b16 = time(() => native.gemmBf16(Md, Nd, Kd, X, Wb, bias, C), 1, reps) * 1e3;
    const f = (x) => x.toFixed(3);
    const x = (t) => `${(nt / t).toFixed(1)}×`;
    console.log(cells(`${Md} (${what})`, f(nt), f(pk), f(i8), f(b16), x(pk), x(i8), x(b16)));
  }

  // The search's scan of the log-probabilities: log-softmax then the best k of each row (beam 5 keeps 2K = 10).
  console.log(`\nsearch over ${Nd} log-probabilities a row, native ${allThreads} threads, ms per call`);
  console.log(`${pad('rows', 34)}${lpad('logSoftmax', 12)}${lpad('rowTopK', 10)}${lpad('fused', 10)}`);
  for (const Md of [1, 5, 64, 320]) {
    const x = rand(Md * Nd).map((v) => v * 5),
      out = new Float32Array(Md * Nd);
    const base = new Float64Array(Md),
      values = new Float64Array(Md * 10),
      ids = new Int32Array(Md * 10);
    native.logSoftmax(Md, Nd, x, out);
    const ls = time(() => native.logSoftmax(Md, Nd, x, out), 1, reps) * 1e3;
    const tk = time(() => native.rowTopK(Md, Nd, out, 10, base, values, ids), 1, reps) * 1e3;
    const fu = time(() => native.logSoftmaxTopK(Md, Nd, x, out, 10, base, values, ids), 1, reps) * 1e3;
    console.log(`${pad(String(Md), 34)}${lpad(ls.toFixed(3), 12)}${lpad(tk.toFixed(3), 10)}${lpad(fu.toFixed(3), 10)}`);
  }
}
