/**
 * Sets up a training run from resolved settings (a new run) or from a run directory (--resume):
 * reads the corpora, learns or loads the tokenizers, builds the model, batcher, optimiser,
 * schedule and validator, writes the run directory, and returns a Trainer ready to run. Progress
 * of the preparation goes to `note` (the CLI shows it); nothing is printed here.
 */
import { join, resolve } from 'node:path';
import { Batcher, type EncodedPair } from '../data/batcher.js';
import { type CorpusSpec, loadPairs, resolveCorpus, type SentencePair } from '../data/corpus.js';
import { InputError } from '../errors.js';
import { CONFIG_FILE } from '../model/checkpoint.js';
import { parseModelConfig } from '../model/config.js';
import { loadModel } from '../model/checkpoint.js';
import { HISTORY_FILE, createRunDir, hasCheckpoint, lockRun, newRunPlace } from '../model/run-dir.js';
import { readRunConfig, readTrainState } from '../model/run-dir.js';
import { repairRun, saveTokenizers, unlockRun } from '../model/run-dir.js';
import { writeCheckpoint, writeKeptCheckpoint, writeRunConfig } from '../model/run-dir.js';
import { Seq2Seq } from '../model/seq2seq.js';
import { Tokenizer, learnBpe } from '../text/tokenizer.js';
import { Rng } from '../util/rng.js';
import { Adam } from './adam.js';
import { dropoutEpochEncoder } from './bpe-dropout.js';
import { parseTrainSettings, type TrainSettings, type TrainSettingsInput } from './config.js';
import { parseDuration } from './duration.js';
import type { TrainEvent } from './events.js';
import { HistoryWriter, readHistory } from './history.js';
import type { Optimizer } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import { Sgd } from './sgd.js';
import { deserializeTrainState, serializeTrainState } from './train-state.js';
import { Trainer, type TrainState } from './trainer.js';
import { type ValidationPair, Validator } from './validator.js';

export interface PreparedRun {
  trainer: Trainer;
  runDir: string;
  settings: TrainSettings;
  model: Seq2Seq;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  history: HistoryWriter;
  /** A resumed run's earlier events (its history.jsonl, cut back to last/ by the repair), for the dashboard. */
  earlier: TrainEvent[];
  info: {
    trainPairs: number;
    validPairs: number;
    filtered: number;
    parameters: number;
    srcVocab: number;
    tgtVocab: number;
    resumed: boolean;
  };
}

export type Note = (message: string) => void;

/** Settings a resumed run may change (its budget); everything else comes from the run. */
export const RESUME_OVERRIDABLE = ['maxSteps', 'maxEpochs', 'timeBudget'] as const;

function corpusOf(paths: string[], s: TrainSettings): CorpusSpec {
  return resolveCorpus(paths, { src: s.src ?? undefined, tgt: s.tgt ?? undefined, format: s.format ?? undefined });
}

function encodePairs(pairs: SentencePair[], src: Tokenizer, tgt: Tokenizer): EncodedPair[] {
  return pairs.map((p, id) => ({ src: src.encode(p.src), tgt: tgt.encode(p.tgt), id }));
}

async function buildTokenizers(
  s: TrainSettings,
  train: SentencePair[],
  note: Note,
): Promise<{ src: Tokenizer; tgt: Tokenizer; joint: boolean }> {
  if (s.tokenizer) {
    const t = Tokenizer.load(s.tokenizer);
    return { src: t, tgt: t, joint: true };
  }
  if (s.srcTokenizer && s.tgtTokenizer)
    return { src: Tokenizer.load(s.srcTokenizer), tgt: Tokenizer.load(s.tgtTokenizer), joint: false };
  const opts = { vocabSize: s.vocabSize, lowercase: s.lowercase };
  if (s.jointVocab) {
    note(`learning a joint BPE vocabulary of ${s.vocabSize} from ${train.length} pairs`);
    const t = await learnBpe([...train.map((p) => p.src), ...train.map((p) => p.tgt)], opts);
    return { src: t, tgt: t, joint: true };
  }
  note(`learning source and target BPE vocabularies of ${s.vocabSize} from ${train.length} pairs`);
  const src = await learnBpe(
    train.map((p) => p.src),
    opts,
  );
  const tgt = await learnBpe(
    train.map((p) => p.tgt),
    opts,
  );
  return { src, tgt, joint: false };
}

function makeOptimizer(s: TrainSettings, model: Seq2Seq): Optimizer {
  return s.optimizer === 'sgd'
    ? new Sgd(model.params, { momentum: s.momentum, weightDecay: s.weightDecay })
    : new Adam(model.params, { beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay });
}

async function assemble(
  s: TrainSettings,
  runDir: string,
  model: Seq2Seq,
  src: Tokenizer,
  tgt: Tokenizer,
  trainPairs: SentencePair[],
  note: Note,
  resumed: boolean,
): Promise<PreparedRun> {
  const encoded = encodePairs(trainPairs, src, tgt);
  // Runs written before BPE-dropout existed have no bpeDropout: off.
  const bpeDropout = s.bpeDropout ?? 0;
  const batcher = new Batcher(encoded, {
    maxTokens: s.batchTokens,
    maxSentences: s.batchSentences ?? undefined,
    maxSrcLen: Math.min(s.maxSrcLen, model.config.maxSourceLength),
    maxTgtLen: Math.min(s.maxTgtLen, model.config.maxTargetLength),
    seed: s.seed,
    encodeEpoch: bpeDropout > 0 ? dropoutEpochEncoder(trainPairs, src, tgt, bpeDropout, s.seed) : undefined,
  });
  let validator: Validator | null = null;
  let validPairs = 0;
  if (s.valid) {
    const { pairs } = await loadPairs(corpusOf(s.valid, s));
    if (pairs.length === 0) throw new InputError(`${s.valid.join(' ')}: the validation corpus has no sentence pairs`);
    validPairs = pairs.length;
    const vp: ValidationPair[] = pairs.map((p, id) => ({
      src: src.encode(p.src),
      tgt: tgt.encode(p.tgt),
      id,
      srcText: p.src,
      tgtText: p.tgt,
    }));
    validator = new Validator(vp, (ids) => tgt.decode(ids), {
      maxDecode: s.evalMaxSentences ?? undefined,
      samples: s.samples,
    });
  }
  const schedule = new LrSchedule({
    kind: s.schedule,
    lr: s.lr,
    warmupSteps: s.warmupSteps,
    factor: s.decayFactor,
    patience: s.decayPatience,
    minLr: s.minLr,
    anneal: s.anneal,
  });
  const trainer = new Trainer({
    model,
    batches: batcher,
    optimizer: makeOptimizer(s, model),
    schedule,
    clipNorm: s.clipNorm,
    validate: validator ? (m) => validator.evaluate(m) : undefined,
    evalEvery: s.evalEvery,
    checkpointEvery: s.checkpointEvery ?? s.evalEvery,
    bestMetric: s.bestMetric,
    patience: s.patience,
    maxSteps: s.maxSteps,
    maxEpochs: s.maxEpochs,
    timeBudgetMs: s.timeBudget === null ? null : parseDuration(s.timeBudget, 'timeBudget'),
    rngs: [model.rng],
    runDir,
    checkpoints: {
      save: (kind, state) =>
        writeCheckpoint(
          runDir,
          kind,
          model,
          { step: state.step },
          kind === 'last' ? serializeTrainState(state) : undefined,
        ),
      keep: (state, validation) =>
        (s.keepCheckpoints ?? 0) > 0
          ? writeKeptCheckpoint(runDir, state.step, model, { validation }, s.keepCheckpoints)
          : null,
    },
  });
  const earlier = resumed ? readHistory(join(runDir, HISTORY_FILE)) : [];
  const history = new HistoryWriter(join(runDir, HISTORY_FILE));
  trainer.events.onAny((e) => {
    history.write(e);
    if (e.type === 'done') unlockRun(runDir); // the run is complete on disk; a failed run is unlocked at exit
  });
  const resegmented = bpeDropout > 0 ? ` (BPE-dropout ${bpeDropout}: segmented anew every epoch)` : '';
  const parameters = model.parameterCount.toLocaleString('en-US');
  const kept = encoded.length - batcher.filtered.total;
  const batches = `${batcher.batchesInEpoch} batches per epoch${resegmented}`;
  note(`model: ${parameters} parameters; ${kept} training pairs in ${batches}`);
  return {
    trainer,
    runDir,
    settings: s,
    model,
    srcTokenizer: src,
    tgtTokenizer: tgt,
    history,
    earlier,
    info: {
      trainPairs: batcher.size,
      validPairs,
      filtered: batcher.filtered.total,
      parameters: model.parameterCount,
      srcVocab: src.vocabSize,
      tgtVocab: tgt.vocabSize,
      resumed,
    },
  };
}

/** A new run in settings.out (which must not already hold a run). */
export async function prepareTraining(s: TrainSettings, note: Note = () => {}): Promise<PreparedRun> {
  const runDir = s.out;
  newRunPlace(runDir); // fails now, not after reading the corpus, when --out cannot hold a new run
  // Corpus paths are recorded absolute, so that --resume works from any directory.
  const settings: TrainSettings = {
    ...s,
    train: s.train.map((p) => resolve(p)),
    valid: s.valid ? s.valid.map((p) => resolve(p)) : null,
    tokenizer: s.tokenizer ? resolve(s.tokenizer) : null,
    srcTokenizer: s.srcTokenizer ? resolve(s.srcTokenizer) : null,
    tgtTokenizer: s.tgtTokenizer ? resolve(s.tgtTokenizer) : null,
  };
  const trainSpec = corpusOf(settings.train, settings);
  if (settings.valid) corpusOf(settings.valid, settings); // fail early on a bad validation path
  note(`reading ${settings.train.join(' ')}`);
  const { pairs } = await loadPairs(trainSpec);
  if (pairs.length === 0)
    throw new InputError(`${settings.train.join(' ')}: the training corpus has no sentence pairs`);
  const tk = await buildTokenizers(settings, pairs, note);
  const modelConfig = parseModelConfig(
    { ...settings.model, srcVocabSize: tk.src.vocabSize, tgtVocabSize: tk.tgt.vocabSize },
    'model settings',
  );
  const model = new Seq2Seq(modelConfig, new Rng(settings.seed));
  // Everything that can fail on the settings or the data (batching, the validation corpus) is
  // done before the run directory is created, so that a failed start leaves nothing behind.
  const prepared = await assemble(settings, runDir, model, tk.src, tk.tgt, pairs, note, false);
  // The run appears whole (config and tokenizers) or not at all, and locked by this process: a kill
  // while it is being written leaves no half run behind. Until the first checkpoint, --resume
  // starts it from step 0.
  createRunDir(
    runDir,
    (tmp) => {
      const tokenizers = saveTokenizers(tmp, tk.src, tk.tgt, tk.joint);
      const training = settings as unknown as Record<string, unknown>;
      writeRunConfig(tmp, { model: model.config, training, tokenizers });
    },
    true,
  );
  return prepared;
}

/** Continues a run from its last/ checkpoint exactly where it stopped. */
export async function prepareResume(
  runDir: string,
  overrides: TrainSettingsInput,
  note: Note = () => {},
): Promise<PreparedRun> {
  const cfg = readRunConfig(runDir);
  // One writer per run: a second --resume of the same run stops here, before anything is changed.
  lockRun(runDir);
  const bad = Object.keys(overrides).filter(
    (k) =>
      !(RESUME_OVERRIDABLE as readonly string[]).includes(k) && (overrides as Record<string, unknown>)[k] !== undefined,
  );
  if (bad.length > 0)
    throw new InputError(
      `--resume continues with the run's saved settings; only --max-steps, --max-epochs and --time-budget may be ` +
        `given (got ${bad.join(', ')})`,
    );
  // The saved settings are checked like a config file (a tampered run must fail with a clear
  // message); corpus paths are recorded absolute, a relative one is taken from the run directory.
  const where = `${join(runDir, CONFIG_FILE)}: training`;
  parseTrainSettings(Object.fromEntries(Object.entries(cfg.training).filter(([, v]) => v !== null)), where);
  if (!Array.isArray(cfg.training.train)) throw new InputError(`${where}: train: the training corpus is missing`);
  const s = { ...(cfg.training as unknown as TrainSettings), out: runDir };
  s.train = s.train.map((p) => resolve(runDir, p));
  if (s.valid) s.valid = s.valid.map((p) => resolve(runDir, p));
  for (const k of RESUME_OVERRIDABLE)
    if (overrides[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = overrides[k];
  const srcTokenizer = Tokenizer.load(join(runDir, cfg.tokenizers.src));
  const tgtTokenizer =
    cfg.tokenizers.tgt === cfg.tokenizers.src ? srcTokenizer : Tokenizer.load(join(runDir, cfg.tokenizers.tgt));
  let state: TrainState | null = null;
  let model: Seq2Seq;
  if (!hasCheckpoint(runDir, 'last')) {
    // Killed before its first checkpoint: the run starts again from step 0, exactly as it began.
    const repaired = repairRun(runDir, 0);
    if (repaired.length > 0) note(`cleaned up after an interrupted session: ${repaired.join(', ')}`);
    model = new Seq2Seq(parseModelConfig(cfg.model, `${join(runDir, CONFIG_FILE)}: model`), new Rng(s.seed));
  } else {
    const saved = readTrainState(runDir);
    state = deserializeTrainState(saved, join(runDir, 'last', 'train-state'));
    const repaired = repairRun(runDir, state.step);
    if (repaired.length > 0) note(`cleaned up after an interrupted session: ${repaired.join(', ')}`);
    const loaded = loadModel(join(runDir, 'last'));
    // The dropout generator is part of the train state: a fresh one is restored below.
    model = new Seq2Seq(loaded.config, new Rng(s.seed), false);
    model.params.forEach((p, i) => p.value.set(loaded.params[i].value));
  }
  note(`reading ${s.train.join(' ')}`);
  const { pairs } = await loadPairs(corpusOf(s.train, s));
  const run = await assemble(s, runDir, model, srcTokenizer, tgtTokenizer, pairs, note, true);
  if (state) {
    try {
      run.trainer.restore(state);
    } catch (err) {
      throw new InputError(`${join(runDir, 'last', 'train-state')}: ${(err as Error).message}`);
    }
  }
  note(`resuming at step ${state?.step ?? 0}`);
  return run;
}
