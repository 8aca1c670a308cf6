/**
 * Every error answer of the real server, with LibreTranslate's status codes and `{"error": …}`
 * bodies: 400 (bad or missing fields, unsupported languages, over --char-limit / --batch-limit,
 * malformed JSON), 403 (--api-keys: missing or wrong key), 404, 413 (over --body-limit), 429
 * (over --req-limit, with Retry-After). The server keeps answering normally after each.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { buildServeFixtures, postJson, startServe, translateCli, type Served, type ServeFixtures } from './fixtures.js';

let fx: ServeFixtures;
let keyed: Served;
let limited: Served;

beforeAll(async () => {
  fx = await buildServeFixtures();
  writeFileSync(join(fx.dir, 'keys.txt'), '# keys of the test\nkey-one\n\n  key-two  \n');
  const limits = ['--char-limit', '60', '--batch-limit', '3', '--body-limit', '2000'];
  [keyed, limited] = await Promise.all([
    startServe(fx.dir, ['--model', fx.enDe, '--api-keys', 'keys.txt', ...limits]),
    startServe(fx.dir, ['--model', fx.enDe, '--req-limit', '3']),
  ]);
});
afterAll(async () => {
  expect(await keyed?.stop()).toBe(0);
  expect(await limited?.stop()).toBe(0);
});

const translate = (body: unknown) => postJson(`${keyed.url}/translate`, body);
const ok = { q: 'a dog runs .', source: 'en', target: 'de', api_key: 'key-one' };

describe('403 with --api-keys', () => {
  it('a missing, empty or wrong key is refused; a listed key (JSON or form) is accepted', async () => {
    const { api_key: _, ...noKey } = ok;
    for (const body of [noKey, { ...ok, api_key: '' }, { ...ok, api_key: null }]) {
      expect(await translate(body)).toMatchObject({
        status: 403,
        json: { error: 'Please contact the server operator to get an API key' },
      });
    }
    expect(await translate({ ...ok, api_key: 'key-three' })).toMatchObject({
      status: 403,
      json: { error: 'Invalid API key' },
    });
    const expected = (await translateCli(fx.dir, fx.enDe, [ok.q], ['--split-sentences']))[0];
    expect(await translate(ok)).toMatchObject({ status: 200, json: { translatedText: expected } });
    const form = await fetch(`${keyed.url}/translate`, {
      method: 'POST',
      body: new URLSearchParams({ ...ok, api_key: 'key-two' }),
    });
    expect(form.status).toBe(200);
    const detect = await postJson(`${keyed.url}/detect`, { q: 'a dog' });
    expect(detect.status).toBe(403);
    const settings = (await (await fetch(`${keyed.url}/frontend/settings`)).json()) as Record<string, unknown>;
    expect(settings).toMatchObject({ apiKeys: true, keyRequired: true, charLimit: 60 });
  });
});

describe('400', () => {
  const cases: [string, unknown, string][] = [
    ['missing q', { ...ok, q: undefined }, 'Invalid request: missing q parameter'],
    ['empty q', { ...ok, q: '' }, 'Invalid request: missing q parameter'],
    ['q of the wrong type', { ...ok, q: 5 }, 'Invalid request: q must be a string or an array of strings'],
    ['q array with a number', { ...ok, q: ['a', 2] }, 'Invalid request: q must be a string or an array of strings'],
    ['missing source', { ...ok, source: undefined }, 'Invalid request: missing source parameter'],
    ['missing target', { ...ok, target: '' }, 'Invalid request: missing target parameter'],
    [
      'alternatives not a number',
      { ...ok, alternatives: 'three' },
      'Invalid request: alternatives parameter is not a number',
    ],
    ['an unknown format', { ...ok, format: 'pdf' }, 'pdf format is not supported'],
    ['an unknown source', { ...ok, source: 'xx' }, 'xx is not supported'],
    ['an unknown target', { ...ok, target: 'fr' }, 'fr is not supported'],
    [
      'a pair without a model',
      { ...ok, source: 'de', target: 'de' },
      'German (de) is not available as a target language from German (de)',
    ],
    [
      'a text over --char-limit 60',
      { ...ok, q: 'a'.repeat(61) },
      'Invalid request: request (61) exceeds text limit (60)',
    ],
    [
      'a q array over --batch-limit 3',
      { ...ok, q: ['a', 'b', 'c', 'd'] },
      'Invalid request: request (4) exceeds text limit (3)',
    ],
    ['a JSON body that is not an object', [1, 2], 'Invalid JSON format'],
  ];
  for (const [name, body, error] of cases) {
    it(name, async () => {
      const r = await translate(body);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error });
    });
  }

  it('the char limit counts characters (code points), not UTF-16 units or bytes', async () => {
    expect((await translate({ ...ok, q: '€'.repeat(60) })).status).toBe(200);
    expect((await translate({ ...ok, q: '😀'.repeat(60) })).status).toBe(200);
    expect((await translate({ ...ok, q: '😀'.repeat(61) })).status).toBe(400);
  });

  it('malformed JSON is a 400 with an error line, and the server goes on', async () => {
    const res = await fetch(`${keyed.url}/translate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"q": "a dog", ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/JSON/);
    expect((await translate(ok)).status).toBe(200);
  });
});

describe('404, 413', () => {
  it('an unknown path is a 404 with an error body', async () => {
    const res = await fetch(`${keyed.url}/translate_file`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not Found' });
  });

  it('a body over --body-limit (JSON, form or multipart) is a 413, and the server goes on', async () => {
    const big = 'a dog runs . '.repeat(200);
    const json = await translate({ ...ok, q: big });
    expect(json.status).toBe(413);
    expect(json.json.error).toMatch(/too large/i);
    const form = await fetch(`${keyed.url}/translate`, {
      method: 'POST',
      body: new URLSearchParams({ ...ok, q: big }),
    });
    expect(form.status).toBe(413);
    const multipart = new FormData();
    for (const [k, v] of Object.entries({ ...ok, q: big })) multipart.append(k, v);
    const mp = await fetch(`${keyed.url}/translate`, { method: 'POST', body: multipart });
    expect(mp.status).toBe(413);
    expect((await translate(ok)).status).toBe(200);
  });
});

describe('429 with --req-limit', () => {
  it('the 4th request in a minute from one address: 429 with Retry-After; /languages is not limited', async () => {
    const body = { q: 'a dog runs .', source: 'en', target: 'de' };
    for (let i = 0; i < 3; i++) expect((await postJson(`${limited.url}/translate`, body)).status).toBe(200);
    const r = await postJson(`${limited.url}/translate`, body);
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: 'Slowdown: 3 per 1 minute' });
    const retry = Number(r.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await postJson(`${limited.url}/detect`, { q: 'a dog' })).status).toBe(429);
    expect((await fetch(`${limited.url}/languages`)).status).toBe(200);
    expect(limited.log()).toMatch(/POST \/translate 429 /);
  });
});

describe('start-up problems: one line, exit 2, nothing left listening', () => {
  const run = (args: string[]) => runCli(['serve', '--port', '0', ...args], { cwd: fx.dir, timeoutMs: 30_000 });

  it('a missing run directory', async () => {
    const r = await run(['--model', 'no-such-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('seq2seq: no-such-run: run directory not found\n');
  });

  it('a run that does not say its languages, unless the pair is given', async () => {
    cpSync(fx.enDe, join(fx.dir, 'unnamed'), { recursive: true });
    const config = JSON.parse(readFileSync(join(fx.dir, 'unnamed', 'config.json'), 'utf8')) as {
      training: Record<string, unknown>;
    };
    delete config.training.src;
    delete config.training.tgt;
    writeFileSync(join(fx.dir, 'unnamed', 'config.json'), JSON.stringify(config));
    const r = await run(['--model', 'unnamed']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^seq2seq serve: listening on http:\/\/127\.0\.0\.1:\d+ \(loading 1 model\)\n/);
    const last = r.stderr.trimEnd().split('\n').pop();
    const why = 'the run does not say its languages (trained without --src/--tgt)';
    expect(last).toBe(`seq2seq: unnamed: ${why}; name them: --model en:de=unnamed`);
  });

  it('an API keys file without keys, a bad option value', async () => {
    writeFileSync(join(fx.dir, 'nokeys.txt'), '# nobody\n');
    expect(await run(['--model', fx.enDe, '--api-keys', 'nokeys.txt'])).toMatchObject({
      code: 2,
      stderr: 'seq2seq: nokeys.txt: no API keys (one key per line)\n',
    });
    expect(await run(['--model', fx.enDe, '--log-format', 'xml'])).toMatchObject({
      code: 2,
      stderr: "seq2seq: --log-format must be plain or json, got 'xml'\n",
    });
    expect(await run(['--model', fx.enDe, '--char-limit', '0'])).toMatchObject({
      code: 2,
      stderr: "seq2seq: --char-limit must be an integer ≥ 1, got '0'\n",
    });
  });

  it('two models for one pair', async () => {
    const r = await run(['--model', fx.enDe, '--model', `en:de=${fx.deEn}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/seq2seq: .*run-de-en: a second model for en→de \(.*run-en-de has it already\)\n$/);
  });
});
