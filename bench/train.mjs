// Full training steps (forward, BPTT, global-norm clipping at 1.0, Adam lr 1e-3) of the reference
// model of shared/reference/performance.md — bi-GRU 512 encoder, Bahdanau attention, GRU decoder,
// embeddings 256, 8,000-word vocabularies, batch 64 — and of its variants (vanilla RNN, LSTM, no
// attention), printing target tokens/s, ms per step and peak RSS for each, on 1 thread and on all.
// Data: Multi30k En→De train (../shared/corpora/multi30k, word vocabularies of the 7,996 most
// frequent lowercased words per side + 4 specials, random batches of 64 pairs, as the peers of
// performance.md were measured); synthetic batches of the same shape when the corpus is absent.
//   npm run bench:train -- [--steps 20] [--warmup 2] [--threads 1,2]
//                          [--configs gru-bahdanau,rnn-bahdanau,lstm-bahdanau,gru-none,multi30k-preset]
//                          [--backend native|js] [--corpus ../shared/corpora/multi30k] [--batching random|bucketed]
//                          [--no-peer]
// Each configuration runs in its own child process, so that its peak RSS is its own.
// tok/CPU-s: target tokens per second of the process's CPU time (steadier than wall time for a
// 1-thread run on a shared machine; with 2 threads it also counts the workers' waiting spins).
// PyTorch: after each of our rows, ../shared/peers/pytorch-bench trains the same configuration on the same
// number of threads (random Multi30k batches, its own 60 steps), and the row shows ours / PyTorch; --no-peer
// (or a missing peer) leaves the column empty. GFLOP/s counts the GEMM FLOPs of the timed steps (what the
// model computes; padding is skipped), and "of peak" is that against the FMA peak of the threads' cores,
// measured as bench:kernels does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliFlags } from './lib/args.mjs';
import { countGemmFlops, cpuName, fmaPeakPerCore, timeKernels } from './lib/machine.mjs';
import { peerBlas, peerScript, ratio, runPeer } from './lib/peer.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const CONFIGS = {
  'gru-bahdanau': { cell: 'gru', attention: 'bahdanau', label: 'GRU + Bahdanau (reference)', peer: ['--rnn', 'gru'] },
  'rnn-bahdanau': { cell: 'rnn', attention: 'bahdanau', label: 'vanilla RNN + Bahdanau', peer: ['--rnn', 'rnn'] },
  'lstm-bahdanau': { cell: 'lstm', attention: 'bahdanau', label: 'LSTM + Bahdanau', peer: ['--rnn', 'lstm'] },
  'gru-none': { cell: 'gru', attention: 'none', label: 'GRU, no attention', peer: ['--rnn', 'gru', '--no-attn'] },
  // the model of the `multi30k` preset (src/train/presets.ts): bi-GRU 256, Bahdanau, tied target
  // embeddings, dropout 0.3, label smoothing 0.1 — what `bench:quality` trains (no PyTorch twin)
  'multi30k-preset': { preset: 'multi30k', label: 'multi30k preset (dropout, LS)', peer: null },
};
const { o } = cliFlags('npm run bench:train -- [flags]', {
  steps: { type: 'number', default: 20, help: 'timed steps' },
  warmup: { type: 'number', default: 2, help: 'untimed steps first' },
  threads: { type: 'string', default: `1,${cpus().length}`, help: 'thread counts, comma-separated' },
  configs: { type: 'string', default: Object.keys(CONFIGS).join(','), help: 'models, comma-separated' },
  backend: { type: 'string', default: 'native', help: 'native | js' },
  corpus: { type: 'string', default: join(repo, '..', 'shared', 'corpora', 'multi30k'), help: 'Multi30k directory' },
  // random: 64 pairs drawn at random per batch (as the peers were measured); bucketed: pairs sorted
  // by length within pools of 20 batches (what a trainer does), so that less of each batch is padding
  batching: { type: 'string', default: 'random', help: 'random | bucketed' },
  'no-peer': { type: 'boolean', help: 'do not run the PyTorch peer' },
  'by-kernel': {
    type: 'boolean',
    help: 'after each row, where the timed steps went: model phases and kernels (GEMMs by shape), on stderr',
  },
  child: { type: 'string', help: '(internal) run one configuration and print its figures as JSON' },
  'threads-one': { type: 'number', default: 1, help: "(internal) the child's threads" },
});
const { steps, warmup, backend, batching } = o;
const corpusDir = o.corpus;
for (const c of o.configs.split(',')) {
  if (!CONFIGS[c]) {
    process.stderr.write(`train.mjs: unknown configuration ${c} (known: ${Object.keys(CONFIGS).join(', ')})\n`);
    process.exit(2);
  }
}

/** One table row: the model's label left-aligned in 30 characters, the other cells right-aligned in theirs. */
const WIDTHS = [30, 8, 11, 10, 10, 9, 11, 14, 11, 9, 9, 9, 9];
const tableRow = (cells) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(WIDTHS[0]) : String(c).padStart(WIDTHS[i]))).join('');

if (o.child) await child(o.child, o['threads-one']);
else parent();

function parent() {
  const threadList = o.threads.split(',').map(Number);
  const configs = o.configs.split(',');
  const hasCorpus = existsSync(join(corpusDir, 'train.en'));
  const peak = fmaPeakPerCore();
  const data = hasCorpus ? `Multi30k En→De train (${corpusDir})` : 'synthetic batches (Multi30k not found)';
  console.log(`bench:train — ${backend} backend; data: ${data}`);
  const peakText = Number.isFinite(peak) ? `${peak.toFixed(0)} GFLOP/s` : 'unknown (no native addon)';
  console.log(`CPU: ${cpuName()}; FMA peak of one core ${peakText}`);
  const peerOff = o['no-peer'] ? 'off (--no-peer)' : null;
  const peer = `${peerScript()} (BLAS: ${peerBlas()}), random batches, after each of our rows`;
  console.log(`PyTorch peer: ${peerOff ?? peer}`);
  console.log(`${steps} timed steps after ${warmup} warm-up steps, batch 64, ${batching} batches`);
  console.log('machine may be shared: compare figures of one run\n');
  const columns = ['threads', 'tgt tok/s', 'ms/step', 'tok/step', 'padding', 'peak RSS', 'loss', 'tok/CPU-s'];
  console.log(tableRow(['model', ...columns, 'GFLOP/s', 'of peak', 'PyTorch', 'ours/PT']));
  let peerError = null;
  for (const c of configs) {
    for (const t of threadList) {
      const childArgs = [fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', c];
      childArgs.push('--threads-one', String(t));
      const r = spawnSync(process.execPath, childArgs, {
        encoding: 'utf8',
        env: { ...process.env, SEQ2SEQ_BACKEND: backend, SEQ2SEQ_THREADS: String(t) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status !== 0) {
        console.log(`${CONFIGS[c].label.padEnd(30)}${String(t).padStart(8)}  failed (exit ${r.status})`);
        continue;
      }
      const m = JSON.parse(r.stdout.trim().split('\n').pop());
      let torch = NaN;
      if (!peerOff && !peerError && CONFIGS[c].peer) {
        const p = runPeer('train', [...CONFIGS[c].peer, '--threads', String(t)]);
        if (p.error) peerError = p.error;
        else torch = p.results[0].tok_per_s;
      }
      const share = Number.isFinite(peak) ? `${((100 * m.gflops) / (peak * t)).toFixed(0)} %` : '–';
      console.log(
        tableRow([
          CONFIGS[c].label,
          t,
          m.tokPerSec.toFixed(0),
          m.msPerStep.toFixed(0),
          m.tokPerStep.toFixed(0),
          `${(100 * m.padding).toFixed(0)} %`,
          `${m.peakRssMB.toFixed(0)} MB`,
          `${m.firstLoss.toFixed(2)}→${m.lastLoss.toFixed(2)}`,
          m.tokPerCpuSec.toFixed(0),
          m.gflops.toFixed(0),
          share,
          Number.isFinite(torch) ? torch.toFixed(0) : '–',
          ratio(m.tokPerSec, torch),
        ]),
      );
    }
  }
  const both = batching === 'random' ? 'both on random batches' : 'ours bucketed, PyTorch random';
  if (peerError) console.log(`\nPyTorch peer: ${peerError}; figures without the ratio`);
  else if (!peerOff)
    console.log(`\nours/PT: our target tokens/s over PyTorch 1.13's, same threads, run after ours, ${both}`);
}

/** Word vocabulary: the 7,996 most frequent lowercased words, ids 4…; unknown words → 1. */
function vocab(lines) {
  const freq = new Map();
  for (const l of lines) for (const w of l) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 7996);
  return new Map(words.map(([w], i) => [w, i + 4]));
}

async function child(name, threads) {
  const { makeBatch } = await import('../dist/data/batch.js');
  const { Seq2Seq } = await import('../dist/model/seq2seq.js');
  const { REFERENCE_MODEL_CONFIG } = await import('../dist/model/config.js');
  const { getBackend, backendWarning } = await import('../dist/tensor/index.js');
  const { Adam } = await import('../dist/train/adam.js');
  const { clipScale, globalGradNorm } = await import('../dist/train/clip.js');
  const { Rng } = await import('../dist/util/rng.js');
  const warning = backendWarning();
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  const k = getBackend();
  if (k.name !== backend) throw new Error(`wanted the ${backend} backend, got ${k.name}`);
  k.setThreads(threads);
  const rng = new Rng(7);
  const B = 64;
  const total = warmup + steps;
  let batches = [];
  const tokenize = (l) => l.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
  if (existsSync(join(corpusDir, 'train.en'))) {
    const en = readFileSync(join(corpusDir, 'train.en'), 'utf8').split('\n').filter(Boolean).map(tokenize);
    const de = readFileSync(join(corpusDir, 'train.de'), 'utf8').split('\n').filter(Boolean).map(tokenize);
    const ve = vocab(en),
      vd = vocab(de);
    const pairs = Array.from({ length: total * B }, () => rng.int(en.length));
    if (batching === 'bucketed')
      for (let p0 = 0; p0 < pairs.length; p0 += 20 * B) {
        const pool = pairs
          .slice(p0, p0 + 20 * B)
          .sort((x, y) => de[x].length - de[y].length || en[x].length - en[y].length);
        pairs.splice(p0, pool.length, ...pool);
      }
    for (let s = 0; s < total; s++) {
      const src = [],
        tgt = [];
      for (let b = 0; b < B; b++) {
        const i = pairs[s * B + b];
        src.push(en[i].map((w) => ve.get(w) ?? 1));
        tgt.push(de[i].map((w) => vd.get(w) ?? 1));
      }
      batches.push(makeBatch(src, tgt));
    }
    if (batching === 'bucketed')
      batches = batches
        .map((b) => [rng.next(), b])
        .sort((x, y) => x[0] - y[0])
        .map((x) => x[1]);
  } else {
    // same shapes: lengths 6…22 (mean ≈ 13 target tokens with </s>)
    for (let s = 0; s < total; s++) {
      const seq = () => Array.from({ length: 6 + rng.int(17) }, () => 4 + rng.int(7996));
      const src = [],
        tgt = [];
      for (let b = 0; b < B; b++) {
        src.push(seq());
        tgt.push(seq());
      }
      batches.push(makeBatch(src, tgt));
    }
  }
  const { cell, attention, preset } = CONFIGS[name];
  const config = preset
    ? { ...(await import('../dist/train/presets.js')).PRESETS[preset].model, srcVocabSize: 8000, tgtVocabSize: 8000 }
    : { ...REFERENCE_MODEL_CONFIG, cell, attention };
  const model = new Seq2Seq(config, rng);
  const adam = new Adam(model.params);
  const counter = countGemmFlops();
  const profile = o['by-kernel'] ? await profiler(name, threads, { model, adam, globalGradNorm }) : null;
  let flops0 = 0;
  let tokens = 0,
    slots = 0,
    firstLoss = NaN,
    lastLoss = NaN,
    t0 = 0,
    cpu0 = process.cpuUsage();
  for (let s = 0; s < total; s++) {
    if (s === warmup) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      flops0 = counter.flops;
      profile?.reset();
    }
    model.zeroGrad();
    const r = model.loss(batches[s], { backward: true });
    // the loss is summed over non-pad target tokens (performance.md); clipping at 1.0 bounds the step (the
    // trainer's way: Adam applies the factor as it reads the gradients)
    const norm = (profile?.norm ?? globalGradNorm)(model.params);
    adam.step(1e-3, clipScale(norm, 1.0));
    if (s === 0) firstLoss = r.loss / r.tokens;
    lastLoss = r.loss / r.tokens;
    if (s >= warmup) {
      tokens += r.tokens;
      slots += batches[s].tgtLen * batches[s].size;
    }
  }
  const sec = (performance.now() - t0) / 1000;
  profile?.print(1000 * sec);
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const figures = {
    tokPerSec: tokens / sec,
    tokPerCpuSec: tokens / cpuSec,
    msPerStep: (1000 * sec) / steps,
    tokPerStep: tokens / steps,
    padding: 1 - tokens / slots,
    peakRssMB,
    firstLoss,
    lastLoss,
    gflops: (counter.flops - flops0) / sec / 1e9,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

/**
 * --by-kernel: wall time of the model's phases (encoder, decoder, loss, their backward, clipping, Adam) and of
 * every kernel (GEMMs by shape), printed to stderr as shares of the timed steps; the rest of a phase is its JS.
 */
async function profiler(name, threads, { model, adam, globalGradNorm }) {
  /** Sizes of the weights: the other dimensions of a product are its rows, per step (n) or over all steps (M). */
  const weightDims = new Set(model.params.flatMap((p) => p.shape));
  const { EncoderPass } = await import('../dist/model/encoder.js');
  const { DecoderPass } = await import('../dist/model/decoder-pass.js');
  const { getBackend } = await import('../dist/tensor/index.js');
  // the products by weights packed once count their FLOPs here (their time is keyed by name)
  const packedFlops = new Map();
  const k = getBackend();
  for (const kernel of ['gemmPackedWeights', 'gemmPackedMatrix']) {
    const f = k[kernel];
    k[kernel] = (M, N, K, ...rest) => {
      packedFlops.set(kernel, (packedFlops.get(kernel) ?? 0) + 2 * M * N * K);
      return f(M, N, K, ...rest);
    };
  }
  const kernels = timeKernels();
  const phases = new Map();
  const timed = (f, key) =>
    function (...a) {
      const t0 = performance.now();
      const r = f.apply(this, a);
      phases.set(key, (phases.get(key) ?? 0) + performance.now() - t0);
      return r;
    };
  for (const [proto, names] of [
    [EncoderPass.prototype, ['forward', 'backward']],
    [DecoderPass.prototype, ['begin', 'forward', 'loss', 'backward']],
  ]) {
    const cls = proto.constructor.name;
    for (const n of names) proto[n] = timed(proto[n], `${cls}.${n}`);
  }
  adam.step = timed(adam.step, 'Adam.step');
  const norm = timed(globalGradNorm, 'globalGradNorm');
  const pct = (ms, total) => `${((100 * ms) / total).toFixed(1).padStart(5)} %`;
  return {
    norm,
    reset: () => {
      kernels.reset();
      phases.clear();
      packedFlops.clear();
    },
    print: (totalMs) => {
      const lines = [`\n${name}, ${threads} thread(s): ${totalMs.toFixed(0)} ms in the timed steps`];
      lines.push(`  kernels ${pct(kernels.totalMs(), totalMs)}, the rest JS (glue, copies, GC)`);
      for (const [key, ms] of [...phases].sort((a, b) => b[1] - a[1]))
        lines.push(`  ${key.padEnd(36)}${pct(ms, totalMs)}`);
      // GEMMs by shape, per-step products (M ≤ 64 rows) apart from the batched ones (M = all rows)
      const groups = new Map();
      let gemmShare = 0;
      for (const [key, share, calls] of kernels.top(totalMs, Infinity)) {
        const m = /^gemm (\w\w) (\d+)×(\d+)×(\d+)$/.exec(key);
        const dim = (d) => (weightDims.has(Number(d)) ? d : Number(d) <= 64 ? 'n' : 'M');
        const group = m ? `gemm ${m[1]} ${dim(m[2])}×${dim(m[3])}×${dim(m[4])}` : key;
        if (m) gemmShare += share;
        const g = groups.get(group) ?? [0, 0, 0];
        const flops = m ? 2 * m[2] * m[3] * m[4] * calls : (packedFlops.get(key) ?? 0);
        groups.set(group, [g[0] + share, g[1] + calls, g[2] + flops]);
      }
      lines.push(`  GEMMs ${gemmShare.toFixed(1)} % (n: rows of one step, ≤ 64; M: rows of all steps)`);
      for (const [key, [share, calls, flops]] of [...groups].sort((a, b) => b[1][0] - a[1][0]).slice(0, 40)) {
        const rate = flops ? `${(flops / ((share / 100) * totalMs) / 1e6).toFixed(0).padStart(5)} GFLOP/s` : '';
        lines.push(
          `    ${key.padEnd(34)}${share.toFixed(1).padStart(5)} %  ${String(calls).padStart(6)} calls ${rate}`,
        );
      }
      process.stderr.write(lines.join('\n') + '\n');
    },
  };
}
