/**
 * A fake translator for the UI tests: it records every call, "translates" by upper-casing and
 * reversing the words, and gives each output word all of its attention on the source word it came
 * from — an alignment the tests can predict exactly.
 */
import type {
  HypothesisLike,
  TranslateSettings,
  TranslationLike,
  TranslatorLike,
} from '../../../src/ui/translate/types.js';

export interface Call {
  lines: string[];
  opts: Partial<TranslateSettings> | undefined;
}

/**
 * With `maxWords`, a longer source is cropped to its first words with the real Translator's
 * warning (src/decode/translator.ts, encodeSource), one word standing for one token.
 */
export function fakeTranslate(
  source: string,
  nBest: number,
  withAttention = true,
  maxWords = Infinity,
): TranslationLike {
  const all = source.split(/\s+/).filter((w) => w !== '');
  const words = all.slice(0, maxWords);
  const warnings =
    all.length > maxWords ? [`source of ${all.length} tokens cropped to the model's limit of ${maxWords}`] : [];
  const hyps: HypothesisLike[] = [];
  for (let k = 0; k < nBest; k++) {
    const pieces = words.map((w) => `${w.toUpperCase()}${k > 0 ? k : ''}`).reverse();
    const attention = withAttention
      ? pieces.map((_, i) => {
          const row = new Float32Array(words.length + 1); // + </s>
          row[words.length - 1 - i] = 1;
          return row;
        })
      : null;
    hyps.push({
      text: pieces.join(' '),
      score: -1.25 * (k + 1),
      ids: pieces.map((p) => (p.startsWith('<UNK>') ? 1 : 7)),
      pieces,
      attention,
    });
  }
  return { source, sourcePieces: words, hyps, warnings };
}

export class FakeTranslator implements TranslatorLike {
  calls: Call[] = [];
  /** Throws this error for sources containing "boom". */
  failWith: Error | null = new Error(
    'decoder exploded: NaN in logits\n    at step (decode.js:1:1)\n    at beam (decode.js:2:2)',
  );
  /** Sources longer than this many words are cropped, with a warning. */
  maxWords = Infinity;
  constructor(private readonly withAttention = true) {}
  model = { srcVocabSize: 120, tgtVocabSize: 130, hasAttention: true };
  translate(lines: string[], opts?: Partial<TranslateSettings>): TranslationLike[] {
    this.calls.push({ lines: [...lines], opts: opts ? { ...opts } : undefined });
    return lines.map((line) => {
      if (this.failWith && line.includes('boom')) throw this.failWith;
      return fakeTranslate(line, Math.max(1, opts?.nBest ?? 1), this.withAttention, this.maxWords);
    });
  }
}
