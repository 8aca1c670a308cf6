/**
 * The model's configuration (zod-validated; stored in a run's config.json under "model").
 * `REFERENCE_MODEL_CONFIG` is exactly the reference model of shared/reference/performance.md:
 * bi-GRU 512 encoder, bridge tanh(W[h_fwd; h_bwd] + b), Bahdanau attention from the decoder state
 * before the step, decoder GRU input [emb(y_prev); c], pre-output tanh(W_p[s; c; emb(y_prev)] + b_p)
 * 1792 → 512, output 512 → 8000: 15,551,296 parameters.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { oneLine } from '../util/json-file.js';
import { SIZE_LIMITS, describeSizeProblem, modelSizeProblem } from './size-limits.js';

const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be an integer`)
    .positive(`${what} must be positive`);

export const ModelConfigSchema = z
  .object({
    /** Recurrent cell of encoder and decoder. */
    cell: z.enum(['rnn', 'gru', 'lstm']).default('gru'),
    srcVocabSize: positiveInt('srcVocabSize').min(4, 'srcVocabSize must be at least 4 (the special tokens)'),
    tgtVocabSize: positiveInt('tgtVocabSize').min(4, 'tgtVocabSize must be at least 4 (the special tokens)'),
    /** Source and target embedding size. */
    embeddingSize: positiveInt('embeddingSize').default(256),
    /** Decoder hidden size (and the encoder's per direction, unless encoderHiddenSize is set). */
    hiddenSize: positiveInt('hiddenSize').default(512),
    /** Encoder hidden size per direction (default: hiddenSize). */
    encoderHiddenSize: positiveInt('encoderHiddenSize').optional(),
    encoderLayers: positiveInt('encoderLayers').default(1),
    decoderLayers: positiveInt('decoderLayers').default(1),
    bidirectional: z.boolean().default(true),
    attention: z.enum(['none', 'bahdanau', 'luong-dot', 'luong-general']).default('bahdanau'),
    /** Bahdanau attention's hidden size A (default: hiddenSize). */
    attentionSize: positiveInt('attentionSize').optional(),
    /** Feed the previous pre-output vector into the decoder's input (Luong et al. 2015). */
    inputFeeding: z.boolean().default(false),
    /** o = tanh(W_p [s; c; emb(y_prev)] + b_p) before the output layer (otherwise o = s). */
    preOutput: z.boolean().default(true),
    preOutputSize: positiveInt('preOutputSize').optional(),
    /** Share decoder.embedding.weight with the output layer (needs preOutputSize = embeddingSize). */
    tiedTargetEmbeddings: z.boolean().default(false),
    dropout: z.number().min(0, 'dropout must be in [0, 1)').lt(1, 'dropout must be in [0, 1)').default(0),
    /**
     * Dropout on the encoder memory M (attention keys and contexts) when training, apart from
     * `dropout` (nmtpytorch's dropout_ctx; 0 = off).
     */
    memoryDropout: z
      .number()
      .min(0, 'memoryDropout must be in [0, 1)')
      .lt(1, 'memoryDropout must be in [0, 1)')
      .default(0),
    /**
     * Word dropout when training: a whole source token's embedding, and a whole target input
     * token's (y_{t−1}), is dropped with this probability (Nematus' dropout_source/target; 0 = off).
     */
    wordDropout: z.number().min(0, 'wordDropout must be in [0, 1)').lt(1, 'wordDropout must be in [0, 1)').default(0),
    labelSmoothing: z
      .number()
      .min(0, 'labelSmoothing must be in [0, 1)')
      .lt(1, 'labelSmoothing must be in [0, 1)')
      .default(0),
    maxSourceLength: positiveInt('maxSourceLength').default(100),
    maxTargetLength: positiveInt('maxTargetLength').default(100),
  })
  .strict();

export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
export type ModelConfig = z.output<typeof ModelConfigSchema>;

/** The sizes the layers use, with the defaults resolved. */
export interface ResolvedSizes {
  encoderHidden: number;
  directions: number;
  memory: number;
  attention: number;
  preOutput: number;
  /** Size of the decoder's context vector c (memory with attention, hiddenSize without). */
  context: number;
  /** Decoder RNN input size. */
  decoderInput: number;
  /** Input size of the output layer. */
  outputInput: number;
}

export function resolveSizes(c: ModelConfig): ResolvedSizes {
  const encoderHidden = c.encoderHiddenSize ?? c.hiddenSize;
  const directions = c.bidirectional ? 2 : 1;
  const memory = encoderHidden * directions;
  const attention = c.attentionSize ?? c.hiddenSize;
  const preOutput = c.preOutputSize ?? c.hiddenSize;
  const context = c.attention === 'none' ? c.hiddenSize : memory;
  // Bahdanau and no attention feed c into the RNN; Luong computes c after the RNN.
  const ctxInInput = c.attention === 'bahdanau' || c.attention === 'none';
  const decoderInput = c.embeddingSize + (ctxInInput ? context : 0) + (c.inputFeeding ? preOutput : 0);
  const outputInput = c.preOutput ? preOutput : c.hiddenSize;
  return { encoderHidden, directions, memory, attention, preOutput, context, decoderInput, outputInput };
}

/** Checks the combinations the schema alone cannot; returns the messages. */
function crossFieldProblems(c: ModelConfig): string[] {
  const s = resolveSizes(c);
  const out: string[] = [];
  if (c.attention === 'luong-dot' && s.memory !== c.hiddenSize) {
    out.push(
      `attention: luong-dot needs hiddenSize (${c.hiddenSize}) = encoder output size (encoderHiddenSize × ` +
        `directions = ${s.memory})`,
    );
  }
  if (c.attention.startsWith('luong') && !c.preOutput)
    out.push('preOutput: Luong attention needs the pre-output layer (it combines the context and the state)');
  if (c.inputFeeding && !c.preOutput) out.push('inputFeeding: needs preOutput (the vector fed back is the pre-output)');
  if (c.tiedTargetEmbeddings && s.outputInput !== c.embeddingSize) {
    out.push(
      `tiedTargetEmbeddings: needs the output layer's input size (${s.outputInput}) = embeddingSize ` +
        `(${c.embeddingSize})`,
    );
  }
  return out;
}

/** Parameters of one recurrent cell: G·H × I input weights, G·H × H recurrent weights, two G·H biases. */
function cellParameters(gates: number, input: number, hidden: number): number {
  return gates * hidden * (input + hidden + 2);
}

/**
 * The exact number of parameters of the model a config describes, computed without building it
 * (test/reliability/sizes.test.ts checks it against Seq2Seq.parameterCount on random configs):
 *   embeddings        V_src·E + V_tgt·E
 *   encoder           per direction: cell(E → He), then cell(He·dirs → He) for each further layer
 *   bridge            memory → L·H, with bias
 *   decoder           cell(decoderInput → H), then cell(H → H) for each further layer
 *   attention         Bahdanau: key A×memory, query A×H + A, energy A; Luong general: H×memory
 *   pre-output        P × (H + context + E) + P
 *   output            V_tgt × outputInput + V_tgt (only the bias when tied to the embedding)
 */
export function parameterCount(c: ModelConfig): number {
  const s = resolveSizes(c);
  const gates = c.cell === 'lstm' ? 4 : c.cell === 'gru' ? 3 : 1;
  const H = c.hiddenSize;
  const E = c.embeddingSize;
  const L = c.decoderLayers;
  let n = (c.srcVocabSize + c.tgtVocabSize) * E;
  const upper = (c.encoderLayers - 1) * cellParameters(gates, s.memory, s.encoderHidden);
  n += s.directions * (cellParameters(gates, E, s.encoderHidden) + upper);
  n += s.memory * L * H + L * H;
  n += cellParameters(gates, s.decoderInput, H) + (L - 1) * cellParameters(gates, H, H);
  if (c.attention === 'bahdanau') n += s.attention * (s.memory + H + 2);
  else if (c.attention === 'luong-general') n += H * s.memory;
  if (c.preOutput) n += s.preOutput * (H + s.context + E + 1);
  n += c.tiedTargetEmbeddings ? c.tgtVocabSize : c.tgtVocabSize * (s.outputInput + 1);
  return n;
}

/** The first size over its bound (src/model/size-limits.ts), the parameter count included, or null. */
function sizeProblem(c: ModelConfig): string | null {
  const field = modelSizeProblem(c as unknown as Record<string, unknown>);
  if (field) return describeSizeProblem(field);
  const n = parameterCount(c);
  if (n <= SIZE_LIMITS.parameters) return null;
  const limit = SIZE_LIMITS.parameters.toLocaleString('en-US');
  return `the model would have ${n.toLocaleString('en-US')} parameters, more than the limit of ${limit}`;
}

/**
 * Parses and validates a model config, its sizes bounded (nothing is allocated here); InputError
 * `where: field: problem` on any problem.
 */
export function parseModelConfig(raw: unknown, where = 'model config'): ModelConfig {
  const r = ModelConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field =
      issue.path.length > 0
        ? issue.path.join('.')
        : issue.code === 'unrecognized_keys'
          ? ((issue as { keys?: string[] }).keys?.join(', ') ?? '')
          : '';
    throw new InputError(oneLine(`${where}: ${field ? `${field}: ` : ''}${issue.message}`));
  }
  const problems = crossFieldProblems(r.data);
  if (problems.length > 0) throw new InputError(`${where}: ${problems[0]}`);
  const size = sizeProblem(r.data);
  if (size !== null) throw new InputError(`${where}: ${size}`);
  return r.data;
}

/** The reference model of shared/reference/performance.md (15.55 M parameters). */
export const REFERENCE_MODEL_CONFIG: ModelConfigInput = {
  cell: 'gru',
  srcVocabSize: 8000,
  tgtVocabSize: 8000,
  embeddingSize: 256,
  hiddenSize: 512,
  encoderLayers: 1,
  decoderLayers: 1,
  bidirectional: true,
  attention: 'bahdanau',
  attentionSize: 512,
  inputFeeding: false,
  preOutput: true,
  preOutputSize: 512,
  tiedTargetEmbeddings: false,
};
