/**
 * The messages between the server's main thread and its decoding thread (decode-worker.ts). The
 * main thread parses HTTP, queues and batches sentences; the decoding thread holds the models and
 * runs the Translator, so a long batch never stops the server from answering (a 503, a health
 * check, a timeout) while it decodes.
 */
import type { DecodingChoices } from '../decode/run-loader.js';
import type { TranslateOptions } from '../decode/translator.js';

/** workerData of the decoding thread: the models to load, by key, and the decoding settings. */
export interface DecodeWorkerData {
  models: { key: string; dir: string }[];
  decoding: Partial<TranslateOptions>;
  /** The opt-in fast modes (none by default). */
  fast?: DecodingChoices;
}

/** Main → decoding thread: translate these sentences with model `key`, keeping `nBest` hypotheses. */
export interface DecodeRequest {
  id: number;
  key: string;
  sentences: string[];
  nBest: number;
}

/** Decoding thread → main. */
export type DecodeReply =
  /** Every model loaded; `dir` is the run directory each was read from. */
  | { type: 'ready'; models: { key: string; dir: string }[] }
  /** A model could not be loaded: the one-line message and the exit code it calls for. */
  | { type: 'failed'; message: string; exitCode: number }
  /** The hypotheses' texts of every sentence of request `id`, best first. */
  | { type: 'decoded'; id: number; hyps: string[][] }
  | { type: 'error'; id: number; message: string };
