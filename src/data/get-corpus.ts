/**
 * `corpus get SOURCE`: downloads a source into the cache (download/cache.ts), unpacks it into a
 * staging directory, splits it with `corpus prepare` when the source has no splits of its own
 * (OPUS, Tatoeba; unless `split` is off), writes manifest.json, and renames the staging directory
 * to the output directory (staging-dir.ts): a failure at any point leaves no corpus directory.
 *
 *   multi30k       DIR/SPLIT.LANG for the splits and languages of sources.ts, unchanged (gunzipped)
 *   opus:NAME      DIR/{train,val,test}.{SRC,TGT} (or DIR/all.{SRC,TGT} unsplit) from the Moses
 *   tatoeba          archive the OPUS API names for the pair; README.txt and LICENSE.txt beside them
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError, RuntimeFailure } from '../errors.js';
import { CorruptArchive } from './archive/errors.js';
import { gunzipToFile, type Unpacked } from './archive/gzip.js';
import { ZipArchive } from './archive/zip.js';
import { DownloadCache, type CachedFile } from './download/cache.js';
import { partialBytes, partPath, type DownloadSettings } from './download/download-file.js';
import type { OnEvent } from './download/events.js';
import { NetworkError } from './download/http.js';
import { Interrupted } from './interrupted.js';
import { splitsOf, writeManifest, type CorpusManifest, type ManifestDownload } from './manifest.js';
import { opusOrder, opusQueryUrl, pairsOf, parseCorporaList, parseOpusAnswer, pickMosesArchive } from './opus.js';
import { prepareCorpus, type PrepareSettings } from './prepare.js';
import {
  MULTI30K_COMMIT,
  MULTI30K_LICENCE,
  MULTI30K_REPOSITORY,
  multi30kFiles,
  opusLicence,
  sourceLabel,
  TATOEBA_LICENCE,
  viaMirror,
  type LanguagePair,
  type SourceName,
} from './sources.js';
import { checkOutDir, writeDirAtomically } from './staging-dir.js';

/** How files are fetched: the cache, a mirror, the network settings. */
export interface FetchSettings {
  cacheDir: string;
  /** Fetch every URL through this mirror (tests, private mirrors); pinned sha256 do not apply. */
  mirror?: string;
  stallMs: number;
  retries: number;
  backoffMs: number;
  signal?: AbortSignal;
  onEvent: OnEvent;
}

export interface GetSettings extends FetchSettings {
  source: SourceName;
  pair?: LanguagePair;
  out: string;
  force: boolean;
  /** Split a source without splits of its own with `corpus prepare` (else DIR/all.SRC, all.TGT). */
  split: boolean;
  prepare: Omit<PrepareSettings, 'src' | 'tgt'>;
  /** Ask the OPUS API again instead of using its cached answer. */
  refresh: boolean;
  /** Written into the manifest: `seq2seq VERSION`. */
  tool: string;
}

/** Where `corpus get` writes when no --out is given. */
export function defaultOutDir(source: SourceName, pair: LanguagePair | undefined): string {
  const tail = pair ? `-${pair.src}-${pair.tgt}` : '';
  return join('corpora', `${source.kind === 'opus' ? source.corpus : source.kind}${tail}`);
}

const list = (xs: readonly string[], n: number): string =>
  xs.length <= n ? xs.join(', ') : `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`;

/** Fetching through the cache, with the messages a user needs when the network is not there. */
class Fetcher {
  readonly cache: DownloadCache;
  readonly downloads: ManifestDownload[] = [];
  private readonly settings: DownloadSettings;

  constructor(private readonly s: FetchSettings) {
    this.cache = new DownloadCache(s.cacheDir);
    this.settings = {
      stallMs: s.stallMs,
      retries: s.retries,
      backoffMs: s.backoffMs,
      signal: s.signal,
      onEvent: s.onEvent,
    };
  }

  /**
   * The file of `url`. `needed`: every URL this `get` needs so far and `what` names it, for the
   * message when the host cannot be reached ("the cache holds 3 of the 22 files multi30k needs");
   * `pin`: its sha256 when known; `refresh`: fetch it even when cached; `record`: list it in the manifest.
   */
  async file(
    url: string,
    name: string,
    o: { needed: readonly string[]; what: string; pin?: string; refresh?: boolean; record?: boolean },
  ): Promise<CachedFile> {
    const { needed, what, pin } = o;
    const from = viaMirror(url, this.s.mirror);
    let got: CachedFile;
    try {
      got = await this.cache.fetch(url, from, name, this.s.mirror ? undefined : pin, this.settings, o.refresh);
    } catch (err) {
      const dest = this.cache.pathFor(url);
      if (err instanceof Interrupted) {
        const kept = partialBytes(dest);
        throw kept > 0
          ? new Interrupted(`kept the partial download of ${name} (${kept} bytes) in ${partPath(dest)} for a resume`)
          : err;
      }
      if (err instanceof NetworkError && err.unreachable) {
        const k = this.cache.holds(needed);
        throw new NetworkError(
          `${err.message}; the cache (${this.s.cacheDir}) holds ${k} of the ${needed.length} ` +
            `file${needed.length === 1 ? '' : 's'} ${what} needs`,
          { retryable: false, unreachable: true },
        );
      }
      throw err;
    }
    if (o.record !== false)
      this.downloads.push({
        url,
        ...(from !== url ? { fetchedFrom: from } : {}),
        sha256: got.sha256,
        bytes: got.bytes,
        fromCache: got.fromCache,
        fetched: got.fetched,
      });
    return got;
  }

  /** An archive that failed to unpack leaves the cache, so that the next run fetches it afresh. */
  corrupt(err: unknown, url: string): unknown {
    if (!(err instanceof CorruptArchive)) return err;
    this.cache.forget(url);
    return new RuntimeFailure(`${err.message}; removed it from the cache, so the next run downloads it again`);
  }
}

export async function getCorpus(s: GetSettings): Promise<CorpusManifest> {
  checkOutDir(s.out, s.force);
  return s.source.kind === 'multi30k' ? getMulti30k(s) : getOpus(s);
}

function manifestBase(
  s: GetSettings,
  languages: string[],
): Omit<CorpusManifest, 'licence' | 'downloads' | 'splits' | 'files'> {
  return {
    format: 'seq2seq-corpus',
    version: 1,
    created: new Date().toISOString(),
    tool: s.tool,
    source: sourceLabel(s.source),
    languages,
    ...(s.pair ? { pair: { src: s.pair.src, tgt: s.pair.tgt } } : {}),
  };
}

async function getMulti30k(s: GetSettings): Promise<CorpusManifest> {
  const files = multi30kFiles(s.pair);
  const f = new Fetcher(s);
  const urls = files.map((x) => x.url);
  const got: CachedFile[] = [];
  for (const x of files) got.push(await f.file(x.url, x.file, { pin: x.sha256, needed: urls, what: 'multi30k' }));
  return writeDirAtomically(s.out, s.force, async (dir) => {
    s.onEvent({ type: 'note', message: `unpacking ${files.length} files into ${s.out}` });
    const out: CorpusManifest['files'] = {};
    for (const [i, x] of files.entries()) {
      let u: Unpacked;
      try {
        u = await gunzipToFile(got[i].path, join(dir, `${x.split}.${x.lang}`), x.file, s.signal);
      } catch (err) {
        throw f.corrupt(err, x.url);
      }
      out[`${x.split}.${x.lang}`] = { lines: u.lines, sha256: u.sha256 };
    }
    checkAligned(out, 'multi30k');
    const m: CorpusManifest = {
      ...manifestBase(s, [...new Set(files.map((x) => x.lang))]),
      licence: { ...MULTI30K_LICENCE, files: [] },
      release: { repository: MULTI30K_REPOSITORY, commit: MULTI30K_COMMIT },
      downloads: f.downloads,
      splits: splitsOf(out),
      files: out,
    };
    writeManifest(dir, m);
    return m;
  });
}

/** Every split's files must have the same number of lines. */
function checkAligned(files: CorpusManifest['files'], what: string): void {
  const first = new Map<string, [string, number]>();
  for (const [name, f] of Object.entries(files)) {
    const split = name.slice(0, name.lastIndexOf('.'));
    const seen = first.get(split);
    if (!seen) first.set(split, [name, f.lines]);
    else if (seen[1] !== f.lines)
      throw new RuntimeFailure(`${what}: ${name} has ${f.lines} lines but ${seen[0]} has ${seen[1]}: not aligned`);
  }
}

/** Why OPUS has no archive for the pair: an unknown corpus, or a pair it does not have (exit 2). */
async function explainMissing(s: GetSettings, f: Fetcher, corpus: string, pair: LanguagePair): Promise<never> {
  const label = sourceLabel(s.source);
  const allUrl = opusQueryUrl({ corpus, preprocessing: 'moses', version: 'latest' });
  const all = parseOpusAnswer(
    readFileSync(
      (await f.file(allUrl, `OPUS API: ${corpus}`, { needed: [allUrl], what: label, record: false })).path,
      'utf8',
    ),
    allUrl,
  );
  if (all.length === 0) {
    const namesUrl = opusQueryUrl({ corpora: true });
    const names = parseCorporaList(
      readFileSync(
        (await f.file(namesUrl, 'OPUS API: corpora', { needed: [namesUrl], what: label, record: false })).path,
        'utf8',
      ),
      namesUrl,
    );
    const near = names.find((n) => n.toLowerCase() === corpus.toLowerCase());
    throw new InputError(
      `OPUS has no corpus '${corpus}'${near ? ` (did you mean opus:${near}?)` : ''}; ` +
        `seq2seq corpus get --list opus --pair ${pair.src}-${pair.tgt} lists the corpora for a pair`,
    );
  }
  const pairs = pairsOf(all);
  const near = pairs.filter((p) => p.split('-').some((l) => l === pair.src || l === pair.tgt));
  throw new InputError(
    `${label} has no pair ${pair.src}-${pair.tgt}; it has ${pairs.length} pair${pairs.length === 1 ? '' : 's'}` +
      (near.length > 0 ? `, with ${pair.src} or ${pair.tgt}: ${list(near, 20)}` : `: ${list(pairs, 20)}`),
  );
}

export interface OpusListing {
  corpus: string;
  version: string;
  pairs: number;
  /** Size of the Moses archive in KiB, as the API gives it. */
  kib: number;
  url: string;
}

/**
 * What OPUS offers for a pair (latest versions, Moses archives), most pairs first. Always asks the
 * API; when it cannot be reached, falls back to a cached answer and says so.
 */
export async function listOpus(pair: LanguagePair, s: FetchSettings): Promise<OpusListing[]> {
  const [a, b] = opusOrder(pair.src, pair.tgt);
  const url = opusQueryUrl({ source: a, target: b, preprocessing: 'moses', version: 'latest' });
  const f = new Fetcher(s);
  const what = `the list for ${a}-${b}`;
  let path: string;
  try {
    path = (await f.file(url, `OPUS API: ${a}-${b}`, { needed: [url], what, refresh: true })).path;
  } catch (err) {
    const old = f.cache.record(url);
    if (!(err instanceof NetworkError && err.unreachable) || old === undefined) throw err;
    s.onEvent({ type: 'note', message: `${err.message.split(';')[0]}; showing the list cached on ${old.fetched}` });
    path = f.cache.pathFor(url);
  }
  const body = readFileSync(path, 'utf8');
  const entries = parseOpusAnswer(body, url);
  const rows: OpusListing[] = [];
  for (const corpus of new Set(entries.map((e) => e.corpus))) {
    const e = pickMosesArchive(entries, corpus, a, b);
    if (e) rows.push({ corpus, version: e.version, pairs: e.alignment_pairs ?? 0, kib: e.size ?? 0, url: e.url });
  }
  return rows.sort((x, y) => y.pairs - x.pairs || x.corpus.localeCompare(y.corpus));
}

/**
 * Unpacks the two language files of a Moses archive (CORPUS.A-B.LANG) into raw.src / raw.tgt, and
 * its LICENSE and README into DIR as LICENSE.txt / README.txt. A missing entry or files of
 * different lengths make a CorruptArchive.
 */
async function unpackMoses(
  path: string,
  zipName: string,
  corpus: string,
  [a, b]: [string, string],
  pair: LanguagePair,
  raw: Record<'src' | 'tgt', string>,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<Record<'src' | 'tgt', Unpacked> & { licenceFiles: string[] }> {
  const zip = await ZipArchive.open(path, zipName);
  try {
    const got: Unpacked[] = [];
    for (const side of ['src', 'tgt'] as const) {
      const suffix = `.${a}-${b}.${pair[side]}`;
      const e = zip.entries.find((x) => x.fileName.endsWith(suffix) && !x.fileName.includes('/'));
      const names = zip.entries.map((x) => x.fileName);
      if (!e) throw new CorruptArchive(zipName, 'zip', `no ${corpus}${suffix} inside; it holds ${list(names, 8)}`);
      got.push(await zip.extract(e, raw[side], signal));
    }
    if (got[0].lines !== got[1].lines) {
      const [x, y] = [`${corpus}.${a}-${b}.${pair.src}`, `.${pair.tgt}`];
      throw new CorruptArchive(
        zipName,
        'zip',
        `${x} has ${got[0].lines} lines but ${y} has ${got[1].lines}: not aligned`,
      );
    }
    const licenceFiles: string[] = [];
    for (const name of ['LICENSE', 'README']) {
      const e = zip.entry(name);
      if (e) {
        writeFileSync(join(dir, `${name}.txt`), await zip.readText(e));
        licenceFiles.push(`${name}.txt`);
      }
    }
    return { src: got[0], tgt: got[1], licenceFiles };
  } finally {
    zip.close();
  }
}

async function getOpus(s: GetSettings): Promise<CorpusManifest> {
  const label = sourceLabel(s.source);
  const pair = s.pair;
  if (!pair)
    throw new InputError(
      `${label} needs --pair SRC-TGT (e.g. --pair en-de); ` +
        'seq2seq corpus get --list opus --pair en-de lists the corpora for a pair',
    );
  const corpus = s.source.kind === 'opus' ? s.source.corpus : 'Tatoeba';
  const [a, b] = opusOrder(pair.src, pair.tgt);
  const what = `${label} ${pair.src}-${pair.tgt}`;
  const f = new Fetcher(s);
  const apiUrl = opusQueryUrl({ corpus, source: a, target: b, preprocessing: 'moses', version: 'latest' });
  const api = await f.file(apiUrl, `OPUS API: ${corpus} ${a}-${b}`, { needed: [apiUrl], what, refresh: s.refresh });
  const entry = pickMosesArchive(parseOpusAnswer(readFileSync(api.path, 'utf8'), apiUrl), corpus, a, b);
  if (!entry) return explainMissing(s, f, corpus, pair);
  const zipName = `${corpus}-${basename(new URL(entry.url).pathname)}`;
  const archive = await f.file(entry.url, zipName, { needed: [apiUrl, entry.url], what });
  return writeDirAtomically(s.out, s.force, async (dir) => {
    s.onEvent({ type: 'note', message: `unpacking ${zipName} into ${s.out}` });
    const raw = {
      src: join(dir, s.split ? `.raw.${pair.src}` : `all.${pair.src}`),
      tgt: join(dir, s.split ? `.raw.${pair.tgt}` : `all.${pair.tgt}`),
    };
    let unpacked: Awaited<ReturnType<typeof unpackMoses>>;
    try {
      unpacked = await unpackMoses(archive.path, zipName, corpus, [a, b], pair, raw, dir, s.signal);
    } catch (err) {
      throw f.corrupt(err, entry.url);
    }
    let files: CorpusManifest['files'];
    let report: Awaited<ReturnType<typeof prepareCorpus>> | undefined;
    if (s.split) {
      const names = new Map([
        [raw.src, `${zipName}:${corpus}.${a}-${b}.${pair.src}`],
        [raw.tgt, `${zipName}:${corpus}.${a}-${b}.${pair.tgt}`],
      ]);
      const spec = { format: 'aligned' as const, srcPath: raw.src, tgtPath: raw.tgt };
      report = await prepareCorpus(
        [spec],
        dir,
        { ...s.prepare, src: pair.src, tgt: pair.tgt },
        { signal: s.signal, onEvent: s.onEvent, name: (p) => names.get(p) ?? p },
      );
      rmSync(raw.src);
      rmSync(raw.tgt);
      files = report.files;
    } else {
      files = {
        [`all.${pair.src}`]: { lines: unpacked.src.lines, sha256: unpacked.src.sha256 },
        [`all.${pair.tgt}`]: { lines: unpacked.tgt.lines, sha256: unpacked.tgt.sha256 },
      };
    }
    const licence = s.source.kind === 'tatoeba' ? TATOEBA_LICENCE : opusLicence(corpus);
    const m: CorpusManifest = {
      ...manifestBase(s, [pair.src, pair.tgt]),
      licence: { ...licence, files: unpacked.licenceFiles },
      release: { corpus, version: entry.version, archive: entry.url, pairs: entry.alignment_pairs ?? 0 },
      downloads: f.downloads,
      splits: splitsOf(files),
      files,
      ...(report ? { prepare: report } : {}),
    };
    writeManifest(dir, m);
    return m;
  });
}
