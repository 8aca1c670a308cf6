/**
 * End to end: the real CLI (`bin/seq2seq.js translate --model DIR`, compiled dist/) in a real
 * terminal (tmux, 100×40), on a tiny untrained model built here (random weights, seeded: the
 * translations are gibberish but deterministic). The assertions are on structure: a translation
 * line appears, the n-best list has K ranked entries with scores, the heatmap and its legend
 * appear, and :quit returns to the shell with exit code 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTmux, TmuxSession } from '../ui/translate/tmux-driver.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin', 'seq2seq.js');
const NEEDED = [
  'dist/cli/commands/translate.js',
  'dist/ui/translate/app.js',
  'dist/model/run-dir.js',
  'dist/text/tokenizer.js',
];
const missing = NEEDED.filter((f) => !existsSync(join(REPO, f)));
const tmux = hasTmux();
const skipReason = !tmux
  ? ' (skipped: tmux not found)'
  : missing.length > 0
    ? ` (skipped: not built yet: ${missing.join(', ')}; run npm run build)`
    : '';

const SENTENCES = [
  'a man is riding a bike .',
  'two dogs play in the park .',
  'a woman is reading a book .',
  'the children are playing football .',
  'a cat sleeps on the sofa .',
];
const SENTENCES_DE = [
  'ein mann fährt fahrrad .',
  'zwei hunde spielen im park .',
  'eine frau liest ein buch .',
  'die kinder spielen fußball .',
  'eine katze schläft auf dem sofa .',
];

let work = '';
let runDir = '';

/** A tiny seeded bi-GRU with Bahdanau attention and two small BPE tokenizers, saved as a run. */
async function buildTinyRun(dir: string): Promise<void> {
  const { learnBpe } = await import('../../src/text/tokenizer.js');
  const { Seq2Seq } = await import('../../src/model/seq2seq.js');
  const { saveTokenizers, writeCheckpoint, writeRunConfig } = await import('../../src/model/run-dir.js');
  const { Rng } = await import('../../src/util/rng.js');
  const src = await learnBpe(SENTENCES, { vocabSize: 60, minFrequency: 1 });
  const tgt = await learnBpe(SENTENCES_DE, { vocabSize: 60, minFrequency: 1 });
  const model = new Seq2Seq(
    {
      cell: 'gru',
      srcVocabSize: src.vocabSize,
      tgtVocabSize: tgt.vocabSize,
      embeddingSize: 8,
      hiddenSize: 8,
      bidirectional: true,
      attention: 'bahdanau',
    },
    new Rng(7),
  );
  mkdirSync(dir, { recursive: true });
  const tokenizers = saveTokenizers(dir, src, tgt, false);
  writeRunConfig(dir, { model: model.config, training: {}, tokenizers });
  writeCheckpoint(dir, 'best', model, {});
}

let session: TmuxSession | null = null;

beforeAll(async () => {
  if (skipReason) return;
  work = mkdtempSync(join(tmpdir(), 'seq2seq-e2e-'));
  runDir = join(work, 'tiny-run');
  await buildTinyRun(runDir);
});

afterAll(() => {
  session?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('seq2seq translate, interactive, in tmux', () => {
  it.skipIf(skipReason !== '')(
    `type a sentence, see its translation, n-best and attention, quit${skipReason}`,
    async () => {
      session = new TmuxSession('translate');
      const s = session;
      const K = 3;
      s.start(
        `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} translate --model ${JSON.stringify(runDir)} --beam ${K}; echo "[exit $?]"; exec sleep 600`,
        {
          width: 100,
          height: 40,
          cwd: work,
          env: { NO_COLOR: '1', CI: 'true' } /* as CI runners set it: the live UI must still draw */,
        },
      );
      await s.waitFor((l) => l.some((x) => x.includes('Type a sentence')), 'the translator to start', 30_000);
      const header = s.screenWithHistory().find((x) => x.startsWith('model '))!;
      expect(header).toContain(runDir);
      expect(header).toContain('bi-gru 8, 1+1 layers');
      expect(header).toContain('attention bahdanau');

      s.type('a man is reading in the park .');
      s.keys('Enter');
      const after = await s.waitFor((l) => l.some((x) => x.startsWith('translated in ')), 'the translation');
      const at = after.indexOf('› a man is reading in the park .');
      expect(at).toBeGreaterThanOrEqual(0);
      expect(after[at + 1]).toMatch(/^ {2}= /); // the best translation (gibberish from random weights)

      s.keys('Tab');
      const nb = await s.waitFor((l) => l.some((x) => x.startsWith('n-best (')), 'the n-best list');
      const ranked = nb.filter((x) => /^ +\d+\. +-?\d+\.\d\d( |$)/.test(x));
      expect(ranked).toHaveLength(K);
      expect(ranked.map((x) => Number(x.trim().split('.')[0]))).toEqual([1, 2, 3]);
      expect(nb.find((x) => x.startsWith('n-best ('))).toContain(`${K} hypotheses, beam ${K}`);

      s.keys('C-a');
      const heat = await s.waitFor(
        (l) => l.some((x) => x.startsWith('legend (attention weight)')),
        'the heatmap legend',
      );
      const top = heat.findIndex((x) => x.startsWith('attention: output pieces'));
      expect(top).toBeGreaterThanOrEqual(0);
      for (const line of heat) expect(Array.from(line).length).toBeLessThanOrEqual(100);

      s.type(':quit');
      s.keys('Enter');
      await s.waitFor((l) => l.includes('[exit 0]'), 'the shell after :quit');
    },
  );
});
