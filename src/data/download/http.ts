/**
 * One HTTP GET through undici: proxies from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, by
 * undici's EnvHttpProxyAgent; Node's own fetch ignores them), a stall timeout (no headers, or no
 * body bytes, for `stallMs`), redirects followed up to MAX_REDIRECTS with loop detection, and the
 * failures sorted into what a retry can fix (timeouts, cut connections, 5xx) and what it cannot.
 */
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { RuntimeFailure } from '../../errors.js';
import { Interrupted } from '../interrupted.js';

const MAX_REDIRECTS = 10;

export interface HttpResponse {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** A network failure; `retryable` when trying again may succeed (timeouts, cut connections, 5xx). */
export class NetworkError extends RuntimeFailure {
  readonly retryable: boolean;
  /** The host could not be reached at all (DNS, refused, unreachable): the "offline" case. */
  readonly unreachable: boolean;
  constructor(message: string, opts: { retryable: boolean; unreachable?: boolean }) {
    super(message);
    this.name = 'NetworkError';
    this.retryable = opts.retryable;
    this.unreachable = opts.unreachable ?? false;
  }
}

const agents = new Map<number, EnvHttpProxyAgent>();

/** One agent per stall timeout, for the life of the process (connections are reused). */
function agentFor(stallMs: number): EnvHttpProxyAgent {
  let a = agents.get(stallMs);
  if (!a) {
    a = new EnvHttpProxyAgent({ connect: { timeout: stallMs } });
    agents.set(stallMs, a);
  }
  return a;
}

/** `host[:port]` of a URL, for messages. */
export const hostOf = (url: string): string => new URL(url).host;

const errCode = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
};

const UNREACHABLE: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  ECONNREFUSED: 'connection refused',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENETDOWN: 'network down',
};

/**
 * Turns whatever undici or the socket threw into a NetworkError (or Interrupted, when `signal` was
 * aborted); `stallMs` is the timeout its message names.
 */
export function networkError(err: unknown, url: string, stallMs: number, signal?: AbortSignal): Error {
  if (signal?.aborted) return new Interrupted();
  if (err instanceof NetworkError || err instanceof Interrupted) return err;
  const code = errCode(err);
  const host = hostOf(url);
  if (code && UNREACHABLE[code])
    return new NetworkError(`cannot reach ${host} (${UNREACHABLE[code]})`, { retryable: false, unreachable: true });
  const secs = `${+(stallMs / 1000).toFixed(2)} s`;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new NetworkError(`${host}: no connection within ${secs}`, { retryable: true, unreachable: true });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new NetworkError(`${host}: no answer within ${secs}`, { retryable: true });
    case 'UND_ERR_BODY_TIMEOUT':
      return new NetworkError(`${host}: stalled (no data for ${secs})`, { retryable: true });
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new NetworkError(`${host}: connection cut`, { retryable: true });
    default: {
      const msg = err instanceof Error ? err.message : String(err);
      return new NetworkError(`${host}: ${code ? `${code} ` : ''}${msg}`.trim(), { retryable: false });
    }
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET `url`, following redirects. Resolves with the first non-redirect response (any status: the
 * caller decides what a 404 or a 206 means); rejects with a NetworkError or Interrupted.
 */
export async function httpGet(
  url: string,
  opts: { headers?: Record<string, string>; signal?: AbortSignal; stallMs: number },
): Promise<HttpResponse> {
  const seen: string[] = [];
  let current = url;
  for (;;) {
    seen.push(current);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        method: 'GET',
        headers: { 'user-agent': 'seq2seq-corpus-get', ...opts.headers },
        signal: opts.signal,
        dispatcher: agentFor(opts.stallMs),
        headersTimeout: opts.stallMs,
        bodyTimeout: opts.stallMs,
      });
    } catch (err) {
      throw networkError(err, current, opts.stallMs, opts.signal);
    }
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode) || typeof location !== 'string') {
      return { url: current, status: res.statusCode, headers: res.headers, body: res.body };
    }
    await res.body.dump().catch(() => undefined);
    const next = new URL(location, current).href;
    if (seen.includes(next)) {
      throw new NetworkError(`redirect loop: ${[...seen.slice(seen.indexOf(next)), next].join(' → ')}`, {
        retryable: false,
      });
    }
    if (seen.length > MAX_REDIRECTS)
      throw new NetworkError(`${url}: more than ${MAX_REDIRECTS} redirects`, { retryable: false });
    current = next;
  }
}
