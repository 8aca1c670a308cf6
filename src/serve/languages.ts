/**
 * Language codes as LibreTranslate clients send them ("en", "de", "pt-BR", "zh-Hans"): compared
 * without regard to case, named in English for /languages with the ICU data built into Node
 * (Intl.DisplayNames), so every code a run can carry gets a name without a table of our own.
 */

/** The canonical form of a code: trimmed, lower-case language subtag, the rest as given. */
export function normalizeCode(code: string): string {
  const [language, ...rest] = code.trim().split('-');
  return [language.toLowerCase(), ...rest].join('-');
}

/** True when `code` looks like a BCP 47 language tag (2–3 letter language, optional subtags). */
export function isLanguageCode(code: string): boolean {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code.trim());
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** "English" for "en", "Brazilian Portuguese" for "pt-BR"; the code itself when ICU has no name. */
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
