/**
 * Request limits and fields: the moving-window rate limiter (hand-driven clock), the API keys file,
 * form line ends as Python's splitlines() makes them, and the LibreTranslate field rules.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiKeys } from '../../src/serve/api-keys.js';
import { RateLimiter } from '../../src/serve/rate-limit.js';
import { normalizeFormLines, requestFields, translateFields } from '../../src/serve/request-fields.js';

describe('RateLimiter', () => {
  it('allows `limit` units per 60 s per client, counted over a moving window', () => {
    let now = 1_000_000;
    const r = new RateLimiter(3, () => now);
    expect(r.take('a').ok).toBe(true);
    now += 20_000;
    expect(r.take('a', 2).ok).toBe(true);
    expect(r.take('b').ok).toBe(true); // another client has its own window
    const refused = r.take('a');
    // the oldest unit leaves the window 40 s from now
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 40 });
    now += 40_000;
    expect(r.take('a').ok).toBe(true);
    expect(r.take('a').ok).toBe(false);
  });

  it('forgets clients whose window emptied (memory follows the last minute)', () => {
    let now = 0;
    const r = new RateLimiter(5, () => now);
    for (let i = 0; i < 1000; i++) r.take(`client-${i}`);
    expect(r.size).toBe(1000);
    now += 61_000;
    r.take('late');
    expect(r.size).toBe(1);
  });
});

describe('readApiKeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seq2seq-keys-'));
  it('one key per line; comments and blank lines ignored; errors name the file and line', () => {
    writeFileSync(join(dir, 'k'), '# team\nabc\n\n  def  \r\n');
    expect([...readApiKeys(join(dir, 'k'))]).toEqual(['abc', 'def']);
    writeFileSync(join(dir, 'empty'), '# none\n\n');
    expect(() => readApiKeys(join(dir, 'empty'))).toThrow(/empty: no API keys/);
    writeFileSync(join(dir, 'bad'), 'abc\nd e\n');
    expect(() => readApiKeys(join(dir, 'bad'))).toThrow(/bad:2: a key cannot contain spaces/);
    expect(() => readApiKeys(join(dir, 'missing'))).toThrow(/missing: no such file/);
  });
});

describe('request fields', () => {
  it('form line ends as Python splitlines() + "\\n".join: a trailing line end is dropped', () => {
    // "\n".join("a\r\nb\rc\n".splitlines()) == "a\nb\nc"; "x\u2028y".splitlines() == ["x", "y"]
    expect(normalizeFormLines('a\r\nb\rc\n')).toBe('a\nb\nc');
    expect(normalizeFormLines('x\u2028y\x0bz')).toBe('x\ny\nz');
    expect(normalizeFormLines('one')).toBe('one');
  });

  it('form fields come over the query string, the first value of a repeated field counts', () => {
    const f = requestFields({
      body: { q: ['first', 'second'], target: 'de' },
      query: { source: 'en', target: 'fr' },
      isJson: false,
    });
    expect(f).toEqual({ q: 'first', source: 'en', target: 'de' });
  });

  it('alternatives: JSON numbers are cut toward zero, text must be a whole number, below 0 is 0', () => {
    const base = { q: 'x', source: 'en', target: 'de' };
    expect(translateFields({ ...base, alternatives: 2.9 }, true).alternatives).toBe(2);
    expect(translateFields({ ...base, alternatives: ' 3 ' }, false).alternatives).toBe(3);
    expect(translateFields({ ...base, alternatives: -4 }, true).alternatives).toBe(0);
    expect(() => translateFields({ ...base, alternatives: '2.5' }, false)).toThrow(
      /alternatives parameter is not a number/,
    );
    expect(translateFields(base, true)).toEqual({ ...base, format: 'text', alternatives: 0 });
  });
});
