// Rows of bench/results/quality.tsv summarised per recipe: the mean, the sample standard deviation
// and the range over the independent runs of one recipe (its seeds), for the README and
// docs/quality.md tables. A recipe is what was asked for, whatever the seeds: the corpus, pair,
// budget, preset, the train flags (with a side-by-side ensemble's seeds left out) and the selection
// rule. A run scored more than once (a finished run is only evaluated again) counts once, with its
// newest row.

/**
 * The seeds of a row: its `seeds` column, or (rows written before that column) what its flags and
 * run directory say.
 */
export function seedsOf(row) {
  if (row.seeds) return row.seeds;
  const side = /^\[seeds ([\d,]+) side by side/.exec(row.extra ?? '');
  if (side) return side[1].split(',').join('+');
  const single = /-s(\d+)$/.exec(row.run ?? '');
  return single ? single[1] : '1';
}

/** What makes two rows runs of the same recipe. */
export function recipeOf(row) {
  const flags = (row.extra ?? '')
    .replace(/^\[seeds ([\d,]+) side by side, /, (_, s) => `[${s.split(',').length} seeds side by side, `)
    .trim();
  const rule = row.select ? row.select.split(/[ :]/)[0] : 'val-best (round 1)';
  return `${row.corpus} ${row.pair} ${row.budget} ${row.preset}${flags ? ` ${flags}` : ''}; select ${rule}`;
}

/** n, mean, sample standard deviation (0 for one run), min and max of the finite numbers among `xs`. */
export function spread(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n: 0, mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...v), max: Math.max(...v) };
}

/** "35.15 ± 0.30 (34.93–35.36)" — or "34.64" for one run, "" for none. */
export function formatSpread(s, digits = 2) {
  if (s.n === 0) return '';
  if (s.n === 1) return s.mean.toFixed(digits);
  return `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

const num = (v) => (v === undefined || v === '' ? NaN : Number(v));

/**
 * Recipes in the order they first appear, each with its runs (the newest row per run directory) and
 * the spreads of its figures.
 */
export function summarise(rows) {
  const newest = new Map();
  for (const r of rows) newest.set(r.run, r);
  const groups = new Map();
  for (const r of newest.values()) {
    const key = recipeOf(r);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups].map(([recipe, runs]) => ({
    recipe,
    runs,
    seeds: runs.map(seedsOf),
    test: spread(runs.map((r) => num(r.bleu))),
    chrf: spread(runs.map((r) => num(r.chrf))),
    defaults: spread(runs.map((r) => num(r.default_bleu))),
    val: spread(runs.map((r) => num(r.val_bleu))),
    ratio: spread(runs.map((r) => num(r.test_ratio))),
  }));
}

/** The summary as a Markdown table (mean ± sample standard deviation, range in brackets). */
export function summaryMarkdown(groups) {
  const head = [
    'recipe',
    'runs (seeds)',
    'test BLEU',
    'test chrF2',
    'test BLEU, eval defaults (beam 5, lp 0.6)',
    'val BLEU (chosen)',
    'test length ratio',
  ];
  const cell = (s) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...groups.map((g) => {
      const runs = `${g.runs.length} (${g.seeds.join(', ')})`;
      const figures = [g.test, g.chrf, g.defaults, g.val].map((x) => formatSpread(x));
      return `| ${[g.recipe, runs, ...figures, formatSpread(g.ratio, 3)].map(cell).join(' | ')} |`;
    }),
    '',
  ].join('\n');
}
