/**
 * What a download (and `corpus get` around it) reports while it runs. Core code emits these typed
 * events; the CLI renders them (a progress bar on a terminal, plain lines otherwise). `at` is a
 * millisecond clock (performance.now()), so rates and ETAs are computed from the events alone.
 */
export type DownloadEvent =
  /** A transfer begins; `offset` > 0 when it resumes a partial file, `total` when the size is known. */
  | { type: 'start'; name: string; url: string; offset: number; total?: number; at: number }
  /** Bytes of the file on disk so far (including a resumed prefix). Throttled to a few per second. */
  | { type: 'progress'; name: string; received: number; total?: number; at: number }
  /** The transfer finished and the file is verified. */
  | { type: 'done'; name: string; bytes: number; sha256: string; at: number }
  /** A transfer failed and is tried again after `delayMs` (attempt of at most `attempts`). */
  | { type: 'retry'; name: string; reason: string; attempt: number; attempts: number; delayMs: number; kept: number }
  /** The file came from the cache, verified against its recorded sha256. */
  | { type: 'cached'; name: string; bytes: number }
  /** Anything else worth a line: a cache entry that failed verification, unpacking, splitting. */
  | { type: 'note'; message: string };

export type OnEvent = (e: DownloadEvent) => void;
