// The rows of bench/results/quality.tsv per recipe: mean ± sample standard deviation (and range) of
// the test BLEU, chrF2, eval's defaults' test BLEU, the chosen setting's val BLEU and the test length
// ratio over the independent runs of each recipe (bench/lib/summary.mjs says what one recipe is) —
// the figures for the README and docs/quality.md. With --rules, for every run that kept
// RUN/selection.json: the setting each selection rule (bench/lib/selection.mjs) would have chosen
// from the same validation decodes, and its test BLEU when known (the chosen one, eval's defaults,
// or every setting for runs scored with --grid-on-test), then each rule's mean over the runs where
// all rules' test figures are known.
//   npm run bench:quality-summary -- [--results FILE.tsv] [--since 2026-12-07] [--match TEXT] [--rules]
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseFlags } from './lib/args.mjs';
import { mainWrapper, readTsv, rel, root, UsageError } from './lib/runs.mjs';
import { formatSpread, recipeOf, spread, summarise, summaryMarkdown } from './lib/summary.mjs';

const HELP = `usage: npm run bench:quality-summary -- [--results FILE.tsv] [--since YYYY-MM-DD] [--match TEXT] [--rules]
`;

async function main() {
  const { o, extra } = parseFlags(process.argv.slice(2), {
    results: 'string',
    since: 'string',
    match: 'string',
    rules: 'boolean',
    help: 'boolean',
  });
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments after --: ${extra.join(' ')}`);
  if (o.since !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(o.since))
    throw new UsageError(`--since must be a date such as 2026-12-07, got '${o.since}'`);
  const path = o.results ?? join(root, 'bench', 'results', 'quality.tsv');
  if (!existsSync(path)) throw new UsageError(`${rel(path)}: no such results file`);
  const rows = readTsv(path).filter(
    (r) => (o.since === undefined || r.date >= o.since) && (o.match === undefined || recipeOf(r).includes(o.match)),
  );
  if (rows.length === 0) throw new UsageError(`${rel(path)}: no rows${o.since || o.match ? ' match' : ''}`);
  process.stdout.write(o.rules ? await rulesMarkdown(rows) : summaryMarkdown(summarise(rows)));
}

/** Per run with a selection.json: each rule's choice and its test BLEU where known; then each rule's mean. */
async function rulesMarkdown(rows) {
  const { choose, RULES } = await import('./lib/selection.mjs');
  const newest = new Map(rows.map((r) => [r.run, r]));
  const lines = [];
  const perRule = new Map(RULES.map((r) => [r, []]));
  for (const row of newest.values()) {
    const file = join(isAbsolute(row.run) ? row.run : join(root, row.run), 'selection.json');
    if (!existsSync(file)) continue;
    const sel = JSON.parse(readFileSync(file, 'utf8'));
    const settings = sel.settings.map((s) => ({
      ...s,
      val: { halves: s.val.halves, srcTokens: s.val.srcTokens },
      shown: s.val,
    }));
    // A setting's test BLEU is known when it was scored on test: as the choice, as eval's defaults
    // (the default setting when the grid's beam is eval's), or with --grid-on-test.
    const isEvalDefaults = (i) =>
      i === sel.default && sel.beam === sel.evalDefaults.beam && settings[i].lp === sel.evalDefaults.lengthPenalty;
    const known = (i) =>
      settings[i].test?.bleu ??
      (i === sel.chosen ? Number(row.bleu) : isEvalDefaults(i) ? sel.evalDefaults.test.bleu : undefined);
    const cells = RULES.map((rule) => {
      const { index } = settings.length === 1 ? { index: 0 } : choose(rule, settings, sel.default, { rho: sel.rho });
      const s = settings[index];
      const test = known(index);
      perRule.get(rule).push(test);
      const onTest = test === undefined ? '?' : test.toFixed(2);
      return `${s.name}: val ${s.shown.bleu.toFixed(2)} (ratio ${s.shown.ratio.toFixed(3)}) → test ${onTest}`;
    });
    const defaults = `${sel.evalDefaults.test.bleu.toFixed(2)} (ratio ${sel.evalDefaults.test.ratio.toFixed(3)})`;
    lines.push(`| ${[row.run, ...cells, defaults].map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  if (lines.length === 0)
    throw new UsageError(
      'none of these runs has a selection.json (runs scored before 2026-12-07, or their directories are elsewhere)',
    );
  const head = ['run', ...RULES.map((r) => `rule ${r}: chosen → test BLEU`), 'eval defaults: test BLEU'];
  const all = [...perRule.values()];
  const complete = all[0].map((_, i) => all.every((xs) => xs[i] !== undefined));
  const means = RULES.map((r) => formatSpread(spread(perRule.get(r).filter((_, i) => complete[i]))));
  const meanOver = `mean over the ${complete.filter(Boolean).length} runs where every rule's test figure is known`;
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...lines,
    `| ${meanOver} | ${means.join(' | ')} | |`,
    '',
  ].join('\n');
}

await mainWrapper(main);
