/**
 * TrainState ↔ the files of last/train-state/: the optimiser's moments as tensors
 * (optimizer.safetensors), everything else as JSON (state.json). Float32 moments and JSON numbers
 * (shortest round-trip decimal) both restore bit-for-bit.
 */
import { InputError } from '../errors.js';
import type { SavedTrainState } from '../model/run-dir.js';
import type { TrainState } from './trainer.js';

export function serializeTrainState(s: TrainState): SavedTrainState {
  const { optimizer, ...rest } = s;
  const tensors = [...optimizer.tensors].map(([name, data]) => ({ name, shape: [data.length], data }));
  // NaN (an Rng's empty spare) is not JSON: encode it as null.
  const rngs = s.rngs.map((r) => r.map((x) => (Number.isNaN(x) ? null : x)));
  return { json: { ...rest, rngs, optimizer: { kind: optimizer.kind, t: optimizer.t } }, tensors };
}

export function deserializeTrainState(saved: SavedTrainState, where: string): TrainState {
  const j = saved.json as Record<string, unknown>;
  if (j.version !== 1) throw new InputError(`${where}: unknown train-state version ${JSON.stringify(j.version)}`);
  const opt = j.optimizer as { kind?: unknown; t?: unknown } | undefined;
  if (!opt || (opt.kind !== 'adam' && opt.kind !== 'sgd') || typeof opt.t !== 'number')
    throw new InputError(`${where}: optimizer: missing kind or step count`);
  for (const k of ['step', 'badSteps', 'trainSeconds', 'lastEvalStep']) {
    if (typeof j[k] !== 'number') throw new InputError(`${where}: ${k}: expected a number`);
  }
  if (!Number.isSafeInteger(j.step) || (j.step as number) < 0)
    throw new InputError(`${where}: step: expected a non-negative integer`);
  for (const k of ['batcher', 'schedule', 'earlyStopping']) {
    const v = j[k];
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${where}: ${k}: expected an object`);
    for (const [field, x] of Object.entries(v)) {
      if (x !== null && typeof x !== 'number' && typeof x !== 'string')
        throw new InputError(`${where}: ${k}.${field}: expected a number`);
    }
  }
  if (
    j.best !== null &&
    (typeof j.best !== 'object' ||
      Array.isArray(j.best) ||
      !['score', 'value', 'step'].every((f) => typeof (j.best as Record<string, unknown>)[f] === 'number'))
  ) {
    throw new InputError(`${where}: best: expected null or {score, value, step}`);
  }
  const rawRngs = j.rngs ?? [];
  if (
    !Array.isArray(rawRngs) ||
    !rawRngs.every((r) => Array.isArray(r) && r.every((x) => x === null || typeof x === 'number'))
  ) {
    throw new InputError(`${where}: rngs: expected arrays of numbers`);
  }
  const rngs = (rawRngs as (number | null)[][]).map((r) => r.map((x) => (x === null ? NaN : x)));
  return {
    ...(j as unknown as TrainState),
    rngs,
    optimizer: { kind: opt.kind, t: opt.t, tensors: new Map(saved.tensors.map((t) => [t.name, t.data])) },
  };
}
