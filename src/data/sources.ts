/**
 * Where `seq2seq corpus get` finds real parallel text: every public URL as a constant, the licence
 * of each source, and the Multi30k files with their sha256 (pinned). No network here.
 *
 *   multi30k    the task-1 raw files of github.com/multi30k/dataset, pinned to one commit
 *   opus:NAME   any corpus on OPUS, resolved through the OPUS API (Moses-format zip archives)
 *   tatoeba     the Tatoeba corpus through OPUS (opus:Tatoeba with Tatoeba's licence and attribution)
 *
 * A mirror (SEQ2SEQ_MIRROR, used by the tests' local server) serves https://HOST/PATH?QUERY as
 * MIRROR/HOST/PATH?QUERY; the cache is keyed by the original URL either way.
 */
import { InputError } from '../errors.js';

/** The commit of github.com/multi30k/dataset the files are fetched from (its HEAD, 2021). */
export const MULTI30K_COMMIT = 'a3d2e0d26b56f3846f66a952536ffed4e401d05a';
export const MULTI30K_REPOSITORY = 'https://github.com/multi30k/dataset';
export const MULTI30K_RAW_URL = `https://raw.githubusercontent.com/multi30k/dataset/${MULTI30K_COMMIT}/data/task1/raw/`;
export const MULTI30K_LANGUAGES = ['en', 'de', 'fr', 'cs'] as const;

/** The splits of Multi30k task 1 and the languages each exists in (no Czech for the 2017 test sets). */
export const MULTI30K_SPLITS: readonly { split: string; languages: readonly string[] }[] = [
  { split: 'train', languages: ['en', 'de', 'fr', 'cs'] },
  { split: 'val', languages: ['en', 'de', 'fr', 'cs'] },
  { split: 'test_2016_flickr', languages: ['en', 'de', 'fr', 'cs'] },
  { split: 'test_2017_flickr', languages: ['en', 'de', 'fr'] },
  { split: 'test_2017_mscoco', languages: ['en', 'de', 'fr'] },
  { split: 'test_2018_flickr', languages: ['en', 'de', 'fr', 'cs'] },
];

/** sha256 of each file at MULTI30K_COMMIT (computed from the repository's git objects). */
export const MULTI30K_SHA256: Readonly<Record<string, string>> = {
  'train.en.gz': 'd79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f',
  'train.de.gz': '726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6',
  'train.fr.gz': '622e75069e9f4c577425c4f277116ce66e63a2401c0a2312d90073cb12379a3c',
  'train.cs.gz': 'a65adb8b32e3bc664f21ecba7a6e7f6950fd1f405e135f7c312faabdb6255077',
  'val.en.gz': '14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28',
  'val.de.gz': 'f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a',
  'val.fr.gz': 'ca3106f1a72390591d25f6c45cb4cd39dec4cd3f123e099748a3ce5256c160e9',
  'val.cs.gz': 'b63226e05c4bd5dd6a42897d74b86a1b9d2c31498252c572b1ea7f7996927fcc',
  'test_2016_flickr.en.gz': '611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9',
  'test_2016_flickr.de.gz': '9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8',
  'test_2016_flickr.fr.gz': '6d326e188d259fb1d04ac19eae3af956559b3a0b93d7635e56c90987c40c8b90',
  'test_2016_flickr.cs.gz': '200a4a74cc9560f051924abb9803be008d1908d77f747e9141aeb86dfd2797f1',
  'test_2017_flickr.en.gz': '76a444ee25172e72695cddb13ae4a3bda59430617be88e0bb46b60504f054074',
  'test_2017_flickr.de.gz': 'a2c89666db00c495cd8513b9d708d5a3acc205d7de312ef2bf5fb7ebc1540aee',
  'test_2017_flickr.fr.gz': '3ba671ceb2299f3304ffafefea7a833d08632fbaf0ba18546f8a2ec2391af496',
  'test_2017_mscoco.en.gz': 'aab300bfb4427697987e02cd0aacd44bfe8aa50456231b6474c08038bbed2b58',
  'test_2017_mscoco.de.gz': '799e4854c25d601cb6cb6be29eabe5667734c61ace2f495e03e429031a0bc338',
  'test_2017_mscoco.fr.gz': '754f3072ba9f124569ba5258b32730fc1d214bbf8e0c6dfb2b74401676220db0',
  'test_2018_flickr.en.gz': 'ef4f4844037d4c5dea75c9a8ed5fd78905967a26f67c255e230cc9780032654d',
  'test_2018_flickr.de.gz': 'ddd0130c7d97482dc5197a02141dae8dd79f20f03586c480d675c09a32daf608',
  'test_2018_flickr.fr.gz': 'fb2b83fcceb937a4f7e3e93c1c51c22aba92f1e342391e6b5ba392b16a920501',
  'test_2018_flickr.cs.gz': '7d0a9db904f94c554a8c58049a9f3a5357c27f46cc3d710d70cb0b4a2585b8c2',
};

/** The OPUS API: JSON lists of corpora with download links (https://opus.nlpl.eu/opusapi/). */
export const OPUS_API_URL = 'https://opus.nlpl.eu/opusapi/';
/** A corpus' page on OPUS: its release, licence and citation. */
export const opusCorpusPage = (name: string): string =>
  `https://opus.nlpl.eu/${encodeURIComponent(name)}/corpus/version/${encodeURIComponent(name)}`;

export interface Licence {
  /** Short name, or what the source says about use when it names no licence. */
  name: string;
  url: string;
  /** What a user of the data must say (attribution), or an empty string. */
  attribution: string;
}

export const MULTI30K_LICENCE: Licence = {
  name:
    'no licence file; the repository README allows non-commercial research and educational use ' +
    '(derived from Flickr30k)',
  url: `${MULTI30K_REPOSITORY}#use-of-the-data`,
  attribution:
    'Elliott, Frank, Sima\'an, Specia (2016), "Multi30K: Multilingual English-German Image Descriptions"; ' +
    'French and 2017 test sets: Elliott et al. (2017), WMT17; Czech: Barrault et al. (2018), WMT18',
};

export const TATOEBA_LICENCE: Licence = {
  name: 'CC BY 2.0 FR',
  url: 'https://creativecommons.org/licenses/by/2.0/fr/',
  attribution: 'Tatoeba (https://tatoeba.org), via OPUS (https://opus.nlpl.eu/Tatoeba/corpus/version/Tatoeba)',
};

export const opusLicence = (name: string): Licence => ({
  name: `per corpus: see the OPUS page of ${name} and the LICENSE/README in its archive (kept as LICENSE.txt)`,
  url: opusCorpusPage(name),
  attribution: `${name} via OPUS (J. Tiedemann, 2012, "Parallel Data, Tools and Interfaces in OPUS", LREC)`,
});

/** The sources `corpus get` knows, for messages. */
export const KNOWN_SOURCES = 'multi30k, tatoeba, opus:NAME (any corpus on OPUS, e.g. opus:Tatoeba, opus:EUbookshop)';

export type SourceName = { kind: 'multi30k' } | { kind: 'tatoeba' } | { kind: 'opus'; corpus: string };

/** Parses a SOURCE argument; an unknown one is an InputError listing the known ones. */
export function parseSource(arg: string): SourceName {
  const a = arg.trim();
  if (a.toLowerCase() === 'multi30k') return { kind: 'multi30k' };
  if (a.toLowerCase() === 'tatoeba') return { kind: 'tatoeba' };
  const m = /^opus:([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(a);
  if (m) return { kind: 'opus', corpus: m[1] };
  if (/^opus:/i.test(a))
    throw new InputError(`'${arg}': an OPUS corpus is opus:NAME, NAME as OPUS spells it (e.g. opus:Tatoeba)`);
  throw new InputError(`unknown source '${arg}'; known sources: ${KNOWN_SOURCES}`);
}

export const sourceLabel = (s: SourceName): string => (s.kind === 'opus' ? `opus:${s.corpus}` : s.kind);

export interface LanguagePair {
  src: string;
  tgt: string;
}

/** Parses `--pair SRC-TGT` (language codes as OPUS writes them: en, de, pt_BR, zh_CN, …). */
export function parsePair(arg: string): LanguagePair {
  const m = /^([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?)-([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?)$/.exec(arg.trim());
  if (!m) throw new InputError(`--pair must be SRC-TGT with language codes such as en-de or en-pt_BR, got '${arg}'`);
  if (m[1] === m[2]) throw new InputError(`--pair ${arg}: the two languages are the same`);
  return { src: m[1], tgt: m[2] };
}

/** The Multi30k files for a pair (or for every language): one entry per split and language. */
export function multi30kFiles(
  pair: LanguagePair | undefined,
): { split: string; lang: string; file: string; url: string; sha256: string }[] {
  const known: readonly string[] = MULTI30K_LANGUAGES;
  if (pair) {
    for (const l of [pair.src, pair.tgt]) {
      if (!known.includes(l)) {
        const pairs = known.flatMap((a, i) => known.slice(i + 1).map((b) => `${a}-${b}`)).join(', ');
        throw new InputError(
          `multi30k has no pair ${pair.src}-${pair.tgt}: its languages are ${known.join(', ')} ` +
            `(pairs ${pairs}, either direction)`,
        );
      }
    }
  }
  const out = [];
  for (const { split, languages } of MULTI30K_SPLITS) {
    // Every language a split has; with a pair, the splits that have both of its languages.
    const langs = !pair
      ? languages
      : languages.includes(pair.src) && languages.includes(pair.tgt)
        ? [pair.src, pair.tgt]
        : [];
    for (const lang of langs) {
      const file = `${split}.${lang}.gz`;
      out.push({ split, lang, file, url: MULTI30K_RAW_URL + file, sha256: MULTI30K_SHA256[file] });
    }
  }
  return out;
}

/** The URL actually fetched: `url` itself, or its copy under a mirror (MIRROR/HOST/PATH?QUERY). */
export function viaMirror(url: string, mirror: string | undefined): string {
  if (!mirror) return url;
  const u = new URL(url);
  return `${mirror.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}
