import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stripVTControlCharacters } from 'node:util';
import { Chalk } from 'chalk';
import stringWidth from 'string-width';
import {
  HEAT_COLOURS,
  SHADES,
  abbreviate,
  heatLevel,
  legend,
  renderHeatmap,
} from '../../../src/ui/translate/attention-grid.js';

const rows = (...rs: number[][]) => rs.map((r) => Float32Array.from(r));

/** Display width of a rendered line: code points after removing ANSI escapes. */
const widthOf = (line: string) => Array.from(stripVTControlCharacters(line)).length;

describe('heatLevel', () => {
  it('quantises w to ⌊w·L⌋, clamped to [0, L−1]', () => {
    expect([0, 0.19, 0.2, 0.39, 0.5, 0.79, 0.8, 1].map((w) => heatLevel(w, 5))).toEqual([0, 0, 1, 1, 2, 3, 4, 4]);
    expect(heatLevel(0.95, 10)).toBe(9);
    expect(heatLevel(-0.5, 5)).toBe(0);
    expect(heatLevel(1.7, 5)).toBe(4);
    expect(heatLevel(Number.NaN, 5)).toBe(0);
  });
});

describe('abbreviate', () => {
  it('keeps short pieces and marks cuts with …', () => {
    expect(abbreviate('cat', 3)).toBe('cat');
    expect(abbreviate('▁elephant', 5)).toBe('▁ele…');
    expect(abbreviate('abc', 1)).toBe('a');
  });
});

describe('renderHeatmap (shade characters, as under NO_COLOR)', () => {
  // Hand-made alignment: target x attends to a, y mostly to b (and c), z to d.
  const input = {
    attention: rows([0.85, 0.05, 0.05, 0.05], [0.1, 0.5, 0.3, 0.1], [0.0, 0.0, 0.05, 0.95]),
    sourcePieces: ['a', 'b', 'c', 'd'],
    targetPieces: ['x', 'y', 'z'],
  };

  it('draws each cell with the shade of ⌊5w⌋ (hand-computed lines)', () => {
    const map = renderHeatmap(input, { style: 'shade', width: 80 });
    // Labels 4 wide + a space; cells 3 wide (longest source piece 1 + 1, at least 3).
    expect(map.lines[0]).toBe('     a  b  c  d');
    expect(map.lines[1]).toBe('x    ███         ');
    // y: 0.1 → ' ', 0.5 → ▒ (level 2), 0.3 → ░ (level 1), 0.1 → ' '
    expect(map.lines[2]).toBe('y       ▒▒▒░░░   ');
    expect(map.lines[3]).toBe('z             ███');
    expect(map.levels).toEqual([
      [4, 0, 0, 0],
      [0, 2, 1, 0],
      [0, 0, 0, 4],
    ]);
  });

  it('has a legend naming the scale and every shade', () => {
    const map = renderHeatmap(input, { style: 'shade' });
    const leg = map.lines[map.lines.length - 1]!;
    expect(leg).toContain('legend (attention weight)');
    for (const s of SHADES.slice(1)) expect(leg).toContain(s.repeat(2));
    expect(leg).toContain('<.2');
    expect(leg).toContain('≥.8');
  });

  it('row scale divides by the row maximum: the largest cell of every row is █', () => {
    const map = renderHeatmap(input, { style: 'shade', scale: 'row' });
    // y: 0.1/0.5 = .2 → 1, 0.5/0.5 → 4, 0.3/0.5 = .6 → 3
    expect(map.levels[1]).toEqual([1, 4, 3, 1]);
    expect(map.lines[map.lines.length - 1]).toContain('weight / row max');
  });

  it('row scale: for any matrix, each row maximum gets the darkest shade (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 12 })
          .chain((S) =>
            fc.array(
              fc.array(fc.float({ min: Math.fround(0.001), max: 1, noNaN: true }), { minLength: S, maxLength: S }),
              { minLength: 1, maxLength: 8 },
            ),
          ),
        (raw) => {
          const attention = raw.map((r) => {
            const z = r.reduce((a, b) => a + b, 0);
            return Float32Array.from(r.map((v) => v / z));
          });
          const S = attention[0]!.length;
          const map = renderHeatmap(
            {
              attention,
              sourcePieces: Array.from({ length: S }, (_, j) => `s${j}`),
              targetPieces: attention.map((_, i) => `t${i}`),
            },
            { style: 'shade', scale: 'row', width: 80 },
          );
          attention.forEach((row, i) => {
            const argmax = row.indexOf(Math.max(...row));
            expect(map.levels[i]![argmax]).toBe(SHADES.length - 1);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('digits style writes ⌊10w⌋ in each cell', () => {
    const map = renderHeatmap(input, { style: 'digits' });
    expect(map.levels[0]).toEqual([8, 0, 0, 0]);
    expect(map.levels[2]).toEqual([0, 0, 0, 9]);
    expect(map.lines[1]).toBe('x     8  0  0  0 '); // digits centred in 3-column cells
    expect(map.lines[map.lines.length - 1]).toContain('digit d means');
  });

  it('labels rows past the given pieces </s> (the end-of-sentence step)', () => {
    const map = renderHeatmap({ ...input, targetPieces: ['x', 'y'] }, { style: 'shade' });
    expect(map.lines[3]!.startsWith('</s>')).toBe(true);
  });
});

describe('renderHeatmap (colour)', () => {
  it('paints cells with the background colour of ⌊10w⌋, darkest for w ≥ .9', () => {
    const ch = new Chalk({ level: 3 });
    const map = renderHeatmap(
      { attention: rows([0.95, 0.05], [0.35, 0.65]), sourcePieces: ['a', 'b'], targetPieces: ['x', 'y'] },
      { style: 'color', chalk: ch },
    );
    expect(map.levels).toEqual([
      [9, 0],
      [3, 6],
    ]);
    expect(map.lines[1]).toBe(`x    ${ch.bgHex(HEAT_COLOURS[9])('   ')}${ch.bgHex(HEAT_COLOURS[0])('   ')}`);
    expect(map.lines[2]).toBe(`y    ${ch.bgHex(HEAT_COLOURS[3])('   ')}${ch.bgHex(HEAT_COLOURS[6])('   ')}`);
    const leg = legend('color', 'absolute', ch);
    for (const c of HEAT_COLOURS) expect(leg).toContain(ch.bgHex(c)('  '));
    expect(map.lines[3]).toBe(leg);
  });
});

describe('renderHeatmap fits in 80 columns', () => {
  // A long sentence with long pieces: 40 source positions, 30 output tokens.
  const S = 40;
  const T = 30;
  const attention = Array.from({ length: T }, (_, i) => {
    const r = new Float32Array(S).fill(0.2 / (S - 1));
    r[Math.floor((i * S) / T)] = 0.8;
    return r;
  });
  const sourcePieces = Array.from({ length: S }, (_, j) => `▁source${j}word`);
  const targetPieces = Array.from({ length: T }, (_, i) => `▁Zielwort${i}lang`);

  for (const style of ['shade', 'digits', 'color'] as const) {
    it(`${style}: every line ≤ 80 columns, with a note on what is cropped`, () => {
      const map = renderHeatmap({ attention, sourcePieces, targetPieces }, { style, width: 80, maxRows: 12 });
      for (const line of map.lines) expect(widthOf(line)).toBeLessThanOrEqual(80);
      expect(map.rowTo - map.rowFrom).toBe(12);
      expect(map.colTo - map.colFrom).toBeLessThan(S);
      expect(map.colTo - map.colFrom).toBeGreaterThanOrEqual(20); // 2-column cells: (80 − 13) / 2 = 33
      const note = map.lines[map.lines.length - 1]!;
      expect(note).toContain(`rows 1–12 of ${T}`);
      expect(note).toContain(`columns 1–${map.colTo} of ${S}`);
      // Row labels are abbreviated to 12 columns.
      expect(map.lines[2]!.startsWith('▁Zielwort0l… ')).toBe(true);
    });
  }

  it('scrolls: offsets select the window and are clamped at the ends', () => {
    const map = renderHeatmap(
      { attention, sourcePieces, targetPieces },
      { style: 'shade', width: 80, maxRows: 10, rowOffset: 25, colOffset: 1000 },
    );
    expect(map.rowFrom).toBe(20);
    expect(map.rowTo).toBe(30);
    expect(map.colTo).toBe(S);
    expect(map.lines[map.lines.length - 1]).toContain(`rows 21–30 of ${T}`);
    // Row 29 puts its 0.8 on source position ⌊29·40/30⌋ = 38, inside the window: level 4.
    expect(map.levels[9]![38 - map.colFrom]).toBe(4);
  });

  it('staggers long column labels over two lines', () => {
    const map = renderHeatmap(
      {
        attention: rows([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]),
        sourcePieces: ['▁international', '▁cooperation', '▁is', '▁essential'],
        targetPieces: ['a', 'b'],
      },
      { style: 'shade', width: 80 },
    );
    // Cells are 6 wide (the maximum); labels take up to 2·6 − 1 = 11 columns on alternating lines.
    expect(map.lines[0]).toBe('     ▁internati… ▁is');
    expect(map.lines[1]).toBe('           ▁cooperati… ▁essential');
    expect(map.lines[2]).toBe(`a    ${'▒'.repeat(12)}${' '.repeat(12)}`);
  });
});

describe('renderHeatmap measures labels as the terminal draws them', () => {
  /** Column (in terminal cells) at which `label` starts in `line`. */
  const columnOf = (line: string, label: string) => stringWidth(line.slice(0, line.indexOf(label)));

  it('wide characters (CJK, emoji) do not push the column labels or the cells', () => {
    // 猫 and 東京 are two columns per character, 🦊 is two columns: one code point each.
    const sourcePieces = ['猫', 'が', '東京', '🦊', 'ab', '。'];
    const attention = rows([1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0]);
    const map = renderHeatmap(
      { attention, sourcePieces, targetPieces: ['ネコ', 'x', '🦊🦊🦊🦊🦊🦊🦊'] },
      { style: 'shade', width: 80 },
    );
    // Cells: the widest label (東京, 4 columns) + 1 = 5; row labels as wide as the widest, at most 12.
    const labelW = 12;
    const cw = 5;
    const head = map.lines[0]!;
    sourcePieces.forEach((p, j) => expect(columnOf(head, p)).toBe(labelW + 1 + j * cw));
    expect(columnOf(head, '</s>')).toBe(labelW + 1 + 6 * cw);
    // Every matrix row starts its cells at the same column, whatever its label.
    for (const line of map.lines.slice(1, 4)) expect(columnOf(line, '█')).toBeGreaterThanOrEqual(labelW + 1);
    expect(columnOf(map.lines[1]!, '█')).toBe(labelW + 1);
    expect(columnOf(map.lines[2]!, '█')).toBe(labelW + 1 + 2 * cw);
    expect(columnOf(map.lines[3]!, '█')).toBe(labelW + 1 + 5 * cw);
    // The long emoji label is cut to 12 columns: 5 foxes (10 columns) and "…".
    expect(map.lines[3]!.startsWith('🦊🦊🦊🦊🦊… ')).toBe(true);
    for (const line of map.lines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
  });

  it('a long sentence at 120 columns keeps every header label within the 120 columns', () => {
    // Labels alternate over two lines, 2·cell − 1 columns each; the last ones meet the right edge.
    const words = (
      'international cooperation between neighbouring countries remains essential for lasting peace and shared ' +
      'prosperity across borders despite growing tensions economic uncertainty political disagreements historical ' +
      'grievances environmental pressures and demographic change throughout'
    ).split(' ');
    const pieces = Array.from({ length: 60 }, (_, j) => `▁w${j}x`); // 60 pieces: cropped to the columns that fit
    for (const [sourcePieces, targetPieces] of [
      [words, ['a', 'b', 'c', 'd']],
      [pieces, ['abcde', 'b', 'c', 'd']],
    ] as const) {
      const S = sourcePieces.length + 1;
      const attention = targetPieces.map((_, i) => {
        const r = new Float32Array(S).fill(0);
        r[i] = 1;
        return r;
      });
      const indent = Math.max(4, ...targetPieces.map((t) => t.length)) + 1;
      for (const width of [120, 100, 80]) {
        const map = renderHeatmap({ attention, sourcePieces, targetPieces }, { style: 'shade', width });
        for (const line of map.lines) expect(stringWidth(line), `at ${width}: ${line}`).toBeLessThanOrEqual(width);
        // Each shown column is labelled from its own cell on: the whole piece, or its start and "…".
        const cw = columnOf(map.lines[3]!, '█') - columnOf(map.lines[2]!, '█');
        for (let j = map.colFrom; j < map.colTo; j++) {
          const k = j - map.colFrom;
          const shown = map.lines[k % 2]!.slice(indent + k * cw).split(' ')[0]!;
          const label = sourcePieces[j] ?? '</s>';
          expect(
            shown === label || (shown.endsWith('…') && label.startsWith(shown.slice(0, -1))),
            `column ${j}: ${shown}`,
          ).toBe(true);
        }
      }
    }
  });
});
