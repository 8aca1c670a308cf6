/**
 * The few Python string behaviours sacreBLEU's results depend on, reproduced exactly:
 * `str.split()` / `str.rstrip()` (Python's Unicode whitespace set, which differs from JS `\s`),
 * iteration by code point, `f'{x:.Nf}'` formatting (round half to even on the exact binary value,
 * where JS `toFixed` rounds exact ties up), and `repr` of a float (as JSON output writes it).
 */

/** The characters Python's `str.isspace()` accepts (Py_UNICODE_ISSPACE). */
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_WS_TRAILING = new RegExp(`[${PY_WS}]+$`, 'u');

/** Python `s.split()`: split on runs of whitespace, no empty fields. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WS_RUN);
  if (parts.length > 0 && parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '');
}

/** Python `''.join(s.split())`: every whitespace character removed. */
export function pyRemoveWhitespace(s: string): string {
  return pySplit(s).join('');
}

/** The code points of s (Python indexes strings by code point; JS by UTF-16 unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/**
 * Python `f'{x:.{digits}f}'`. A tie (the exact binary value half-way between two decimals) can only
 * happen when x·2^(digits+1) is an integer; then x has at most digits+1 decimals, toFixed(digits+1)
 * is exact, and the tie is resolved to the even last digit.
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const scaled = x * 2 ** (digits + 1);
  if (Number.isInteger(scaled) && Math.abs(x) < 1e15) {
    const exact = Math.abs(x).toFixed(digits + 1);
    if (exact.endsWith('5')) {
      const head = exact.slice(0, -1).replace('.', '');
      // head is the truncated value as an integer string; round half to even.
      let n = BigInt(head);
      if (n % 2n === 1n) n += 1n;
      let s = n.toString().padStart(digits + 1, '0');
      s = digits > 0 ? `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}` : s;
      return (x < 0 ? '-' : '') + s;
    }
  }
  return x.toFixed(digits);
}

/**
 * Python `repr(x)` of a float, as `json.dumps` writes it: the shortest digits that read back as x
 * (as JS), but `48.0` for an integral value and the exponent form below 1e-4 (`1.5e-05`).
 */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp] = x.toExponential().split('e');
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}
