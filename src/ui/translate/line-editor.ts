/**
 * The input line: text, cursor and history (↑/↓), as pure functions of an immutable state, so the
 * key handling is testable without a terminal. Positions count UTF-16 code units of whole code
 * points (the cursor never splits a surrogate pair).
 */

export interface LineState {
  text: string;
  cursor: number;
  /** Submitted lines, oldest first (consecutive duplicates collapsed). */
  history: string[];
  /** Index into history while browsing with ↑/↓, or null when editing a fresh line. */
  browsing: number | null;
  /** The unfinished line that ↑ left behind, restored by ↓ past the newest entry. */
  draft: string;
}

export const emptyLine: LineState = { text: '', cursor: 0, history: [], browsing: null, draft: '' };

const MAX_HISTORY = 500;

export function insertText(s: LineState, str: string): LineState {
  const text = s.text.slice(0, s.cursor) + str + s.text.slice(s.cursor);
  return { ...s, text, cursor: s.cursor + str.length };
}

function prevBoundary(text: string, i: number): number {
  if (i <= 0) return 0;
  const c = text.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

function nextBoundary(text: string, i: number): number {
  if (i >= text.length) return text.length;
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? i + 2 : i + 1;
}

export function backspace(s: LineState): LineState {
  if (s.cursor === 0) return s;
  const from = prevBoundary(s.text, s.cursor);
  return { ...s, text: s.text.slice(0, from) + s.text.slice(s.cursor), cursor: from };
}

export function deleteForward(s: LineState): LineState {
  if (s.cursor >= s.text.length) return s;
  const to = nextBoundary(s.text, s.cursor);
  return { ...s, text: s.text.slice(0, s.cursor) + s.text.slice(to) };
}

export function moveLeft(s: LineState): LineState {
  return { ...s, cursor: prevBoundary(s.text, s.cursor) };
}

export function moveRight(s: LineState): LineState {
  return { ...s, cursor: nextBoundary(s.text, s.cursor) };
}

export function moveHome(s: LineState): LineState {
  return { ...s, cursor: 0 };
}

export function moveEnd(s: LineState): LineState {
  return { ...s, cursor: s.text.length };
}

export function clearLine(s: LineState): LineState {
  return { ...s, text: '', cursor: 0, browsing: null };
}

/** ↑: the previous history entry (the current text is kept as a draft when browsing starts). */
export function historyUp(s: LineState): LineState {
  if (s.history.length === 0) return s;
  const idx = s.browsing === null ? s.history.length - 1 : Math.max(0, s.browsing - 1);
  const draft = s.browsing === null ? s.text : s.draft;
  const text = s.history[idx]!;
  return { ...s, browsing: idx, draft, text, cursor: text.length };
}

/** ↓: the next history entry, or back to the draft after the newest one. */
export function historyDown(s: LineState): LineState {
  if (s.browsing === null) return s;
  if (s.browsing >= s.history.length - 1) {
    return { ...s, browsing: null, text: s.draft, cursor: s.draft.length, draft: '' };
  }
  const idx = s.browsing + 1;
  const text = s.history[idx]!;
  return { ...s, browsing: idx, text, cursor: text.length };
}

/** Records a submitted line in the history (blank lines and repeats of the newest are skipped). */
export function remember(history: string[], line: string): string[] {
  if (line.trim() === '' || history[history.length - 1] === line) return history;
  const next = [...history, line];
  return next.length > MAX_HISTORY ? next.slice(next.length - MAX_HISTORY) : next;
}

/** Enter: returns the line to run and a fresh state whose history includes it. */
export function submit(s: LineState): { line: string; state: LineState } {
  const line = s.text;
  return { line, state: { text: '', cursor: 0, history: remember(s.history, line), browsing: null, draft: '' } };
}

/**
 * Typed or pasted input that may hold line breaks (a paste arrives as one chunk): every complete
 * line (the current text plus the chunk up to each break) is submitted, in order; what follows the
 * last break stays on the input line.
 */
export function insertChunk(s: LineState, chunk: string): { lines: string[]; state: LineState } {
  const parts = chunk.replace(/\r\n/g, '\n').replace(/\r/g, '\n').split('\n');
  if (parts.length === 1) return { lines: [], state: insertText(s, chunk) };
  const lines: string[] = [];
  let state = insertText(s, parts[0]!);
  for (let i = 1; i < parts.length; i++) {
    state = moveEnd(state);
    const r = submit(state);
    lines.push(r.line);
    state = insertText(r.state, parts[i]!);
  }
  return { lines, state };
}
