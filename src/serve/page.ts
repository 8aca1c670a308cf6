/**
 * The translation web page at "/": three static files (page/index.html, page/app.js,
 * page/style.css) read once at start-up and served from memory by the same process; no build step
 * and no second server. The page talks to the API like any other client (/frontend/settings,
 * /languages, /translate).
 */
import { readFileSync } from 'node:fs';

export interface PageFile {
  path: string;
  contentType: string;
  body: string;
}

/** The page's directory: src/serve/page of the package, from src/serve or dist/serve alike. */
const PAGE_DIR = new URL('../../src/serve/page/', import.meta.url);

const FILES: [path: string, file: string, contentType: string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/page/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/page/style.css', 'style.css', 'text/css; charset=utf-8'],
];

export function loadPage(): PageFile[] {
  return FILES.map(([path, file, contentType]) => ({
    path,
    contentType,
    body: readFileSync(new URL(file, PAGE_DIR), 'utf8'),
  }));
}
