// Tokenizer speed: BPE learning time on a corpus (joint vocabulary, both sides), and encoding
// throughput of our Tokenizer beside the Hugging Face `tokenizers` package (Rust, multi-threaded
// encodeBatch) on the same tokenizer.json, measured side by side in one run. Also checks that
// both give identical ids on every sentence.
//   npm run bench:tokenizer [-- corpus-file-or-prefix … [--src en --tgt de] [--vocab-size 16000]]
// Default corpus: ../shared/corpora/tatoeba-eng-fra/fra.txt (TSV en<TAB>fr<TAB>attribution).
// HF's thread count follows RAYON_NUM_THREADS (default: all cores).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCorpus, readPairs, resolveCorpus } from '../dist/data/corpus.js';
import { Tokenizer, WordCounter, learnBpeFromCounts } from '../dist/text/tokenizer.js';
import { cliFlags } from './lib/args.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const hf = createRequire(import.meta.url)('tokenizers');
const { o, positionals } = cliFlags(
  'npm run bench:tokenizer [-- corpus-file-or-prefix … [--src en --tgt de]]',
  {
    src: { type: 'string', help: 'source language of aligned files' },
    tgt: { type: 'string', help: 'target language of aligned files' },
    'vocab-size': { type: 'number', default: 16000, help: 'joint vocabulary to learn' },
  },
  { positionals: true },
);
const { src, tgt } = o;
const vocabSize = o['vocab-size'];
let paths = positionals;
if (paths.length === 0) {
  const tatoeba = join(repo, '..', 'shared', 'corpora', 'tatoeba-eng-fra', 'fra.txt');
  if (!existsSync(tatoeba)) {
    console.error('no corpus given and ../shared/corpora/tatoeba-eng-fra/fra.txt not found');
    process.exit(2);
  }
  paths = [tatoeba];
}
const spec = resolveCorpus(paths, { src, tgt });
const texts = [];
for await (const p of readPairs(spec)) texts.push(p.src, p.tgt);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
console.log(
  `${describeCorpus(spec)}: ${texts.length / 2} pairs, ${texts.length} sentences (both sides), joint vocabulary ${vocabSize}`,
);
console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);

// 1. Learning (best of 3): counting words, then merging.
let best = { count: Infinity, merge: Infinity };
let tok;
for (let r = 0; r < 3; r++) {
  let t0 = process.hrtime.bigint();
  const counter = new WordCounter();
  for (const t of texts) counter.add(t);
  const count = ms(t0);
  t0 = process.hrtime.bigint();
  tok = learnBpeFromCounts(counter, { vocabSize });
  const merge = ms(t0);
  if (count + merge < best.count + best.merge) best = { count, merge, words: counter.counts.size };
}
console.log(
  `\nlearn BPE: ${((best.count + best.merge) / 1000).toFixed(2)} s  (count ${best.words} distinct words ${(best.count / 1000).toFixed(2)} s + ${tok.mergeCount} merges ${(best.merge / 1000).toFixed(2)} s), vocabulary ${tok.vocabSize}`,
);

// 2. Encoding throughput on the same tokenizer.json.
const dir = mkdtempSync(join(tmpdir(), 'bench-tokenizer-'));
const file = join(dir, 'tokenizer.json');
tok.save(file);
const theirs = hf.Tokenizer.fromFile(file);

function oursOnce() {
  const fresh = Tokenizer.load(file); // cold word cache
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const t of texts) n += fresh.encode(t).length;
  const cold = ms(t0);
  const t1 = process.hrtime.bigint();
  for (const t of texts) fresh.encode(t);
  return { cold, warm: ms(t1), tokens: n };
}
async function theirsOnce() {
  const t0 = process.hrtime.bigint();
  let n = 0;
  const encs = await theirs.encodeBatch(texts);
  for (const e of encs) n += e.getLength();
  return { ms: ms(t0), tokens: n, encs };
}
let ours = { cold: Infinity, warm: Infinity };
let hfBest = { ms: Infinity };
for (let r = 0; r < 3; r++) {
  const o = oursOnce();
  if (o.cold < ours.cold) ours = { ...o, warm: Math.min(o.warm, ours.warm) };
  else ours.warm = Math.min(o.warm, ours.warm);
  const h = await theirsOnce();
  if (h.ms < hfBest.ms) hfBest = h;
}
let mismatches = 0;
for (let i = 0; i < texts.length; i++) {
  const a = tok.encode(texts[i]);
  const b = hfBest.encs[i].getIds();
  if (a.length !== b.length || a.some((x, j) => x !== b[j])) mismatches++;
}
const rate = (msv) => (texts.length / (msv / 1000)).toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
console.log(`\nencode ${texts.length} sentences (${ours.tokens} tokens):`);
console.log(`  ours, cold word cache      ${(ours.cold / 1000).toFixed(3)} s  ${rate(ours.cold)} sentences/s`);
console.log(`  ours, warm word cache      ${(ours.warm / 1000).toFixed(3)} s  ${rate(ours.warm)} sentences/s`);
console.log(
  `  tokenizers encodeBatch     ${(hfBest.ms / 1000).toFixed(3)} s  ${rate(hfBest.ms)} sentences/s  (RAYON_NUM_THREADS=${process.env.RAYON_NUM_THREADS ?? 'unset'})`,
);
console.log(
  `  ratio ours(cold)/tokenizers: ${(hfBest.ms / ours.cold).toFixed(2)}x  (>1 = ours faster); warm: ${(hfBest.ms / ours.warm).toFixed(2)}x`,
);
console.log(
  `  identical ids: ${texts.length - mismatches}/${texts.length} sentences${mismatches ? `  (${mismatches} MISMATCHES)` : ''}`,
);
rmSync(dir, { recursive: true, force: true });
