// Behaviour unchanged? This tree against another checkout (built: its dist/ and native addon), in one run:
//  1. per-step training losses of fixed-seed runs on the demo corpus (corpora/demo) for five model
//     configurations (every attention kind, input feeding, tied embeddings, no pre-output, every
//     dropout, label smoothing), on each backend: the largest relative difference per run (≤ 1e-5 passes);
//  2. with --model, the translations of --input by that fixed model, greedy on each backend and beam 5 on
//     native: identical lines (≥ 99.5 % passes) and, with --ref, BLEU of both (|Δ| ≤ 0.05 passes).
//   node bench/equivalence.mjs --base ../wt-base [--steps 50] [--backends js,native]
//                              [--model runs/m30k --input val.en --ref val.de] [--out DIR]
// Exit code 0 when everything passes, 1 otherwise. Each run is its own child process, so the two trees'
// modules never meet. The machine may be shared: nothing here is timed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliFlags } from './lib/args.mjs';

const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CONFIGS = {
  // attention + pre-output + every dropout + label smoothing (the split input projection of Bahdanau)
  'gru-bahdanau': {
    cell: 'gru',
    attention: 'bahdanau',
    embeddingSize: 32,
    hiddenSize: 48,
    dropout: 0.2,
    labelSmoothing: 0.1,
    wordDropout: 0.1,
    memoryDropout: 0.1,
  },
  // LSTM, 2 layers, Luong general with input feeding, tied target embeddings
  'lstm-luong-if': {
    cell: 'lstm',
    attention: 'luong-general',
    embeddingSize: 32,
    hiddenSize: 32,
    encoderLayers: 2,
    decoderLayers: 2,
    inputFeeding: true,
    dropout: 0.2,
    labelSmoothing: 0.1,
    tiedTargetEmbeddings: true,
  },
  // Bahdanau with input feeding over 2 decoder layers, unidirectional 2-layer encoder
  'gru-bahdanau-if-2l': {
    cell: 'gru',
    attention: 'bahdanau',
    embeddingSize: 32,
    hiddenSize: 32,
    encoderLayers: 2,
    decoderLayers: 2,
    bidirectional: false,
    inputFeeding: true,
    dropout: 0.2,
    labelSmoothing: 0.1,
  },
  // Luong dot, LSTM, memory dropout
  'lstm-luong-dot': {
    cell: 'lstm',
    attention: 'luong-dot',
    embeddingSize: 32,
    hiddenSize: 48,
    encoderHiddenSize: 24,
    dropout: 0.1,
    memoryDropout: 0.2,
  },
  // vanilla RNN without attention, unidirectional, no pre-output
  'rnn-none': {
    cell: 'rnn',
    attention: 'none',
    embeddingSize: 32,
    hiddenSize: 48,
    bidirectional: false,
    preOutput: false,
    dropout: 0.1,
  },
};

const { o: opt } = cliFlags('npm run bench:equivalence -- --base DIR [flags]', {
  base: { type: 'string', help: 'another built checkout to compare with (required)' },
  steps: { type: 'string', default: '50', help: 'training steps per loss trace' },
  backends: { type: 'string', default: 'js,native', help: 'backends of the loss traces, comma-separated' },
  model: { type: 'string', help: 'a trained run whose translations are compared' },
  input: { type: 'string', help: 'sentences for --model to translate' },
  ref: { type: 'string', help: 'references of --input (BLEU of both trees)' },
  out: { type: 'string', help: 'keep the traces and translations here' },
  'child-tree': { type: 'string', help: '(internal) one loss trace in a child process' },
  'child-config': { type: 'string', help: '(internal)' },
  'child-tokenizer': { type: 'string', help: '(internal)' },
});

const child = opt['child-tree'];
if (child) await childTrace(child, opt['child-config'], opt['child-tokenizer'], Number(opt.steps));
else main();

/** Per-step losses of a fixed-seed training run with the code of `tree` (printed as one JSON line). */
async function childTrace(tree, name, tokenizer, steps) {
  const { resolveTrainSettings } = await import(join(tree, 'dist/train/config.js'));
  const { PRESETS } = await import(join(tree, 'dist/train/presets.js'));
  const { prepareTraining } = await import(join(tree, 'dist/train/run-training.js'));
  const out = join(mkdtempSync(join(tmpdir(), 'seq2seq-equivalence-')), 'run');
  const train = [join(here, 'corpora/demo/train')];
  const layer = { train, src: 'en', tgt: 'de', out, tokenizer, model: CONFIGS[name] };
  const run1 = { ...layer, maxSteps: steps, evalEvery: 1e6, seed: 7, batchTokens: 1500 };
  const settings = resolveTrainSettings([run1], (n) => PRESETS[n]);
  const run = await prepareTraining(settings);
  const losses = [];
  run.trainer.events.on('step', (e) => losses.push(e.loss));
  await run.trainer.run();
  rmSync(join(out, '..'), { recursive: true, force: true });
  console.log(JSON.stringify(losses));
}

function main() {
  if (!opt.base) fail('--base DIR (another built checkout) is required');
  const base = resolve(opt.base);
  const steps = Number(opt.steps);
  if (!Number.isInteger(steps) || steps < 1) fail(`--steps must be a positive integer, got ${opt.steps}`);
  const work = opt.out ? resolve(opt.out) : mkdtempSync(join(tmpdir(), 'seq2seq-equivalence-'));
  mkdirSync(work, { recursive: true });
  const cli = (tree, args, env = {}) => {
    const options = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } };
    return execFileSync(process.execPath, [join(tree, 'bin/seq2seq.js'), ...args], options);
  };
  console.log(`equivalence: ${here} against ${base}; outputs in ${work}\n`);
  const tokenizer = join(work, 'demo-tokenizer.json');
  const demo = join(here, 'corpora/demo/train');
  cli(here, ['bpe', 'learn', demo, '--src', 'en', '--tgt', 'de', '--vocab-size', '1500', '-o', tokenizer]);
  let ok = true;
  console.log(`1. per-step training losses, ${steps} steps (max relative difference; ≤ 1e-5 passes)`);
  for (const backend of opt.backends.split(','))
    for (const name of Object.keys(CONFIGS)) {
      const trace = (tree) => {
        const which = ['--child-tree', tree, '--child-config', name, '--child-tokenizer', tokenizer];
        const args = [fileURLToPath(import.meta.url), ...which, '--steps', String(steps)];
        const env = { ...process.env, SEQ2SEQ_BACKEND: backend };
        const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
        if (r.status !== 0) fail(`loss trace of ${name} on ${backend} in ${tree} failed:\n${r.stderr}`);
        return JSON.parse(r.stdout.trim().split('\n').pop());
      };
      const [a, b] = [trace(base), trace(here)];
      const worst = Math.max(...a.map((l, i) => Math.abs(b[i] - l) / Math.abs(l)));
      const pass = a.length === b.length && worst <= 1e-5;
      ok &&= pass;
      const losses = `loss ${a[0].toFixed(4)} → ${a.at(-1).toFixed(4)}`;
      const row = `${backend.padEnd(7)}${name.padEnd(20)}${worst.toExponential(2).padStart(10)}`;
      console.log(`   ${row}   ${losses}  ${pass ? 'ok' : 'FAIL'}`);
    }
  if (opt.model) ok = translations(base, work, cli) && ok;
  console.log(ok ? '\nPASS' : '\nFAIL');
  process.exitCode = ok ? 0 : 1;
}

/** Part 2: the fixed model's translations by both trees. */
function translations(base, work, cli) {
  if (!opt.input) fail('--model needs --input (sentences to translate)');
  const runs = [
    ['greedy.js', 'js', '1'],
    ['greedy.native', 'native', '1'],
    ['beam5.native', 'native', '5'],
  ];
  const criteria = `identical lines ≥ 99.5 %${opt.ref ? ', |ΔBLEU| ≤ 0.05' : ''}`;
  console.log(`\n2. translations of ${opt.input} by ${opt.model} (${criteria})`);
  let ok = true;
  for (const [name, backend, beam] of runs) {
    const outs = [base, here].map((tree, i) => {
      const file = join(work, `${name}.${i === 0 ? 'base' : 'this'}.txt`);
      const args = ['translate', '--model', resolve(opt.model), '--beam', beam, '-i', resolve(opt.input), '-o', file];
      cli(tree, args, { SEQ2SEQ_BACKEND: backend });
      return file;
    });
    const [a, b] = outs.map((f) => readFileSync(f, 'utf8').trimEnd().split('\n'));
    const same = a.filter((l, i) => l === b[i]).length;
    let pass = a.length === b.length && same >= 0.995 * a.length;
    let bleu = '';
    if (opt.ref) {
      const scoreArgs = (f) => ['score', '--hyp', f, '--ref', resolve(opt.ref), '--metrics', 'bleu', '-w', '2'];
      const score = (f) => Number(/BLEU[^=]* = ([\d.]+)/.exec(cli(here, scoreArgs(f)))[1]);
      const [x, y] = outs.map(score);
      pass &&= Math.abs(x - y) <= 0.05;
      bleu = `  BLEU ${x} → ${y}`;
    }
    ok &&= pass;
    const share = `${same}/${a.length} (${((100 * same) / a.length).toFixed(2)} %)`;
    console.log(`   ${name.padEnd(15)} identical ${share}${bleu}  ${pass ? 'ok' : 'FAIL'}`);
  }
  return ok;
}

function fail(message) {
  console.error(`bench/equivalence: ${message}`);
  process.exit(2);
}
