/**
 * Every size a user, a config file or a run directory can give, bounded in one place, and checked
 * before anything is allocated for it (docs/reliability.md, "Sizes"). The bounds are far beyond any
 * model or batch this program can train or run on one machine (the reference model has 512 units,
 * 1 layer and 15.6 M parameters), so they never stand in the way of real work; they turn a typo or
 * a tampered file (`encoderLayers: 20000`, `--beam 1000000000`) into a one-line error instead of
 * an allocation that takes the machine's memory or kills V8.
 * A model config's fields are checked by parseModelConfig (./config.ts), which also bounds the
 * exact parameter count computed from the config alone (`parameterCount`); training settings by
 * parseTrainSettings (src/train/config.ts); command-line flags by src/cli/option-values.ts.
 */
export const SIZE_LIMITS = {
  /** embeddingSize, hiddenSize, encoderHiddenSize, attentionSize, preOutputSize. */
  width: 16_384,
  /** encoderLayers, decoderLayers (deep RNN translators use up to 8). */
  layers: 64,
  /** srcVocabSize, tgtVocabSize, --vocab-size. */
  vocabulary: 1_048_576,
  /** maxSourceLength, maxTargetLength (tokens), --max-src-len, --max-tgt-len. */
  sequenceLength: 65_536,
  /** Parameters of one model: 8 GiB of float32 weights; every tensor stays indexable by a 32-bit int. */
  parameters: 2_147_483_647,
  /** --beam and --n-best (the interactive translator has the same cap). */
  beam: 64,
  /** Lines translated or scored at a time: --batch-size of translate, eval and score. */
  batchLines: 65_536,
  /** Padded tokens per training batch: --batch-tokens. */
  batchTokens: 1_048_576,
  /** Sentences per training batch: --batch-sentences. */
  batchSentences: 65_536,
  /** SEQ2SEQ_THREADS. */
  threads: 1_024,
  /** --max-length-ratio: output limit = ratio × source tokens + constant. */
  maxLengthRatio: 100,
  /** --max-length-constant. */
  maxLengthConstant: 10_000,
} as const;

/** The bound of each numeric field of a model config or of the model section of training settings. */
const MODEL_FIELD_LIMITS: Record<string, number> = {
  embeddingSize: SIZE_LIMITS.width,
  hiddenSize: SIZE_LIMITS.width,
  encoderHiddenSize: SIZE_LIMITS.width,
  attentionSize: SIZE_LIMITS.width,
  preOutputSize: SIZE_LIMITS.width,
  encoderLayers: SIZE_LIMITS.layers,
  decoderLayers: SIZE_LIMITS.layers,
  srcVocabSize: SIZE_LIMITS.vocabulary,
  tgtVocabSize: SIZE_LIMITS.vocabulary,
  maxSourceLength: SIZE_LIMITS.sequenceLength,
  maxTargetLength: SIZE_LIMITS.sequenceLength,
};

/** The bound of each numeric training setting outside `model`. */
const TRAIN_FIELD_LIMITS: Record<string, number> = {
  vocabSize: SIZE_LIMITS.vocabulary,
  batchTokens: SIZE_LIMITS.batchTokens,
  batchSentences: SIZE_LIMITS.batchSentences,
  maxSrcLen: SIZE_LIMITS.sequenceLength,
  maxTgtLen: SIZE_LIMITS.sequenceLength,
};

/** A value over its bound: the field (dotted path), the bound and the value. */
export interface SizeProblem {
  field: string;
  limit: number;
  value: number;
}

/** "hiddenSize must be at most 16384 (got 1000000)". */
export function describeSizeProblem(p: SizeProblem, name = p.field): string {
  return `${name} must be at most ${p.limit} (got ${p.value})`;
}

function firstOver(doc: Record<string, unknown>, limits: Record<string, number>, prefix: string): SizeProblem | null {
  for (const [field, limit] of Object.entries(limits)) {
    const v = doc[field];
    if (typeof v === 'number' && v > limit) return { field: prefix + field, limit, value: v };
  }
  return null;
}

/** The first field of a model config (or of training settings' `model`) over its bound, or null. */
export function modelSizeProblem(model: Record<string, unknown>): SizeProblem | null {
  return firstOver(model, MODEL_FIELD_LIMITS, '');
}

/** The first training setting (its `model` section included, as `model.x`) over its bound, or null. */
export function trainSizeProblem(settings: Record<string, unknown>): SizeProblem | null {
  const model = settings.model;
  const inModel =
    model && typeof model === 'object'
      ? firstOver(model as Record<string, unknown>, MODEL_FIELD_LIMITS, 'model.')
      : null;
  return firstOver(settings, TRAIN_FIELD_LIMITS, '') ?? inModel;
}
