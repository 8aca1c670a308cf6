import { describe, expect, it } from 'vitest';
import { collect, integerFlag, numberFlag } from '../../src/cli/option-values.js';
import { InputError } from '../../src/errors.js';

describe('integerFlag: one rule for integer options in every command', () => {
  it('accepts plain decimal integers at or above the minimum (surrounding spaces allowed)', () => {
    expect(integerFlag('--beam', '5')).toBe(5);
    expect(integerFlag('--beam', ' 12 ')).toBe(12);
    expect(integerFlag('--seed', '0', 0)).toBe(0);
    expect(integerFlag('--vocab-size', '5', 5)).toBe(5);
    expect(integerFlag('--n', '9007199254740991', 1)).toBe(Number.MAX_SAFE_INTEGER);
  });

  // Each of these is a number to Number() (all but 'abc', '-1' and '3' below the minimum), so a
  // check on Number() alone would let them through as 0, 16, 1000, 3 or 2.5.
  it.each([
    ['', 1],
    ['   ', 0],
    ['2.5', 1],
    ['1e3', 1],
    ['0x10', 1],
    ['+3', 1],
    ['-1', 0],
    ['abc', 1],
    ['0', 1],
    ['3', 5],
    ['9007199254740993', 1],
  ])("refuses '%s' (minimum %d) with the one-line message", (value, min) => {
    let caught: unknown;
    try {
      integerFlag('--flag', value, min);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toBe(`--flag must be an integer ≥ ${min}, got '${value}'`);
  });
});

describe('collect: a repeatable option', () => {
  it('appends each value in the order given, starting from nothing or from a default', () => {
    expect(collect('a', undefined)).toEqual(['a']);
    expect(collect('b', collect('a', undefined))).toEqual(['a', 'b']);
    const previous = ['x'];
    expect(collect('y', previous)).toEqual(['x', 'y']);
    expect(previous).toEqual(['x']); // not mutated: commander keeps the default array
  });
});

describe('numberFlag: a number ≥ 0 (length penalty, length ratios)', () => {
  it('accepts decimals and exponents at or above 0', () => {
    expect(numberFlag('--length-penalty', '1.8')).toBe(1.8);
    expect(numberFlag('--length-penalty', '0')).toBe(0);
    expect(numberFlag('--max-length-ratio', '2e0')).toBe(2);
  });

  // '' and '  ' are 0 to Number(), so a check on Number() alone would let them through.
  it.each(['', '  ', '-0.5', 'abc', 'Infinity', 'NaN'])("refuses '%s' with the one-line message", (value) => {
    expect(() => numberFlag('--length-penalty', value)).toThrow(InputError);
    expect(() => numberFlag('--length-penalty', value)).toThrow(
      `--length-penalty must be a number ≥ 0, got '${value}'`,
    );
  });
});
