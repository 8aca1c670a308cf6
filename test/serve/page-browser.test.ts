/**
 * The web page in a real browser: Debian's chromium driven by playwright-core types a sentence
 * into the page and reads the translation back; it must be what `seq2seq translate` gives. Skipped,
 * with the reason printed, where chromium is not installed or cannot start.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServeFixtures, startServe, translateCli, type Served, type ServeFixtures } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium with a fresh profile (--user-data-dir) in the test's own temporary directory. */
async function launch(): Promise<{ browser: BrowserContext | null; reason: string }> {
  if (!existsSync(CHROMIUM))
    return { browser: null, reason: `${CHROMIUM} is not installed (apt-get install chromium)` };
  try {
    const profile = mkdtempSync(join(tmpdir(), 'seq2seq-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: FLAGS,
      timeout: 30_000,
    });
    return { browser, reason: '' };
  } catch (err) {
    return { browser: null, reason: `chromium cannot start: ${(err as Error).message.split('\n')[0]}` };
  }
}

const started = await launch();
if (!started.browser) console.warn(`skipping the browser test: ${started.reason}`);

describe.skipIf(!started.browser)('the web page in chromium', () => {
  let fx: ServeFixtures;
  let server: Served;
  const browser = started.browser!;
  beforeAll(async () => {
    fx = await buildServeFixtures();
    server = await startServe(fx.dir, ['--model', fx.enDe]);
  });
  afterAll(async () => {
    await browser.close();
    expect(await server?.stop()).toBe(0);
  });

  it('typing a sentence shows its translation; a server error shows on the error line', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (document.getElementById('pair') as HTMLSelectElement).disabled === false);
    expect(await page.locator('#pair').inputValue()).toBe('en>de');
    // no --api-keys: no key field
    expect(await page.locator('#api-key').isVisible()).toBe(false);
    const text = `${fx.en[0]} ${fx.en[1]}`;
    await page.locator('#source').pressSequentially(text, { delay: 5 });
    const expected = (await translateCli(fx.dir, fx.enDe, [text], ['--split-sentences']))[0];
    await expect.poll(() => page.locator('#translation').textContent(), { timeout: 20_000 }).toBe(expected);
    expect(await page.locator('#error').textContent()).toBe('');
    // over the character limit: the server's 400 appears on the error line
    await page.locator('#source').fill('a'.repeat(5001));
    await page.locator('#translate').click();
    await expect
      .poll(() => page.locator('#error').textContent(), { timeout: 20_000 })
      .toBe('Error: Invalid request: request (5001) exceeds text limit (5000)');
  });
});
