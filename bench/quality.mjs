// Translation quality of a recipe within a training-time budget (issue #8):
//   npm run bench:quality -- --corpus multi30k --pair en-de --budget 60m
//   npm run bench:quality -- --corpus multi30k --pair en-fr --budget 60m
//   npm run bench:quality -- --corpus tatoeba --pair en-fr --budget 60m
// Prepares the data (Tatoeba: the seeded split of `seq2seq corpus prepare`), trains the corpus's
// preset (`multi30k` or `tatoeba`, src/train/presets.ts) with `nice -n 10` for --budget of training
// time into runs/quality/<corpus>-<pair>-<budget>[-s<seed>], evaluates the best checkpoint — or,
// when the run kept checkpoints (the presets keep 5), their average (with --ensemble also the
// ensemble of best/ and the newest 5 kept checkpoints) if that scores higher on the validation
// split — on the test split (beam 5 with the length penalty that scores best on the validation
// split among 0.6, 1.0, 1.4, 1.8: sacreBLEU-compatible BLEU with its signature, chrF2, decoding
// speed; the `search` column says which weights and penalty were used, and every validation
// score), appends a row to bench/results/quality.tsv (and rewrites bench/results/quality.md from
// it), and draws validation BLEU against minutes of training as
// bench/results/curves/<corpus>-<pair>-<budget>.svg.
//
// With --seeds 1,2 it trains one run per seed side by side in the same budget, the cores split
// between them (SEQ2SEQ_THREADS = cores / seeds each), into DIR/seed-N, and scores their ensemble
// (`seq2seq eval --model A --model B`: the mean of their next-token probabilities) — of their best
// checkpoints or of their averaged ones, whichever does better on val — instead of one model. Two
// 1-thread trainings side by side make 1.08× the tokens of one 2-thread training (docs/quality.md),
// so each member gets a little over half the steps; on Multi30k En→De the ensemble bought back a
// little more than that (val +0.1 over the best single hour; docs/quality.md).
//
// Resumable: run the same command again after a kill or Ctrl-C and it continues the run with the
// rest of the budget (`seq2seq train --resume`); a finished run is only evaluated again. The
// results file is append-only. Flags after `--` go to `seq2seq train` (a fresh run only), e.g.
// `-- --hidden-size 384`; give such runs their own --out.
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import {
  appendTsv, averageKept, corpusRecipe, dist, durationSeconds, evaluate, gitCommit, keptCheckpoints, mainWrapper,
  readTsv, rel, root, runFacts, say, trainWithBudget, UsageError,
} from './lib/runs.mjs';
import { parseFlags } from './lib/args.mjs';

const HELP = `usage: npm run bench:quality -- --corpus multi30k|tatoeba|demo --pair en-de|en-fr --budget 60m
         [--seed 1 | --seeds 1,2] [--out DIR] [--beam 5] [--tune-length-penalty 0.6,1.0,1.4,1.8 | --length-penalty A]
         [--ensemble] [--results FILE.tsv] [--curves DIR] [--data DIR (demo: its directory)] [-- train flags]
`;

const COLUMNS = ['date', 'commit', 'corpus', 'pair', 'budget', 'preset', 'extra', 'parameters', 'steps', 'epochs', 'train_min', 'best_val_bleu', 'test', 'search', 'bleu', 'bleu_signature', 'chrf', 'chrf_signature', 'sent_per_s', 'load', 'run'];

async function main() {
  const { o, extra } = parseFlags(process.argv.slice(2), {
    corpus: 'string', pair: 'string', budget: 'string', seed: 'number', seeds: 'string', out: 'string', beam: 'number',
    'length-penalty': 'number', 'tune-length-penalty': 'string', results: 'string', data: 'string', curves: 'string',
    ensemble: 'boolean', help: 'boolean',
  });
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (o.budget === undefined) throw new UsageError('--budget is required (e.g. 60m)');
  if (o.data !== undefined && o.corpus !== 'demo') throw new UsageError('--data goes with --corpus demo only');
  const recipe = corpusRecipe(o.corpus, o.pair ?? (o.corpus === 'multi30k' || o.corpus === 'demo' ? 'en-de' : 'en-fr'), { data: o.data });
  const budgetSeconds = await durationSeconds(o.budget);
  const commit = gitCommit(); // the code that trains (dist/ is built from it at launch)
  if (o.seeds !== undefined && o.seed !== undefined) throw new UsageError('give --seed (one run) or --seeds (an ensemble of runs side by side), not both');
  const seeds = o.seeds === undefined ? [o.seed ?? 1] : o.seeds.split(',').map(Number);
  if (seeds.some((x) => !Number.isInteger(x) || x < 0) || new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds must be distinct whole numbers separated by commas, got '${o.seeds}'`);
  const sideBySide = seeds.length > 1;
  if (sideBySide && o.ensemble) throw new UsageError('--ensemble (best/ with the kept checkpoints of one run) does not go with --seeds (an ensemble of runs)');
  const seed = seeds[0];
  for (const f of recipe.needs) if (!existsSync(f)) throw new UsageError(`${rel(f)}: missing (the shared corpora; set SEQ2SEQ_CORPORA to their directory)`);
  if (recipe.prepare) await recipe.prepare();

  const tag = `${recipe.corpus}-${recipe.pair}-${o.budget}${sideBySide ? `-seeds-${seeds.join('-')}` : seed === 1 ? '' : `-s${seed}`}`;
  const dir = o.out ?? join(root, 'runs', 'quality', tag);
  const results = o.results ?? join(root, 'bench', 'results', 'quality.tsv');
  const curves = o.curves ?? join(root, 'bench', 'results', 'curves');
  mkdirSync(join(dir, '..'), { recursive: true });

  // One run, or (--seeds) one run per seed in DIR/seed-N, trained at the same time on a share of the cores.
  const members = sideBySide ? seeds.map((s) => ({ seed: s, dir: join(dir, `seed-${s}`) })) : [{ seed, dir }];
  const threadsEach = Math.max(1, Math.floor(availableParallelism() / members.length));
  say(`quality: ${recipe.corpus} ${recipe.pair}, preset ${recipe.preset}, budget ${o.budget} of training → ${rel(dir)}${sideBySide ? ` (seeds ${seeds.join(', ')} side by side, ${threadsEach} thread${threadsEach === 1 ? '' : 's'} each)` : ''}`);
  const trainArgs = (s) => ['--preset', recipe.preset, '--train', recipe.train, '--valid', recipe.valid, '--src', recipe.src, '--tgt', recipe.tgt, '--seed', String(s), ...extra];
  const settled = await Promise.allSettled(
    members.map((m) => trainWithBudget(m.dir, budgetSeconds, trainArgs(m.seed), sideBySide ? { env: { SEQ2SEQ_THREADS: String(threadsEach) }, prefix: `[seed ${m.seed}] ` } : {})),
  );
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const trainedAll = settled.map((r) => r.value);
  const trained = trainedAll[0];
  const factsAll = await Promise.all(members.map((m) => runFacts(m.dir)));
  const facts = factsAll[0];

  const beam = o.beam ?? 5;
  // Weights: the best checkpoint, and — when the run kept checkpoints (keepCheckpoints, set by the
  // multi30k and tatoeba presets) — their average (`seq2seq average`, the newest 5) and, with
  // --ensemble, the ensemble of best/ and the newest 5 kept checkpoints (`seq2seq eval --model …
  // --model …`: the mean of their next-token probabilities; best/ counts twice when it is one of
  // them); whichever scores higher on the validation split (never on test) is scored on test.
  // With --seeds, each candidate is the ensemble of the members' best/ (or of their averages).
  const averagedAll = [];
  for (const m of members) {
    const averaged = await averageKept(m.dir);
    if (averaged) say(`quality: averaged the kept checkpoints of steps ${averaged.steps.join(', ')} → ${rel(averaged.dir)}`);
    averagedAll.push(averaged);
  }
  const ofSeeds = sideBySide ? `ensemble of seeds ${seeds.join('+')}, ` : '';
  // `model`: one directory per member (`evaluate` decodes several as an ensemble, one alone).
  const candidates = [{ name: `${ofSeeds}best/`, model: members.map((m) => m.dir) }];
  if (averagedAll.every(Boolean)) candidates.push({ name: `${ofSeeds}averaged last ${averagedAll[0].steps.length}`, model: averagedAll.map((a) => a.dir) });
  // Opt-in: on the 60-minute En→De run the ensemble scored 0.3–0.4 BLEU below best/ on val
  // (docs/quality.md) and decodes ~7× slower.
  const kept = o.ensemble ? await keptCheckpoints(dir, 5) : [];
  if (kept.length > 0) {
    say(`quality: ensemble of best/ and the kept checkpoints of steps ${kept.map((k) => k.step).join(', ')}`);
    candidates.push({ name: `ensemble best+last ${kept.length}`, model: [dir, ...kept.map((k) => k.dir)] });
  }
  // Length penalty: given, or chosen on the validation split (never on test) among the candidates.
  let lengthPenalty = o['length-penalty'];
  const penalties = lengthPenalty !== undefined || beam === 1 ? [lengthPenalty ?? 0.6] : (o['tune-length-penalty'] ?? '0.6,1.0,1.4,1.8').split(',').map(Number);
  if (penalties.some((a) => !Number.isFinite(a) || a < 0)) throw new UsageError(`--tune-length-penalty must be numbers ≥ 0 separated by commas, got '${o['tune-length-penalty']}'`);
  const tuneLp = lengthPenalty === undefined && beam > 1;
  let tuned = '';
  let chosen = candidates[0];
  lengthPenalty ??= 0.6;
  if (tuneLp || candidates.length > 1) {
    let top = null;
    const notes = [];
    for (const cand of candidates) {
      const scores = [];
      for (const a of penalties) {
        const v = await evaluate(cand.model, recipe, { beam, lengthPenalty: a, test: recipe.valid });
        scores.push([a, v.bleu.score]);
        say(`quality: validation BLEU of ${cand.name} with ${beam === 1 ? 'greedy search' : `beam ${beam}, length penalty ${a}`}: ${v.bleu.score.toFixed(2)}`);
        if (top === null || v.bleu.score > top.bleu) top = { cand, a, bleu: v.bleu.score };
      }
      const listed = tuneLp ? scores.map(([a, b]) => `${a}→${b.toFixed(2)}`).join(', ') : scores[0][1].toFixed(2);
      notes.push(candidates.length > 1 ? `${cand.name} ${listed}` : listed);
    }
    chosen = top.cand;
    lengthPenalty = top.a;
    if (candidates.length > 1) tuned = `, ${chosen.name} (val${tuneLp ? '-tuned' : ''}: ${notes.join('; ')})`;
    else tuned = penalties.length > 1 ? ` (val-tuned: ${notes[0]})` : '';
  }
  say(`quality: evaluating ${[chosen.model].flat().map(rel).join(' + ')} on ${recipe.testName} (${beam === 1 ? 'greedy' : `beam ${beam}, length penalty ${lengthPenalty}`})`);
  const ev = await evaluate(chosen.model, recipe, { beam, lengthPenalty, hypOut: join(dir, `test.hyp.${recipe.tgt}`) });
  // For the record (what the ensemble adds): each member alone on val with the chosen weights and penalty.
  let alone = '';
  if (sideBySide) {
    const scores = [];
    for (const [i, m] of members.entries()) {
      const v = await evaluate(chosen.model[i], recipe, { beam, lengthPenalty, test: recipe.valid });
      say(`quality: validation BLEU of seed ${m.seed} alone (${rel(chosen.model[i])}, lp ${lengthPenalty}): ${v.bleu.score.toFixed(2)}`);
      scores.push(`seed ${m.seed} ${v.bleu.score.toFixed(2)}`);
    }
    alone = `; alone on val: ${scores.join(', ')}`;
  }

  const row = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    commit,
    corpus: recipe.corpus,
    pair: recipe.pair,
    budget: o.budget,
    preset: recipe.preset,
    extra: `${sideBySide ? `[seeds ${seeds.join(',')} side by side, ${threadsEach} thread${threadsEach === 1 ? '' : 's'} each] ` : ''}${extra.join(' ')}`.trim(),
    // with --seeds: one figure per member, joined by '+' (parameters: per model) or '/'
    parameters: sideBySide ? `${members.length}×${facts.parameters}` : facts.parameters,
    steps: factsAll.map((f) => f.steps).join('+'),
    epochs: factsAll.map((f) => f.epoch).join('+'),
    train_min: (Math.max(...trainedAll.map((t) => t.trainSeconds)) / 60).toFixed(1),
    best_val_bleu: factsAll.map((f) => (f.bestValid ? f.bestValid.bleu.toFixed(2) : '')).join('/'),
    test: recipe.testName,
    // which weights were scored is recorded here (no new column: the TSV stays append-compatible)
    search: `${beam === 1 ? 'greedy' : `beam ${beam}, lp ${lengthPenalty}`}${tuned}${alone}`,
    bleu: ev.bleu.score.toFixed(2),
    bleu_signature: ev.bleu.signature,
    chrf: ev.chrf.score.toFixed(2),
    chrf_signature: ev.chrf.signature,
    sent_per_s: ev.decoding.sentencesPerSecond.toFixed(1),
    load: trained.load ? `${trained.load[0].toFixed(2)}→${trained.load[1].toFixed(2)}` : `${loadavg()[0].toFixed(2)} (eval only)`,
    run: rel(dir),
  };
  mkdirSync(join(results, '..'), { recursive: true });
  appendTsv(results, COLUMNS, row);
  await writeMarkdown(results);

  const { lineChartSvg } = await import(dist('eval/learning-curve.js'));
  const { writeFileAtomic } = await import(dist('util/atomic-write.js'));
  mkdirSync(curves, { recursive: true });
  // A run given its own --out gets its own curve (named after that directory).
  const svgPath = join(curves, `${o.out === undefined ? tag : basename(dir)}.svg`);
  const svg = lineChartSvg(
    members.flatMap((m, i) => {
      const of = sideBySide ? `, seed ${m.seed}` : '';
      return [
        { label: `validation BLEU (greedy, ${recipe.corpus} ${recipe.pair}${of})`, points: factsAll[i].curve.map((p) => [p.minutes, p.bleu]) },
        { label: `validation chrF2${of}`, points: factsAll[i].curve.filter((p) => Number.isFinite(p.chrf)).map((p) => [p.minutes, p.chrf]) },
      ];
    }),
    { title: `${recipe.corpus} ${recipe.pair}, ${o.budget} budget${sideBySide ? `, seeds ${seeds.join('+')} side by side` : ''}: test BLEU ${row.bleu} (beam ${beam}, lp ${lengthPenalty}${chosen === candidates[0] ? '' : `, ${chosen.name}`}), chrF2 ${row.chrf}`, xLabel: 'minutes of training (wall clock, validation included)', yLabel: 'score' },
  );
  writeFileAtomic(svgPath, svg);

  process.stdout.write(
    `${recipe.corpus} ${recipe.pair} ${o.budget}: ${row.steps} steps, ${row.epochs} epochs, ${row.parameters} parameters; best validation BLEU ${row.best_val_bleu}\n` +
      `${ev.bleu.verbose}\nBLEU = ${row.bleu} ${row.bleu_signature}\nchrF2 = ${row.chrf} ${row.chrf_signature}\ndecoding: ${row.search}, ${row.sent_per_s} sentences/s\n` +
      `row appended to ${rel(results)}; curve ${rel(svgPath)}\n`,
  );
}

/** bench/results/quality.md: the TSV as a Markdown table (rewritten from the TSV each time). */
async function writeMarkdown(tsvPath) {
  const rows = readTsv(tsvPath);
  const cols = ['date', 'commit', 'corpus', 'pair', 'budget', 'extra', 'steps', 'epochs', 'best_val_bleu', 'search', 'bleu', 'chrf', 'sent_per_s', 'load'];
  const head = ['date', 'commit', 'corpus', 'pair', 'budget', 'flags', 'steps', 'epochs', 'val BLEU', 'search', 'test BLEU', 'test chrF2', 'sent/s', 'load 1-min (start→end)'];
  const sigs = [...new Set(rows.map((r) => r.bleu_signature))];
  const md = [
    '# Quality runs (`npm run bench:quality`)',
    '',
    `Generated from [quality.tsv](quality.tsv) (append-only; every column there). BLEU signature${sigs.length > 1 ? 's' : ''}: ${sigs.map((s) => `\`${s}\``).join(', ')}.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => (r[c] ?? '').replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
  ].join('\n');
  const mdPath = tsvPath.replace(/\.tsv$/, '') + '.md';
  const { writeFileAtomic } = await import(dist('util/atomic-write.js'));
  writeFileAtomic(mdPath, md);
}

await mainWrapper(main);
