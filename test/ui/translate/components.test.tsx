import { afterEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { AttentionView } from '../../../src/ui/translate/AttentionView.js';
import { NBestList } from '../../../src/ui/translate/NBestList.js';
import { parseCommand } from '../../../src/ui/translate/commands.js';
import {
  insertChunk,
  emptyLine,
  historyUp,
  submit,
  backspace,
  insertText,
} from '../../../src/ui/translate/line-editor.js';
import { describeModel, formatModelInfo, formatModelInfoLines } from '../../../src/ui/translate/model-info.js';
import { oneLineError } from '../../../src/ui/translate/controller.js';
import type { TranslationLike } from '../../../src/ui/translate/types.js';

afterEach(() => cleanup());

const frameLines = (f: string | undefined) => stripVTControlCharacters(f ?? '').split('\n');

describe('AttentionView', () => {
  // 40 source pieces (+ </s>) and 30 output tokens, peaked on a diagonal: too big for 80 columns × 12 rows.
  const S = 40;
  const T = 30;
  const translation: TranslationLike = {
    source: 'long',
    sourcePieces: Array.from({ length: S }, (_, j) => `▁wort${j}`),
    hyps: [
      {
        text: 'x',
        score: -3,
        pieces: Array.from({ length: T }, (_, i) => `▁out${i}`),
        attention: Array.from({ length: T }, (_, i) => {
          const r = new Float32Array(S + 1).fill(0.1 / S);
          r[Math.min(S, Math.floor((i * S) / T))] = 0.9;
          return r;
        }),
      },
    ],
    warnings: [],
  };

  it('renders within 80 columns, marks each row maximum █ under shades, and says what it crops', () => {
    const { lastFrame } = render(<AttentionView translation={translation} width={80} maxRows={12} style="shade" />);
    const lines = frameLines(lastFrame());
    for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(80);
    const rows = lines.filter((l) => l.startsWith('▁out'));
    expect(rows).toHaveLength(12);
    // Every row holds exactly one run of █ (the 0.9 cell), nothing else is shaded (0.1/40 → ' ').
    for (const r of rows) expect(r.slice(7).replace(/ /g, '')).toMatch(/^█+$/);
    expect(lines.some((l) => l.startsWith('legend (attention weight)'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^showing rows 1–12 of 30 \(PgUp\/PgDn\), columns 1–\d+ of 41/);
  });

  it('a later window shows the rows further down', () => {
    const { lastFrame } = render(
      <AttentionView translation={translation} width={80} maxRows={12} rowOffset={18} style="digits" />,
    );
    const lines = frameLines(lastFrame());
    expect(lines.filter((l) => l.startsWith('▁out'))[0]!.startsWith('▁out18')).toBe(true);
    expect(lines.at(-1)).toContain('rows 19–30 of 30');
  });

  it('points to the row scale when the attention is flat', () => {
    const S2 = 12;
    const flat: TranslationLike = {
      ...translation,
      sourcePieces: translation.sourcePieces.slice(0, S2),
      hyps: [
        {
          ...translation.hyps[0]!,
          pieces: ['a', 'b'],
          attention: [new Float32Array(S2).fill(1 / S2), new Float32Array(S2).fill(1 / S2)],
        },
      ],
    };
    const abs = frameLines(render(<AttentionView translation={flat} style="shade" />).lastFrame());
    expect(abs.at(-1)).toContain('flat attention (every cell in the lowest level): try :attn row');
    const row = frameLines(render(<AttentionView translation={flat} style="shade" scale="row" />).lastFrame());
    expect(row.join('\n')).not.toContain('flat attention');
    // Uniform rows scaled by their maximum are all █.
    expect(row.find((l) => l.startsWith('a '))!.slice(5)).toMatch(/^█+$/);
  });

  it('says when there is no attention', () => {
    const noAttn: TranslationLike = { ...translation, hyps: [{ ...translation.hyps[0]!, attention: null }] };
    const { lastFrame } = render(<AttentionView translation={noAttn} />);
    expect(lastFrame()).toContain('this model has no attention mechanism');
  });
});

describe('NBestList', () => {
  it('lists hypotheses in the translator’s order with rank and score', () => {
    const hyps = [
      { text: 'ein Hund', score: -0.5, pieces: [], attention: null },
      { text: 'ein Hunde', score: -1.234, pieces: [], attention: null },
      { text: 'Hund', score: -12.5, pieces: [], attention: null },
    ];
    const { lastFrame } = render(<NBestList hyps={hyps} search="beam 3" />);
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe('n-best (3 hypotheses, beam 3; higher score is better)');
    expect(lines.slice(1)).toEqual([' 1.  -0.50  ein Hund', ' 2.  -1.23  ein Hunde', ' 3. -12.50  Hund']);
  });

  it('with one hypothesis, tells how to get more', () => {
    const { lastFrame } = render(
      <NBestList hyps={[{ text: 'a', score: -1, pieces: [], attention: null }]} search="greedy" />,
    );
    expect(lastFrame()).toContain('one hypothesis: use :nbest K or :beam N');
  });
});

describe('parseCommand', () => {
  it('parses commands and rejects bad arguments with one-line messages', () => {
    expect(parseCommand(':beam 12')).toEqual({ kind: 'beam', beam: 12 });
    expect(parseCommand('  :GREEDY ')).toEqual({ kind: 'beam', beam: 1 });
    expect(parseCommand(':nbest')).toEqual({ kind: 'nbest', k: null });
    expect(parseCommand(':attn digits row')).toEqual({ kind: 'attention', style: 'digits', scale: 'row' });
    expect(parseCommand(':save my pairs.tsv')).toEqual({ kind: 'save', file: 'my pairs.tsv' });
    expect(parseCommand(':beam 0')).toEqual({ kind: 'error', message: ':beam 0: must be between 1 and 64' });
    expect(parseCommand(':beam')).toEqual({ kind: 'error', message: ':beam needs a number (e.g. :beam 5)' });
    expect(parseCommand(':save')).toMatchObject({ kind: 'error' });
    expect(parseCommand(':lp -1')).toMatchObject({ kind: 'error' });
    expect(parseCommand(':attn purple')).toEqual({
      kind: 'error',
      message: ':attn purple: expected color, shade, digits, abs or row',
    });
  });
});

describe('line editor', () => {
  it('a chunk with line breaks submits each complete line and keeps the rest', () => {
    const start = insertText(emptyLine, 'pre ');
    const r = insertChunk(start, 'one\r\ntwo\rthree');
    expect(r.lines).toEqual(['pre one', 'two']);
    expect(r.state.text).toBe('three');
    expect(r.state.history).toEqual(['pre one', 'two']);
  });

  it('history skips blanks and immediate repeats; backspace removes whole code points', () => {
    let s = emptyLine;
    for (const l of ['a', 'a', '', 'b']) s = submit(insertText(s, l)).state;
    expect(s.history).toEqual(['a', 'b']);
    expect(historyUp(s).text).toBe('b');
    expect(backspace(insertText(emptyLine, 'x😀')).text).toBe('x');
  });
});

describe('model info and errors', () => {
  it('describes a run from its config.json, and survives a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq2seq-info-'));
    try {
      // The shape src/model/checkpoint.ts writes.
      const model = {
        cell: 'lstm',
        srcVocabSize: 800,
        tgtVocabSize: 900,
        hiddenSize: 256,
        encoderLayers: 2,
        decoderLayers: 1,
        bidirectional: true,
        attention: 'luong-general',
      };
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ format: 'seq2seq', version: 1, model }));
      expect(formatModelInfo(describeModel(dir))).toBe(
        `model ${dir} · bi-lstm 256, 2+1 layers · attention luong-general · vocab 800 → 900`,
      );
      // The model object, when there is one, gives the vocabulary sizes.
      const info = describeModel(dir, { translate: () => [], model: { srcVocabSize: 8000, tgtVocabSize: 9000 } });
      expect(formatModelInfo(info)).toBe(
        `model ${dir} · bi-lstm 256, 2+1 layers · attention luong-general · vocab 8000 → 9000`,
      );
      expect(formatModelInfo(describeModel(join(dir, 'nope')))).toBe(`model ${join(dir, 'nope')}`);
      // Narrow terminals: broken at the separators, continuation lines indented.
      const lines = formatModelInfoLines(
        {
          runDir: 'runs/demo-run',
          cell: 'gru',
          hidden: 64,
          bidirectional: true,
          layers: 1,
          decoderLayers: 1,
          attention: 'bahdanau',
          srcVocab: 600,
          tgtVocab: 600,
        },
        60,
      );
      expect(lines).toEqual(['model runs/demo-run · bi-gru 64, 1+1 layers', '  attention bahdanau · vocab 600 → 600']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the first line of an error message', () => {
    expect(oneLineError(new Error('bad thing\n    at x (y.js:1:1)'))).toBe('bad thing');
    expect(oneLineError('plain')).toBe('plain');
  });
});
