/**
 * Sizes are bounded in one place (src/model/size-limits.ts) and checked before anything is
 * allocated: the bounds of every model field and flag, the exact parameter count computed from a
 * config alone (checked against the built model on random configs), and, end to end under a memory
 * cap, a run whose config claims far more than its weights file holds: it must fail in under a
 * second and under 100 MB, whatever the config says (20,000 layers; or sizes within the bounds that
 * would need 5 GB).
 */
import fc from 'fast-check';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integerFlag, numberFlag } from '../../src/cli/option-values.js';
import { InputError } from '../../src/errors.js';
import { type ModelConfig, parameterCount, parseModelConfig, type ModelConfigInput } from '../../src/model/config.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { SIZE_LIMITS } from '../../src/model/size-limits.js';
import { parseTrainSettings } from '../../src/train/config.js';
import { buildFixtures, type Fixtures } from './fixtures.js';
import { BIN_UNDER_TEST, run, traceLines } from './special-files.js';

const SEED = Number(process.env.SEQ2SEQ_FUZZ_SEED ?? 23);

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('parameterCount: the exact parameter count from the config alone', () => {
  const small = fc.record({
    cell: fc.constantFrom('rnn', 'gru', 'lstm'),
    srcVocabSize: fc.integer({ min: 4, max: 40 }),
    tgtVocabSize: fc.integer({ min: 4, max: 40 }),
    embeddingSize: fc.integer({ min: 1, max: 12 }),
    hiddenSize: fc.integer({ min: 1, max: 12 }),
    encoderHiddenSize: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    encoderLayers: fc.integer({ min: 1, max: 3 }),
    decoderLayers: fc.integer({ min: 1, max: 3 }),
    bidirectional: fc.boolean(),
    attention: fc.constantFrom('none', 'bahdanau', 'luong-dot', 'luong-general'),
    attentionSize: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    inputFeeding: fc.boolean(),
    preOutput: fc.boolean(),
    preOutputSize: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    tiedTargetEmbeddings: fc.constantFrom(false, false, false, true), // tied needs equal sizes: mostly refused
  });

  it("equals the built model's count for every cell, attention and option (random configs)", () => {
    let built = 0;
    fc.assert(
      fc.property(small, (raw) => {
        let c: ModelConfig;
        try {
          c = parseModelConfig(raw as ModelConfigInput);
        } catch {
          return; // an impossible combination (e.g. luong-dot with unequal sizes): refused, fine
        }
        built++;
        expect(parameterCount(c)).toBe(new Seq2Seq(c).parameterCount);
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(built).toBeGreaterThan(100);
  });

  it('the reference model: 15,551,296 parameters (shared/reference/performance.md)', async () => {
    const { REFERENCE_MODEL_CONFIG } = await import('../../src/model/config.js');
    expect(parameterCount(parseModelConfig(REFERENCE_MODEL_CONFIG))).toBe(15_551_296);
  });
});

describe('the bounds, in one place', () => {
  const base = { srcVocabSize: 100, tgtVocabSize: 100 };
  it.each([
    ['hiddenSize', SIZE_LIMITS.width],
    ['embeddingSize', SIZE_LIMITS.width],
    ['encoderHiddenSize', SIZE_LIMITS.width],
    ['attentionSize', SIZE_LIMITS.width],
    ['preOutputSize', SIZE_LIMITS.width],
    ['encoderLayers', SIZE_LIMITS.layers],
    ['decoderLayers', SIZE_LIMITS.layers],
    ['srcVocabSize', SIZE_LIMITS.vocabulary],
    ['maxSourceLength', SIZE_LIMITS.sequenceLength],
    ['maxTargetLength', SIZE_LIMITS.sequenceLength],
  ])('model config %s: at most %i', (field, limit) => {
    // The bound itself is a size (it may still exceed the parameter limit with other fields).
    expect(inputError(() => parseModelConfig({ ...base, [field]: limit + 1 }, 'cfg'))).toBe(
      `cfg: ${field} must be at most ${limit} (got ${limit + 1})`,
    );
    expect(inputError(() => parseModelConfig({ ...base, [field]: 1e300 }, 'cfg'))).toMatch(
      new RegExp(`^cfg: ${field}: |^cfg: ${field} must be at most`),
    );
  });

  it('the parameter count: sizes each within bounds whose product is not', () => {
    const msg = inputError(() =>
      parseModelConfig({ ...base, hiddenSize: 16384, encoderLayers: 64, decoderLayers: 64 }, 'cfg'),
    );
    expect(msg).toMatch(/^cfg: the model would have [\d,]+ parameters, more than the limit of 2,147,483,647$/);
  });

  it('training settings: flags and config keys name what the user wrote', () => {
    const flag = (f: string) => `--${f.replace(/^model\./, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    expect(inputError(() => parseTrainSettings({ model: { hiddenSize: 1_000_000 } }, 'options', flag))).toBe(
      'options: --hidden-size must be at most 16384 (got 1000000)',
    );
    expect(inputError(() => parseTrainSettings({ batchTokens: 1e12 }, 'train.json'))).toBe(
      'train.json: batchTokens must be at most 1048576 (got 1000000000000)',
    );
    expect(inputError(() => parseTrainSettings({ maxSrcLen: 1e6 }, 'o'))).toBe(
      'o: maxSrcLen must be at most 65536 (got 1000000)',
    );
    expect(
      parseTrainSettings({ batchTokens: SIZE_LIMITS.batchTokens, model: { decoderLayers: 64 } }, 'o'),
    ).toMatchObject({ batchTokens: 1_048_576 });
  });

  it('flags of translate, eval and score: integers and numbers with an upper bound', () => {
    expect(integerFlag('--beam', '64', 1, SIZE_LIMITS.beam)).toBe(64);
    expect(inputError(() => integerFlag('--beam', '65', 1, SIZE_LIMITS.beam))).toBe(
      "--beam must be an integer from 1 to 64, got '65'",
    );
    expect(inputError(() => integerFlag('--beam', '99999999999999999999', 1, SIZE_LIMITS.beam))).toBe(
      "--beam must be an integer from 1 to 64, got '99999999999999999999'",
    );
    expect(inputError(() => integerFlag('--beam', '0', 1, SIZE_LIMITS.beam))).toBe(
      "--beam must be an integer ≥ 1, got '0'",
    );
    expect(numberFlag('--max-length-ratio', '100', 100)).toBe(100);
    expect(inputError(() => numberFlag('--max-length-ratio', '100.5', 100))).toBe(
      "--max-length-ratio must be a number from 0 to 100, got '100.5'",
    );
  });
});

describe('loading a model whose config claims more than its weights hold: under a second and 100 MB', () => {
  let fx: Fixtures;
  let wrapper = '';
  beforeAll(async () => {
    fx = await buildFixtures();
    chmodSync(fx.dir, 0o755);
    // Runs the CLI with the given arguments and records, at exit, its peak memory (maxRSS) and the
    // milliseconds from the start of the CLI's own code to the exit (Node's start-up excluded).
    wrapper = join(fx.dir, 'measure.mjs');
    writeFileSync(
      wrapper,
      [
        "import { writeFileSync } from 'node:fs';",
        'const [bin, out, ...args] = process.argv.slice(2);',
        'process.argv = [process.argv[0], bin, ...args];',
        'const t0 = performance.now();',
        'const measured = () => ({',
        '  maxRssMb: process.resourceUsage().maxRSS / 1024,',
        '  ms: performance.now() - t0,',
        '  sinceStartMs: performance.now(),',
        '});',
        "process.on('exit', () => writeFileSync(out, JSON.stringify(measured())));",
        `await import(${JSON.stringify(pathToFileURL(BIN_UNDER_TEST).href)});`,
      ].join('\n'),
    );
  }, 120_000);
  afterAll(() => {
    if (fx) rmSync(fx.dir, { recursive: true, force: true });
  });

  /** The run copied with its configs edited, translated under a 64 MB heap; the measurements. */
  async function measure(name: string, edit: (model: Record<string, number>) => void, files: string[]) {
    const d = mkdtempSync(join(fx.dir, `${name}-`));
    cpSync(fx.run, join(d, 'run'), { recursive: true });
    for (const f of files) {
      const p = join(d, 'run', f);
      const doc = JSON.parse(readFileSync(p, 'utf8')) as { model: Record<string, number> };
      edit(doc.model);
      writeFileSync(p, JSON.stringify(doc));
    }
    const out = join(d, 'measure.json');
    const r = await run([BIN_UNDER_TEST, out, 'translate', '--model', 'run', '--beam', '1'], {
      cwd: d,
      input: 'a man\n',
      script: wrapper,
      nodeArgs: ['--max-old-space-size=64'],
    });
    let m: { maxRssMb: number; ms: number; sinceStartMs: number } | null = null;
    try {
      m = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      /* the process died before its exit handler (out of memory) */
    }
    console.log(
      `${name}: exit ${r.code}, ` +
        (m
          ? `${m.ms.toFixed(0)} ms in the CLI (${m.sinceStartMs.toFixed(0)} ms since start), ` +
            `peak RSS ${m.maxRssMb.toFixed(1)} MB`
          : 'no measurement (died)'),
    );
    return { r, m };
  }

  it('20,000 encoder layers in every config of the run (V8 died of it: exit 134)', async () => {
    const { r, m } = await measure('layers-20000', (c) => (c.encoderLayers = 20_000), [
      'config.json',
      'best/config.json',
      'last/config.json',
    ]);
    expect(traceLines(r.stderr)).toEqual([]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('seq2seq: run/config.json: model: encoderLayers must be at most 64 (got 20000)\n');
    expect(m!.ms).toBeLessThan(1000);
    expect(m!.maxRssMb).toBeLessThan(100);
  });

  it("20,000 layers in best/config.json only (the checkpoint's own config)", async () => {
    const { r, m } = await measure('layers-20000-best', (c) => (c.decoderLayers = 20_000), ['best/config.json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('seq2seq: run/best/config.json: model: decoderLayers must be at most 64 (got 20000)\n');
    expect(m!.ms).toBeLessThan(1000);
    expect(m!.maxRssMb).toBeLessThan(100);
  });

  it('sizes within the bounds (8 layers of 2048: 626 M parameters, 5 GB), a file of 0.14 M numbers', async () => {
    const { r, m } = await measure(
      'within-bounds',
      (c) => {
        c.encoderLayers = 8;
        c.hiddenSize = 2048;
      },
      ['config.json', 'best/config.json'],
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        '^seq2seq: run/best/model\\.safetensors: holds \\d+ numbers, ' +
          'but the model run/best/config\\.json describes has 626246344 parameters\n$',
      ),
    );
    expect(m!.ms).toBeLessThan(1000);
    expect(m!.maxRssMb).toBeLessThan(100);
  });
});
