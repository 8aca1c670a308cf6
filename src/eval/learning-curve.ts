/**
 * Validation score against minutes of training, from a run's history.jsonl, and a small
 * self-contained SVG line chart of it (no dependency; the README shows the file).
 *
 * Minutes are wall-clock from the first `start` event to each `eval` event (validation included,
 * as the trainer's --time-budget counts it). A resumed run (a second `start`) continues the clock
 * from the end of the previous session: the gap while nothing ran is left out.
 */

export interface CurvePoint {
  step: number;
  minutes: number;
  bleu: number;
  chrf: number;
  loss: number;
}

interface HistoryEvent {
  type?: string;
  time?: string;
  step?: number;
  bleu?: number | null;
  chrf?: number | null;
  loss?: number;
}

/** The evaluation points of a history (events as read from history.jsonl), in order. */
export function curveFromHistory(events: readonly HistoryEvent[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  let offset = 0; // minutes of earlier sessions
  let sessionStart: number | null = null;
  let lastSeen: number | null = null;
  for (const e of events) {
    const t = e.time === undefined ? NaN : Date.parse(e.time);
    if (!Number.isFinite(t)) continue;
    if (e.type === 'start') {
      if (sessionStart !== null && lastSeen !== null) offset += (lastSeen - sessionStart) / 60000;
      sessionStart = t;
    }
    if (sessionStart === null) continue;
    lastSeen = t;
    if (e.type === 'eval' && typeof e.bleu === 'number' && typeof e.step === 'number') {
      out.push({
        step: e.step,
        minutes: offset + (t - sessionStart) / 60000,
        bleu: e.bleu,
        chrf: typeof e.chrf === 'number' ? e.chrf : NaN,
        loss: e.loss ?? NaN,
      });
    }
  }
  return out;
}

/** 1, 2 or 5 times a power of ten: a step giving about `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

export interface Series {
  label: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.round(v * 100) / 100).toString();

/** A line chart: axes from 0 to a round number above the data, grid lines, one polyline per series. */
export function lineChartSvg(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 360;
  const m = { left: 56, right: 16, top: 36, bottom: 48 };
  const all = series.flatMap((s) => s.points);
  const xMax0 = Math.max(1e-9, ...all.map((p) => p[0]));
  const yMax0 = Math.max(1e-9, ...all.map((p) => p[1]));
  const xs = niceStep(xMax0);
  const ys = niceStep(yMax0);
  const xMax = Math.ceil(xMax0 / xs - 1e-9) * xs;
  const yMax = Math.ceil(yMax0 / ys - 1e-9) * ys;
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const toX = (x: number): number => m.left + (x / xMax) * pw;
  const toY = (y: number): number => m.top + ph - (y / yMax) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
  for (let i = 0; i * ys <= yMax + 1e-9; i++) {
    const y = toY(i * ys);
    parts.push(`<line x1="${m.left}" y1="${fmt(y)}" x2="${W - m.right}" y2="${fmt(y)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${m.left - 6}" y="${fmt(y + 4)}" text-anchor="end">${fmt(i * ys)}</text>`);
  }
  for (let i = 0; i * xs <= xMax + 1e-9; i++) {
    const x = toX(i * xs);
    parts.push(`<line x1="${fmt(x)}" y1="${m.top}" x2="${fmt(x)}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${fmt(x)}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(i * xs)}</text>`);
  }
  parts.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${W - m.right}" y2="${m.top + ph}" stroke="#000"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#000"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(
    `<text x="14" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ` +
      `${m.top + ph / 2})">${esc(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts = s.points.map((p) => `${fmt(toX(p[0]))},${fmt(toY(p[1]))}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>`);
    for (const p of s.points) parts.push(`<circle cx="${fmt(toX(p[0]))}" cy="${fmt(toY(p[1]))}" r="2.5" fill="${c}"/>`);
    parts.push(`<text x="${m.left + 10}" y="${m.top + 16 + 16 * i}" fill="${c}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
