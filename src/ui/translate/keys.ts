/**
 * Keys to actions: what one input event from Ink (`useInput`'s input string and key flags) asks the
 * interactive translator to do, as a list of actions in order. Pure, so the key map is tested
 * without a terminal. Several keys can arrive in one chunk when they are sent faster than they are
 * read (e.g. Ctrl-U then ":quit"), and a paste arrives as one chunk with its line breaks.
 */
import type { Key } from 'ink';
import type { LineEdit, Panels, TranslateAction } from './translate-state.js';

/** Ctrl-A … Ctrl-Z as raw bytes, except Tab, LF and CR (which a paste carries as text). */
const CONTROL_KEY = /[\x01-\x08\x0b\x0c\x0e-\x1a]/;
const CONTROL_KEYS_SPLIT = new RegExp(`(${CONTROL_KEY.source})`);

/** Ctrl-letter → action: C and D quit; N, A, T toggle panels; U, E, H edit the line. */
const PANEL_KEYS: Readonly<Record<string, keyof Panels>> = { n: 'nbest', a: 'attention', t: 'tokens' };
const LINE_KEYS: Readonly<Record<string, LineEdit>> = { u: 'clear', e: 'end', h: 'backspace' };

function controlKey(letter: string): TranslateAction[] {
  if (letter === 'c' || letter === 'd') return [{ type: 'quit' }];
  if (PANEL_KEYS[letter]) return [{ type: 'toggle', panel: PANEL_KEYS[letter] }];
  if (LINE_KEYS[letter]) return [{ type: 'edit', edit: LINE_KEYS[letter] }];
  return [];
}

const edit = (e: LineEdit): TranslateAction[] => [{ type: 'edit', edit: e }];

export function keyActions(input: string, key: Partial<Key>): TranslateAction[] {
  if (input.length > 1 && CONTROL_KEY.test(input)) {
    // Control keys and text in one chunk: each applied in its place.
    return input
      .split(CONTROL_KEYS_SPLIT)
      .filter((part) => part !== '')
      .flatMap((part): TranslateAction[] => {
        if (CONTROL_KEY.test(part)) return controlKey(String.fromCharCode(part.charCodeAt(0) + 96));
        // A Tab alone between control keys was pressed, not pasted (Tab then Ctrl-A in one read).
        return part === '\t' ? [{ type: 'toggle', panel: 'nbest' }] : [{ type: 'type', text: part }];
      });
  }
  if (key.return) return [{ type: 'submit' }];
  // A paste with line breaks: every complete line is translated on its own.
  if (input.length > 1 && /[\r\n]/.test(input)) return [{ type: 'type', text: input }];
  if (key.upArrow) return key.shift ? [{ type: 'scroll', scroll: { target: 'nbest', by: -1 } }] : edit('historyUp');
  if (key.downArrow) return key.shift ? [{ type: 'scroll', scroll: { target: 'nbest', by: 1 } }] : edit('historyDown');
  if (key.pageUp || key.pageDown) return [{ type: 'scroll', scroll: { target: 'page', by: key.pageUp ? -1 : 1 } }];
  if ((key.leftArrow || key.rightArrow) && key.shift) {
    return [{ type: 'scroll', scroll: { target: 'heatCols', by: key.leftArrow ? -4 : 4 } }];
  }
  if (key.leftArrow) return edit('left');
  if (key.rightArrow) return edit('right');
  if (key.home) return edit('home');
  if (key.end) return edit('end');
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
  if (key.backspace || key.delete) return edit('backspace');
  if (key.tab) return [{ type: 'toggle', panel: 'nbest' }];
  if (key.escape) return [{ type: 'hidePanels' }];
  if (key.ctrl) return controlKey(input);
  if (key.meta || input === '') return [];
  return [{ type: 'type', text: input }];
}
