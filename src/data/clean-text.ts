/**
 * The cleaning `corpus prepare` applies to each side of a pair: Unicode NFC; the control
 * characters that act as white space (tab, line and form feeds, carriage return, NEL) become a
 * space and every other control character (Unicode category Cc) is removed; then leading and
 * trailing white space is trimmed. Other white space (a no-break space before French "!", say) and
 * the spacing inside the sentence are kept as they are. NUL bytes and invalid UTF-8 never get
 * here: the corpus readers reject them with the file and line (line-reader.ts).
 */

const SPACE_CONTROLS = /[\t\n\v\f\r\u0085]/g;
const CONTROLS = /\p{Cc}/gu;

export interface Cleaned {
  text: string;
  /** The text changed under NFC. */
  nfc: boolean;
  /** The text held control characters (replaced or removed). */
  controls: boolean;
}

export function cleanSentence(s: string): Cleaned {
  const n = s.normalize('NFC');
  const spaced = n.replace(SPACE_CONTROLS, ' ');
  const stripped = spaced.replace(CONTROLS, '');
  return { text: stripped.trim(), nfc: n !== s, controls: spaced !== n || stripped !== spaced };
}

/** Length in Unicode code points (a character outside the BMP counts once). */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
