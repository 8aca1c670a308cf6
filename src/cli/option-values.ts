/**
 * Command-line option values, read one way for every command.
 *   integerFlag: decimal digits only (so '', '2.5', '1e3', '0x10', '+3' and '-1' are refused, where
 *     Number() would accept some of them), at least `min` and, for a size (src/model/size-limits.ts),
 *     at most `max`. The error is the one line the CLI prints: "--beam must be an integer ≥ 1, got
 *     '0'", "--beam must be an integer from 1 to 64, got '1000000000'" (exit 2).
 *   numberFlag: a finite number ≥ 0 ('' and 'abc' refused), at most `max` if given: "--length-penalty
 *     must be a number ≥ 0, got ''".
 *   collect: commander's accumulator for a repeatable option (`--model A --model B` → [A, B]).
 */
import { InputError } from '../errors.js';

export function integerFlag(name: string, value: string, min = 1, max?: number): number {
  const n = Number(value);
  const digits = /^\s*\d+\s*$/.test(value);
  if (max !== undefined && digits && n > max) {
    throw new InputError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  if (!digits || !Number.isSafeInteger(n) || n < min) {
    throw new InputError(`${name} must be an integer ≥ ${min}, got '${value}'`);
  }
  return n;
}

export function numberFlag(name: string, value: string, max?: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InputError(`${name} must be a number ≥ 0, got '${value}'`);
  if (max !== undefined && n > max) throw new InputError(`${name} must be a number from 0 to ${max}, got '${value}'`);
  return n;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
