/**
 * The Hugging Face `tokenizer.json` layout of our tokenizer, written and read back:
 *
 *   normalizer     Sequence[ NFC | NFKC, (Lowercase), Replace "▁" → " ", Prepend "▁" ]
 *   pre_tokenizer  Metaspace { replacement "▁", prepend_scheme "never", split true }
 *                  (spaces → "▁", split before each "▁"; the Prepend above supplies the first one,
 *                   so a leading space survives as its own "▁")
 *   model          BPE { vocab, merges "a b" in rank order, unk_token "<unk>", no byte fallback }
 *   decoder        Metaspace { prepend_scheme "always" }: "▁" → " ", drop the first leading space
 *   added_tokens   <pad> <unk> <s> </s> as special tokens 0..3
 *
 * The `tokenizers` package loads this file and encodes to the same ids as Tokenizer.encode.
 * Reading accepts exactly this layout (with either merge notation, "a b" or ["a", "b"]); anything
 * else is an InputError naming the file and the problem.
 */
import { InputError } from '../errors.js';
import { oneLine } from '../util/json-file.js';
import { METASPACE, type Normalization } from './normalize.js';
import { SPECIAL_TOKENS } from './special-tokens.js';

export interface TokenizerData {
  vocab: string[];
  /** [left id, right id, result id] in rank order. */
  merges: [number, number, number][];
  normalization: Normalization;
  lowercase: boolean;
}

export function toHfJson(d: TokenizerData): object {
  const normalizers: object[] = [{ type: d.normalization === 'nfkc' ? 'NFKC' : 'NFC' }];
  if (d.lowercase) normalizers.push({ type: 'Lowercase' });
  normalizers.push({ type: 'Replace', pattern: { String: METASPACE }, content: ' ' });
  normalizers.push({ type: 'Prepend', prepend: METASPACE });
  // No prototype: a token may be spelled "__proto__".
  const vocab = Object.create(null) as Record<string, number>;
  d.vocab.forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'never', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: SPECIAL_TOKENS[1],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: d.merges.map(([a, b]) => `${d.vocab[a]} ${d.vocab[b]}`),
    },
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function fromHfJson(json: unknown, source = 'tokenizer'): TokenizerData {
  // One line, whatever the file holds: tokens are quoted as JSON, control characters blanked.
  const fail = (problem: string): never => {
    throw new InputError(`${source}: ${oneLine(problem)}`);
  };
  const q = (x: unknown): string => {
    const t = JSON.stringify(typeof x === 'string' ? x : String(x));
    return t.length > 40 ? `${t.slice(0, 38)}…"` : t;
  };
  if (!isObject(json)) return fail('not a tokenizer.json object');
  const model = json.model;
  if (!isObject(model) || model.type !== 'BPE') return fail('model is not a BPE model (model.type must be "BPE")');
  if (model.byte_fallback === true) fail('byte_fallback BPE models are not supported');
  if (model.continuing_subword_prefix != null || model.end_of_word_suffix != null)
    fail('subword prefixes/suffixes are not supported');
  if (model.unk_token !== SPECIAL_TOKENS[1]) fail(`model.unk_token must be "${SPECIAL_TOKENS[1]}"`);

  // Normaliser
  const norm = json.normalizer;
  if (!isObject(norm) || norm.type !== 'Sequence' || !Array.isArray(norm.normalizers))
    return fail('normalizer must be a Sequence (NFC|NFKC, [Lowercase], Replace, Prepend)');
  const steps = norm.normalizers as unknown[];
  const types = steps.map((s) => (isObject(s) ? s.type : undefined));
  const lowercase = types[1] === 'Lowercase';
  const expect = ['NFC|NFKC', ...(lowercase ? ['Lowercase'] : []), 'Replace', 'Prepend'];
  const [first, ...rest] = steps;
  const replace = rest[lowercase ? 1 : 0];
  const prepend = rest[lowercase ? 2 : 1];
  const ok =
    steps.length === expect.length &&
    isObject(first) &&
    (first.type === 'NFC' || first.type === 'NFKC') &&
    isObject(replace) &&
    replace.type === 'Replace' &&
    isObject(replace.pattern) &&
    replace.pattern.String === METASPACE &&
    replace.content === ' ' &&
    isObject(prepend) &&
    prepend.type === 'Prepend' &&
    prepend.prepend === METASPACE;
  if (!ok) fail(`normalizer must be Sequence[${expect.join(', ')}] as written by seq2seq, got [${types.join(', ')}]`);
  const normalization: Normalization = (first as { type: string }).type === 'NFKC' ? 'nfkc' : 'nfc';

  const pre = json.pre_tokenizer;
  if (
    !isObject(pre) ||
    pre.type !== 'Metaspace' ||
    pre.replacement !== METASPACE ||
    pre.prepend_scheme !== 'never' ||
    pre.split === false
  ) {
    fail('pre_tokenizer must be Metaspace { replacement "▁", prepend_scheme "never", split true }');
  }

  // Vocabulary: ids 0..n-1, the special tokens first.
  if (!isObject(model.vocab)) return fail('model.vocab must be an object of token → id');
  const entries = Object.entries(model.vocab);
  const vocab: string[] = new Array(entries.length);
  for (const [token, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length)
      fail(`model.vocab: id ${q(id)} of ${q(token)} is not in 0..${entries.length - 1}`);
    if (vocab[id as number] !== undefined)
      fail(`model.vocab: id ${q(id)} is given to both ${q(vocab[id as number])} and ${q(token)}`);
    vocab[id as number] = token;
  }
  SPECIAL_TOKENS.forEach((t, i) => {
    if (vocab[i] !== t) fail(`model.vocab: id ${i} must be "${t}", got ${q(vocab[i])}`);
  });
  if (!vocab.includes(METASPACE)) fail(`model.vocab has no "${METASPACE}"`);
  const ids = new Map<string, number>();
  vocab.forEach((t, i) => ids.set(t, i));

  // Merges
  if (!Array.isArray(model.merges)) return fail('model.merges must be an array');
  const merges: [number, number, number][] = [];
  (model.merges as unknown[]).forEach((m, rank) => {
    let pair: [string, string] | undefined;
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2) pair = [parts[0], parts[1]];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      pair = [m[0], m[1]];
    }
    if (pair === undefined)
      return fail(`model.merges[${rank}]: expected "a b" or ["a", "b"], got ${q(JSON.stringify(m))}`);
    const a = ids.get(pair[0]);
    const b = ids.get(pair[1]);
    const c = ids.get(pair[0] + pair[1]);
    if (a === undefined || b === undefined)
      return fail(`model.merges[${rank}]: ${q(a === undefined ? pair[0] : pair[1])} is not in the vocabulary`);
    if (c === undefined)
      return fail(`model.merges[${rank}]: the merged token ${q(pair[0] + pair[1])} is not in the vocabulary`);
    merges.push([a, b, c]);
  });
  return { vocab, merges, normalization, lowercase };
}
