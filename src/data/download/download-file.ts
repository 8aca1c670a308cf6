/**
 * Downloads one URL to a file, the way a package manager does:
 *   - the bytes go to DEST.part (with DEST.part.json naming the URL and the server's validator),
 *     and DEST appears only after the transfer is complete (Content-Length / Content-Range) and its
 *     sha256 is checked against the pinned value when there is one: fsync, then rename;
 *   - a partial file left by a cut connection, a stall or Ctrl-C is resumed with a Range request
 *     (If-Range: the ETag or Last-Modified it was fetched with); a server that answers 200 instead
 *     of 206, or a Content-Range that does not start where the partial ends, restarts from zero;
 *   - timeouts, cut connections, 408/429 and 5xx are retried `retries` times with exponential
 *     backoff (backoffMs · 2^(k-1), ±25 % jitter, at most 8 s); a 4xx or an unreachable host is not;
 *   - the sha256 is computed while streaming (a resumed prefix is read once to seed it).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeFailure, Seq2SeqError } from '../../errors.js';
import type { OnEvent } from './events.js';
import { fsyncDir } from '../../util/atomic-write.js';
import { Interrupted } from '../interrupted.js';
import { hostOf, httpGet, NetworkError, networkError, type HttpResponse } from './http.js';

export interface DownloadTarget {
  /** The URL fetched (the original, or its mirror). */
  url: string;
  /** A short name for messages and progress (e.g. train.en.gz). */
  name: string;
  /** Where the verified file goes. */
  dest: string;
  /** The expected sha256, when it is known in advance. */
  sha256?: string;
}

export interface DownloadSettings {
  /** No connection, no headers or no body bytes for this long: a stall (retried). */
  stallMs: number;
  /** How many times a failed transfer is tried again. */
  retries: number;
  /** The first retry's delay; doubles each time. */
  backoffMs: number;
  signal?: AbortSignal;
  onEvent: OnEvent;
}

export interface Downloaded {
  bytes: number;
  sha256: string;
}

/** What DEST.part.json records about a partial file. */
interface PartState {
  url: string;
  /** A strong ETag or a Last-Modified date, sent as If-Range when resuming. */
  validator?: string;
  total?: number;
}

const MAX_BACKOFF_MS = 8000;
const PROGRESS_EVERY_MS = 100;

export const partPath = (dest: string): string => `${dest}.part`;
const statePath = (dest: string): string => `${dest}.part.json`;

/** Bytes of a partial download of `dest` kept on disk (0 when there is none). */
export function partialBytes(dest: string): number {
  try {
    return statSync(partPath(dest)).size;
  } catch {
    return 0;
  }
}

export async function downloadFile(t: DownloadTarget, s: DownloadSettings): Promise<Downloaded> {
  const attempts = s.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(t, s);
    } catch (err) {
      const e = err instanceof Seq2SeqError ? err : networkError(err, t.url, s.stallMs, s.signal);
      if (!(e instanceof NetworkError) || !e.retryable) throw e;
      if (attempt >= attempts) {
        const kept = partialBytes(t.dest);
        const tail = kept > 0 ? `; ${kept} bytes kept in ${partPath(t.dest)} for a resume` : '';
        throw new NetworkError(`${e.message}; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}${tail}`, {
          retryable: false,
          unreachable: e.unreachable,
        });
      }
      const delayMs = Math.round(
        Math.min(MAX_BACKOFF_MS, s.backoffMs * 2 ** (attempt - 1)) * (0.75 + 0.5 * Math.random()),
      );
      s.onEvent({
        type: 'retry',
        name: t.name,
        reason: e.message,
        attempt: attempt + 1,
        attempts,
        delayMs,
        kept: partialBytes(t.dest),
      });
      try {
        await sleep(delayMs, undefined, { signal: s.signal });
      } catch {
        throw new Interrupted();
      }
    }
  }
}

function readState(dest: string): PartState | undefined {
  try {
    const st = JSON.parse(readFileSync(statePath(dest), 'utf8')) as PartState;
    return typeof st.url === 'string' ? st : undefined;
  } catch {
    return undefined;
  }
}

function discardPartial(dest: string): void {
  rmSync(partPath(dest), { force: true });
  rmSync(statePath(dest), { force: true });
}

const header = (res: HttpResponse, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** A write failure of the partial file: one line, the partial kept for a later resume. */
function diskError(err: unknown, t: DownloadTarget): Error {
  const e = err as NodeJS.ErrnoException;
  const dir = dirname(t.dest);
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') {
    return new RuntimeFailure(
      `${dir}: no space left on device while downloading ${t.name} (the partial file is kept for a resume)`,
    );
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS')
    return new RuntimeFailure(`${dir}: permission denied (cannot write ${basename(partPath(t.dest))})`);
  return new RuntimeFailure(`${partPath(t.dest)}: cannot write (${e?.code ?? e?.message ?? String(err)})`);
}

async function attemptOnce(t: DownloadTarget, s: DownloadSettings): Promise<Downloaded> {
  const part = partPath(t.dest);
  const state = readState(t.dest);
  let offset = 0;
  if (state && state.url === t.url && existsSync(part)) offset = statSync(part).size;
  else discardPartial(t.dest);

  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (state?.validator) headers['if-range'] = state.validator;
  }
  const res = await httpGet(t.url, { headers, signal: s.signal, stallMs: s.stallMs });
  const host = hostOf(res.url);
  const refuse = async (e: Error): Promise<never> => {
    await res.body.dump().catch(() => undefined);
    throw e;
  };
  if (res.status === 416 && offset > 0) {
    discardPartial(t.dest);
    await refuse(new NetworkError(`${host}: cannot resume ${t.name} (HTTP 416); starting over`, { retryable: true }));
  }
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    await refuse(new NetworkError(`${host}: HTTP ${res.status} for ${t.name}`, { retryable: true }));
  }
  if (res.status !== 200 && res.status !== 206)
    await refuse(new NetworkError(`HTTP ${res.status} from ${host} for ${res.url}`, { retryable: false }));

  let start = 0;
  let total: number | undefined;
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
    if (!m || Number(m[1]) !== offset) {
      discardPartial(t.dest);
      await refuse(
        new NetworkError(`${host}: answered the resume of ${t.name} with another range; starting over`, {
          retryable: true,
        }),
      );
    }
    start = offset;
    total = m![3] === '*' ? undefined : Number(m![3]);
  } else {
    const len = header(res, 'content-length');
    total = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
  }
  const etag = header(res, 'etag');
  const validator = etag && !etag.startsWith('W/') ? etag : header(res, 'last-modified');
  const hash = createHash('sha256');
  let fh: FileHandle | undefined;
  try {
    writeFileSync(statePath(t.dest), JSON.stringify({ url: t.url, validator, total } satisfies PartState) + '\n');
    if (start > 0) await hashFile(part, hash);
    fh = await open(part, start > 0 ? 'a' : 'w');
  } catch (err) {
    await refuse(diskError(err, t));
  }
  let received = start;
  s.onEvent({ type: 'start', name: t.name, url: t.url, offset: start, total, at: performance.now() });
  let last = 0;
  try {
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        try {
          await fh!.write(buf);
        } catch (err) {
          throw diskError(err, t);
        }
        hash.update(buf);
        received += buf.length;
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          s.onEvent({ type: 'progress', name: t.name, received, total, at: now });
        }
      }
    } catch (err) {
      throw err instanceof Seq2SeqError ? err : networkError(err, res.url, s.stallMs, s.signal);
    }
    if (total !== undefined && received !== total) {
      throw new NetworkError(`${host}: connection cut (${received} of ${total} bytes of ${t.name})`, {
        retryable: true,
      });
    }
    await fh!.sync();
  } finally {
    await fh!.close();
  }
  s.onEvent({ type: 'progress', name: t.name, received, total, at: performance.now() });
  const sha256 = hash.digest('hex');
  if (t.sha256 !== undefined && sha256 !== t.sha256) {
    discardPartial(t.dest);
    throw new RuntimeFailure(
      `${t.name}: sha256 mismatch (expected ${t.sha256}, got ${sha256}); the download was discarded`,
    );
  }
  renameSync(part, t.dest);
  rmSync(statePath(t.dest), { force: true });
  fsyncDir(dirname(t.dest));
  s.onEvent({ type: 'done', name: t.name, bytes: received, sha256, at: performance.now() });
  return { bytes: received, sha256 };
}
