#!/usr/bin/env node
/**
 * `npm start`: the demo. Trains the default preset (small) on the bundled demo corpus
 * (corpora/demo, English → German) with the live dashboard (plain log lines when stdout is not a
 * terminal), then translates a few sentences of the test split and prints BLEU and chrF on the
 * whole test split. Each start writes a new run directory: runs/demo, runs/demo-2, …
 *
 *   npm start                      # the full demo (a few minutes)
 *   npm start -- --preset tiny     # about a minute; any `seq2seq train` flag can be added
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'corpora', 'demo');
const bin = join(root, 'bin', 'seq2seq.js');
const say = (s) => process.stderr.write(`${s}\n`);

// A fresh clone after `npm install` has dist/ (the prepare script builds it); build if it does not.
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  say('building (npm run build) …');
  const b = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (b.status !== 0 && !existsSync(join(root, 'dist', 'cli', 'main.js'))) process.exit(b.status ?? 1);
}
for (const f of ['train.en', 'train.de', 'valid.en', 'valid.de', 'test.en', 'test.de']) {
  if (!existsSync(join(demo, f))) {
    say(
      `seq2seq: ${join(demo, f)}: missing (the demo corpus ships with the repository; regenerate it with node corpora/generate.mjs)`,
    );
    process.exit(2);
  }
}

let out = join(root, 'runs', 'demo');
for (let n = 2; existsSync(out); n++) out = join(root, 'runs', `demo-${n}`);
const rel = relative(process.cwd(), out) || '.';

const extra = process.argv.slice(2);
const args = [
  bin,
  'train',
  '--train',
  join(demo, 'train'),
  '--valid',
  join(demo, 'valid'),
  '--src',
  'en',
  '--tgt',
  'de',
  '--out',
  out,
];
if (!extra.includes('--preset') && !extra.includes('--config')) args.push('--preset', 'small');
args.push(...extra);

say(`seq2seq demo: training English → German on corpora/demo into ${rel} (Ctrl-C stops and keeps a checkpoint)`);
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
// The child receives Ctrl-C itself (same process group): ignore it here and wait for its checkpoint.
const ignore = () => {};
process.on('SIGINT', ignore);
process.on('SIGTERM', () => child.kill('SIGTERM'));
const code = await new Promise((resolve) => child.on('close', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
process.off('SIGINT', ignore);
if (code !== 0) {
  if (code === 130 || code === 143)
    say(`seq2seq demo: training stopped; continue with: node bin/seq2seq.js train --resume ${rel}`);
  process.exit(code);
}

// Translate examples and score the test split, with the best checkpoint.
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { loadRun } = await import(dist('model/run-dir.js'));
const { Translator } = await import(dist('decode/translator.js'));
const { corpusBleu } = await import(dist('eval/bleu.js'));
const { corpusChrf } = await import(dist('eval/chrf.js'));
const lines = (f) =>
  readFileSync(join(demo, f), 'utf8')
    .split('\n')
    .filter((l, i, a) => i < a.length - 1 || l !== '');
const src = lines('test.en');
const ref = lines('test.de');
const run = loadRun(out);
const translator = new Translator(run.model, run.srcTokenizer, run.tgtTokenizer);

process.stdout.write(`\nExample translations (test split, beam 5, ${relative(root, run.checkpoint)}):\n`);
const picks = [0, 1, 2, 3, 4].map((k) => Math.floor((k * src.length) / 5));
const ex = translator.translate(
  picks.map((i) => src[i]),
  { beam: 5 },
);
picks.forEach((i, k) => {
  process.stdout.write(`  en  ${src[i]}\n  de  ${ex[k].hyps[0].text}\n  ref ${ref[i]}\n\n`);
});
const t0 = performance.now();
const hyps = translator.translate(src, { beam: 1 }).map((t) => t.hyps[0].text);
const secs = (performance.now() - t0) / 1000;
const bleu = corpusBleu(hyps, [ref]);
const chrf = corpusChrf(hyps, [ref]);
process.stdout.write(
  `Test split (${src.length} sentences, greedy decoding in ${secs.toFixed(1)} s): BLEU ${bleu.score.toFixed(2)}  chrF ${chrf.score.toFixed(2)}\n`,
);
process.stdout.write(
  `\nNext: node bin/seq2seq.js translate --model ${rel}     (interactive)\n      node bin/seq2seq.js inspect ${rel}\n`,
);
