/**
 * The HTTP side in-process (buildApp with a decoder of the test's making), for what a real model
 * cannot be made to do on demand: a decoding failure (500, LibreTranslate's "Cannot translate
 * text: …") and requests while the models are still loading (503 with Retry-After; /health
 * "loading"). The access log lines of both are checked too.
 */
import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/serve/model-registry.js';
import type { ServeOptions } from '../../src/serve/options.js';
import { buildApp } from '../../src/serve/server.js';

const options: ServeOptions = {
  models: [{ dir: 'unused', source: 'en', target: 'de' }],
  host: '127.0.0.1',
  port: 0,
  decoding: { beam: 5 },
  maxBatch: 8,
  maxWaitMs: 1,
  maxQueue: 64,
  timeoutMs: 5000,
  charLimit: -1,
  batchLimit: -1,
  reqLimit: -1,
  apiKeys: null,
  bodyLimit: 1 << 20,
  logFormat: 'json',
};

const registry = new ModelRegistry([
  {
    key: '0',
    source: 'en',
    target: 'de',
    dir: 'unused',
    encodeSource: (t: string) => Int32Array.from(t, (c) => c.charCodeAt(0)),
  },
]);

describe('buildApp', () => {
  it('a decoding failure is a 500 {"error": "Cannot translate text: …"}, logged as such', async () => {
    const lines: string[] = [];
    const { app } = await buildApp(
      options,
      { decode: () => Promise.reject(new Error('out of memory')), registry: () => registry },
      (l) => lines.push(l),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/translate',
      payload: { q: 'a cat', source: 'en', target: 'de' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'Cannot translate text: out of memory' });
    expect(JSON.parse(lines[0])).toMatchObject({
      method: 'POST',
      url: '/translate',
      status: 500,
      sentences: 1,
      error: 'Cannot translate text: out of memory',
    });
    await app.close();
  });

  it('while the models load: 503 with Retry-After on /translate, "loading" on /health', async () => {
    const { app } = await buildApp(
      options,
      { decode: () => Promise.resolve([]), registry: () => null },
      () => undefined,
    );
    const res = await app.inject({
      method: 'POST',
      url: '/translate',
      payload: { q: 'a cat', source: 'en', target: 'de' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ error: 'the models are still loading' });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'loading' });
    await app.close();
  });

  it('decodes through the batcher: the reply is assembled from the decoder output, sentence by sentence', async () => {
    const seen: string[][] = [];
    const decode = async (_key: string, sentences: string[]) => {
      seen.push(sentences);
      return sentences.map((s) => [s.toUpperCase()]);
    };
    const { app } = await buildApp(options, { decode, registry: () => registry }, () => undefined);
    const q = ['One. Two?', '  three  '];
    const res = await app.inject({ method: 'POST', url: '/translate', payload: { q, source: 'en', target: 'de' } });
    expect(res.json()).toEqual({ translatedText: ['ONE. TWO?', '  THREE  '] });
    expect(seen).toEqual([['One.', 'Two?', 'three']]);
    await app.close();
  });
});
