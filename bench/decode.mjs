// Decoding speed on the reference model of ../shared/reference/performance.md (random weights,
// vocabulary 8,000): greedy and beam 5 at batch 1 and batch 64, sentences/s and output tokens/s,
// plus the latency of one 20-token sentence with beam 5 (what the interactive translator feels).
//   npm run bench:decode [-- --sentences N]
// Random weights rarely choose </s>, so every output runs to the length limit, fixed here at 20
// tokens (ratio 0, constant 20): tokens/s is the comparable figure; sentences/s counts 20-token outputs.
import { Seq2Seq } from '../dist/model/seq2seq.js';
import { REFERENCE_MODEL_CONFIG } from '../dist/model/config.js';
import { Rng } from '../dist/util/rng.js';
import { greedyDecode } from '../dist/decode/greedy.js';
import { beamSearch } from '../dist/decode/beam.js';
import { selectBackend } from '../dist/tensor/index.js';

const args = process.argv.slice(2);
const argN = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const total = argN('--sentences', 128);
const sel = selectBackend();
console.log(`backend: ${sel.name} (${sel.reason})${sel.warning ? `  warning: ${sel.warning}` : ''}`);

const model = new Seq2Seq(REFERENCE_MODEL_CONFIG, new Rng(1));
console.log(`reference model: ${(model.parameterCount / 1e6).toFixed(2)} M parameters, vocab ${model.tgtVocabSize}`);
const rng = new Rng(2);
// Multi30k-like source lengths: 8..20 tokens.
const sources = Array.from({ length: total }, () => Int32Array.from({ length: 8 + rng.int(13) }, () => 4 + rng.int(7996)));
const base = { lengthPenalty: 0.6, maxLengthRatio: 0, maxLengthConstant: 20, keepAttention: false };

function measure(name, beam, batch, n) {
  const srcs = sources.slice(0, n);
  // warm-up on one batch
  run(beam, srcs.slice(0, Math.min(batch, 4)));
  const t0 = process.hrtime.bigint();
  let tokens = 0;
  for (let s = 0; s < srcs.length; s += batch) {
    for (const hyp of run(beam, srcs.slice(s, s + batch))) tokens += hyp.ids.length + (hyp.finished ? 1 : 0);
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name.padEnd(22)} ${String(n).padStart(4)} sentences  ${(n / sec).toFixed(1).padStart(7)} sentences/s  ${(tokens / sec).toFixed(0).padStart(6)} tokens/s  (${((sec / tokens) * 1000).toFixed(2)} ms/token)`);
  return n / sec;
}

function run(beam, srcs) {
  if (beam === 1) return greedyDecode(model, srcs, base);
  return beamSearch(model, srcs, { ...base, beam, nBest: 1 }).map((l) => l[0]);
}

const g1 = measure('greedy, batch 1', 1, 1, Math.min(total, 32));
const g64 = measure('greedy, batch 64', 1, 64, total);
const b1 = measure('beam 5, batch 1', 5, 1, Math.min(total, 16));
const b64 = measure('beam 5, batch 64', 5, 64, total);
console.log(`batching gain: greedy ${(g64 / g1).toFixed(1)}x, beam 5 ${(b64 / b1).toFixed(1)}x; beam 5 costs ${(g64 / b64).toFixed(1)}x greedy at batch 64`);

// Interactive latency: one 20-token source, beam 5, 20 output tokens; median of 7.
const one = [Int32Array.from({ length: 20 }, () => 4 + rng.int(7996))];
run(5, one);
const times = [];
for (let k = 0; k < 7; k++) {
  const t0 = process.hrtime.bigint();
  run(5, one);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
console.log(`latency, one 20-token sentence, beam 5, 20 output tokens: median ${times[3].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[6].toFixed(1)})`);
console.log(`PyTorch reference (performance.md, trained model, greedy, 2 threads): batch 64 249 sentences/s (3,608 tok/s); batch 1 22.7 sentences/s (329 tok/s)`);
