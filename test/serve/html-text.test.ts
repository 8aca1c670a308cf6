/**
 * HTML translation (src/serve/html-text.ts): text nodes become sentences; tags, attributes,
 * comments, script/style/noscript and translate="no" stay; the result is well-formed and escaped.
 */
import { describe, expect, it } from 'vitest';
import { htmlText, plainText } from '../../src/serve/html-text.js';

const upper = (html: string) => {
  const t = htmlText(html);
  return { sentences: t.sentences, out: t.assemble(t.sentences.map((s) => s.toUpperCase())) };
};

describe('htmlText', () => {
  it('translates text nodes, keeps tags and attributes', () => {
    const r = upper('<p class="x">Hello <b title="keep me">world</b>. Bye.</p>');
    expect(r.sentences).toEqual(['Hello', 'world', '.', 'Bye.']);
    expect(r.out).toBe('<p class="x">HELLO <b title="keep me">WORLD</b>. BYE.</p>');
  });

  it('leaves script, style, noscript, comments and translate="no" alone', () => {
    const kept = '<script>var a = "x. y.";</script><style>p{}</style><!-- note. --><span translate="no">Brand.</span>';
    const r = upper(`<div>${kept} Text.</div>`);
    expect(r.sentences).toEqual(['Text.']);
    expect(r.out).toBe(`<div>${kept} TEXT.</div>`);
  });

  it('decodes entities for the model and escapes the translation', () => {
    const t = htmlText('<p>Tom &amp; Jerry</p>');
    expect(t.sentences).toEqual(['Tom & Jerry']);
    expect(t.assemble(['a < b & c'])).toBe('<p>a &lt; b &amp; c</p>');
  });

  it('a whole document stays a document', () => {
    const r = upper('<!DOCTYPE html><html><head><title>Hi.</title></head><body><p>Yes.</p></body></html>');
    expect(r.out).toBe('<!DOCTYPE html><html><head><title>HI.</title></head><body><p>YES.</p></body></html>');
  });

  it('plainText keeps the layout of the text', () => {
    const t = plainText(' One. Two. ');
    expect(t.assemble(['1.', '2.'])).toBe(' 1. 2. ');
  });
});
