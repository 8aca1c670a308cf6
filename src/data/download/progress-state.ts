/**
 * The state of the transfer in progress, folded from download events by a pure reducer (the
 * renderer in src/cli/corpus-progress.ts draws it). The rate is an exponential moving average
 * of the instantaneous rate with a time constant of RATE_TAU_MS, so a bar's rate and ETA follow a
 * changing connection without jumping at every chunk:
 *   rate ← rate + (1 − e^(−Δt/τ)) · (Δbytes/Δt − rate);   ETA = (total − received) / rate
 */
import type { DownloadEvent } from './events.js';

export const RATE_TAU_MS = 2000;

export interface TransferView {
  name: string;
  /** Bytes on disk (including a resumed prefix). */
  received: number;
  total?: number;
  /** Bytes already there when this transfer started (a resume). */
  resumedFrom: number;
  startedAt: number;
  at: number;
  /** Bytes per second (moving average); 0 until a second sample. */
  rate: number;
  /** Seconds left, when the total and a rate are known. */
  eta?: number;
  done: boolean;
}

export function foldTransfer(view: TransferView | undefined, e: DownloadEvent): TransferView | undefined {
  switch (e.type) {
    case 'start':
      return {
        name: e.name,
        received: e.offset,
        total: e.total,
        resumedFrom: e.offset,
        startedAt: e.at,
        at: e.at,
        rate: 0,
        done: false,
      };
    case 'progress': {
      if (!view || view.name !== e.name) return view;
      const dt = e.at - view.at;
      if (dt <= 0) return { ...view, received: e.received, total: e.total };
      const instant = ((e.received - view.received) * 1000) / dt;
      const rate = view.rate === 0 ? instant : view.rate + (1 - Math.exp(-dt / RATE_TAU_MS)) * (instant - view.rate);
      const eta = e.total !== undefined && rate > 0 ? Math.max(0, (e.total - e.received) / rate) : undefined;
      return { ...view, received: e.received, total: e.total, at: e.at, rate, eta };
    }
    case 'done':
      return view && view.name === e.name ? { ...view, received: e.bytes, at: e.at, eta: 0, done: true } : view;
    case 'retry':
      return undefined;
    default:
      return view;
  }
}

/** The mean rate of a finished (or running) transfer, in bytes per second. */
export const meanRate = (v: TransferView): number =>
  v.at > v.startedAt ? ((v.received - v.resumedFrom) * 1000) / (v.at - v.startedAt) : 0;
