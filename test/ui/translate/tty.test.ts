/**
 * The interactive translator in a real terminal (tmux), on a fake translator: raw-mode keys,
 * pasted lines, NO_COLOR drawing and a clean return to the shell. Needs tmux and a build (dist/).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasTmux, TmuxSession } from './tmux-driver.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/fake-repl.mjs', import.meta.url));
const built = existsSync(`${REPO}/dist/ui/translate/app.js`);
const tmux = hasTmux();
const reason = !tmux ? ' (skipped: tmux not found)' : !built ? ' (skipped: dist/ not built; run npm run build)' : '';

let session: TmuxSession | null = null;
afterEach(() => {
  session?.kill();
  session = null;
});

describe('interactive translator in tmux (fake translator)', () => {
  it.skipIf(!tmux || !built)(`translates, pastes, shows n-best and attention, reports errors, quits${reason}`, async () => {
    session = new TmuxSession();
    const s = session;
    s.start(`${JSON.stringify(process.execPath)} ${JSON.stringify(FIXTURE)}; echo "[exit $?]"; exec sleep 600`, { width: 80, height: 40, cwd: REPO, env: { NO_COLOR: '1', CI: 'true' } /* as CI runners set it: the live UI must still draw */ });
    await s.waitFor((l) => l.some((x) => x.includes('Type a sentence')), 'the header');

    s.type('the black cat');
    s.keys('Enter');
    await s.waitFor((l) => l.includes('  = CAT BLACK THE'), 'the translation');

    // A paste of two lines arrives as one chunk: two entries.
    s.type('one two\rthree four\r');
    await s.waitFor((l) => l.includes('  = FOUR THREE'), 'the pasted lines');
    expect(s.screenWithHistory()).toContain('  = TWO ONE');

    s.keys('Tab');
    const nb = await s.waitFor((l) => l.some((x) => x.startsWith('n-best (3 hypotheses')), 'the n-best list');
    expect(nb.filter((x) => /^ +\d\. +-\d+\.\d\d  /.test(x))).toEqual([' 1. -1.25  FOUR THREE', ' 2. -2.50  FOUR1 THREE1', ' 3. -3.75  FOUR2 THREE2']);

    s.keys('C-a');
    const heat = await s.waitFor((l) => l.some((x) => x.startsWith('legend (attention weight)')), 'the heatmap');
    const top = heat.findIndex((x) => x.startsWith('attention: output pieces'));
    expect(heat[top + 1]).toBe('      three four  </s>');
    expect(heat[top + 2]).toBe(`FOUR        ${'█'.repeat(6)}`);
    expect(heat[top + 3]).toBe(`THREE ${'█'.repeat(6)}`);

    s.type('boom');
    s.keys('Enter');
    await s.waitFor((l) => l.some((x) => x === '✗ translation failed: decoder exploded'), 'the error line');
    expect(s.screenWithHistory().join('\n')).not.toContain('decode.js');

    s.keys('Up');
    await s.waitFor((l) => l.some((x) => x === '› boom█'), 'the recalled line');
    s.keys('C-u');
    // wait for the cleared line before typing: once, in a clean-clone CI run, the screen showed
    // '› boom:quit' (C-u not applied before ':quit' arrived; cause not yet found, see issue #8's note)
    await s.waitFor((l) => l.some((x) => x === '› █'), 'the cleared line');
    s.type(':quit');
    s.keys('Enter');
    await s.waitFor((l) => l.includes('[exit 0]'), 'the shell after quitting');
    expect(s.screenWithHistory()).toContain('[repl closed]');
  });
});
