/**
 * A fixture site of awkward posts, as jekyll-feed's specs keep one: markup, entities, `]]>` and
 * `<![CDATA[` in titles; quotes of every kind; right-to-left and mixed-direction text; emoji,
 * ZWJ sequences and combining marks; characters XML forbids and a lone surrogate in the file;
 * very long titles and paragraphs; titles of punctuation only or of nothing visible; headings
 * and quotations first, in the middle and last; odd photo credits; `lang` lines; duplicate
 * titles on one day; a seed with only its header. Built with `cli build` and an item limit small
 * enough for RFC 5005 archives, then read back by parsers that share no code with the renderer:
 * sax (strict XML) for RSS and Atom, JSON.parse, html5lib (strict HTML5) for the pages, and the
 * shared feed checker on the feeds and the archives.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { runCli } from '../../src/cli.js';
import { fakeIo, lines } from '../helpers/cli-io.js';
import { htmlToText } from '../helpers/feeds.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHECK = resolve(REPO, '../shared/feed-check/check');
const REAL_SEEDS = resolve(REPO, '../shared/seeds');
const PYTHON = '/usr/bin/python3';
const TWENTY_MINUTES = 20 * 60_000;

const SITE = 'https://awkward.example.org/';
const PREFIX = 'tag:awkward.example.org,2026:';
const ITEM_LIMIT = 4;

// ---------------------------------------------------------------------------------------------
// The seeds, each with what it says: its title, language and blocks as a reader should see them.
// ---------------------------------------------------------------------------------------------

type ExpectedBlock =
  | readonly ['p' | 'h2' | 'quote', string]
  | readonly ['link', string]
  | readonly ['credit', string, string /* licence href */];

interface Published {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly day: string;
  readonly title: string;
  readonly language?: string;
  /** Every block of the body as a reader sees it; left out for the real seed, checked elsewhere. */
  readonly blocks?: readonly ExpectedBlock[];
  /** The summary, where no block list says it. */
  readonly lede?: string;
  /** The page slug, where the seed decides it (duplicates, titles without words). */
  readonly slug?: string;
  /** The item id, where the file name needs percent-encoding. */
  readonly id?: string;
}

interface Refused {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly line: number;
  readonly reason: RegExp;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

function seed(file: string, text: string, expected: Omit<Published, 'file' | 'bytes'>): Published {
  return { file, bytes: utf8(text), ...expected };
}

const LONG_TITLE = `${'Долгий заголовок with “quotes”, & ampersands, <tags> and 🇺🇦 flags — '.repeat(9)}end`;
const LONG_PARAGRAPH = Array.from(
  { length: 900 },
  (_, i) => `Sentence ${i} has <angle> & "quotes" and ]]> plus 👩‍👩‍👧 and עברית and العربية.`,
).join(' ');
const ZALGO =
  'Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035a\u031ao\u0319\u0314\u036e\u0307\u0350\u0307';

const PUBLISHED: readonly Published[] = [
  seed(
    'b-tag.txt',
    ' date 2026-01-02 Use <b>bold</b> & <i>italics</i> in </title> titles\n\n<script>alert("x")</script> is text, as is <img src=x onerror=alert(1)>.\n\nClosing paragraph & more.\n',
    {
      day: '2026-01-02',
      title: 'Use <b>bold</b> & <i>italics</i> in </title> titles',
      blocks: [
        ['p', '<script>alert("x")</script> is text, as is <img src=x onerror=alert(1)>.'],
        ['p', 'Closing paragraph & more.'],
      ],
    },
  ),
  seed(
    'entities.txt',
    'date 2026-01-02 Fish &amp; Chips &lt;3 &#x26; &#38; &nbsp; &copy &quot;typed&quot;\n\nThe entity &amp;amp; and &lt;p&gt; are typed literally; so is &#x3C;.\n',
    {
      day: '2026-01-02',
      title: 'Fish &amp; Chips &lt;3 &#x26; &#38; &nbsp; &copy &quot;typed&quot;',
      blocks: [['p', 'The entity &amp;amp; and &lt;p&gt; are typed literally; so is &#x3C;.']],
    },
  ),
  seed('cdata-end.txt', 'date 2026-01-03 Arrays like a[b[0]]> and ]]>]]> end here\n\nIt ends ]]> twice ]]> and once more ]]]]>.\n\n]]>\n', {
    day: '2026-01-03',
    title: 'Arrays like a[b[0]]> and ]]>]]> end here',
    blocks: [
      ['p', 'It ends ]]> twice ]]> and once more ]]]]>.'],
      ['p', ']]>'],
    ],
  }),
  seed(
    'cdata-open.txt',
    'date 2026-01-03 <![CDATA[ opened and never closed\n\nA <![CDATA[ section <b>here</b> ]]> in a paragraph.\n\n<!-- a comment --> and <?pi x?> too.\n',
    {
      day: '2026-01-03',
      title: '<![CDATA[ opened and never closed',
      blocks: [
        ['p', 'A <![CDATA[ section <b>here</b> ]]> in a paragraph.'],
        ['p', '<!-- a comment --> and <?pi x?> too.'],
      ],
    },
  ),
  seed(
    'quotes.txt',
    'date 2026-01-04 "Straight" \'single\' “curly” ‘single’ „low“ «guillemets» ‹angle› 「corner」 『double』\n\n' +
      '“A quotation first, closing curly,”\n\n' +
      'A plain paragraph between them.\n\n' +
      '„Low-high German quote,“\n\n' +
      '«Guillemets, French style.»\n\n' +
      '»Danish style«\n\n' +
      '‚Single low,‘\n\n' +
      '「日本語の引用」\n\n' +
      '"Straight quote, closing curly”\n',
    {
      day: '2026-01-04',
      title: '"Straight" \'single\' “curly” ‘single’ „low“ «guillemets» ‹angle› 「corner」 『double』',
      blocks: [
        ['quote', '“A quotation first, closing curly,”'],
        ['p', 'A plain paragraph between them.'],
        ['quote', '„Low-high German quote,“'],
        ['quote', '«Guillemets, French style.»'],
        ['quote', '»Danish style«'],
        ['quote', '‚Single low,‘'],
        ['quote', '「日本語の引用」'],
        ['quote', '"Straight quote, closing curly”'],
      ],
    },
  ),
  seed(
    'arabic.txt',
    'date 2026-01-05 هل تبدأ المفاوضات في أبو ظبي؟\n\nlang ar\n\nالقسم الأول\n\nقال المتحدث إن الجولة الثانية ستعقد يوم الأربعاء.\n\n«هذا موقفنا الثابت،» قال.\n\nالخاتمة\n',
    {
      day: '2026-01-05',
      title: 'هل تبدأ المفاوضات في أبو ظبي؟',
      language: 'ar',
      blocks: [
        ['h2', 'القسم الأول'],
        ['p', 'قال المتحدث إن الجولة الثانية ستعقد يوم الأربعاء.'],
        ['quote', '«هذا موقفنا الثابت،» قال.'],
        ['h2', 'الخاتمة'],
      ],
    },
  ),
  seed('hebrew.txt', 'date 2026-01-05 שָׁלוֹם עֲלֵיכֶם: ניקוד\n\nlang he\n\n"ציטוט בפתיחה,"\n\nפסקה בעברית עם 3 מספרים ו-English words.\n', {
    day: '2026-01-05',
    title: 'שָׁלוֹם עֲלֵיכֶם: ניקוד',
    language: 'he',
    blocks: [
      ['quote', '"ציטוט בפתיחה,"'],
      ['p', 'פסקה בעברית עם 3 מספרים ו-English words.'],
    ],
  }),
  seed(
    'mixed-direction.txt',
    'date 2026-01-05 Talks in القاهرة on 3–4 May \u200F(draft)\u200E and \u202Eevil.exe\u202C then \u2067isolated\u2069\n\nEnglish then עברית then English again, with \u202Dforced LTR\u202C.\n',
    {
      day: '2026-01-05',
      title: 'Talks in القاهرة on 3–4 May \u200F(draft)\u200E and \u202Eevil.exe\u202C then \u2067isolated\u2069',
      blocks: [['p', 'English then עברית then English again, with \u202Dforced LTR\u202C.']],
    },
  ),
  seed(
    'emoji.txt',
    'date 2026-01-06 Family 👨‍👩‍👧‍👦, flags 🇺🇦🏳️‍🌈, skin 👍🏽 and keycap 1️⃣\n\n🧑🏿‍🚀 astronaut, 🫶 hands, and a tag flag 🏴󠁧󠁢󠁳󠁣󠁴󠁿.\n\n👨‍👩‍👧‍👦\n',
    {
      day: '2026-01-06',
      title: 'Family 👨‍👩‍👧‍👦, flags 🇺🇦🏳️‍🌈, skin 👍🏽 and keycap 1️⃣',
      blocks: [
        ['p', '🧑🏿‍🚀 astronaut, 🫶 hands, and a tag flag 🏴󠁧󠁢󠁳󠁣󠁴󠁿.'],
        // No letter in it: a paragraph, not a heading.
        ['p', '👨‍👩‍👧‍👦'],
      ],
    },
  ),
  seed(
    'combining.txt',
    `date 2026-01-06 Cafe\u0301 Zo\u0308e and ${ZALGO}\n\n\u0301 starts with a lone combining acute, then n\u0303 and \u1100\u1161\u11A8.\n`,
    {
      day: '2026-01-06',
      title: `Café Zöe and ${ZALGO.normalize('NFC')}`,
      blocks: [['p', '\u0301 starts with a lone combining acute, then ñ and 각.']],
    },
  ),
  {
    file: 'forbidden-chars.txt',
    // Valid UTF-8 for characters XML 1.0 cannot carry at all.
    bytes: utf8(
      'date 2026-01-07 Bad\u0000 bytes\uFFFE here\uFFFF \u000B ok\n\nNUL\u0000 and U+FFFE\uFFFE and VT\u000B and ESC\u001B gone.\n',
    ),
    day: '2026-01-07',
    title: 'Bad bytes here ok',
    blocks: [['p', 'NUL and U+FFFE and VT and ESC gone.']],
  },
  {
    file: 'bom-crlf-utf16.txt',
    bytes: new Uint8Array(Buffer.from('\uFEFF date 2026-01-07 UTF‑16 — with a BOM\r\n\r\nLine one\r\nline two – joined.\r\n', 'utf16le')),
    day: '2026-01-07',
    title: 'UTF‑16 — with a BOM',
    blocks: [['p', 'Line one line two – joined.']],
  },
  seed('bom-crlf-utf8.txt', '\uFEFF date 2026-01-07\tTabs\t\tand  spaces   —  collapsed\r\n\r\nBody\t\twith  runs.\r\n', {
    day: '2026-01-07',
    title: 'Tabs and spaces — collapsed',
    blocks: [['p', 'Body with runs.']],
  }),
  seed('long-title.txt', `date 2026-01-08 ${LONG_TITLE}\n\nShort body.\n`, {
    day: '2026-01-08',
    title: LONG_TITLE,
    blocks: [['p', 'Short body.']],
  }),
  seed('long-paragraph.txt', `date 2026-01-08 A very long paragraph\n\n${LONG_PARAGRAPH}\n\nAfter it.\n`, {
    day: '2026-01-08',
    title: 'A very long paragraph',
    blocks: [
      ['p', LONG_PARAGRAPH],
      ['p', 'After it.'],
    ],
  }),
  seed('punctuation-title.txt', 'date 2026-01-09 ?!… — «» & <> ]]>\n\nA title with no word in it.\n', {
    day: '2026-01-09',
    title: '?!… — «» & <> ]]>',
    blocks: [['p', 'A title with no word in it.']],
    // punctuation-title-2.txt sorts first ('-' before '.'), so it was given the bare day.
    slug: '2026-01-09-2',
  }),
  seed('punctuation-title-2.txt', 'date 2026-01-09 ...\n\nAnother title of dots on the same day.\n', {
    day: '2026-01-09',
    title: '...',
    blocks: [['p', 'Another title of dots on the same day.']],
    slug: '2026-01-09',
  }),
  seed('dup-a.txt', 'date 2026-01-10 Council Meets Again\n\nFirst report.\n', {
    day: '2026-01-10',
    title: 'Council Meets Again',
    blocks: [['p', 'First report.']],
    slug: '2026-01-10-council-meets-again',
  }),
  seed('dup-b.txt', 'date 2026-01-10 Council Meets Again\n\nSecond report.\n', {
    day: '2026-01-10',
    title: 'Council Meets Again',
    blocks: [['p', 'Second report.']],
    slug: '2026-01-10-council-meets-again-2',
  }),
  seed('dup-c.txt', 'date 2026-01-10 Council  Meets   Again\n\nThird report, same words with more spaces.\n', {
    day: '2026-01-10',
    title: 'Council Meets Again',
    blocks: [['p', 'Third report, same words with more spaces.']],
    slug: '2026-01-10-council-meets-again-3',
  }),
  seed(
    'headings-everywhere.txt',
    'date 2026-01-11 Headings First, Middle and Last\n\nOpening Heading\n\n“Quotation after the heading.”\n\nBody paragraph one.\n\nMiddle Heading\n\nAnother heading right after\n\nBody paragraph two.\n\n“A closing quotation”\n\nClosing Heading\n',
    {
      day: '2026-01-11',
      title: 'Headings First, Middle and Last',
      blocks: [
        ['h2', 'Opening Heading'],
        ['quote', '“Quotation after the heading.”'],
        ['p', 'Body paragraph one.'],
        ['h2', 'Middle Heading'],
        ['h2', 'Another heading right after'],
        ['p', 'Body paragraph two.'],
        ['quote', '“A closing quotation”'],
        ['h2', 'Closing Heading'],
      ],
    },
  ),
  seed('quotations-only.txt', 'date 2026-01-11 Only Quotations\n\n«Première citation.»\n\n“Second, & <last>.”\n', {
    day: '2026-01-11',
    title: 'Only Quotations',
    blocks: [
      ['quote', '«Première citation.»'],
      ['quote', '“Second, & <last>.”'],
    ],
  }),
  seed(
    'photo-credits.txt',
    'date 2026-01-12 Odd Photo Credits\n\nThe photos below have odd credits.\n\n' +
      "Photo: flickr.com by O'Brien & Søn <Ltd>, https://example.org/licence?x=1&y=2&lang=en#frag Zürich & Bern\n\n" +
      'Photo: Wikimedia Commons by 李小龍 "Bruce" (1940–1973), https://creativecommons.org/licenses/by-sa/4.0/deed.ja Hong Kong\n\n' +
      'Photo: фото.рф by Анна-Мария, https://пример.рф/лицензия?а=б&в=г Київ\n\n' +
      'Photo: example.org by \u202Eevil\u202C, https://example.org/a"b<c>\n',
    {
      day: '2026-01-12',
      title: 'Odd Photo Credits',
      blocks: [
        ['p', 'The photos below have odd credits.'],
        [
          'credit',
          "Photo: flickr.com by O'Brien & Søn <Ltd>, https://example.org/licence?x=1&y=2&lang=en#frag, Zürich & Bern",
          'https://example.org/licence?x=1&y=2&lang=en#frag',
        ],
        [
          'credit',
          'Photo: Wikimedia Commons by 李小龍 "Bruce" (1940–1973), CC BY-SA 4.0, Hong Kong',
          'https://creativecommons.org/licenses/by-sa/4.0/deed.ja',
        ],
        ['credit', 'Photo: фото.рф by Анна-Мария, https://пример.рф/лицензия?а=б&в=г, Київ', 'https://пример.рф/лицензия?а=б&в=г'],
        ['credit', 'Photo: example.org by \u202Eevil\u202C, https://example.org/a"b<c>', 'https://example.org/a"b<c>'],
      ],
    },
  ),
  seed(
    'links.txt',
    'date 2026-01-12 Bare Links\n\nSee these.\n\nhttps://example.org/search?q=a&b=c&amp;d=1#top\n\nhttps://пример.рф/путь?q=ä\n',
    {
      day: '2026-01-12',
      title: 'Bare Links',
      blocks: [
        ['p', 'See these.'],
        ['link', 'https://example.org/search?q=a&b=c&amp;d=1#top'],
        ['link', 'https://пример.рф/путь?q=ä'],
      ],
    },
  ),
  seed('lang-ja.txt', 'date 2026-01-13 「東京」で会議、結論は出ず\n\nlang ja\n\n会議は三時間続いた。\n', {
    day: '2026-01-13',
    title: '「東京」で会議、結論は出ず',
    language: 'ja',
    blocks: [['p', '会議は三時間続いた。']],
  }),
  seed('lang-zh.txt', 'date 2026-01-13 臺北的會議\n\nlang zh-Hant-TW\n\n會議持續了三個小時。\n', {
    day: '2026-01-13',
    title: '臺北的會議',
    language: 'zh-Hant-TW',
    blocks: [['p', '會議持續了三個小時。']],
  }),
  seed('lang-sr.txt', 'date 2026-01-14 Sastanak u Beogradu\n\nlang sr-Latn-RS\n\nSastanak je trajao tri sata.\n', {
    day: '2026-01-14',
    title: 'Sastanak u Beogradu',
    language: 'sr-Latn-RS',
    blocks: [['p', 'Sastanak je trajao tri sata.']],
  }),
  seed('lang-uk.txt', 'date 2026-01-14 Зустріч у Києві — «мир»\n\nlang uk\n\nЗустріч тривала три години.\n', {
    day: '2026-01-14',
    title: 'Зустріч у Києві — «мир»',
    language: 'uk',
    blocks: [['p', 'Зустріч тривала три години.']],
  }),
  seed('ñ & ü (copy) #1.txt', "date 2026-01-15 An odd file name: ñ & ü (copy) #1\n\nIts id is percent-encoded, it's fine.\n", {
    day: '2026-01-15',
    id: `${PREFIX}articles/%C3%B1%20%26%20%C3%BC%20%28copy%29%20%231`,
    title: 'An odd file name: ñ & ü (copy) #1',
    blocks: [['p', "Its id is percent-encoded, it's fine."]],
  }),
  seed('separators.txt', 'date 2026-01-15 Line\u2028separator and\u2029paragraph separator\n\nU+2028\u2028inside and U+2029\u2029too.\n', {
    day: '2026-01-15',
    title: 'Line\u2028separator and\u2029paragraph separator',
    blocks: [['p', 'U+2028\u2028inside and U+2029\u2029too.']],
  }),
];

const REFUSED: readonly Refused[] = [
  { file: 'only-header.txt', bytes: utf8('date 2026-01-16 Nothing But The Header\n'), line: 1, reason: /no paragraph/ },
  { file: 'only-heading.txt', bytes: utf8('date 2026-01-16 A Header\n\nAnd A Heading\n'), line: 1, reason: /no paragraph/ },
  {
    file: 'blank-title.txt',
    bytes: utf8('date 2026-01-16  \u200B\u00A0\u200F \n\nBody.\n'),
    line: 1,
    reason: /title after the date is empty/,
  },
  {
    file: 'lone-surrogate.txt',
    // U+D83D alone, as CESU-8/WTF-8 would write it: ED A0 BD is not UTF-8.
    bytes: concat(utf8('date 2026-01-16 Lone surrogate\n\nBefore.\n\nBad '), Uint8Array.of(0xed, 0xa0, 0xbd), utf8(' here.\n')),
    line: 5,
    reason: /not valid UTF-8/,
  },
];

/**
 * C1 controls (NEL, CSI, and the cp1252 quotes a Latin-1 misreading leaves), DEL and Unicode
 * noncharacters: XML 1.0 may carry them, but HTML5 calls each a parse error and the W3C feed
 * validator flags them. Kept apart from PUBLISHED, whose exact texts the other cases compare.
 */
const C1_SEED = {
  file: 'c1-controls.txt',
  bytes: utf8(
    'date 2026-01-01 Mojibake \u0093quotes\u0094 and DEL\u007F\n\nNEL\u0085 CSI\u009B, noncharacters \uFDD0 and \u{1FFFE}, DEL\u007F.\n',
  ),
  day: '2026-01-01',
};
const C1_OR_NONCHARACTER = /[\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}]/u;

/** The real seed beside the repository, when there: an en dash in the title, a credit, curly quotes closing straight ones. */
const REAL: Published | undefined = (() => {
  if (!existsSync(REAL_SEEDS)) return undefined;
  const file = readdirSync(REAL_SEEDS).find((name) => name === '000_95522b9810a21362.txt');
  if (!file) return undefined;
  return {
    file,
    bytes: new Uint8Array(readFileSync(join(REAL_SEEDS, file))),
    day: '2026-02-02',
    title: 'Next Russia–Ukraine–US Negotiations Set for Early February',
    lede: 'The second round of negotiations between Russia, Ukraine, and the United States in Abu Dhabi was postponed in order to further align the schedules of all participants.',
  };
})();

const EXPECTED: readonly Published[] = REAL ? [...PUBLISHED, REAL] : PUBLISHED;
const byId = new Map(EXPECTED.map((entry) => [idOf(entry), entry]));

/** The id README promises: the prefix, `articles/`, the file name without `.txt`. */
function idOf(entry: Pick<Published, 'file' | 'id'>): string {
  return entry.id ?? `${PREFIX}articles/${entry.file.replace(/\.txt$/, '')}`;
}

function ledeOf(entry: Published): string {
  if (entry.lede !== undefined) return entry.lede;
  const blocks = entry.blocks ?? [];
  const block = blocks.find(([kind]) => kind === 'p') ?? blocks.find(([kind]) => kind === 'quote');
  if (!block) throw new Error(`${entry.file}: no lede`);
  return block[1];
}

// ---------------------------------------------------------------------------------------------
// An independent XML reader: fast-xml-parser in document order, as a small tree.
// ---------------------------------------------------------------------------------------------

interface El {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly (El | string)[];
}

const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Numeric character references (`&#x26;`); well-formedness is xmllint's part.
  htmlEntities: true,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
});

function dom(xml: string): El {
  const convert = (nodes: readonly unknown[]): (El | string)[] =>
    nodes.flatMap((node): (El | string)[] => {
      const record = node as Record<string, unknown>;
      if ('#text' in record) return [String(record['#text'])];
      if ('#cdata' in record) return convert(record['#cdata'] as unknown[]).map((part) => (typeof part === 'string' ? part : textOf(part)));
      if ('#comment' in record) return [];
      const name = Object.keys(record).find((key) => key !== ':@')!;
      if (name.startsWith('?')) return [];
      const attrs = Object.fromEntries(
        Object.entries((record[':@'] ?? {}) as Record<string, unknown>).map(([key, value]) => [key.slice(2), String(value)]),
      );
      return [{ name, attrs, children: convert(record[name] as unknown[]) }];
    });
  return { name: '#document', attrs: {}, children: convert(xmlParser.parse(xml) as unknown[]) };
}

const kids = (el: El, name: string): El[] => el.children.filter((child): child is El => typeof child !== 'string' && child.name === name);

function kid(el: El, name: string): El {
  const [found] = kids(el, name);
  if (!found) throw new Error(`no <${name}> in <${el.name}>`);
  return found;
}

const textOf = (el: El): string => el.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');

function descendants(el: El): El[] {
  return el.children.flatMap((child) => (typeof child === 'string' ? [] : [child, ...descendants(child)]));
}

/** Escaped HTML text (Atom `type="html"`, RSS descriptions) as a reader shows it; markup in it is an error. */
function shownText(html: string): string {
  if (/</.test(html)) throw new Error(`expected escaped text, found markup: ${html.slice(0, 200)}`);
  return htmlToText(html);
}

/** The top-level blocks of a body fragment, as a reader sees them. */
function blocksOf(html: string): ExpectedBlock[] {
  const root = kid(dom(`<root>${html}</root>`), 'root');
  return root.children.flatMap((child): ExpectedBlock[] => {
    if (typeof child === 'string') {
      if (child.trim() !== '') throw new Error(`text outside a block: ${child}`);
      return [];
    }
    const inner = child.children.filter((part): part is El => typeof part !== 'string');
    switch (child.name) {
      case 'p':
        return inner.length === 1 && inner[0]!.name === 'a' && child.children.length === 1
          ? [['link', inner[0]!.attrs.href ?? '']]
          : [['p', textOf(child)]];
      case 'h2':
        return [['h2', textOf(child)]];
      case 'blockquote':
        return [['quote', textOf(kid(child, 'p'))]];
      case 'figure': {
        const licence = descendants(child).find((el) => el.name === 'a' && el.attrs.rel === 'license');
        return [['credit', textOf(child), licence?.attrs.href ?? '']];
      }
      default:
        throw new Error(`unexpected <${child.name}> in a body`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Every item of every feed and archive, in each format, as a reader gets it.
// ---------------------------------------------------------------------------------------------

interface ReadItem {
  readonly document: string;
  readonly id: string;
  readonly title: string;
  readonly link: string;
  readonly published: number;
  readonly updated: number;
  readonly summary: string;
  readonly content: string;
  readonly language: string | undefined;
}

function rssItems(document: string, xml: string): ReadItem[] {
  const channel = kid(kid(dom(xml), 'rss'), 'channel');
  return kids(channel, 'item').map((item) => {
    const language = kids(item, 'dc:language')[0];
    const published = Date.parse(textOf(kid(item, 'pubDate')));
    return {
      document,
      id: textOf(kid(item, 'guid')),
      title: textOf(kid(item, 'title')),
      link: textOf(kid(item, 'link')),
      published,
      updated: published,
      summary: shownText(textOf(kid(item, 'description'))),
      content: textOf(kid(item, 'content:encoded')),
      language: language && textOf(language),
    };
  });
}

function atomItems(document: string, xml: string): ReadItem[] {
  const feed = kid(dom(xml), 'feed');
  return kids(feed, 'entry').map((entry) => {
    const title = kid(entry, 'title');
    const summary = kid(entry, 'summary');
    const content = kid(entry, 'content');
    for (const el of [title, summary, content]) expect(el.attrs.type, `${document} ${el.name}`).toBe('html');
    return {
      document,
      id: textOf(kid(entry, 'id')),
      title: shownText(textOf(title)),
      link: kids(entry, 'link').find((link) => (link.attrs.rel ?? 'alternate') === 'alternate')?.attrs.href ?? '',
      published: Date.parse(textOf(kid(entry, 'published'))),
      updated: Date.parse(textOf(kid(entry, 'updated'))),
      summary: shownText(textOf(summary)),
      content: textOf(content),
      language: entry.attrs['xml:lang'],
    };
  });
}

interface JsonItem {
  id: string;
  url: string;
  title?: string;
  summary: string;
  content_html: string;
  date_published: string;
  date_modified: string;
  language?: string;
}

function jsonItems(document: string, json: string): ReadItem[] {
  return (JSON.parse(json) as { items: JsonItem[] }).items.map((item) => ({
    document,
    id: item.id,
    title: item.title ?? '',
    link: item.url,
    published: Date.parse(item.date_published),
    updated: Date.parse(item.date_modified),
    summary: item.summary,
    content: item.content_html,
    language: item.language,
  }));
}

type Format = 'rss' | 'atom' | 'json';
const FORMATS: readonly Format[] = ['rss', 'atom', 'json'];
const LIVE: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };
const ARCHIVE = { rss: /^rss-\d+\.xml$/, atom: /^atom-\d+\.xml$/, json: /^feed-\d+\.json$/ } as const;
const readers = { rss: rssItems, atom: atomItems, json: jsonItems } as const;

/** The live feed and its archives of one format, read. */
async function itemsOf(format: Format): Promise<ReadItem[]> {
  const archives = (await readdir(join(out, 'archive'))).filter((name) => ARCHIVE[format].test(name)).map((name) => `archive/${name}`);
  const documents = [LIVE[format], ...archives];
  const items: ReadItem[] = [];
  for (const document of documents) items.push(...readers[format](document, await readFile(join(out, document), 'utf8')));
  return items;
}

// ---------------------------------------------------------------------------------------------
// The pages, read by html5lib (the HTML5 parsing algorithm, which reports every parse error).
// ---------------------------------------------------------------------------------------------

interface PageRead {
  readonly errors: string[];
  readonly elements: string[];
  readonly lang: string | null;
  readonly dir: string | null;
  readonly title: string;
  readonly h1: string;
  readonly blocks: ExpectedBlock[];
  readonly entries: { lang: string | null; dir: string | null; title: string; href: string; summary: string }[];
}

const HTML5LIB = `
import sys, json, html5lib
def text(el): return ''.join(el.itertext())
def block(el):
    inner = list(el)
    if el.tag == 'p' and len(inner) == 1 and inner[0].tag == 'a' and not (el.text or '') and not (inner[0].tail or ''):
        return ['link', inner[0].get('href')]
    if el.tag == 'p': return ['p', text(el)]
    if el.tag == 'h2': return ['h2', text(el)]
    if el.tag == 'blockquote': return ['quote', text(el.find('p'))]
    if el.tag == 'figure':
        lic = [a for a in el.iter('a') if a.get('rel') == 'license']
        return ['credit', text(el), lic[0].get('href') if lic else '']
    return ['?' + str(el.tag), text(el)]
out = {}
for path in sys.argv[1:]:
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    with open(path, 'rb') as f:
        doc = parser.parse(f.read())
    article = doc.find('.//main/article')
    entries = []
    for li in doc.findall('.//ol/li'):
        a = li.find('.//h2/a')
        p = li.find('.//article/p')
        entries.append({'lang': li.get('lang'), 'dir': li.get('dir'), 'title': text(a), 'href': a.get('href'), 'summary': text(p)})
    h1 = doc.find('.//h1')
    out[path] = {
        'errors': ['%s: %s %s' % (pos, code, data) for pos, code, data in parser.errors],
        'elements': sorted({el.tag for el in doc.iter() if isinstance(el.tag, str)}),
        'lang': doc.get('lang'), 'dir': doc.get('dir'),
        'title': text(doc.find('head/title')),
        'h1': text(h1) if h1 is not None else '',
        'blocks': [block(el) for el in list(article)[2:]] if article is not None else [],
        'entries': entries,
    }
json.dump(out, sys.stdout)
`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

let html5libReady: boolean | undefined;
async function requireHtml5lib(ctx: TestContext): Promise<void> {
  html5libReady ??= existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import html5lib'], 60_000)).code === 0;
  if (!html5libReady) ctx.skip(`${PYTHON} with html5lib is not available`);
}

let pagesRead: Promise<Record<string, PageRead>> | undefined;
/** Every HTML page, by its path under the site folder. */
function pages(): Promise<Record<string, PageRead>> {
  pagesRead ??= (async () => {
    const paths = ['index.html', '404.html', ...(await readdir(join(out, 'articles'))).map((name) => `articles/${name}`)];
    const result = await run(PYTHON, ['-c', HTML5LIB, ...paths.map((path) => join(out, path))], 120_000);
    if (result.code !== 0) throw new Error(`html5lib failed: ${result.stderr}`);
    const byFile = JSON.parse(result.stdout) as Record<string, PageRead>;
    return Object.fromEntries(paths.map((path) => [path, byFile[join(out, path)]!]));
  })();
  return pagesRead;
}

let checked: Promise<Run> | undefined;
/** The shared checker over the whole site folder: the feeds and, in archive/, the archives. */
function checker(ctx: TestContext): Promise<Run> {
  if (!existsSync(CHECK)) ctx.skip(`the shared feed checker is not at ${CHECK}`);
  checked ??= run(CHECK, [out], TWENTY_MINUTES);
  return checked;
}

/** The page file a feed link leads to, or undefined when it leads outside the site. */
function pageOf(link: string): string | undefined {
  if (!link.startsWith(`${SITE}articles/`)) return undefined;
  return decodeURIComponent(link.slice(SITE.length));
}

// ---------------------------------------------------------------------------------------------
// Build once.
// ---------------------------------------------------------------------------------------------

let work: string;
let out: string;
let build: { code: number; out: string[]; err: string[] };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'awkward-site-'));
  const seeds = join(work, 'seeds');
  out = join(work, 'site');
  await mkdir(seeds);
  for (const { file, bytes } of [...EXPECTED, C1_SEED, ...REFUSED]) await writeFile(join(seeds, file), bytes);
  const config = join(work, 'feed.config.json');
  await writeFile(
    config,
    JSON.stringify({
      title: 'Awkward & <Odd> "Posts"',
      description: 'Fixture posts that break naive feeds.',
      siteUrl: SITE,
      language: 'en',
      author: { name: 'Desk & Co', email: 'desk@example.org' },
      itemLimit: ITEM_LIMIT,
      idPrefix: PREFIX,
    }),
  );
  const io = fakeIo(work, { now: '2026-06-01T00:00:00Z' });
  const code = await runCli(['build', '--seeds', seeds, '--out', out, '--config', config, '--now', '2026-06-01T00:00:00Z'], io);
  build = { code, out: lines(io.out), err: lines(io.err) };
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const publishedFiles = [...EXPECTED.map((entry) => entry.file), C1_SEED.file];

describe('a site built from awkward seeds', () => {
  it('publishes every awkward seed and refuses only the four bad ones, each by file, line and reason (a lone surrogate makes its file invalid UTF-8)', () => {
    expect(build.code, build.err.join('\n')).toBe(0);
    const refusals = build.err.filter((line) => /^[^:]+\.txt:\d+: /.test(line));
    expect(refusals).toHaveLength(REFUSED.length);
    for (const refused of REFUSED) {
      const line = refusals.find((candidate) => candidate.startsWith(`${refused.file}:`));
      expect(line, refused.file).toBeDefined();
      expect(line).toMatch(new RegExp(`^${refused.file.replace('.', '\\.')}:${refused.line}: `));
      expect(line).toMatch(refused.reason);
    }
    expect(build.out.join('\n')).toMatch(
      new RegExp(
        `^${publishedFiles.length} articles published to .* \\(${ITEM_LIMIT} in the feeds, ${REFUSED.length} rejected, 0 held\\)`,
        'm',
      ),
    );
  });

  it('puts every published article exactly once into each format, across the live feed and its archives, under the id its file name gives', async () => {
    const expectedIds = [...EXPECTED.map(idOf), idOf(C1_SEED)].sort();
    for (const format of FORMATS) {
      const items = await itemsOf(format);
      const live = items.filter((item) => item.document === LIVE[format]);
      expect(live, format).toHaveLength(ITEM_LIMIT);
      expect(items.map((item) => item.id).sort(), format).toEqual(expectedIds);
      // More than one archive document: the limit is small enough for RFC 5005 paging.
      expect(new Set(items.map((item) => item.document)).size, format).toBeGreaterThan(2);
    }
  });

  it('carries every title exactly as the seed says it, escaping undone, in RSS, Atom and JSON Feed', async () => {
    for (const format of FORMATS) {
      for (const item of await itemsOf(format)) {
        const entry = byId.get(item.id);
        if (!entry) continue;
        expect(item.title, `${format} ${item.document} ${entry.file}`).toBe(entry.title);
      }
    }
  });

  it('carries every summary exactly: the first paragraph, or the first quotation when there is no paragraph', async () => {
    for (const format of FORMATS) {
      for (const item of await itemsOf(format)) {
        const entry = byId.get(item.id);
        if (!entry) continue;
        expect(item.summary, `${format} ${entry.file}`).toBe(ledeOf(entry));
      }
    }
  });

  it('carries the same body HTML in every format, whose blocks are the seed’s headings, paragraphs, quotations, credits and links in order', async () => {
    const [rss, atom, json] = await Promise.all(FORMATS.map(itemsOf));
    const bodies = (items: ReadItem[]) => new Map(items.map((item) => [item.id, item.content]));
    const atomBodies = bodies(atom!);
    const jsonBodies = bodies(json!);
    for (const item of rss!) {
      expect(atomBodies.get(item.id), item.id).toBe(item.content);
      expect(jsonBodies.get(item.id), item.id).toBe(item.content);
      const entry = byId.get(item.id);
      if (!entry?.blocks) continue;
      expect(blocksOf(item.content), entry.file).toEqual(entry.blocks);
    }
  });

  it('links every item, in every format, to the same absolute page that exists, with the -2, -3 and bare-day slugs duplicates and wordless titles get', async () => {
    const links = new Map<string, string>();
    for (const format of FORMATS) {
      for (const item of await itemsOf(format)) {
        const page = pageOf(item.link);
        expect(page, `${format} ${item.link}`).toBeDefined();
        expect(existsSync(join(out, page!)), `${format} ${item.link}`).toBe(true);
        if (links.has(item.id)) expect(item.link, `${format} ${item.id}`).toBe(links.get(item.id));
        links.set(item.id, item.link);
        const slug = byId.get(item.id)?.slug;
        if (slug !== undefined) expect(item.link).toBe(`${SITE}articles/${encodeURIComponent(slug)}.html`);
      }
    }
    // Every article its own page.
    expect(new Set(links.values()).size).toBe(links.size);
  });

  it('dates every item at midnight UTC of its seed day, published and updated, in every format', async () => {
    for (const format of FORMATS) {
      for (const item of await itemsOf(format)) {
        const entry = byId.get(item.id);
        const day = entry?.day ?? C1_SEED.day;
        const midnight = Date.parse(`${day}T00:00:00Z`);
        expect(item.published, `${format} ${item.id}`).toBe(midnight);
        expect(item.updated, `${format} ${item.id}`).toBe(midnight);
      }
    }
  });

  it('gives the article’s own language on its item alone: Atom xml:lang, RSS dc:language, JSON Feed language', async () => {
    for (const format of FORMATS) {
      for (const item of await itemsOf(format)) {
        expect(item.language, `${format} ${item.id}`).toBe(byId.get(item.id)?.language);
      }
    }
  });

  it(
    'passes every check of the shared feed checker on the feeds and on every archive',
    async (ctx) => {
      const result = await checker(ctx);
      const report = `${result.stdout}\n--- stderr ---\n${result.stderr.slice(-4000)}`;
      expect(
        result.stdout.split('\n').filter((line) => line.startsWith('FAIL')),
        report,
      ).toEqual([]);
      expect(result.code, report).toBe(0);
      // The archives were checked too, each by the W3C validator among others.
      const archives = (await readdir(join(out, 'archive'))).filter((name) => /\.(xml|json)$/.test(name));
      for (const name of archives) expect(result.stdout, name).toContain(`/archive/${name}`);
      for (const name of archives.filter((file) => file.endsWith('.xml')))
        expect(result.stdout).toMatch(new RegExp(`^PASS \\[feedvalidator\\] .*/archive/${name.replace('.', '\\.')}:`, 'm'));
    },
    TWENTY_MINUTES,
  );

  it(
    'keeps the C1 controls, DEL and noncharacters of a seed out of every document, where the W3C validator flags them as bad characters and HTML5 as parse errors',
    async (ctx) => {
      await requireHtml5lib(ctx);
      const result = await checker(ctx);
      const flagged = result.stdout.split('\n').filter((line) => /\((BadCharacters|NotHtml)\)/.test(line));
      const documents = [
        'rss.xml',
        'atom.xml',
        'feed.json',
        ...(await readdir(join(out, 'archive'))).map((name) => `archive/${name}`),
        ...(await readdir(join(out, 'articles'))).map((name) => `articles/${name}`),
      ];
      const holding: string[] = [];
      for (const document of documents) if (C1_OR_NONCHARACTER.test(await readFile(join(out, document), 'utf8'))) holding.push(document);
      const c1Page = Object.entries(await pages()).filter(([, page]) => page.errors.some((error) => /invalid-codepoint/.test(error)));
      expect({ holding, flagged, pageErrors: c1Page.map(([path]) => path) }).toEqual({ holding: [], flagged: [], pageErrors: [] });
    },
    TWENTY_MINUTES,
  );

  it('gives every page, article and index alike, no HTML5 parse error and no element but the template’s: seed markup stays text', async (ctx) => {
    await requireHtml5lib(ctx);
    const TEMPLATE = ['a', 'article', 'blockquote', 'body', 'div', 'figcaption', 'figure', 'footer', 'h1', 'h2', 'head', 'header', 'html'];
    const allowed = new Set([...TEMPLATE, 'li', 'link', 'main', 'meta', 'ol', 'p', 'span', 'style', 'time', 'title', 'bdi']);
    for (const [path, page] of Object.entries(await pages())) {
      // The C1 controls' page has a case of its own.
      if (page.h1.startsWith('Mojibake')) continue;
      expect(page.errors, path).toEqual([]);
      expect(
        page.elements.filter((name) => !allowed.has(name)),
        path,
      ).toEqual([]);
    }
  });

  it('shows each article on its page with the seed’s title in <h1> and <title>, its blocks as text, and lang and dir from its `lang` line', async (ctx) => {
    await requireHtml5lib(ctx);
    const read = await pages();
    for (const item of await itemsOf('json')) {
      const entry = byId.get(item.id);
      if (!entry) continue;
      const page = read[pageOf(item.link)!]!;
      expect(page.h1, entry.file).toBe(entry.title);
      expect(page.title, entry.file).toBe(`${entry.title} · Awkward & <Odd> "Posts"`);
      if (entry.blocks) expect(page.blocks, entry.file).toEqual(entry.blocks);
      expect(page.lang, entry.file).toBe(entry.language ?? 'en');
      expect(page.dir, entry.file).toBe(entry.language === 'ar' || entry.language === 'he' ? 'rtl' : null);
    }
  });

  it('lists on the index the feed’s items, newest day first, each title and summary as text, linked to its page, marked with its own language', async (ctx) => {
    await requireHtml5lib(ctx);
    const index = (await pages())['index.html']!;
    const live = (await itemsOf('json')).filter((item) => item.document === LIVE.json);
    // The same articles; within one day the index goes by file name and the feeds by id (src/publish/ranking.ts).
    expect(index.entries.map((entry) => `${SITE}${entry.href}`).sort()).toEqual(live.map((item) => item.link).sort());
    const byLink = new Map(live.map((item) => [item.link, item]));
    let previous = Number.POSITIVE_INFINITY;
    for (const shown of index.entries) {
      const item = byLink.get(`${SITE}${shown.href}`)!;
      const entry = byId.get(item.id)!;
      expect(item.published).toBeLessThanOrEqual(previous);
      previous = item.published;
      expect(shown.title, entry.file).toBe(entry.title);
      expect(shown.summary, entry.file).toBe(ledeOf(entry));
      expect(shown.lang, entry.file).toBe(entry.language ?? null);
    }
  });

  it('shows every item in the browser view of each RSS and Atom document as text: its title linked to its page, its summary', async () => {
    const documents = [
      'rss.xml',
      'atom.xml',
      ...(await readdir(join(out, 'archive'))).filter((name) => name.endsWith('.xml')).map((name) => `archive/${name}`),
    ];
    for (const document of documents) {
      const root = dom(await readFile(join(out, document), 'utf8'));
      const view = descendants(root).find((el) => el.name === 'div' && (el.attrs.class ?? '').split(' ').includes('feed-view'));
      expect(view, document).toBeDefined();
      const items = document.includes('rss')
        ? rssItems(document, await readFile(join(out, document), 'utf8'))
        : atomItems(document, await readFile(join(out, document), 'utf8'));
      const shown = descendants(view!).filter((el) => el.name === 'li');
      expect(shown, document).toHaveLength(items.length);
      for (const [n, li] of shown.entries()) {
        const link = descendants(li).find((el) => el.name === 'a')!;
        const entry = byId.get(items[n]!.id);
        expect(link.attrs.href, document).toBe(items[n]!.link);
        expect(
          link.children.every((child) => typeof child === 'string'),
          document,
        ).toBe(true);
        if (!entry) continue;
        expect(textOf(link), `${document} ${entry.file}`).toBe(entry.title);
        expect(textOf(descendants(li).find((el) => el.name === 'p')!), `${document} ${entry.file}`).toBe(ledeOf(entry));
      }
    }
  });

  it('writes no markup from a seed unescaped into any page, RSS or Atom document, nor into JSON Feed HTML', async () => {
    const archives = (await readdir(join(out, 'archive'))).map((name) => `archive/${name}`);
    const files = [
      'index.html',
      'rss.xml',
      'atom.xml',
      ...archives.filter((name) => name.endsWith('.xml')),
      ...(await readdir(join(out, 'articles'))).map((name) => `articles/${name}`),
    ];
    const MARKUP = [
      '<b>bold</b>',
      '<i>italics</i>',
      '</title> titles',
      '<script>',
      '<img src=x',
      '<!-- a comment -->',
      '<?pi x?>',
      '<Ltd>',
      '<angle>',
      '<last>',
      'b<c>',
    ];
    for (const file of files) {
      const text = await readFile(join(out, file), 'utf8');
      for (const markup of MARKUP) expect(text.includes(markup), `${markup} in ${file}`).toBe(false);
      if (file.endsWith('.html')) expect(text.includes('<![CDATA['), file).toBe(false);
    }
    // JSON Feed's title and summary are plain text, where `<b>` is right; its content_html is HTML.
    for (const item of await itemsOf('json')) {
      for (const markup of MARKUP) expect(item.content.includes(markup), `${markup} in ${item.document} ${item.id}`).toBe(false);
    }
  });
});
