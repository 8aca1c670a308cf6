/**
 * The decoding thread of `seq2seq serve` (started by decoder-thread.ts). It loads every model
 * exactly as `seq2seq translate` does (loadDecodingModels, a Translator with the same options and
 * the run's source length limit) and then answers DecodeRequests one at a time, so every reply's
 * text is what `seq2seq translate` gives for the same sentences and settings.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Seq2SeqError } from '../errors.js';
import { loadDecodingModels } from '../decode/run-loader.js';
import { Translator } from '../decode/translator.js';
import type { DecodeReply, DecodeRequest, DecodeWorkerData } from './decode-protocol.js';

const port = parentPort!;
const post = (m: DecodeReply) => port.postMessage(m);
const data = workerData as DecodeWorkerData;
const translators = new Map<string, Translator>();

try {
  const loaded: { key: string; dir: string }[] = [];
  for (const { key, dir } of data.models) {
    const run = await loadDecodingModels([dir], data.fast);
    const options = { ...data.decoding, maxSourceLength: run.maxSourceLength };
    translators.set(key, new Translator(run.model, run.srcTokenizer, run.tgtTokenizer, options));
    loaded.push({ key, dir: run.dir });
  }
  post({ type: 'ready', models: loaded });
} catch (err) {
  const exitCode = err instanceof Seq2SeqError ? err.exitCode : 1;
  post({ type: 'failed', message: (err as Error).message, exitCode });
}

port.on('message', (req: DecodeRequest) => {
  try {
    const translator = translators.get(req.key);
    if (!translator) throw new Error(`no model ${req.key}`);
    const out = translator.translate(req.sentences, { nBest: req.nBest });
    post({ type: 'decoded', id: req.id, hyps: out.map((t) => t.hyps.map((h) => h.text)) });
  } catch (err) {
    post({ type: 'error', id: req.id, message: (err as Error).message });
  }
});
