/**
 * The searches' way into a model: its own in-place DecodingSession when it has one (Seq2Seq, an ensemble of
 * them), otherwise one made of the step API — startDecoding once, then step and DecoderState.select, each
 * returning a new state (mock models, models written against the step API only).
 */
import type { DecoderState, DecodingSession, Seq2SeqModel, SessionStep } from './types.js';

class StepApiSession implements DecodingSession {
  readonly columns = null;

  constructor(
    private readonly model: Seq2SeqModel,
    private state: DecoderState,
  ) {}

  get rows(): number {
    return this.state.batchSize;
  }

  step(prev: Int32Array): SessionStep {
    const r = this.model.step(this.state, prev);
    this.state = r.state;
    return { logProbs: r.logProbs, attention: r.attention };
  }

  select(rows: Int32Array): void {
    this.state = this.state.select(rows);
  }
}

/** Encodes B padded sources ([S×B] time-major ids) and returns the session that decodes them. */
export function startDecodingSession(
  model: Seq2SeqModel,
  src: Int32Array,
  srcLengths: Int32Array,
  batchSize: number,
  srcLen: number,
): DecodingSession {
  if (model.startSession) return model.startSession(src, srcLengths, batchSize, srcLen);
  return new StepApiSession(model, model.startDecoding(src, srcLengths, batchSize, srcLen));
}
