/**
 * `seq2seq serve`: a Fastify HTTP server speaking LibreTranslate's API (routes.ts) and serving the
 * web page (page.ts), in front of one dynamic batcher (batcher.ts) that feeds the decoding thread
 * (decoder-thread.ts). The server listens at once; /health says "loading" until every model is in.
 *   - bodies: JSON, urlencoded forms (@fastify/formbody), multipart forms as LibreTranslate's own
 *     page sends them (@fastify/multipart, fields only); at most --body-limit bytes (413 beyond);
 *   - CORS headers as LibreTranslate sends them (@fastify/cors);
 *   - every answer is logged (access-log.ts); a client that leaves before its answer is logged as
 *     499 and its waiting sentences leave the queue;
 *   - close(): stop accepting (new requests on open connections get 503), let every request in
 *     flight finish, then stop the decoding thread.
 */
import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { formatAccess } from './access-log.js';
import { ApiError } from './api-error.js';
import { DynamicBatcher, type DecodeFn } from './batcher.js';
import { DecoderThread } from './decoder-thread.js';
import { ModelRegistry } from './model-registry.js';
import type { ServeOptions } from './options.js';
import { loadPage } from './page.js';
import { RateLimiter } from './rate-limit.js';
import { registerRoutes, type RequestState } from './routes.js';

export interface RunningServer {
  /** http://host:port, the port chosen by the system when --port 0. */
  url: string;
  /** Resolves when every model is loaded; rejects (a Seq2SeqError) when one cannot be. */
  ready: Promise<void>;
  /** Stops accepting, finishes the requests in flight, stops decoding. */
  close(): Promise<void>;
}

/** A multipart field as @fastify/multipart attaches it to the body. */
interface MultipartValue {
  value: unknown;
  valueTruncated?: boolean;
}

interface TrackedRequest extends RequestState {
  start: number;
  /** The client's address, kept: a closed socket no longer has one. */
  remote: string;
  logged: boolean;
  error?: string;
}

/** The client left before its answer was sent. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/** What the HTTP side needs from the decoding side: decoding, and the models once loaded. */
export interface Decoding {
  decode: DecodeFn;
  registry(): ModelRegistry | null;
}

/** The Fastify app with every route and hook, over `decoding` (the decoding thread, or a test's). */
export async function buildApp(
  options: ServeOptions,
  decoding: Decoding,
  log: (line: string) => void,
): Promise<{ app: FastifyInstance; batcher: DynamicBatcher }> {
  const batcher = new DynamicBatcher(decoding.decode, {
    maxBatch: options.maxBatch,
    maxWaitMs: options.maxWaitMs,
    capacity: options.maxQueue,
  });
  const states = new WeakMap<IncomingMessage, TrackedRequest>();

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Authorization'],
    credentials: true,
    maxAge: 60 * 60 * 24 * 20,
    strictPreflight: false,
  });
  await app.register(formbody, { bodyLimit: options.bodyLimit });
  await app.register(multipart, {
    attachFieldsToBody: true,
    limits: { fieldSize: options.bodyLimit, fields: 32, files: 0, parts: 32 },
  });
  // Multipart fields to plain values; a field cut at --body-limit is a 413, not a shorter text.
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart() || request.body === null || typeof request.body !== 'object') return;
    const fields: Record<string, string | string[]> = {};
    for (const [name, entry] of Object.entries(request.body as Record<string, MultipartValue | MultipartValue[]>)) {
      const parts = Array.isArray(entry) ? entry : [entry];
      if (parts.some((p) => p.valueTruncated)) throw new ApiError(413, 'Request body is too large');
      fields[name] = parts.length === 1 ? String(parts[0].value) : parts.map((p) => String(p.value));
    }
    request.body = fields;
  });

  const logAccess = (request: FastifyRequest, status: number) => {
    const state = states.get(request.raw);
    if (!state || state.logged) return;
    state.logged = true;
    const { sentences, error } = state;
    const entry = {
      time: new Date(),
      remote: state.remote,
      method: request.method,
      url: request.url.split('?')[0],
      status,
    };
    log(formatAccess({ ...entry, ms: performance.now() - state.start, sentences, error }, options.logFormat));
  };
  app.addHook('onRequest', async (request, reply) => {
    const state: TrackedRequest = {
      abort: new AbortController(),
      start: performance.now(),
      remote: request.ip,
      logged: false,
    };
    states.set(request.raw, state);
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) return;
      state.abort.abort(new ClientGone());
      logAccess(request, 499);
    });
  });
  app.addHook('onResponse', async (request, reply) => logAccess(request, reply.statusCode));
  // While closing, every answer closes its connection: a keep-alive connection whose request was
  // in flight when close() began would otherwise hold the server open until it times out.
  let closing = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.setErrorHandler((err: FastifyError | ApiError | ClientGone, request, reply) => {
    if (err instanceof ClientGone) return reply.code(499).send();
    let status = 500;
    let message = `Cannot translate text: ${err.message}`;
    if (err instanceof ApiError) {
      status = err.status;
      message = err.message;
      reply.headers(err.headers);
    } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      status = err.statusCode;
      message = err.message;
    }
    const state = states.get(request.raw);
    if (state) state.error = message;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'Not Found' }));

  for (const file of loadPage()) app.get(file.path, (_request, reply) => reply.type(file.contentType).send(file.body));
  registerRoutes(app, {
    options,
    registry: decoding.registry,
    batcher,
    limiter: options.reqLimit === -1 ? null : new RateLimiter(options.reqLimit),
    state: (request) => states.get(request.raw)!,
  });

  return { app, batcher };
}

export async function startServer(
  options: ServeOptions,
  log: (line: string) => void,
  onFatal: (err: Error) => void,
): Promise<RunningServer> {
  const models = options.models.map((m, i) => ({ key: String(i), dir: m.dir }));
  const decoder = new DecoderThread({ models, decoding: options.decoding, fast: options.fast }, onFatal);
  let registry: ModelRegistry | null = null;
  const decoding = { decode: decoder.decode.bind(decoder), registry: () => registry };
  const { app, batcher } = await buildApp(options, decoding, log);
  const address = await app.listen({ host: options.host, port: options.port });
  const ready = decoder.ready.then((dirs) => {
    registry = ModelRegistry.open(options.models, dirs);
  });
  return {
    url: address,
    ready,
    async close() {
      await app.close();
      await batcher.whenIdle();
      await decoder.close();
    },
  };
}
