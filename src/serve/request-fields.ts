/**
 * The fields of a /translate or /detect request, read as LibreTranslate reads them: from a JSON
 * object body, or from a form (urlencoded or multipart) merged with the query string; a form's `q`
 * is one text (the first when repeated) whose line ends are made "\n" as Python's splitlines would.
 * Every problem is a 400 with LibreTranslate's wording where it has one.
 */
import { ApiError, missingField } from './api-error.js';

export type TextFormat = 'text' | 'html';

export interface TranslateFields {
  q: string | string[];
  source: string;
  target: string;
  format: TextFormat;
  alternatives: number;
}

export interface RawRequest {
  /** The parsed body: an object for JSON and forms, anything else JSON may hold, undefined when empty. */
  body: unknown;
  query: unknown;
  /** The body was JSON (application/json). */
  isJson: boolean;
}

type Fields = Record<string, unknown>;

/** The request's fields: the JSON object, or the form's fields over the query string's. */
export function requestFields(req: RawRequest): Fields {
  if (req.isJson) {
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))
      throw new ApiError(400, 'Invalid JSON format');
    return req.body as Fields;
  }
  const fields: Fields = {};
  for (const source of [req.query, req.body]) {
    if (source === null || typeof source !== 'object') continue;
    for (const [k, v] of Object.entries(source as Fields)) fields[k] = Array.isArray(v) ? v[0] : v;
  }
  return fields;
}

/** The API key of a request (JSON `api_key` or form field), or undefined when absent or empty. */
export function apiKeyOf(fields: Fields): string | undefined {
  const key = fields.api_key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** Python's str.splitlines() boundaries; a trailing one ends the last line rather than starting another. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

export function normalizeFormLines(text: string): string {
  const lines = text.split(LINE_BREAKS);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** The text(s) to translate or detect: a non-empty string, or (JSON only) a non-empty array of strings. */
export function textsOf(fields: Fields, isJson: boolean): string | string[] {
  const q = fields.q;
  if (q === undefined || q === null || q === '' || (Array.isArray(q) && q.length === 0)) throw missingField('q');
  if (typeof q === 'string') return isJson ? q : normalizeFormLines(q);
  if (Array.isArray(q) && q.every((x) => typeof x === 'string')) return q as string[];
  throw new ApiError(400, 'Invalid request: q must be a string or an array of strings');
}

function languageField(fields: Fields, name: 'source' | 'target'): string {
  const v = fields[name];
  if (v === undefined || v === null || v === '') throw missingField(name);
  if (typeof v !== 'string') throw new ApiError(400, `Invalid request: ${name} must be a language code`);
  return v;
}

/** `alternatives`: a whole number as JSON or text (a JSON fraction is cut, as Python's int()); below 0 counts as 0. */
function alternativesField(fields: Fields): number {
  const v = fields.alternatives;
  if (v === undefined || v === null || v === '') return 0;
  let n: number;
  if (typeof v === 'number' && Number.isFinite(v)) n = Math.trunc(v);
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
  else throw new ApiError(400, 'Invalid request: alternatives parameter is not a number');
  return Math.max(0, n);
}

export function translateFields(fields: Fields, isJson: boolean): TranslateFields {
  const q = textsOf(fields, isJson);
  const source = languageField(fields, 'source');
  const target = languageField(fields, 'target');
  const alternatives = alternativesField(fields);
  const format = fields.format === undefined || fields.format === null || fields.format === '' ? 'text' : fields.format;
  if (format !== 'text' && format !== 'html') throw new ApiError(400, `${String(format)} format is not supported`);
  return { q, source, target, format, alternatives };
}
