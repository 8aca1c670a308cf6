/**
 * The LibreTranslate API (https://docs.libretranslate.com, libretranslate/app.py):
 *   POST /translate          q, source, target, format, alternatives, api_key → translatedText, …
 *   POST /detect             q, api_key → [{confidence, language}], best first
 *   GET  /languages          [{code, name, targets}]
 *   GET  /frontend/settings  the settings LibreTranslate's web page reads
 *   GET  /health             {"status": "ok"} once every model is loaded (503 "loading" before)
 * /translate and /detect are rate-limited (429) and, with --api-keys, need a valid key (403), in
 * LibreTranslate's order: the limit first, then the key. Errors are ApiErrors (src/serve/api-error.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, unavailable } from './api-error.js';
import { QueueFullError, type DynamicBatcher } from './batcher.js';
import { detectLanguages } from './detect-language.js';
import { languageName } from './languages.js';
import type { ModelRegistry } from './model-registry.js';
import type { ServeOptions } from './options.js';
import type { RateLimiter } from './rate-limit.js';
import { apiKeyOf, requestFields, textsOf, translateFields } from './request-fields.js';
import { assembleReply, prepareTranslation } from './translation.js';

/** Why a request stopped waiting for its translation. */
export class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`translation timed out after ${ms} ms`);
  }
}

/** Per request: aborted when the client goes away (see server.ts); the sentences it asked for. */
export interface RequestState {
  abort: AbortController;
  sentences?: number;
}

export interface RouteContext {
  options: ServeOptions;
  /** The models, or null while they load. */
  registry(): ModelRegistry | null;
  batcher: DynamicBatcher;
  limiter: RateLimiter | null;
  state(request: FastifyRequest): RequestState;
}

function isJson(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(request.headers['content-type'] ?? '');
}

/** The rate limit, then the API key; returns the request's fields. */
function admit(ctx: RouteContext, request: FastifyRequest): Record<string, unknown> {
  const json = isJson(request);
  const fields = requestFields({ body: request.body, query: request.query, isJson: json });
  const key = apiKeyOf(fields);
  if (ctx.limiter) {
    const units = Array.isArray(fields.q) ? Math.max(1, fields.q.length) : 1;
    const decision = ctx.limiter.take(key ?? request.ip, units);
    if (!decision.ok) {
      const headers = { 'Retry-After': String(decision.retryAfterSeconds) };
      throw new ApiError(429, `Slowdown: ${ctx.options.reqLimit} per 1 minute`, headers);
    }
  }
  const keys = ctx.options.apiKeys;
  if (keys) {
    if (key === undefined) throw new ApiError(403, 'Please contact the server operator to get an API key');
    if (!keys.has(key)) throw new ApiError(403, 'Invalid API key');
  }
  return fields;
}

function loaded(ctx: RouteContext): ModelRegistry {
  const registry = ctx.registry();
  if (!registry) throw unavailable('the models are still loading', 1);
  return registry;
}

async function translate(ctx: RouteContext, request: FastifyRequest): Promise<object> {
  const fields = admit(ctx, request);
  const registry = loaded(ctx);
  const f = translateFields(fields, isJson(request));
  const { options, batcher } = ctx;
  const beam = options.decoding.beam ?? 5;
  const prepared = prepareTranslation(registry, f, {
    charLimit: options.charLimit,
    batchLimit: options.batchLimit,
    beam,
  });
  const state = ctx.state(request);
  state.sentences = prepared.sentences.length;
  if (prepared.sentences.length > options.maxQueue) {
    const n = prepared.sentences.length;
    throw new ApiError(
      400,
      `Invalid request: ${n} sentences exceed the server's queue of ${options.maxQueue} (--max-queue)`,
    );
  }
  const timer = setTimeout(() => state.abort.abort(new RequestTimeout(options.timeoutMs)), options.timeoutMs);
  try {
    const hyps = await batcher.submit(prepared.pair.key, prepared.sentences, prepared.nBest, state.abort.signal);
    return assembleReply(prepared, hyps, f);
  } catch (err) {
    if (err instanceof QueueFullError)
      throw unavailable('Server busy: the translation queue is full', err.retryAfterSeconds);
    if (err instanceof RequestTimeout) throw unavailable(err.message, batcher.retryAfter());
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function detect(ctx: RouteContext, request: FastifyRequest): object {
  const fields = admit(ctx, request);
  const registry = loaded(ctx);
  const q = textsOf(fields, isJson(request));
  return detectLanguages(Array.isArray(q) ? q : [q], registry.detectionCandidates());
}

function frontendSettings(ctx: RouteContext): object {
  const first = ctx.registry()?.pairs[0];
  const named = (code: string) => ({ code, name: languageName(code) });
  return {
    charLimit: ctx.options.charLimit,
    frontendTimeout: 500,
    apiKeys: ctx.options.apiKeys !== null,
    keyRequired: ctx.options.apiKeys !== null,
    suggestions: false,
    filesTranslation: false,
    supportedFilesFormat: [],
    language: first ? { source: named(first.source), target: named(first.target) } : null,
  };
}

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/translate', (request) => translate(ctx, request));
  app.post('/detect', async (request) => detect(ctx, request));
  app.get('/languages', async () => loaded(ctx).languages());
  app.get('/frontend/settings', async () => frontendSettings(ctx));
  app.get('/health', async (_request, reply) => {
    if (!ctx.registry()) return reply.code(503).send({ status: 'loading' });
    const { batcher, options } = ctx;
    return {
      status: 'ok',
      queue: { sentences: batcher.queued, decoding: batcher.decoding, capacity: options.maxQueue },
      decodedSentences: batcher.decoded,
      decodedBatches: batcher.batches,
    };
  });
}
