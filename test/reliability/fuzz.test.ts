/**
 * Fuzzing (fast-check, fixed seeds): random bytes, random Unicode and random mutations of valid
 * files fed to everything that reads a file a user can hand the program — the corpus readers (files
 * and stdin), tokenizer.json loading and encode/decode, safetensors parsing, model and run configs,
 * train-state files and `train --config` settings. The only failure allowed is the documented one:
 * an InputError whose message is one line naming the file. Where the input is valid, the result is
 * checked against an independent expectation (the lines of a text file, tensor sizes, ids in range).
 * The number of inputs tried per category is printed at the end (docs/reliability.md quotes it).
 */
import fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPairs, resolveCorpus, type CorpusSpec } from '../../src/data/corpus.js';
import { MAX_LINE_BYTES, readLines } from '../../src/data/line-reader.js';
import { streamLines } from '../../src/decode/stream-lines.js';
import { InputError } from '../../src/errors.js';
import { loadModel, loadModelConfig } from '../../src/model/checkpoint.js';
import { parameterCount, parseModelConfig } from '../../src/model/config.js';
import { loadRun, readRunConfig, readTrainState } from '../../src/model/run-dir.js';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { parseTrainSettings, readConfigFile } from '../../src/train/config.js';
import { deserializeTrainState } from '../../src/train/train-state.js';
import { learnBpe, Tokenizer } from '../../src/text/tokenizer.js';
import { awkwardText } from '../text/arbitraries.js';

const SEED = Number(process.env.SEQ2SEQ_FUZZ_SEED ?? 9);
/** `npm run test:long` runs the same properties on ten times as many inputs. */
const SCALE = Number(process.env.SEQ2SEQ_FUZZ_SCALE ?? 1);
const runs = (k: number) => Math.round(k * SCALE);
let dir = '';
let n = 0;
const tried: Record<string, { runs: number; ok: number; rejected: number }> = {};

/** Runs `fn`; an InputError with a one-line message naming `file` counts as a rejection, anything else thrown fails. */
async function documented(category: string, file: string | null, fn: () => unknown): Promise<'ok' | 'rejected'> {
  const c = (tried[category] ??= { runs: 0, ok: 0, rejected: 0 });
  c.runs++;
  // Awaiting settled promises never leaves the microtask queue: give the event loop a turn now and
  // then, or vitest's messages to its main process wait until the whole property has run.
  if (c.runs % 25 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  try {
    await fn();
    c.ok++;
    return 'ok';
  } catch (err) {
    if (!(err instanceof InputError)) {
      throw new Error(
        `${category}: undocumented ${(err as Error)?.constructor?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}\n${(err as Error)?.stack ?? ''}`,
      );
    }
    expect(err.message, 'an error message is one line').not.toMatch(/[\n\r\u2028\u2029]/);
    expect(err.message.length, 'an error message is short').toBeLessThan(600);
    if (file !== null) expect(err.message.startsWith(file), `the message names the file: ${err.message}`).toBe(true);
    c.rejected++;
    return 'rejected';
  }
}

function tmpFile(name: string, data: string | Uint8Array): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, data);
  return p;
}

let tokJson: Record<string, unknown>;
let tok: Tokenizer;
let runDir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seq2seq-fuzz-'));
  tok = await learnBpe(['a man in an orange hat', 'ein Mann mit einem Hut', 'zwei junge Männer 😀 déjà vu'], {
    vocabSize: 60,
    minFrequency: 1,
  });
  tokJson = tok.toJSON() as Record<string, unknown>;
  // A small saved run to tamper with: config, tokenizer, best/ and last/ with train state.
  const { writeCheckpoint, writeRunConfig, saveTokenizers } = await import('../../src/model/run-dir.js');
  runDir = join(dir, 'run0');
  mkdirSync(runDir);
  const model = new Seq2Seq({
    cell: 'gru',
    srcVocabSize: tok.vocabSize,
    tgtVocabSize: tok.vocabSize,
    embeddingSize: 4,
    hiddenSize: 5,
    attention: 'bahdanau',
  });
  const tokenizers = saveTokenizers(runDir, tok, tok, true);
  writeRunConfig(runDir, {
    model: model.config,
    training: { train: [join(dir, 'none')], out: runDir, seed: 1 },
    tokenizers,
  });
  const state = {
    json: {
      version: 1,
      step: 3,
      batcher: { version: 1, seed: 1, epoch: 0, index: 3, pairs: 3, fingerprint: 'x' },
      optimizer: { kind: 'adam', t: 3 },
      schedule: { kind: 'constant', plateauLr: null, best: null, bad: 0, damping: 1 },
      earlyStopping: { best: null, bestStep: 0, bad: 0 },
      best: null,
      rngs: [[1, 2, 3, 4, null]],
      badSteps: 0,
      trainSeconds: 1.5,
      lastEvalStep: 0,
    },
    tensors: model.params.map((p) => ({ name: `m.${p.name}`, shape: [p.size], data: new Float32Array(p.size) })),
  };
  writeCheckpoint(runDir, 'best', model, { step: 3 });
  writeCheckpoint(runDir, 'last', model, { step: 3 }, state);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  const rows = Object.entries(tried).map(
    ([k, v]) =>
      `${k.padEnd(40)} ${String(v.runs).padStart(6)} inputs  ${String(v.ok).padStart(6)} accepted  ${String(v.rejected).padStart(6)} rejected with an InputError`,
  );
  console.log(
    `fuzzing (seed ${SEED}, scale ${SCALE}):\n${rows.join('\n')}\ntotal ${Object.values(tried).reduce((a, v) => a + v.runs, 0)} inputs, 0 other exceptions`,
  );
});

// ---------------------------------------------------------------------------------------------
// Generators

const enc = (s: string) => Buffer.from(s, 'utf8');
/** Text-like bytes: Unicode, line ends, tabs, BOMs, JSON fragments, and now and then a NUL or a stray byte. */
const textyBytes: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      { arbitrary: awkwardText.map(enc), weight: 6 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(enc), weight: 2 },
      {
        arbitrary: fc
          .constantFrom('\n', '\r\n', '\t', '\r', '\ufeff', '{"src":"a","tgt":"b"}\n', '{"src":1}', '\\', '"')
          .map(enc),
        weight: 4,
      },
      { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((b) => Uint8Array.of(b)), weight: 1 },
      { arbitrary: fc.constant(Uint8Array.of(0)), weight: 1 },
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.concat(parts));
const anyBytes = fc.oneof(textyBytes, fc.uint8Array({ maxLength: 600 }));

/** The lines a reader must yield from bytes, or the 1-based line of the first problem. */
function expectedLines(bytes: Uint8Array): { lines: string[] } | { badLine: number } {
  const b = Buffer.from(bytes);
  const raw: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, start)) {
    raw.push(b.subarray(start, i));
    start = i + 1;
  }
  if (start < b.length) raw.push(b.subarray(start));
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lines: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i];
    if (line.length > MAX_LINE_BYTES || line.includes(0)) return { badLine: i + 1 };
    if (i === 0 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    // LF ends a line; a CR is allowed only right before an LF (the last line has none after it).
    const lfAfter = i < raw.length - 1 || b[b.length - 1] === 0x0a;
    const crs = [...line.entries()].filter(([, x]) => x === 0x0d).map(([k]) => k);
    if (crs.some((k) => !(lfAfter && k === line.length - 1))) return { badLine: i + 1 };
    let text: string;
    try {
      text = dec.decode(line);
    } catch {
      return { badLine: i + 1 };
    }
    lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
  return { lines };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: corpus readers', () => {
  it('readLines and stdin streamLines: exactly the lines of the file, or an InputError naming the first bad line', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBytes,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        async (bytes, cuts) => {
          const path = tmpFile('lines.txt', bytes);
          const want = expectedLines(bytes);
          let got: string[] | null = null;
          await documented('readLines (file)', path, async () => {
            got = (await collect(readLines(path))).map((l) => l.text);
          });
          if ('lines' in want) expect(got).toEqual(want.lines);
          else {
            expect(got).toBeNull();
            await expect(collect(readLines(path))).rejects.toThrow(
              new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${want.badLine}: `),
            );
          }
          // The same bytes arriving on stdin in random pieces.
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const len = cuts[i % cuts.length];
            chunks.push(Buffer.from(bytes.subarray(at, at + len)));
            at += len;
          }
          let streamed: string[] | null = null;
          await documented('streamLines (stdin)', '<stdin>', async () => {
            streamed = (await collect(streamLines(Readable.from(chunks), '<stdin>'))).map((l) => l.text);
          });
          if ('lines' in want) expect(streamed).toEqual(want.lines);
          else {
            expect(streamed).toBeNull();
            // stdin and a file report the same problem, in the same words.
            const fromFile = await collect(readLines(path)).catch((e: Error) => e.message);
            const fromStdin = await collect(streamLines(Readable.from(chunks), '<stdin>')).catch(
              (e: Error) => e.message,
            );
            expect(fromStdin).toBe(String(fromFile).replace(path, '<stdin>'));
            expect(fromStdin).toMatch(new RegExp(`^<stdin>:${want.badLine}: `));
          }
        },
      ),
      { numRuns: runs(300), seed: SEED },
    );
  });

  it('aligned, TSV and JSON Lines corpora and format guessing: pairs or an InputError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(anyBytes, anyBytes, async (a, b) => {
        const src = tmpFile('c.en', a);
        const tgt = tmpFile('c.de', b);
        const tsv = tmpFile('c.tsv', a);
        const jsonl = tmpFile('c.jsonl', a);
        const guess = tmpFile('c', a);
        const specs: [string, CorpusSpec | (() => CorpusSpec), string][] = [
          ['corpus: aligned', { format: 'aligned', srcPath: src, tgtPath: tgt }, dir],
          ['corpus: TSV', { format: 'tsv', path: tsv }, tsv],
          ['corpus: JSON Lines', { format: 'jsonl', path: jsonl }, jsonl],
          ['corpus: format guessed', () => resolveCorpus([guess]), guess],
        ];
        for (const [category, spec, file] of specs) {
          await documented(category, file, async () => {
            const s = typeof spec === 'function' ? spec() : spec;
            for await (const p of readPairs(s)) {
              expect(typeof p.src).toBe('string');
              expect(p.src).not.toBe('');
              expect(p.tgt).not.toBe('');
              expect(p.src).toBe(p.src.trim());
            }
          });
        }
      }),
      { numRuns: runs(250), seed: SEED },
    );
  });
});

describe('fuzz: tokenizer', () => {
  /** A random edit of a valid tokenizer.json: a key deleted or replaced, vocabulary or merges changed. */
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('set' as const),
      path: fc.constantFrom(
        'model',
        'model.vocab',
        'model.merges',
        'model.type',
        'model.unk_token',
        'normalizer',
        'normalizer.normalizers',
        'pre_tokenizer',
        'pre_tokenizer.prepend_scheme',
        'model.byte_fallback',
        'added_tokens',
        'decoder',
      ),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      path: fc.constantFrom('model', 'model.vocab', 'model.merges', 'normalizer', 'pre_tokenizer', 'model.unk_token'),
    }),
    fc.record({
      kind: fc.constant('vocab' as const),
      token: fc.string({ unit: 'binary', maxLength: 6 }),
      id: fc.oneof(fc.integer({ min: -2, max: 80 }), fc.double(), fc.constant('3' as unknown as number)),
    }),
    fc.record({
      kind: fc.constant('merge' as const),
      merge: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    }),
    fc.record({
      kind: fc.constant('normalizer' as const),
      index: fc.integer({ min: 0, max: 4 }),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
  );

  function mutate(json: Record<string, unknown>, ms: { kind: string; [k: string]: unknown }[]): unknown {
    const doc = structuredClone(json) as Record<string, Record<string, unknown>>;
    for (const m of ms) {
      if (m.kind === 'set' || m.kind === 'delete') {
        const keys = (m.path as string).split('.');
        let obj: Record<string, unknown> | undefined = doc;
        for (const k of keys.slice(0, -1))
          obj = obj && typeof obj[k] === 'object' && obj[k] !== null ? (obj[k] as Record<string, unknown>) : undefined;
        if (!obj) continue;
        if (m.kind === 'set') obj[keys.at(-1)!] = m.value;
        else delete obj[keys.at(-1)!];
      } else if (m.kind === 'vocab' && doc.model && typeof doc.model.vocab === 'object' && doc.model.vocab) {
        (doc.model.vocab as Record<string, unknown>)[m.token as string] = m.id;
      } else if (m.kind === 'merge' && doc.model && Array.isArray(doc.model.merges)) {
        (doc.model.merges as unknown[]).push(m.merge);
      } else if (m.kind === 'normalizer' && doc.normalizer && Array.isArray(doc.normalizer.normalizers)) {
        (doc.normalizer.normalizers as unknown[])[m.index as number] = m.value;
      }
    }
    return doc;
  }

  it('tokenizer.json: random JSON, mutated valid files and random bytes load or fail with an InputError; a loaded tokenizer encodes and decodes any text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: fc.constant(null).map(() => ({ json: tokJson as unknown })), weight: 3 },
          {
            arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ({ json: mutate(tokJson, ms) })),
            weight: 6,
          },
          { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })), weight: 1 },
          { arbitrary: anyBytes.map((bytes) => ({ bytes })), weight: 1 },
        ),
        fc.array(awkwardText, { maxLength: 4 }),
        fc.array(fc.integer({ min: -3, max: 100 }), { maxLength: 12 }),
        async (input, texts, ids) => {
          const path = tmpFile(
            'tokenizer.json',
            'bytes' in input ? input.bytes : (JSON.stringify(input.json) ?? 'null'),
          );
          let t: Tokenizer | null = null;
          await documented('tokenizer.json loading', path, () => {
            t = Tokenizer.load(path);
          });
          if (!t) return;
          const loaded = t as Tokenizer;
          for (const text of texts) {
            await documented('tokenizer encode/decode', null, () => {
              const e = loaded.encode(text);
              for (const id of e) expect(id >= 0 && id < loaded.vocabSize).toBe(true);
              expect(typeof loaded.decode(e)).toBe('string');
              expect(loaded.tokenize(text).length).toBe(e.length);
            });
          }
          // Random ids: decoded, or an InputError for an id outside the vocabulary.
          const r = await documented('tokenizer decode of random ids', 'token id', () => loaded.decode(ids));
          expect(r === 'ok').toBe(ids.every((id) => id >= 0 && id < loaded.vocabSize));
        },
      ),
      { numRuns: runs(400), seed: SEED },
    );
  });
});

describe('fuzz: safetensors', () => {
  let valid: Buffer;
  beforeAll(() => {
    const p = join(dir, 'valid.safetensors');
    writeSafetensors(
      p,
      [
        { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: 'b.weight', shape: [4], data: Float32Array.from([7, 8, 9, 10]) },
        { name: 'c', shape: [], data: Float32Array.from([11]) },
      ],
      { format: 'seq2seq', version: '1' },
    );
    valid = readFileSync(p);
  });

  const tensorEntry = fc.record(
    {
      dtype: fc.oneof(fc.constant('F32'), fc.constantFrom('F16', 'I64', 'f32', ''), fc.jsonValue({ maxDepth: 1 })),
      shape: fc.oneof(
        fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 3 }),
        fc.array(fc.constantFrom(2 ** 31, 2 ** 53, 1.5, 0), { maxLength: 3 }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      data_offsets: fc.oneof(
        fc.tuple(fc.integer({ min: -4, max: 120 }), fc.integer({ min: -4, max: 120 })),
        fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 3 }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    },
    { requiredKeys: [] },
  );
  const header = fc.dictionary(
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__metadata__', '__proto__', 'constructor')),
    fc.oneof({ arbitrary: tensorEntry, weight: 4 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }),
    { maxKeys: 4 },
  );

  function file(headerJson: string, data: Uint8Array, lengthField?: bigint): Buffer {
    const h = Buffer.from(headerJson, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(lengthField ?? BigInt(h.length));
    return Buffer.concat([len, h, data]);
  }

  const input = fc.oneof(
    { arbitrary: anyBytes.map((b) => Buffer.from(b)), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 400 }).map((cut) => valid.subarray(0, cut)), weight: 1 },
    {
      arbitrary: fc
        .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
        .map((flips) => {
          const b = Buffer.from(valid);
          for (const [at, v] of flips) b[at % b.length] = v;
          return b;
        }),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(header, fc.uint8Array({ maxLength: 120 })).map(([h, d]) => file(JSON.stringify(h), d)),
      weight: 4,
    },
    {
      arbitrary: fc
        .tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 64 }))
        .map(([len, d]) => file('{}', d, len)),
      weight: 1,
    },
  );

  it('readSafetensors: tensors whose sizes match their shapes, or an InputError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const path = tmpFile('w.safetensors', bytes);
        await documented('safetensors parsing', path, () => {
          const { tensors, metadata } = readSafetensors(path);
          for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
          for (const v of Object.values(metadata)) expect(typeof v).toBe('string');
        });
      }),
      { numRuns: runs(500), seed: SEED },
    );
  });

  it('loadModel on a checkpoint with broken weights: the model, or an InputError naming a file of the checkpoint', async () => {
    const ckpt = join(runDir, 'best');
    const weights = readFileSync(join(ckpt, 'model.safetensors'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: weights.length - 1 }).map((cut) => ({ cut })),
          fc
            .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })
            .map((flips) => ({ flips })),
        ),
        async (m) => {
          const d = join(dir, `ckpt-${n++}`);
          cpSync(ckpt, d, { recursive: true });
          let b = Buffer.from(weights);
          if ('cut' in m) b = b.subarray(0, m.cut);
          else for (const [at, v] of m.flips) b[at % b.length] = v;
          writeFileSync(join(d, 'model.safetensors'), b);
          await documented('checkpoint weights (loadModel)', d, () => loadModel(d));
        },
      ),
      { numRuns: runs(150), seed: SEED },
    );
  });
});

describe('fuzz: configs and train state', () => {
  const validModel = () =>
    JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).model as Record<string, unknown>;
  const modelKeys = [
    'cell',
    'srcVocabSize',
    'tgtVocabSize',
    'embeddingSize',
    'hiddenSize',
    'encoderHiddenSize',
    'encoderLayers',
    'decoderLayers',
    'bidirectional',
    'attention',
    'attentionSize',
    'inputFeeding',
    'preOutput',
    'preOutputSize',
    'tiedTargetEmbeddings',
    'dropout',
    'labelSmoothing',
    'maxSourceLength',
    'maxTargetLength',
    'bogus',
  ];
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 1 }),
    fc.integer({ min: -2, max: 2 ** 31 }),
    fc.constantFrom(0, 1, 3, 1e9, 2 ** 53, -1, 0.5, 'gru', 'lstm', 'none', 'luong-dot', true, false, null),
  );
  const modelEdit = fc.array(fc.tuple(fc.constantFrom(...modelKeys), fc.option(value)), { minLength: 1, maxLength: 3 });

  it("model config: accepted or rejected with an InputError; parameterCount equals the built model's", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: modelEdit, weight: 4 },
          { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((j) => ({ whole: j })), weight: 1 },
        ),
        async (edit) => {
          let raw: unknown;
          if (Array.isArray(edit)) {
            const m = validModel();
            for (const [k, v] of edit)
              if (v === null) delete m[k];
              else m[k] = v;
            raw = m;
          } else raw = edit.whole;
          let cfg: ReturnType<typeof parseModelConfig> | null = null;
          await documented('model config (parseModelConfig)', 'model', () => {
            cfg = parseModelConfig(raw, 'model');
          });
          if (cfg) {
            const c = cfg as ReturnType<typeof parseModelConfig>;
            const small =
              c.srcVocabSize * c.embeddingSize < 1e5 &&
              c.hiddenSize <= 64 &&
              (c.encoderHiddenSize ?? 0) <= 64 &&
              (c.attentionSize ?? 0) <= 64 &&
              (c.preOutputSize ?? 0) <= 64 &&
              c.tgtVocabSize <= 200 &&
              c.embeddingSize <= 64 &&
              c.encoderLayers <= 3 &&
              c.decoderLayers <= 3;
            if (small) expect(parameterCount(c)).toBe(new Seq2Seq(c).parameterCount);
          }
        },
      ),
      { numRuns: runs(400), seed: SEED },
    );
  });

  it('run config.json, checkpoint config.json and state.json: random bytes and tampered documents are loaded or rejected with an InputError naming the file', async () => {
    const runConfig = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const stateJson = JSON.parse(readFileSync(join(runDir, 'last', 'train-state', 'state.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const runKeys = [
      'format',
      'version',
      'kind',
      'model',
      'training',
      'tokenizers',
      'tokenizers.src',
      'tokenizers.tgt',
      'model.hiddenSize',
      'model.srcVocabSize',
      'model.embeddingSize',
    ];
    const stateKeys = [
      'version',
      'step',
      'batcher',
      'optimizer',
      'optimizer.kind',
      'optimizer.t',
      'schedule',
      'schedule.kind',
      'earlyStopping',
      'best',
      'rngs',
      'badSteps',
      'trainSeconds',
      'lastEvalStep',
    ];
    const paths = fc.constantFrom(
      '../tokenizer.json',
      '/etc/passwd',
      'last/../../x.json',
      'tokenizer.json',
      '',
      'a\u0000b',
      'best/model.safetensors',
      '..',
    );
    const edit = (keys: string[]) =>
      fc.array(fc.tuple(fc.constantFrom(...keys), fc.option(fc.oneof(value, paths))), { minLength: 1, maxLength: 3 });
    const apply = (doc: Record<string, unknown>, es: [string, unknown][]) => {
      const d = structuredClone(doc);
      for (const [path, v] of es) {
        const keys = path.split('.');
        let o: Record<string, unknown> | undefined = d;
        for (const k of keys.slice(0, -1))
          o = o && typeof o[k] === 'object' && o[k] !== null ? (o[k] as Record<string, unknown>) : undefined;
        if (!o) continue;
        if (v === null) delete o[keys.at(-1)!];
        else o[keys.at(-1)!] = v;
      }
      return JSON.stringify(d);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: edit(runKeys).map((e) => ({ file: 'config.json', text: apply(runConfig, e) })), weight: 3 },
          {
            arbitrary: edit(stateKeys).map((e) => ({ file: 'last/train-state/state.json', text: apply(stateJson, e) })),
            weight: 3,
          },
          { arbitrary: anyBytes.map((b) => ({ file: 'config.json', text: Buffer.from(b) })), weight: 1 },
          { arbitrary: anyBytes.map((b) => ({ file: 'best/config.json', text: Buffer.from(b) })), weight: 1 },
          {
            arbitrary: anyBytes.map((b) => ({ file: 'last/train-state/state.json', text: Buffer.from(b) })),
            weight: 1,
          },
        ),
        async ({ file, text }) => {
          const d = join(dir, `run-${n++}`);
          cpSync(runDir, d, { recursive: true });
          writeFileSync(join(d, file), text);
          await documented(`run files: ${file}`, d, () => {
            readRunConfig(d);
            loadRun(d);
            loadModelConfig(join(d, 'best'));
            deserializeTrainState(readTrainState(d, false), join(d, 'last', 'train-state'));
          });
        },
      ),
      { numRuns: runs(400), seed: SEED },
    );
  });

  it('train --config: random JSON documents and bytes are settings or an InputError naming the file', async () => {
    const keys = [
      'train',
      'valid',
      'src',
      'tgt',
      'format',
      'out',
      'preset',
      'model',
      'vocabSize',
      'lr',
      'optimizer',
      'schedule',
      'batchTokens',
      'seed',
      'maxSteps',
      'timeBudget',
      'evalEvery',
      'bestMetric',
      'comment',
      '$schema',
      'bogus',
      '__proto__',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }).map((o) => JSON.stringify(o)),
          fc.jsonValue({ maxDepth: 2 }).map((j) => JSON.stringify(j) ?? 'null'),
          anyBytes.map((b) => Buffer.from(b).toString('utf8')),
        ),
        async (text) => {
          const path = tmpFile('train.json', text);
          await documented('train --config (readConfigFile)', path, () => readConfigFile(path, text));
          await documented('settings layer (parseTrainSettings)', 'flags', () =>
            parseTrainSettings(
              (() => {
                try {
                  return JSON.parse(text);
                } catch {
                  return text;
                }
              })(),
              'flags',
            ),
          );
        },
      ),
      { numRuns: runs(300), seed: SEED },
    );
  });
});
