/**
 * Language detection among the source languages of the loaded models (LibreTranslate detects among
 * all the languages it has; here only a language some model translates from can be detected).
 * A BPE tokenizer learned on a language's text encodes that language in fewer tokens than another
 * language's tokenizer does, and cannot encode characters it never saw (<unk>). So every candidate
 * language L gets a cost
 *   c_L = (tokens of the texts under L's tokenizer) + UNK_PENALTY · (<unk> tokens among them)
 * and a confidence p_L = 100 · exp(−c_L) / Σ_M exp(−c_M): a softmax in which one token more costs a
 * factor e, as if each token were one guess among e. Languages are returned best first; a language
 * with several models (en→de, en→fr) uses its cheapest tokenizer.
 */
import { UNK_ID } from '../data/batch.js';

export interface Detection {
  language: string;
  /** 0–100, as LibreTranslate reports it. */
  confidence: number;
}

export interface DetectionCandidate {
  language: string;
  encode(text: string): Int32Array;
}

/** An <unk> costs this many extra tokens: a character the language's text never had. */
const UNK_PENALTY = 3;

export function tokenCost(texts: readonly string[], encode: (text: string) => Int32Array): number {
  let cost = 0;
  for (const text of texts) {
    for (const id of encode(text)) cost += id === UNK_ID ? 1 + UNK_PENALTY : 1;
  }
  return cost;
}

export function detectLanguages(texts: readonly string[], candidates: readonly DetectionCandidate[]): Detection[] {
  const costs = new Map<string, number>();
  for (const c of candidates) {
    const cost = tokenCost(texts, c.encode);
    costs.set(c.language, Math.min(cost, costs.get(c.language) ?? Infinity));
  }
  const entries = [...costs.entries()];
  const best = Math.min(...entries.map(([, cost]) => cost));
  const weights = entries.map(([language, cost]) => ({ language, w: Math.exp(best - cost) }));
  const total = weights.reduce((sum, x) => sum + x.w, 0);
  return weights
    .map(({ language, w }) => ({ language, confidence: Math.round((1000 * w) / total) / 10 }))
    .sort((a, b) => b.confidence - a.confidence || a.language.localeCompare(b.language));
}
