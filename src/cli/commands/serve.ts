/**
 * `seq2seq serve --model RUN [--model RUN2 …]`: trained runs as a LibreTranslate-compatible HTTP
 * service with a web page at "/" (src/serve/, docs/serve.md). One model per language pair, each
 * loaded once; the pair is read from the run or given as `--model en:de=RUN`. Listens on
 * 127.0.0.1:5000 unless told otherwise. SIGTERM or SIGINT: stop accepting, answer every request in
 * flight, exit 0; a second signal stops at once.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { addDecodingFlags, readDecodingFlags, type DecodingFlags } from '../decoding-flags.js';
import { collect, integerFlag } from '../option-values.js';
import { readApiKeys } from '../../serve/api-keys.js';
import { normalizeCode } from '../../serve/languages.js';
import type { ModelSpec, ServeOptions } from '../../serve/options.js';

interface ServeCliOpts extends DecodingFlags {
  model: string[];
  host: string;
  port: string;
  maxBatch: string;
  maxWaitMs: string;
  maxQueue: string;
  timeoutMs: string;
  charLimit: string;
  batchLimit: string;
  reqLimit: string;
  apiKeys?: string;
  bodyLimit: string;
  logFormat: string;
}

/** A limit: a positive integer, or -1 for none (as LibreTranslate's flags take it). */
function limitFlag(name: string, value: string): number {
  return value.trim() === '-1' ? -1 : integerFlag(name, value);
}

/** `RUN` or `SRC:TGT=RUN`. */
export function parseModelSpec(value: string): ModelSpec {
  const named = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*):([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)=(.+)$/.exec(value);
  const spec: ModelSpec = named
    ? { dir: named[3], source: normalizeCode(named[1]), target: normalizeCode(named[2]) }
    : { dir: value };
  if (!existsSync(spec.dir)) throw new InputError(`${spec.dir}: run directory not found`);
  return spec;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve trained runs over HTTP: the LibreTranslate API and a translation web page')
    .requiredOption(
      '--model <run>',
      'trained run (or checkpoint) directory, or SRC:TGT=RUN to name its pair; repeat for more pairs',
      collect,
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', '5000')
    .option('--max-batch <n>', 'sentences decoded together at most', '64')
    .option('--max-wait-ms <ms>', 'how long a partial batch waits at most for answered clients to come back', '50')
    .option('--max-queue <n>', 'sentences waiting at most; beyond, requests get 503 with Retry-After', '1024')
    .option('--timeout-ms <ms>', 'a request not translated by then gets 503', '60000')
    .option('--char-limit <n>', 'characters per text of q (-1: no limit)', '5000')
    .option('--batch-limit <n>', 'texts per q array (-1: no limit)', '-1')
    .option('--req-limit <n>', 'requests per minute per API key or client address (-1: no limit)', '-1')
    .option('--api-keys <file>', 'accept only requests with one of these keys (one per line)')
    .option('--body-limit <bytes>', 'request body size limit', '1048576')
    .option('--log-format <fmt>', 'access log on stderr: plain or json', 'plain');
  addDecodingFlags(cmd)
    .addHelpText(
      'after',
      `
Examples:
  seq2seq serve --model runs/en-de
  seq2seq serve --model runs/en-de --model runs/de-en --port 8080 --req-limit 60
  seq2seq serve --model en:de=runs/multi30k --api-keys keys.txt --log-format json
  curl -s localhost:5000/translate -H 'Content-Type: application/json' \\
       -d '{"q": "A man rides a bike.", "source": "en", "target": "de"}'

See docs/serve.md for the API, the limits and how to point LibreTranslate clients at it.`,
    )
    .action(async (opts: ServeCliOpts) => {
      const options = readOptions(opts);
      await serve(options);
    });
}

function readOptions(opts: ServeCliOpts): ServeOptions {
  const logFormat = opts.logFormat;
  if (logFormat !== 'plain' && logFormat !== 'json')
    throw new InputError(`--log-format must be plain or json, got '${logFormat}'`);
  const port = integerFlag('--port', opts.port, 0);
  if (port > 65535) throw new InputError(`--port must be at most 65535, got '${opts.port}'`);
  const { search, choices } = readDecodingFlags(opts);
  return {
    models: opts.model.map(parseModelSpec),
    host: opts.host,
    port,
    decoding: search,
    fast: choices,
    maxBatch: integerFlag('--max-batch', opts.maxBatch),
    maxWaitMs: integerFlag('--max-wait-ms', opts.maxWaitMs, 0),
    maxQueue: integerFlag('--max-queue', opts.maxQueue),
    timeoutMs: integerFlag('--timeout-ms', opts.timeoutMs),
    charLimit: limitFlag('--char-limit', opts.charLimit),
    batchLimit: limitFlag('--batch-limit', opts.batchLimit),
    reqLimit: limitFlag('--req-limit', opts.reqLimit),
    apiKeys: opts.apiKeys === undefined ? null : readApiKeys(opts.apiKeys),
    bodyLimit: integerFlag('--body-limit', opts.bodyLimit),
    logFormat,
  };
}

async function serve(options: ServeOptions): Promise<void> {
  const { startServer } = await import('../../serve/server.js');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let fatal: ((err: Error) => void) | null = null;
  const failed = new Promise<never>((_resolve, reject) => {
    fatal = reject;
  });
  failed.catch(() => undefined);
  const server = await startServer(options, say, (err) => fatal?.(err));
  const n = options.models.length;
  say(`seq2seq serve: listening on ${server.url} (loading ${n} model${n > 1 ? 's' : ''})`);
  try {
    await Promise.race([server.ready, failed]);
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }
  say(`seq2seq serve: ready at ${server.url}`);

  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let signal: NodeJS.Signals;
  try {
    signal = await Promise.race([stopping, failed]);
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }
  say(`seq2seq serve: ${signal}: no new requests; finishing the ones in flight`);
  const force = (again: NodeJS.Signals) => {
    say(`seq2seq serve: ${again} again: stopping now`);
    process.exit(again === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await server.close();
  say('seq2seq serve: stopped');
}
