/**
 * A corrupt or truncated archive (exit 1). The caller drops it from the cache, so the next attempt
 * downloads it again.
 */
import { RuntimeFailure } from '../../errors.js';

export class CorruptArchive extends RuntimeFailure {
  constructor(name: string, kind: 'gzip' | 'zip', detail: string) {
    super(`${name}: corrupt ${kind} archive (${detail})`);
    this.name = 'CorruptArchive';
  }
}
