/**
 * The input line with its cursor: an inverse cell in colour; without colour (where inverse is off
 * too) a block "█" at the end of the line or a bar "▏" before the character under the cursor.
 * It always takes one screen line: a line wider than the screen shows the window around the
 * cursor, with "…" where it is cut.
 */
import type React from 'react';
import { Text } from 'ink';
import { displayWidth, takeWidth, takeWidthFromEnd } from '../shared/text-width.js';
import type { LineState } from './line-editor.js';

export interface InputWindow {
  before: string;
  /** The character under the cursor, if any. */
  at: string | undefined;
  after: string;
  /** Text is cut off on the left / on the right. */
  left: boolean;
  right: boolean;
}

/** The part of the line shown in `width` columns, the cursor always inside it. */
export function inputWindow(text: string, cursor: number, width: number): InputWindow {
  const before = text.slice(0, cursor);
  const rest = Array.from(text.slice(cursor));
  const at = rest[0];
  const after = rest.slice(1).join('');
  // The cursor cell, and one column for the bar drawn before it without colour.
  const room = width - displayWidth(at ?? ' ') - 1;
  if (displayWidth(before) + displayWidth(after) <= room) return { before, at, after, left: false, right: false };
  // Keep up to a quarter of the room for what follows the cursor, the rest for what precedes it.
  const afterW = Math.min(displayWidth(after), Math.floor(room / 4));
  const left = displayWidth(before) > room - afterW;
  const shownBefore = left ? takeWidthFromEnd(before, room - afterW - 1) : before;
  const space = room - displayWidth(shownBefore) - (left ? 1 : 0);
  const right = displayWidth(after) > space;
  return { before: shownBefore, at, after: right ? takeWidth(after, space - 1) : after, left, right };
}

export function InputLine({
  state,
  colour,
  width,
}: {
  state: LineState;
  colour: boolean;
  width: number;
}): React.ReactElement {
  const w = inputWindow(state.text, state.cursor, width - 2);
  const cursor = colour ? <Text inverse>{w.at ?? ' '}</Text> : w.at === undefined ? '█' : `▏${w.at}`;
  return (
    <Text wrap="truncate-end">
      <Text color="blue" bold>
        {'› '}
      </Text>
      {w.left ? '…' : ''}
      {w.before}
      {cursor}
      {w.after}
      {w.right ? '…' : ''}
    </Text>
  );
}
