/**
 * Backend selection. `getBackend()` is what every layer calls for its kernels.
 * The TypeScript backend (./js-backend.ts) is the reference; the native backend (./native.ts)
 * overrides what it implements. SEQ2SEQ_BACKEND=js|native forces a choice (default: native when
 * the addon loads); SEQ2SEQ_THREADS=n sets the kernel threads (default: all CPUs).
 * Core code never prints: a problem with the requested backend is kept as `backendWarning()`
 * for the CLI to show.
 */
import type { Backend } from './backend.js';
import { jsBackend } from './js-backend.js';
import { loadNative, nativeKernels } from './native.js';

/** Why the current backend was chosen (reported by `seq2seq doctor`). */
export interface BackendSelection {
  name: 'js' | 'native';
  /** e.g. "native addon loaded", "SEQ2SEQ_BACKEND=js", "fallback: addon not built (…)". */
  reason: string;
  /** A one-line warning for the user (native requested but unavailable, bad env value), or null. */
  warning: string | null;
  /** Path of the addon tried, and its build flags when loaded. */
  addonPath: string;
  addonBuild: string | null;
}

let current: Backend | null = null;
let selection: BackendSelection | null = null;
let nativeBackend: Backend | null = null;

/** The native kernels over the TypeScript ones (methods the addon lacks come from jsBackend). */
export function createNativeBackend(): Backend | null {
  if (nativeBackend) return nativeBackend;
  const load = loadNative();
  if (!load.addon) return null;
  nativeBackend = { ...jsBackend, ...nativeKernels(load.addon), name: 'native' };
  return nativeBackend;
}

function parseThreads(raw: string | undefined): { n: number | null; warning: string | null } {
  if (raw === undefined || raw === '') return { n: null, warning: null };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    return { n: null, warning: `SEQ2SEQ_THREADS=${raw} is not a positive integer; using the default` };
  return { n, warning: null };
}

/** Chooses the backend from the environment (once; `selectBackend` again re-reads it). */
export function selectBackend(env: NodeJS.ProcessEnv = process.env): BackendSelection {
  const requested = (env.SEQ2SEQ_BACKEND ?? '').trim().toLowerCase();
  const load = loadNative();
  const warnings: string[] = [];
  let chosen: Backend;
  let reason: string;
  if (requested !== '' && requested !== 'js' && requested !== 'native' && requested !== 'auto') {
    warnings.push(`SEQ2SEQ_BACKEND=${env.SEQ2SEQ_BACKEND} is not js or native; choosing automatically`);
  }
  const native = requested === 'js' ? null : createNativeBackend();
  if (requested === 'js') {
    chosen = jsBackend;
    reason = 'SEQ2SEQ_BACKEND=js';
  } else if (native) {
    chosen = native;
    reason = requested === 'native' ? 'SEQ2SEQ_BACKEND=native, addon loaded' : 'native addon loaded';
  } else {
    chosen = jsBackend;
    reason = `fallback: ${load.error}`;
    if (requested === 'native')
      warnings.push(
        `SEQ2SEQ_BACKEND=native requested but the native kernels are unavailable (${load.error}); using the ` +
          `TypeScript backend`,
      );
  }
  const threads = parseThreads(env.SEQ2SEQ_THREADS);
  if (threads.warning) warnings.push(threads.warning);
  if (threads.n !== null) chosen.setThreads(threads.n);
  current = chosen;
  selection = {
    name: chosen.name,
    reason,
    warning: warnings.length ? warnings.join('; ') : null,
    addonPath: load.path,
    addonBuild: load.addon ? load.addon.buildInfo() : null,
  };
  return selection;
}

export function getBackend(): Backend {
  if (!current) selectBackend();
  return current as Backend;
}

/** Replaces the backend for the whole process (tests compare backends with it). */
export function setBackend(b: Backend): void {
  current = b;
}

/** How the backend in use was chosen (selects it first if nothing has yet). */
export function backendSelection(): BackendSelection {
  if (!selection) selectBackend();
  return selection as BackendSelection;
}

/** The warning the CLI should print once (native requested but unavailable, bad env value), or null. */
export function backendWarning(): string | null {
  return backendSelection().warning;
}

/** Sets the kernel threads of the backend in use (the native pool; the TS backend only records it). */
export function setThreads(n: number): void {
  getBackend().setThreads(n);
}

export type { Backend } from './backend.js';
