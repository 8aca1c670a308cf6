/**
 * Training settings: every option of `seq2seq train`, as a flag and as a key of a JSON config
 * file (`--config train.json`), validated by zod (unknown keys rejected; messages name the field).
 * Precedence: defaults < preset < config file < flags. The resolved settings are saved in the run's
 * config.json under "training" (the model's own settings under "model").
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { describeSizeProblem, trainSizeProblem } from '../model/size-limits.js';
import { oneLine, parseJson } from '../util/json-file.js';
import { parseDuration } from './duration.js';
import { PRESET_NAMES, type PresetName } from './presets.js';

const posInt = (f: string) => z.number({ error: `${f} must be a number` }).int(`${f} must be an integer`).positive(`${f} must be positive`);
const nonNegInt = (f: string) => z.number({ error: `${f} must be a number` }).int(`${f} must be an integer`).min(0, `${f} must be ≥ 0`);
const posNum = (f: string) => z.number({ error: `${f} must be a number` }).positive(`${f} must be positive`);
const nonNeg = (f: string) => z.number({ error: `${f} must be a number` }).min(0, `${f} must be ≥ 0`);
const unit = (f: string) => z.number({ error: `${f} must be a number` }).min(0, `${f} must be in [0, 1)`).lt(1, `${f} must be in [0, 1)`);
const corpus = (f: string) => z.array(z.string({ error: `${f} must be a list of paths` }), { error: `${f} must be a list of paths` }).min(1, `${f} needs a path`).max(2, `${f} is one or two paths`);

/** The model keys a training config may set (vocabulary sizes come from the tokenizers). */
export const ModelSettingsSchema = z
  .object({
    cell: z.enum(['rnn', 'gru', 'lstm'], { error: 'model.cell must be rnn, gru or lstm' }),
    embeddingSize: posInt('model.embeddingSize'),
    hiddenSize: posInt('model.hiddenSize'),
    encoderHiddenSize: posInt('model.encoderHiddenSize'),
    encoderLayers: posInt('model.encoderLayers'),
    decoderLayers: posInt('model.decoderLayers'),
    bidirectional: z.boolean({ error: 'model.bidirectional must be true or false' }),
    attention: z.enum(['none', 'bahdanau', 'luong-dot', 'luong-general'], { error: 'model.attention must be none, bahdanau, luong-dot or luong-general' }),
    attentionSize: posInt('model.attentionSize'),
    inputFeeding: z.boolean({ error: 'model.inputFeeding must be true or false' }),
    preOutput: z.boolean({ error: 'model.preOutput must be true or false' }),
    preOutputSize: posInt('model.preOutputSize'),
    tiedTargetEmbeddings: z.boolean({ error: 'model.tiedTargetEmbeddings must be true or false' }),
    dropout: unit('model.dropout'),
    memoryDropout: unit('model.memoryDropout'),
    wordDropout: unit('model.wordDropout'),
    labelSmoothing: unit('model.labelSmoothing'),
    maxSourceLength: posInt('model.maxSourceLength'),
    maxTargetLength: posInt('model.maxTargetLength'),
  })
  .partial()
  .strict();

export const TrainSettingsSchema = z
  .object({
    train: corpus('train'),
    valid: corpus('valid'),
    src: z.string({ error: 'src must be a string' }),
    tgt: z.string({ error: 'tgt must be a string' }),
    format: z.enum(['aligned', 'tsv', 'jsonl'], { error: 'format must be aligned, tsv or jsonl' }),
    out: z.string({ error: 'out must be a string' }),
    preset: z.enum(PRESET_NAMES, { error: `preset must be ${PRESET_NAMES.slice(0, -1).join(', ')} or ${PRESET_NAMES[PRESET_NAMES.length - 1]}` }),
    model: ModelSettingsSchema,
    // tokenizers
    vocabSize: posInt('vocabSize').min(8, 'vocabSize must be at least 8'),
    jointVocab: z.boolean({ error: 'jointVocab must be true or false' }),
    lowercase: z.boolean({ error: 'lowercase must be true or false' }),
    tokenizer: z.string({ error: 'tokenizer must be a path' }),
    srcTokenizer: z.string({ error: 'srcTokenizer must be a path' }),
    tgtTokenizer: z.string({ error: 'tgtTokenizer must be a path' }),
    // optimisation
    optimizer: z.enum(['adam', 'sgd'], { error: 'optimizer must be adam or sgd' }),
    lr: posNum('lr'),
    momentum: unit('momentum'),
    beta1: unit('beta1'),
    beta2: unit('beta2'),
    eps: posNum('eps'),
    weightDecay: nonNeg('weightDecay'),
    clipNorm: nonNeg('clipNorm'),
    schedule: z.enum(['constant', 'plateau', 'inverse-sqrt'], { error: 'schedule must be constant, plateau or inverse-sqrt' }),
    warmupSteps: nonNegInt('warmupSteps'),
    decayFactor: z.number({ error: 'decayFactor must be a number' }).gt(0, 'decayFactor must be in (0, 1)').lt(1, 'decayFactor must be in (0, 1)'),
    decayPatience: posInt('decayPatience'),
    minLr: nonNeg('minLr'),
    anneal: unit('anneal'),
    // batches
    batchTokens: posInt('batchTokens'),
    batchSentences: posInt('batchSentences'),
    maxSrcLen: posInt('maxSrcLen'),
    maxTgtLen: posInt('maxTgtLen'),
    seed: nonNegInt('seed'),
    // budget
    maxSteps: posInt('maxSteps'),
    maxEpochs: posInt('maxEpochs'),
    timeBudget: z.union([posNum('timeBudget'), z.string()], { error: 'timeBudget must be a duration such as "30m" or a number of seconds' }),
    // validation and checkpoints
    evalEvery: posInt('evalEvery'),
    checkpointEvery: posInt('checkpointEvery'),
    keepCheckpoints: nonNegInt('keepCheckpoints'),
    bestMetric: z.enum(['bleu', 'chrf', 'loss'], { error: 'bestMetric must be bleu, chrf or loss' }),
    patience: nonNegInt('patience'),
    evalMaxSentences: posInt('evalMaxSentences'),
    samples: nonNegInt('samples'),
  })
  .partial()
  .strict();

export type TrainSettingsInput = z.input<typeof TrainSettingsSchema>;
export type ModelSettings = z.output<typeof ModelSettingsSchema>;

/** Settings with every default resolved (what the run directory records). */
export interface TrainSettings {
  train: string[];
  valid: string[] | null;
  src: string | null;
  tgt: string | null;
  format: 'aligned' | 'tsv' | 'jsonl' | null;
  out: string;
  preset: PresetName;
  model: ModelSettings;
  vocabSize: number;
  jointVocab: boolean;
  lowercase: boolean;
  tokenizer: string | null;
  srcTokenizer: string | null;
  tgtTokenizer: string | null;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clipNorm: number;
  schedule: 'constant' | 'plateau' | 'inverse-sqrt';
  warmupSteps: number;
  decayFactor: number;
  decayPatience: number;
  minLr: number;
  anneal: number;
  batchTokens: number;
  batchSentences: number | null;
  maxSrcLen: number;
  maxTgtLen: number;
  seed: number;
  maxSteps: number | null;
  maxEpochs: number | null;
  timeBudget: string | number | null;
  evalEvery: number;
  checkpointEvery: number | null;
  /** Keep the weights of the newest n validations in checkpoints/step-N/ (0 = off), for `seq2seq average`. */
  keepCheckpoints: number;
  bestMetric: 'bleu' | 'chrf' | 'loss';
  patience: number;
  evalMaxSentences: number | null;
  samples: number;
}

export const DEFAULTS: Omit<TrainSettings, 'train' | 'out' | 'model' | 'preset'> = {
  valid: null,
  src: null,
  tgt: null,
  format: null,
  vocabSize: 4000,
  jointVocab: false,
  lowercase: false,
  tokenizer: null,
  srcTokenizer: null,
  tgtTokenizer: null,
  optimizer: 'adam',
  lr: 0.001,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  clipNorm: 1,
  schedule: 'constant',
  warmupSteps: 0,
  decayFactor: 0.5,
  decayPatience: 2,
  minLr: 1e-6,
  anneal: 0,
  batchTokens: 2000,
  batchSentences: null,
  maxSrcLen: 80,
  maxTgtLen: 80,
  seed: 1,
  maxSteps: null,
  maxEpochs: null,
  timeBudget: null,
  evalEvery: 500,
  checkpointEvery: null,
  keepCheckpoints: 0,
  bestMetric: 'bleu',
  patience: 0,
  evalMaxSentences: null,
  samples: 3,
};

/** Validates one layer of settings (a config file or the flags); InputError `where: field: problem`. */
export function parseTrainSettings(raw: unknown, where: string, rename: (field: string) => string = (f) => f): TrainSettingsInput {
  const r = TrainSettingsSchema.safeParse(raw);
  if (r.success) {
    // Sizes beyond reason (src/model/size-limits.ts) are refused before anything is allocated.
    const size = trainSizeProblem(r.data);
    if (size) throw new InputError(oneLine(`${where}: ${describeSizeProblem(size, rename(size.field))}`));
    return r.data;
  }
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    throw new InputError(oneLine(`${where}: unknown key ${keys.map((k) => `'${prefix}${k}'`).join(', ')}`));
  }
  const field = issue.path.join('.');
  const msg = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  const shown = rename(field);
  throw new InputError(oneLine(`${where}: ${shown}${msg.slice(field.length)}`));
}

/** Merges layers (later wins; `model` merged key by key) over the defaults. */
export function resolveTrainSettings(layers: TrainSettingsInput[], presetOf: (name: PresetName) => TrainSettingsInput): TrainSettings {
  const presetName = [...layers].reverse().find((l) => l.preset !== undefined)?.preset ?? 'small';
  const all = [presetOf(presetName), ...layers];
  const merged: Record<string, unknown> = { ...DEFAULTS };
  let model: ModelSettings = {};
  for (const layer of all) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'model') model = { ...model, ...(v as ModelSettings) };
      else merged[k] = v;
    }
  }
  merged.model = model;
  merged.preset = presetName;
  const s = merged as unknown as TrainSettings;
  if (!s.train) throw new InputError('--train CORPUS is required (or "train" in the config file)');
  if (!s.out) throw new InputError('--out DIR is required (or "out" in the config file)');
  if (s.tokenizer && (s.srcTokenizer || s.tgtTokenizer)) throw new InputError('give either --tokenizer (joint) or --src-tokenizer/--tgt-tokenizer, not both');
  if ((s.srcTokenizer === null) !== (s.tgtTokenizer === null)) throw new InputError('--src-tokenizer and --tgt-tokenizer go together');
  if (s.timeBudget !== null) parseDuration(s.timeBudget, '--time-budget'); // fail now, before the run directory is created
  return s;
}

/** Reads a JSON config file; InputError naming the file on any problem. */
export function readConfigFile(path: string, text: string): TrainSettingsInput {
  const json = parseJson(path, text);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${path}: expected a JSON object of training settings`);
  const doc = { ...(json as Record<string, unknown>) };
  delete doc.$schema;
  delete doc.comment;
  return parseTrainSettings(doc, path);
}
