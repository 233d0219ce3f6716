/**
 * Generated hostile seeds through whole publish runs: a property-based test with a fixed list
 * of PRNG seeds, so every run generates the same sites, byte for byte.
 *
 * Each site is a handful of seed files built from a grammar of nasty pieces (markup, CDATA
 * ends, literal entities, the control characters the renderer uses as placeholders, lone
 * surrogates, noncharacters, BOMs, every kind of line end, invisible and right-to-left
 * characters, combining marks, other scripts, very long words, header-like lines, odd `lang`
 * tags, hostile URLs and photo credits), stored as UTF-8, UTF-16 or bytes that are not text at
 * all, and published into an in-memory bucket; then a month later some seeds are rewritten,
 * broken, deleted or added and the site is published again. After each run every object in the
 * bucket is checked:
 *
 *  1. the run completes; each seed is published, held, or rejected with its file, line and
 *     reason exactly as the parser gives them, and each published article is exactly once in
 *     the history a reader walks (the feed, then its `prev-archive` links), with a page every
 *     link reaches, named `articles/DATE-TITLE-WORDS.html`;
 *  1b. (from README rather than the parser) a header or `lang` line of the documented form is
 *     never refused, and a `lang` line with something that is no tag always is;
 *  2. every XML document is well-formed (checked here character by character, and by
 *     fast-xml-parser and libxml2), has only the elements the templates write, and every JSON
 *     document parses and holds no lone surrogate nor any character the parser drops;
 *  3. every title and summary a reader gets back (RSS, Atom html, JSON, the feeds' browser
 *     view, the article page and the index) is the parser's, character for character;
 *  4. no page carries markup from a seed: only the templates' elements and attributes, no
 *     script, no comment, every link http(s) or relative;
 *  5. the same seeds give the same bytes in a fresh bucket, and a run with nothing changed
 *     writes nothing.
 *
 * The smallest seed of each failure found is a test of its own at the end of the file.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSeed, parseArticle } from '../../src/article/parse.js';
import { collisionReason, itemId } from '../../src/article/identity.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { jsonFeedSchemaErrors } from '../helpers/feeds.js';
import { mulberry32, type Rng } from '../helpers/prng.js';
import { SITE, testFeedConfig } from '../publish/support.js';
import { MANIFEST, memorySite, type Site } from '../publish/support-site.js';

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG (mulberry32) and the choices made with it.

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const chance = (rng: Rng, p: number): boolean => rng() < p;

/** One of `[weight, value]` in proportion to the weights. */
function weighted<T>(rng: Rng, table: readonly (readonly [number, T])[]): T {
  const total = table.reduce((sum, [weight]) => sum + weight, 0);
  let r = rng() * total;
  for (const [weight, value] of table) {
    r -= weight;
    if (r < 0) return value;
  }
  return table[table.length - 1]![1];
}

// ---------------------------------------------------------------------------------------------
// The grammar's pieces.

const WORDS = ['harbour', 'ferry', 'Council', 'budget', 'bridge', 'school', 'report', 'weather', 'night', 'AT&T', 'O’Neil', 'x'];
const MARKUP = [
  '&',
  '<',
  '>',
  '"',
  "'",
  ']]>',
  ']]]]>',
  '<![CDATA[',
  '<![CDATA[x]]>',
  '</script>',
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<!--',
  '-->',
  '<!-- hidden -->',
  '&amp;',
  '&#x26;',
  '&#38;',
  '&nbsp;',
  '&lt;b&gt;',
  '&amp;lt;',
  '&#0;',
  '&#x1;',
  '&bogus;',
  '&',
  '<b>bold</b>',
  '<i>',
  '<a href="javascript:alert(1)">x</a>',
  '<img src=x onerror=alert(1)>',
  '<svg/onload=alert(1)>',
  '"><script>alert(1)</script>',
  "' onmouseover='alert(1)",
  '" onclick="alert(1)',
  '</title>',
  '</textarea>',
  '</style>',
  '<?xml version="1.0"?>',
  '<!DOCTYPE x [<!ENTITY e "boom">]>',
  '&e;',
  '<entry>',
  '<item>',
  '</channel>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder typed into a seed is one of the pieces.
  '${title}',
  '{{title}}',
  '%00',
  '\\u0000',
];
const PLACEHOLDER_CONTROLS = ['\u0001', '\u0002', '\u0003', '\u0001\u0002\u0003'];
const OTHER_C0 = ['\u0000', '\u0004', '\u0007', '\u0008', '\u000B', '\u000C', '\u000E', '\u001B', '\u001F', '\u007F'];
const C1 = ['\u0080', '\u0085', '\u009B', '\u009F'];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83Db', '\uDE00\uD83D'];
const NONCHARACTERS = ['\uFFFE', '\uFFFF', '\uFDD0', '\u{1FFFE}', '\u{10FFFF}', '\uFFFD'];
const BOM = '\uFEFF';
const SPACES = ['\t', ' ', '   ', '\t\t ', '\u00A0', '\u00A0\u00A0', '\u2003', '\u3000', '\u200B', '\u202F'];
const LINE_SEPARATORS = ['\u2028', '\u2029', '\u0085', '\u000B', '\u000C', '\r', '\r\n'];
const INVISIBLE = ['\u200D', '\u200C', '\u2060', '\u00AD', '\u034F', '\u180E'];
const EMOJI = ['👩‍👩‍👧', '🏳️‍🌈', '👍🏽', '🇺🇦', '❤️', '🧑‍🚀', '👨🏿‍🦰', '🫠', '1️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'];
const RTL = [
  '\u200F',
  '\u200E',
  '\u202E',
  '\u202B',
  '\u202C',
  '\u2066',
  '\u2069',
  '\u061C',
  'مرحبا',
  'שלום עולם',
  'عربي\u200F123',
  '\u202Etxt.exe',
];
const COMBINING = [
  'e\u0301',
  '\u0301',
  'a\u0308\u0308\u0308',
  'Z\u0351\u0352\u0353\u0354',
  'ﬁ',
  '\u212B',
  'ǅ',
  'ß',
  'İ',
  'ﷺ',
  'Å',
  'A\u030A',
];
const SCRIPTS = ['Київ', 'Ελληνικά', '日本語', '中文', '한국어', 'Привіт', 'ру́сский', 'हिन्दी', 'ไทย', 'ქართული', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '𠜎𠜱'];
const TYPOGRAPHY = ['“', '”', '„', '«', '»', '‘', '’', '‚', '—', '–', '…', '‐', '′', '″', '‹', '›', '•', '·'];
const URLS = [
  'https://example.org/a?b=1&c=2',
  'https://example.org/"quoted"',
  "https://example.org/'single'",
  'https://example.org/<script>alert(1)</script>',
  'https://example.org/&amp;&#x26;&nbsp;',
  'https://example.org/#"onmouseover="alert(1)',
  'https://пример.рф/путь?ключ=значение',
  'HTTPS://EXAMPLE.ORG/UPPER',
  'http://[::1]:8080/x',
  'https://user:pass@example.org/',
  'https://example.org/]]>',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.domain)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  '//evil.example/',
  'https://',
  'http://example.org/\u0001\u0002',
];
const CREDIT_SOURCES = ['commons.wikimedia.org', 'EXAMPLE.ORG', 'evil"><x', 'a&b.org', 'ex-ample.co.uk', 'j.s', 'javascript:x', 'flickr'];
const CREDIT_LICENSES = [
  'https://creativecommons.org/licenses/by-sa/4.0/',
  'https://creativecommons.org/publicdomain/zero/1.0/',
  'https://example.org/licence?a=1&b="2"',
  'https://example.org/"><script>alert(1)</script>',
  "https://example.org/' onmouseover='x",
  'javascript:alert(1)',
  'https://example.org/]]>',
];
const VALID_LANGS = ['uk', 'pt-BR', 'sr-Latn-RS', 'EN', 'zh-Hant-TW', 'ar', 'he', 'ja', 'en'];
const ODD_LANGS = [
  'pt_BR',
  'x',
  'en-',
  '"><script>',
  'uk ua',
  '',
  'en-US-',
  'abcd',
  'i-klingon',
  'en\u200D',
  'en\u0001',
  '&amp;',
  'x-private',
  'u\u2028k',
];
const BAD_DATES = [
  '2026-02-30',
  '2026-13-01',
  '2026-1-1',
  '26-01-01',
  '2026/01/02',
  '2025-02-29',
  '0000-00-00',
  '2026-02-3O',
  '２０２６-01-01',
  '2026-01-01T00:00',
];
const BLANKISH = ['', '', '', ' ', '\t', '\u00A0', '\u3000 ', BOM, '\u0001'];

function longWord(rng: Rng): string {
  return weighted(rng, [
    [2, 'Donaudampfschifffahrtsgesellschaft'.repeat(int(rng, 2, 60))],
    [1, 'x'.repeat(int(rng, 100, 6000))],
    [1, 'ж'.repeat(int(rng, 50, 3000))],
    [1, '&'.repeat(int(rng, 50, 2000))],
    [1, '<'.repeat(int(rng, 50, 500))],
    [1, '👩‍👩‍👧'.repeat(int(rng, 20, 300))],
  ]);
}

/**
 * One token of text, plain or nasty. `safe` leaves out line separators, so that a seed made
 * only of safe tokens is a header line and paragraphs as written.
 */
function token(rng: Rng, nastyOnly = false, safe = false): string {
  return weighted(rng, [
    [nastyOnly ? 0 : 30, () => pick(rng, WORDS)],
    [15, () => pick(rng, MARKUP)],
    [4, () => pick(rng, PLACEHOLDER_CONTROLS)],
    [4, () => pick(rng, OTHER_C0)],
    [2, () => pick(rng, C1)],
    [3, () => pick(rng, LONE_SURROGATES)],
    [3, () => pick(rng, NONCHARACTERS)],
    [2, () => BOM],
    [4, () => pick(rng, SPACES)],
    [safe ? 0 : 2, () => pick(rng, LINE_SEPARATORS)],
    [3, () => pick(rng, INVISIBLE)],
    [5, () => pick(rng, EMOJI)],
    [5, () => pick(rng, RTL)],
    [4, () => pick(rng, COMBINING)],
    [6, () => pick(rng, SCRIPTS)],
    [5, () => pick(rng, TYPOGRAPHY)],
    [1, () => longWord(rng)],
    [2, () => pick(rng, URLS)],
  ])();
}

/** Tokens with spaces between. `safe`: no line separators, and a plain word first. */
function fragment(rng: Rng, min: number, max: number, nastyOnly = false, safe = false): string {
  const count = int(rng, min, max);
  let out = safe ? pick(rng, WORDS) : '';
  for (let i = 0; i < count; i++) {
    if (i > 0 || safe) out += chance(rng, 0.75) ? ' ' : pick(rng, ['', ...SPACES]);
    out += token(rng, nastyOnly, safe);
  }
  return out;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Mostly a day before NOW, often one of the site's few `days` (so titles and slugs collide);
 * a few that do not exist, a few after NOW (held back).
 */
function dateText(rng: Rng, days: readonly string[], valid = false): string {
  const r = valid ? 1 : rng();
  if (r < 0.06) return pick(rng, BAD_DATES);
  if (r < 0.09) return `2031-${pad2(int(rng, 1, 12))}-${pad2(int(rng, 1, 28))}`;
  if (r < 0.1) return '2024-02-29';
  if (chance(rng, 0.5)) return pick(rng, days);
  return `${int(rng, 2024, 2029)}-${pad2(int(rng, 1, 12))}-${pad2(int(rng, 1, 28))}`;
}

function titleText(rng: Rng, valid = false): string {
  const r = valid ? 1 : rng();
  if (r < 0.03) return '';
  if (r < 0.06) return pick(rng, ['\u0001\u0002\u0003', '\u0000', ' \t ', BOM, '\uFFFE\uFFFF', '\u00A0', '\u2028']);
  if (r < 0.25) return fragment(rng, 1, 6, true);
  if (r < 0.28) return `${fragment(rng, 1, 3)}${pick(rng, ['\u2028', '\u2029'])}${fragment(rng, 1, 3)}`;
  return fragment(rng, 1, 9, false, valid);
}

function headerLine(rng: Rng, days: readonly string[], valid = false): string {
  if (!valid && chance(rng, 0.03)) return fragment(rng, 2, 8); // no header at all
  const lead = valid ? '' : pick(rng, ['', '', '', '', ' ', '\t', '  \t', BOM, '\u0001', '\u00A0']);
  const keyword = valid ? 'date' : pick(rng, ['date', 'date', 'date', 'date', 'Date', 'DATE', 'dat\u0000e']);
  const sep = () => (valid ? ' ' : pick(rng, [' ', ' ', ' ', '\t', '   ', ' \t ']));
  const title = titleText(rng, valid);
  return `${lead}${keyword}${sep()}${dateText(rng, days, valid)}${title === '' && chance(rng, 0.5) ? '' : sep() + title}`;
}

function langLine(rng: Rng): string {
  const keyword = pick(rng, ['lang', 'lang', 'lang', 'Lang', 'LANG', 'lang\t']);
  const tag = chance(rng, 0.6) ? pick(rng, VALID_LANGS) : pick(rng, ODD_LANGS);
  return `${keyword}${tag === '' ? '' : pick(rng, [' ', '  ', '\t'])}${tag}`;
}

/** A block of the body, possibly over several lines. */
function blockLines(rng: Rng, days: readonly string[]): string[] {
  return weighted(rng, [
    [
      30,
      () => {
        const text = `${fragment(rng, 3, 18)}${pick(rng, ['.', '!', '?', '…', ';', '."', '»', ')', ':'])}`;
        if (!chance(rng, 0.3)) return [text];
        const words = text.split(' ');
        const cut = int(rng, 1, Math.max(1, words.length - 1));
        return [words.slice(0, cut).join(' '), words.slice(cut).join(' ')];
      },
    ],
    [10, () => [fragment(rng, 1, 5)]],
    [8, () => [`${pick(rng, ['"', '“', '”', '„', '«', '»', '‘', '‚'])}${fragment(rng, 2, 10)}${pick(rng, ['”', '"', '»', '', '.'])}`]],
    [
      8,
      () => [
        `${pick(rng, ['Photo:', 'Photo: ', 'photo:', 'PHOTO:'])} ${pick(rng, CREDIT_SOURCES)} by ${fragment(rng, 1, 4)}, ${pick(rng, CREDIT_LICENSES)}${
          chance(rng, 0.7) ? ` ${fragment(rng, 1, 4)}` : ''
        }`,
      ],
    ],
    [5, () => [pick(rng, URLS)]],
    [4, () => [`date ${dateText(rng, days)} ${fragment(rng, 1, 4)}`]],
    [3, () => [langLine(rng)]],
    [6, () => [fragment(rng, 1, 6, true)]],
  ])();
}

type Encoding = 'utf-8' | 'wtf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

interface GeneratedSeed {
  readonly fileName: string;
  /** The text before encoding; lone surrogates in it become U+FFFD in UTF-8, bad bytes in WTF-8. */
  readonly text: string;
  readonly encoding: Encoding;
}

/** A whole seed file's text, from the grammar. `valid` gives one that always parses. */
function seedText(rng: Rng, days: readonly string[], valid = false): string {
  const eol = valid ? '\n' : pick(rng, ['\n', '\n', '\n', '\r\n', '\r\n', '\r', 'mixed']);
  const lines: string[] = [];
  if (!valid && chance(rng, 0.1)) for (let i = int(rng, 1, 3); i > 0; i--) lines.push(pick(rng, BLANKISH));
  lines.push(headerLine(rng, days, valid));
  if (!valid && chance(rng, 0.25)) {
    if (chance(rng, 0.3)) lines.push('');
    lines.push(langLine(rng));
  }
  const blank = () => (valid ? '' : pick(rng, BLANKISH));
  lines.push(blank());
  if (valid) lines.push(`${fragment(rng, 3, 12, false, true)}.`);
  const blocks = valid ? int(rng, 0, 3) : int(rng, 0, 6);
  for (let b = 0; b < blocks; b++) {
    if (b > 0 || valid) lines.push(blank());
    lines.push(...blockLines(rng, days));
  }
  let text = lines.map((line, i) => (i === 0 ? line : (eol === 'mixed' ? pick(rng, ['\n', '\r\n', '\r']) : eol) + line)).join('');
  if (!valid && chance(rng, 0.5)) text += eol === 'mixed' ? '\n' : eol;
  if (!valid && chance(rng, 0.1)) {
    // Noise anywhere, even inside the header's keyword.
    for (let n = int(rng, 1, 3); n > 0; n--) {
      const at = int(rng, 0, text.length);
      text = text.slice(0, at) + token(rng, true) + text.slice(at);
    }
  }
  if (!valid && chance(rng, 0.15)) text = BOM + text;
  if (!valid && chance(rng, 0.04)) text = BOM + BOM + text;
  return text;
}

const FILE_STEMS = [
  'story',
  'café',
  'cafe\u0301',
  'a&b',
  "o'neil",
  'two words',
  'київ',
  '100%',
  '(paren)',
  'semi;colon',
  'eq=sign',
  '日本',
];

function encoding(rng: Rng): Encoding {
  return weighted(rng, [
    [80, 'utf-8'],
    [6, 'wtf-8'],
    [7, 'utf-16le'],
    [4, 'utf-16be'],
    [3, 'latin1'],
  ] as const);
}

function generatedSeed(rng: Rng, fileName: string, days: readonly string[]): GeneratedSeed {
  const valid = chance(rng, 0.1);
  return { fileName, text: seedText(rng, days, valid), encoding: valid ? 'utf-8' : encoding(rng) };
}

interface GeneratedSite {
  readonly prng: number;
  readonly itemLimit: number;
  readonly language: string;
  /** A small MAX_FEED_BYTES, so the oldest items lose their full text. */
  readonly feedBytes?: number;
  /** The seed folder of the first run. */
  readonly seeds: readonly GeneratedSeed[];
  /** The seed folder of the second: some seeds rewritten, some deleted, some added, some saved again unchanged in meaning. */
  readonly edited: readonly GeneratedSeed[];
}

function generateSite(prng: number): GeneratedSite {
  const rng = mulberry32(prng);
  const itemLimit = pick(rng, [50, 50, 50, 3, 2, 1, 5]);
  const language = pick(rng, ['en', 'en', 'en', 'uk', 'ar']);
  const days = Array.from({ length: int(rng, 1, 4) }, () => `${int(rng, 2024, 2029)}-${pad2(int(rng, 1, 12))}-${pad2(int(rng, 1, 28))}`);
  const seeds: GeneratedSeed[] = [{ fileName: '000-anchor.txt', text: seedText(rng, days, true), encoding: 'utf-8' }];
  for (let i = int(rng, 4, 9); i > 0; i--) {
    const name = `${String(i).padStart(3, '0')}-${pick(rng, FILE_STEMS)}${chance(rng, 0.05) ? '.TXT' : '.txt'}`;
    seeds.push(generatedSeed(rng, name, days));
  }
  // Two names of one item id (README: the first in byte order is published, the other refused naming it).
  const collision = chance(rng, 0.2)
    ? pick(rng, [
        ['050-dup.txt', '050-dup.TXT'],
        ['051-caf\u00e9.txt', '051-cafe\u0301.txt'],
      ])
    : [];
  for (const name of collision) seeds.push(generatedSeed(rng, name, days));
  // Files that are not seeds: they must be neither published nor reported.
  if (chance(rng, 0.3)) seeds.push({ fileName: 'README.md', text: seedText(rng, days, true), encoding: 'utf-8' });
  if (chance(rng, 0.3)) seeds.push({ fileName: '.hidden.txt', text: seedText(rng, days, true), encoding: 'utf-8' });

  const edited: GeneratedSeed[] = [];
  for (const seed of seeds) {
    const r = seed.fileName === '000-anchor.txt' || collision.includes(seed.fileName) ? 1 : rng();
    if (r < 0.1) continue; // deleted
    if (r < 0.4) edited.push(generatedSeed(rng, seed.fileName, days));
    else if (r < 0.5)
      edited.push({ ...seed, text: `${seed.text.replace(/\r\n?/g, '\n')}\n` }); // other bytes, same article
    else edited.push(seed);
  }
  for (let n = int(rng, 0, 2); n > 0; n--) edited.push(generatedSeed(rng, `${100 + n}-added-${pick(rng, FILE_STEMS)}.txt`, days));
  return { prng, itemLimit, language, ...(chance(rng, 0.15) ? { feedBytes: 16 * 1024 } : {}), seeds, edited };
}

/** UTF-8 that writes lone surrogates as the three bytes of their code point, as WTF-8 (and CESU-8) do. */
function encodeWtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(bytes);
}

/** UTF-16 with its BOM, code unit by code unit: lone surrogates stay lone. */
function encodeUtf16(text: string, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(2 + text.length * 2);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xfeff, littleEndian);
  for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), littleEndian);
  return bytes;
}

function encodeSeed(seed: GeneratedSeed): Uint8Array {
  switch (seed.encoding) {
    case 'utf-8':
      return new Uint8Array(Buffer.from(seed.text, 'utf8'));
    case 'wtf-8':
      return encodeWtf8(seed.text);
    case 'utf-16le':
      return encodeUtf16(seed.text, true);
    case 'utf-16be':
      return encodeUtf16(seed.text, false);
    case 'latin1':
      return new Uint8Array(Buffer.from(seed.text, 'latin1'));
  }
}

// ---------------------------------------------------------------------------------------------
// Publishing a site, and what the parser says each seed should give.

/** The first run's clock, and the second's (after the edits): every day the grammar gives is before both, or in 2031. */
const NOW = new Date('2030-01-01T12:00:00.000Z');
const LATER = new Date('2030-02-01T12:00:00.000Z');

/** The PRNG seeds of the generated sites: fixed, so every run checks the same inputs. */
const SITE_SEEDS = [
  0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004, 0x5eed0005, 0x5eed0006, 0x5eed0007, 0x5eed0008, 0x5eed0009, 0x5eed000a, 0x0badc0de,
  0x00c0ffee, 0x0defaced, 0x12345678, 0x7fffffff, 0x00000001, 0x2a2a2a2a, 0x31415926, 0x27182818, 0x16180339, 0x0feedbac, 0x0d15ea5e,
  0x0b00b1e5, 0x00facade, 0x0acce55e, 0x00decade, 0x0c0ffee0, 0x00beef00, 0x7e57ab1e, 0x0ddba115,
];

/** A published article as its seed gives it. */
interface Expected {
  readonly fileName: string;
  readonly title: string;
  readonly lede: string;
  readonly language?: string;
  /**
   * The last good version of a seed that no longer parses. Its page stays; it stays in the
   * feeds only while the manifest keeps its text (ranking.ts: "A seed that broke while outside
   * the feeds has no text left to show: its page stays, the feeds go without it").
   */
  readonly kept?: boolean;
}

interface Rejection {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly keptPublished: boolean;
}

/** What a run must publish, hold and reject, from the parser alone. */
interface Expectation {
  readonly published: readonly Expected[];
  readonly rejected: readonly Rejection[];
  readonly held: readonly { file: string; date: string }[];
}

/** A seed file, as README says: a `.txt` name (any letter case) that is not a dotfile. */
function isSeedName(fileName: string): boolean {
  return /\.txt$/i.test(fileName) && !fileName.startsWith('.');
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function parsedSeed(seed: GeneratedSeed) {
  const decoded = decodeSeed(seed.fileName, encodeSeed(seed));
  return decoded.ok ? parseArticle(seed.fileName, decoded.text) : decoded;
}

/**
 * What the parser makes of each seed's stored bytes: published, held back, or rejected. A seed
 * published before (`previous`) that no longer parses keeps its last good version online.
 */
function expectations(seeds: readonly GeneratedSeed[], now: Date, previous?: Expectation): Expectation {
  const today = now.toISOString().slice(0, 10);
  const published: Expected[] = [];
  const rejected: Rejection[] = [];
  const held: { file: string; date: string }[] = [];
  const firstById = new Map<string, string>();
  for (const seed of [...seeds].filter((s) => isSeedName(s.fileName)).sort((a, b) => byName(a.fileName, b.fileName))) {
    const id = seed.fileName.normalize('NFC').replace(/\.txt$/i, '');
    const first = firstById.get(id);
    if (first !== undefined) {
      rejected.push({ file: seed.fileName, line: 1, reason: collisionReason(first, seed.fileName), keptPublished: false });
      continue;
    }
    firstById.set(id, seed.fileName);
    const parsed = parsedSeed(seed);
    if (!parsed.ok) {
      const kept = previous?.published.find((article) => article.fileName === seed.fileName);
      rejected.push({ file: seed.fileName, line: parsed.error.line, reason: parsed.error.reason, keptPublished: kept !== undefined });
      if (kept) published.push({ ...kept, kept: true });
    } else if (parsed.article.date.iso > today) held.push({ file: seed.fileName, date: parsed.article.date.iso });
    else {
      const { title, lede, language } = parsed.article;
      published.push({ fileName: seed.fileName, title, lede, ...(language === undefined ? {} : { language }) });
    }
  }
  return { published, rejected, held };
}

async function writeSeeds(site: Site, seeds: readonly GeneratedSeed[]): Promise<void> {
  const names = new Set(seeds.map((seed) => seed.fileName));
  for (const key of [...site.seeds.objects.keys()]) if (!names.has(key)) await site.deleteSeed(key);
  for (const seed of seeds) await site.writeSeed(seed.fileName, encodeSeed(seed));
}

/** One run of a site and what it left in the bucket; then a second run with nothing changed. */
interface Phase {
  readonly name: string;
  readonly summary?: PublishSummary;
  readonly error?: unknown;
  readonly snapshot: Record<string, string>;
  /** Keys the unchanged run after it wrote, and keys whose bytes it changed; or why it threw. */
  readonly rerun: { written: readonly string[]; changed: readonly string[] } | string;
}

async function phase(site: Site, name: string): Promise<Phase> {
  let summary: PublishSummary | undefined;
  let error: unknown;
  try {
    summary = await site.run();
  } catch (thrown) {
    error = thrown;
  }
  const snapshot = site.snapshot();
  let rerun: Phase['rerun'];
  try {
    const again = await site.run();
    const after = site.snapshot();
    const keys = [...new Set([...Object.keys(after), ...Object.keys(snapshot)])];
    rerun = { written: again.objects.writtenKeys, changed: keys.filter((key) => after[key] !== snapshot[key]) };
  } catch (thrown) {
    rerun = `the unchanged run threw: ${(thrown as Error).message}`;
  }
  return { name, ...(summary ? { summary } : { error }), snapshot, rerun };
}

/** Both runs of a site: the first publish into an empty bucket, then the edited seeds a month later. */
async function publishSite(generated: GeneratedSite): Promise<[Phase, Phase]> {
  const config = testFeedConfig({ itemLimit: generated.itemLimit, language: generated.language });
  const site = memorySite({}, { now: NOW, config, maxUnpublishShare: 1 });
  if (generated.feedBytes !== undefined) {
    site.settings = { ...site.settings, limits: { seedBytes: 1024 * 1024, feedBytes: generated.feedBytes } };
  }
  await writeSeeds(site, generated.seeds);
  const first = await phase(site, 'first run');
  await writeSeeds(site, generated.edited);
  site.now = LATER;
  const second = await phase(site, 'after edits');
  return [first, second];
}

/**
 * README's header, read on its own terms: line 1 is `date YYYY-MM-DD Title` (leading spaces
 * or tabs, several spaces or tabs between), the day exists and the title is not empty. Returns
 * the header's day when the seed's first line is such a header, after the documented
 * normalising (BOM, CRLF/CR, characters XML cannot carry, DEL, noncharacters, C1 controls);
 * undefined otherwise.
 */
function documentedHeader(seed: GeneratedSeed): { day: string; lang?: { line: number; tag: string } } | undefined {
  const decoded = decodeSeed(seed.fileName, encodeSeed(seed));
  if (!decoded.ok) return undefined;
  const text = decoded.text
    .replace(/^\uFEFF/, '')
    .replace(new RegExp(XML_FORBIDDEN.source, 'gu'), '')
    // DEL, the noncharacters and the C1 controls Windows-1252 leaves undefined are dropped too (the others become its characters).
    .replace(/[\u007F\u0081\u008D\u008F\u0090\u009D\p{Noncharacter_Code_Point}]/gu, '')
    .replace(/\r\n?/g, '\n')
    .normalize('NFC');
  const lines = text.split('\n');
  const header = /^[ \t]*date[ \t]+(\d{4})-(\d{2})-(\d{2})[ \t]+([\s\S]*)$/.exec(lines[0]!);
  // README: a title of invisible characters only counts as empty.
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the variation selectors are removed one by one, on purpose.
  if (!header || !/\S/.test(header[4]!.replace(/[\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu, ''))) return undefined;
  const [year, month, day] = [Number(header[1]), Number(header[2]), Number(header[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  // The optional `lang TAG` line: the next line that is not blank, when it starts with the lower-case keyword.
  const next = lines.findIndex((line, index) => index > 0 && line.trim() !== '');
  const lang = next === -1 ? undefined : /^lang[ \t]+([\s\S]+)$/.exec(lines[next]!.trim());
  return { day: `${header[1]}-${header[2]}-${header[3]}`, ...(lang ? { lang: { line: next + 1, tag: lang[1]!.trim() } } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Reading the output back, strictly and independently of the renderer.

const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describeChar(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Text for a failure message: quoted, with every invisible or control character written as an
 * escape (JSON.stringify leaves U+2028, bidi controls and the like as they are).
 */
function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF\uFFF0-\uFFFF]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

function preview(text: string, at = 0): string {
  return quote(text.slice(Math.max(0, at - 40), at + 60));
}

const XML_NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** The references escaped seed text is written with; anything else in a page's text came from a seed unescaped. */
const HTML_NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Character data to text: every `&` must start one of the given named references or a numeric
 * one to a character XML allows. Throws on anything else, so a stray `&nbsp;` is caught.
 */
function decodeReferences(raw: string, named: Readonly<Record<string, string>>, what: string): string {
  return raw.replace(/&([^;&<\s]{0,40})(;?)/g, (_whole, body: string, semicolon: string, at: number) => {
    if (semicolon !== ';') throw new Error(`${what}: a bare "&" at ${preview(raw, at)}`);
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (numeric) {
      const cp = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number.parseInt(numeric[2]!, 10);
      const char = cp <= 0x10ffff ? String.fromCodePoint(cp) : '\u0000';
      if (XML_FORBIDDEN.test(char) || LONE_SURROGATE.test(char)) throw new Error(`${what}: &${body}; is a character XML forbids`);
      return char;
    }
    const value = named[body];
    if (value === undefined) throw new Error(`${what}: the reference &${body}; at ${preview(raw, at)}`);
    return value;
  });
}

/** Text of an HTML fragment that must hold no markup: what a reader shows for escaped text. */
function htmlText(html: string, what: string): string {
  const tag = /<[A-Za-z/!?]/.exec(html);
  if (tag) throw new Error(`${what}: markup in text: ${preview(html, tag.index)}`);
  return decodeReferences(html, HTML_NAMED, what);
}

/** Well-formedness problems of an XML 1.0 document, found without any XML library. */
function xmlProblems(doc: string): string[] {
  const problems: string[] = [];
  const forbidden = XML_FORBIDDEN.exec(doc);
  if (forbidden) problems.push(`the character ${describeChar(forbidden[0])} XML 1.0 forbids, at ${preview(doc, forbidden.index)}`);
  const valid = XMLValidator.validate(doc);
  if (valid !== true) problems.push(`fast-xml-parser: ${valid.err.msg} (line ${valid.err.line})`);
  // Markup outside CDATA sections, comments and processing instructions.
  const outside = doc.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, (section) => ' '.repeat(section.length));
  const cdataEnd = outside.indexOf(']]>');
  if (cdataEnd !== -1) problems.push(`"]]>" outside a CDATA section, at ${preview(doc, cdataEnd)}`);
  try {
    decodeReferences(outside, XML_NAMED, 'XML');
  } catch (error) {
    problems.push((error as Error).message);
  }
  const tag = /<(?:\/[A-Za-z_][\w:.-]*\s*|[A-Za-z_][\w:.-]*(?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^<"]*"|'[^<']*'))*\s*\/?)>/y;
  for (let at = outside.indexOf('<'); at !== -1; at = outside.indexOf('<', at + 1)) {
    tag.lastIndex = at;
    if (!tag.test(outside)) problems.push(`a tag that is not well-formed at ${preview(doc, at)}`);
  }
  return problems;
}

/** A node of fast-xml-parser's ordered output. */
type OrderedNode = Record<string, unknown>;

const orderedParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
});

function parseOrdered(xml: string): OrderedNode[] {
  return orderedParser.parse(xml, true) as OrderedNode[];
}

function nameOf(node: OrderedNode): string {
  return Object.keys(node).find((key) => key !== ':@')!;
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const value = node[nameOf(node)];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

function attrOf(node: OrderedNode, name: string): string | undefined {
  const raw = (node[':@'] as Record<string, string> | undefined)?.[`@_${name}`];
  return raw === undefined ? undefined : decodeReferences(raw, XML_NAMED, `attribute ${name}`);
}

function isElement(node: OrderedNode): boolean {
  const name = nameOf(node);
  return !name.startsWith('#') && !name.startsWith('?');
}

function elements(nodes: readonly OrderedNode[], name: string): OrderedNode[] {
  return nodes.filter((node) => nameOf(node) === name);
}

function element(nodes: readonly OrderedNode[], name: string): OrderedNode {
  const found = elements(nodes, name);
  if (found.length !== 1) throw new Error(`${found.length} <${name}> elements where one was expected`);
  return found[0]!;
}

/** The text of an element without child elements: references decoded, CDATA sections as they are. */
function xmlText(node: OrderedNode): string {
  let out = '';
  for (const child of childrenOf(node)) {
    const name = nameOf(child);
    if (name === '#text') out += decodeReferences(String(child['#text']), XML_NAMED, `<${nameOf(node)}>`);
    else if (name === '#cdata')
      out += childrenOf(child)
        .map((part) => String(part['#text'] ?? ''))
        .join('');
    else throw new Error(`<${nameOf(node)}> holds an element <${name}>`);
  }
  return out;
}

function allElementNames(nodes: readonly OrderedNode[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    if (!isElement(node)) continue;
    into.add(nameOf(node));
    allElementNames(childrenOf(node), into);
  }
  return into;
}

/** Every element name the feed templates write, the browser view's XHTML included. */
const FEED_ELEMENTS = new Set([
  ...[
    'rss',
    'channel',
    'title',
    'link',
    'description',
    'lastBuildDate',
    'docs',
    'generator',
    'language',
    'ttl',
    'copyright',
    'image',
    'url',
  ],
  ...['atom:link', 'fh:archive', 'item', 'guid', 'pubDate', 'content:encoded', 'dc:creator', 'dc:language'],
  ...['feed', 'id', 'updated', 'author', 'name', 'email', 'subtitle', 'rights', 'icon', 'entry', 'summary', 'content', 'published'],
  ...['div', 'header', 'h1', 'h2', 'p', 'section', 'strong', 'code', 'ol', 'li', 'article', 'a', 'time', 'footer'],
]);

/** A reader's view of one item in one format. */
interface ItemView {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly summary: string;
  readonly language?: string;
}

interface FeedDocumentView {
  readonly items: ItemView[];
  /** The browser view's entries: link and title and summary, as shown. */
  readonly view: { url: string; title: string; summary: string }[];
  /** The next older archive (RFC 5005 `prev-archive`; JSON Feed `next_url`), if any. */
  readonly prevArchive?: string;
}

/** The `href` of the one link with this `rel` among `nodes`, if there is one. */
function linkWithRel(nodes: readonly OrderedNode[], name: string, rel: string): string | undefined {
  const links = elements(nodes, name).filter((link) => attrOf(link, 'rel') === rel);
  if (links.length > 1) throw new Error(`${links.length} <${name} rel="${rel}"> links`);
  return links[0] === undefined ? undefined : attrOf(links[0], 'href');
}

function browserViewItems(container: OrderedNode): { url: string; title: string; summary: string }[] {
  const div = element(childrenOf(container), 'div');
  const list = element(childrenOf(div), 'ol');
  return elements(childrenOf(list), 'li').map((li) => {
    const article = element(childrenOf(li), 'article');
    const link = element(childrenOf(element(childrenOf(article), 'h2')), 'a');
    return { url: attrOf(link, 'href') ?? '', title: xmlText(link), summary: xmlText(element(childrenOf(article), 'p')) };
  });
}

function readRss(xml: string): FeedDocumentView {
  const channel = element(childrenOf(element(parseOrdered(xml), 'rss')), 'channel');
  const items = elements(childrenOf(channel), 'item').map((item) => {
    const nodes = childrenOf(item);
    const language = elements(nodes, 'dc:language');
    return {
      id: xmlText(element(nodes, 'guid')),
      url: xmlText(element(nodes, 'link')),
      // RSS titles are plain text; descriptions are HTML.
      title: xmlText(element(nodes, 'title')),
      summary: htmlText(xmlText(element(nodes, 'description')), 'RSS description'),
      ...(language.length > 0 ? { language: xmlText(language[0]!) } : {}),
    };
  });
  const prevArchive = linkWithRel(childrenOf(channel), 'atom:link', 'prev-archive');
  return { items, view: browserViewItems(channel), ...(prevArchive === undefined ? {} : { prevArchive }) };
}

function readAtom(xml: string): FeedDocumentView {
  const feed = element(parseOrdered(xml), 'feed');
  const items = elements(childrenOf(feed), 'entry').map((entry) => {
    const nodes = childrenOf(entry);
    const title = element(nodes, 'title');
    const summary = element(nodes, 'summary');
    if (attrOf(title, 'type') !== 'html' || attrOf(summary, 'type') !== 'html')
      throw new Error('an Atom title or summary not of type html');
    const language = attrOf(entry, 'xml:lang');
    return {
      id: xmlText(element(nodes, 'id')),
      url: attrOf(element(nodes, 'link'), 'href') ?? '',
      title: htmlText(xmlText(title), 'Atom title'),
      summary: htmlText(xmlText(summary), 'Atom summary'),
      ...(language === undefined ? {} : { language }),
    };
  });
  const prevArchive = linkWithRel(childrenOf(feed), 'link', 'prev-archive');
  return { items, view: browserViewItems(feed), ...(prevArchive === undefined ? {} : { prevArchive }) };
}

interface JsonItem {
  id: string;
  url: string;
  title?: string;
  summary: string;
  language?: string;
}

function readJson(json: string): FeedDocumentView {
  const feed = JSON.parse(json) as { items: JsonItem[]; next_url?: string };
  const items = feed.items.map((item) => ({
    id: item.id,
    url: item.url,
    title: item.title ?? '',
    summary: item.summary,
    ...(item.language === undefined ? {} : { language: item.language }),
  }));
  return { items, view: [], ...(feed.next_url === undefined ? {} : { prevArchive: feed.next_url }) };
}

/** Every string anywhere in a parsed JSON value. */
function jsonStrings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const entry of value) jsonStrings(entry, into);
  else if (value && typeof value === 'object') for (const entry of Object.values(value)) jsonStrings(entry, into);
  return into;
}

// An HTML page, tokenised the way a browser's tokenizer splits tags from text.

interface HtmlTag {
  readonly name: string;
  readonly closing: boolean;
  readonly attributes: readonly (readonly [string, string])[];
}

/** Every element and attribute the page templates (layout.ts, article-page.ts, index-page.ts, html.ts) write. */
const PAGE_ELEMENTS = new Set([
  ...['html', 'head', 'meta', 'title', 'link', 'style', 'body', 'div', 'header', 'main', 'footer'],
  ...['article', 'h1', 'h2', 'p', 'time', 'a', 'ol', 'li', 'blockquote', 'figure', 'figcaption', 'span', 'bdi'],
]);
const PAGE_ATTRIBUTES = new Set(['lang', 'dir', 'charset', 'name', 'content', 'rel', 'type', 'href', 'title', 'class', 'datetime']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'data', 'cite', 'background', 'srcset']);

function htmlProblems(html: string, key: string): string[] {
  const problems: string[] = [];
  const script = /<\s*script/i.exec(html);
  if (script) problems.push(`"<script" at ${preview(html, script.index)}`);
  const tags: HtmlTag[] = [];
  let at = 0;
  const textRuns: string[] = [];
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    textRuns.push(html.slice(at, lt === -1 ? html.length : lt));
    if (lt === -1) break;
    if (/^<!doctype html>/i.test(html.slice(lt, lt + 15)) && lt === 0) {
      at = lt + 15;
      continue;
    }
    if (html.startsWith('<!', lt) || html.startsWith('<?', lt)) {
      problems.push(`a comment or declaration at ${preview(html, lt)}`);
      at = lt + 2;
      continue;
    }
    const open = /^<(\/?)([A-Za-z][^\t\n\f\r />]*)/.exec(html.slice(lt, lt + 100));
    if (!open) {
      problems.push(`a "<" that is not escaped at ${preview(html, lt)}`);
      at = lt + 1;
      continue;
    }
    let j = lt + open[0].length;
    const attributes: [string, string][] = [];
    for (;;) {
      while (/[\t\n\f\r /]/.test(html[j] ?? '')) j++;
      if (j >= html.length || html[j] === '>') break;
      const name = /^[^\t\n\f\r />][^\t\n\f\r />=]*/.exec(html.slice(j, j + 200))![0];
      j += name.length;
      while (/[\t\n\f\r ]/.test(html[j] ?? '')) j++;
      let value = '';
      if (html[j] === '=') {
        j++;
        while (/[\t\n\f\r ]/.test(html[j] ?? '')) j++;
        const quote = html[j];
        if (quote === '"' || quote === "'") {
          const end = html.indexOf(quote, j + 1);
          value = html.slice(j + 1, end === -1 ? html.length : end);
          j = end === -1 ? html.length : end + 1;
        } else {
          const unquoted = /^[^\t\n\f\r >]*/.exec(html.slice(j))![0];
          value = unquoted;
          j += unquoted.length;
        }
      }
      attributes.push([name.toLowerCase(), value]);
    }
    const name = open[2]!.toLowerCase();
    tags.push({ name, closing: open[1] === '/', attributes });
    at = j + 1;
    // Raw text and escapable raw text elements: their content is not markup.
    if (open[1] === '' && (name === 'style' || name === 'title' || name === 'textarea' || name === 'script')) {
      const end = html.toLowerCase().indexOf(`</${name}`, at);
      if (name !== 'style') textRuns.push(html.slice(at, end === -1 ? html.length : end));
      at = end === -1 ? html.length : end;
    }
  }
  for (const tag of tags) {
    if (!PAGE_ELEMENTS.has(tag.name)) problems.push(`an element <${tag.name}> no template writes`);
    for (const [name, value] of tag.attributes) {
      if (!PAGE_ATTRIBUTES.has(name)) problems.push(`an attribute ${name}="${value}" on <${tag.name}> no template writes`);
      if (!URL_ATTRIBUTES.has(name)) continue;
      let url: string;
      try {
        url = decodeReferences(value, HTML_NAMED, `${name} of <${tag.name}>`);
      } catch (error) {
        problems.push((error as Error).message);
        continue;
      }
      // What a browser makes of it: tabs and newlines removed, resolved against the page.
      let protocol: string;
      try {
        protocol = new URL(url, `${SITE}${key}`).protocol;
      } catch {
        protocol = 'unparsable:';
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a browser drops leading C0 controls and spaces before a URL's scheme.
      const scheme = /^[\u0000-\u0020]*([A-Za-z][A-Za-z0-9+.\-\t\n\r]*):/.exec(url);
      if ((protocol !== 'http:' && protocol !== 'https:') || (scheme && !/^https?$/i.test(scheme[1]!.replace(/[\t\n\r]/g, '')))) {
        problems.push(`${name}="${url}" on <${tag.name}> is neither http(s) nor relative`);
      }
    }
  }
  for (const run of textRuns) {
    try {
      decodeReferences(run, HTML_NAMED, `text of ${key}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

/** The title and summary a page shows for its article, and the index's entries. */
function articlePageText(html: string): { h1: string; description: string; title: string; lang: string } {
  const lang = /^<!doctype html>\n<html lang="([^"]*)"(?: dir="rtl")?>/.exec(html);
  const h1 = /<main>\n<article>\n<h1>([^<]*)<\/h1>/.exec(html);
  const description = /<meta name="description" content="([^"]*)">/.exec(html);
  const title = /<title>([^<]*)<\/title>/.exec(html);
  if (!lang || !h1 || !description || !title) throw new Error('an article page without its language, <h1>, description or <title>');
  return {
    lang: decodeReferences(lang[1]!, HTML_NAMED, 'page language'),
    h1: htmlText(h1[1]!, 'page <h1>'),
    description: decodeReferences(description[1]!, HTML_NAMED, 'page description'),
    title: htmlText(title[1]!, 'page <title>'),
  };
}

function indexEntries(html: string): Map<string, { title: string; summary: string }> {
  const entries = new Map<string, { title: string; summary: string }>();
  const entry =
    /<li(?: lang="[^"]*"(?: dir="(?:ltr|rtl)")?)?><article>\n<h2><a href="([^"]*)">([^<]*)<\/a><\/h2>\n<time[^>]*>[^<]*<\/time>\n<p>([^<]*)<\/p>\n<\/article><\/li>/g;
  for (const match of html.matchAll(entry)) {
    entries.set(decodeReferences(match[1]!, HTML_NAMED, 'index href'), {
      title: htmlText(match[2]!, 'index title'),
      summary: htmlText(match[3]!, 'index summary'),
    });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The runs: every site published, edited and published again; a twin of each in a fresh bucket.

interface SiteRun {
  readonly label: string;
  readonly site: GeneratedSite;
  /** The first run, then the run after the edits. */
  readonly phases: readonly (Phase & Expectation)[];
  readonly twin: readonly Phase[];
}

let runs: SiteRun[] = [];
let libxmlErrors: string[] = [];

function label(site: GeneratedSite): string {
  return `site 0x${site.prng.toString(16).padStart(8, '0')}`;
}

beforeAll(async () => {
  runs = [];
  for (const prng of SITE_SEEDS) {
    const site = generateSite(prng);
    const [first, second] = await publishSite(site);
    const before = expectations(site.seeds, NOW);
    const after = expectations(site.edited, LATER, before);
    runs.push({
      label: label(site),
      site,
      phases: [
        { ...first, ...before },
        { ...second, ...after },
      ],
      twin: await publishSite(site),
    });
  }
  // libxml2 over every XML document of every site and run.
  const documents = runs.flatMap((run) =>
    run.phases.flatMap((phase) =>
      Object.entries(phase.snapshot)
        .filter(([key]) => key.endsWith('.xml'))
        .map(([key, contents]) => ({ fileName: `${run.label} (${phase.name})/${key}`, contents })),
    ),
  );
  libxmlErrors = [];
  // In batches: one wasm instance runs out of memory on a few hundred documents at once.
  for (let start = 0; start < documents.length; start += 100) {
    const result = await validateXML({ xml: documents.slice(start, start + 100), normalization: 'format' });
    libxmlErrors.push(...result.errors.map((error) => `${error.loc?.fileName ?? '?'}: ${error.rawMessage}`));
  }
}, 120_000);

type Fail = (message: string) => void;

/** Runs `check` on every run of every site, collecting each failure as a line naming the site and run. */
function failuresOf(check: (phase: Phase & Expectation, fail: Fail, run: SiteRun, index: number) => void): string[] {
  const failures: string[] = [];
  for (const run of runs) {
    run.phases.forEach((phase, index) => {
      const fail = (message: string) => failures.push(`${run.label} (${phase.name}): ${message}`);
      try {
        check(phase, fail, run, index);
      } catch (error) {
        fail(`the check threw: ${(error as Error).stack ?? String(error)}`);
      }
    });
  }
  return failures;
}

/**
 * The documents of one format a reader walks: the feed, then each archive its `prev-archive`
 * link names, older and older (README: an archive no longer needed stays in the bucket, linked
 * from nowhere, so the listing is not the history).
 */
function itemsOf(phase: Phase, format: 'rss' | 'atom' | 'json'): { key: string; view: FeedDocumentView }[] {
  const read = { rss: readRss, atom: readAtom, json: readJson }[format];
  const chain: { key: string; view: FeedDocumentView }[] = [];
  for (let key: string | undefined = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' }[format]; key !== undefined; ) {
    if (chain.some((document) => document.key === key)) throw new Error(`the ${format} archives link back to ${key}`);
    const doc: string | undefined = phase.snapshot[key];
    if (doc === undefined) throw new Error(`the ${format} history links ${key}, which is not in the bucket`);
    const view: FeedDocumentView = read(doc);
    chain.push({ key, view });
    if (view.prevArchive !== undefined && !view.prevArchive.startsWith(SITE)) throw new Error(`${key} links ${view.prevArchive}`);
    key = view.prevArchive?.slice(SITE.length);
  }
  return chain;
}

const idOf = (fileName: string) => itemId(testFeedConfig().idPrefix, fileName);

describe('fuzz: generated hostile seeds through whole publish runs', () => {
  it('generates 100 to 300 seeds, of which some are rejected, some held and most published, with archives', () => {
    // Prepare: generated and published in beforeAll

    // Act
    const seeds = runs.reduce((sum, run) => sum + run.site.seeds.filter((seed) => isSeedName(seed.fileName)).length, 0);
    const first = runs.map((run) => run.phases[0]!);
    const published = first.reduce((sum, phase) => sum + phase.published.length, 0);
    const rejected = first.reduce((sum, phase) => sum + phase.rejected.length, 0);
    const held = first.reduce((sum, phase) => sum + phase.held.length, 0);
    const kept = runs.reduce((sum, run) => sum + run.phases[1]!.rejected.filter((rejection) => rejection.keptPublished).length, 0);
    const archives = first.reduce((sum, phase) => sum + Object.keys(phase.snapshot).filter((key) => key.startsWith('archive/')).length, 0);
    // Items that lost their full text to MAX_FEED_BYTES: JSON Feed gives them `content_text`.
    const cut = first.reduce((sum, phase) => sum + (phase.snapshot['feed.json']?.split('"content_text"').length ?? 1) - 1, 0);
    const headerLike = runs.flatMap((run) => run.site.seeds).filter((seed) => /[\u2028\u2029]/.test(seed.text.split('\n')[0]!)).length;

    // Assess: the grammar reaches every outcome, so the properties below are not vacuous.
    expect(seeds).toBeGreaterThanOrEqual(100);
    expect(seeds).toBeLessThanOrEqual(300);
    expect(published).toBeGreaterThan(seeds / 2);
    expect(rejected).toBeGreaterThan(5);
    expect(held).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
    expect(archives).toBeGreaterThan(5);
    expect(cut).toBeGreaterThan(0);
    expect(headerLike).toBeGreaterThan(0);
  });

  it('1. completes every run, reports each unparsable seed with its file and reason, and publishes the rest exactly once', () => {
    // Prepare: generated and published in beforeAll

    // Act
    const failures = failuresOf((phase, fail) => {
      if (!phase.summary) return fail(`the run threw: ${(phase.error as Error).stack}`);
      const rejected = [...phase.summary.rejected].sort((a, b) => byName(a.file, b.file));
      if (JSON.stringify(rejected) !== JSON.stringify(phase.rejected))
        fail(`rejected ${JSON.stringify(rejected)}, the parser says ${JSON.stringify(phase.rejected)}`);
      const held = [...phase.summary.held].sort((a, b) => byName(a.file, b.file));
      if (JSON.stringify(held) !== JSON.stringify(phase.held))
        fail(`held ${JSON.stringify(held)}, the parser says ${JSON.stringify(phase.held)}`);
      if (phase.summary.articles.published !== phase.published.length)
        fail(`${phase.summary.articles.published} published, the parser says ${phase.published.length}`);
      const pages = Object.keys(phase.snapshot).filter((key) => key.startsWith('articles/'));
      if (pages.length !== phase.published.length) fail(`${pages.length} pages for ${phase.published.length} published articles`);
      // README: the page is `articles/DATE-TITLE-WORDS.html`, lower case, words (letters with their marks, digits) cut to 80 characters, `-2`, `-3` for equal slugs.
      for (const key of pages) {
        const slug = /^articles\/(.*)\.html$/.exec(key)![1]!;
        const words = slug.slice('YYYY-MM-DD'.length);
        if (!/^\d{4}-\d{2}-\d{2}(-(?:\p{L}\p{M}*|\p{N})+)*$/u.test(slug) || slug !== slug.toLowerCase() || [...words].length > 1 + 80 + 4)
          fail(`the page ${quote(key)} is not named DATE-TITLE-WORDS`);
      }
      for (const format of ['rss', 'atom', 'json'] as const) {
        const items = itemsOf(phase, format).flatMap(({ view }) => view.items);
        for (const article of phase.published) {
          const found = items.filter((item) => item.id === idOf(article.fileName)).length;
          if (found !== 1 && !(article.kept && found === 0)) fail(`${article.fileName} is in the ${format} history ${found} times`);
        }
        const ids = new Set(phase.published.map((article) => idOf(article.fileName)));
        for (const item of items) if (!ids.has(item.id)) fail(`the ${format} history has an item ${item.id} no seed gives`);
        for (const item of items) {
          const key = decodeURIComponent(item.url.slice(SITE.length));
          if (!item.url.startsWith(SITE) || phase.snapshot[key] === undefined) fail(`the ${format} link ${item.url} reaches no page`);
        }
      }
    });

    // Assess
    expect(failures).toEqual([]);
  });

  it('1b. never refuses a header or `lang` line of the form README documents, and refuses every `lang` line whose tag is none', () => {
    // Prepare: every generated seed text, of both runs
    const seeds = new Map(runs.flatMap((run) => [...run.site.seeds, ...run.site.edited]).map((seed) => [JSON.stringify(seed), seed]));

    // Act
    const failures: string[] = [];
    for (const seed of seeds.values()) {
      const header = documentedHeader(seed);
      if (!header || !isSeedName(seed.fileName)) continue;
      const parsed = parsedSeed(seed);
      const where = `${seed.fileName} ${quote(seed.text.slice(0, 160))}`;
      if (!parsed.ok && parsed.error.line === 1 && !parsed.error.reason.startsWith('the article has no paragraph')) {
        failures.push(`${where}: a documented header refused: ${parsed.error.reason}`);
        continue;
      }
      if (!header.lang) continue;
      const isTag = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(header.lang.tag);
      if (isTag && parsed.ok && parsed.article.language !== header.lang.tag)
        failures.push(`${where}: language ${parsed.article.language}, not ${header.lang.tag}`);
      if (!isTag && (parsed.ok || parsed.error.line !== header.lang.line))
        failures.push(`${where}: \`lang ${header.lang.tag}\` on line ${header.lang.line} is not refused naming its line`);
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('2. writes only well-formed XML with the templates’ elements, and JSON without lone surrogates or dropped characters', () => {
    // Prepare: generated and published in beforeAll

    // Act
    const failures = failuresOf((phase, fail) => {
      for (const [key, doc] of Object.entries(phase.snapshot)) {
        if (key.endsWith('.xml')) {
          for (const problem of xmlProblems(doc)) fail(`${key}: ${problem}`);
          const unknown = [...allElementNames(parseOrdered(doc))].filter((name) => !FEED_ELEMENTS.has(name));
          if (unknown.length > 0) fail(`${key}: elements no template writes: ${unknown.join(', ')}`);
        } else if (key.endsWith('.json') && key !== MANIFEST) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(doc);
          } catch (error) {
            fail(`${key}: ${(error as Error).message}`);
            continue;
          }
          for (const value of jsonStrings(parsed)) {
            if (LONE_SURROGATE.test(value)) fail(`${key}: a lone surrogate in ${quote(value.slice(0, 120))}`);
            const dropped = XML_FORBIDDEN.exec(value);
            if (dropped) fail(`${key}: ${describeChar(dropped[0])}, which the parser drops, in ${quote(value.slice(0, 120))}`);
          }
          for (const error of jsonFeedSchemaErrors(parsed)) fail(`${key}: JSON Feed 1.1 schema: ${error}`);
        }
      }
    });

    // Assess
    expect(failures).toEqual([]);
    expect(libxmlErrors).toEqual([]);
  });

  it('3. gives back every title and summary exactly as the parser made them, in every feed, view and page', () => {
    // Prepare: generated and published in beforeAll

    // Act
    const failures = failuresOf((phase, fail, run) => {
      const byId = new Map(phase.published.map((article) => [idOf(article.fileName), article]));
      const compare = (where: string, article: Expected, field: 'title' | 'lede', got: string) => {
        if (got !== article[field]) fail(`${article.fileName}: ${where} ${field} ${quote(got)} ≠ ${quote(article[field])}`);
      };
      // In a feed over MAX_FEED_BYTES a long title or summary may be cut (fit.ts): its start, what
      // closes the bidirectional embeddings it leaves open, then an ellipsis.
      const compareInFeed = (where: string, article: Expected, field: 'title' | 'lede', got: string) => {
        const start = got.slice(0, -1).replace(/[\u202C\u2069]+$/, '');
        const cut = got.endsWith('…') && article[field].startsWith(start) && start.length < article[field].length;
        if (!cut) compare(where, article, field, got);
      };
      const urls = new Map<string, Expected>();
      for (const format of ['rss', 'atom', 'json'] as const) {
        for (const { key, view } of itemsOf(phase, format)) {
          for (const item of view.items) {
            const article = byId.get(item.id);
            if (!article) {
              fail(`${key}: an item ${item.id} no seed gives`);
              continue;
            }
            urls.set(item.url, article);
            compareInFeed(key, article, 'title', item.title);
            compareInFeed(key, article, 'lede', item.summary);
            if (item.language !== article.language) fail(`${article.fileName}: ${key} language ${item.language} ≠ ${article.language}`);
          }
          const inDocument = new Map(view.items.map((item) => [item.url, byId.get(item.id)]));
          if (format !== 'json' && view.view.length !== view.items.length)
            fail(`${key}: the browser view shows ${view.view.length} of ${view.items.length} items`);
          for (const shown of view.view) {
            const article = inDocument.get(shown.url);
            if (!article) {
              fail(`${key}: the browser view links ${shown.url}, which is no item`);
              continue;
            }
            compareInFeed(`${key} browser view`, article, 'title', shown.title);
            compareInFeed(`${key} browser view`, article, 'lede', shown.summary);
          }
        }
      }
      for (const [url, article] of urls) {
        const key = decodeURIComponent(url.slice(SITE.length));
        const page = phase.snapshot[key];
        if (page === undefined) continue; // property 1 reports it
        const shown = articlePageText(page);
        compare(`${key} <h1>`, article, 'title', shown.h1);
        compare(`${key} description`, article, 'lede', shown.description);
        if (!shown.title.startsWith(`${article.title} · `)) fail(`${article.fileName}: ${key} <title> ${quote(shown.title)}`);
        if (shown.lang !== (article.language ?? run.site.language)) fail(`${article.fileName}: ${key} <html lang="${shown.lang}">`);
      }
      const index = phase.snapshot['index.html'];
      if (index !== undefined) {
        const entries = indexEntries(index);
        const expectedCount = Math.min(run.site.itemLimit, urls.size);
        if (entries.size !== expectedCount) fail(`index.html lists ${entries.size} entries, not ${expectedCount}`);
        for (const [href, entry] of entries) {
          const article = urls.get(`${SITE}${href}`);
          if (!article) {
            fail(`index.html links ${href}, which is no item`);
            continue;
          }
          compare('index.html', article, 'title', entry.title);
          compare('index.html', article, 'lede', entry.summary);
        }
      }
    });

    // Assess
    expect(failures).toEqual([]);
  });

  it('4. writes pages with no markup, script, comment, handler or non-http link from a seed', () => {
    // Prepare: generated and published in beforeAll

    // Act
    const failures = failuresOf((phase, fail) => {
      for (const [key, html] of Object.entries(phase.snapshot)) {
        if (key.endsWith('.html')) for (const problem of htmlProblems(html, key)) fail(`${key}: ${problem}`);
      }
    });

    // Assess
    expect(failures).toEqual([]);
  });

  it('5. gives byte-identical objects for the same seeds in a fresh bucket, and a run with nothing changed writes nothing', () => {
    // Prepare: every site published twice in beforeAll, each run followed by one with nothing changed

    // Act
    const failures = failuresOf((phase, fail, run, index) => {
      const twin = run.twin[index]!;
      const keys = [...new Set([...Object.keys(phase.snapshot), ...Object.keys(twin.snapshot)])].sort();
      for (const key of keys) if (phase.snapshot[key] !== twin.snapshot[key]) fail(`${key} differs between two fresh buckets`);
      if (typeof phase.rerun === 'string') fail(phase.rerun);
      else if (phase.rerun.written.length > 0 || phase.rerun.changed.length > 0)
        fail(`the unchanged run wrote ${phase.rerun.written.join(', ')}; changed ${phase.rerun.changed.join(', ')}`);
    });

    // Assess
    expect(failures).toEqual([]);
  });
});

/** The smallest seeds of failures the properties above found, kept as tests of their own. */
describe('fuzz: the smallest seeds of the failures found', () => {
  const ANCHOR = 'date 2026-01-02 Anchor\n\nAn article that always parses.\n';

  /** The seed's article as the three feeds give it back, and what the run reported about it. */
  async function publishWithAnchor(text: string) {
    const site = memorySite({ 'a.txt': ANCHOR, 'b.txt': text }, { now: NOW });
    const summary = await site.run();
    const items = readJson(site.snapshot()['feed.json']!).items.filter((item) => item.id === idOf('b.txt'));
    return { summary, items };
  }

  it('publishes a title holding U+2028 LINE SEPARATOR under its documented header', async () => {
    // In JavaScript `.` stops at U+2028 and U+2029: the header's pattern takes the title with the s flag.
    // Prepare
    const seed = 'date 2026-01-01 A\u2028B\n\nL.\n';

    // Act
    const { summary, items } = await publishWithAnchor(seed);

    // Assess
    expect(summary.rejected).toEqual([]);
    expect(items.map((item) => item.title)).toEqual(['A\u2028B']);
  });

  it('refuses a `lang` line whose tag holds U+2028, naming its line', async () => {
    // README: "`lang` followed by anything that is not a tag (`lang pt_BR`) is rejected naming
    // its line"; found with the s flag, a `lang` line with U+2028 in it is one, and its tag none.
    // Prepare
    const seed = 'date 2026-01-01 T\nlang u\u2028k\n\nL.\n';

    // Act
    const { summary, items } = await publishWithAnchor(seed);

    // Assess
    expect(summary.rejected.map((rejection) => [rejection.file, rejection.line])).toEqual([['b.txt', 2]]);
    expect(items).toEqual([]);
  });
});
