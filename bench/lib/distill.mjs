// Sequence-level knowledge distillation (Kim & Rush 2016) for bench:quality --distill F: the
// teachers' ensemble translates the training sources with beam search, and a student is trained on
// those translations (with --distill-mix: on the original targets as well, every source twice).
// This file makes the distilled corpus; bench/quality.mjs trains the teachers and the student
// inside the one budget (teachers F × budget, then decoding, then the student for what is left).
//
// Decoding is the budget's middle part, so it is made fast: the sources are sorted by length (little
// padding in a batch) and dealt round-robin into one shard per core, each shard translated by its own
// `seq2seq translate` with one kernel thread, all at once (two 1-thread processes make more tokens
// than one 2-thread process on this model; docs/quality.md). A shard's translation is written
// atomically with the seconds it took, so a killed decode resumes with the shards still missing;
// the decoding time is the longest shard's (they run side by side).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, dist, niceArgs, rel, run, say, UsageError } from './runs.mjs';

const { writeFileAtomic } = await import(dist('util/atomic-write.js'));

const MANIFEST = 'manifest.json';

/**
 * The distilled training corpus in `outDir` (aligned `train.<src>` / `train.<tgt>`), made once:
 * returns { prefix, seconds, pairs, hypotheses } where `seconds` is the decoding's wall-clock time
 * (0 when it was already made: the manifest keeps the time it took).
 */
export async function distilledCorpus(teacherDirs, recipe, outDir, { beam, lengthPenalty, shards, mix }) {
  const settings = { teachers: teacherDirs.map(rel), beam, lengthPenalty, shards, mix };
  const manifestPath = join(outDir, MANIFEST);
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (JSON.stringify(m.settings) !== JSON.stringify(settings)) {
      const made = JSON.stringify(m.settings);
      const what = `a distilled corpus made with other settings (${made})`;
      throw new UsageError(`${rel(outDir)}: ${what}; remove it or give another --out`);
    }
    say(`distill: ${rel(outDir)} already made (${m.pairs} pairs, ${m.seconds.toFixed(0)} s of decoding)`);
    return { prefix: join(outDir, 'train'), seconds: m.seconds, pairs: m.pairs };
  }
  mkdirSync(outDir, { recursive: true });
  const { loadPairs, resolveCorpus } = await import(dist('data/corpus.js'));
  const { pairs } = await loadPairs(resolveCorpus([recipe.train], { src: recipe.src, tgt: recipe.tgt }));
  // Sorted by length, dealt round-robin: every shard gets as many long sentences as the others.
  const order = pairs.map((_, i) => i).sort((a, b) => pairs[a].src.length - pairs[b].src.length || a - b);
  const shardOf = Array.from({ length: shards }, (_, k) => order.filter((_, j) => j % shards === k));
  const models = teacherDirs.flatMap((d) => ['--model', d]);
  const how = `beam ${beam}, lp ${lengthPenalty}) in ${shards} shard${shards === 1 ? '' : 's'}`;
  const ensemble = teacherDirs.map(rel).join(', ');
  say(`distill: translating ${pairs.length} training sources with the ensemble of ${ensemble} (${how}`);
  const seconds = await Promise.all(
    shardOf.map(async (idx, k) => {
      const done = join(outDir, `shard-${k}.json`);
      if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')).seconds;
      const input = join(outDir, `shard-${k}.${recipe.src}`);
      writeFileSync(input, idx.map((i) => `${pairs[i].src}\n`).join(''));
      const args = [
        bin,
        'translate',
        ...models,
        '-i',
        input,
        '-o',
        join(outDir, `shard-${k}.hyp`),
        '--beam',
        String(beam),
        '--length-penalty',
        String(lengthPenalty),
        '--batch-size',
        '64',
      ];
      const [cmd, full] = niceArgs(args);
      const t0 = performance.now();
      const code = await run(cmd, full, { env: { SEQ2SEQ_THREADS: '1' }, prefix: `[shard ${k}] ` });
      if (code !== 0)
        throw Object.assign(
          new Error(`seq2seq translate (shard ${k}) exited with code ${code}; run the same command again to resume`),
          { exitCode: code },
        );
      const s = (performance.now() - t0) / 1000;
      writeFileAtomic(done, JSON.stringify({ seconds: s, sentences: idx.length }) + '\n');
      return s;
    }),
  );
  const hyps = new Array(pairs.length);
  shardOf.forEach((idx, k) => {
    const lines = readFileSync(join(outDir, `shard-${k}.hyp`), 'utf8').split('\n');
    if (lines.length !== idx.length + 1)
      throw new Error(
        `${rel(join(outDir, `shard-${k}.hyp`))}: ${lines.length - 1} translations for ${idx.length} sources`,
      );
    idx.forEach((i, j) => (hyps[i] = lines[j]));
  });
  const srcLines = [...(mix ? pairs.map((p) => p.src) : []), ...pairs.map((p) => p.src)];
  const tgtLines = [...(mix ? pairs.map((p) => p.tgt) : []), ...hyps];
  writeFileAtomic(join(outDir, `train.${recipe.src}`), srcLines.map((l) => `${l}\n`).join(''));
  writeFileAtomic(join(outDir, `train.${recipe.tgt}`), tgtLines.map((l) => `${l}\n`).join(''));
  const m = { settings, pairs: srcLines.length, seconds: Math.max(...seconds), shardSeconds: seconds };
  writeFileAtomic(manifestPath, JSON.stringify(m, null, 1) + '\n'); // written last: its presence means done
  const files = `${rel(join(outDir, 'train'))}.{${recipe.src},${recipe.tgt}}`;
  say(`distill: ${srcLines.length} pairs in ${files}, ${m.seconds.toFixed(0)} s of decoding`);
  return { prefix: join(outDir, 'train'), seconds: m.seconds, pairs: m.pairs };
}

/** The train flags that make a student use its teacher's tokenizer(s) (the same vocabulary). */
export function teacherTokenizerFlags(teacherDir) {
  const { tokenizers } = JSON.parse(readFileSync(join(teacherDir, 'config.json'), 'utf8'));
  if (tokenizers.src === tokenizers.tgt) return ['--tokenizer', join(teacherDir, tokenizers.src)];
  return ['--src-tokenizer', join(teacherDir, tokenizers.src), '--tgt-tokenizer', join(teacherDir, tokenizers.tgt)];
}
