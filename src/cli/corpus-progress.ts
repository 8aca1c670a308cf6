/**
 * Draws the download events of `corpus get` on stderr: on a terminal, one bar redrawn in place
 * (name, bar, percent, bytes, rate, ETA); otherwise plain lines (a start line, a progress line at
 * most every PLAIN_EVERY_MS, a done line), which is what logs and CI see.
 */
import type { DownloadEvent, OnEvent } from '../data/download/events.js';
import { foldTransfer, meanRate, type TransferView } from '../data/download/progress-state.js';

const PLAIN_EVERY_MS = 5000;
const BAR_WIDTH = 24;

/** 1234567 → "1.2 MB" (decimal units, as download tools print). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** Seconds as m:ss (or h:mm:ss). */
export function formatEta(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The one-line bar of a transfer. */
export function barLine(v: TransferView): string {
  const frac = v.total ? Math.min(1, v.received / v.total) : undefined;
  const filled = frac === undefined ? 0 : Math.round(frac * BAR_WIDTH);
  const bar =
    frac === undefined
      ? ''
      : `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  `;
  const size = v.total ? `${formatBytes(v.received)} / ${formatBytes(v.total)}` : formatBytes(v.received);
  const rate = v.rate > 0 ? `  ${formatBytes(v.rate)}/s` : '';
  const eta = v.eta !== undefined && v.rate > 0 ? `  ETA ${formatEta(v.eta)}` : '';
  return `${v.name}  ${bar}${size}${rate}${eta}`;
}

export interface ProgressRenderer {
  onEvent: OnEvent;
  /** Ends a bar in progress (before an error line). */
  finish(): void;
}

export function progressRenderer(out: NodeJS.WritableStream & { isTTY?: boolean }, prefix = 'get'): ProgressRenderer {
  const tty = out.isTTY === true;
  let view: TransferView | undefined;
  let barShown = false;
  let lastPlain = 0;
  const line = (s: string) => {
    if (barShown) out.write('\r\x1b[2K');
    barShown = false;
    out.write(`${prefix}: ${s}\n`);
  };
  const redraw = () => {
    if (!view) return;
    out.write(`\r\x1b[2K${barLine(view)}`);
    barShown = true;
  };
  const onEvent = (e: DownloadEvent) => {
    view = foldTransfer(view, e);
    switch (e.type) {
      case 'start': {
        const from = new URL(e.url).host;
        const size = e.total !== undefined ? ` (${formatBytes(e.total)})` : '';
        const resumed = e.offset > 0 ? `, resuming at ${formatBytes(e.offset)}` : '';
        if (tty) redraw();
        else line(`downloading ${e.name} from ${from}${size}${resumed}`);
        lastPlain = e.at;
        break;
      }
      case 'progress':
        if (tty) redraw();
        else if (view && e.at - lastPlain >= PLAIN_EVERY_MS) {
          lastPlain = e.at;
          const pct = view.total ? ` ${Math.floor((100 * view.received) / view.total)}%` : '';
          line(
            `${e.name}${pct}: ${formatBytes(view.received)}` +
              `${view.total ? ` of ${formatBytes(view.total)}` : ''}, ${formatBytes(view.rate)}/s`,
          );
        }
        break;
      case 'done': {
        const secs = view ? (view.at - view.startedAt) / 1000 : 0;
        const rate = view ? `, ${formatBytes(meanRate(view))}/s` : '';
        line(`${e.name}: ${formatBytes(e.bytes)} in ${secs.toFixed(1)} s${rate}, sha256 ${e.sha256.slice(0, 12)}…`);
        view = undefined;
        break;
      }
      case 'retry':
        line(
          `${e.name}: ${e.reason}; retrying in ${(e.delayMs / 1000).toFixed(1)} s ` +
            `(attempt ${e.attempt} of ${e.attempts}${e.kept > 0 ? `, resuming from ${formatBytes(e.kept)}` : ''})`,
        );
        break;
      case 'cached':
        line(`${e.name}: from the cache (${formatBytes(e.bytes)}, sha256 verified)`);
        break;
      case 'note':
        line(e.message);
        if (tty) redraw();
        break;
    }
  };
  return {
    onEvent,
    finish: () => {
      if (barShown) out.write('\n');
      barShown = false;
    },
  };
}
