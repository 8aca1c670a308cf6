// Translation quality of a recipe within a training-time budget (issues #8 and #24):
//   npm run bench:quality -- --corpus multi30k --pair en-de --budget 60m
//   npm run bench:quality -- --corpus multi30k --pair en-fr --budget 60m
//   npm run bench:quality -- --corpus tatoeba --pair en-fr --budget 60m
// Prepares the data (Tatoeba: the seeded split of `seq2seq corpus prepare`), trains the corpus's
// preset (`multi30k` or `tatoeba`, src/train/presets.ts) with `nice -n 10` for --budget of training
// time into runs/quality/<corpus>-<pair>-<budget>[-s<seed>], decodes the validation split with
// every setting of the grid — the best checkpoint and, when the run kept checkpoints (the presets
// keep 5), their average (with --ensemble also the ensemble of best/ and the newest 5 kept
// checkpoints), each with beam 5 and the length penalties 0.6, 1.0, 1.4, 1.8 — and chooses one by
// a rule that transfers to unseen test sets (--select, bench/lib/selection.mjs; docs/quality.md),
// scores it on the test split (sacreBLEU-compatible BLEU with its signature, chrF2, length ratio,
// decoding speed) beside `seq2seq eval`'s defaults (best/, beam 5, lp 0.6) on val and test,
// appends a row to bench/results/quality.tsv (and rewrites bench/results/quality.md from it), keeps
// what every rule needs in RUN/selection.json (bench/quality-summary.mjs --rules compares them),
// and draws validation BLEU against minutes of training as bench/results/curves/<corpus>-<pair>-<budget>.svg.
//
// With --replicates N the recipe runs N times one after the other, each with the full budget and its
// own seeds (the seeds shifted by the number of seeds each time: --seed 1 → 1, 2, 3; --seeds 3,4 →
// 3+4, 5+6), one row each, then prints their mean ± standard deviation (bench/lib/summary.mjs). Run
// again (after a kill), it skips the runs that already have a row and continues with the others.
//
// With --distill F (sequence-level knowledge distillation, Kim & Rush 2016; bench/lib/distill.mjs):
// the run (or the --seeds runs side by side) is the teacher, trained for F of the budget; its
// ensemble translates the training sources (beam --distill-beam, lp 0.6); a student of the same
// recipe trains on those translations (--distill-mix: and on the original targets) for the rest of
// the budget (budget − teacher training − decoding) and is what is scored.
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
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { distilledCorpus, teacherTokenizerFlags } from './lib/distill.mjs';
import {
  appendTsv,
  averageKept,
  corpusRecipe,
  dist,
  durationSeconds,
  evaluate,
  gitCommit,
  keptCheckpoints,
  mainWrapper,
  readTsv,
  rel,
  root,
  runFacts,
  runStatus,
  say,
  trainWithBudget,
  UsageError,
} from './lib/runs.mjs';
import { parseFlags } from './lib/args.mjs';
import {
  bleuOf,
  calibratedRatioOf,
  choose,
  decodeStats,
  DEFAULT_RULE,
  lengthRatio,
  RATIO_WINDOW,
  ratioOf,
  RULES,
} from './lib/selection.mjs';
import { summarise, summaryMarkdown } from './lib/summary.mjs';

const HELP = `usage: npm run bench:quality -- --corpus multi30k|tatoeba|demo --pair en-de|en-fr --budget 60m
         [--seed 1 | --seeds 1,2] [--replicates N] [--out DIR] [--beam 5]
         [--tune-length-penalty 0.6,1.0,1.4,1.8 | --length-penalty A] [--select ${RULES.join('|')}] [--grid-on-test]
         [--ensemble] [--distill F [--distill-mix] [--distill-beam 5]]
         [--results FILE.tsv] [--curves DIR] [--data DIR (demo: its directory)] [-- train flags]
`;

// Columns are only added at the end (appendTsv gives an older file the longer header; its rows read
// as empty there).
const COLUMNS = [
  'date',
  'commit',
  'corpus',
  'pair',
  'budget',
  'preset',
  'extra',
  'parameters',
  'steps',
  'epochs',
  'train_min',
  'best_val_bleu',
  'test',
  'search',
  'bleu',
  'bleu_signature',
  'chrf',
  'chrf_signature',
  'sent_per_s',
  'load',
  'run',
  'seeds',
  'select',
  'val_bleu',
  'val_ratio',
  'test_ratio',
  'default_val_bleu',
  'default_bleu',
  'default_chrf',
  'default_ratio',
  'distill',
];

/** eval's defaults: what `seq2seq eval --model RUN` decodes with. */
const EVAL_DEFAULTS = { beam: 5, lengthPenalty: 0.6 };

async function main() {
  const { o, extra } = parseFlags(process.argv.slice(2), {
    corpus: 'string',
    pair: 'string',
    budget: 'string',
    seed: 'number',
    seeds: 'string',
    replicates: 'number',
    out: 'string',
    beam: 'number',
    'length-penalty': 'number',
    'tune-length-penalty': 'string',
    select: 'string',
    'grid-on-test': 'boolean',
    results: 'string',
    data: 'string',
    curves: 'string',
    ensemble: 'boolean',
    distill: 'number',
    'distill-mix': 'boolean',
    'distill-beam': 'number',
    help: 'boolean',
  });
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (o.budget === undefined) throw new UsageError('--budget is required (e.g. 60m)');
  if (o.data !== undefined && o.corpus !== 'demo') throw new UsageError('--data goes with --corpus demo only');
  const recipe = corpusRecipe(
    o.corpus,
    o.pair ?? (o.corpus === 'multi30k' || o.corpus === 'demo' ? 'en-de' : 'en-fr'),
    { data: o.data },
  );
  const budgetSeconds = await durationSeconds(o.budget);
  if (o.seeds !== undefined && o.seed !== undefined)
    throw new UsageError('give --seed (one run) or --seeds (an ensemble of runs side by side), not both');
  const seeds = o.seeds === undefined ? [o.seed ?? 1] : o.seeds.split(',').map(Number);
  if (seeds.some((x) => !Number.isInteger(x) || x < 0) || new Set(seeds).size !== seeds.length)
    throw new UsageError(`--seeds must be distinct whole numbers separated by commas, got '${o.seeds}'`);
  if (seeds.length > 1 && o.ensemble)
    throw new UsageError(
      '--ensemble (best/ with the kept checkpoints of one run) does not go with --seeds (an ensemble of runs)',
    );
  const replicates = o.replicates ?? 1;
  if (!Number.isInteger(replicates) || replicates < 1)
    throw new UsageError(`--replicates must be a whole number ≥ 1, got ${replicates}`);
  const rule = o.select ?? DEFAULT_RULE;
  if (!RULES.includes(rule)) throw new UsageError(`--select must be ${RULES.join(', ')}; got '${rule}'`);
  if (o.distill !== undefined && !(o.distill > 0 && o.distill < 1))
    throw new UsageError(
      `--distill F: the teachers' share of the budget, between 0 and 1 (e.g. 0.5); got ${o.distill}`,
    );
  if (o.distill === undefined && (o['distill-mix'] || o['distill-beam'] !== undefined))
    throw new UsageError('--distill-mix and --distill-beam go with --distill F');
  if (o.distill !== undefined && o.ensemble)
    throw new UsageError('--ensemble does not go with --distill (the student is scored as one model)');
  const distillBeam = o['distill-beam'] ?? 5;
  if (!Number.isInteger(distillBeam) || distillBeam < 1)
    throw new UsageError(`--distill-beam must be a whole number ≥ 1, got ${distillBeam}`);
  const beam = o.beam ?? 5;
  // The length penalties of the grid: given, or tuned; the rules that compare with the default need it in the grid.
  const fixedLp = o['length-penalty'];
  let penalties =
    fixedLp !== undefined || beam === 1
      ? [fixedLp ?? EVAL_DEFAULTS.lengthPenalty]
      : (o['tune-length-penalty'] ?? '0.6,1.0,1.4,1.8').split(',').map(Number);
  if (penalties.some((a) => !Number.isFinite(a) || a < 0))
    throw new UsageError(
      `--tune-length-penalty must be numbers ≥ 0 separated by commas, got '${o['tune-length-penalty']}'`,
    );
  const defaultLp = penalties.length === 1 ? penalties[0] : EVAL_DEFAULTS.lengthPenalty;
  if (rule !== 'val-best' && !penalties.includes(defaultLp))
    penalties = [...penalties, defaultLp].sort((a, b) => a - b);
  for (const f of recipe.needs)
    if (!existsSync(f))
      throw new UsageError(`${rel(f)}: missing (the shared corpora; set SEQ2SEQ_CORPORA to their directory)`);
  if (recipe.prepare) await recipe.prepare();

  const ctx = {
    o,
    extra,
    recipe,
    budgetSeconds,
    commit: gitCommit(), // the code that trains (dist/ is built from it at launch)
    beam,
    rule,
    penalties,
    defaultLp,
    tuneLp: fixedLp === undefined && beam > 1,
    distillBeam,
    replicates,
    results: o.results ?? join(root, 'bench', 'results', 'quality.tsv'),
    curves: o.curves ?? join(root, 'bench', 'results', 'curves'),
  };
  const rows = [];
  for (let k = 0; k < replicates; k++)
    rows.push(
      await runRecipe(
        ctx,
        seeds.map((s) => s + k * seeds.length),
      ),
    );
  if (replicates > 1)
    process.stdout.write(
      `\n${replicates} runs of the recipe (mean ± standard deviation, range):\n\n${summaryMarkdown(summarise(rows))}`,
    );
}

/** Where one run of the recipe goes, and the name of its curve. */
function placeOf(ctx, seeds) {
  const { o, recipe } = ctx;
  const seedPart = seeds.length > 1 ? `seeds-${seeds.join('-')}` : `s${seeds[0]}`;
  const kind = o.distill !== undefined ? '-distill' : '';
  const ofSeeds = seeds.length > 1 || seeds[0] !== 1 ? `-${seedPart}` : '';
  const tag = `${recipe.corpus}-${recipe.pair}-${o.budget}${kind}${ofSeeds}`;
  if (o.out === undefined) return { dir: join(root, 'runs', 'quality', tag), curve: tag };
  // A run given its own --out gets its own curve (named after that directory).
  if (ctx.replicates === 1) return { dir: o.out, curve: basename(o.out) };
  return { dir: join(o.out, seedPart), curve: `${basename(o.out)}-${seedPart}` };
}

/**
 * Trains runs of the recipe for `budgetSeconds` each: one, or several side by side with the cores
 * split between them (SEQ2SEQ_THREADS). `train` is the training corpus prefix, `more` extra flags.
 */
async function trainMembers(ctx, members, budgetSeconds, train, more = []) {
  const { recipe, extra } = ctx;
  const side = members.length > 1;
  const threads = Math.max(1, Math.floor(availableParallelism() / members.length));
  const args = (s) => [
    '--preset',
    recipe.preset,
    '--train',
    train,
    '--valid',
    recipe.valid,
    '--src',
    recipe.src,
    '--tgt',
    recipe.tgt,
    '--seed',
    String(s),
    ...more,
    ...extra,
  ];
  const settled = await Promise.allSettled(
    members.map((m) =>
      trainWithBudget(
        m.dir,
        budgetSeconds,
        args(m.seed),
        side ? { env: { SEQ2SEQ_THREADS: String(threads) }, prefix: `[seed ${m.seed}] ` } : {},
      ),
    ),
  );
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => r.value);
}

const minutes = (s) => (s < 60 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

/**
 * Teachers for F of the budget, their ensemble's translations of the training sources, a student for
 * the rest; returns the student as the one member to score, and what the row says about the phases.
 */
async function distillRecipe(ctx, seeds, dir) {
  const { o, recipe, budgetSeconds, distillBeam } = ctx;
  const side = seeds.length > 1;
  const teachers = side
    ? seeds.map((s) => ({ seed: s, dir: join(dir, 'teachers', `seed-${s}`) }))
    : [{ seed: seeds[0], dir: join(dir, 'teacher') }];
  const who = `${teachers.length} teacher${side ? 's side by side' : ''}`;
  say(`quality: distillation: ${who} for ${minutes(budgetSeconds * o.distill)} of the ${minutes(budgetSeconds)}`);
  await trainMembers(ctx, teachers, budgetSeconds * o.distill, recipe.train);
  const teacherSeconds = Math.max(...teachers.map((t) => runStatus(t.dir).trainSeconds));
  const teacherFacts = await Promise.all(teachers.map((t) => runFacts(t.dir)));
  const corpus = await distilledCorpus(
    teachers.map((t) => t.dir),
    recipe,
    join(dir, 'distilled'),
    {
      beam: distillBeam,
      lengthPenalty: EVAL_DEFAULTS.lengthPenalty,
      shards: availableParallelism(),
      mix: o['distill-mix'] === true,
    },
  );
  const left = budgetSeconds - teacherSeconds - corpus.seconds;
  if (left < 1) {
    const spent = `teachers ${minutes(teacherSeconds)} + decoding ${minutes(corpus.seconds)}`;
    const why = `${spent} ≥ ${minutes(budgetSeconds)}`;
    throw new UsageError(`no budget left for the student: ${why}; give the teachers a smaller share (--distill)`);
  }
  say(`quality: distillation: the student trains for the remaining ${minutes(left)} on ${rel(corpus.prefix)}`);
  const student = { seed: seeds[0], dir: join(dir, 'student') };
  const [trained] = await trainMembers(ctx, [student], left, corpus.prefix, teacherTokenizerFlags(teachers[0].dir));
  // For the record (not counted in the budget, as no scoring is): the teachers' ensemble on val.
  const t = await evaluate(
    teachers.map((x) => x.dir),
    recipe,
    { beam: distillBeam, lengthPenalty: EVAL_DEFAULTS.lengthPenalty, test: recipe.valid },
  );
  const studentSeconds = runStatus(student.dir).trainSeconds;
  const of = side ? `${teachers.length} teachers side by side` : '1 teacher';
  const mixed = o['distill-mix'] ? ', with the original targets' : '';
  const teachersVal = `val BLEU ${t.bleu.score.toFixed(2)} at beam ${distillBeam}, lp ${EVAL_DEFAULTS.lengthPenalty}`;
  const decoded = `decoding ${minutes(corpus.seconds)} (${corpus.pairs} pairs)`;
  const teacherSteps = teacherFacts.map((f) => f.steps).join('+');
  const teachersDid = `${minutes(teacherSeconds)} (${teacherSteps} steps; ${teachersVal})`;
  return {
    members: [student],
    trained: [trained],
    totalSeconds: teacherSeconds + corpus.seconds + studentSeconds,
    extraTag: `[distilled: ${of} for ${o.distill} of the budget, beam ${distillBeam}${mixed}] `,
    note: `teachers ${teachersDid}, ${decoded}, student ${minutes(studentSeconds)}`,
  };
}

/**
 * One run of the recipe (or of its distillation) with these seeds: trained, scored, its row
 * appended; returns the row.
 */
async function runRecipe(ctx, seeds) {
  const { o, recipe, budgetSeconds, beam, extra } = ctx;
  const { dir, curve } = placeOf(ctx, seeds);
  // Replicates resume cheaply: a run that already has its row (scored by the same rule) is not scored again.
  const sameRun = (r) => r.run === rel(dir) && r.select?.split(/[ :]/)[0] === ctx.rule;
  const scored = ctx.replicates > 1 && readTsv(ctx.results).findLast(sameRun);
  if (scored) {
    say(`quality: ${rel(dir)} was trained and scored already (row of ${scored.date}); using that row`);
    return scored;
  }
  mkdirSync(join(dir, '..'), { recursive: true });
  const sideBySide = seeds.length > 1 && o.distill === undefined;
  const threadsEach = Math.max(1, Math.floor(availableParallelism() / seeds.length));
  const threads = `${threadsEach} thread${threadsEach === 1 ? '' : 's'} each`;
  const side = seeds.length > 1 ? ` (seeds ${seeds.join(', ')} side by side, ${threads})` : '';
  const what = `${recipe.corpus} ${recipe.pair}, preset ${recipe.preset}, budget ${o.budget} of training`;
  say(`quality: ${what} → ${rel(dir)}${side}`);
  let members;
  let trainedAll;
  let distilled = null;
  if (o.distill === undefined) {
    // One run, or (--seeds) one run per seed in DIR/seed-N, trained at the same time on a share of the cores.
    members = sideBySide ? seeds.map((s) => ({ seed: s, dir: join(dir, `seed-${s}`) })) : [{ seed: seeds[0], dir }];
    trainedAll = await trainMembers(ctx, members, budgetSeconds, recipe.train);
  } else {
    distilled = await distillRecipe(ctx, seeds, dir);
    members = distilled.members;
    trainedAll = distilled.trained;
  }
  const trained = trainedAll[0];
  const factsAll = await Promise.all(members.map((m) => runFacts(m.dir)));
  const facts = factsAll[0];
  const sc = await scoreRun(ctx, members, dir, sideBySide);
  const { ev, chosen } = sc;
  const lengthPenalty = chosen.lp;

  const row = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    commit: ctx.commit,
    corpus: recipe.corpus,
    pair: recipe.pair,
    budget: o.budget,
    preset: recipe.preset,
    extra: `${sideBySide ? `[seeds ${seeds.join(',')} side by side, ${threads}] ` : ''}${distilled?.extraTag ?? ''}`
      .concat(extra.join(' '))
      .trim(),
    // with --seeds: one figure per member, joined by '+' (parameters: per model) or '/'
    parameters: sideBySide ? `${members.length}×${facts.parameters}` : facts.parameters,
    steps: factsAll.map((f) => f.steps).join('+'),
    epochs: factsAll.map((f) => f.epoch).join('+'),
    train_min: ((distilled ? distilled.totalSeconds : Math.max(...trainedAll.map((t) => t.trainSeconds))) / 60).toFixed(
      1,
    ),
    best_val_bleu: factsAll.map((f) => (f.bestValid ? f.bestValid.bleu.toFixed(2) : '')).join('/'),
    test: recipe.testName,
    search: `${beam === 1 ? 'greedy' : `beam ${beam}, lp ${lengthPenalty}`}${sc.tuned}${sc.alone}`,
    bleu: ev.bleu.score.toFixed(2),
    bleu_signature: ev.bleu.signature,
    chrf: ev.chrf.score.toFixed(2),
    chrf_signature: ev.chrf.signature,
    sent_per_s: ev.decoding.sentencesPerSecond.toFixed(1),
    load: trained.load
      ? `${trained.load[0].toFixed(2)}→${trained.load[1].toFixed(2)}`
      : `${loadavg()[0].toFixed(2)} (eval only)`,
    run: rel(dir),
    seeds: seeds.join('+'),
    select: sc.select,
    val_bleu: chosen.reported.toFixed(2),
    val_ratio: ratioOf(chosen.val).toFixed(3),
    test_ratio: ev.bleu.details.ratio.toFixed(3),
    default_val_bleu: sc.defaults.val.bleu.toFixed(2),
    default_bleu: sc.defaults.test.bleu.score.toFixed(2),
    default_chrf: sc.defaults.test.chrf.score.toFixed(2),
    default_ratio: sc.defaults.test.bleu.details.ratio.toFixed(3),
    distill: distilled?.note ?? '',
  };
  mkdirSync(join(ctx.results, '..'), { recursive: true });
  appendTsv(ctx.results, COLUMNS, row);
  await writeMarkdown(ctx.results);

  const { lineChartSvg } = await import(dist('eval/learning-curve.js'));
  const { writeFileAtomic } = await import(dist('util/atomic-write.js'));
  mkdirSync(ctx.curves, { recursive: true });
  const svgPath = join(ctx.curves, `${curve}.svg`);
  const runKind = sideBySide ? `, seeds ${seeds.join('+')} side by side` : distilled ? ', distilled student' : '';
  const decoded = `beam ${beam}, lp ${lengthPenalty}${sc.first ? '' : `, ${chosen.cand.name}`}`;
  const svg = lineChartSvg(
    members.flatMap((m, i) => {
      const of = sideBySide ? `, seed ${m.seed}` : '';
      return [
        {
          label: `validation BLEU (greedy, ${recipe.corpus} ${recipe.pair}${of})`,
          points: factsAll[i].curve.map((p) => [p.minutes, p.bleu]),
        },
        {
          label: `validation chrF2${of}`,
          points: factsAll[i].curve.filter((p) => Number.isFinite(p.chrf)).map((p) => [p.minutes, p.chrf]),
        },
      ];
    }),
    {
      title:
        `${recipe.corpus} ${recipe.pair}, ${o.budget} budget${runKind}: test BLEU ${row.bleu} (${decoded}), ` +
        `chrF2 ${row.chrf}`,
      xLabel: 'minutes of training (wall clock, validation included)',
      yLabel: 'score',
    },
  );
  writeFileAtomic(svgPath, svg);

  const defaults = `best/, beam ${EVAL_DEFAULTS.beam}, lp ${EVAL_DEFAULTS.lengthPenalty}`;
  process.stdout.write(
    [
      `${recipe.corpus} ${recipe.pair} ${o.budget}: ${row.steps} steps, ${row.epochs} epochs, ` +
        `${row.parameters} parameters; best validation BLEU ${row.best_val_bleu}`,
      ...(distilled ? [`distillation: ${row.distill}`] : []),
      ev.bleu.verbose,
      `BLEU = ${row.bleu} ${row.bleu_signature}`,
      `chrF2 = ${row.chrf} ${row.chrf_signature}`,
      `decoding: ${row.search}, ${row.sent_per_s} sentences/s`,
      `chosen by ${row.select}; val BLEU ${row.val_bleu} (ratio ${row.val_ratio}), test ratio ${row.test_ratio}`,
      `eval's defaults (${defaults}): val BLEU ${row.default_val_bleu}, test BLEU ${row.default_bleu}, ` +
        `chrF2 ${row.default_chrf}, ratio ${row.default_ratio}`,
      `row appended to ${rel(ctx.results)}; curve ${rel(svgPath)}`,
      '',
    ].join('\n'),
  );
  return row;
}

/** The sources and references of a split, as `seq2seq eval` reads them (pairs with an empty side skipped). */
async function splitTexts(prefix, recipe) {
  const { loadPairs, resolveCorpus } = await import(dist('data/corpus.js'));
  const { pairs } = await loadPairs(resolveCorpus([prefix], { src: recipe.src, tgt: recipe.tgt }));
  return { sources: pairs.map((p) => p.src), references: pairs.map((p) => p.tgt) };
}

const readLines = (path) => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/**
 * Decodes val with every setting (weights × length penalty), chooses one by the rule, scores it on
 * test, and eval's defaults on val and test; writes DIR/selection.json (what every rule needs).
 */
async function scoreRun(ctx, members, dir, sideBySide) {
  const { o, recipe, beam, rule, penalties, tuneLp } = ctx;
  const seeds = members.map((m) => m.seed);
  // Weights: the best checkpoint, and — when the run kept checkpoints (keepCheckpoints, set by the
  // multi30k and tatoeba presets) — their average (`seq2seq average`, the newest 5) and, with
  // --ensemble, the ensemble of best/ and the newest 5 kept checkpoints (`seq2seq eval --model …
  // --model …`: the mean of their next-token probabilities; best/ counts twice when it is one of
  // them). With --seeds, each candidate is the ensemble of the members' best/ (or of their averages).
  const averagedAll = [];
  for (const m of members) {
    const averaged = await averageKept(m.dir);
    if (averaged)
      say(`quality: averaged the kept checkpoints of steps ${averaged.steps.join(', ')} → ${rel(averaged.dir)}`);
    averagedAll.push(averaged);
  }
  const ofSeeds = sideBySide ? `ensemble of seeds ${seeds.join('+')}, ` : '';
  // `model`: one directory per member (`evaluate` decodes several as an ensemble, one alone).
  const candidates = [{ name: `${ofSeeds}best/`, model: members.map((m) => m.dir) }];
  if (averagedAll.every(Boolean))
    candidates.push({
      name: `${ofSeeds}averaged last ${averagedAll[0].steps.length}`,
      model: averagedAll.map((a) => a.dir),
    });
  // Opt-in: on the 60-minute En→De run the ensemble scored 0.3–0.4 BLEU below best/ on val
  // (docs/quality.md) and decodes ~7× slower.
  const kept = o.ensemble ? await keptCheckpoints(members[0].dir, 5) : [];
  if (kept.length > 0) {
    say(`quality: ensemble of best/ and the kept checkpoints of steps ${kept.map((k) => k.step).join(', ')}`);
    candidates.push({ name: `ensemble best+last ${kept.length}`, model: [members[0].dir, ...kept.map((k) => k.dir)] });
  }

  // Every setting on val (never on test), its hypotheses kept for the rules' statistics.
  const val = await splitTexts(recipe.valid, recipe);
  const train = await splitTexts(recipe.train, recipe);
  const rho = lengthRatio(train.sources, train.references);
  mkdirSync(join(dir, 'selection'), { recursive: true });
  const settings = [];
  for (const cand of candidates) {
    for (const a of penalties) {
      const hypOut = join(dir, 'selection', `val-${settings.length}.hyp`);
      const v = await evaluate(cand.model, recipe, { beam, lengthPenalty: a, test: recipe.valid, hypOut });
      const search = beam === 1 ? 'greedy search' : `beam ${beam}, length penalty ${a}`;
      const ratio = v.bleu.details.ratio.toFixed(3);
      const bleu = v.bleu.score.toFixed(2);
      say(`quality: validation BLEU of ${cand.name} with ${search}: ${bleu} (length ratio ${ratio})`);
      settings.push({
        name: `${cand.name} lp ${a}`,
        cand,
        lp: a,
        reported: v.bleu.score,
        val: decodeStats(readLines(hypOut), val.references, val.sources),
      });
    }
  }
  const def = settings.findIndex((s) => s.cand === candidates[0] && s.lp === ctx.defaultLp);
  const pick = settings.length === 1 ? { index: 0, why: 'the one setting' } : choose(rule, settings, def, { rho });
  const chosen = settings[pick.index];
  const select = `${rule}${rule === 'calibrated' ? ` (ρ ${rho.toFixed(4)})` : ''}: ${pick.why}`;
  say(`quality: chose ${chosen.name} by ${select}`);
  let tuned = '';
  if (tuneLp || candidates.length > 1) {
    const notes = candidates.map((cand) => {
      const own = settings.filter((s) => s.cand === cand);
      const listed = tuneLp
        ? own.map((s) => `${s.lp}→${s.reported.toFixed(2)}`).join(', ')
        : own[0].reported.toFixed(2);
      return candidates.length > 1 ? `${cand.name} ${listed}` : listed;
    });
    if (candidates.length > 1) tuned = `, ${chosen.cand.name} (val${tuneLp ? '-tuned' : ''}: ${notes.join('; ')})`;
    else tuned = penalties.length > 1 ? ` (val-tuned: ${notes[0]})` : '';
  }

  const search = beam === 1 ? 'greedy' : `beam ${beam}, length penalty ${chosen.lp}`;
  say(`quality: evaluating ${chosen.cand.model.map(rel).join(' + ')} on ${recipe.testName} (${search})`);
  const ev = await evaluate(chosen.cand.model, recipe, {
    beam,
    lengthPenalty: chosen.lp,
    hypOut: join(dir, `test.hyp.${recipe.tgt}`),
  });
  // eval's defaults (best/, beam 5, lp 0.6) on val and test, beside the chosen setting.
  const isDefault = (s) =>
    s.cand === candidates[0] && beam === EVAL_DEFAULTS.beam && s.lp === EVAL_DEFAULTS.lengthPenalty;
  const inGrid = settings.find(isDefault);
  const defVal = inGrid
    ? { bleu: inGrid.reported, ratio: ratioOf(inGrid.val) }
    : await evaluate(candidates[0].model, recipe, { ...EVAL_DEFAULTS, test: recipe.valid }).then((v) => ({
        bleu: v.bleu.score,
        ratio: v.bleu.details.ratio,
      }));
  const defTest = isDefault(chosen) ? ev : await evaluate(candidates[0].model, recipe, EVAL_DEFAULTS);
  // For the record (what the ensemble adds): each member alone on val with the chosen weights and penalty.
  let alone = '';
  if (sideBySide) {
    const scores = [];
    for (const [i, m] of members.entries()) {
      const v = await evaluate(chosen.cand.model[i], recipe, { beam, lengthPenalty: chosen.lp, test: recipe.valid });
      const which = `${rel(chosen.cand.model[i])}, lp ${chosen.lp}`;
      say(`quality: validation BLEU of seed ${m.seed} alone (${which}): ${v.bleu.score.toFixed(2)}`);
      scores.push(`seed ${m.seed} ${v.bleu.score.toFixed(2)}`);
    }
    alone = `; alone on val: ${scores.join(', ')}`;
  }
  // --grid-on-test: every setting on test too, for judging the rules afterwards (never for choosing).
  const testOf = (e) => ({ bleu: e.bleu.score, chrf: e.chrf.score, ratio: e.bleu.details.ratio });
  if (o['grid-on-test']) {
    for (const s of settings) {
      s.test = s === chosen ? testOf(ev) : testOf(await evaluate(s.cand.model, recipe, { beam, lengthPenalty: s.lp }));
      const figures = `BLEU ${s.test.bleu.toFixed(2)} (ratio ${s.test.ratio.toFixed(3)})`;
      say(`quality: for the record, ${s.name} on ${recipe.testName}: ${figures}`);
    }
  }
  const { writeFileAtomic } = await import(dist('util/atomic-write.js'));
  const record = {
    date: new Date().toISOString(),
    commit: ctx.commit,
    rule,
    why: pick.why,
    rho,
    window: RATIO_WINDOW,
    beam,
    default: def,
    chosen: pick.index,
    settings: settings.map((s) => ({
      name: s.name,
      weights: s.cand.name,
      lp: s.lp,
      val: {
        bleu: s.reported,
        ratio: ratioOf(s.val),
        calibratedRatio: calibratedRatioOf(s.val, rho),
        halves: s.val.halves,
        srcTokens: s.val.srcTokens,
      },
      ...(s.test ? { test: s.test } : {}),
    })),
    evalDefaults: {
      beam: EVAL_DEFAULTS.beam,
      lengthPenalty: EVAL_DEFAULTS.lengthPenalty,
      val: defVal,
      test: testOf(defTest),
    },
  };
  writeFileAtomic(join(dir, 'selection.json'), JSON.stringify(record, null, 1) + '\n');
  if (Math.abs(bleuOf(chosen.val) - chosen.reported) > 1e-6)
    throw new Error(`selection statistics disagree with seq2seq eval (${bleuOf(chosen.val)} vs ${chosen.reported})`);
  return {
    ev,
    chosen,
    tuned,
    alone,
    select,
    first: chosen.cand === candidates[0],
    defaults: { val: defVal, test: defTest },
  };
}

/** bench/results/quality.md: the TSV as a Markdown table (rewritten from the TSV each time). */
async function writeMarkdown(tsvPath) {
  const rows = readTsv(tsvPath);
  const cols = [
    'date',
    'commit',
    'corpus',
    'pair',
    'budget',
    'extra',
    'seeds',
    'steps',
    'epochs',
    'best_val_bleu',
    'search',
    'select',
    'val_bleu',
    'bleu',
    'chrf',
    'test_ratio',
    'default_val_bleu',
    'default_bleu',
    'sent_per_s',
    'load',
  ];
  const head = [
    'date',
    'commit',
    'corpus',
    'pair',
    'budget',
    'flags',
    'seeds',
    'steps',
    'epochs',
    'val BLEU (greedy, best)',
    'search',
    'selection rule',
    'val BLEU (chosen)',
    'test BLEU',
    'test chrF2',
    'test length ratio',
    'val BLEU, eval defaults',
    'test BLEU, eval defaults',
    'sent/s',
    'load 1-min (start→end)',
  ];
  const sigs = [...new Set(rows.map((r) => r.bleu_signature))];
  const md = [
    '# Quality runs (`npm run bench:quality`)',
    '',
    `Generated from [quality.tsv](quality.tsv) (append-only; every column there). ` +
      `BLEU signature${sigs.length > 1 ? 's' : ''}: ${sigs.map((s) => `\`${s}\``).join(', ')}.`,
    "eval defaults: `seq2seq eval`'s own settings (best/, beam 5, length penalty 0.6), beside the setting chosen",
    'on val; rows written before 2026-12-07 have no selection rule (the highest val BLEU) and no default or ratio',
    'figures.',
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
