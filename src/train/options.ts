/**
 * Every setting of `seq2seq train`, declared once: its config-file key, its flag, the kind and
 * bounds of its value, its built-in default, its help line and its docs text. From this table come
 *   - the zod schemas of a settings layer and the built-in defaults (./config.ts),
 *   - the commander options and the flags → settings layer (src/cli/train-options.ts),
 *   - the settings table of docs/training.md (./options-markdown.ts, written by
 *     scripts/write-train-options-doc.mjs);
 * test/train/options-table.test.ts fails when any of them disagrees with this table.
 * Plain data: no commander, no zod here.
 */
import { PRESET_NAMES } from './presets.js';

/** Bounds of a number; each has one wording, used by the schema's messages and the docs. */
export type NumberBound = 'positive' | 'non-negative' | 'unit' | 'open-unit';

interface Common {
  /**
   * The settings path and config-file key (`model.` keys go under "model" in the file), or null
   * for a flag that only sets other keys (`--layers`).
   */
  readonly key: string | null;
  /** The flag without its dashes (`hidden-size` for --hidden-size), or null for a config-file-only key. */
  readonly flag: string | null;
  /** The flag's help line (`seq2seq train --help`). */
  readonly help: string;
  /** The meaning column of docs/training.md, when it says more than `help`. */
  readonly docs?: string;
  /** For top-level keys: the built-in default (null: unset). Model keys take the model config's defaults. */
  readonly default?: number | string | boolean | null;
  /** What an unset value (null, or a model key left to the model config) means, for the docs. */
  readonly unset?: string;
  /** The key must be given (by a flag or the config file). */
  readonly required?: true;
  /** The keys a key-less flag sets (`--layers`): applied after every other flag, so it wins. */
  readonly sets?: readonly string[];
}

export type TrainOption = Common &
  (
    | { readonly type: 'int'; readonly arg: string; readonly bound: 'positive' | 'non-negative'; readonly min?: number }
    | { readonly type: 'number'; readonly arg: string; readonly bound: NumberBound }
    | { readonly type: 'enum'; readonly arg: string; readonly values: readonly string[] }
    | { readonly type: 'string' | 'path' | 'duration'; readonly arg: string }
    | { readonly type: 'paths'; readonly arg: string }
    /**
     * forms: `on` (--flag, the default), `off` (--no-flag: `help` describes it) or `both` (`help`
     * describes --flag, `offHelp` --no-flag).
     */
    | { readonly type: 'boolean'; readonly forms?: 'on' | 'off' | 'both'; readonly offHelp?: string }
  );

export const TRAIN_OPTIONS = [
  {
    key: 'preset',
    flag: 'preset',
    type: 'enum',
    arg: 'name',
    values: PRESET_NAMES,
    default: 'small',
    help: 'tiny | small | base | multi30k | tatoeba (default small)',
    docs: 'the preset under the config file and the flags (below)',
  },
  {
    key: 'train',
    flag: 'train',
    type: 'paths',
    arg: 'corpus',
    required: true,
    help: 'training corpus: two aligned files, a prefix with --src/--tgt, TSV or JSON Lines',
  },
  {
    key: 'valid',
    flag: 'valid',
    type: 'paths',
    arg: 'corpus',
    default: null,
    unset: 'none',
    help: 'validation corpus (same forms)',
    docs: 'validation corpus (no validation, no `best/` without it)',
  },
  {
    key: 'src',
    flag: 'src',
    type: 'string',
    arg: 'lang',
    default: null,
    unset: 'none',
    help: 'source language suffix of aligned files',
  },
  {
    key: 'tgt',
    flag: 'tgt',
    type: 'string',
    arg: 'lang',
    default: null,
    unset: 'none',
    help: 'target language suffix of aligned files',
  },
  {
    key: 'format',
    flag: 'format',
    type: 'enum',
    arg: 'fmt',
    values: ['aligned', 'tsv', 'jsonl'],
    default: null,
    unset: 'guessed',
    help: 'corpus format: aligned, tsv or jsonl (default: guessed)',
    docs: 'corpus format (guessed from the paths when unset)',
  },
  {
    key: 'out',
    flag: 'out',
    type: 'string',
    arg: 'dir',
    required: true,
    help: 'run directory to create',
    docs: 'run directory (must be new or empty)',
  },
  // ---- model ----------------------------------------------------------------------------------
  {
    key: 'model.cell',
    flag: 'cell',
    type: 'enum',
    arg: 'cell',
    values: ['rnn', 'gru', 'lstm'],
    help: 'rnn | gru | lstm',
    docs: 'recurrent cell of the encoder and the decoder',
  },
  {
    key: 'model.attention',
    flag: 'attention',
    type: 'enum',
    arg: 'kind',
    values: ['none', 'bahdanau', 'luong-dot', 'luong-general'],
    help: 'none | bahdanau | luong-dot | luong-general',
    docs: 'attention over the encoder states: none, Bahdanau (additive), Luong dot or general',
  },
  {
    key: 'model.embeddingSize',
    flag: 'embedding-size',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    help: 'embedding size',
  },
  { key: 'model.hiddenSize', flag: 'hidden-size', type: 'int', arg: 'n', bound: 'positive', help: 'hidden size' },
  {
    key: 'model.encoderHiddenSize',
    flag: null,
    type: 'int',
    arg: 'n',
    bound: 'positive',
    unset: '= hidden size',
    help: 'encoder hidden size per direction',
  },
  {
    key: null,
    flag: 'layers',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    sets: ['model.encoderLayers', 'model.decoderLayers'],
    help: 'encoder and decoder layers',
    docs: 'encoder and decoder layers (wins over the two flags below)',
  },
  {
    key: 'model.encoderLayers',
    flag: 'encoder-layers',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    help: 'encoder layers',
  },
  {
    key: 'model.decoderLayers',
    flag: 'decoder-layers',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    help: 'decoder layers',
  },
  {
    key: 'model.attentionSize',
    flag: 'attention-size',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    unset: '= hidden size',
    help: 'Bahdanau attention size',
  },
  {
    key: 'model.bidirectional',
    flag: 'bidirectional',
    type: 'boolean',
    forms: 'off',
    help: 'unidirectional encoder',
    docs: 'the encoder reads both ways (`--no-bidirectional`: left to right only)',
  },
  {
    key: 'model.preOutput',
    flag: null,
    type: 'boolean',
    help: 'a pre-output layer tanh(W_p [s; c; emb(y_prev)] + b_p) before the output layer (false: the state s)',
  },
  {
    key: 'model.preOutputSize',
    flag: 'pre-output-size',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    unset: '= hidden size',
    help: 'pre-output layer size (default: hidden size; = embedding size when tied)',
  },
  {
    key: 'model.inputFeeding',
    flag: 'input-feeding',
    type: 'boolean',
    help: 'feed the previous pre-output vector to the decoder',
    docs: 'Luong input feeding: the previous pre-output vector is part of the decoder input',
  },
  {
    key: 'model.tiedTargetEmbeddings',
    flag: 'tied-embeddings',
    type: 'boolean',
    forms: 'both',
    help: 'share the target embeddings with the output layer (needs pre-output size = embedding size)',
    offHelp: 'a separate output layer (the default, except in the multi30k preset)',
    docs:
      'the output layer uses the target embeddings as its weights (needs pre-output size = embedding size); ' +
      'they start at N(0, 1/E) instead of N(0, 1)',
  },
  {
    key: 'model.dropout',
    flag: 'dropout',
    type: 'number',
    arg: 'p',
    bound: 'unit',
    help: 'dropout probability',
    docs: 'dropout probability (applied by the model)',
  },
  {
    key: 'model.memoryDropout',
    flag: 'memory-dropout',
    type: 'number',
    arg: 'p',
    bound: 'unit',
    help: 'dropout on the encoder memory that attention reads (0 = off)',
    docs: 'dropout on the encoder memory that attention reads (keys and contexts; 0 = off)',
  },
  {
    key: 'model.wordDropout',
    flag: 'word-dropout',
    type: 'number',
    arg: 'p',
    bound: 'unit',
    help: 'drop whole source and target input words (0 = off)',
    docs: 'drop whole source and target input words (embedding rows), the kept ones scaled by 1/(1 − p) (0 = off)',
  },
  {
    key: 'model.labelSmoothing',
    flag: 'label-smoothing',
    type: 'number',
    arg: 'eps',
    bound: 'unit',
    help: 'label smoothing ε',
  },
  {
    key: 'model.maxSourceLength',
    flag: null,
    type: 'int',
    arg: 'n',
    bound: 'positive',
    help: 'longest source the model decodes (longer ones are cropped, with a warning)',
  },
  {
    key: 'model.maxTargetLength',
    flag: null,
    type: 'int',
    arg: 'n',
    bound: 'positive',
    help: 'recorded in the model config (decoding limits the output by --max-length-ratio/--max-length-constant)',
  },
  // ---- tokenizers -----------------------------------------------------------------------------
  {
    key: 'vocabSize',
    flag: 'vocab-size',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    min: 8,
    default: 4000,
    help: 'BPE vocabulary size to learn (per side, or joint)',
    docs: 'BPE vocabulary learned from the training corpus (per side, or joint)',
  },
  {
    key: 'jointVocab',
    flag: 'joint-vocab',
    type: 'boolean',
    default: false,
    help: 'learn one vocabulary for both languages',
  },
  {
    key: 'lowercase',
    flag: 'lowercase',
    type: 'boolean',
    default: false,
    help: 'lowercase the text in the tokenizer',
  },
  {
    key: 'tokenizer',
    flag: 'tokenizer',
    type: 'path',
    arg: 'file',
    default: null,
    unset: 'learned',
    help: 'use this (joint) tokenizer.json instead of learning one',
  },
  {
    key: 'srcTokenizer',
    flag: 'src-tokenizer',
    type: 'path',
    arg: 'file',
    default: null,
    unset: 'learned',
    help: 'source tokenizer.json',
    docs: 'source tokenizer.json (with `--tgt-tokenizer`) instead of learning one',
  },
  {
    key: 'tgtTokenizer',
    flag: 'tgt-tokenizer',
    type: 'path',
    arg: 'file',
    default: null,
    unset: 'learned',
    help: 'target tokenizer.json',
  },
  {
    key: 'bpeDropout',
    flag: 'bpe-dropout',
    type: 'number',
    arg: 'p',
    bound: 'unit',
    default: 0,
    help: 'BPE-dropout: segment the training pairs anew every epoch, each merge dropped with probability p (0 = off)',
    docs:
      'BPE-dropout (Provilkov et al. 2020): the training pairs are segmented anew every epoch, each BPE merge ' +
      'dropped with probability p (seeded by the seed and the epoch, so `--resume` continues exactly); ' +
      'validation and decoding use the plain segmentation; 0 = off',
  },
  // ---- optimisation ---------------------------------------------------------------------------
  {
    key: 'optimizer',
    flag: 'optimizer',
    type: 'enum',
    arg: 'name',
    values: ['adam', 'sgd'],
    default: 'adam',
    help: 'adam | sgd',
    docs: 'Adam (with β1, β2, ε) or SGD (with momentum)',
  },
  { key: 'lr', flag: 'lr', type: 'number', arg: 'rate', bound: 'positive', default: 0.001, help: 'learning rate' },
  { key: 'momentum', flag: 'momentum', type: 'number', arg: 'm', bound: 'unit', default: 0.9, help: 'SGD momentum' },
  { key: 'beta1', flag: 'beta1', type: 'number', arg: 'b', bound: 'unit', default: 0.9, help: 'Adam β1' },
  { key: 'beta2', flag: 'beta2', type: 'number', arg: 'b', bound: 'unit', default: 0.999, help: 'Adam β2' },
  { key: 'eps', flag: null, type: 'number', arg: 'e', bound: 'positive', default: 1e-8, help: 'Adam ε' },
  {
    key: 'weightDecay',
    flag: 'weight-decay',
    type: 'number',
    arg: 'wd',
    bound: 'non-negative',
    default: 0,
    help: 'weight decay',
  },
  {
    key: 'clipNorm',
    flag: 'clip-norm',
    type: 'number',
    arg: 'n',
    bound: 'non-negative',
    default: 1,
    help: 'clip the global gradient norm (0 = off)',
  },
  {
    key: 'schedule',
    flag: 'schedule',
    type: 'enum',
    arg: 'kind',
    values: ['constant', 'plateau', 'inverse-sqrt'],
    default: 'constant',
    help: 'constant | plateau | inverse-sqrt',
    docs: 'learning-rate schedule: constant, plateau decay (decay* and minLr) or inverse-sqrt (warmupSteps)',
  },
  {
    key: 'warmupSteps',
    flag: 'warmup-steps',
    type: 'int',
    arg: 'n',
    bound: 'non-negative',
    default: 0,
    help: 'warm-up steps of inverse-sqrt',
    docs: 'inverse-sqrt: lr(s) = lr · min(s/W, √(W/s))',
  },
  {
    key: 'decayFactor',
    flag: 'decay-factor',
    type: 'number',
    arg: 'f',
    bound: 'open-unit',
    default: 0.5,
    help: 'plateau: multiply the rate by this',
    docs: 'plateau: lr ← max(minLr, lr · factor) after `decayPatience` evaluations without improvement',
  },
  {
    key: 'decayPatience',
    flag: 'decay-patience',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: 2,
    help: 'plateau: evaluations without improvement before decaying',
  },
  {
    key: 'minLr',
    flag: 'min-lr',
    type: 'number',
    arg: 'rate',
    bound: 'non-negative',
    default: 1e-6,
    help: 'plateau: lowest rate',
  },
  {
    key: 'anneal',
    flag: 'anneal',
    type: 'number',
    arg: 'fraction',
    bound: 'unit',
    default: 0,
    help: 'lower the rate linearly to 0 over this last fraction of the budget (0 = off)',
    docs:
      'end-of-budget annealing for any schedule: lr · min(1, (1 − p)/F), not below minLr, where p is the ' +
      'fraction of the budget used (the largest of steps/`maxSteps`, epochs/`maxEpochs` and training ' +
      'seconds/time budget, counting earlier sessions of a resumed run); 0 = off',
  },
  // ---- batches --------------------------------------------------------------------------------
  {
    key: 'batchTokens',
    flag: 'batch-tokens',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: 2000,
    help: 'padded tokens per batch',
    docs: 'token budget B · max(S, T+1) per batch (length-bucketed)',
  },
  {
    key: 'batchSentences',
    flag: 'batch-sentences',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: null,
    unset: 'no cap',
    help: 'most sentences per batch',
  },
  {
    key: 'maxSrcLen',
    flag: 'max-src-len',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: 80,
    help: 'leave out longer sources (subword tokens)',
  },
  {
    key: 'maxTgtLen',
    flag: 'max-tgt-len',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: 80,
    help: 'leave out longer targets (subword tokens)',
  },
  {
    key: 'seed',
    flag: 'seed',
    type: 'int',
    arg: 'n',
    bound: 'non-negative',
    default: 1,
    help: 'random seed',
    docs: 'random seed: initialisation, dropout, shuffling',
  },
  // ---- budget ---------------------------------------------------------------------------------
  {
    key: 'maxSteps',
    flag: 'max-steps',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: null,
    unset: 'no limit',
    help: 'stop after this many steps (in total)',
    docs: 'stop after this many steps (in total, over all sessions)',
  },
  {
    key: 'maxEpochs',
    flag: 'max-epochs',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: null,
    unset: 'no limit',
    help: 'stop after this many epochs (in total)',
    docs: 'stop after this many epochs (in total, over all sessions)',
  },
  {
    key: 'timeBudget',
    flag: 'time-budget',
    type: 'duration',
    arg: 'duration',
    default: null,
    unset: 'no limit',
    help: 'stop after this long (this session), e.g. 90s, 30m, 1h',
    docs: 'wall-clock limit of this session: `90s`, `30m`, `1h30m`, or seconds',
  },
  // ---- validation and checkpoints -------------------------------------------------------------
  {
    key: 'evalEvery',
    flag: 'eval-every',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: 500,
    help: 'validate every n steps',
    docs: 'validate every n steps (and once at the end)',
  },
  {
    key: 'checkpointEvery',
    flag: 'checkpoint-every',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: null,
    unset: '= `evalEvery`',
    help: 'write last/ every n steps (default: --eval-every)',
    docs: 'write `last/` every n steps (and at the end, and on Ctrl-C)',
  },
  {
    key: 'keepCheckpoints',
    flag: 'keep-checkpoints',
    type: 'int',
    arg: 'n',
    bound: 'non-negative',
    default: 0,
    help: 'keep the weights of the newest n validations in checkpoints/ for seq2seq average (0 = off)',
    docs: 'keep the weights of the newest n validations in `checkpoints/step-N/` for `seq2seq average` (0 = off)',
  },
  {
    key: 'bestMetric',
    flag: 'best-metric',
    type: 'enum',
    arg: 'm',
    values: ['bleu', 'chrf', 'loss'],
    default: 'bleu',
    help: 'bleu | chrf | loss: what best/ keeps',
    docs: 'what `best/`, the plateau schedule and early stopping follow',
  },
  {
    key: 'patience',
    flag: 'patience',
    type: 'int',
    arg: 'n',
    bound: 'non-negative',
    default: 0,
    help: 'early stopping: evaluations without improvement (0 = off)',
  },
  {
    key: 'evalMaxSentences',
    flag: 'eval-max-sentences',
    type: 'int',
    arg: 'n',
    bound: 'positive',
    default: null,
    unset: 'all',
    help: 'validation sentences decoded for BLEU/chrF',
  },
  {
    key: 'samples',
    flag: 'samples',
    type: 'int',
    arg: 'n',
    bound: 'non-negative',
    default: 3,
    help: 'sample translations shown per evaluation',
  },
] as const satisfies readonly TrainOption[];

// ---- the types of a settings layer and of resolved settings, derived from the table -----------

type Declared = (typeof TRAIN_OPTIONS)[number];
type Keyed = Extract<Declared, { key: string }>;
type ModelKeyed = Extract<Keyed, { key: `model.${string}` }>;
type TopKeyed = Exclude<Keyed, ModelKeyed>;
type ModelField<K> = K extends `model.${infer F}` ? F : never;

/** The value type of an option's key. */
type ValueOf<O> = O extends { type: 'int' | 'number' }
  ? number
  : O extends { type: 'enum'; values: readonly (infer V)[] }
    ? V
    : O extends { type: 'boolean' }
      ? boolean
      : O extends { type: 'paths' }
        ? string[]
        : O extends { type: 'duration' }
          ? string | number
          : string;

/** Model keys a training config may set (vocabulary sizes come from the tokenizers). */
export type ModelSettings = { [O in ModelKeyed as ModelField<O['key']>]?: ValueOf<O> };

/** One layer of settings (a preset, a config file, the flags): any key may be missing. */
export type TrainSettingsInput = { [O in TopKeyed as O['key']]?: ValueOf<O> } & { model?: ModelSettings };

/** Settings with every default resolved (what the run directory records); null = unset. */
export type TrainSettings = {
  [O in TopKeyed as O['key']]: ValueOf<O> | (O extends { default: null } ? null : never);
} & { model: ModelSettings };

/** The option whose key is `key`. */
export function optionOf(key: string): TrainOption | undefined {
  return (TRAIN_OPTIONS as readonly TrainOption[]).find((o) => o.key === key);
}

/** How an option is written on the command line: `--hidden-size`, `--no-bidirectional`, `--[no-]tied-embeddings`. */
export function flagSpelling(o: TrainOption): string | null {
  if (o.flag === null) return null;
  if (o.type !== 'boolean') return `--${o.flag}`;
  if (o.forms === 'both') return `--[no-]${o.flag}`;
  return o.forms === 'off' ? `--no-${o.flag}` : `--${o.flag}`;
}
