/**
 * The quality recipe scripts end to end on a cut of the bundled demo corpus (tiny preset, a few
 * seconds of training): bench/quality.mjs appends a row and draws the curve, and only evaluates again when run
 * twice; bench/ablation.mjs writes its table and skips finished variants. (The Tatoeba split, once
 * scripts/prepare-tatoeba.mjs, is `seq2seq corpus prepare` now: test/data/prepare.test.ts.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenize13a } from '../../src/eval/tokenizers.js';
import { REPO } from '../helpers/run-cli.js';
import * as selection from '../../bench/lib/selection.mjs';

const S = selection as {
  choose(rule: string, settings: unknown[], def: number, o: { rho: number }): { index: number };
  bleuOf(d: unknown): number;
};

const tmp = mkdtempSync(join(tmpdir(), 'seq2seq-quality-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A cut of the demo corpus (the first 600 / 80 / 80 pairs), so that training and decoding take seconds.
const data = join(tmp, 'demo');
mkdirSync(data);
for (const [split, n] of [
  ['train', 600],
  ['valid', 80],
  ['test', 80],
] as const) {
  for (const lang of ['en', 'de']) {
    const lines = readFileSync(join(REPO, 'corpora', 'demo', `${split}.${lang}`), 'utf8')
      .split('\n')
      .slice(0, n);
    writeFileSync(join(data, `${split}.${lang}`), lines.join('\n') + '\n');
  }
}

/**
 * The same without blocking the test worker: a script that trains runs for tens of seconds, and a
 * worker blocked in spawnSync for a minute misses vitest's RPC deadline on a loaded machine.
 */
function nodeAsync(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, script), ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', SEQ2SEQ_BENCH_NICE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

type Metrics = { name: string; score: number }[];
const twoDecimals = (metrics: Metrics) => ({
  bleu: metrics.find((x) => x.name === 'BLEU')!.score.toFixed(2),
  chrf: metrics.find((x) => x.name === 'chrF2')!.score.toFixed(2),
});

/** BLEU and chrF2 (two decimals, as the rows print them) of `seq2seq eval` of these weights (several: their ensemble), beam 2. */
function evalScores(models: string[], split: string, lengthPenalty: number, beam = 2, dir = data) {
  const r = evalReport(models, split, lengthPenalty, beam, dir);
  return { bleu: r.bleu, chrf: r.chrf };
}

/** `seq2seq eval`'s BLEU, chrF2 (two decimals) and length ratio (three) of these weights on a split. */
function evalReport(models: string[], split: string, lengthPenalty: number, beam: number, dir = data) {
  const ev = spawnSync(
    process.execPath,
    [
      join(REPO, 'bin/seq2seq.js'),
      'eval',
      ...models.flatMap((x) => ['--model', x]),
      '--test',
      join(dir, split),
      '--src',
      'en',
      '--tgt',
      'de',
      '--beam',
      String(beam),
      '--length-penalty',
      String(lengthPenalty),
      '--format',
      'json',
    ],
    { encoding: 'utf8' },
  );
  const metrics = (JSON.parse(ev.stdout) as { metrics: (Metrics[number] & { details?: { ratio: number } })[] }).metrics;
  return { ...twoDecimals(metrics), ratio: metrics.find((x) => x.name === 'BLEU')!.details!.ratio.toFixed(3) };
}

/** The rows of a results file, as objects by its header. */
function rowsOf(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

/** BLEU and chrF2 of the test hypotheses a run left, scored by `seq2seq score`. */
function scoreHypotheses(runDir: string) {
  const score = spawnSync(
    process.execPath,
    [
      join(REPO, 'bin/seq2seq.js'),
      'score',
      '--hyp',
      join(runDir, 'test.hyp.de'),
      '--ref',
      join(data, 'test.de'),
      '--format',
      'json',
    ],
    { encoding: 'utf8' },
  );
  return twoDecimals(JSON.parse(score.stdout) as Metrics);
}

describe('bench/quality.mjs', () => {
  it('trains, evaluates, appends a row with the BLEU signature, writes the Markdown table and the SVG curve; a second run only re-evaluates', async () => {
    const results = join(tmp, 'q.tsv');
    const curves = join(tmp, 'curves');
    const out = join(tmp, 'run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '60s',
      '--beam',
      '2',
      '--tune-length-penalty',
      '0,1',
      '--select',
      'val-best',
      '--results',
      results,
      '--curves',
      curves,
      '--out',
      out,
      '--',
      '--max-steps',
      '150',
      '--eval-every',
      '50',
    ];
    const first = await nodeAsync('bench/quality.mjs', args);
    expect(first.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(first.code).toBe(0);
    const lines = readFileSync(results, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const cols = lines[0].split('\t');
    const row = Object.fromEntries(lines[1].split('\t').map((v, i) => [cols[i], v]));
    expect(row.corpus).toBe('demo');
    expect(row.steps).toBe('150');
    expect(row.extra).toBe('--max-steps 150 --eval-every 50');
    expect(row.bleu_signature).toBe('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0');
    expect(Number(row.bleu)).toBeGreaterThanOrEqual(0);
    expect(Number(row.chrf)).toBeGreaterThan(0);
    expect(Number(row.sent_per_s)).toBeGreaterThan(0);
    // the length penalty was chosen on the validation split: the best of the two scores listed
    const m = /^beam 2, lp (\d) \(val-tuned: 0→([\d.]+), 1→([\d.]+)\)$/.exec(row.search)!;
    expect(m).not.toBeNull();
    expect(Number(m[1])).toBe(Number(m[3]) > Number(m[2]) ? 1 : 0);
    // the row's scores are those of the hypotheses the run left, scored independently by `seq2seq score`
    expect(scoreHypotheses(out)).toEqual({ bleu: row.bleu, chrf: row.chrf });
    // curve: one point per validation (steps 50, 100, 150 and the final one at 150 again)
    const svg = readFileSync(join(curves, 'run.svg'), 'utf8'); // named after --out
    const points = /<polyline[^>]*points="([^"]+)"/.exec(svg)![1].split(' ');
    const evals = readFileSync(join(out, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"eval"')).length;
    expect(points).toHaveLength(evals);
    expect(readFileSync(results.replace('.tsv', '.md'), 'utf8')).toContain(`| demo | en-de | 60s |`);

    const second = await nodeAsync('bench/quality.mjs', args);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('training already finished');
    const lines2 = readFileSync(results, 'utf8').trim().split('\n');
    expect(lines2).toHaveLength(3);
    expect(lines2[2].split('\t')[cols.indexOf('bleu')]).toBe(row.bleu);
  });

  it('with kept checkpoints it also scores their average and (--ensemble) the ensemble best+kept on val and takes the best to test', async () => {
    const results = join(tmp, 'avg.tsv');
    const out = join(tmp, 'avg-run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '60s',
      '--beam',
      '2',
      '--tune-length-penalty',
      '0,1',
      '--select',
      'val-best',
      '--ensemble',
      '--results',
      results,
      '--curves',
      join(tmp, 'curves-avg'),
      '--out',
      out,
      '--',
      '--max-steps',
      '30',
      '--eval-every',
      '10',
      '--keep-checkpoints',
      '2',
    ];
    const r = await nodeAsync('bench/quality.mjs', args);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('quality: averaged the kept checkpoints of steps 20, 30');
    const [head, line] = readFileSync(results, 'utf8').trim().split('\n');
    const cols = head.split('\t');
    expect(cols).toContain('search'); // the same columns as before: old and new rows share one header
    const row = Object.fromEntries(line.split('\t').map((v, i) => [cols[i], v]));
    expect(r.stderr).toContain('quality: ensemble of best/ and the kept checkpoints of steps 20, 30');
    const m =
      /^beam 2, lp (\d), (best\/|averaged last 2|ensemble best\+last 2) \(val-tuned: best\/ 0→([\d.]+), 1→([\d.]+); averaged last 2 0→([\d.]+), 1→([\d.]+); ensemble best\+last 2 0→([\d.]+), 1→([\d.]+)\)$/.exec(
        row.search,
      )!;
    expect(m, row.search).not.toBeNull();
    // the (weights, penalty) with the highest validation BLEU, the first on a tie
    const tried = [
      ['best/', 0, m[3]],
      ['best/', 1, m[4]],
      ['averaged last 2', 0, m[5]],
      ['averaged last 2', 1, m[6]],
      ['ensemble best+last 2', 0, m[7]],
      ['ensemble best+last 2', 1, m[8]],
    ] as const;
    const top = tried.reduce((b, x) => (Number(x[2]) > Number(b[2]) ? x : b));
    expect([m[2], Number(m[1])]).toEqual([top[0], top[1]]);
    // the ensemble's validation score is that of `seq2seq eval` with the three models
    const kept = ['step-00000020', 'step-00000030'].map((s) => join(out, 'checkpoints', s));
    expect(evalScores([out, ...kept], 'valid', 1).bleu).toBe(m[8]);
    // the test figure is that model's: evaluated again independently, the same BLEU
    const models = top[0] === 'best/' ? [out] : top[0] === 'averaged last 2' ? [join(out, 'averaged')] : [out, ...kept];
    expect(evalScores(models, 'test', top[1]).bleu).toBe(row.bleu);
  });

  it('--seeds 1,2 trains one run per seed side by side on a share of the cores and scores their ensemble', async () => {
    const results = join(tmp, 'seeds.tsv');
    const out = join(tmp, 'seeds-run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '60s',
      '--beam',
      '2',
      '--tune-length-penalty',
      '0,1',
      '--select',
      'val-best',
      '--seeds',
      '1,2',
      '--results',
      results,
      '--curves',
      join(tmp, 'curves-seeds'),
      '--out',
      out,
      '--',
      '--max-steps',
      '80',
      '--eval-every',
      '40',
      '--keep-checkpoints',
      '2',
    ];
    const r = await nodeAsync('bench/quality.mjs', args);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const threads = Math.max(1, Math.floor(availableParallelism() / 2));
    const members = [1, 2].map((seed) => ({ seed, dir: join(out, `seed-${seed}`) }));
    for (const { seed, dir } of members) {
      // each member is a run of its own seed, trained with its share of the cores, its lines prefixed
      expect(
        (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { training: { seed: number } }).training.seed,
      ).toBe(seed);
      expect(r.stderr).toContain(`[seed ${seed}] $ SEQ2SEQ_THREADS=${threads} node bin/seq2seq.js train`);
      expect(r.stderr).toMatch(new RegExp(`^\\[seed ${seed}\\] step 80 `, 'm'));
    }
    // independently seeded: the two runs' first losses differ
    const firstLoss = (dir: string) =>
      readFileSync(join(dir, 'history.jsonl'), 'utf8')
        .split('\n')
        .map((l) => (l ? (JSON.parse(l) as { type: string; loss?: number }) : null))
        .find((e) => e?.type === 'step')!.loss;
    expect(firstLoss(members[0].dir)).not.toBe(firstLoss(members[1].dir));
    const [head, line] = readFileSync(results, 'utf8').trim().split('\n');
    const cols = head.split('\t');
    const row = Object.fromEntries(line.split('\t').map((v, i) => [cols[i], v]));
    expect(row.steps).toBe('80+80');
    expect(row.extra).toBe(
      `[seeds 1,2 side by side, ${threads} thread${threads === 1 ? '' : 's'} each] --max-steps 80 --eval-every 40 --keep-checkpoints 2`,
    );
    const params = (
      JSON.parse(readFileSync(join(members[0].dir, 'history.jsonl'), 'utf8').split('\n')[0]) as { parameters: number }
    ).parameters;
    expect(row.parameters).toBe(`2×${params}`);
    const E = 'ensemble of seeds 1\\+2, ';
    const m = new RegExp(
      `^beam 2, lp (\\d), ${E}(best/|averaged last 2) \\(val-tuned: ${E}best/ 0→([\\d.]+), 1→([\\d.]+); ${E}averaged last 2 0→([\\d.]+), 1→([\\d.]+)\\); alone on val: seed 1 ([\\d.]+), seed 2 ([\\d.]+)$`,
    ).exec(row.search)!;
    expect(m, row.search).not.toBeNull();
    // the chosen (weights, penalty) scored highest on val (ties at two decimals may go either way)
    const tried = [
      ['best/', 0, m[3]],
      ['best/', 1, m[4]],
      ['averaged last 2', 0, m[5]],
      ['averaged last 2', 1, m[6]],
    ] as const;
    const topScore = Math.max(...tried.map((x) => Number(x[2])));
    const top = tried.find((x) => x[0] === m[2] && x[1] === Number(m[1]))!;
    expect(Number(top[2])).toBe(topScore);
    // every figure of the row is that of `seq2seq eval`/`score` run independently on the same weights
    const weights = members.map(({ dir }) => (top[0] === 'best/' ? dir : join(dir, 'averaged')));
    expect(
      evalScores(
        members.map(({ dir }) => dir),
        'valid',
        1,
      ).bleu,
    ).toBe(m[4]);
    expect(evalScores([weights[0]], 'valid', top[1]).bleu).toBe(m[7]);
    expect(evalScores([weights[1]], 'valid', top[1]).bleu).toBe(m[8]);
    expect(evalScores(weights, 'test', top[1])).toEqual({ bleu: row.bleu, chrf: row.chrf });
    expect(scoreHypotheses(out).bleu).toBe(row.bleu);
    // the curve has one BLEU line per member
    const svg = readFileSync(join(tmp, 'curves-seeds', 'seeds-run.svg'), 'utf8');
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain('seed 2');
  }, 180_000);

  it('--seeds: bad combinations and values give one line and exit 2', async () => {
    for (const extra of [
      ['--seed', '1', '--seeds', '1,2'],
      ['--seeds', '1,1'],
      ['--seeds', '1,x'],
      ['--seeds', '1,2', '--ensemble'],
    ]) {
      const r = await nodeAsync('bench/quality.mjs', ['--corpus', 'demo', '--data', data, '--budget', '1s', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^quality\.mjs: .*--(seeds|ensemble)/);
    }
  });

  it('resumes a run cut short by Ctrl-C with the rest of its budget', async () => {
    const results = join(tmp, 'resume.tsv');
    const out = join(tmp, 'resume-run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '4s',
      '--beam',
      '1',
      '--results',
      results,
      '--curves',
      join(tmp, 'curves2'),
      '--out',
      out,
      '--',
      '--checkpoint-every',
      '5',
      '--eval-every',
      '1000',
    ];
    const child = spawn(process.execPath, [join(REPO, 'bench/quality.mjs'), ...args], {
      cwd: REPO,
      env: { ...process.env, SEQ2SEQ_BENCH_NICE: '0' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const state = join(out, 'last', 'train-state', 'state.json');
    for (let i = 0; i < 600 && !existsSync(state); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(state)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).not.toBe(0);
    expect(existsSync(results)).toBe(false);
    const trained = (JSON.parse(readFileSync(state, 'utf8')) as { trainSeconds: number }).trainSeconds;
    expect(trained).toBeLessThan(4);
    const again = await nodeAsync('bench/quality.mjs', args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/resuming \(\d+ s trained, \d+ s of the budget left\)/);
    expect(again.stderr).toContain('--resume');
    const history = readFileSync(join(out, 'history.jsonl'), 'utf8');
    expect(history.match(/"type":"start"/g)).toHaveLength(2);
    expect(readFileSync(results, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it("--select calibrated: its choice beside eval's defaults, with ratios; an old results file extended", async () => {
    const results = join(tmp, 'old.tsv');
    // a results file written before the new columns: the repository's header and first row
    const old = readFileSync(join(REPO, 'bench/results/quality.tsv'), 'utf8').split('\n').slice(0, 2);
    writeFileSync(results, old.join('\n') + '\n');
    const out = join(tmp, 'calibrated-run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '60s',
      '--beam',
      '2',
      '--tune-length-penalty',
      '1,2',
      '--select',
      'calibrated',
      '--results',
      results,
      '--curves',
      join(tmp, 'curves-cal'),
      '--out',
      out,
      '--',
      '--max-steps',
      '100',
      '--eval-every',
      '50',
    ];
    const r = await nodeAsync('bench/quality.mjs', args);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const lines = readFileSync(results, 'utf8').trim().split('\n');
    expect(lines[0].startsWith(`${old[0]}\t`)).toBe(true); // the header grew at its end
    expect(lines[1]).toBe(old[1]); // the old row is untouched, and reads as before
    const [first, row] = rowsOf(results);
    expect([first.corpus, first.bleu, first.select]).toEqual(['multi30k', '6.63', undefined]);
    // the grid got eval's default penalty 0.6; every setting's val BLEU is listed
    const m = /^beam 2, lp (0\.6|1|2) \(val-tuned: 0\.6→([\d.]+), 1→([\d.]+), 2→([\d.]+)\)$/.exec(row.search)!;
    expect(m, row.search).not.toBeNull();
    const lp = Number(m[1]);
    // ρ: target/source 13a tokens of the training corpus, counted here independently
    const count = (lang: string) =>
      readFileSync(join(data, `train.${lang}`), 'utf8')
        .trim()
        .split('\n')
        .reduce((n, l) => n + tokenize13a(l).split(' ').filter(Boolean).length, 0);
    const rho = count('de') / count('en');
    expect(row.select.startsWith(`calibrated (ρ ${rho.toFixed(4)}): `)).toBe(true);
    expect(row.seeds).toBe('1');
    // RUN/selection.json holds what the rules need; the rule re-applied to it gives the same choice
    const sel = JSON.parse(readFileSync(join(out, 'selection.json'), 'utf8'));
    expect(sel.settings.map((x: { name: string }) => x.name)).toEqual(['best/ lp 0.6', 'best/ lp 1', 'best/ lp 2']);
    expect(sel.default).toBe(0);
    expect(sel.settings[sel.chosen].lp).toBe(lp);
    expect(S.choose('calibrated', sel.settings, sel.default, { rho: sel.rho }).index).toBe(sel.chosen);
    sel.settings.forEach((x: { val: { halves: number[][]; srcTokens: number[] } }, i: number) =>
      expect(S.bleuOf(x.val).toFixed(2)).toBe(m[2 + i]),
    );
    // every figure of the row is that of `seq2seq eval` run independently
    const chosenVal = evalReport([out], 'valid', lp, 2);
    const chosenTest = evalReport([out], 'test', lp, 2);
    expect([row.val_bleu, row.val_ratio]).toEqual([chosenVal.bleu, chosenVal.ratio]);
    expect([row.bleu, row.chrf, row.test_ratio]).toEqual([chosenTest.bleu, chosenTest.chrf, chosenTest.ratio]);
    const defVal = evalReport([out], 'valid', 0.6, 5);
    const defTest = evalReport([out], 'test', 0.6, 5);
    expect(row.default_val_bleu).toBe(defVal.bleu);
    expect([row.default_bleu, row.default_chrf, row.default_ratio]).toEqual([
      defTest.bleu,
      defTest.chrf,
      defTest.ratio,
    ]);
    expect(r.stdout).toContain(
      `eval's defaults (best/, beam 5, lp 0.6): val BLEU ${defVal.bleu}, test BLEU ${defTest.bleu}`,
    );
    expect(readFileSync(results.replace('.tsv', '.md'), 'utf8')).toContain('| test BLEU, eval defaults |');

    // the summary reads old and new rows alike; --rules re-applies every rule to the run's selection.json
    const summary = await nodeAsync('bench/quality-summary.mjs', ['--results', results]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain(
      '| multi30k en-de 2m multi30k; select val-best (round 1) | 1 (1) | 6.63 | 27.05 |  |  |  |',
    );
    const figures = [row.bleu, row.chrf, row.default_bleu, row.val_bleu, row.test_ratio].join(' | ');
    const recipe = 'demo en-de 60s tiny --max-steps 100 --eval-every 50; select calibrated';
    expect(summary.stdout).toContain(`| ${recipe} | 1 (1) | ${figures} |`);
    const rules = await nodeAsync('bench/quality-summary.mjs', ['--results', results, '--rules']);
    expect(rules.code).toBe(0);
    const ruleRow = rules.stdout.split('\n').find((l) => l.startsWith(`| ${row.run} |`))!;
    const cells = ruleRow.split(' | ');
    const ruleNames = ['default-lp', 'calibrated', 'halves', 'window', 'val-best'];
    const head = ['run', ...ruleNames.map((x) => `rule ${x}: chosen → test BLEU`), 'eval defaults: test BLEU'];
    expect(rules.stdout.split('\n')[0]).toBe(`| ${head.join(' | ')} |`);
    expect(cells[2]).toBe(`best/ lp ${lp}: val ${row.val_bleu} (ratio ${row.val_ratio}) → test ${row.bleu}`);
    // default-lp: the only weights are best/, so lp 0.6 — its test figure known when it was the choice
    expect(cells[1]).toMatch(
      new RegExp(`^best/ lp 0\\.6: val ${m[2]} \\(ratio [\\d.]+\\) → test ${lp === 0.6 ? row.bleu : '\\?'}$`),
    );
  }, 180_000);

  it('--replicates 2: the recipe twice, a seed each, then mean ± spread; 2 encoder layers pass through', async () => {
    const results = join(tmp, 'rep.tsv');
    const out = join(tmp, 'rep');
    const args = ['--corpus', 'demo', '--data', data, '--budget', '60s', '--beam', '1', '--replicates', '2'];
    args.push('--results', results, '--curves', join(tmp, 'curves-rep'), '--out', out);
    args.push('--', '--max-steps', '40', '--eval-every', '40', '--encoder-layers', '2');
    const r = await nodeAsync('bench/quality.mjs', args);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const rows = rowsOf(results);
    expect(rows.map((x) => [x.seeds, x.run, x.steps])).toEqual([
      ['1', join(out, 's1'), '40'],
      ['2', join(out, 's2'), '40'],
    ]);
    for (const [i, x] of rows.entries()) {
      const cfg = JSON.parse(readFileSync(join(x.run, 'config.json'), 'utf8')) as {
        training: { seed: number };
        model: { encoderLayers: number };
      };
      expect([cfg.training.seed, cfg.model.encoderLayers]).toEqual([i + 1, 2]);
      expect(existsSync(join(tmp, 'curves-rep', `rep-s${i + 1}.svg`))).toBe(true);
    }
    // mean ± sample standard deviation (range), computed here from the two rows
    const fmt = (xs: number[]) => {
      const [mean, sd] = [(xs[0] + xs[1]) / 2, Math.abs(xs[0] - xs[1]) / Math.SQRT2];
      return `${mean.toFixed(2)} ± ${sd.toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    };
    const bleu = rows.map((x) => Number(x.bleu));
    const chrf = rows.map((x) => Number(x.chrf));
    expect(chrf[0]).not.toBe(chrf[1]); // two independent runs
    const recipe = 'demo en-de 60s tiny --max-steps 40 --eval-every 40 --encoder-layers 2; select default-lp';
    expect(r.stdout).toContain(`| ${recipe} | 2 (1, 2) | ${fmt(bleu)} | ${fmt(chrf)} |`);
    // run again (as after a kill): the runs that have their rows are neither trained nor scored again
    const again = await nodeAsync('bench/quality.mjs', args);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/was trained and scored already/g)).toHaveLength(2);
    expect(rowsOf(results)).toHaveLength(2);
    expect(again.stdout).toContain(`| ${recipe} | 2 (1, 2) | ${fmt(bleu)} | ${fmt(chrf)} |`);
  }, 180_000);

  it('--distill: teacher, its translations of the training sources, student for the rest of the budget', async () => {
    const data2 = join(tmp, 'demo200');
    mkdirSync(data2);
    for (const split of ['train', 'valid', 'test']) {
      for (const lang of ['en', 'de'])
        writeFileSync(
          join(data2, `${split}.${lang}`),
          readFileSync(join(data, `${split}.${lang}`), 'utf8')
            .split('\n')
            .slice(0, split === 'train' ? 200 : 40)
            .join('\n') + '\n',
        );
    }
    const results = join(tmp, 'distill.tsv');
    const out = join(tmp, 'distill-run');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data2,
      '--budget',
      '300s',
      '--beam',
      '1',
      '--distill',
      '0.3',
      '--distill-beam',
      '2',
      '--distill-mix',
      '--results',
      results,
      '--curves',
      join(tmp, 'curves-distill'),
      '--out',
      out,
      '--',
      '--max-steps',
      '40',
      '--eval-every',
      '40',
    ];
    const r = await nodeAsync('bench/quality.mjs', args);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const teacher = join(out, 'teacher');
    const student = join(out, 'student');
    // the distilled corpus: the sources twice, with the original targets, then the teacher's beam-2 translations
    const lines = (f: string) => readFileSync(f, 'utf8').split('\n').slice(0, -1);
    const src = lines(join(data2, 'train.en'));
    const tr = spawnSync(
      process.execPath,
      [
        join(REPO, 'bin/seq2seq.js'),
        'translate',
        '--model',
        teacher,
        '-i',
        join(data2, 'train.en'),
        '--beam',
        '2',
        '--length-penalty',
        '0.6',
      ],
      { encoding: 'utf8' },
    );
    expect(tr.status).toBe(0);
    expect(lines(join(out, 'distilled', 'train.en'))).toEqual([...src, ...src]);
    expect(lines(join(out, 'distilled', 'train.de'))).toEqual([
      ...lines(join(data2, 'train.de')),
      ...tr.stdout.split('\n').slice(0, -1),
    ]);
    // the budget: the student's time budget is what the teacher's training and the decoding left
    const teacherSeconds = (
      JSON.parse(readFileSync(join(teacher, 'last', 'train-state', 'state.json'), 'utf8')) as { trainSeconds: number }
    ).trainSeconds;
    const decodeSeconds = (
      JSON.parse(readFileSync(join(out, 'distilled', 'manifest.json'), 'utf8')) as { seconds: number }
    ).seconds;
    const start = JSON.parse(readFileSync(join(student, 'history.jsonl'), 'utf8').split('\n')[0]) as {
      type: string;
      timeBudgetMs: number;
    };
    expect(start.type).toBe('start');
    expect(start.timeBudgetMs / 1000).toBeCloseTo(300 - teacherSeconds - decodeSeconds, 3);
    const teacherStart = JSON.parse(readFileSync(join(teacher, 'history.jsonl'), 'utf8').split('\n')[0]) as {
      timeBudgetMs: number;
    };
    expect(teacherStart.timeBudgetMs).toBe(90_000);
    // the student learns on the distilled corpus with the teacher's vocabulary
    const cfg = JSON.parse(readFileSync(join(student, 'config.json'), 'utf8')) as { training: { train: string[] } };
    expect(cfg.training.train).toEqual([join(out, 'distilled', 'train')]);
    expect(readFileSync(join(student, 'tokenizer.json'))).toEqual(readFileSync(join(teacher, 'tokenizer.json')));
    const [row] = rowsOf(results);
    expect(row.steps).toBe('40');
    expect(row.extra).toBe(
      '[distilled: 1 teacher for 0.3 of the budget, beam 2, with the original targets] --max-steps 40 --eval-every 40',
    );
    const n = '[\\d.]+';
    const teachers = `^teachers ${n} s \\(40 steps; val BLEU ${n} at beam 2, lp 0\\.6\\)`;
    const phases = `${teachers}, decoding ${n} s \\(400 pairs\\)`;
    expect(row.distill).toMatch(new RegExp(`${phases}, student ${n} s$`));
    expect(evalScores([student], 'test', 0.6, 1, data2)).toEqual({ bleu: row.bleu, chrf: row.chrf });
    // again: nothing is trained or decoded, one more row; other distillation settings are refused
    const again = await nodeAsync('bench/quality.mjs', args);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already made (400 pairs');
    expect(rowsOf(results)).toHaveLength(2);
    const other = await nodeAsync(
      'bench/quality.mjs',
      args.map((a) => (a === '2' ? '3' : a)),
    );
    expect(other.code).toBe(2);
    expect(other.stderr.trim().split('\n').pop()).toMatch(
      /^quality\.mjs: .*distilled: a distilled corpus made with other settings/,
    );
  }, 180_000);

  it('the new flags: bad values give one line and exit 2', async () => {
    for (const extra of [
      ['--select', 'best'],
      ['--replicates', '0'],
      ['--distill', '1.5'],
      ['--distill-mix'],
      ['--distill', '0.5', '--ensemble'],
      ['--distill', '0.5', '--distill-beam', '0'],
    ]) {
      const r = await nodeAsync('bench/quality.mjs', ['--corpus', 'demo', '--data', data, '--budget', '1s', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^quality\.mjs: .*--(select|replicates|distill|ensemble)/);
    }
  });

  it('bad usage: one line, exit 2', async () => {
    const r = await nodeAsync('bench/quality.mjs', ['--corpus', 'wmt', '--budget', '1m']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("quality.mjs: --corpus must be multi30k, tatoeba or demo, got 'wmt'");
    const b = await nodeAsync('bench/quality.mjs', ['--corpus', 'demo', '--budget', 'soon']);
    expect(b.code).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bench/ablation.mjs', () => {
  it('runs the chosen variants into a Markdown table and skips them when run again', async () => {
    const results = join(tmp, 'abl.jsonl');
    const args = [
      '--corpus',
      'demo',
      '--data',
      data,
      '--budget',
      '2s',
      '--only',
      'gru-bi-none',
      '--beam',
      '1',
      '--results',
      results,
      '--out',
      join(tmp, 'abl'),
    ];
    const r = await nodeAsync('bench/ablation.mjs', args);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const rows = readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    expect(rows[0].variant).toBe('gru-bi-none');
    expect(rows[0].model).toBe('GRU, bidirectional, no attention (fixed context)');
    const cfg = JSON.parse(readFileSync(join(tmp, 'abl', 'gru-bi-none', 'config.json'), 'utf8')) as {
      model: { attention: string; inputFeeding: boolean; cell: string };
    };
    expect(cfg.model.attention).toBe('none');
    expect(cfg.model.inputFeeding).toBe(false);
    const md = readFileSync(results.replace('.jsonl', '.md'), 'utf8');
    expect(md).toContain('| gru-bi-none | attention | GRU, bidirectional, no attention (fixed context) |');
    expect(r.stdout).toBe(md);
    const again = await nodeAsync('bench/ablation.mjs', args);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already in');
    expect(readFileSync(results, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
