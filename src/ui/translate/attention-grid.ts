/**
 * The attention heatmap as lines of text: output pieces down the side (one row per output token),
 * source pieces across the top (one column per source position), each cell a shade of its weight
 * α[t][s] (the row t sums to 1 over s: it is the softmax the decoder used at step t).
 *
 * A weight is quantised to one of L levels:  level = min(L − 1, ⌊w · L⌋)
 * with w the weight itself (scale "absolute") or w / max_s α[t][s] (scale "row", which makes the
 * largest cell of every row the darkest). Three drawings: background colours (L = 10, light to
 * dark), shade characters " ░▒▓█" (L = 5, for NO_COLOR) and digits 0–9 (L = 10).
 *
 * Everything fits in `width` columns, measured as the terminal draws them (a CJK character or an
 * emoji is two columns wide): long pieces are abbreviated with "…", column labels are staggered over
 * two lines when they need more room than a cell (the last ones cut at the right edge), and a matrix
 * too large for the window is cropped to a window (rowOffset/colOffset) with a note saying what is shown.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { displayWidth, padToWidth, takeWidth, truncateToWidth } from '../shared/text-width.js';

export type HeatStyle = 'color' | 'shade' | 'digits';
export type HeatScale = 'absolute' | 'row';

export const SHADES = [' ', '░', '▒', '▓', '█'] as const;

/** Light to dark (ColorBrewer YlOrRd, 10 steps; level 0 is the lightest). */
export const HEAT_COLOURS = [
  '#ffffe5',
  '#fff7bc',
  '#fee391',
  '#fec44f',
  '#fe9929',
  '#ec7014',
  '#cc4c02',
  '#993404',
  '#7a2a03',
  '#4d1a02',
] as const;

export function levelsOf(style: HeatStyle): number {
  return style === 'shade' ? SHADES.length : 10;
}

/** level = min(L − 1, ⌊w · L⌋), w clamped to [0, 1] (NaN counts as 0). */
export function heatLevel(w: number, levels: number): number {
  const x = Number.isFinite(w) ? Math.min(1, Math.max(0, w)) : 0;
  return Math.min(levels - 1, Math.floor(x * levels));
}

export interface HeatmapInput {
  /** One row per output token, S weights each. */
  attention: readonly Float32Array[];
  sourcePieces: readonly string[];
  targetPieces: readonly string[];
}

export interface HeatmapOptions {
  /** Total width in terminal columns (default 80). */
  width?: number;
  /** Most matrix rows to draw (default 20). */
  maxRows?: number;
  rowOffset?: number;
  colOffset?: number;
  style?: HeatStyle;
  scale?: HeatScale;
  /** Chalk used for the colour style (default: colour level 3). */
  chalk?: ChalkInstance;
}

export interface Heatmap {
  lines: string[];
  /** The window drawn: rows [rowFrom, rowTo) of `rows`, columns [colFrom, colTo) of `cols`. */
  rowFrom: number;
  rowTo: number;
  rows: number;
  colFrom: number;
  colTo: number;
  cols: number;
  /** The offsets after clamping (so a caller can store them). */
  rowOffset: number;
  colOffset: number;
  /** The level drawn for each visible cell, [row][col] of the window (for tests and the legend). */
  levels: number[][];
}

/** Shortens to n columns, marking the cut with "…" (in one column there is no room for the mark). */
export function abbreviate(s: string, n: number): string {
  return n <= 1 ? takeWidth(s, n) : truncateToWidth(s, n);
}

/** Replaces characters that would upset the layout (control characters, tabs) by '·'. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '·');
}

const ROW_LABEL_MAX = 12;
const MIN_CELL = 2;
const MAX_CELL = 6;

export function renderHeatmap(input: HeatmapInput, opts: HeatmapOptions = {}): Heatmap {
  const width = Math.max(30, opts.width ?? 80);
  const style = opts.style ?? 'shade';
  const scale = opts.scale ?? 'absolute';
  const ch = opts.chalk ?? new Chalk({ level: 3 });
  const L = levelsOf(style);
  const rows = input.attention.length;
  const cols = rows > 0 ? input.attention[0]!.length : input.sourcePieces.length;

  const srcLabel = (j: number) =>
    printable(input.sourcePieces[j] ?? (j === input.sourcePieces.length ? '</s>' : `#${j + 1}`));
  const tgtLabel = (i: number) =>
    printable(input.targetPieces[i] ?? (i === input.targetPieces.length ? '</s>' : `#${i + 1}`));

  // Row labels: as wide as the longest visible piece, within [4, 12].
  const maxRows = Math.max(1, opts.maxRows ?? 20);
  const rowOffset = Math.max(0, Math.min(opts.rowOffset ?? 0, Math.max(0, rows - maxRows)));
  const rowTo = Math.min(rows, rowOffset + maxRows);
  let labelW = 4;
  for (let i = rowOffset; i < rowTo; i++) labelW = Math.max(labelW, displayWidth(tgtLabel(i)));
  labelW = Math.min(ROW_LABEL_MAX, labelW);

  // Cells: as wide as the longest source piece + 1 within [2, 6], narrowed until all columns fit.
  const avail = width - labelW - 1;
  let maxSrc = 1;
  for (let j = 0; j < cols; j++) maxSrc = Math.max(maxSrc, displayWidth(srcLabel(j)));
  let cw = Math.min(MAX_CELL, Math.max(3, maxSrc + 1));
  while (cw > MIN_CELL && cw * cols > avail) cw--;
  if (style === 'digits') cw = Math.max(cw, 2);
  const fitCols = Math.max(1, Math.floor(avail / cw));
  const colOffset = Math.max(0, Math.min(opts.colOffset ?? 0, Math.max(0, cols - fitCols)));
  const colTo = Math.min(cols, colOffset + fitCols);
  const shownCols = colTo - colOffset;

  const lines: string[] = [];
  const indent = ' '.repeat(labelW + 1);

  // Column labels: one line if every label fits in a cell (cw − 1 characters and a space),
  // otherwise staggered: even columns on the first line, odd ones on the second, 2·cw − 1 each.
  let oneLine = true;
  for (let j = colOffset; j < colTo; j++) if (displayWidth(srcLabel(j)) > cw - 1) oneLine = false;
  if (oneLine || shownCols === 1) {
    let head = '';
    for (let j = colOffset; j < colTo; j++) head += padToWidth(abbreviate(srcLabel(j), cw - 1), cw);
    lines.push((indent + head).trimEnd());
  } else {
    for (const parity of [0, 1]) {
      let head = '';
      for (let j = colOffset; j < colTo; j++) {
        const k = j - colOffset;
        if (k % 2 !== parity) continue;
        head = padToWidth(head, k * cw);
        // 2·cw − 1 columns, or what is left before the right edge for the last columns.
        head += abbreviate(srcLabel(j), Math.min(2 * cw - 1, avail - k * cw));
      }
      lines.push((indent + head).trimEnd());
    }
  }

  const levels: number[][] = [];
  for (let i = rowOffset; i < rowTo; i++) {
    const row = input.attention[i]!;
    let rowMax = 0;
    for (let j = 0; j < row.length; j++) if (row[j]! > rowMax) rowMax = row[j]!;
    const lv: number[] = [];
    let cells = '';
    for (let j = colOffset; j < colTo; j++) {
      const w = scale === 'row' ? (rowMax > 0 ? row[j]! / rowMax : 0) : row[j]!;
      const level = heatLevel(w, L);
      lv.push(level);
      cells += drawCell(level, cw, style, ch);
    }
    levels.push(lv);
    lines.push(`${padToWidth(abbreviate(tgtLabel(i), labelW), labelW)} ${cells}`);
  }

  lines.push(legend(style, scale, ch));
  const notes: string[] = [];
  if (rowOffset > 0 || rowTo < rows) notes.push(`rows ${rowOffset + 1}–${rowTo} of ${rows} (PgUp/PgDn)`);
  if (colOffset > 0 || colTo < cols) notes.push(`columns ${colOffset + 1}–${colTo} of ${cols} (Shift-←/→)`);
  if (notes.length > 0) lines.push(abbreviate(`showing ${notes.join(', ')}`, width));

  return { lines, rowFrom: rowOffset, rowTo, rows, colFrom: colOffset, colTo, cols, rowOffset, colOffset, levels };
}

function drawCell(level: number, cw: number, style: HeatStyle, ch: ChalkInstance): string {
  if (style === 'shade') return SHADES[level]!.repeat(cw);
  if (style === 'digits') return padToWidth(' '.repeat(Math.floor((cw - 1) / 2)) + String(level), cw);
  return ch.bgHex(HEAT_COLOURS[level]!)(' '.repeat(cw));
}

/** The scale, drawn with the same cells as the matrix. */
export function legend(style: HeatStyle, scale: HeatScale, ch: ChalkInstance = new Chalk({ level: 3 })): string {
  const what = scale === 'row' ? 'weight / row max' : 'attention weight';
  let text: string;
  if (style === 'shade') {
    // " " <.2  "░" <.4  ...  "█" ≥.8
    const parts = SHADES.map((s, k) =>
      k < SHADES.length - 1
        ? `${s.repeat(2)} <${fmt((k + 1) / SHADES.length)}`
        : `${s.repeat(2)} ≥${fmt(k / SHADES.length)}`,
    );
    text = `legend (${what}): ${parts.join('  ')}`;
  } else if (style === 'digits') {
    text = `legend (${what}): digit d means d/10 ≤ w < (d+1)/10 (9: w ≥ .9)`;
  } else {
    const bar = HEAT_COLOURS.map((c) => ch.bgHex(c)('  ')).join('');
    text = `legend (${what}): 0 ${bar} 1  (each step .1)`;
  }
  return text;
}

function fmt(x: number): string {
  return x.toFixed(1).replace(/^0/, '');
}
