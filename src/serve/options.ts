/**
 * The settings of `seq2seq serve` once the command line has been read (src/cli/commands/serve.ts
 * parses and checks them; the serve layer only consumes them). Limits of -1 mean "no limit", as in
 * LibreTranslate's --char-limit, --batch-limit and --req-limit.
 */
import type { DecodingChoices } from '../decode/run-loader.js';
import type { TranslateOptions } from '../decode/translator.js';

/** One model: its run (or checkpoint) directory and, when given on the command line, its pair. */
export interface ModelSpec {
  dir: string;
  source?: string;
  target?: string;
}

export type LogFormat = 'plain' | 'json';

export interface ServeOptions {
  models: ModelSpec[];
  host: string;
  port: number;
  /** Decoding settings, as `seq2seq translate` takes them (beam, length penalty, …). */
  decoding: Partial<TranslateOptions>;
  /** The opt-in fast modes, as `seq2seq translate` takes them (--precision, --shortlist); none when absent. */
  fast?: DecodingChoices;
  /** Sentences decoded together at most. */
  maxBatch: number;
  /** How long the first queued sentence waits for others before a partial batch is decoded. */
  maxWaitMs: number;
  /** Sentences waiting at most; a request that does not fit is answered 503 with Retry-After. */
  maxQueue: number;
  /** A request not answered within this time is answered 503 and its waiting sentences leave the queue. */
  timeoutMs: number;
  /** Characters per text of `q` (-1: no limit). */
  charLimit: number;
  /** Texts per `q` array (-1: no limit). */
  batchLimit: number;
  /** Requests per minute per API key or client address (-1: no limit). */
  reqLimit: number;
  /** Valid API keys; null when every request is accepted without one. */
  apiKeys: ReadonlySet<string> | null;
  /** Request body bytes at most. */
  bodyLimit: number;
  logFormat: LogFormat;
}
