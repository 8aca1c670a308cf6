// Data-side throughput: corpus reading (our streaming reader vs. Node's readline and a plain
// readFileSync+split on the same file, side by side) and batch planning with padding.
//   npm run bench:data [-- corpus-file-or-prefix … [--src en --tgt de]]
// Default corpora: ../shared/corpora/tatoeba-eng-fra/fra.txt (when present) and corpora/demo/train.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readPairs, resolveCorpus, describeCorpus, corpusFiles, newCorpusReport } from '../dist/data/corpus.js';
import { Batcher, paddingFraction } from '../dist/data/batcher.js';
import { cliFlags } from './lib/args.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { o, positionals } = cliFlags(
  'npm run bench:data [-- corpus-file-or-prefix … [--src en --tgt de]]',
  {
    src: { type: 'string', help: 'source language of aligned files' },
    tgt: { type: 'string', help: 'target language of aligned files' },
  },
  { positionals: true },
);
const specs = [];
if (positionals.length > 0) specs.push(resolveCorpus(positionals, { src: o.src, tgt: o.tgt }));
else {
  const tatoeba = join(repo, '..', 'shared', 'corpora', 'tatoeba-eng-fra', 'fra.txt');
  if (existsSync(tatoeba)) specs.push(resolveCorpus([tatoeba]));
  specs.push(resolveCorpus([join(repo, 'corpora', 'demo', 'train')], { src: 'en', tgt: 'de' }));
}

async function timeIt(f, reps = 3) {
  let best = Infinity;
  let out;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    out = await f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: best, out };
}

for (const spec of specs) {
  const files = corpusFiles(spec);
  const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
  console.log(`\n${describeCorpus(spec)}  (${(bytes / 1e6).toFixed(1)} MB)`);
  const ours = await timeIt(async () => {
    const report = newCorpusReport();
    let n = 0;
    for await (const _ of readPairs(spec, report)) n++;
    return n;
  });
  const rl = await timeIt(async () => {
    let n = 0;
    for (const f of files) {
      const it = createInterface({ input: createReadStream(f, 'utf8'), crlfDelay: Infinity });
      for await (const _ of it) n++;
    }
    return n;
  });
  const whole = await timeIt(async () => {
    let n = 0;
    for (const f of files) n += readFileSync(f, 'utf8').split('\n').length;
    return n;
  });
  const mbs = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `  readPairs (validating, streaming)   ${ours.ms.toFixed(0).padStart(6)} ms  ${mbs(ours.ms).padStart(4)} MB/s  ${ours.out} pairs`,
  );
  console.log(
    `  node:readline (no validation)       ${rl.ms.toFixed(0).padStart(6)} ms  ${mbs(rl.ms).padStart(4)} MB/s  ratio ours/readline ${(ours.ms / rl.ms).toFixed(2)}`,
  );
  console.log(
    `  readFileSync + split (whole file)   ${whole.ms.toFixed(0).padStart(6)} ms  ${mbs(whole.ms).padStart(4)} MB/s  ratio ours/whole ${(ours.ms / whole.ms).toFixed(2)}`,
  );

  // Batch planning on whitespace-token lengths (a stand-in for BPE ids).
  const pairs = [];
  let id = 0;
  for await (const p of readPairs(spec)) {
    pairs.push({
      id: id++,
      src: new Int32Array(p.src.split(/\s+/).length),
      tgt: new Int32Array(p.tgt.split(/\s+/).length),
    });
  }
  for (const poolBatches of [1, 100]) {
    const { ms, out } = await timeIt(() => {
      const b = new Batcher(pairs, { maxTokens: 4096, seed: 1, poolBatches });
      return [...b.epochBatches()];
    }, 1);
    console.log(
      `  batcher maxTokens 4096, pool ${String(poolBatches).padStart(3)} batches: ${out.length} batches, padding ${(100 * paddingFraction(out)).toFixed(1)}%, ${ms.toFixed(0)} ms per epoch`,
    );
  }
}
