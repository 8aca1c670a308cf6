#!/usr/bin/env node
/**
 * Generates the bundled demo corpus: English→German sentence pairs from a small grammar.
 *
 *   node corpora/generate.mjs [--out corpora/demo] [--seed 20261128] [--train 40000 --valid 1000 --test 1000] [--max-words 15]
 *
 * Plain Node (no build, no dependencies). Deterministic: the same arguments give identical bytes.
 * Every English sentence is unique across the three splits. Each pair is built from one abstract
 * clause structure, realised twice — once by English rules, once by German rules — so the German is
 * a deterministic function of the English. Phenomena: verb-second word order (also after a fronted
 * time phrase or subordinate clause), verb-final subordinate clauses (dass, weil, obwohl, wenn, ob),
 * separable verbs, the verb bracket (perfect with haben/sein, modals, future), gender / case /
 * number agreement of articles, possessives and adjectives (weak, mixed and strong endings), weak
 * nouns (den Jungen), dative verbs and dative plurals, nicht vs. kein, numbers as words and digits,
 * clock times (halb, Viertel), dates, questions (yes/no and wh-), pronouns, plurals.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Seeded random numbers (mulberry32): small, and enough for choosing words.

export function makeRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => next() < p;
  /** Picks a key of {key: weight}. */
  const weighted = (w) => {
    const keys = Object.keys(w);
    let total = 0;
    for (const k of keys) total += w[k];
    let r = next() * total;
    for (const k of keys) {
      r -= w[k];
      if (r < 0) return k;
    }
    return keys[keys.length - 1];
  };
  return { next, int, pick, chance, weighted };
}

// ---------------------------------------------------------------------------------------------
// Lexicon. Nouns: english | english plural | German | German plural | gender | classes [| weak ending]
// classes: p person, a animal, t thing, f food, d drink (mass), o openable, r repairable,
//          w writable, b buildable, k cookable, c catchable/throwable, s readable, g giftable

const NOUNS = `
man|men|Mann|Männer|m|p
woman|women|Frau|Frauen|f|p
child|children|Kind|Kinder|n|p
boy|boys|Junge|Jungen|m|p|n
girl|girls|Mädchen|Mädchen|n|p
teacher|teachers|Lehrer|Lehrer|m|p
student|students|Student|Studenten|m|p|en
doctor|doctors|Arzt|Ärzte|m|p
friend|friends|Freund|Freunde|m|p
neighbour|neighbours|Nachbar|Nachbarn|m|p|n
mother|mothers|Mutter|Mütter|f|p
father|fathers|Vater|Väter|m|p
brother|brothers|Bruder|Brüder|m|p
sister|sisters|Schwester|Schwestern|f|p
grandmother|grandmothers|Großmutter|Großmütter|f|p
grandfather|grandfathers|Großvater|Großväter|m|p
farmer|farmers|Bauer|Bauern|m|p|n
cook|cooks|Koch|Köche|m|p
driver|drivers|Fahrer|Fahrer|m|p
king|kings|König|Könige|m|p
queen|queens|Königin|Königinnen|f|p
waiter|waiters|Kellner|Kellner|m|p
policeman|policemen|Polizist|Polizisten|m|p|en
soldier|soldiers|Soldat|Soldaten|m|p|en
aunt|aunts|Tante|Tanten|f|p
uncle|uncles|Onkel|Onkel|m|p
son|sons|Sohn|Söhne|m|p
daughter|daughters|Tochter|Töchter|f|p
customer|customers|Kunde|Kunden|m|p|n
tourist|tourists|Tourist|Touristen|m|p|en
artist|artists|Künstler|Künstler|m|p
singer|singers|Sänger|Sänger|m|p
baby|babies|Baby|Babys|n|p
dog|dogs|Hund|Hunde|m|a
cat|cats|Katze|Katzen|f|a
horse|horses|Pferd|Pferde|n|a
bird|birds|Vogel|Vögel|m|a
mouse|mice|Maus|Mäuse|f|ac
cow|cows|Kuh|Kühe|f|a
pig|pigs|Schwein|Schweine|n|a
sheep|sheep|Schaf|Schafe|n|a
duck|ducks|Ente|Enten|f|a
bear|bears|Bär|Bären|m|a|en
lion|lions|Löwe|Löwen|m|a|n
elephant|elephants|Elefant|Elefanten|m|a|en
monkey|monkeys|Affe|Affen|m|a|n
snake|snakes|Schlange|Schlangen|f|a
goat|goats|Ziege|Ziegen|f|a
fox|foxes|Fuchs|Füchse|m|a
wolf|wolves|Wolf|Wölfe|m|a
frog|frogs|Frosch|Frösche|m|ac
rabbit|rabbits|Kaninchen|Kaninchen|n|a
book|books|Buch|Bücher|n|tsg
letter|letters|Brief|Briefe|m|tswo
newspaper|newspapers|Zeitung|Zeitungen|f|ts
story|stories|Geschichte|Geschichten|f|swy
joke|jokes|Witz|Witze|m|y
car|cars|Auto|Autos|n|trh
bicycle|bicycles|Fahrrad|Fahrräder|n|trg
ball|balls|Ball|Bälle|m|tcxg
key|keys|Schlüssel|Schlüssel|m|tx
bag|bags|Tasche|Taschen|f|tozg
chair|chairs|Stuhl|Stühle|m|trb
table|tables|Tisch|Tische|m|trbh
lamp|lamps|Lampe|Lampen|f|treg
cup|cups|Tasse|Tassen|f|tgh
glass|glasses|Glas|Gläser|n|th
plate|plates|Teller|Teller|m|th
bottle|bottles|Flasche|Flaschen|f|tozh
picture|pictures|Bild|Bilder|n|tg
computer|computers|Computer|Computer|m|tre
phone|phones|Telefon|Telefone|n|tre
hat|hats|Hut|Hüte|m|tgu
coat|coats|Mantel|Mäntel|m|tgu
shoe|shoes|Schuh|Schuhe|m|tuh
dress|dresses|Kleid|Kleider|n|tguh
ticket|tickets|Fahrkarte|Fahrkarten|f|t
umbrella|umbrellas|Regenschirm|Regenschirme|m|tr
window|windows|Fenster|Fenster|n|tozh
door|doors|Tür|Türen|f|tozr
box|boxes|Kiste|Kisten|f|tozb
pen|pens|Stift|Stifte|m|tg
clock|clocks|Uhr|Uhren|f|tr
song|songs|Lied|Lieder|n|wn
present|presents|Geschenk|Geschenke|n|tog
flower|flowers|Blume|Blumen|f|tg
card|cards|Karte|Karten|f|twg
film|films|Film|Filme|m|v
game|games|Spiel|Spiele|n|tg
word|words|Wort|Wörter|n|w
shirt|shirts|Hemd|Hemden|n|tuh
ring|rings|Ring|Ringe|m|tgu
candle|candles|Kerze|Kerzen|f|tg
mirror|mirrors|Spiegel|Spiegel|m|tr
spoon|spoons|Löffel|Löffel|m|th
knife|knives|Messer|Messer|n|th
camera|cameras|Kamera|Kameras|f|treg
guitar|guitars|Gitarre|Gitarren|f|trg
basket|baskets|Korb|Körbe|m|t
boat|boats|Boot|Boote|n|trb
stone|stones|Stein|Steine|m|tx
bed|beds|Bett|Betten|n|tb
house|houses|Haus|Häuser|n|b
apple|apples|Apfel|Äpfel|m|fgx
bread|breads|Brot|Brote|n|f
cake|cakes|Kuchen|Kuchen|m|fg
egg|eggs|Ei|Eier|n|fk
banana|bananas|Banane|Bananen|f|f
orange|oranges|Orange|Orangen|f|f
potato|potatoes|Kartoffel|Kartoffeln|f|fk
tomato|tomatoes|Tomate|Tomaten|f|f
sandwich|sandwiches|Sandwich|Sandwiches|n|f
soup|soups|Suppe|Suppen|f|fk
sausage|sausages|Wurst|Würste|f|fk
pizza|pizzas|Pizza|Pizzas|f|fk
pear|pears|Birne|Birnen|f|f
cookie|cookies|Keks|Kekse|m|fg
`;

/** Mass nouns (drinks): no plural, no indefinite article. */
const MASS = `
coffee|Kaffee|m
tea|Tee|m
juice|Saft|m
wine|Wein|m
beer|Bier|n
water|Wasser|n
milk|Milch|f
lemonade|Limonade|f
`;

/** Places: english | German | gender | English locative preposition | German locative | German directional. */
const PLACES = `
garden|Garten|m|in|in|in
kitchen|Küche|f|in|in|in
park|Park|m|in|in|in
city|Stadt|f|in|in|in
school|Schule|f|at|in|zu
office|Büro|n|in|in|in
library|Bibliothek|f|in|in|in
restaurant|Restaurant|n|in|in|in
shop|Laden|m|in|in|in
station|Bahnhof|m|at|an|zu
beach|Strand|m|on|an|an
hospital|Krankenhaus|n|in|in|in
museum|Museum|n|in|in|in
cinema|Kino|n|at|in|in
hotel|Hotel|n|in|in|in
supermarket|Supermarkt|m|in|in|in
bakery|Bäckerei|f|in|in|zu
forest|Wald|m|in|in|in
village|Dorf|n|in|in|in
church|Kirche|f|in|in|in
bank|Bank|f|at|in|zu
zoo|Zoo|m|at|in|in
airport|Flughafen|m|at|an|zu
market|Markt|m|at|auf|auf
street|Straße|f|on|auf|auf
bridge|Brücke|f|on|auf|auf
lake|See|m|at|an|an
mountain|Berg|m|on|auf|auf
farm|Bauernhof|m|on|auf|auf
room|Zimmer|n|in|in|in
bathroom|Badezimmer|n|in|in|in
cellar|Keller|m|in|in|in
garage|Garage|f|in|in|in
`;

/** Adjectives: english | German predicative | German stem for endings | classes it describes. */
const ADJECTIVES = `
big|groß|groß|patfb
small|klein|klein|patfb
old|alt|alt|patb
new|neu|neu|tb
young|jung|jung|pa
good|gut|gut|ptf
beautiful|schön|schön|patb
red|rot|rot|tf
blue|blau|blau|t
green|grün|grün|tf
yellow|gelb|gelb|tf
black|schwarz|schwarz|at
white|weiß|weiß|at
brown|braun|braun|at
grey|grau|grau|at
long|lang|lang|t
short|kurz|kurz|t
cheap|billig|billig|tf
expensive|teuer|teur|tfb
dark|dunkel|dunkl|tb
happy|glücklich|glücklich|pa
sad|traurig|traurig|pa
tired|müde|müd|pa
hungry|hungrig|hungrig|pa
friendly|freundlich|freundlich|pa
funny|lustig|lustig|pa
clever|klug|klug|pa
loud|laut|laut|pa
quiet|ruhig|ruhig|pa
fast|schnell|schnell|a
slow|langsam|langsam|a
heavy|schwer|schwer|t
light|leicht|leicht|t
warm|warm|warm|f
cold|kalt|kalt|f
clean|sauber|sauber|t
dirty|schmutzig|schmutzig|ta
empty|leer|leer|t
fresh|frisch|frisch|f
sweet|süß|süß|fa
lazy|faul|faul|pa
brave|mutig|mutig|p
rich|reich|reich|p
poor|arm|arm|p
strong|stark|stark|pa
sick|krank|krank|pa
famous|berühmt|berühmt|p
interesting|interessant|interessant|
boring|langweilig|langweilig|
strange|seltsam|seltsam|pa
`;

/**
 * Verbs. english base | 3sg | past participle | German infinitive | conjugation | participle | aux | frame
 * English "pick up": particle after "+". German separable prefix after "|": "an|rufen".
 * conjugation: "reg" (regular from the stem), or six forms ich,du,er,wir,ihr,sie separated by ",".
 * frame: intr (subject classes) | tr:<object classes> | dat:<classes> (dative object) |
 *        di:<direct object classes> (dative + accusative) | mot (motion to a place)
 * subject classes after "/" (default p): e.g. "intr/pa".
 */
const VERBS = `
see|sees|seen|sehen|sehe,siehst,sieht,sehen,seht,sehen|gesehen|h|tr:patv/pa
read|reads|read|lesen|lese,liest,liest,lesen,lest,lesen|gelesen|h|tr:s
buy|buys|bought|kaufen|reg|gekauft|h|tr:tf
sell|sells|sold|verkaufen|reg|verkauft|h|tr:tf
eat|eats|eaten|essen|esse,isst,isst,essen,esst,essen|gegessen|h|tr:f/pa
drink|drinks|drunk|trinken|reg|getrunken|h|tr:d/pa
cook|cooks|cooked|kochen|reg|gekocht|h|tr:k
have|has|had|haben|habe,hast,hat,haben,habt,haben|gehabt|h|tr:ta
need|needs|needed|brauchen|reg|gebraucht|h|tr:t
find|finds|found|finden|finde,findest,findet,finden,findet,finden|gefunden|h|tr:ta
look for|looks for|looked for|suchen|reg|gesucht|h|tr:tap
carry|carries|carried|tragen|trage,trägst,trägt,tragen,tragt,tragen|getragen|h|tr:t
open|opens|opened|öffnen|öffne,öffnest,öffnet,öffnen,öffnet,öffnen|geöffnet|h|tr:o
close|closes|closed|schließen|schließe,schließt,schließt,schließen,schließt,schließen|geschlossen|h|tr:z
love|loves|loved|lieben|reg|geliebt|h|tr:pa
like|likes|liked|mögen|mag,magst,mag,mögen,mögt,mögen|gemocht|h|tr:paf
visit|visits|visited|besuchen|reg|besucht|h|tr:p
meet|meets|met|treffen|treffe,triffst,trifft,treffen,trefft,treffen|getroffen|h|tr:p
ask|asks|asked|fragen|reg|gefragt|h|tr:p
wash|washes|washed|waschen|wasche,wäschst,wäscht,waschen,wascht,waschen|gewaschen|h|tr:ah
draw|draws|drawn|zeichnen|zeichne,zeichnest,zeichnet,zeichnen,zeichnet,zeichnen|gezeichnet|h|tr:pat
write|writes|written|schreiben|reg|geschrieben|h|tr:w
sing|sings|sung|singen|reg|gesungen|h|tr:n
build|builds|built|bauen|reg|gebaut|h|tr:b
forget|forgets|forgotten|vergessen|vergesse,vergisst,vergisst,vergessen,vergesst,vergessen|vergessen|h|tr:tp
take|takes|taken|nehmen|nehme,nimmst,nimmt,nehmen,nehmt,nehmen|genommen|h|tr:tf
throw|throws|thrown|werfen|werfe,wirfst,wirft,werfen,werft,werfen|geworfen|h|tr:x
catch|catches|caught|fangen|fange,fängst,fängt,fangen,fangt,fangen|gefangen|h|tr:c/pa
hear|hears|heard|hören|reg|gehört|h|tr:pan/pa
understand|understands|understood|verstehen|reg|verstanden|h|tr:p
know|knows|known|kennen|reg|gekannt|h|tr:p
feed|feeds|fed|füttern|füttere,fütterst,füttert,füttern,füttert,füttern|gefüttert|h|tr:a
clean|cleans|cleaned|putzen|putze,putzt,putzt,putzen,putzt,putzen|geputzt|h|tr:h
repair|repairs|repaired|reparieren|reg|repariert|h|tr:r
call|calls|called|an|rufen|reg|angerufen|h|tr:p
pick+up|picks+up|picked+up|ab|holen|reg|abgeholt|h|tr:p
invite|invites|invited|ein|laden|lade,lädst,lädt,laden,ladet,laden|eingeladen|h|tr:p
bring+along|brings+along|brought+along|mit|bringen|reg|mitgebracht|h|tr:tfa
take+along|takes+along|taken+along|mit|nehmen|nehme,nimmst,nimmt,nehmen,nehmt,nehmen|mitgenommen|h|tr:t
switch+on|switches+on|switched+on|ein|schalten|schalte,schaltest,schaltet,schalten,schaltet,schalten|eingeschaltet|h|tr:e
try+on|tries+on|tried+on|an|probieren|reg|anprobiert|h|tr:u
help|helps|helped|helfen|helfe,hilfst,hilft,helfen,helft,helfen|geholfen|h|dat:p
thank|thanks|thanked|danken|reg|gedankt|h|dat:p
follow|follows|followed|folgen|reg|gefolgt|s|dat:pa/pa
answer|answers|answered|antworten|antworte,antwortest,antwortet,antworten,antwortet,antworten|geantwortet|h|dat:p
give|gives|given|geben|gebe,gibst,gibt,geben,gebt,geben|gegeben|h|di:tfg
show|shows|shown|zeigen|reg|gezeigt|h|di:tg
send|sends|sent|schicken|reg|geschickt|h|di:g
bring|brings|brought|bringen|reg|gebracht|h|di:tf
tell|tells|told|erzählen|reg|erzählt|h|di:y
sleep|sleeps|slept|schlafen|schlafe,schläfst,schläft,schlafen,schlaft,schlafen|geschlafen|h|intr/pa
work|works|worked|arbeiten|arbeite,arbeitest,arbeitet,arbeiten,arbeitet,arbeiten|gearbeitet|h|intr
play|plays|played|spielen|reg|gespielt|h|intr/pa
laugh|laughs|laughed|lachen|reg|gelacht|h|intr
cry|cries|cried|weinen|reg|geweint|h|intr
dance|dances|danced|tanzen|tanze,tanzt,tanzt,tanzen,tanzt,tanzen|getanzt|h|intr
swim|swims|swum|schwimmen|reg|geschwommen|s|intr/pa
wait|waits|waited|warten|warte,wartest,wartet,warten,wartet,warten|gewartet|h|intr/pa
live|lives|lived|wohnen|reg|gewohnt|h|intr
learn|learns|learned|lernen|reg|gelernt|h|intr
smile|smiles|smiled|lächeln|lächle,lächelst,lächelt,lächeln,lächelt,lächeln|gelächelt|h|intr
travel|travels|travelled|reisen|reise,reist,reist,reisen,reist,reisen|gereist|s|intr
eat|eats|eaten|essen|esse,isst,isst,essen,esst,essen|gegessen|h|intr/pa
watch TV|watches TV|watched TV|fern|sehen|sehe,siehst,sieht,sehen,seht,sehen|ferngesehen|h|intr
get+up|gets+up|got+up|auf|stehen|reg|aufgestanden|s|intr/pa
wake+up|wakes+up|woken+up|auf|wachen|reg|aufgewacht|s|intr/pa
go shopping|goes shopping|gone shopping|ein|kaufen|reg|eingekauft|h|intr
arrive|arrives|arrived|an|kommen|reg|angekommen|s|intr/pa
go|goes|gone|gehen|reg|gegangen|s|mot
drive|drives|driven|fahren|fahre,fährst,fährt,fahren,fahrt,fahren|gefahren|s|mot
run|runs|run|laufen|laufe,läufst,läuft,laufen,lauft,laufen|gelaufen|s|mot/pa
come|comes|come|kommen|reg|gekommen|s|mot/pa
`;

const DAYS = [
  ['Monday', 'Montag'], ['Tuesday', 'Dienstag'], ['Wednesday', 'Mittwoch'], ['Thursday', 'Donnerstag'],
  ['Friday', 'Freitag'], ['Saturday', 'Samstag'], ['Sunday', 'Sonntag'],
];
const MONTHS = [
  ['January', 'Januar'], ['February', 'Februar'], ['March', 'März'], ['April', 'April'], ['May', 'Mai'], ['June', 'Juni'],
  ['July', 'Juli'], ['August', 'August'], ['September', 'September'], ['October', 'Oktober'], ['November', 'November'], ['December', 'Dezember'],
];
const EN_NUM = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];
const DE_NUM = ['null', 'eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht', 'neun', 'zehn', 'elf', 'zwölf',
  'dreizehn', 'vierzehn', 'fünfzehn', 'sechzehn', 'siebzehn', 'achtzehn', 'neunzehn', 'zwanzig'];
const EN_ORD = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth'];
const DE_ORD = ['', 'ersten', 'zweiten', 'dritten', 'vierten', 'fünften', 'sechsten', 'siebten', 'achten', 'neunten', 'zehnten', 'elften', 'zwölften'];

function parseTable(text) {
  return text.trim().split('\n').map((l) => l.split('|'));
}

export const LEX = buildLexicon();

function buildLexicon() {
  const nouns = {};
  for (const [en, enPl, de, dePl, g, cls, weak] of parseTable(NOUNS)) {
    nouns[en] = { en, enPl, de, dePl, g, cls: cls ?? '', weak: weak ?? '', mass: false };
  }
  for (const [en, de, g] of parseTable(MASS)) nouns[en] = { en, enPl: en, de, dePl: de, g, cls: 'd', weak: '', mass: true };
  const places = {};
  for (const [en, de, g, enPrep, deLoc, deDest] of parseTable(PLACES)) places[en] = { en, de, g, enPrep, deLoc, deDest };
  const adjs = {};
  for (const [en, pred, stem, cls] of parseTable(ADJECTIVES)) adjs[en] = { en, pred, stem, cls };
  const verbs = {};
  for (const row of parseTable(VERBS)) {
    // Separable verbs have the prefix as its own column: en|3sg|pp|prefix|stem-infinitive|...
    let [en, s3, pp, a, b, c, d, e, f] = row;
    let prefix = '';
    let inf, conj, part, aux, frame;
    if (row.length === 9) [prefix, inf, conj, part, aux, frame] = [a, b, c, d, e, f];
    else [inf, conj, part, aux, frame] = [a, b, c, d, e];
    const [kind, subjCls = 'p'] = frame.split('/');
    const [type, objCls = ''] = kind.split(':');
    const key = verbs[en] ? `${en}#${type}` : en;
    verbs[key] = {
      key, en: en.replace('+', ' '), particle: en.includes('+') ? en.split('+')[1] : '',
      enBase: en.split('+')[0], en3: s3.split('+')[0], enPP: pp.split('+')[0],
      prefix, inf, conj: conj === 'reg' ? regular(inf) : conj.split(','), part, aux, type, objCls, subjCls,
    };
  }
  return { nouns, places, adjs, verbs };
}

/** Present tense of a regular verb: ich -e, du -st, er -t, wir -en, ihr -t, sie -en. */
function regular(inf) {
  const stem = inf.replace(/e?n$/, '');
  return [stem + 'e', stem + 'st', stem + 't', inf, stem + 't', inf];
}

// ---------------------------------------------------------------------------------------------
// Noun phrases. An NP is { pro: 'I'|'you'|'he'|'she'|'it'|'we'|'they' } or
// { n: noun, det: 'the'|'a'|'this'|'my'|'your'|'his'|'her'|'our'|'their'|'none'|'num', pl?, num?, adj? }.

const PRONOUNS = {
  I: { person: 0, en: ['I', 'me'], de: ['ich', 'mich', 'mir'] },
  you: { person: 1, en: ['you', 'you'], de: ['du', 'dich', 'dir'] },
  he: { person: 2, en: ['he', 'him'], de: ['er', 'ihn', 'ihm'] },
  she: { person: 2, en: ['she', 'her'], de: ['sie', 'sie', 'ihr'] },
  it: { person: 2, en: ['it', 'it'], de: ['es', 'es', 'ihm'] },
  we: { person: 3, en: ['we', 'us'], de: ['wir', 'uns', 'uns'] },
  they: { person: 5, en: ['they', 'them'], de: ['sie', 'sie', 'ihnen'] },
};
const POSSESSIVES = { my: 'mein', your: 'dein', his: 'sein', her: 'ihr', our: 'unser', their: 'ihr' };
const CASES = { nom: 0, acc: 1, dat: 2 };

/** Grammatical person index 0..5 (ich, du, er, wir, ihr, sie) of a subject NP. */
export function personOf(np) {
  if (np.pro) return PRONOUNS[np.pro].person;
  return isPlural(np) ? 5 : 2;
}

function isPlural(np) {
  return !!np.pl || (np.det === 'num' && np.num !== 1);
}

/** German definite article / der-word endings [case][gender or pl]. */
const DER = {
  nom: { m: 'der', f: 'die', n: 'das', pl: 'die' },
  acc: { m: 'den', f: 'die', n: 'das', pl: 'die' },
  dat: { m: 'dem', f: 'der', n: 'dem', pl: 'den' },
};
const DIES = {
  nom: { m: 'dieser', f: 'diese', n: 'dieses', pl: 'diese' },
  acc: { m: 'diesen', f: 'diese', n: 'dieses', pl: 'diese' },
  dat: { m: 'diesem', f: 'dieser', n: 'diesem', pl: 'diesen' },
};
/** Endings of ein-words (ein, kein, mein …). */
const EIN = {
  nom: { m: '', f: 'e', n: '', pl: 'e' },
  acc: { m: 'en', f: 'e', n: '', pl: 'e' },
  dat: { m: 'em', f: 'er', n: 'em', pl: 'en' },
};
/** Adjective endings after a der-word (weak), after an ein-word (mixed), and with no article (strong). */
const WEAK = { nom: { m: 'e', f: 'e', n: 'e', pl: 'en' }, acc: { m: 'en', f: 'e', n: 'e', pl: 'en' }, dat: { m: 'en', f: 'en', n: 'en', pl: 'en' } };
const MIXED = { nom: { m: 'er', f: 'e', n: 'es', pl: 'en' }, acc: { m: 'en', f: 'e', n: 'es', pl: 'en' }, dat: { m: 'en', f: 'en', n: 'en', pl: 'en' } };
const STRONG = { nom: { m: 'er', f: 'e', n: 'es', pl: 'e' }, acc: { m: 'en', f: 'e', n: 'es', pl: 'e' }, dat: { m: 'em', f: 'er', n: 'em', pl: 'en' } };

function noun(name) {
  const n = LEX.nouns[name];
  if (!n) throw new Error(`unknown noun '${name}'`);
  return n;
}

/** The German noun form: plural (+n in the dative), weak singular (+n/+en outside the nominative). */
function deNoun(n, pl, kase) {
  if (pl) {
    const p = n.dePl;
    return kase === 'dat' && !/[ns]$/.test(p) ? p + 'n' : p;
  }
  return kase !== 'nom' && n.weak ? n.de + n.weak : n.de;
}

function numberWordDe(k) {
  return k <= 20 ? DE_NUM[k] : String(k);
}
function numberWordEn(k) {
  return k <= 20 ? EN_NUM[k] : String(k);
}

/**
 * German NP in a case. `neg` turns an indefinite or bare NP into its kein-form.
 */
export function deNP(np, kase, neg = false) {
  if (np.pro) return PRONOUNS[np.pro].de[CASES[kase]];
  const n = noun(np.n);
  const pl = isPlural(np);
  const slot = pl ? 'pl' : n.g;
  const adj = np.adj ? LEX.adjs[np.adj] : null;
  let det = '';
  let endings = STRONG;
  if (np.det === 'the') {
    det = DER[kase][slot];
    endings = WEAK;
  } else if (np.det === 'this') {
    det = DIES[kase][slot];
    endings = WEAK;
  } else if (np.det === 'a' || (np.det === 'none' && neg)) {
    det = (neg ? 'kein' : 'ein') + EIN[kase][slot];
    endings = neg && pl ? WEAK : MIXED; // keine (pl) takes -en like a der-word; sg ein/kein: mixed
    if (neg && pl) endings = { nom: { pl: 'en' }, acc: { pl: 'en' }, dat: { pl: 'en' } };
  } else if (POSSESSIVES[np.det]) {
    det = POSSESSIVES[np.det] + EIN[kase][slot];
    endings = MIXED;
  } else if (np.det === 'num') {
    if (np.num === 1) {
      det = 'ein' + EIN[kase][slot];
      endings = MIXED;
    } else det = numberWordDe(np.num);
  }
  const words = [];
  if (det) words.push(det);
  if (adj) words.push(adj.stem + endings[kase][slot]);
  words.push(deNoun(n, pl, kase));
  return words.join(' ');
}

function enArticle(next) {
  return /^[aeiou]/i.test(next) ? 'an' : 'a';
}

/** English NP; `obj` selects the object pronoun. */
export function enNP(np, obj = false) {
  if (np.pro) return PRONOUNS[np.pro].en[obj ? 1 : 0];
  const n = noun(np.n);
  const pl = isPlural(np);
  const head = (np.adj ? LEX.adjs[np.adj].en + ' ' : '') + (pl ? n.enPl : n.en);
  if (np.det === 'the') return 'the ' + head;
  if (np.det === 'this') return (pl ? 'these ' : 'this ') + head;
  if (np.det === 'a') {
    if (pl) throw new Error(`'a' with a plural: ${JSON.stringify(np)}`);
    return enArticle(head) + ' ' + head;
  }
  if (POSSESSIVES[np.det]) return np.det + ' ' + head;
  if (np.det === 'num') return numberWordEn(np.num) + ' ' + head;
  return head;
}

/** Does this NP become kein… under negation (indefinite or bare)? */
function takesKein(np) {
  return !!np && !np.pro && (np.det === 'a' || np.det === 'none');
}

// ---------------------------------------------------------------------------------------------
// Places, times.

/** German PP: locative (in + dative) or directional (in/an/auf + accusative, zu + dative), with contractions. */
export function dePlace(name, dir) {
  const p = LEX.places[name];
  const prep = dir ? p.deDest : p.deLoc;
  const kase = prep === 'zu' || !dir ? 'dat' : 'acc';
  const art = DER[kase][p.g];
  const contract = { 'in dem': 'im', 'an dem': 'am', 'zu dem': 'zum', 'zu der': 'zur', 'in das': 'ins', 'an das': 'ans' };
  const pa = `${prep} ${art}`;
  return `${contract[pa] ?? pa} ${p.de}`;
}

export function enPlace(name, dir) {
  const p = LEX.places[name];
  return `${dir ? 'to' : p.enPrep} the ${p.en}`;
}

/**
 * Time phrases. { kind: 'word', w } | { kind: 'day', d } | { kind: 'every', d } | { kind: 'part', p }
 * | { kind: 'clock', h, m? } ('m' 0, 15, 30, 45 in words; with digits: { kind: 'digits', h, m })
 * | { kind: 'date', day, month, ord? } | { kind: 'month', month } | { kind: 'year', y }
 */
const TIME_WORDS = {
  today: 'heute', tomorrow: 'morgen', yesterday: 'gestern', now: 'jetzt',
  'every day': 'jeden Tag', 'next week': 'nächste Woche', 'last week': 'letzte Woche',
  'next year': 'nächstes Jahr', 'last year': 'letztes Jahr', 'every morning': 'jeden Morgen', 'every evening': 'jeden Abend',
};
const DAY_PARTS = { 'in the morning': 'am Morgen', 'in the afternoon': 'am Nachmittag', 'in the evening': 'am Abend', 'at night': 'in der Nacht' };

function hourWordDe(h) {
  return h === 1 ? 'ein' : DE_NUM[h];
}

export function timeEn(t) {
  switch (t.kind) {
    case 'word': return t.w;
    case 'part': return t.p;
    case 'day': return `on ${DAYS[t.d][0]}`;
    case 'every': return `every ${DAYS[t.d][0]}`;
    case 'clock':
      if (!t.m) return `at ${EN_NUM[t.h]} o'clock`;
      if (t.m === 30) return `at half past ${EN_NUM[t.h]}`;
      if (t.m === 15) return `at quarter past ${EN_NUM[t.h]}`;
      return `at quarter to ${EN_NUM[t.h === 12 ? 1 : t.h + 1]}`;
    case 'digits': return `at ${t.h}:${String(t.m).padStart(2, '0')}`;
    case 'date': return t.ord ? `on the ${EN_ORD[t.day]} of ${MONTHS[t.month][0]}` : `on ${t.day} ${MONTHS[t.month][0]}`;
    case 'month': return `in ${MONTHS[t.month][0]}`;
    case 'year': return `in ${t.y}`;
  }
  throw new Error(`bad time ${JSON.stringify(t)}`);
}

export function timeDe(t) {
  switch (t.kind) {
    case 'word': return TIME_WORDS[t.w];
    case 'part': return DAY_PARTS[t.p];
    case 'day': return `am ${DAYS[t.d][1]}`;
    case 'every': return `jeden ${DAYS[t.d][1]}`;
    case 'clock': {
      // German "halb sieben" is half an hour before seven; "Viertel vor/nach".
      const next = t.h === 12 ? 1 : t.h + 1;
      if (!t.m) return `um ${hourWordDe(t.h)} Uhr`;
      if (t.m === 30) return `um halb ${DE_NUM[next]}`;
      if (t.m === 15) return `um Viertel nach ${DE_NUM[t.h]}`;
      return `um Viertel vor ${DE_NUM[next]}`;
    }
    case 'digits': return `um ${t.h}:${String(t.m).padStart(2, '0')} Uhr`;
    case 'date': return t.ord ? `am ${DE_ORD[t.day]} ${MONTHS[t.month][1]}` : `am ${t.day}. ${MONTHS[t.month][1]}`;
    case 'month': return `im ${MONTHS[t.month][1]}`;
    case 'year': return `im Jahr ${t.y}`;
  }
  throw new Error(`bad time ${JSON.stringify(t)}`);
}

// ---------------------------------------------------------------------------------------------
// Clauses. { subj: NP, verb: key | 'be' | 'rain' | 'snow', obj?, io?, place?, adj?, tense, neg?, time?,
//   front?: true (time phrase first), q?: 'yn'|'what'|'who'|'where'|'when'|'why'|'howmany' }
// tense: 'pres' | 'perf' | 'fut' | 'can' | 'must' | 'want'

const MODALS = {
  can: { en: 'can', enNeg: 'cannot', de: ['kann', 'kannst', 'kann', 'können', 'könnt', 'können'], deNeg: null },
  must: { en: 'must', enNeg: 'must not', de: ['muss', 'musst', 'muss', 'müssen', 'müsst', 'müssen'],
    // English "must not" is a prohibition: German "darf nicht", not "muss nicht".
    deNeg: ['darf', 'darfst', 'darf', 'dürfen', 'dürft', 'dürfen'] },
  fut: { en: 'will', enNeg: 'will not', de: ['werde', 'wirst', 'wird', 'werden', 'werdet', 'werden'], deNeg: null },
  want: { en: 'want', enNeg: null, de: ['will', 'willst', 'will', 'wollen', 'wollt', 'wollen'], deNeg: null },
};
const HABEN = ['habe', 'hast', 'hat', 'haben', 'habt', 'haben'];
const SEIN = ['bin', 'bist', 'ist', 'sind', 'seid', 'sind'];
const WEATHER = {
  rain: { en3: 'rains', enBase: 'rain', enPP: 'rained', de: 'regnet', inf: 'regnen', part: 'geregnet' },
  snow: { en3: 'snows', enBase: 'snow', enPP: 'snowed', de: 'schneit', inf: 'schneien', part: 'geschneit' },
};

function verbOf(key) {
  if (key === 'be') {
    return { key, enBase: 'be', en3: 'is', enPP: 'been', particle: '', prefix: '', inf: 'sein', conj: SEIN, part: 'gewesen', aux: 's', type: 'cop' };
  }
  if (WEATHER[key]) {
    const w = WEATHER[key];
    return { key, enBase: w.enBase, en3: w.en3, enPP: w.enPP, particle: '', prefix: '', inf: w.inf, conj: [w.de, w.de, w.de, w.de, w.de, w.de], part: w.part, aux: 'h', type: 'intr' };
  }
  const v = LEX.verbs[key];
  if (!v) throw new Error(`unknown verb '${key}'`);
  return v;
}

/** Animals do not "essen" in German, they "fressen". */
const FRESSEN = { inf: 'fressen', conj: ['fresse', 'frisst', 'frisst', 'fressen', 'fresst', 'fressen'], part: 'gefressen' };

/** The verb as used with this subject (`who` questions ask about people). */
function verbFor(c) {
  const v = verbOf(c.verb);
  if (v.inf === 'essen' && c.q !== 'who' && c.subj && !c.subj.pro && noun(c.subj.n).cls.includes('a')) return { ...v, ...FRESSEN };
  return v;
}

/** English present of a verb for a person (0..5). */
function enPresent(v, person) {
  if (v.type === 'cop') return ['am', 'are', 'is', 'are', 'are', 'are'][person];
  return person === 2 ? v.en3 : v.enBase;
}
function enHave(person) {
  return person === 2 ? 'has' : 'have';
}
function enDo(person) {
  return person === 2 ? 'does' : 'do';
}

function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * English clause, as a list of words (without final punctuation).
 * `sub` = subordinate clause (same word order as a declarative in English).
 */
export function enClause(c) {
  const v = verbOf(c.verb);
  const person = c.q === 'who' ? 2 : personOf(c.subj);
  const subj = c.q === 'who' ? 'who' : enNP(c.subj);
  const cop = v.type === 'cop';
  // Objects and complements after the verb.
  const objPron = c.obj && c.obj.pro;
  const after = [];
  if (c.io) after.push(enNP(c.io, true));
  if (c.obj && c.q !== 'what' && c.q !== 'howmany') {
    if (v.particle && objPron) after.push(enNP(c.obj, true), v.particle);
    else {
      if (v.particle) after.push(v.particle);
      after.push(enNP(c.obj, true));
    }
  } else if (v.particle) after.push(v.particle);
  if (cop && c.adj) after.push(LEX.adjs[c.adj].en);
  if (c.place && c.q !== 'where') after.push(enPlace(c.place, v.type === 'mot'));
  if (c.time && !c.front && c.q !== 'when') after.push(timeEn(c.time));

  // The verb group: [aux] [not] main, or do-support.
  let finite; // first verb word (inverted in questions)
  let rest = []; // the rest of the verb group
  const t = c.tense;
  if (t === 'pres') {
    if (cop) {
      finite = enPresent(v, person);
      rest = c.neg ? ['not'] : [];
    } else if (c.neg || (c.q && c.q !== 'who')) {
      finite = enDo(person);
      rest = [...(c.neg ? ['not'] : []), v.enBase];
    } else {
      finite = enPresent(v, person);
    }
  } else if (t === 'perf') {
    finite = enHave(person);
    rest = [...(c.neg ? ['not'] : []), v.enPP];
  } else if (t === 'want') {
    if (c.neg || (c.q && c.q !== 'who')) {
      finite = enDo(person);
      rest = [...(c.neg ? ['not'] : []), 'want', 'to', v.enBase];
    } else {
      finite = person === 2 ? 'wants' : 'want';
      rest = ['to', v.enBase];
    }
  } else {
    const m = MODALS[t];
    if (c.neg) {
      const [a, ...b] = m.enNeg.split(' ');
      finite = a;
      rest = [...b, v.enBase];
    } else {
      finite = m.en;
      rest = [v.enBase];
    }
  }
  const front = c.time && c.front ? [timeEn(c.time) + ','] : [];
  if (!c.q) return [...front, subj, finite, ...rest, ...after];
  if (c.q === 'who') return ['who', finite, ...rest, ...after];
  const wh = { what: ['what'], where: ['where'], when: ['when'], why: ['why'], yn: [] }[c.q] ??
    (c.q === 'howmany' ? ['how', 'many', noun(c.obj.n).enPl] : null);
  return [...wh, finite, subj, ...rest, ...after];
}

/**
 * German clause as a list of words. mode: 'main' (verb second), 'q' (question), 'sub' (verb final,
 * the conjunction is added by the caller), 'v1' (verb first: the main clause after a fronted
 * subordinate clause).
 */
export function deClause(c, mode = c.q ? 'q' : 'main') {
  const v = verbFor(c);
  const cop = v.type === 'cop';
  const person = c.q === 'who' ? 2 : personOf(c.subj);
  const t = c.tense;
  // Negation: kein for an indefinite/bare object (the direct object, or the dative object of a dative verb).
  const negObj = c.neg && takesKein(c.obj) ? c.obj : null;
  const useNicht = c.neg && !negObj;
  const objCase = v.type === 'dat' ? 'dat' : 'acc';

  // The verb bracket: finite verb and the right bracket (infinitive/participle/prefix).
  let finite;
  const right = [];
  if (t === 'pres') {
    finite = v.conj[person];
    if (v.prefix) right.push(v.prefix);
  } else if (t === 'perf') {
    finite = (v.aux === 's' ? SEIN : HABEN)[person];
    right.push(v.part);
  } else {
    const m = MODALS[t];
    finite = (c.neg && m.deNeg ? m.deNeg : m.de)[person];
    right.push(v.prefix + v.inf);
  }

  // Middle field, in order: pronoun subject, pronoun objects, noun subject, time, dative noun,
  // definite accusative noun, nicht, kein-object / indefinite object, place, predicative adjective.
  const subjWord = c.q === 'who' ? null : deNP(c.subj, 'nom');
  const pronObjs = [];
  const nounObjs = [];
  const lateObjs = [];
  const wantObj = c.obj && c.q !== 'what' && c.q !== 'howmany';
  if (c.io) (c.io.pro ? pronObjs : nounObjs).push(deNP(c.io, 'dat'));
  if (wantObj) {
    const w = deNP(c.obj, objCase, c.obj === negObj);
    if (c.obj.pro) pronObjs.unshift(w); // accusative pronoun before dative pronoun
    else if (c.obj === negObj || (!c.neg && takesKein(c.obj))) lateObjs.push(w);
    else nounObjs.push(w);
  }
  const mid = [];
  let vorfeld = [];
  const timeWord = c.time && c.q !== 'when' ? timeDe(c.time) : null;
  const subjInMid = mode === 'sub' || mode === 'q' || mode === 'v1' || (mode === 'main' && c.front && timeWord);
  if (subjInMid && subjWord) mid.push(subjWord);
  mid.push(...pronObjs);
  if (timeWord && !(mode === 'main' && c.front)) mid.push(timeWord);
  mid.push(...nounObjs);
  if (useNicht) mid.push('nicht');
  mid.push(...lateObjs);
  if (c.place && c.q !== 'where') mid.push(dePlace(c.place, v.type === 'mot'));
  if (cop && c.adj) mid.push(LEX.adjs[c.adj].pred);

  if (mode === 'sub') {
    // Verb-final: right bracket, then the finite verb (a separable prefix joins it).
    if (t === 'pres') return [...mid, v.prefix + finite];
    return [...mid, ...right, finite];
  }
  if (mode === 'main') {
    vorfeld = c.front && timeWord ? [timeWord] : [subjWord];
    return [...vorfeld, finite, ...mid, ...right];
  }
  if (mode === 'v1') return [finite, ...mid, ...right];
  // Questions.
  if (c.q === 'yn') return [finite, ...mid, ...right];
  if (c.q === 'who') return ['wer', finite, ...mid, ...right];
  if (c.q === 'howmany') return ['wie', 'viele', deNoun(noun(c.obj.n), true, objCase), finite, ...mid, ...right];
  const wh = { what: 'was', when: 'wann', why: 'warum', where: v.type === 'mot' ? 'wohin' : 'wo' }[c.q];
  return [wh, finite, ...mid, ...right];
}

// ---------------------------------------------------------------------------------------------
// Sentences: { clause } | { clause, conj: 'that'|'whether'|'because'|'although'|'if', sub, subFirst? }
// For 'that'/'whether' the main clause's verb is a frame verb (know/say/think/hope/ask/wonder).

const FRAMES = {
  know: { en3: 'knows', enBase: 'know', de: ['weiß', 'weißt', 'weiß', 'wissen', 'wisst', 'wissen'] },
  say: { en3: 'says', enBase: 'say', de: regular('sagen') },
  think: { en3: 'thinks', enBase: 'think', de: regular('denken') },
  hope: { en3: 'hopes', enBase: 'hope', de: regular('hoffen') },
  ask: { en3: 'asks', enBase: 'ask', de: regular('fragen') },
};
const CONJ = { that: 'dass', whether: 'ob', because: 'weil', although: 'obwohl', if: 'wenn' };

/** Main clause of a frame verb ("the teacher knows", "I do not know"), English and German words. */
function frameWords(f) {
  const v = FRAMES[f.verb];
  const person = personOf(f.subj);
  const en = f.neg ? [enNP(f.subj), enDo(person), 'not', v.enBase] : [enNP(f.subj), person === 2 ? v.en3 : v.enBase];
  const de = [deNP(f.subj, 'nom'), v.de[person], ...(f.neg ? ['nicht'] : [])];
  return { en, de };
}

function finish(words, q) {
  const s = words.join(' ');
  return cap(s) + (q ? '?' : '.');
}

/** Realises a sentence structure as { en, de }. */
export function realize(s) {
  if (s.frame) {
    const { en, de } = frameWords(s.frame);
    const conj = s.conj;
    const enSub = enClause(s.sub);
    const deSub = deClause(s.sub, 'sub');
    return {
      en: finish([...en, conj, ...enSub]),
      de: finish([...de.slice(0, -1), de[de.length - 1] + ',', CONJ[conj], ...deSub]),
    };
  }
  if (s.sub) {
    const conj = s.conj;
    if (s.subFirst) {
      const enSub = enClause(s.sub);
      const deSub = deClause(s.sub, 'sub');
      const enMain = enClause(s.clause);
      const deMain = deClause(s.clause, 'v1');
      enSub[enSub.length - 1] += ',';
      deSub[deSub.length - 1] += ',';
      return { en: finish([conj, ...enSub, ...enMain]), de: finish([CONJ[conj], ...deSub, ...deMain]) };
    }
    const enMain = enClause(s.clause);
    const deMain = deClause(s.clause, 'main');
    deMain[deMain.length - 1] += ',';
    return { en: finish([...enMain, conj, ...enClause(s.sub)]), de: finish([...deMain, CONJ[conj], ...deClause(s.sub, 'sub')]) };
  }
  const q = !!s.clause.q;
  return { en: finish(enClause(s.clause), q), de: finish(deClause(s.clause), q) };
}

// ---------------------------------------------------------------------------------------------
// Random structures.

const NOUN_LIST = () => Object.values(LEX.nouns);
const SUBJ_PRONOUNS = ['I', 'you', 'he', 'she', 'we', 'they'];

function nounsOf(cls) {
  return NOUN_LIST().filter((n) => [...cls].some((c) => n.cls.includes(c)));
}

function adjsFor(n) {
  const c = n.cls.includes('p') ? 'p' : n.cls.includes('a') ? 'a' : n.cls.includes('f') ? 'f' : 't';
  return Object.values(LEX.adjs).filter((a) => a.cls.includes(c)).map((a) => a.en);
}

const cache = new Map();
function cached(key, f) {
  if (!cache.has(key)) cache.set(key, f());
  return cache.get(key);
}

/**
 * A random NP of one of the classes. opts: { pro: allow pronouns, num: allow numbers, kein: must be able
 * to take kein (for negation) or be definite, def: definite only, sg: singular only }.
 */
function randomNP(R, cls, opts = {}) {
  if (opts.pro && R.chance(0.25)) return { pro: R.pick(opts.subject ? SUBJ_PRONOUNS : ['I', 'you', 'he', 'she', 'we', 'they']) };
  const n = R.pick(cached(`n:${cls}`, () => nounsOf(cls)));
  const np = { n: n.en };
  if (n.mass) {
    np.det = opts.def ? 'the' : R.weighted({ the: 3, none: 3, my: 1, this: 1 });
  } else {
    const w = opts.def ? { the: 6, my: 1, your: 1, his: 1, her: 1, our: 1, their: 1, this: 2 }
      : { the: 6, a: 4, my: 1, your: 1, his: 1, her: 1, our: 1, their: 1, this: 1, none: 2, num: opts.num ? 3 : 0 };
    np.det = R.weighted(w);
    if (np.det === 'none') np.pl = true;
    else if (np.det === 'num') {
      np.num = R.chance(0.75) ? 2 + R.int(11) : R.chance(0.5) ? 13 + R.int(8) : R.pick([24, 25, 30, 36, 40, 50, 60, 75, 99, 100]);
    } else if (np.det !== 'a' && R.chance(0.3)) np.pl = true;
  }
  if (opts.sg) {
    if (np.det === 'none' || np.det === 'num') np.det = 'the';
    delete np.pl;
    delete np.num;
  }
  if (R.chance(0.3)) {
    const adjs = adjsFor(n);
    if (adjs.length) np.adj = R.pick(adjs);
  }
  return np;
}

function randomTime(R, tense) {
  const k = R.weighted({ word: 4, day: 2, every: 1, part: 2, clock: 2, digits: 1, date: 1, month: 1, year: tense === 'perf' ? 1 : 0 });
  if (k === 'word') {
    const words = tense === 'perf' ? ['yesterday', 'last week', 'last year', 'today']
      : tense === 'fut' ? ['tomorrow', 'next week', 'next year', 'today']
        : ['today', 'now', 'every day', 'every morning', 'every evening'];
    return { kind: 'word', w: R.pick(words) };
  }
  if (k === 'day' || k === 'every') return { kind: tense === 'perf' && k === 'every' ? 'day' : k, d: R.int(7) };
  if (k === 'part') return { kind: 'part', p: R.pick(Object.keys(DAY_PARTS)) };
  if (k === 'clock') return { kind: 'clock', h: 1 + R.int(12), m: R.pick([0, 0, 0, 30, 15, 45]) };
  if (k === 'digits') return { kind: 'digits', h: 6 + R.int(17), m: R.pick([0, 15, 30, 45]) };
  if (k === 'date') return R.chance(0.5) ? { kind: 'date', day: 1 + R.int(12), month: R.int(12), ord: true } : { kind: 'date', day: 1 + R.int(28), month: R.int(12) };
  if (k === 'month') return { kind: 'month', month: R.int(12) };
  return { kind: 'year', y: 2000 + R.int(26) };
}

const VERB_LIST = () => Object.values(LEX.verbs);
/** Intransitive verbs that take no place phrase. */
const NO_PLACE = new Set(['get+up', 'wake+up']);

/** Object pronouns that cannot refer to the subject (no "we see me", no "he sees him"). */
function otherPronouns(subj) {
  const speaker = ['I', 'we'];
  const all = ['I', 'you', 'he', 'she', 'we', 'they'];
  return all.filter((p) => p !== subj && !(speaker.includes(p) && speaker.includes(subj)));
}

/** A random simple clause. opts: { q: allow questions, noTime, noNeg } */
export function randomClause(R, opts = {}) {
  const kind = R.weighted({ tr: 10, intr: 4, dat: 2, di: 3, mot: 3, cop: 3 });
  const c = {};
  if (kind === 'cop') c.verb = 'be';
  else {
    const vs = cached(`v:${kind}`, () => VERB_LIST().filter((v) => v.type === kind));
    c.verb = R.pick(vs).key;
  }
  const v = verbOf(c.verb);
  c.tense = R.weighted({ pres: 10, perf: 4, can: 2, must: 1, want: 2, fut: 2 });
  c.neg = !opts.noNeg && R.chance(0.25);
  let q = opts.q && !c.neg && R.chance(0.25) ? R.weighted({ yn: 4, who: 2, what: 2, where: 1, when: 1, why: 1, howmany: 1 }) : null;

  if (kind === 'cop') {
    c.subj = randomNP(R, 'pa', { pro: true, subject: true });
    const noun_ = c.subj.pro ? null : noun(c.subj.n);
    const adjs = noun_ ? adjsFor(noun_) : Object.values(LEX.adjs).filter((a) => a.cls.includes('p')).map((a) => a.en);
    delete c.subj.adj; // "the tired dog is tired" is odd: no attributive adjective on the subject of a copula
    c.adj = R.pick(adjs);
    if (c.tense === 'want') c.tense = 'pres';
  } else {
    c.subj = randomNP(R, v.subjCls, { pro: v.subjCls === 'p', subject: true });
  }
  if (kind === 'tr' || kind === 'dat' || kind === 'di') {
    const objCls = kind === 'di' ? v.objCls : v.objCls;
    c.obj = randomNP(R, objCls, { pro: v.objCls.includes('p'), num: kind === 'tr' && !c.neg });
    if (kind === 'di') {
      c.io = randomNP(R, 'p', { pro: true, def: true });
      if (c.obj.pro) c.obj = randomNP(R, v.objCls, {});
    }
  }
  if (kind === 'intr' && !NO_PLACE.has(c.verb) && (c.verb === 'live' || R.chance(0.5))) c.place = R.pick(Object.keys(LEX.places));
  if (kind === 'mot') c.place = R.pick(Object.keys(LEX.places));
  // Subject and object must differ ("the man sees the man").
  if (c.obj && !c.obj.pro && !c.subj.pro && c.obj.n === c.subj.n) {
    const others = cached(`n:${v.objCls}`, () => nounsOf(v.objCls)).filter((n) => n.en !== c.subj.n);
    c.obj.n = R.pick(others).en;
    if (c.obj.adj && !adjsFor(noun(c.obj.n)).includes(c.obj.adj)) delete c.obj.adj;
  }
  // …and no reflexives: "I see me" / "he sees him" are not generated.
  if (c.io && !c.io.pro && !c.subj.pro && c.io.n === c.subj.n) {
    c.io.n = R.pick(cached('n:p', () => nounsOf('p')).filter((n) => n.en !== c.subj.n)).en;
  }
  if (c.obj && c.obj.pro && c.subj.pro) c.obj = { pro: R.pick(otherPronouns(c.subj.pro)) };
  if (c.io && c.io.pro && c.subj.pro) c.io = { pro: R.pick(otherPronouns(c.subj.pro)) };

  if (!opts.noTime && R.chance(0.3)) {
    c.time = randomTime(R, c.tense);
    if (!q && R.chance(0.4)) c.front = true;
  }
  // Questions need something to ask about.
  if (q === 'what' && !(c.obj && !c.obj.pro && !c.obj.n.match(/^$/) && noun(c.obj.n).cls.match(/[tfdswgkbocr]/) && !noun(c.obj.n).cls.includes('p'))) q = 'yn';
  if (q === 'what' && kind === 'di') q = 'yn';
  if (q === 'howmany' && !(c.obj && !c.obj.pro && !noun(c.obj.n).mass && kind === 'tr')) q = 'yn';
  if (q === 'howmany') {
    c.obj.det = 'num';
    c.obj.num = 2;
    delete c.obj.adj;
  }
  if (q === 'where' && (!c.place || c.verb === 'come')) q = 'yn';
  if (q === 'when' && !c.time) q = 'yn';
  if (q === 'who' && c.subj.pro) q = 'yn';
  if (q) {
    c.q = q;
    delete c.front;
  }
  return c;
}

/** Word count of the English side of a clause — to keep sentences short. */
function enLength(c) {
  return enClause(c).length;
}

export function randomSentence(R) {
  const kind = R.weighted({ simple: 14, frame: 3, because: 3, fronted: 1, weather: 1 });
  if (kind === 'simple') return { clause: randomClause(R, { q: true }) };
  if (kind === 'frame') {
    const verb = R.pick(['know', 'say', 'think', 'hope', 'know', 'ask']);
    const neg = verb === 'know' && R.chance(0.3);
    const conj = verb === 'ask' || (neg && R.chance(0.5)) ? 'whether' : 'that';
    const frame = { verb, neg, subj: randomNP(R, 'p', { pro: true, subject: true, def: true, sg: true }) };
    delete frame.subj.adj;
    let sub;
    do sub = randomClause(R, { noTime: true });
    while (enLength(sub) > 8);
    return { frame, conj, sub };
  }
  if (kind === 'weather') {
    const w = R.pick(['rain', 'snow', 'cold', 'warm', 'hot']);
    const sub = w === 'rain' || w === 'snow'
      ? { subj: { pro: 'it' }, verb: w, tense: 'pres' }
      : { subj: { pro: 'it' }, verb: 'be', adj: w === 'hot' ? 'hot' : w, tense: 'pres' };
    let clause;
    do clause = randomClause(R, { noTime: true });
    while (enLength(clause) > 8);
    const conj = R.pick(['if', 'because', 'although']);
    return R.chance(0.6) ? { clause, conj, sub, subFirst: true } : { clause, conj, sub };
  }
  let clause;
  let sub;
  do {
    clause = randomClause(R, { noTime: true });
    sub = randomClause(R, { noTime: true });
  } while (enLength(clause) + enLength(sub) > 13);
  const conj = R.pick(['because', 'although', 'because', 'if']);
  return kind === 'fronted' ? { clause, conj, sub, subFirst: true } : { clause, conj, sub };
}

// "hot" is only a weather adjective.
LEX.adjs.hot = { en: 'hot', pred: 'heiß', stem: 'heiß', cls: '' };

/** Generates `count` pairs with unique English sides of 3..maxWords words. */
export function generatePairs(count, seed, maxWords = 15) {
  const R = makeRandom(seed);
  const seen = new Set();
  const pairs = [];
  let tries = 0;
  while (pairs.length < count) {
    if (++tries > count * 50) throw new Error(`could only make ${pairs.length} distinct sentences`);
    const s = randomSentence(R);
    const { en, de } = realize(s);
    const words = en.split(' ').length;
    if (words < 3 || words > maxWords) continue;
    if (seen.has(en)) continue;
    seen.add(en);
    pairs.push({ en, de });
  }
  return pairs;
}

function writeAtomic(path, text) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes train/valid/test in Moses style (NAME.en, NAME.de) under outDir. */
export function writeCorpus(outDir, { seed = 20261128, train = 40000, valid = 1000, test = 1000, maxWords = 15 } = {}) {
  const pairs = generatePairs(train + valid + test, seed, maxWords);
  mkdirSync(outDir, { recursive: true });
  const splits = [['train', 0, train], ['valid', train, train + valid], ['test', train + valid, train + valid + test]];
  for (const [name, a, b] of splits) {
    const part = pairs.slice(a, b);
    writeAtomic(join(outDir, `${name}.en`), part.map((p) => p.en).join('\n') + '\n');
    writeAtomic(join(outDir, `${name}.de`), part.map((p) => p.de).join('\n') + '\n');
  }
  return pairs.length;
}

function parseArgs(argv) {
  const opts = { out: join(fileURLToPath(new URL('.', import.meta.url)), 'demo'), seed: 20261128, train: 40000, valid: 1000, test: 1000, maxWords: 15 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = argv[i + 1];
    if (a === '--out') opts.out = resolve(val);
    else if (['--seed', '--train', '--valid', '--test', '--max-words'].includes(a)) {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a non-negative integer`);
      opts[a === '--max-words' ? 'maxWords' : a.slice(2)] = n;
    } else throw new Error(`unknown argument ${a}`);
    i++;
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { out, ...rest } = parseArgs(process.argv.slice(2));
    const n = writeCorpus(out, rest);
    process.stdout.write(`wrote ${n} pairs to ${out}\n`);
  } catch (err) {
    process.stderr.write(`generate.mjs: ${err.message}\n`);
    process.exitCode = 2;
  }
}
