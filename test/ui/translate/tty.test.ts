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
  it.skipIf(!tmux || !built)(
    `translates, pastes, shows n-best and attention, reports errors, quits${reason}`,
    async () => {
      session = new TmuxSession();
      const s = session;
      s.start(`${JSON.stringify(process.execPath)} ${JSON.stringify(FIXTURE)}; echo "[exit $?]"; exec sleep 600`, {
        width: 80,
        height: 40,
        cwd: REPO,
        env: { NO_COLOR: '1', CI: 'true' } /* as CI runners set it: the live UI must still draw */,
      });
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
      expect(nb.filter((x) => /^ +\d\. +-\d+\.\d\d {2}/.test(x))).toEqual([
        ' 1. -1.25  FOUR THREE',
        ' 2. -2.50  FOUR1 THREE1',
        ' 3. -3.75  FOUR2 THREE2',
      ]);

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
    },
  );

  it.skipIf(!tmux || !built)(
    `a panel taller than the screen: cut to fit, scrolled, and the transcript intact after it closes${reason}`,
    async () => {
      session = new TmuxSession();
      const s = session;
      s.start(`${JSON.stringify(process.execPath)} ${JSON.stringify(FIXTURE)}; echo "[exit $?]"; exec sleep 600`, {
        width: 80,
        height: 20,
        cwd: REPO,
        env: { NO_COLOR: '1' },
      });
      await s.waitFor((l) => l.some((x) => x.includes('Type a sentence')), 'the header');
      for (const [source, translation] of [
        ['one two', 'TWO ONE'],
        ['three four five', 'FIVE FOUR THREE'],
        ['six seven', 'SEVEN SIX'],
      ]) {
        s.type(source);
        s.keys('Enter');
        await s.waitFor((l) => l.includes(`  = ${translation}`), translation);
      }
      s.type(':nbest 30');
      s.keys('Enter');
      s.type('a b c d e f g h');
      s.keys('Enter');
      await s.waitFor((l) => l.some((x) => x.startsWith('n-best (30 hypotheses')), 'the n-best list');
      s.keys('C-a');
      await s.waitFor(
        (l) => l.some((x) => x.startsWith('legend (attention weight)')),
        'the heatmap under the n-best list',
      );
      s.keys('Escape');
      await s.waitFor((l) => !l.some((x) => x.startsWith('legend') || x.startsWith('n-best')), 'the panels closed');
      // The next frame after a frame as tall as the screen is where Ink ≤ 7.1.0 erased a line too many.
      s.type('x');
      await s.waitFor(() => s.screen().includes('› x█'), 'the next frame');
      s.keys('C-u');
      await s.waitFor(() => s.screen().includes('› █'), 'the input line cleared');
      // The last entry is still on the screen, just above the input line; no transcript line was lost or repeated.
      const all = s.screenWithHistory();
      for (const line of [
        '  = TWO ONE',
        '  = FIVE FOUR THREE',
        '  = SEVEN SIX',
        '› a b c d e f g h',
        '  = H G F E D C B A',
      ]) {
        expect(
          all.filter((x) => x === line),
          line,
        ).toHaveLength(1);
      }
      const after = s.screen().filter((x) => x !== '');
      expect(after.slice(-4)).toEqual([
        '› a b c d e f g h',
        '  = H G F E D C B A',
        '› █',
        expect.stringMatching(/^\[beam 30 · n-best 30\]/),
      ]);

      // Both panels fit on the 20-row screen, under the entry they describe; the n-best list scrolls.
      s.keys('Tab', 'C-a');
      await s.waitFor(
        (l) => l.some((x) => x.startsWith('legend (attention weight)')) && l.some((x) => x.startsWith('showing 1–')),
        'both panels again',
      );
      const screen = s.screen();
      expect(screen).toContain('› a b c d e f g h');
      expect(screen).toContain('  = H G F E D C B A');
      expect(screen.filter((x) => x.startsWith('n-best (30 hypotheses'))).toHaveLength(1);
      s.keys('S-Down', 'S-Down');
      const scrolled = () => s.screen().some((x) => /^showing 3–\d+ of 30 /.test(x));
      await s.waitFor(scrolled, 'the n-best list scrolled by two');
      expect(s.screen().find((x) => x.startsWith(' 3. '))).toBe(' 3.  -3.75  H2 G2 F2 E2 D2 C2 B2 A2');
      s.keys('Escape');
      // (an Esc followed at once by text reads as Alt and a letter: wait for it to take effect first)
      await s.waitFor(() => !s.screen().some((x) => x.startsWith('legend')), 'the panels closed again');

      // Resizing the terminal lays the heatmap out again: at 50 columns not all 27 columns fit.
      s.type(
        [
          'alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike',
          'november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu',
        ].join(' '),
      );
      s.keys('Enter', 'C-a');
      await s.waitFor((l) => l.some((x) => x.startsWith('legend (attention weight)')), 'the heatmap of the long line');
      expect(s.screen().some((x) => x.includes('columns 1–'))).toBe(false);
      s.resize(50, 20);
      // (the note is cut at the screen edge after the shown columns)
      await s.waitFor(
        () => s.screen().some((x) => /^showing rows .*, columns 1–\d+ /.test(x)),
        'the heatmap laid out for 50 columns',
      );
      s.resize(80, 20);
      await s.waitFor(
        () => s.screen().some((x) => x.startsWith('legend')) && !s.screen().some((x) => x.includes('columns 1–')),
        'the heatmap laid out for 80 columns',
      );
      s.type(':q');
      s.keys('Enter');
      await s.waitFor((l) => l.includes('[exit 0]'), 'the shell after quitting');
    },
  );
});
