/**
 * The real `seq2seq serve` called the ways real clients call LibreTranslate: JSON bodies as
 * Mastodon sends them (q array, format html, api_key null), form bodies as Weblate sent them,
 * multipart as LibreTranslate's own page sends them, q arrays, alternatives, `auto`, /detect,
 * /languages, /frontend/settings, CORS, and the `libretranslate` npm client. Every translated text
 * is compared with `seq2seq translate` (--split-sentences; --n-best for alternatives) on the same
 * input with the same settings.
 */
import { createRequire } from 'node:module';
import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServeFixtures, postJson, startServe, translateCli, type Served, type ServeFixtures } from './fixtures.js';

type Node = DefaultTreeAdapterMap['node'];

let fx: ServeFixtures;
let server: Served;

beforeAll(async () => {
  fx = await buildServeFixtures();
  server = await startServe(fx.dir, ['--model', fx.enDe, '--model', fx.deEn]);
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

const ref = (lines: readonly string[], extra: string[] = []) =>
  translateCli(fx.dir, fx.enDe, lines, ['--split-sentences', ...extra]);

describe('POST /translate', () => {
  it('a JSON string q: the reply text is what seq2seq translate gives', async () => {
    const q = fx.en[0];
    const r = await postJson(`${server.url}/translate`, { q, source: 'en', target: 'de' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ translatedText: (await ref([q]))[0] });
  });

  it('a q array of multi-sentence texts: an array in order, each sentence translated and joined back', async () => {
    const q = [`${fx.en[1]} ${fx.en[2]}`, fx.en[3], `  ${fx.en[4]}\n${fx.en[5]}  `];
    const r = await postJson(`${server.url}/translate`, { q, source: 'en', target: 'de' });
    expect(r.status).toBe(200);
    const [first, second] = await ref([q[0], q[1]]);
    // the third text has two lines: translate sees them as two lines; the whitespace around is kept
    const third = await ref([`  ${fx.en[4]}`, `${fx.en[5]}  `]);
    expect(r.json.translatedText).toEqual([first, second, third.join('\n')]);
    expect((r.json.translatedText as string[])[2].startsWith('  ')).toBe(true);
  });

  it('as Mastodon sends it (JSON q array of HTML, api_key null): tags kept, text nodes translated', async () => {
    const q = [
      `<p>${fx.en[6]} <a href="https://example.org/@x" class="u-url mention">@<span>x</span></a></p>`,
      `<p>${fx.en[7]}<br>${fx.en[8]}</p>`,
    ];
    const r = await postJson(`${server.url}/translate`, {
      q,
      source: 'en',
      target: 'de',
      format: 'html',
      api_key: null,
    });
    expect(r.status).toBe(200);
    const out = r.json.translatedText as string[];
    expect(out).toHaveLength(2);
    for (let i = 0; i < q.length; i++) {
      const before = parseFragment(q[i]);
      const after = parseFragment(out[i]);
      expect(shape(after)).toEqual(shape(before));
      const srcTexts = texts(before);
      const expected = await ref(srcTexts.map((t) => (t.trim() === '' ? '' : t)));
      expect(texts(after)).toEqual(srcTexts.map((t, k) => (t.trim() === '' ? t : expected[k])));
    }
  });

  it('as Weblate sent it: a urlencoded form with an empty api_key', async () => {
    const body = new URLSearchParams({ api_key: '', q: fx.en[9], source: 'en', target: 'de' });
    const res = await fetch(`${server.url}/translate`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ translatedText: (await ref([fx.en[9]]))[0] });
  });

  it('as Weblate sends it now: JSON with a q array of units', async () => {
    const q = fx.en.slice(10, 16);
    const r = await postJson(`${server.url}/translate`, { api_key: '', q, source: 'en', target: 'de' });
    const expected = await ref(q);
    expect(r.json).toEqual({ translatedText: expected });
    // the fixture model is tiny but not constant: the comparison above has something to compare
    expect(new Set(expected).size).toBeGreaterThan(1);
  });

  it("as LibreTranslate's own page sends it: multipart form data", async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      q: fx.en[16],
      source: 'en',
      target: 'de',
      format: 'text',
      alternatives: '3',
      api_key: '',
    }))
      form.append(k, v);
    const res = await fetch(`${server.url}/translate`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { translatedText: string; alternatives: string[] };
    expect(json.translatedText).toBe((await ref([fx.en[16]]))[0]);
    expect(Array.isArray(json.alternatives)).toBe(true);
  });

  it('a form q keeps its lines, CRLF made LF as LibreTranslate does', async () => {
    const body = new URLSearchParams({ q: `${fx.en[17]}\r\n${fx.en[18]}`, source: 'en', target: 'de' });
    const res = await fetch(`${server.url}/translate`, { method: 'POST', body });
    expect(await res.json()).toEqual({ translatedText: (await ref([fx.en[17], fx.en[18]])).join('\n') });
  });

  it('alternatives N: the next N distinct hypotheses of the n-best list (seq2seq translate --n-best N+1)', async () => {
    for (const q of fx.en.slice(19, 23)) {
      const r = await postJson(`${server.url}/translate`, { q, source: 'en', target: 'de', alternatives: 3 });
      const jsonl = await translateCli(fx.dir, fx.enDe, [q], ['--n-best', '4', '--format', 'jsonl']);
      const hyps = (JSON.parse(jsonl[0]) as { hyps: { text: string }[] }).hyps.map((h) => h.text);
      const best = hyps[0];
      const distinct = hyps.slice(1).filter((h, i, all) => h !== best && h !== '' && all.indexOf(h) === i);
      expect(r.json).toEqual({ translatedText: best, alternatives: distinct });
    }
    const batch = await postJson(`${server.url}/translate`, {
      q: [fx.en[19], fx.en[20]],
      source: 'en',
      target: 'de',
      alternatives: '2',
    });
    expect((batch.json.alternatives as string[][]).length).toBe(2);
    const none = await postJson(`${server.url}/translate`, {
      q: fx.en[19],
      source: 'en',
      target: 'de',
      alternatives: 0,
    });
    expect(none.json).not.toHaveProperty('alternatives');
  });

  it('source auto: detected among the models into the target; detectedLanguage shaped as LibreTranslate', async () => {
    const r = await postJson(`${server.url}/translate`, { q: fx.en[23], source: 'auto', target: 'de' });
    expect(r.json).toEqual({
      translatedText: (await ref([fx.en[23]]))[0],
      detectedLanguage: { language: 'en', confidence: 100 },
    });
    const back = await postJson(`${server.url}/translate`, { q: [fx.de[0], fx.de[1]], source: 'auto', target: 'en' });
    const expected = await translateCli(fx.dir, fx.deEn, [fx.de[0], fx.de[1]], ['--split-sentences']);
    expect(back.json).toEqual({
      translatedText: expected,
      detectedLanguage: [
        { language: 'de', confidence: 100 },
        { language: 'de', confidence: 100 },
      ],
    });
  });
});

describe('the other endpoints', () => {
  it('GET /languages, also with the Content-Type header Mastodon sends on GET', async () => {
    const res = await fetch(`${server.url}/languages`, { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { code: 'de', name: 'German', targets: ['en'] },
      { code: 'en', name: 'English', targets: ['de'] },
    ]);
  });

  it('POST /detect: the language whose tokenizer encodes the text in the fewest tokens comes first', async () => {
    const de = await postJson(`${server.url}/detect`, { q: fx.de.slice(0, 5).join(' ') });
    const langs = de.json as unknown as { language: string; confidence: number }[];
    expect(langs.map((l) => l.language)).toEqual(['de', 'en']);
    expect(langs[0].confidence).toBeGreaterThan(langs[1].confidence);
    expect(langs[0].confidence + langs[1].confidence).toBeCloseTo(100, 0);
    const en = await fetch(`${server.url}/detect`, {
      method: 'POST',
      body: new URLSearchParams({ q: fx.en.slice(0, 5).join(' ') }),
    });
    expect(((await en.json()) as { language: string }[])[0].language).toBe('en');
  });

  it('GET /health and /frontend/settings', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const settings = (await (await fetch(`${server.url}/frontend/settings`)).json()) as Record<string, unknown>;
    expect(settings).toMatchObject({ charLimit: 5000, apiKeys: false, keyRequired: false, suggestions: false });
    expect(settings.language).toEqual({
      source: { code: 'en', name: 'English' },
      target: { code: 'de', name: 'German' },
    });
  });

  it('CORS headers as LibreTranslate sends them, and preflight requests are answered', async () => {
    const r = await postJson(
      `${server.url}/translate`,
      { q: fx.en[0], source: 'en', target: 'de' },
      { Origin: 'https://social.example' },
    );
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-expose-headers')).toBe('Authorization');
    const pre = await fetch(`${server.url}/translate`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://social.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(pre.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
    expect(pre.headers.get('access-control-max-age')).toBe(String(60 * 60 * 24 * 20));
  });

  it('the web page and its files are served by the same process', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<textarea id="source"');
    const js = await fetch(`${server.url}/page/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('the libretranslate npm client', () => {
  it('translates through this server (its apiurl pointed here)', async () => {
    const require = createRequire(import.meta.url);
    const { translate } = require('libretranslate') as {
      translate(o: { query: string; source: string; target: string; apiurl: string }): Promise<string>;
    };
    const out = await translate({ query: fx.en[24], source: 'en', target: 'de', apiurl: server.url });
    expect(out).toBe((await ref([fx.en[24]]))[0]);
    const auto = await translate({ query: fx.en[25], source: 'auto', target: 'de', apiurl: server.url });
    expect(auto).toBe((await ref([fx.en[25]]))[0]);
  });
});

/** Tag names, attributes and comments in document order (text left out). */
function shape(node: Node): unknown {
  if (node.nodeName === '#text') return '#text';
  if (node.nodeName === '#comment') return ['#comment', (node as DefaultTreeAdapterMap['commentNode']).data];
  const attrs = 'attrs' in node ? node.attrs : [];
  const children = 'childNodes' in node ? node.childNodes.map(shape) : [];
  return [node.nodeName, attrs, children];
}

function texts(node: Node): string[] {
  if (node.nodeName === '#text') return [(node as DefaultTreeAdapterMap['textNode']).value];
  return 'childNodes' in node ? node.childNodes.flatMap(texts) : [];
}
