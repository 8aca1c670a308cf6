// Decoding speed, as ratios measured in one run.
//   npm run bench:decode [-- --sentences 128] [--only reference,multi30k] [--no-peer] [--model RUN] [--test FILE]
//                         [--batch1-sentences 100] [--threads N]
// 1. The reference model of ../shared/reference/performance.md (random weights, vocabulary 8,000): greedy and
//    beam 5 at batch 1 and 64, sentences/s and output tokens/s, the latency of one 20-token sentence with beam 5,
//    and PyTorch 1.13 (../shared/peers/pytorch-bench decode, run right after ours, same threads) on the greedy
//    rows: the ratio ours / PyTorch. Random weights rarely choose </s>, so every output runs to the length limit,
//    fixed at 20 tokens (ratio 0, constant 20), as the peer forces it.
// 2. The `multi30k` preset's model (bi-GRU 256, Bahdanau, tied embeddings, joint vocabulary 8,000) on the real
//    test sentences of Multi30k test_2016_flickr.en (the bundled demo test set when the shared corpus is absent,
//    said so): greedy and beam 5 at batch 1 and 64, and the `seq2seq eval` figure (Translator over chunks of 64
//    lines, text in and out) against the goals of issue 21 (≥ 1,500 sentences/s greedy, ≥ 400 beam 5 on 2
//    threads). Without --model the weights are random and the tokenizer a joint BPE 8,000 learned on the
//    corpus's train split here; the outputs are then cut at ⌊r·|source|⌋ tokens with r = Σ(|reference| + 1) /
//    Σ|source| on the test set, so that the decoder runs as many steps as a trained model would. With --model RUN
//    (a trained run) its weights and tokenizers decode with the defaults of `seq2seq eval`.
// GFLOP/s: the GEMM FLOPs the decoding executed per second; "of peak": against the FMA peak of the threads' cores
// (measured as bench:kernels does). The machine may be shared: compare figures of one run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Seq2Seq } from '../dist/model/seq2seq.js';
import { REFERENCE_MODEL_CONFIG } from '../dist/model/config.js';
import { PRESETS } from '../dist/train/presets.js';
import { Rng } from '../dist/util/rng.js';
import { greedyDecode } from '../dist/decode/greedy.js';
import { beamSearch } from '../dist/decode/beam.js';
import { Translator } from '../dist/decode/translator.js';
import { WordCounter, learnBpeFromCounts } from '../dist/text/tokenizer.js';
import { getBackend, selectBackend } from '../dist/tensor/index.js';
import { cliFlags } from './lib/args.mjs';
import { countGemmFlops, cpuName, fmaPeakPerCore, timeKernels } from './lib/machine.mjs';
import { peerBlas, peerScript, ratio, runPeer } from './lib/peer.mjs';
import { root, sharedCorpora } from './lib/runs.mjs';

const { o } = cliFlags('npm run bench:decode [-- flags]', {
  sentences: { type: 'number', default: 128, help: 'reference model: sentences per batch-64 row' },
  only: { type: 'string', default: 'reference,multi30k', help: 'sections to run, comma-separated' },
  'no-peer': { type: 'boolean', help: 'do not run the PyTorch peer' },
  model: { type: 'string', help: 'multi30k section: a trained run directory instead of random weights' },
  test: {
    type: 'string',
    help: 'multi30k section: source sentences, one a line (default: Multi30k test_2016_flickr.en)',
  },
  'batch1-sentences': { type: 'number', default: 100, help: 'multi30k section: sentences of the batch-1 rows' },
  threads: { type: 'number', help: 'kernel threads (default: SEQ2SEQ_THREADS, else every CPU)' },
  'by-kernel': {
    type: 'boolean',
    help: 'after each row, where its time went: kernels (GEMMs by shape), model, search',
  },
});
const sections = o.only.split(',');
for (const s of sections) {
  if (s !== 'reference' && s !== 'multi30k') {
    process.stderr.write(`decode.mjs: --only: unknown section '${s}' (reference, multi30k)\n`);
    process.exit(2);
  }
}
const sel = selectBackend();
if (o.threads !== undefined) getBackend().setThreads(o.threads);
const threads = getBackend().threads();
const peak = fmaPeakPerCore();
console.log(
  `backend: ${sel.name} (${sel.reason})${sel.warning ? `  warning: ${sel.warning}` : ''}; ${threads} thread(s)`,
);
const peakText = Number.isFinite(peak) ? `${peak.toFixed(0)} GFLOP/s` : 'unknown (no native addon)';
console.log(`CPU: ${cpuName()}; FMA peak of one core ${peakText}`);
console.log('the machine may be shared: compare figures of one run\n');
const flops = countGemmFlops();
const kernels = o['by-kernel'] ? timeKernels() : null;

/** One table row: the first cell left-aligned in 24 characters, the others right-aligned in theirs. */
const WIDTHS = [24, 10, 9, 8, 8, 9, 9];
const tableRow = (cells) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(WIDTHS[0]) : String(c).padStart(WIDTHS[i]))).join('');
const header = tableRow(['search', 'sentences', 'sent/s', 'tok/s', 'ms/tok', 'GFLOP/s', 'of peak']);

/** Wall time inside the model's startSession (the encoder), the session's step and select, for --by-kernel. */
const inModel = { encode: 0, step: 0, select: 0 };
function timeModel(model) {
  if (!kernels) return;
  const timed = (obj, name, key) => {
    const f = obj[name];
    obj[name] = function (...a) {
      const t0 = performance.now();
      const r = f.apply(this, a);
      inModel[key] += performance.now() - t0;
      return r;
    };
  };
  const start = model.startSession;
  let sessionsTimed = false;
  model.startSession = function (...a) {
    const session = start.apply(this, a);
    if (!sessionsTimed) {
      // the session class, once
      timed(Object.getPrototypeOf(session), 'step', 'step');
      timed(Object.getPrototypeOf(session), 'select', 'select');
    }
    sessionsTimed = true;
    return session;
  };
  timed(model, 'startSession', 'encode');
}

/** Times decode(batch) over `sources` in batches of `batch`; returns and prints sentences/s and output tokens/s. */
function measure(name, sources, batch, decode) {
  decode(sources.slice(0, Math.min(batch, 4))); // warm-up
  kernels?.reset();
  Object.assign(inModel, { encode: 0, step: 0, select: 0 });
  const f0 = flops.flops;
  const t0 = process.hrtime.bigint();
  let tokens = 0;
  for (let s = 0; s < sources.length; s += batch) tokens += decode(sources.slice(s, s + batch));
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const gflops = (flops.flops - f0) / sec / 1e9;
  const share = Number.isFinite(peak) ? `${((100 * gflops) / (peak * threads)).toFixed(0)} %` : '–';
  const r = { sentPerSec: sources.length / sec, tokPerSec: tokens / sec };
  const msPerToken = ((1000 * sec) / tokens).toFixed(2);
  console.log(
    tableRow([
      name,
      sources.length,
      r.sentPerSec.toFixed(1),
      r.tokPerSec.toFixed(0),
      msPerToken,
      gflops.toFixed(1),
      share,
    ]),
  );
  if (kernels) {
    const ms = 1000 * sec;
    const pct = (x) => `${((100 * x) / ms).toFixed(1)} %`;
    const search = ms - inModel.encode - inModel.step - inModel.select;
    console.log(
      `    encoder (startSession) ${pct(inModel.encode)}, decoder steps ${pct(inModel.step)}, ` +
        `session select ${pct(inModel.select)}, search (decode/) ${pct(search)}; ` +
        `all kernels ${pct(kernels.totalMs())}, JS and GC outside them ${pct(ms - kernels.totalMs())}`,
    );
    for (const [label, p, calls] of kernels.top(ms, 10))
      console.log(`      ${label.padEnd(28)} ${p.toFixed(1).padStart(5)} %  ${String(calls).padStart(6)} calls`);
  }
  return r;
}

/** Output tokens of a search result, </s> counted when the hypothesis ended with it. */
const outTokens = (hyps) => hyps.reduce((n, h) => n + h.ids.length + (h.finished ? 1 : 0), 0);
const searchWith = (model, opts) => ({
  greedy: (srcs) => outTokens(greedyDecode(model, srcs, opts)),
  beam5: (srcs) => outTokens(beamSearch(model, srcs, { ...opts, beam: 5, nBest: 1 }).map((l) => l[0])),
});

if (sections.includes('reference')) referenceSection();
if (sections.includes('multi30k')) await multi30kSection();

function referenceSection() {
  const model = new Seq2Seq(REFERENCE_MODEL_CONFIG, new Rng(1));
  model.prepareForDecoding(); // as a loaded run is (src/decode/run-loader.ts)
  timeModel(model);
  const size = `${(model.parameterCount / 1e6).toFixed(2)} M parameters, vocabulary ${model.tgtVocabSize}`;
  console.log(`1. reference model: ${size}, random weights, 20-token outputs`);
  const rng = new Rng(2);
  // Multi30k-like source lengths: 8..20 tokens (as the peer draws them).
  const sources = Array.from({ length: o.sentences }, () =>
    Int32Array.from({ length: 8 + rng.int(13) }, () => 4 + rng.int(7996)),
  );
  const run = searchWith(model, { lengthPenalty: 0.6, maxLengthRatio: 0, maxLengthConstant: 20, keepAttention: false });
  console.log(header);
  const g1 = measure('greedy, batch 1', sources.slice(0, Math.min(o.sentences, 32)), 1, run.greedy);
  const g64 = measure('greedy, batch 64', sources, 64, run.greedy);
  const b1 = measure('beam 5, batch 1', sources.slice(0, Math.min(o.sentences, 16)), 1, run.beam5);
  const b64 = measure('beam 5, batch 64', sources, 64, run.beam5);
  const x = (a, b) => `${(a.sentPerSec / b.sentPerSec).toFixed(1)}×`;
  console.log(
    `batching gain: greedy ${x(g64, g1)}, beam 5 ${x(b64, b1)}; beam 5 costs ${x(g64, b64)} greedy at batch 64`,
  );

  // Interactive latency: one 20-token source, beam 5, 20 output tokens; median of 7.
  const one = [Int32Array.from({ length: 20 }, () => 4 + rng.int(7996))];
  run.beam5(one);
  const times = [];
  for (let k = 0; k < 7; k++) {
    const t0 = process.hrtime.bigint();
    run.beam5(one);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const [min, median, max] = [times[0], times[3], times[6]].map((t) => t.toFixed(1));
  console.log('latency, one 20-token sentence, beam 5, 20 output tokens:');
  console.log(`  median ${median} ms (min ${min}, max ${max}; goal ≤ 15 ms)`);

  if (o['no-peer']) {
    console.log('PyTorch peer: off (--no-peer)\n');
    return;
  }
  const p = runPeer('decode', ['--threads', String(threads)]);
  if (p.error) {
    console.log(`PyTorch peer: ${p.error}; no ratio\n`);
    return;
  }
  const torch = (bs) => p.results.find((r) => r.batch === bs)?.sent_per_s ?? NaN;
  console.log(`PyTorch 1.13 (${peerScript()} decode --threads ${threads}, BLAS ${peerBlas()}),`);
  console.log('greedy, the same 20-token outputs:');
  for (const [label, ours, bs] of [
    ['greedy, batch 64', g64, 64],
    ['greedy, batch 1', g1, 1],
    ['beam 5, batch 64 vs its greedy 64', b64, 64],
  ]) {
    const [mine, theirs] = [ours.sentPerSec, torch(bs)].map((v) => v.toFixed(1).padStart(7));
    console.log(
      `  ${label.padEnd(36)} ours ${mine}  PyTorch ${theirs} sentences/s  ours/PT ${ratio(ours.sentPerSec, torch(bs))}`,
    );
  }
  console.log('  goals (issue 21): greedy ≥ 3× at batch 64, ≥ 5× at batch 1;');
  console.log('  beam 5 at batch 64 ≥ 1× PyTorch greedy at batch 64\n');
}

async function multi30kSection() {
  const corpus = join(sharedCorpora(), 'multi30k');
  const demo = join(root, 'corpora', 'demo');
  const haveMulti30k = existsSync(join(corpus, 'test_2016_flickr.en'));
  const testFile = o.test ?? (haveMulti30k ? join(corpus, 'test_2016_flickr.en') : join(demo, 'test.en'));
  const lines = readFileSync(testFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (!haveMulti30k && o.test === undefined)
    console.log(`2. NOTE: ${corpus}/test_2016_flickr.en not found: the bundled demo test set stands in (not Multi30k)`);
  let model, srcCodec, tgtCodec, search, label;
  if (o.model !== undefined) {
    const { loadDecodingRun } = await import('../dist/decode/run-loader.js');
    const run = await loadDecodingRun(o.model);
    ({ model } = run);
    srcCodec = run.srcTokenizer;
    tgtCodec = run.tgtTokenizer;
    search = { lengthPenalty: 0.6, maxLengthRatio: 2, maxLengthConstant: 10 };
    label = `the trained run ${o.model}`;
  } else {
    const train = haveMulti30k
      ? [join(corpus, 'train.en'), join(corpus, 'train.de')]
      : [join(demo, 'train.en'), join(demo, 'train.de')];
    const counter = new WordCounter();
    for (const f of train) for (const l of readFileSync(f, 'utf8').split('\n')) if (l !== '') counter.add(l);
    const tok = learnBpeFromCounts(counter, { vocabSize: 8000 });
    srcCodec = tgtCodec = tok;
    const config = { ...PRESETS.multi30k.model, srcVocabSize: tok.vocabSize, tgtVocabSize: tok.vocabSize };
    model = new Seq2Seq(config, new Rng(3));
    model.prepareForDecoding();
    // Random weights never choose </s>: cut each output where a trained model would stop on average.
    const refFile = testFile.replace(/\.en$/, '.de');
    const srcTokens = lines.reduce((n, l) => n + tok.encode(l).length, 0);
    const refTokens =
      existsSync(refFile) && refFile !== testFile
        ? readFileSync(refFile, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .reduce((n, l) => n + tok.encode(l).length + 1, 0)
        : srcTokens;
    const r = refTokens / srcTokens;
    search = { lengthPenalty: 0.6, maxLengthRatio: r, maxLengthConstant: 0 };
    const corpusName = train[0].replace(/\.en$/, '');
    label =
      `random weights, joint BPE ${tok.vocabSize} learned on ${corpusName}, ` +
      `outputs cut at ⌊${r.toFixed(3)}·|source|⌋ tokens`;
  }
  timeModel(model);
  console.log(`2. multi30k preset: ${(model.parameterCount / 1e6).toFixed(2)} M parameters, ${label}`);
  console.log(`   ${lines.length} sentences of ${testFile}`);
  const ids = lines.map((l) => srcCodec.encode(l));
  const run = searchWith(model, { ...search, keepAttention: false });
  const n1 = Math.min(lines.length, o['batch1-sentences']);
  console.log(header);
  measure('greedy, batch 1', ids.slice(0, n1), 1, run.greedy);
  measure('greedy, batch 64', ids, 64, run.greedy);
  measure('beam 5, batch 1', ids.slice(0, n1), 1, run.beam5);
  measure('beam 5, batch 64', ids, 64, run.beam5);
  // `seq2seq eval`: Translator.translate over consecutive chunks of 64 lines (--batch-size), text in and out.
  const translator = new Translator(model, srcCodec, tgtCodec, { ...search, nBest: 1 });
  const evalStyle = (beam) => (chunk) =>
    translator.translate(chunk, { beam }).reduce((n, t) => n + t.hyps[0].ids.length, 0);
  const goal = (x, g) => `  goal ≥ ${g} on 2 threads: ${x >= g ? 'met' : 'not met'}`;
  const eg = measure('seq2seq eval, greedy', lines, 64, evalStyle(1));
  console.log(goal(eg.sentPerSec, 1500));
  const eb = measure('seq2seq eval, beam 5', lines, 64, evalStyle(5));
  console.log(goal(eb.sentPerSec, 400));
}
