/**
 * sacreBLEU's BLEU tokenizers ('13a' default, 'intl', 'char', 'none'), ported rule for rule from
 * sacrebleu/tokenizers/tokenizer_13a.py, tokenizer_re.py, tokenizer_intl.py and tokenizer_char.py.
 * Each returns the tokenised line as one string (tokens separated by single spaces); BLEU then splits
 * it on whitespace.
 */
import { InputError } from '../errors.js';
import { codePoints, pySplit } from './python-text.js';

export type TokenizerName = '13a' | 'intl' | 'char' | 'none';
export const TOKENIZER_NAMES: readonly TokenizerName[] = ['13a', 'intl', 'char', 'none'];

/**
 * The mteval-v13a regexes (tokenizer_re.py), in order:
 *   ([\{-\~\[-\` -\&\(-\+\:-\@\/])  → " \1 "   ASCII symbols: { | } ~  [ \ ] ^ _ `  space ! " # $ % &
 *                                                  ( ) * +  : ; < = > ? @  /
 *   ([^0-9])([\.,])                → "\1 \2 " period/comma not preceded by a digit
 *   ([\.,])([^0-9])                → " \1 \2" period/comma not followed by a digit
 *   ([0-9])(-)                     → "\1 \2 " dash after a digit
 */
const RULES_13A: [RegExp, string][] = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g, ' $1 '],
  [/([^0-9])([.,])/g, '$1 $2 '],
  [/([.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * tokenizer_13a: strip <skipped>, join hyphenated line breaks, unescape 4 entities, pad, apply the rules, squeeze
 * spaces.
 */
export function tokenize13a(line: string): string {
  let s = line.split('<skipped>').join('');
  s = s.split('-\n').join('');
  s = s.split('\n').join(' ');
  if (s.includes('&')) {
    s = s.split('&quot;').join('"');
    s = s.split('&amp;').join('&');
    s = s.split('&lt;').join('<');
    s = s.split('&gt;').join('>');
  }
  s = ` ${s} `;
  for (const [re, repl] of RULES_13A) s = s.replace(re, repl);
  return pySplit(s).join(' ');
}

/**
 * tokenizer_intl (mteval-v14 international), Unicode properties:
 *   (\P{N})(\p{P}) → "\1 \2 ",  (\p{P})(\P{N}) → " \1 \2",  (\p{S}) → " \1 ".
 * (The Unicode tables are the JS engine's, which may differ from Python's `regex` module for
 * characters added in recent Unicode versions.)
 */
const RULES_INTL: [RegExp, string][] = [
  [/(\P{N})(\p{P})/gu, '$1 $2 '],
  [/(\p{P})(\P{N})/gu, ' $1 $2'],
  [/(\p{S})/gu, ' $1 '],
];

export function tokenizeIntl(line: string): string {
  let s = line;
  for (const [re, repl] of RULES_INTL) s = s.replace(re, repl);
  return pySplit(s).join(' ');
}

/** tokenizer_char: every code point becomes a token (whitespace disappears when BLEU splits). */
export function tokenizeChar(line: string): string {
  return codePoints(line).join(' ');
}

export function tokenizeNone(line: string): string {
  return line;
}

export function getTokenizer(name: string): (line: string) => string {
  switch (name) {
    case '13a':
      return tokenize13a;
    case 'intl':
      return tokenizeIntl;
    case 'char':
      return tokenizeChar;
    case 'none':
      return tokenizeNone;
    default:
      throw new InputError(`unknown BLEU tokenizer '${name}' (expected one of ${TOKENIZER_NAMES.join(', ')})`);
  }
}
