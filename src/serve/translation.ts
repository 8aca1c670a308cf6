/**
 * A /translate request from checked fields to LibreTranslate's reply: the limits (--batch-limit,
 * --char-limit), the language pair (a code, or `auto`: detected among the sources of the models
 * that translate into the target), every text cut into sentences (plain text, or the text nodes
 * of HTML), and the reply put back together from the decoded sentences:
 *   {"translatedText": string | string[], "alternatives"?: …, "detectedLanguage"?: …}
 * shaped as `q` was. Alternatives come from the n-best list: alternative k puts every sentence's
 * k-th best translation in place (a sentence with fewer keeps its best); like LibreTranslate,
 * duplicates and copies of the main translation are left out, and HTML gets none.
 */
import { ApiError } from './api-error.js';
import { detectLanguages, type Detection } from './detect-language.js';
import { htmlText, plainText, type TranslatableText } from './html-text.js';
import { languageName, normalizeCode } from './languages.js';
import type { ModelRegistry, ServedPair } from './model-registry.js';
import type { TranslateFields } from './request-fields.js';

export interface TranslationLimits {
  /** Characters per text (-1: none). */
  charLimit: number;
  /** Texts per q array (-1: none). */
  batchLimit: number;
  /** The decoder's beam: at most beam − 1 alternatives exist. */
  beam: number;
}

export interface PreparedTranslation {
  pair: ServedPair;
  detected: Detection | null;
  texts: TranslatableText[];
  /** Hypotheses to decode per sentence. */
  nBest: number;
  /** Every sentence of every text, in order. */
  sentences: string[];
}

export interface TranslateReply {
  translatedText: string | string[];
  alternatives?: string[] | string[][];
  detectedLanguage?: Detection | Detection[];
}

function checkLimits(texts: readonly string[], isBatch: boolean, limits: TranslationLimits): void {
  if (isBatch && limits.batchLimit !== -1 && texts.length > limits.batchLimit) {
    throw new ApiError(400, `Invalid request: request (${texts.length}) exceeds text limit (${limits.batchLimit})`);
  }
  if (limits.charLimit === -1) return;
  for (const text of texts) {
    const chars = [...text].length;
    if (chars > limits.charLimit)
      throw new ApiError(400, `Invalid request: request (${chars}) exceeds text limit (${limits.charLimit})`);
  }
}

function resolvePair(
  registry: ModelRegistry,
  f: TranslateFields,
  texts: readonly string[],
): { pair: ServedPair; detected: Detection | null } {
  const target = normalizeCode(f.target);
  const into = registry.into(target);
  if (into.length === 0) throw new ApiError(400, `${f.target} is not supported`);
  if (f.source.trim().toLowerCase() === 'auto') {
    const [best] = detectLanguages(texts, registry.detectionCandidates(into));
    return { pair: registry.find(best.language, target)!, detected: best };
  }
  const source = normalizeCode(f.source);
  if (!registry.knows(source)) throw new ApiError(400, `${f.source} is not supported`);
  const pair = registry.find(source, target);
  if (!pair) {
    const t = `${languageName(target)} (${target})`;
    throw new ApiError(400, `${t} is not available as a target language from ${languageName(source)} (${source})`);
  }
  return { pair, detected: null };
}

export function prepareTranslation(
  registry: ModelRegistry,
  f: TranslateFields,
  limits: TranslationLimits,
): PreparedTranslation {
  const texts = Array.isArray(f.q) ? f.q : [f.q];
  checkLimits(texts, Array.isArray(f.q), limits);
  const { pair, detected } = resolvePair(registry, f, texts);
  const units = texts.map((t) => (f.format === 'html' ? htmlText(t) : plainText(t)));
  const nBest = f.format === 'html' ? 1 : Math.max(1, Math.min(f.alternatives + 1, limits.beam));
  return { pair, detected, texts: units, nBest, sentences: units.flatMap((u) => u.sentences) };
}

/** The reply, from the hypotheses of every sentence (prepared.sentences' order, best first). */
export function assembleReply(
  prepared: PreparedTranslation,
  hyps: readonly string[][],
  f: TranslateFields,
): TranslateReply {
  const main: string[] = [];
  const alternatives: string[][] = [];
  let k = 0;
  for (const unit of prepared.texts) {
    const mine = hyps.slice(k, k + unit.sentences.length);
    k += unit.sentences.length;
    const best = unit.assemble(mine.map((h) => h[0]));
    main.push(best);
    const alts: string[] = [];
    if (f.format === 'text') {
      for (let rank = 1; rank < prepared.nBest; rank++) {
        const alt = unit.assemble(mine.map((h) => h[Math.min(rank, h.length - 1)]));
        if (alt !== best && alt !== '' && !alts.includes(alt)) alts.push(alt);
      }
    }
    alternatives.push(alts);
  }
  const batch = Array.isArray(f.q);
  const reply: TranslateReply = { translatedText: batch ? main : main[0] };
  if (f.alternatives > 0) reply.alternatives = batch ? alternatives : alternatives[0];
  if (prepared.detected) reply.detectedLanguage = batch ? main.map(() => prepared.detected!) : prepared.detected;
  return reply;
}
