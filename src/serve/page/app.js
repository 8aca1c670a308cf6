// The translation page: reads /frontend/settings and /languages, then translates the text with
// POST /translate (as any LibreTranslate client does) when the button is pressed or typing pauses.
const $ = (id) => document.getElementById(id);
const source = $('source');
const pair = $('pair');
const translation = $('translation');
const alternatives = $('alternatives');
const error = $('error');
const status = $('status');
let settings = { charLimit: -1, frontendTimeout: 500, keyRequired: false };
let pending = null;
let typing = null;

async function getJson(path) {
  const res = await fetch(path);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? body.status ?? `${res.status} ${res.statusText}`);
  return body;
}

function showError(message) {
  error.textContent = message ? `Error: ${message}` : '';
}

function updateCount() {
  const n = [...source.value].length;
  $('count').textContent = settings.charLimit > 0 ? `${n} / ${settings.charLimit}` : String(n);
}

async function translate() {
  const text = source.value;
  if (text.trim() === '' || pair.value === '') {
    translation.textContent = '';
    alternatives.replaceChildren();
    $('alternatives-box').hidden = true;
    return;
  }
  const [from, to] = pair.value.split('>');
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  status.textContent = 'Translating…';
  try {
    const body = { q: text, source: from, target: to, format: 'text', alternatives: 3, api_key: $('api-key').value };
    const res = await fetch('/translate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const reply = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
    if (!res.ok) throw new Error(reply.error ?? `${res.status} ${res.statusText}`);
    translation.textContent = reply.translatedText;
    const alts = reply.alternatives ?? [];
    alternatives.replaceChildren(...alts.map((a) => Object.assign(document.createElement('li'), { textContent: a })));
    $('alternatives-box').hidden = alts.length === 0;
    showError('');
    status.textContent = 'Done';
  } catch (err) {
    if (err.name === 'AbortError') return;
    showError(err.message);
    status.textContent = '';
  } finally {
    if (pending === controller) pending = null;
  }
}

async function start() {
  try {
    settings = await getJson('/frontend/settings');
    $('api-key-field').hidden = !settings.keyRequired;
    const languages = await getJson('/languages');
    const names = new Map(languages.map((l) => [l.code, l.name]));
    for (const l of languages) {
      for (const t of l.targets) {
        const option = new Option(`${l.name} → ${names.get(t) ?? t}`, `${l.code}>${t}`);
        pair.add(option);
      }
    }
    const first = settings.language;
    if (first) pair.value = `${first.source.code}>${first.target.code}`;
    pair.disabled = false;
    status.textContent = 'Ready';
  } catch (err) {
    showError(`the server is not ready (${err.message}); reload the page in a moment`);
    status.textContent = '';
  }
}

source.addEventListener('input', () => {
  updateCount();
  clearTimeout(typing);
  typing = setTimeout(translate, settings.frontendTimeout);
});
pair.addEventListener('change', translate);
$('translate').addEventListener('click', translate);
start();
