/**
 * Backend selection. `getBackend()` is what every layer calls for its kernels.
 * The TypeScript backend (./js-backend.ts) is the reference; the native backend (./native.ts)
 * overrides what it implements. SEQ2SEQ_BACKEND=js|native forces a choice.
 */
import type { Backend } from './backend.js';
import { jsBackend } from './js-backend.js';

let current: Backend | null = null;

export function getBackend(): Backend {
  if (!current) current = jsBackend;
  return current;
}

/** Replaces the backend for the whole process (tests compare backends with it). */
export function setBackend(b: Backend): void {
  current = b;
}

export type { Backend } from './backend.js';
