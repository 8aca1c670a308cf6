/**
 * The OPUS API (https://opus.nlpl.eu/opusapi/): query URLs and the shape of its answers.
 *
 * A query names any of corpus, source, target, preprocessing and version; the answer is
 * {"corpora": [{corpus, version, source, target, preprocessing, url, size (KiB), alignment_pairs,
 * source_tokens, target_tokens, documents, id, latest}, …]}. OPUS names a language pair in
 * alphabetical order (de-en, not en-de); a Moses-format archive is …/moses/A-B.txt.zip and holds
 * CORPUS.A-B.A and CORPUS.A-B.B (aligned by line), with README and LICENSE files beside them.
 * Some corpora also offer A-B.strict.txt.zip; the plain one is preferred.
 */
import { z } from 'zod';
import { RuntimeFailure } from '../errors.js';
import { OPUS_API_URL } from './sources.js';

/** Counts arrive as numbers or as strings (or empty strings) depending on the corpus. */
const count = z
  .union([z.number(), z.string()])
  .transform((v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : 0));

const entrySchema = z.object({
  corpus: z.string(),
  version: z.string(),
  source: z.string(),
  target: z.string(),
  preprocessing: z.string(),
  url: z.string(),
  size: count.optional(),
  alignment_pairs: count.optional(),
});
const answerSchema = z.object({ corpora: z.array(z.unknown()) });
const corporaListSchema = z.object({ corpora: z.array(z.string()) });

export type OpusEntry = z.infer<typeof entrySchema>;

/** The API URL for a query (parameters in a fixed order, so the cache key is stable). */
export function opusQueryUrl(params: {
  corpus?: string;
  source?: string;
  target?: string;
  preprocessing?: string;
  version?: string;
  corpora?: boolean;
}): string {
  const q = new URLSearchParams();
  for (const k of ['corpus', 'source', 'target', 'preprocessing', 'version'] as const)
    if (params[k] !== undefined) q.set(k, params[k]);
  if (params.corpora) q.set('corpora', 'True');
  return `${OPUS_API_URL}?${q.toString()}`;
}

/** The two languages in OPUS's order (alphabetical). */
export const opusOrder = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);

function parseJson(body: string, url: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new RuntimeFailure(`${url}: the OPUS API answered with something that is not JSON`);
  }
}

/** The entries of an answer; entries of another shape are skipped. */
export function parseOpusAnswer(body: string, url: string): OpusEntry[] {
  const a = answerSchema.safeParse(parseJson(body, url));
  if (!a.success) throw new RuntimeFailure(`${url}: unexpected answer from the OPUS API (no "corpora" list)`);
  const out: OpusEntry[] = [];
  for (const e of a.data.corpora) {
    const p = entrySchema.safeParse(e);
    if (p.success) out.push(p.data);
  }
  return out;
}

/** The names in an answer to `?corpora=True`. */
export function parseCorporaList(body: string, url: string): string[] {
  const a = corporaListSchema.safeParse(parseJson(body, url));
  if (!a.success) throw new RuntimeFailure(`${url}: unexpected answer from the OPUS API (no "corpora" list of names)`);
  return a.data.corpora;
}

/** The Moses archive of `corpus` for the pair a-b (OPUS order) among the entries, preferring the plain one. */
export function pickMosesArchive(
  entries: readonly OpusEntry[],
  corpus: string,
  a: string,
  b: string,
): OpusEntry | undefined {
  const ofPair = entries.filter(
    (e) =>
      e.corpus === corpus &&
      e.preprocessing === 'moses' &&
      opusOrder(e.source, e.target).join('-') === `${a}-${b}` &&
      e.url.endsWith('.zip'),
  );
  return ofPair.find((e) => e.url.endsWith(`/${a}-${b}.txt.zip`)) ?? ofPair[0];
}

/** Every pair a corpus has (OPUS order, sorted), from an answer about the whole corpus. */
export const pairsOf = (entries: readonly OpusEntry[]): string[] =>
  [...new Set(entries.map((e) => opusOrder(e.source, e.target).join('-')))].sort();
