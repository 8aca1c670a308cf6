/**
 * docs/DESIGN.md §2 is true to the code: every directory of src/ is one of its layers, every import
 * between layers points downwards in its list (static and lazy `import()` alike), and no core layer
 * imports a terminal, UI or HTTP package (only cli/, ui/ and serve/ may).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const design = readFileSync(new URL('../../docs/DESIGN.md', import.meta.url), 'utf8');

/** The layers of §2, top (imports the most) to bottom. */
function layers(): string[] {
  const section = design.slice(design.indexOf('## 2. Layers'), design.indexOf('## 3.'));
  const block = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
  return [...block.matchAll(/^([a-z]+)\/\s/gm)].map((m) => m[1]);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** Every module a file imports: `from '…'`, `import('…')`, `export … from '…'`. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]);
}

const layerOf = (file: string): string | null => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : null;
};

describe('docs/DESIGN.md layers', () => {
  const order = layers();

  it('lists every directory of src/ as a layer', () => {
    expect(order.length).toBeGreaterThanOrEqual(10);
    const dirs = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    for (const d of dirs) expect(order, `src/${d}/ is not in docs/DESIGN.md §2`).toContain(d);
  });

  it('every import between layers points downwards', () => {
    const wrong: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      if (from === null) continue;
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), spec));
        if (to === null || to === from) continue;
        if (order.indexOf(to) < order.indexOf(from)) {
          wrong.push(`${relative(SRC, file)} imports ${spec} (${from}/ → ${to}/)`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('only cli/, ui/ and serve/ import commander, Ink, React or an HTTP framework', () => {
    const outer = new Set(['cli', 'ui', 'serve']);
    const banned = /^(commander|ink|ink-.*|react|react-.*|express|fastify|hono|@hono\/.*|koa|@fastify\/.*)$/;
    const wrong = files(SRC)
      .filter((f) => !outer.has(layerOf(f) ?? ''))
      .flatMap((f) =>
        imports(f)
          .filter((s) => banned.test(s))
          .map((s) => `${relative(SRC, f)} imports ${s}`),
      );
    expect(wrong).toEqual([]);
  });

  // the formatter keeps code within 120 columns but never breaks a string or a comment: this keeps those too
  it('no line of src/ is over 120 characters', () => {
    const long = files(SRC).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => ([...line].length > 120 ? [`${relative(SRC, f)}:${i + 1}`] : [])),
    );
    expect(long).toEqual([]);
  });
});
