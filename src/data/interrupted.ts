/**
 * A long data operation (a download, unpacking, `corpus prepare`) stopped by its AbortSignal:
 * Ctrl-C. Exit code 130, the shell's code for SIGINT, as `train` and `translate` use.
 */
import { Seq2SeqError } from '../errors.js';

export class Interrupted extends Seq2SeqError {
  /** `detail`: what was kept, e.g. a partial download for a resume. */
  constructor(detail?: string) {
    super(detail ? `interrupted; ${detail}` : 'interrupted', 130);
    this.name = 'Interrupted';
  }
}

/** Throws Interrupted when `signal` has been aborted. */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted();
}
