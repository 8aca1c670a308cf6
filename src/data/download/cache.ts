/**
 * The download cache: $XDG_CACHE_HOME/seq2seq (default ~/.cache/seq2seq) or --cache DIR.
 *
 *   DIR/downloads/HOST/KEY-NAME        a verified download (KEY: 12 hex digits of sha256(url))
 *   DIR/downloads/HOST/KEY-NAME.json   its record: {url, sha256, bytes, fetched}
 *   DIR/downloads/HOST/KEY-NAME.part   a partial download, resumed by the next attempt (+ .part.json)
 *
 * API answers (the OPUS API's JSON) are cached the same way, under their full URL with its query.
 *
 * Entries are keyed by the original URL (not a mirror's), so a cache filled through a mirror
 * serves the real source too. An entry is reused only after its file hashes to the recorded
 * sha256; a mismatch is reported and the file fetched again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { sha256OfFile } from '../file-sha256.js';
import { downloadFile, type DownloadSettings } from './download-file.js';

/** $XDG_CACHE_HOME/seq2seq, or ~/.cache/seq2seq when XDG_CACHE_HOME is unset or not absolute. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(homedir(), '.cache'), 'seq2seq');
}

export interface CacheRecord {
  url: string;
  sha256: string;
  bytes: number;
  /** ISO date of the download. */
  fetched: string;
}

export interface CachedFile extends CacheRecord {
  path: string;
  /** True when the file came from the cache, false when it was downloaded now. */
  fromCache: boolean;
}

const key = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 12);

export class DownloadCache {
  constructor(readonly dir: string) {}

  /** Where the file of `url` is kept. */
  pathFor(url: string): string {
    const u = new URL(url);
    const name = basename(u.pathname).replace(/[^A-Za-z0-9._-]/g, '_') || 'index';
    return join(this.dir, 'downloads', u.host.replace(/[^A-Za-z0-9.-]/g, '_'), `${key(url)}-${name}`);
  }

  record(url: string): CacheRecord | undefined {
    try {
      const r = JSON.parse(readFileSync(`${this.pathFor(url)}.json`, 'utf8')) as CacheRecord;
      return r.url === url && typeof r.sha256 === 'string' && existsSync(this.pathFor(url)) ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** How many of `urls` have a complete entry (not verified: for messages). */
  holds(urls: readonly string[]): number {
    return urls.filter((u) => this.record(u) !== undefined).length;
  }

  /**
   * The file of `url` (`name` in messages), from the cache when its entry verifies, else
   * downloaded from `fetchUrl` (the URL or its mirror) and recorded. `pin`: the sha256 it must have.
   * `refresh`: download even when the entry verifies (it is replaced only once the new file is).
   */
  async fetch(
    url: string,
    fetchUrl: string,
    name: string,
    pin: string | undefined,
    s: DownloadSettings,
    refresh = false,
  ): Promise<CachedFile> {
    const path = this.pathFor(url);
    const rec = refresh ? undefined : this.record(url);
    if (rec) {
      const actual = await sha256OfFile(path);
      if (actual === rec.sha256 && (pin === undefined || pin === actual)) {
        s.onEvent({ type: 'cached', name, bytes: statSync(path).size });
        return { ...rec, path, fromCache: true };
      }
      const why =
        actual !== rec.sha256
          ? `does not match its recorded sha256 (${rec.sha256.slice(0, 12)}…, found ${actual.slice(0, 12)}…)`
          : 'does not match the pinned sha256';
      s.onEvent({ type: 'note', message: `cache: ${name} ${why}; downloading it again` });
      rmSync(path, { force: true });
      rmSync(`${path}.json`, { force: true });
    }
    mkdirSync(join(path, '..'), { recursive: true });
    const got = await downloadFile({ url: fetchUrl, name, dest: path, sha256: pin }, s);
    const record: CacheRecord = { url, sha256: got.sha256, bytes: got.bytes, fetched: new Date().toISOString() };
    writeFileAtomic(`${path}.json`, JSON.stringify(record, null, 2) + '\n');
    return { ...record, path, fromCache: false };
  }

  /** Drops the entry of `url` (its file failed to unpack: the next `get` fetches it again). */
  forget(url: string): void {
    rmSync(this.pathFor(url), { force: true });
    rmSync(`${this.pathFor(url)}.json`, { force: true });
  }
}
