/**
 * HTML in, HTML out (`format: "html"`): the markup is parsed with parse5 (the WHATWG HTML parsing
 * algorithm, as browsers parse it), every text node is split into sentences, and after translation
 * the same tree is serialised with the new texts. Tags, attributes, comments and entities' meaning
 * are kept; the text of <script>, <style>, <noscript> and <template>, and of any element marked
 * translate="no" (the HTML attribute for it), is left as it is. A fragment stays a fragment; a whole
 * document (starting with <!DOCTYPE or <html>) stays a document. Text that translates to "<" or "&"
 * is escaped, so the result is always well-formed HTML.
 */
import { parse, parseFragment, serialize, type DefaultTreeAdapterMap } from 'parse5';
import { joinSentences, splitSentences, type SentenceSplit } from '../text/sentences.js';

type Node = DefaultTreeAdapterMap['node'];
type TextNode = DefaultTreeAdapterMap['textNode'];

const UNTRANSLATED = new Set(['script', 'style', 'noscript', 'template']);

/** The sentences of a text, and how to put their translations back. */
export interface TranslatableText {
  sentences: string[];
  assemble(translations: readonly string[]): string;
}

function isKept(node: Node): boolean {
  if (!('tagName' in node)) return false;
  return (
    UNTRANSLATED.has(node.tagName) || node.attrs.some((a) => a.name === 'translate' && a.value.toLowerCase() === 'no')
  );
}

function collectText(node: Node, out: TextNode[]): void {
  if (node.nodeName === '#text') {
    out.push(node as TextNode);
    return;
  }
  if (isKept(node) || !('childNodes' in node)) return;
  for (const child of node.childNodes) collectText(child, out);
}

export function htmlText(html: string): TranslatableText {
  const root = /^\s*<(!doctype|html[\s>])/i.test(html) ? parse(html) : parseFragment(html);
  const nodes: TextNode[] = [];
  collectText(root, nodes);
  const splits: SentenceSplit[] = nodes.map((n) => splitSentences(n.value));
  return {
    sentences: splits.flatMap((s) => s.sentences),
    assemble(translations) {
      let k = 0;
      splits.forEach((split, i) => {
        nodes[i].value = joinSentences(split, translations.slice(k, k + split.sentences.length));
        k += split.sentences.length;
      });
      return serialize(root);
    },
  };
}

/** Plain text: its sentences, joined back with the text's own whitespace. */
export function plainText(text: string): TranslatableText {
  const split = splitSentences(text);
  return { sentences: split.sentences, assemble: (translations) => joinSentences(split, translations) };
}
