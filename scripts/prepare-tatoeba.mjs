#!/usr/bin/env node
/**
 * Splits the Tatoeba English–French pairs (../shared/corpora/tatoeba-eng-fra/fra.txt, ordered by
 * sentence length, no official split) into train / val / test with a fixed seed, as aligned files
 * that `seq2seq train --train DIR/train --src en --tgt fr` reads. The data is never copied into the
 * repository: the default output directory is runs/corpora/tatoeba-eng-fra (git-ignored).
 *
 *   node scripts/prepare-tatoeba.mjs [--input FILE] [--out DIR] [--seed 1] [--valid 2000] [--test 5000]
 *
 * Pairs are grouped by English sentence (all translations of one sentence go to the same split),
 * exact duplicates dropped, groups shuffled with the project's seeded Rng (src/data/split.ts).
 * DIR/split.json records the input's sha256, the settings and the counts; when it matches, the
 * split is already there and nothing is written (idempotent). Exit 2 on bad input or usage.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;

export const TATOEBA_DEFAULTS = {
  input: join(root, '..', 'shared', 'corpora', 'tatoeba-eng-fra', 'fra.txt'),
  out: join(root, 'runs', 'corpora', 'tatoeba-eng-fra'),
  seed: 1,
  valid: 2000,
  test: 5000,
};

function usage(msg) {
  process.stderr.write(`prepare-tatoeba: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { ...TATOEBA_DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--input' || a === '--out') {
      if (v === undefined) usage(`${a} needs a value`);
      o[a.slice(2)] = v;
      i++;
    } else if (a === '--seed' || a === '--valid' || a === '--test') {
      const n = Number(v);
      if (v === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${a} must be an integer ≥ 0, got '${v ?? ''}'`);
      o[a.slice(2)] = n;
      i++;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node scripts/prepare-tatoeba.mjs [--input fra.txt] [--out DIR] [--seed 1] [--valid 2000] [--test 5000]\n');
      process.exit(0);
    } else usage(`unknown argument '${a}'`);
  }
  return o;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** Prepares the split (or finds it ready); returns the manifest. Throws InputError on bad input. */
export async function prepareTatoeba(o, say = (s) => process.stderr.write(`${s}\n`)) {
  const { InputError } = await import(dist('errors.js'));
  if (!existsSync(o.input)) throw new InputError(`${o.input}: no such file (the shared Tatoeba corpus; give --input)`);
  const raw = readFileSync(o.input);
  const inputSha = sha256(raw);
  const manifestPath = join(o.out, 'split.json');
  const settings = { seed: o.seed, valid: o.valid, test: o.test, grouping: 'source sentence (NFC, whitespace squeezed)', method: 'src/data/split.ts splitCorpus' };
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const same = m.input?.sha256 === inputSha && JSON.stringify(m.settings) === JSON.stringify(settings);
    const complete = ['train', 'val', 'test'].every((s) => ['en', 'fr'].every((l) => existsSync(join(o.out, `${s}.${l}`))));
    if (same && complete) {
      say(`tatoeba: split already prepared in ${relative(process.cwd(), o.out) || '.'} (seed ${o.seed})`);
      return m;
    }
  }
  const { resolveCorpus, loadPairs } = await import(dist('data/corpus.js'));
  const { splitCorpus } = await import(dist('data/split.js'));
  const { writeFileAtomic } = await import(dist('util/atomic-write.js'));
  const { pairs, report } = await loadPairs(resolveCorpus([o.input], { format: 'tsv' }));
  let split;
  try {
    split = splitCorpus(pairs, { valid: o.valid, test: o.test }, o.seed);
  } catch (err) {
    throw new InputError(`${o.input}: ${err.message}`);
  }
  mkdirSync(o.out, { recursive: true });
  const files = {};
  for (const [name, part] of [['train', split.train], ['val', split.valid], ['test', split.test]]) {
    for (const [lang, side] of [['en', 'src'], ['fr', 'tgt']]) {
      const text = part.map((p) => p[side] + '\n').join('');
      const file = `${name}.${lang}`;
      writeFileAtomic(join(o.out, file), text);
      files[file] = { lines: part.length, sha256: sha256(text) };
    }
  }
  const manifest = {
    input: { path: o.input, sha256: inputSha, pairs: pairs.length, skippedEmpty: report.skippedEmpty },
    settings,
    counts: { groups: split.groups, duplicates: split.duplicates, train: split.train.length, val: split.valid.length, test: split.test.length },
    files,
  };
  writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  say(`tatoeba: ${pairs.length} pairs (${split.duplicates} duplicates dropped, ${split.groups} distinct English sentences) → train ${split.train.length}, val ${split.valid.length}, test ${split.test.length} in ${relative(process.cwd(), o.out) || '.'}`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = parseArgs(process.argv.slice(2));
  try {
    await prepareTatoeba(o);
  } catch (err) {
    process.stderr.write(`prepare-tatoeba: ${err.message}\n`);
    process.exit(typeof err.exitCode === 'number' ? err.exitCode : 1);
  }
}
