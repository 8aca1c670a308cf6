/**
 * `seq2seq train`: trains a model from flags and/or a JSON config file (--config), or continues a
 * run (--resume RUN). With stdout on a terminal the Ink dashboard shows progress; otherwise (or with
 * --log-format plain|json) log lines go to stderr. The result (run directory, best score) goes to
 * stdout. Ctrl-C / SIGTERM stop after the current step, write the `last` checkpoint and exit 130/143.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';

interface TrainFlags {
  [key: string]: unknown;
  config?: string;
  resume?: string;
  logFormat?: string;
  dashboard?: boolean;
}

/** Flag name → settings field; numbers are converted here, ranges checked by the schema. */
const NUMERIC: Record<string, string> = {
  embeddingSize: 'model.embeddingSize',
  hiddenSize: 'model.hiddenSize',
  encoderLayers: 'model.encoderLayers',
  decoderLayers: 'model.decoderLayers',
  attentionSize: 'model.attentionSize',
  preOutputSize: 'model.preOutputSize',
  dropout: 'model.dropout',
  memoryDropout: 'model.memoryDropout',
  wordDropout: 'model.wordDropout',
  labelSmoothing: 'model.labelSmoothing',
  vocabSize: 'vocabSize',
  lr: 'lr',
  momentum: 'momentum',
  beta1: 'beta1',
  beta2: 'beta2',
  weightDecay: 'weightDecay',
  clipNorm: 'clipNorm',
  warmupSteps: 'warmupSteps',
  decayFactor: 'decayFactor',
  decayPatience: 'decayPatience',
  minLr: 'minLr',
  anneal: 'anneal',
  batchTokens: 'batchTokens',
  batchSentences: 'batchSentences',
  maxSrcLen: 'maxSrcLen',
  maxTgtLen: 'maxTgtLen',
  seed: 'seed',
  maxSteps: 'maxSteps',
  maxEpochs: 'maxEpochs',
  evalEvery: 'evalEvery',
  checkpointEvery: 'checkpointEvery',
  keepCheckpoints: 'keepCheckpoints',
  patience: 'patience',
  evalMaxSentences: 'evalMaxSentences',
  samples: 'samples',
};
const STRINGS: Record<string, string> = {
  src: 'src',
  tgt: 'tgt',
  format: 'format',
  out: 'out',
  preset: 'preset',
  cell: 'model.cell',
  attention: 'model.attention',
  tokenizer: 'tokenizer',
  srcTokenizer: 'srcTokenizer',
  tgtTokenizer: 'tgtTokenizer',
  optimizer: 'optimizer',
  schedule: 'schedule',
  timeBudget: 'timeBudget',
  bestMetric: 'bestMetric',
};
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The command-line layer of the settings (only what was given). */
export function flagsToSettings(f: TrainFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const model: Record<string, unknown> = {};
  const put = (field: string, v: unknown): void => {
    if (field.startsWith('model.')) model[field.slice(6)] = v;
    else out[field] = v;
  };
  for (const [flag, field] of Object.entries(NUMERIC)) {
    const v = f[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (String(v).trim() === '' || !Number.isFinite(n)) throw new InputError(`--${kebab(flag)}: expected a number, got '${String(v)}'`);
    put(field, n);
  }
  for (const [flag, field] of Object.entries(STRINGS)) if (f[flag] !== undefined) put(field, f[flag]);
  if (f.train !== undefined) out.train = f.train;
  if (f.valid !== undefined) out.valid = f.valid;
  if (f.jointVocab !== undefined) out.jointVocab = f.jointVocab;
  if (f.lowercase !== undefined) out.lowercase = f.lowercase;
  if (f.bidirectional === false) model.bidirectional = false;
  if (f.inputFeeding !== undefined) model.inputFeeding = f.inputFeeding;
  if (f.tiedEmbeddings !== undefined) model.tiedTargetEmbeddings = f.tiedEmbeddings;
  if (f.layers !== undefined) {
    const n = Number(f.layers);
    if (!Number.isFinite(n)) throw new InputError(`--layers: expected a number, got '${String(f.layers)}'`);
    model.encoderLayers = n;
    model.decoderLayers = n;
  }
  if (Object.keys(model).length > 0) out.model = model;
  return out;
}

/** settings field → the flag that sets it, for error messages. */
function flagName(field: string): string {
  if (field === 'model.bidirectional') return '--no-bidirectional';
  if (field === 'model.tiedTargetEmbeddings') return '--[no-]tied-embeddings';
  return `--${kebab(field.startsWith('model.') ? field.slice(6) : field)}`;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a translation model (live dashboard on a terminal, log lines otherwise)')
    .option('--config <file>', 'JSON file of settings (same names as the flags, camelCase; flags win)')
    .option('--resume <run>', 'continue a run from its last checkpoint, exactly')
    .option('--preset <name>', 'tiny | small | base | multi30k | tatoeba (default small)')
    .option('--train <corpus...>', 'training corpus: two aligned files, a prefix with --src/--tgt, TSV or JSON Lines')
    .option('--valid <corpus...>', 'validation corpus (same forms)')
    .option('--src <lang>', 'source language suffix of aligned files')
    .option('--tgt <lang>', 'target language suffix of aligned files')
    .option('--format <fmt>', 'corpus format: aligned, tsv or jsonl (default: guessed)')
    .option('--out <dir>', 'run directory to create')
    .option('--cell <cell>', 'rnn | gru | lstm')
    .option('--attention <kind>', 'none | bahdanau | luong-dot | luong-general')
    .option('--embedding-size <n>', 'embedding size')
    .option('--hidden-size <n>', 'hidden size')
    .option('--layers <n>', 'encoder and decoder layers')
    .option('--encoder-layers <n>', 'encoder layers')
    .option('--decoder-layers <n>', 'decoder layers')
    .option('--attention-size <n>', 'Bahdanau attention size')
    .option('--no-bidirectional', 'unidirectional encoder')
    .option('--pre-output-size <n>', 'pre-output layer size (default: hidden size; = embedding size when tied)')
    .option('--input-feeding', 'feed the previous pre-output vector to the decoder')
    .option('--tied-embeddings', 'share the target embeddings with the output layer (needs pre-output size = embedding size)')
    .option('--no-tied-embeddings', 'a separate output layer (the default, except in the multi30k preset)')
    .option('--dropout <p>', 'dropout probability')
    .option('--memory-dropout <p>', 'dropout on the encoder memory that attention reads (0 = off)')
    .option('--word-dropout <p>', 'drop whole source and target input words (0 = off)')
    .option('--label-smoothing <eps>', 'label smoothing ε')
    .option('--vocab-size <n>', 'BPE vocabulary size to learn (per side, or joint)')
    .option('--joint-vocab', 'learn one vocabulary for both languages')
    .option('--lowercase', 'lowercase the text in the tokenizer')
    .option('--tokenizer <file>', 'use this (joint) tokenizer.json instead of learning one')
    .option('--src-tokenizer <file>', 'source tokenizer.json')
    .option('--tgt-tokenizer <file>', 'target tokenizer.json')
    .option('--optimizer <name>', 'adam | sgd')
    .option('--lr <rate>', 'learning rate')
    .option('--momentum <m>', 'SGD momentum')
    .option('--beta1 <b>', 'Adam β1')
    .option('--beta2 <b>', 'Adam β2')
    .option('--weight-decay <wd>', 'weight decay')
    .option('--clip-norm <n>', 'clip the global gradient norm (0 = off)')
    .option('--schedule <kind>', 'constant | plateau | inverse-sqrt')
    .option('--warmup-steps <n>', 'warm-up steps of inverse-sqrt')
    .option('--decay-factor <f>', 'plateau: multiply the rate by this')
    .option('--decay-patience <n>', 'plateau: evaluations without improvement before decaying')
    .option('--min-lr <rate>', 'plateau: lowest rate')
    .option('--anneal <fraction>', 'lower the rate linearly to 0 over this last fraction of the budget (0 = off)')
    .option('--batch-tokens <n>', 'padded tokens per batch')
    .option('--batch-sentences <n>', 'most sentences per batch')
    .option('--max-src-len <n>', 'leave out longer sources (subword tokens)')
    .option('--max-tgt-len <n>', 'leave out longer targets (subword tokens)')
    .option('--seed <n>', 'random seed')
    .option('--max-steps <n>', 'stop after this many steps (in total)')
    .option('--max-epochs <n>', 'stop after this many epochs (in total)')
    .option('--time-budget <duration>', 'stop after this long (this session), e.g. 90s, 30m, 1h')
    .option('--eval-every <n>', 'validate every n steps')
    .option('--checkpoint-every <n>', 'write last/ every n steps (default: --eval-every)')
    .option('--keep-checkpoints <n>', 'keep the weights of the newest n validations in checkpoints/ for seq2seq average (0 = off)')
    .option('--best-metric <m>', 'bleu | chrf | loss: what best/ keeps')
    .option('--patience <n>', 'early stopping: evaluations without improvement (0 = off)')
    .option('--eval-max-sentences <n>', 'validation sentences decoded for BLEU/chrF')
    .option('--samples <n>', 'sample translations shown per evaluation')
    .option('--log-format <fmt>', 'plain | json: log lines on stderr instead of the dashboard')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq train --train corpora/demo/train --valid corpora/demo/valid --src en --tgt de --out runs/demo --preset tiny
  seq2seq train --config train.json --max-steps 2000
  seq2seq train --resume runs/demo --max-steps 4000
See docs/training.md for every setting, the presets and the run directory.`,
    )
    .action(async (flags: TrainFlags) => {
      const { readFileSync } = await import('node:fs');
      const cfg = await import('../../train/config.js');
      const { PRESETS } = await import('../../train/presets.js');
      const run = await import('../../train/run-training.js');
      const logFormat = flags.logFormat;
      if (logFormat !== undefined && logFormat !== 'plain' && logFormat !== 'json') throw new InputError(`--log-format must be plain or json, got '${logFormat}'`);
      const flagLayer = cfg.parseTrainSettings(flagsToSettings(flags), 'options', flagName);
      const useDashboard = logFormat === undefined && process.stdout.isTTY === true;
      const { createLogger } = await import('../../ui/train/plain-log.js');
      const logger = createLogger(logFormat === 'json' ? 'json' : 'plain', (line) => process.stderr.write(line + '\n'));
      const note = useDashboard ? (m: string) => process.stderr.write(`${m}\n`) : (m: string) => logger.note(m);

      let prepared;
      if (flags.resume !== undefined) {
        if (flags.config !== undefined) throw new InputError('--resume continues with the run\'s saved settings: --config cannot be given');
        prepared = await run.prepareResume(flags.resume, flagLayer, note);
      } else {
        const layers = [] as ReturnType<typeof cfg.parseTrainSettings>[];
        if (flags.config !== undefined) {
          let text: string;
          try {
            text = readFileSync(flags.config, 'utf8');
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            const problem = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
            throw new InputError(`${flags.config}: ${problem}`);
          }
          layers.push(cfg.readConfigFile(flags.config, text));
        }
        layers.push(flagLayer);
        const settings = cfg.resolveTrainSettings(layers, (name) => PRESETS[name]);
        prepared = await run.prepareTraining(settings, note);
      }
      const { trainer } = prepared;
      let signalled: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals): void => {
        if (signalled) {
          process.stderr.write('seq2seq: second signal: exiting without a checkpoint\n');
          process.exit(sig === 'SIGINT' ? 130 : 143);
        }
        signalled = sig;
        trainer.requestStop('interrupted');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let summary;
      try {
        if (useDashboard) {
          (await import('../../ui/shared/live-terminal.js')).allowLiveRendering();
          const { runDashboard } = await import('../../ui/train/mount.js');
          summary = await runDashboard(prepared, () => onSignal('SIGINT'));
        } else {
          trainer.events.onAny((e) => logger.event(e));
          summary = await trainer.run();
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const best = summary.best ? `; best ${summary.best.metric} ${summary.best.value.toFixed(2)} at step ${summary.best.step}` : '';
      // On a terminal the dashboard's last frame already says how training ended (and how to continue).
      if (!useDashboard) {
        if (logFormat === 'json') {
          const { step, epoch, reason, best: top } = summary;
          process.stdout.write(JSON.stringify({ run: prepared.runDir, step, epoch, reason, best: top }) + '\n');
        } else {
          process.stdout.write(`${prepared.runDir}: stopped (${summary.reason}) at step ${summary.step}${best}\n`);
        }
        if (summary.reason === 'interrupted') {
          const resume = `continue with: seq2seq train --resume ${prepared.runDir}`;
          process.stderr.write(`seq2seq: interrupted; checkpoint written to ${prepared.runDir}/last (${resume})\n`);
        }
      }
      if (summary.reason === 'interrupted') process.exitCode = signalled === 'SIGTERM' ? 143 : 130;
    });
}
