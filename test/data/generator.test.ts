/**
 * The demo-corpus generator: hand-written German for specific structures (checked rule by rule
 * against a grammar reference, not produced by the generator), determinism, and the committed files.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as gen from '../../corpora/generate.mjs';

const REPO = new URL('../../', import.meta.url).pathname;
const the = (n: string, extra: object = {}) => ({ n, det: 'the', ...extra });
const a = (n: string, extra: object = {}) => ({ n, det: 'a', ...extra });

/** [structure, English, German] — the German written by hand. */
const CASES: [string, object, string, string][] = [
  [
    'present, definite subject and object (verb second)',
    { clause: { subj: the('man'), verb: 'read', obj: the('book'), tense: 'pres' } },
    'The man reads the book.',
    'Der Mann liest das Buch.',
  ],
  [
    'accusative masculine with mixed adjective ending',
    { clause: { subj: the('woman'), verb: 'buy', obj: a('dog', { adj: 'big' }), tense: 'pres' } },
    'The woman buys a big dog.',
    'Die Frau kauft einen großen Hund.',
  ],
  [
    'negation of an indefinite object: kein',
    { clause: { subj: the('man'), verb: 'read', obj: a('book', { adj: 'old' }), tense: 'pres', neg: true } },
    'The man does not read an old book.',
    'Der Mann liest kein altes Buch.',
  ],
  [
    'negation of a definite object: nicht at the end',
    { clause: { subj: the('child'), verb: 'see', obj: the('dog'), tense: 'pres', neg: true } },
    'The child does not see the dog.',
    'Das Kind sieht den Hund nicht.',
  ],
  [
    'negation of a bare plural: keine',
    {
      clause: {
        subj: { pro: 'he' },
        verb: 'read',
        obj: { n: 'book', det: 'none', pl: true },
        tense: 'pres',
        neg: true,
      },
    },
    'He does not read books.',
    'Er liest keine Bücher.',
  ],
  [
    'separable verb in a main clause',
    { clause: { subj: the('girl'), verb: 'call', obj: the('doctor'), tense: 'pres' } },
    'The girl calls the doctor.',
    'Das Mädchen ruft den Arzt an.',
  ],
  [
    'separable verb with a pronoun object and negation',
    { clause: { subj: { pro: 'I' }, verb: 'pick+up', obj: { pro: 'she' }, tense: 'pres', neg: true } },
    'I do not pick her up.',
    'Ich hole sie nicht ab.',
  ],
  [
    'separable verb, verb-final in a subordinate clause',
    {
      frame: { verb: 'know', subj: { pro: 'I' } },
      conj: 'that',
      sub: { subj: the('boy'), verb: 'call', obj: the('teacher'), tense: 'pres' },
    },
    'I know that the boy calls the teacher.',
    'Ich weiß, dass der Junge den Lehrer anruft.',
  ],
  [
    'perfect with haben, participle at the end',
    { clause: { subj: the('student'), verb: 'write', obj: a('letter'), tense: 'perf' } },
    'The student has written a letter.',
    'Der Student hat einen Brief geschrieben.',
  ],
  [
    'perfect with sein, direction with zur',
    { clause: { subj: the('child'), verb: 'go', place: 'school', tense: 'perf' } },
    'The child has gone to the school.',
    'Das Kind ist zur Schule gegangen.',
  ],
  [
    'modal verb bracket with a separable infinitive',
    { clause: { subj: { pro: 'we' }, verb: 'call', obj: the('neighbour'), tense: 'must' } },
    'We must call the neighbour.',
    'Wir müssen den Nachbarn anrufen.',
  ],
  [
    'must not = darf nicht',
    { clause: { subj: the('boy'), verb: 'eat', obj: the('cake'), tense: 'must', neg: true } },
    'The boy must not eat the cake.',
    'Der Junge darf den Kuchen nicht essen.',
  ],
  [
    'dative verb with a plural object (dative plural -n)',
    { clause: { subj: the('teacher'), verb: 'help', obj: the('child', { pl: true }), tense: 'pres' } },
    'The teacher helps the children.',
    'Der Lehrer hilft den Kindern.',
  ],
  [
    'ditransitive: dative before accusative, weak noun',
    { clause: { subj: the('woman'), verb: 'give', io: the('boy'), obj: a('apple', { adj: 'red' }), tense: 'pres' } },
    'The woman gives the boy a red apple.',
    'Die Frau gibt dem Jungen einen roten Apfel.',
  ],
  [
    'fronted time phrase: inversion (verb second)',
    {
      clause: {
        subj: the('man'),
        verb: 'read',
        obj: the('newspaper'),
        tense: 'pres',
        time: { kind: 'word', w: 'today' },
        front: true,
      },
    },
    'Today, the man reads the newspaper.',
    'Heute liest der Mann die Zeitung.',
  ],
  [
    'clock time: half past six = halb sieben',
    { clause: { subj: { pro: 'she' }, verb: 'get+up', tense: 'pres', time: { kind: 'clock', h: 6, m: 30 } } },
    'She gets up at half past six.',
    'Sie steht um halb sieben auf.',
  ],
  [
    'date with a fronted ordinal',
    {
      clause: {
        subj: { pro: 'they' },
        verb: 'drive',
        place: 'city',
        tense: 'fut',
        time: { kind: 'date', day: 3, month: 4, ord: true },
        front: true,
      },
    },
    'On the third of May, they will drive to the city.',
    'Am dritten Mai werden sie in die Stadt fahren.',
  ],
  [
    'number word with a strong adjective ending',
    {
      clause: { subj: the('farmer'), verb: 'have', obj: { n: 'cow', det: 'num', num: 3, adj: 'brown' }, tense: 'pres' },
    },
    'The farmer has three brown cows.',
    'Der Bauer hat drei braune Kühe.',
  ],
  [
    'number in digits',
    { clause: { subj: the('cook'), verb: 'buy', obj: { n: 'egg', det: 'num', num: 25 }, tense: 'pres' } },
    'The cook buys 25 eggs.',
    'Der Koch kauft 25 Eier.',
  ],
  [
    'yes/no question: verb first',
    { clause: { subj: the('dog', { pl: true }), verb: 'be', adj: 'hungry', tense: 'pres', q: 'yn' } },
    'Are the dogs hungry?',
    'Sind die Hunde hungrig?',
  ],
  [
    'wh-question about the object, perfect',
    { clause: { subj: my('sister'), verb: 'buy', obj: the('bag'), tense: 'perf', q: 'what' } },
    'What has my sister bought?',
    'Was hat meine Schwester gekauft?',
  ],
  [
    'where to: wohin with a motion verb',
    { clause: { subj: the('driver'), verb: 'drive', place: 'airport', tense: 'pres', q: 'where' } },
    'Where does the driver drive?',
    'Wohin fährt der Fahrer?',
  ],
  [
    'how many',
    {
      clause: {
        subj: { pro: 'you' },
        verb: 'have',
        obj: { n: 'cat', det: 'num', num: 2 },
        tense: 'pres',
        q: 'howmany',
      },
    },
    'How many cats do you have?',
    'Wie viele Katzen hast du?',
  ],
  [
    'fronted subordinate clause: the main verb comes first',
    {
      clause: { subj: the('child', { pl: true }), verb: 'play', place: 'garden', tense: 'pres' },
      conj: 'if',
      sub: { subj: { pro: 'it' }, verb: 'rain', tense: 'pres' },
      subFirst: true,
    },
    'If it rains, the children play in the garden.',
    'Wenn es regnet, spielen die Kinder im Garten.',
  ],
  [
    'weil + modal: modal last',
    {
      clause: { subj: { pro: 'he' }, verb: 'cry', tense: 'pres' },
      conj: 'because',
      sub: { subj: the('mother'), verb: 'work', tense: 'must', place: 'office' },
    },
    'He cries because the mother must work in the office.',
    'Er weint, weil die Mutter im Büro arbeiten muss.',
  ],
  [
    'ob + perfect with sein, dative verb',
    {
      frame: { verb: 'know', subj: { pro: 'I' }, neg: true },
      conj: 'whether',
      sub: { subj: the('cat'), verb: 'follow', obj: the('mouse'), tense: 'perf' },
    },
    'I do not know whether the cat has followed the mouse.',
    'Ich weiß nicht, ob die Katze der Maus gefolgt ist.',
  ],
  [
    'animals fressen, people essen',
    { clause: { subj: the('horse'), verb: 'eat', obj: { n: 'apple', det: 'none', pl: true }, tense: 'perf' } },
    'The horse has eaten apples.',
    'Das Pferd hat Äpfel gefressen.',
  ],
  [
    'possessive with weak-noun dative and nicht before the place',
    { clause: { subj: our('neighbour'), verb: 'sleep', place: 'garden', tense: 'pres', neg: true } },
    'Our neighbour does not sleep in the garden.',
    'Unser Nachbar schläft nicht im Garten.',
  ],
  [
    'dieser + strong mass noun negation',
    { clause: { subj: this_('baby'), verb: 'drink', obj: { n: 'milk', det: 'none' }, tense: 'pres', neg: true } },
    'This baby does not drink milk.',
    'Dieses Baby trinkt keine Milch.',
  ],
];

function my(n: string) {
  return { n, det: 'my' };
}
function our(n: string) {
  return { n, det: 'our' };
}
function this_(n: string) {
  return { n, det: 'this' };
}

describe('demo corpus grammar (hand-written expected translations)', () => {
  for (const [name, structure, en, de] of CASES) {
    it(name, () => {
      const out = gen.realize(structure);
      expect(out.en).toBe(en);
      expect(out.de).toBe(de);
    });
  }

  it('declines articles and adjectives in all three cases (table from a grammar reference)', () => {
    // der kleine Hund / den kleinen Hund / dem kleinen Hund; eine kleine Katze …; ein kleines Pferd …
    const rows: [object, string, string, string][] = [
      [{ n: 'dog', det: 'the', adj: 'small' }, 'der kleine Hund', 'den kleinen Hund', 'dem kleinen Hund'],
      [{ n: 'cat', det: 'a', adj: 'small' }, 'eine kleine Katze', 'eine kleine Katze', 'einer kleinen Katze'],
      [{ n: 'horse', det: 'a', adj: 'small' }, 'ein kleines Pferd', 'ein kleines Pferd', 'einem kleinen Pferd'],
      [{ n: 'dog', det: 'none', pl: true, adj: 'small' }, 'kleine Hunde', 'kleine Hunde', 'kleinen Hunden'],
      [{ n: 'boy', det: 'my', adj: 'tired' }, 'mein müder Junge', 'meinen müden Jungen', 'meinem müden Jungen'],
      [{ n: 'car', det: 'this', adj: 'expensive' }, 'dieses teure Auto', 'dieses teure Auto', 'diesem teuren Auto'],
      [
        { n: 'lamp', det: 'our', adj: 'dark', pl: true },
        'unsere dunklen Lampen',
        'unsere dunklen Lampen',
        'unseren dunklen Lampen',
      ],
      [{ n: 'coffee', det: 'none', adj: 'warm' }, 'warmer Kaffee', 'warmen Kaffee', 'warmem Kaffee'],
    ];
    for (const [np, nom, acc, dat] of rows) {
      expect([gen.deNP(np, 'nom'), gen.deNP(np, 'acc'), gen.deNP(np, 'dat')]).toEqual([nom, acc, dat]);
    }
    expect(gen.deNP({ n: 'dog', det: 'none', pl: true, adj: 'small' }, 'acc', true)).toBe('keine kleinen Hunde');
    expect(gen.deNP({ n: 'dog', det: 'a' }, 'dat', true)).toBe('keinem Hund');
  });

  it('places: locative dative and directional accusative, with contractions', () => {
    expect([gen.dePlace('cinema', false), gen.dePlace('cinema', true)]).toEqual(['im Kino', 'ins Kino']);
    expect([gen.dePlace('beach', false), gen.dePlace('beach', true)]).toEqual(['am Strand', 'an den Strand']);
    expect([gen.dePlace('school', false), gen.dePlace('school', true)]).toEqual(['in der Schule', 'zur Schule']);
    expect([gen.dePlace('station', false), gen.dePlace('station', true)]).toEqual(['am Bahnhof', 'zum Bahnhof']);
    expect([gen.dePlace('market', false), gen.dePlace('market', true)]).toEqual(['auf dem Markt', 'auf den Markt']);
  });

  it('clock times', () => {
    expect(gen.timeDe({ kind: 'clock', h: 12, m: 30 })).toBe('um halb eins');
    expect(gen.timeDe({ kind: 'clock', h: 1, m: 0 })).toBe('um ein Uhr');
    expect(gen.timeDe({ kind: 'clock', h: 3, m: 45 })).toBe('um Viertel vor vier');
    expect(gen.timeEn({ kind: 'clock', h: 3, m: 45 })).toBe('at quarter to four');
    expect(gen.timeDe({ kind: 'digits', h: 14, m: 30 })).toBe('um 14:30 Uhr');
    expect(gen.timeDe({ kind: 'date', day: 3, month: 4 })).toBe('am 3. Mai');
  });
});

describe('demo corpus generator', () => {
  it('is deterministic: the same seed writes byte-identical files, another seed different ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-'));
    try {
      const sizes = { train: 300, valid: 20, test: 20 };
      gen.writeCorpus(join(dir, 'a'), { seed: 5, ...sizes });
      gen.writeCorpus(join(dir, 'b'), { seed: 5, ...sizes });
      gen.writeCorpus(join(dir, 'c'), { seed: 6, ...sizes });
      for (const f of ['train.en', 'train.de', 'valid.en', 'valid.de', 'test.en', 'test.de']) {
        expect(readFileSync(join(dir, 'b', f))).toEqual(readFileSync(join(dir, 'a', f)));
      }
      expect(readFileSync(join(dir, 'c', 'train.en'))).not.toEqual(readFileSync(join(dir, 'a', 'train.en')));
      const lines = readFileSync(join(dir, 'a', 'train.en'), 'utf8').split('\n');
      expect(lines.length).toBe(301); // 300 lines and the final newline
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has unique English sentences of 3–15 words and a modest vocabulary', () => {
    const pairs: { en: string; de: string }[] = gen.generatePairs(5000, 20261128);
    expect(new Set(pairs.map((p) => p.en)).size).toBe(5000);
    const types = (side: 'en' | 'de') => new Set(pairs.flatMap((p) => p[side].replace(/[.,?]/g, '').split(' '))).size;
    for (const p of pairs) {
      const n = p.en.split(' ').length;
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(15);
    }
    expect(types('en')).toBeGreaterThan(400);
    expect(types('en')).toBeLessThan(1500);
    expect(types('de')).toBeLessThan(1600);
  });

  it.skipIf(!existsSync(join(REPO, 'corpora/demo/train.en')))(
    'the committed demo corpus is exactly what the script generates',
    () => {
      const pairs: { en: string; de: string }[] = gen.generatePairs(42000, 20261128);
      const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
      const splits: [string, number, number][] = [
        ['train', 0, 40000],
        ['valid', 40000, 41000],
        ['test', 41000, 42000],
      ];
      for (const [name, lo, hi] of splits) {
        for (const side of ['en', 'de'] as const) {
          const expected =
            pairs
              .slice(lo, hi)
              .map((p) => p[side])
              .join('\n') + '\n';
          expect(sha(readFileSync(join(REPO, `corpora/demo/${name}.${side}`))), `${name}.${side}`).toBe(sha(expected));
        }
      }
    },
  );
});
