// Shared by bench/quality.mjs and bench/ablation.mjs: the corpora of the quality recipes, one
// resumable training run (a budget of training time that survives a kill), one evaluation, and the
// append-only results files. Trainings run as `nice -n 10 node bin/seq2seq.js train …`, one at a time
// (or, for bench:quality --seeds, one per seed side by side, the cores split between them).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './args.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = join(root, 'bin', 'seq2seq.js');
export const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
export const say = (s) => process.stderr.write(`${s}\n`);
/** A path as results files record it: relative when inside the working directory, else absolute. */
export const rel = (p) => {
  const r = relative(process.cwd(), p) || '.';
  return r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r) ? resolve(p) : r;
};

/** Where the shared corpora are: $SEQ2SEQ_CORPORA or ../shared/corpora beside the repository. */
export const sharedCorpora = () => process.env.SEQ2SEQ_CORPORA ?? join(root, '..', 'shared', 'corpora');

export { UsageError };

/**
 * The corpus of a recipe: train/valid/test prefixes (aligned files PREFIX.src / PREFIX.tgt), the
 * preset, and how to prepare it. `demo` is the bundled generated corpus (for tests and smoke runs;
 * `data` replaces its directory: train/valid/test.{en,de}).
 */
export function corpusRecipe(corpus, pair, { data } = {}) {
  const [src, tgt] = (pair ?? '').split('-');
  if (!src || !tgt) throw new UsageError(`--pair must look like en-de, got '${pair ?? ''}'`);
  if (corpus === 'multi30k') {
    const dir = join(sharedCorpora(), 'multi30k');
    if (src !== 'en' || !['de', 'fr', 'cs'].includes(tgt))
      throw new UsageError(`multi30k pairs: en-de, en-fr, en-cs; got '${pair}'`);
    return {
      corpus,
      pair,
      src,
      tgt,
      preset: 'multi30k',
      train: join(dir, 'train'),
      valid: join(dir, 'val'),
      test: join(dir, 'test_2016_flickr'),
      testName: 'test_2016_flickr',
      needs: [join(dir, `train.${src}`), join(dir, `train.${tgt}`)],
    };
  }
  if (corpus === 'tatoeba') {
    if (pair !== 'en-fr') throw new UsageError(`tatoeba pairs: en-fr; got '${pair}'`);
    const dir = join(root, 'runs', 'corpora', 'tatoeba-eng-fra');
    return {
      corpus,
      pair,
      src,
      tgt,
      preset: 'tatoeba',
      train: join(dir, 'train'),
      valid: join(dir, 'val'),
      test: join(dir, 'test'),
      testName: 'test (seed-1 split)',
      needs: [join(sharedCorpora(), 'tatoeba-eng-fra', 'fra.txt')],
      // `seq2seq corpus prepare` with the recipe's settings (docs/quality.md, "Tatoeba: the split"),
      // once: a split whose prepare.json names the same input (sha256) and settings is kept.
      prepare: async () => {
        const input = join(sharedCorpora(), 'tatoeba-eng-fra', 'fra.txt');
        const report = join(dir, 'prepare.json');
        if (existsSync(report)) {
          const r = JSON.parse(readFileSync(report, 'utf8'));
          const sha = createHash('sha256').update(readFileSync(input)).digest('hex');
          const s = r.settings ?? {};
          const same = s.seed === 1 && s.valid === '2000 (asked: 2000)' && s.test === '5000 (asked: 5000)';
          if (r.inputs?.[0]?.files?.[0]?.sha256 === sha && same) {
            say(`tatoeba: split already prepared in ${rel(dir)} (seed 1)`);
            return;
          }
        }
        const split = ['--seed', '1', '--valid', '2000', '--test', '5000'];
        const args = ['corpus', 'prepare', input, '--src', 'en', '--tgt', 'fr', ...split, '--out', dir, '--force'];
        const code = await run(process.execPath, [bin, ...args]);
        if (code !== 0) throw new Error(`seq2seq corpus prepare exited with code ${code}`);
      },
    };
  }
  if (corpus === 'demo') {
    if (pair !== 'en-de') throw new UsageError(`demo pairs: en-de; got '${pair}'`);
    const dir = data ?? join(root, 'corpora', 'demo');
    return {
      corpus,
      pair,
      src,
      tgt,
      preset: 'tiny',
      train: join(dir, 'train'),
      valid: join(dir, 'valid'),
      test: join(dir, 'test'),
      testName: 'test',
      needs: [join(dir, 'train.en')],
    };
  }
  throw new UsageError(`--corpus must be multi30k, tatoeba or demo, got '${corpus ?? ''}'`);
}

/** Seconds of a duration such as 90s, 5m, 1h30m or a plain number of seconds (the trainer's syntax). */
export async function durationSeconds(text) {
  const { parseDuration } = await import(dist('train/duration.js'));
  return parseDuration(text, '--budget') / 1000;
}

export function readJsonl(path) {
  if (!existsSync(path)) return [];
  const out = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut short by a kill: ignore
    }
  }
  return out;
}

/** Where a run directory stands: 'new', 'done' (a finished session), 'partial' (last/ to resume), 'stale'. */
export function runStatus(dir) {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return { status: 'new' };
  const history = readJsonl(join(dir, 'history.jsonl'));
  const done = [...history].reverse().find((e) => e.type === 'done');
  const lastStart = [...history].reverse().find((e) => e.type === 'start');
  const statePath = join(dir, 'last', 'train-state', 'state.json');
  const trainSeconds = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')).trainSeconds : 0;
  // A finished session is the newest event group: its `done` came after the newest `start`.
  if (done && done.reason !== 'interrupted' && history.lastIndexOf(done) > history.lastIndexOf(lastStart))
    return { status: 'done', trainSeconds, done };
  if (existsSync(statePath)) return { status: 'partial', trainSeconds };
  return { status: 'stale' };
}

/**
 * Runs a command, its stdout and stderr both to our stderr (our stdout is the results); resolves
 * with its exit code. With `prefix`, each line it prints is prefixed (runs trained side by side).
 */
export function run(cmd, args, { env, prefix } = {}) {
  return new Promise((resolve, reject) => {
    const stdio = prefix ? ['ignore', 'pipe', 'pipe'] : ['ignore', 2, 2];
    const child = spawn(cmd, args, { cwd: root, stdio, env: env ? { ...process.env, ...env } : process.env });
    if (prefix) {
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) =>
          process.stderr.write(`${prefix}${line}\n`),
        );
      }
    }
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (sig ? 128 + 1 : 1));
    });
  });
}

export const niceArgs = (args) =>
  process.platform === 'win32' || process.env.SEQ2SEQ_BENCH_NICE === '0'
    ? [process.execPath, args]
    : ['nice', ['-n', '10', process.execPath, ...args]];

/**
 * Trains `dir` for `budgetSeconds` of training time in total: a fresh run, or the rest of the
 * budget of an interrupted one (`--resume`), or nothing when a session already finished.
 * `trainArgs` are the flags of a fresh run (without --out and --time-budget); `env` is added to
 * the trainer's environment (e.g. SEQ2SEQ_THREADS) and `prefix` starts each line it prints.
 */
export async function trainWithBudget(dir, budgetSeconds, trainArgs, { env, prefix = '' } = {}) {
  const st = runStatus(dir);
  if (st.status === 'done') {
    say(`${prefix}${rel(dir)}: training already finished (${st.done.reason} at step ${st.done.step}); evaluating it`);
    return st;
  }
  if (st.status === 'stale')
    throw new UsageError(
      `${rel(dir)}: exists but has no checkpoint to resume (killed before the first one); remove it or give another --out`,
    );
  let args;
  if (st.status === 'partial') {
    const left = Math.max(1, Math.round(budgetSeconds - st.trainSeconds));
    say(`${prefix}${rel(dir)}: resuming (${Math.round(st.trainSeconds)} s trained, ${left} s of the budget left)`);
    args = [bin, 'train', '--resume', dir, '--time-budget', String(left), '--log-format', 'plain'];
  } else {
    args = [bin, 'train', ...trainArgs, '--out', dir, '--time-budget', String(budgetSeconds), '--log-format', 'plain'];
  }
  const load0 = loadavg()[0];
  const [cmd, full] = niceArgs(args);
  const envText = env
    ? Object.entries(env)
        .map(([k, v]) => `${k}=${v} `)
        .join('')
    : '';
  say(
    `${prefix}$ ${envText}${cmd === 'nice' ? 'nice -n 10 ' : ''}node ${args.map((a) => (a.startsWith('/') ? rel(a) : a)).join(' ')}`,
  );
  const code = await run(cmd, full, { env, prefix: prefix || undefined });
  if (code !== 0)
    throw Object.assign(new Error(`${prefix}training exited with code ${code}; run the same command again to resume`), {
      exitCode: code,
    });
  const after = runStatus(dir);
  return { ...after, load: [load0, loadavg()[0]] };
}

/**
 * `seq2seq eval --format json` of a run's best checkpoint (or of a checkpoint directory such as
 * RUN/averaged; or, given an array of directories, of their ensemble); returns the parsed report.
 */
export async function evaluate(dir, recipe, { beam = 5, lengthPenalty = 0.6, test = recipe.test, hypOut } = {}) {
  const models = (Array.isArray(dir) ? dir : [dir]).flatMap((d) => ['--model', d]);
  const args = [
    bin,
    'eval',
    ...models,
    '--test',
    test,
    '--src',
    recipe.src,
    '--tgt',
    recipe.tgt,
    '--beam',
    String(beam),
    '--length-penalty',
    String(lengthPenalty),
    '--format',
    'json',
  ];
  if (hypOut) args.push('--hyp-out', hypOut);
  const [cmd, full] = niceArgs(args);
  const r = spawnSync(cmd, full, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw Object.assign(
      new Error(`seq2seq eval failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`),
      { exitCode: 1 },
    );
  const rep = JSON.parse(r.stdout);
  const metric = (name) => rep.metrics.find((m) => m.name.startsWith(name));
  return {
    bleu: metric('BLEU'),
    chrf: metric('chrF'),
    perplexity: rep.perplexity?.perplexity,
    decoding: rep.decoding,
    pairs: rep.pairs,
  };
}

/**
 * `seq2seq average DIR` (the newest 5 kept checkpoints → DIR/averaged) when the run kept
 * checkpoints (train --keep-checkpoints); null otherwise. Returns the steps averaged and the directory.
 */
export async function averageKept(dir) {
  const kdir = join(dir, 'checkpoints');
  if (!existsSync(kdir) || !readdirSync(kdir).some((n) => /^step-\d+$/.test(n))) return null;
  const [cmd, full] = niceArgs([bin, 'average', dir]);
  const r = spawnSync(cmd, full, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0)
    throw Object.assign(
      new Error(`seq2seq average failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`),
      { exitCode: 1 },
    );
  const doc = JSON.parse(readFileSync(join(dir, 'averaged', 'config.json'), 'utf8'));
  return { dir: join(dir, 'averaged'), steps: doc.averaged.steps };
}

/**
 * The newest `last` kept checkpoints of a run (checkpoints/step-N/, found as `seq2seq average`
 * finds them: src/model/run-dir.ts listKept), oldest first, as { step, dir }; [] when none.
 */
export async function keptCheckpoints(dir, last = 5) {
  const { listKept } = await import(dist('model/run-dir.js'));
  return listKept(dir).slice(-last);
}

/** What a run directory's config and history say: parameters, steps, epochs, best validation score, curve. */
export async function runFacts(dir) {
  const history = readJsonl(join(dir, 'history.jsonl'));
  const { curveFromHistory } = await import(dist('eval/learning-curve.js'));
  const starts = history.filter((e) => e.type === 'start');
  const dones = history.filter((e) => e.type === 'done');
  const last = dones[dones.length - 1];
  const curve = curveFromHistory(history);
  const best = curve.reduce((b, p) => (b === null || p.bleu > b.bleu ? p : b), null);
  const perEpoch = starts[starts.length - 1]?.batchesPerEpoch;
  // epochs trained, as a fraction (the done event's epoch counts completed epochs only)
  const epoch = last && perEpoch ? +(last.step / perEpoch).toFixed(1) : null;
  return {
    parameters: starts[0]?.parameters ?? null,
    steps: last?.step ?? null,
    epoch,
    reason: last?.reason ?? null,
    curve,
    bestValid: best,
  };
}

export function gitCommit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/**
 * Appends one row to a TSV file, writing the header first when the file is new. Columns are only
 * ever added at the end: a file whose header is a beginning of `columns` gets the longer header
 * (the file rewritten atomically, its rows unchanged: they read as empty in the new columns).
 */
export function appendTsv(path, columns, row) {
  const clean = (v) => String(v ?? '').replace(/[\t\n]/g, ' ');
  const head = columns.join('\t');
  if (!existsSync(path)) appendFileSync(path, head + '\n');
  else {
    const text = readFileSync(path, 'utf8');
    const header = text.split('\n')[0];
    if (header !== head) {
      if (!head.startsWith(header + '\t')) {
        const what = `its header is not this script's columns (${columns.length})`;
        throw new UsageError(`${rel(path)}: ${what}; give another --results file`);
      }
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, head + text.slice(header.length));
      renameSync(tmp, path);
    }
  }
  appendFileSync(path, columns.map((c) => clean(row[c])).join('\t') + '\n');
}

export function readTsv(path) {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const cols = lines[0].split('\t');
  return lines.slice(1).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

/** Runs main(), printing one line and exiting 2 on usage/input errors, 1 on failures. */
export async function mainWrapper(main) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`${process.argv[1]?.split('/').pop() ?? 'bench'}: ${err.message}\n`);
    process.exit(
      err instanceof UsageError || err.exitCode === 2 || err.name === 'InputError' ? 2 : (err.exitCode ?? 1),
    );
  }
}
