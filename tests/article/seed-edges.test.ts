/** The seed parser at the edges of the seed format: odd line ends, scripts, invisible characters, credits, escaping, ids and dates. */
import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseCalendarDate, publishInstant } from '../../src/article/calendar.js';
import { parseCorpus } from '../../src/article/corpus.js';
import { articleBodyHtml } from '../../src/article/html.js';
import { baseSlug, itemId } from '../../src/article/identity.js';
import { decodeSeed, parseArticle } from '../../src/article/parse.js';
import type { Article, ArticleError, Block, CalendarDate } from '../../src/article/types.js';
import { ID_PREFIX } from '../helpers/factory.js';

const SHARED_SEED = '000_95522b9810a21362.txt';
// The real seed, as the repository's seeds/ carries it (the same bytes as in ../shared/seeds).
const sharedSeedBytes = readFileSync(new URL(`../../seeds/${SHARED_SEED}`, import.meta.url));

function parsed(text: string, fileName = 'a.txt'): Article {
  const result = parseArticle(fileName, text);
  if (!result.ok) throw new Error(`expected an article, got ${JSON.stringify(result.error)}`);
  return result.article;
}

function rejected(text: string, fileName = 'bad.txt'): ArticleError {
  const result = parseArticle(fileName, text);
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
}

function date(iso: string): CalendarDate {
  const day = parseCalendarDate(iso);
  if (!day) throw new Error(`not a date: ${iso}`);
  return day;
}

/** The blocks after a fixed lede paragraph, so each case is one block. */
const blocksOf = (body: string) => parsed(`date 2026-03-01 T\n\nLede paragraph.\n\n${body}\n`).blocks.slice(1);
const kinds = (blocks: readonly Block[]) => blocks.map((block) => block.kind);
const hasLoneSurrogate = (text: string) => /\p{Cs}/u.test(text);
/** XML 1.0 `Char` excludes C0 controls other than tab, LF and CR, and U+FFFE, U+FFFF. */
const isXmlForbiddenChar = (char: string) => {
  const code = char.codePointAt(0)!;
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff;
};

describe('the real seed in /work/shared/seeds', () => {
  it('renders 3 headings, 4 quotations, 8 paragraphs and a linked photo credit as HTML', () => {
    // Prepare
    const decoded = decodeSeed(SHARED_SEED, sharedSeedBytes);
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.error));

    // Act
    const html = articleBodyHtml(parsed(decoded.text, SHARED_SEED));

    // Assess
    expect([...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1])).toEqual([
      'Scheduling Issues and New Dates',
      "Moscow's Position on Presidential Talks",
      'Reaction from Kyiv and International Context',
    ]);
    const quotes = [...html.matchAll(/<blockquote><p>(.*?)<\/p><\/blockquote>/g)].map((m) => m[1]!);
    expect(quotes).toHaveLength(4);
    for (const quote of quotes) expect(quote).toMatch(/^".*,”$/);
    expect(quotes[3]).toContain('invite him to Kyiv — let him come,”');
    expect(html.match(/<p>/g)).toHaveLength(8 + 4);
    expect(html).toContain(
      '<figure><figcaption>Photo: <a href="https://commons.wikimedia.org/">commons.wikimedia.org</a> by Darthjipsu, ' +
        '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>, Abu Dhabi</figcaption></figure>',
    );
    expect(html.split('\n')).toHaveLength(16);
  });

  it('gives a dash-separated ASCII slug for a title with en dashes and an id from the file name', () => {
    // Prepare
    const article = parsed(sharedSeedBytes.toString('utf8'), SHARED_SEED);

    // Act
    const slug = baseSlug(article);
    const id = itemId(ID_PREFIX, SHARED_SEED);

    // Assess
    expect(slug).toBe('2026-02-02-next-russia-ukraine-us-negotiations-set-for-early-february');
    expect(id).toBe(`${ID_PREFIX}articles/000_95522b9810a21362`);
  });
});

describe('parseArticle reads any line ends, BOMs and blank lines', () => {
  it('reads a file mixing CRLF, LF and CR line ends like the same file with LF only', () => {
    // Prepare
    const lf = 'date 2026-03-01 A Title\n\nFirst line\nof the lede.\n\nA Heading\n\nLast paragraph.\n';
    const mixed = 'date 2026-03-01 A Title\r\n\nFirst line\rof the lede.\r\n\r\rA Heading\n\r\nLast paragraph.\r';

    // Act
    const article = parsed(mixed);

    // Assess
    expect(article.blocks).toEqual(parsed(lf).blocks);
    expect(article.lede).toBe('First line of the lede.');
  });

  it('accepts a BOM followed by a leading space, and a leading space followed by a BOM', () => {
    // Prepare
    const texts = ['\uFEFF date 2026-03-01 Title\r\n\r\nBody.\r\n', ' \uFEFFdate 2026-03-01 Title\r\n\r\nBody.\r\n'];

    // Act
    const articles = texts.map((text) => parsed(text));

    // Assess
    for (const article of articles) {
      expect(article.title).toBe('Title');
      expect(article.blocks).toEqual([{ kind: 'paragraph', text: 'Body.' }]);
    }
  });

  it('takes a line of no-break or ideographic spaces for a blank line between paragraphs', () => {
    // Prepare
    const text = 'date 2026-03-01 T\n\nFirst paragraph.\n\u00A0\u3000 \nSecond paragraph.\n';

    // Act
    const blocks = parsed(text).blocks;

    // Assess
    expect(blocks).toEqual([
      { kind: 'paragraph', text: 'First paragraph.' },
      { kind: 'paragraph', text: 'Second paragraph.' },
    ]);
  });

  it('reports a bad header on its own line when the file has CR-only line ends', () => {
    // Prepare
    const text = '\r\r\rdate 2026-02-30 Title\r\rBody.\r';

    // Act
    const error = rejected(text, 'cr.txt');

    // Assess
    expect(error).toEqual({ fileName: 'cr.txt', line: 4, reason: '2026-02-30 is not a date on the calendar' });
  });

  it('gives the title and text in NFC whatever form the file was saved in', () => {
    // Prepare: "Café й" with a combining acute and a combining breve.
    const text = 'date 2026-03-01 Cafe\u0301 \u0438\u0306\n\nCafe\u0301 \u0438\u0306.\n';

    // Act
    const article = parsed(text);

    // Assess
    expect(article.title).toBe('Caf\u00e9 \u0439');
    expect(article.lede).toBe('Caf\u00e9 \u0439.');
  });
});

describe('parseArticle reads the header line', () => {
  it('accepts a no-break space between the date and the title', () => {
    // Prepare
    const text = 'date 2026-03-01\u00A0Bridge Opens\n\nBody.\n';

    // Act
    const result = parseArticle('nbsp.txt', text);

    // Assess
    expect(result.ok && result.article.title).toBe('Bridge Opens');
  });

  it.each([
    ['a zero-width space', '\u200B'],
    ['bidi controls', '\u200E\u202E\u202C'],
  ])('rejects a title that is only %s as empty', (_name, title) => {
    // Prepare
    const text = `date 2026-03-01 ${title}\n\nBody.\n`;

    // Act
    const error = rejected(text, 'invisible.txt');

    // Assess
    expect(error.fileName).toBe('invisible.txt');
    expect(error.line).toBe(1);
    expect(error.reason).toMatch(/title .* is empty/);
  });

  it('accepts leap days and the last day of 9999, and rejects 29 February 1900 naming the date', () => {
    // Prepare
    const good = ['2000-02-29', '2024-02-29', '0004-02-29', '9999-12-31'];

    // Act
    const dates = good.map((iso) => parsed(`date ${iso} T\n\nBody.\n`).date);
    const error = rejected('date 1900-02-29 T\n\nBody.\n', 'y1900.txt');

    // Assess
    expect(dates.map((day) => day.iso)).toEqual(good);
    expect(dates[3]).toEqual({ year: 9999, month: 12, day: 31, iso: '9999-12-31' });
    expect(error).toEqual({ fileName: 'y1900.txt', line: 1, reason: '1900-02-29 is not a date on the calendar' });
  });

  it.each([
    ['day 32', '2026-01-32', '2026-01-32 is not a date on the calendar'],
    ['31 April', '2026-04-31', '2026-04-31 is not a date on the calendar'],
    ['a two-digit year', '26-04-01', '"26-04-01" is not a date in the form YYYY-MM-DD'],
    ['full-width digits', '２０２６-０３-０１', '"２０２６-０３-０１" is not a date in the form YYYY-MM-DD'],
    ['en dashes', '2026–03–01', '"2026–03–01" is not a date in the form YYYY-MM-DD'],
  ])('rejects a date with %s, quoting it', (_name, iso, reason) => {
    // Prepare
    const text = `date ${iso} Title\n\nBody.\n`;

    // Act
    const error = rejected(text, 'date.txt');

    // Assess
    expect(error).toEqual({ fileName: 'date.txt', line: 1, reason });
  });

  it('cuts a long bad first line in its error without splitting an emoji into a lone surrogate', () => {
    // Prepare
    const text = `Hello ${'😀'.repeat(100)}\n\nBody.\n`;

    // Act
    const error = rejected(text, 'emoji.txt');

    // Assess
    expect(error.reason).toMatch(/^expected `date YYYY-MM-DD Title`, found "Hello 😀+…"$/u);
    expect(hasLoneSurrogate(error.reason)).toBe(false);
    expect(error.reason.length).toBeLessThan(200);
  });

  it('keeps a very long title whole, emoji and other scripts included', () => {
    // Prepare
    const title = `${'Довга назва 🚋 長い題名 عنوان طويل '.repeat(40)}end`;

    // Act
    const article = parsed(`date 2026-03-01 ${title}\n\nBody.\n`);

    // Assess
    expect(article.title).toBe(title);
    expect(hasLoneSurrogate(article.title)).toBe(false);
  });
});

describe('parseArticle tells headings from short sentences', () => {
  it.each([
    ['an exclamation mark', 'Wow!'],
    ['an ellipsis', 'And then…'],
    ['a semicolon', 'First this;'],
    ['a closing quote after a full stop', 'She said “no.”'],
    ['a closing guillemet after an exclamation mark', 'Він сказав «Так!»'],
    ['a closing bracket', 'Results (draft)'],
  ])('a short line ending in %s is a paragraph', (_name, line) => {
    // Prepare
    const body = line;

    // Act
    const blocks = blocksOf(body);

    // Assess
    expect(blocks).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it.each(['Kyiv: the Bridge', 'What’s next', 'Що далі', '東京の天気', 'أخبار اليوم', 'Good news 🎉'])(
    'a short line with punctuation only inside it is a heading: %s',
    (line) => {
      expect(blocksOf(line)).toEqual([{ kind: 'heading', text: line }]);
    },
  );

  it('a short line with no letter at all is not a heading', () => {
    expect(kinds(blocksOf('🎉🎉🎉'))).toEqual(['paragraph']);
  });

  it.each([
    ['a CJK full stop', '今天天气很好。'],
    ['a full-width question mark', '你好吗？'],
    ['a full-width exclamation mark', '太好了！'],
    ['an Arabic question mark', 'كيف حالك؟'],
    ['a Devanagari danda', 'यह ठीक है।'],
  ])('a short sentence ending in %s is a paragraph, not a heading', (_name, line) => {
    // Prepare
    const body = line;

    // Act
    const blocks = blocksOf(body);

    // Assess
    expect(blocks).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it.each([
    ['a German closing quote', 'Er sagte „nein“'],
    ['a single guillemet', 'Il a dit ‹non›'],
    ['a CJK corner bracket', '他说「好」'],
  ])('a short line ending in %s is not a heading', (_name, line) => {
    // Prepare
    const body = line;

    // Act
    const blocks = blocksOf(body);

    // Assess
    expect(kinds(blocks)).not.toContain('heading');
  });

  it.each([
    ['a right-to-left mark after the question mark', 'מה קורה?\u200F', ['paragraph']],
    ['a zero-width space before the opening quote', '\u200B“Quoted,” she said.', ['quotation']],
    [
      'a line holding only a zero-width space between two paragraphs',
      'One paragraph.\n\u200B\nAnother paragraph.',
      ['paragraph', 'paragraph'],
    ],
  ])('reads a block with %s as if the invisible character were not there', (_name, body, expected) => {
    // Prepare
    const text = body;

    // Act
    const blocks = blocksOf(text);

    // Assess
    expect(kinds(blocks)).toEqual(expected);
  });
});

describe('parseArticle finds quotations', () => {
  it.each([
    ['low-9 single quotes', '‚Ja‘, sagte er.'],
    ['curly single quotes', '‘Single,’ she said.'],
    ['reversed guillemets', '»Umgekehrt«, sagte er.'],
    ['a closing curly quote used as the opening one', '”Svenska”, sa han.'],
    ['a straight quote closed by a curly one, as in the real seed', '"Short,”'],
  ])('a paragraph opening with %s is a quotation', (_name, line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'quotation', text: line }]);
  });

  it('joins a quotation written over several lines into one block, marks included', () => {
    // Prepare
    const body = '“The first line,\n  and the second,”\nshe said.';

    // Act
    const blocks = blocksOf(body);

    // Assess
    expect(blocks).toEqual([{ kind: 'quotation', text: '“The first line, and the second,” she said.' }]);
  });

  it('takes a quotation for the lede only when the article has no plain paragraph', () => {
    // Prepare
    const quoteFirst = 'date 2026-03-01 T\n\n«Цитата», сказав він.\n\nПерший абзац.\n';
    const quoteOnly = 'date 2026-03-01 T\n\nA Heading\n\n«Цитата», сказав він.\n';

    // Act
    const ledes = [parsed(quoteFirst).lede, parsed(quoteOnly).lede];

    // Assess
    expect(ledes).toEqual(['Перший абзац.', '«Цитата», сказав він.']);
  });

  it.each([
    ['CJK corner brackets', '「我们会继续努力」'],
    ['CJK white corner brackets', '『春はあけぼの』と書いた。'],
    ['single guillemets', '‹Bonjour›, dit-il.'],
  ])('a paragraph opening with %s is a quotation', (_name, line) => {
    // Prepare
    const body = line;

    // Act
    const blocks = blocksOf(body);

    // Assess
    expect(blocks).toEqual([{ kind: 'quotation', text: line }]);
  });
});

describe('parseArticle reads photo credits', () => {
  it('takes an author with commas, ampersands and parentheses, and a licence URL with a query string', () => {
    // Prepare
    const line = 'Photo: flickr.com by Іван Петренко, Jr. & Co. (UNIAN), https://example.org/licence?id=1&lang=uk_(UA) Kyiv & <Oblast>';

    // Act
    const blocks = blocksOf(line);

    // Assess
    expect(blocks).toEqual([
      {
        kind: 'photo-credit',
        source: 'flickr.com',
        author: 'Іван Петренко, Jr. & Co. (UNIAN)',
        licenseUrl: 'https://example.org/licence?id=1&lang=uk_(UA)',
        place: 'Kyiv & <Oblast>',
      },
    ]);
  });

  it('joins a credit written over two lines and labels a Creative Commons deed URL in any language', () => {
    // Prepare
    const body = 'Photo: commons.wikimedia.org by Jane Doe,\nhttps://creativecommons.org/licenses/by-nc-sa/3.0/deed.uk Lviv Oblast';

    // Act
    const html = articleBodyHtml({ blocks: blocksOf(body) as [Block, ...Block[]] });

    // Assess
    expect(html).toBe(
      '<figure><figcaption>Photo: <a href="https://commons.wikimedia.org/">commons.wikimedia.org</a> by Jane Doe, ' +
        '<a rel="license" href="https://creativecommons.org/licenses/by-nc-sa/3.0/deed.uk">CC BY-NC-SA 3.0</a>, Lviv Oblast</figcaption></figure>',
    );
  });

  it('does not link a source that is not a host name', () => {
    // Prepare
    const body = 'Photo: javascript:alert(1) by Jane, https://creativecommons.org/publicdomain/zero/1.0/';

    // Act
    const html = articleBodyHtml({ blocks: blocksOf(body) as [Block, ...Block[]] });

    // Assess
    expect(html).toBe(
      '<figure><figcaption>Photo: javascript:alert(1) by Jane, ' +
        '<a rel="license" href="https://creativecommons.org/publicdomain/zero/1.0/">CC0 1.0</a></figcaption></figure>',
    );
  });

  it('takes a source of several words', () => {
    // Prepare
    const line = 'Photo: Wikimedia Commons by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Kyiv';

    // Act
    const blocks = blocksOf(line);

    // Assess
    expect(blocks).toEqual([
      {
        kind: 'photo-credit',
        source: 'Wikimedia Commons',
        author: 'Jane Doe',
        licenseUrl: 'https://creativecommons.org/licenses/by/4.0/',
        place: 'Kyiv',
      },
    ]);
  });
});

describe('articleBodyHtml keeps seed text as text', () => {
  const seed = [
    'date 2026-03-01 <b>Title</b> & "more"',
    '',
    'Lede <img src=x onerror=alert(1)> & &amp; </p>.',
    '',
    '<h1>Heading</h1> & co',
    '',
    '“<script>alert(1)</script>”',
    '',
    'Photo: a.example by <Jane & "Joe">, https://example.org/?a=1&b="x"&c=<y> <Place> & co',
    '',
    'https://example.org/?q="><script>&x=1',
    '',
  ].join('\n');

  it('escapes markup in paragraphs, headings, quotations, credits and links, and keeps the title raw in the model', () => {
    // Prepare
    const article = parsed(seed);

    // Act
    const html = articleBodyHtml(article);

    // Assess
    expect(article.title).toBe('<b>Title</b> & "more"');
    expect(html.split('\n')).toEqual([
      '<p>Lede &lt;img src=x onerror=alert(1)&gt; &amp; &amp;amp; &lt;/p&gt;.</p>',
      '<h2>&lt;h1&gt;Heading&lt;/h1&gt; &amp; co</h2>',
      '<blockquote><p>“&lt;script&gt;alert(1)&lt;/script&gt;”</p></blockquote>',
      '<figure><figcaption>Photo: <a href="https://a.example/">a.example</a> by &lt;Jane &amp; "Joe"&gt;, ' +
        '<a rel="license" href="https://example.org/?a=1&amp;b=&quot;x&quot;&amp;c=&lt;y&gt;">https://example.org/?a=1&amp;b="x"&amp;c=&lt;y&gt;</a>, ' +
        '&lt;Place&gt; &amp; co</figcaption></figure>',
      '<p><a href="https://example.org/?q=&quot;&gt;&lt;script&gt;&amp;x=1">https://example.org/?q="&gt;&lt;script&gt;&amp;x=1</a></p>',
    ]);
  });

  it('gives well-formed XML 1.0 when the seed holds NUL, lone surrogates, U+FFFE and other forbidden characters in every block', () => {
    // Prepare
    const dirty = seed
      .replace('Title', 'Ti\u0000tle\uD800')
      .replace('Lede', 'Le\u0001de\uDFFF')
      .replace('Heading', 'Head\uFFFEing\u0008')
      .replace('alert', 'al\uFFFFert\u001F')
      .replace('Jane', 'Ja\uDBFFne\u000C');

    // Act
    const article = parsed(dirty);
    const html = articleBodyHtml(article);

    // Assess
    expect(article.title).toBe('<b>Title</b> & "more"');
    expect(XMLValidator.validate(`<div>${html}</div>`)).toBe(true);
    expect([...html].filter(isXmlForbiddenChar)).toEqual([]);
    expect(hasLoneSurrogate(html)).toBe(false);
    expect(html).toContain('<h2>&lt;h1&gt;Heading&lt;/h1&gt; &amp; co</h2>');
  });

  it('keeps emoji and astral letters whole when forbidden characters sit next to them', () => {
    // Prepare: a NUL splitting a surrogate pair (two lone halves to drop), and forbidden characters between astral letters.
    const text = 'date 2026-03-01 🚋\u0000🚋\n\n\uD83D\u0000\uDE00 𐐀\uFFFE𐐀 👩‍👩‍👧.\n';

    // Act
    const article = parsed(text);

    // Assess
    expect(article.title).toBe('🚋🚋');
    expect(article.lede).toBe('𐐀𐐀 👩‍👩‍👧.');
    expect(hasLoneSurrogate(article.lede)).toBe(false);
  });
});

describe('decodeSeed', () => {
  it('reads UTF-16 big-endian with a BOM and CRLF line ends', () => {
    // Prepare
    const text = 'date 2026-03-01 Заголовок\r\n\r\nТекст.\r\n';
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);

    // Act
    const result = decodeSeed('be.txt', bytes);

    // Assess
    expect(result.ok && parsed(result.text).blocks).toEqual([{ kind: 'paragraph', text: 'Текст.' }]);
  });

  it('rejects UTF-16 holding a lone surrogate, naming the file, instead of throwing', () => {
    // Prepare: "d", then a high surrogate followed by "A".
    const bytes = new Uint8Array([0xff, 0xfe, 0x64, 0x00, 0x00, 0xd8, 0x41, 0x00]);

    // Act
    const result = decodeSeed('lone.txt', bytes);

    // Assess
    expect(result).toEqual({ ok: false, error: { fileName: 'lone.txt', line: 1, reason: 'the file is not valid UTF-16LE text' } });
  });

  it('counts CRLF lines when reporting invalid UTF-8 after a BOM', () => {
    // Prepare
    const bytes = new Uint8Array([...Buffer.from('\uFEFFdate 2026-03-01 T\r\n\r\nok\r\n\r\nbad '), 0xc3, 0x28, ...Buffer.from('\r\n')]);

    // Act
    const result = decodeSeed('crlf.txt', bytes);

    // Assess
    expect(result).toEqual({ ok: false, error: { fileName: 'crlf.txt', line: 5, reason: 'the file is not valid UTF-8 text' } });
  });

  it('counts CR-only lines when reporting invalid UTF-8', () => {
    // Prepare
    const bytes = new Uint8Array([...Buffer.from('date 2026-03-01 T\r\rok\r\rbad '), 0xff, 0x0d]);

    // Act
    const result = decodeSeed('cr.txt', bytes);

    // Assess
    expect(result).toEqual({ ok: false, error: { fileName: 'cr.txt', line: 5, reason: 'the file is not valid UTF-8 text' } });
  });
});

describe('slugs and ids for any script', () => {
  const day = date('2026-02-10');

  it('gives one slug for a title typed in NFC or NFD', () => {
    // Prepare
    const titles = ['Kraków — Й\u00e9', 'Krako\u0301w — \u0418\u0306e\u0301'];

    // Act
    const slugs = titles.map((title) => baseSlug({ date: day, title }));

    // Assess
    expect(slugs).toEqual(['2026-02-10-krakow-йe', '2026-02-10-krakow-йe']);
  });

  it.each([
    ['Japanese', '東京の天気、晴れ', '2026-02-10-東京の天気-晴れ'],
    ['Arabic', 'مرحبا بالعالم', '2026-02-10-مرحبا-بالعالم'],
    ['Korean', '서울 날씨', '2026-02-10-서울-날씨'],
    ['Greek capitals', 'ΑΘΗΝΑ ΣΗΜΕΡΑ', '2026-02-10-αθηνα-σημερα'],
    ['emoji only', '🎉 🚋', '2026-02-10'],
  ])('keeps %s letters whole in the slug', (_name, title, slug) => {
    expect(baseSlug({ date: day, title })).toBe(slug);
  });

  it.each([
    ['Hindi', 'हिन्दी समाचार', '2026-02-10-हिन्दी-समाचार'],
    ['Thai', 'ข่าวไทย วันนี้', '2026-02-10-ข่าวไทย-วันนี้'],
  ])('keeps %s words whole in the slug, vowel signs included', (_name, title, slug) => {
    // Prepare
    const article = { date: day, title };

    // Act
    const result = baseSlug(article);

    // Assess
    expect(result).toBe(slug);
  });

  it('cuts a slug of astral letters within its 200 bytes without leaving a lone surrogate', () => {
    // Prepare: DESERET CAPITAL LETTER LONG I, lower-cased to its small letter (four bytes in UTF-8).
    const title = '\u{10400}'.repeat(100);

    // Act
    const slug = baseSlug({ date: day, title });

    // Assess: 11 bytes of date and dash, then as many whole letters as fit in the other 189.
    expect(slug).toBe(`2026-02-10-${'\u{10428}'.repeat(47)}`);
    expect(hasLoneSurrogate(slug)).toBe(false);
  });

  it('publishes one of two seeds whose names differ only in Unicode form and rejects the other, naming it', () => {
    // Prepare
    const bytes = Buffer.from('date 2026-03-01 Кава\n\nТекст.\n');
    const nfc = 'Caf\u00e9 news.txt';
    const nfd = 'Cafe\u0301 news.txt';

    // Act
    const corpus = parseCorpus(
      [
        { fileName: nfc, bytes },
        { fileName: nfd, bytes },
      ],
      ID_PREFIX,
    );

    // Assess
    expect(corpus.articles.map((entry) => [entry.article.fileName, entry.id, entry.slug])).toEqual([
      [nfd, `${ID_PREFIX}articles/Caf%C3%A9%20news`, '2026-03-01-кава'],
    ]);
    expect(corpus.rejected).toHaveLength(1);
    expect(corpus.rejected[0]!.fileName).toBe(nfc);
    expect(corpus.rejected[0]!.reason).toContain('"Cafe\\u{301} news.txt" and "Caf\\u{E9} news.txt"');
  });
});

describe('publishInstant at the ends of the calendar', () => {
  it('publishes the last day of 9999 at the configured time in a fixed-offset zone', () => {
    // Prepare
    const day = date('9999-12-31');

    // Act
    const instant = publishInstant(day, { hour: 9, minute: 30, timeZone: 'Etc/GMT-3' });

    // Assess
    expect(instant.toISOString()).toBe('9999-12-31T06:30:00.000Z');
  });

  it('publishes a day before the year 100 at the configured time in a zone other than UTC', () => {
    // Prepare
    const day = date('0099-12-31');

    // Act
    const instant = publishInstant(day, { hour: 9, minute: 30, timeZone: 'Etc/GMT-3' });

    // Assess
    expect(instant.toISOString()).toBe('0099-12-31T06:30:00.000Z');
  });
});
