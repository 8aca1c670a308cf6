#!/usr/bin/env node
/**
 * Writes the settings table of docs/training.md from the one declaration of the settings
 * (src/train/options.ts, through dist/: run `npm run build` first). test/train/options-table.test.ts
 * fails when the page and the declaration disagree; this script makes them agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const page = fileURLToPath(new URL('../docs/training.md', import.meta.url));
const { replaceTable, trainOptionsMarkdown, TABLE_START, TABLE_END } = await import(
  '../dist/train/options-markdown.js'
);
const text = readFileSync(page, 'utf8');
const next = replaceTable(text, trainOptionsMarkdown());
if (next === null) {
  process.stderr.write(`${page}: the markers ${TABLE_START} and ${TABLE_END} are missing\n`);
  process.exit(2);
}
if (next !== text) writeFileSync(page, next);
process.stdout.write(`${page}: ${next === text ? 'already up to date' : 'settings table written'}\n`);
