/** Seed text to articles: the header, blocks and their kinds, encodings, and the real seed. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSeed, parseArticle } from '../../src/article/parse.js';
import { formatArticleError, type Article, type ArticleError, type Block } from '../../src/article/types.js';

const REAL_SEED = '000_95522b9810a21362.txt';
const realSeedText = readFileSync(new URL(`../../seeds/${REAL_SEED}`, import.meta.url), 'utf8');

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

const kinds = (blocks: readonly Block[]) => blocks.map((block) => block.kind);

describe('parseArticle on the real seed', () => {
  const article = parsed(realSeedText, REAL_SEED);

  it('reads the header despite the leading space', () => {
    expect(article.date.iso).toBe('2026-02-02');
    expect(article.title).toBe('Next Russia–Ukraine–US Negotiations Set for Early February');
  });

  it('finds 3 headings, 4 quotations and 1 photo credit, in order', () => {
    // Prepare: the seed has 16 body paragraphs; exactly four open with a quote mark (all with `"`, all closing with `”`).
    const text = realSeedText;

    // Act
    const blocks = parsed(text, REAL_SEED).blocks;

    // Assess
    expect(kinds(blocks)).toEqual([
      'paragraph',
      'photo-credit',
      'heading',
      'paragraph',
      'quotation',
      'paragraph',
      'quotation',
      'heading',
      'paragraph',
      'quotation',
      'paragraph',
      'heading',
      'paragraph',
      'quotation',
      'paragraph',
      'paragraph',
    ]);
    expect(blocks.filter((b) => b.kind === 'heading').map((b) => (b as { text: string }).text)).toEqual([
      'Scheduling Issues and New Dates',
      "Moscow's Position on Presidential Talks",
      'Reaction from Kyiv and International Context',
    ]);
    const firstWords = (b: Block) => (b as { text: string }).text.split(' ').slice(0, 4).join(' ');
    expect(blocks.filter((b) => b.kind === 'quotation').map(firstWords)).toEqual([
      '"They were indeed initially',
      '"Now it will be',
      '"Zelensky proposes contacts. Putin',
      '"Of course, it is',
    ]);
  });

  it('takes the first paragraph as the lede', () => {
    expect(article.lede).toBe(
      'The second round of negotiations between Russia, Ukraine, and the United States in Abu Dhabi was postponed in order to further align the schedules of all participants.',
    );
  });

  it('splits the photo credit into source, author, license and place', () => {
    expect(article.blocks[1]).toEqual({
      kind: 'photo-credit',
      source: 'commons.wikimedia.org',
      author: 'Darthjipsu',
      licenseUrl: 'https://creativecommons.org/licenses/by-sa/4.0/',
      place: 'Abu Dhabi',
    });
  });

  it('keeps a quotation that opens straight and closes curly as one block, marks included', () => {
    const quote = article.blocks[4];
    expect(quote?.kind).toBe('quotation');
    expect((quote as { text: string }).text).toMatch(/^"They were indeed initially planned\..*was required,”$/);
  });
});

describe('parseArticle tolerates', () => {
  const canonical = parsed('date 2026-03-01 A Title\n\nFirst paragraph.\n\nSecond paragraph.\n');

  it.each([
    ['a UTF-8 BOM', '\uFEFFdate 2026-03-01 A Title\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['CRLF line endings', 'date 2026-03-01 A Title\r\n\r\nFirst paragraph.\r\n\r\nSecond paragraph.\r\n'],
    ['CR line endings', 'date 2026-03-01 A Title\r\rFirst paragraph.\r\rSecond paragraph.\r'],
    ['a leading space', ' date 2026-03-01 A Title\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['trailing whitespace', 'date 2026-03-01 A Title  \t\n \n\nFirst paragraph. \t\n\t\nSecond paragraph.   '],
    ['tabs and several spaces in the header', 'date\t2026-03-01 \t  A   Title\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['no final newline and extra blank lines', 'date 2026-03-01 A Title\n\n\n\nFirst paragraph.\n\n\n\nSecond paragraph.'],
  ])('%s', (_name, text) => {
    const article = parsed(text);
    expect(article.date).toEqual(canonical.date);
    expect(article.title).toBe('A Title');
    expect(article.blocks).toEqual(canonical.blocks);
  });

  it('typographic quotes, dashes and any script', () => {
    const article = parsed('date 2026-03-01 «Київ» — “quoted” title\n\nЦе перший абзац — з тире.\n\n„Цитата“ тут.\n');
    expect(article.title).toBe('«Київ» — “quoted” title');
    expect(kinds(article.blocks)).toEqual(['paragraph', 'quotation']);
    expect(article.lede).toBe('Це перший абзац — з тире.');
  });

  it('a paragraph written over several lines, joined with spaces', () => {
    expect(parsed('date 2026-03-01 T\n\nOne line\nand the next.\n').blocks).toEqual([
      { kind: 'paragraph', text: 'One line and the next.' },
    ]);
  });

  it('no-break spaces inside the text, kept where the author put them', () => {
    // Prepare
    const text = 'date 2026-03-01 Minus\u00A010\u00A0°C in  Kharkiv\n\nIt was −10\u00A0°C at\t\tdawn.\u00A0\n';

    // Act
    const article = parsed(text);

    // Assess
    expect(article.title).toBe('Minus\u00A010\u00A0°C in Kharkiv');
    expect(article.lede).toBe('It was −10\u00A0°C at dawn.');
  });

  it('characters XML cannot carry, dropped', () => {
    const article = parsed('date 2026-03-01 Bell\u0007 and \u000Bvertical tab\n\nNUL\u0000 here\u001F.\n');
    expect(article.title).toBe('Bell and vertical tab');
    expect(article.lede).toBe('NUL here.');
  });
});

describe('parseArticle classifies blocks', () => {
  const blocksOf = (body: string) => parsed(`date 2026-03-01 T\n\nLede paragraph.\n\n${body}\n`).blocks.slice(1);

  it('a short line without final punctuation is a heading', () => {
    expect(blocksOf('What happens next')).toEqual([{ kind: 'heading', text: 'What happens next' }]);
  });

  it.each([
    ['ends with a period', 'This is a sentence.'],
    ['ends with a question mark', 'Is it a question?'],
    ['ends with a colon', 'Listed below:'],
    ['is longer than a heading can be', 'A line that goes on and on without any punctuation at the end so it cannot be a heading here'],
  ])('a line that %s is a paragraph', (_name, line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it('a heading has at most 80 characters, counted as characters, not UTF-16 units', () => {
    // Prepare: lines of exactly 80 and 81 letters, in the Latin script and in one outside the
    // Basic Multilingual Plane (each of its letters is two UTF-16 units).
    const latin = (n: number) => 'a'.repeat(n);
    const astral = (n: number) => '\u{10400}'.repeat(n); // DESERET CAPITAL LETTER LONG I, a letter
    // Act / Assess
    for (const line of [latin(80), astral(80)]) expect(blocksOf(line)).toEqual([{ kind: 'heading', text: line }]);
    for (const line of [latin(81), astral(81)]) expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it.each(['"Straight," she said.', '“Curly,” she said.', '«Guillemets», she said.', '„Low-nine“, she said.'])(
    'a paragraph opening with a quote mark is a quotation: %s',
    (line) => {
      expect(blocksOf(line)).toEqual([{ kind: 'quotation', text: line }]);
    },
  );

  it('a photo credit without a place', () => {
    expect(blocksOf('Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/2.0/')).toEqual([
      {
        kind: 'photo-credit',
        source: 'flickr.com',
        author: 'Jane Doe',
        licenseUrl: 'https://creativecommons.org/licenses/by/2.0/',
        place: '',
      },
    ]);
  });

  it('a "Photo:" line that does not follow the credit form stays a paragraph', () => {
    expect(blocksOf('Photo: taken by a reader.')).toEqual([{ kind: 'paragraph', text: 'Photo: taken by a reader.' }]);
  });

  it('a paragraph that is a bare URL is a link', () => {
    expect(blocksOf('https://example.org/a?b=1&c=2')).toEqual([{ kind: 'link', url: 'https://example.org/a?b=1&c=2' }]);
  });

  it('markup in the text stays text in the model', () => {
    expect(blocksOf('<script>alert(1)</script> & more.')).toEqual([{ kind: 'paragraph', text: '<script>alert(1)</script> & more.' }]);
  });
});

describe('parseArticle rejects, naming file, line and reason', () => {
  it.each([
    ['an empty file', '', 1, /empty/],
    ['a file of blank lines', '\n \n\t\n', 1, /empty/],
    ['a first line that is not a header', 'Hello world\n\nBody.\n', 1, /expected `date YYYY-MM-DD Title`/],
    ['a date that is not on the calendar', 'date 2026-02-30 Title\n\nBody.\n', 1, /2026-02-30 is not a date on the calendar/],
    ['month 13', 'date 2026-13-01 Title\n\nBody.\n', 1, /not a date on the calendar/],
    ['29 February outside a leap year', 'date 2025-02-29 Title\n\nBody.\n', 1, /not a date on the calendar/],
    ['a date in another form', 'date 02/03/2026 Title\n\nBody.\n', 1, /not a date in the form YYYY-MM-DD/],
    ['an empty title', 'date 2026-03-01    \n\nBody.\n', 1, /title .* is empty/],
    ['a header with no body', 'date 2026-03-01 Title\n', 1, /no paragraph/],
    ['a header after blank lines, reported on its own line', '\n\ndate 2026-02-30 Title\n\nBody.\n', 3, /not a date on the calendar/],
  ])('%s', (_name, text, line, reason) => {
    const error = rejected(text, 'broken.txt');
    expect(error.fileName).toBe('broken.txt');
    expect(error.line).toBe(line);
    expect(error.reason).toMatch(reason);
  });

  it('accepts 29 February in a leap year', () => {
    expect(parsed('date 2028-02-29 Leap\n\nBody.\n').date.iso).toBe('2028-02-29');
  });
});

describe('decodeSeed', () => {
  it('reports invalid UTF-8 with the line it is on', () => {
    const bytes = new Uint8Array([...Buffer.from('date 2026-03-01 T\n\nok\n\nbad '), 0xff, 0xfe, ...Buffer.from('\n')]);
    const result = decodeSeed('binary.txt', bytes);
    expect(result).toEqual({ ok: false, error: { fileName: 'binary.txt', line: 5, reason: 'the file is not valid UTF-8 text' } });
  });

  it('reads UTF-16 with a byte-order mark', () => {
    const text = 'date 2026-03-01 Заголовок\n\nТекст.\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const result = decodeSeed('utf16.txt', utf16);
    expect(result.ok && parsed(result.text).title).toBe('Заголовок');
  });

  it('keeps a UTF-8 BOM for the parser to drop', () => {
    const result = decodeSeed('bom.txt', Buffer.from('\uFEFFdate 2026-03-01 T\n\nBody.\n'));
    expect(result.ok && parsed(result.text).date.iso).toBe('2026-03-01');
  });
});

describe('parseArticle reads the optional `lang` line', () => {
  const withoutLang = parsed('date 2026-03-01 A Title\n\nFirst paragraph.\n\nSecond paragraph.\n');

  it.each([
    ['right after the header', 'date 2026-03-01 A Title\nlang uk\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['after a blank line', 'date 2026-03-01 A Title\n\nlang uk\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['after several blank lines', 'date 2026-03-01 A Title\n\n \n\t\nlang uk\n\n\nFirst paragraph.\n\nSecond paragraph.\n'],
    ['with the first paragraph on the next line', 'date 2026-03-01 A Title\nlang uk\nFirst paragraph.\n\nSecond paragraph.\n'],
    [
      'with CRLF line ends, a tab and trailing space',
      'date 2026-03-01 A Title\r\n\tlang\tuk  \r\n\r\nFirst paragraph.\r\n\r\nSecond paragraph.\r\n',
    ],
  ])('%s, as the language and not as a block', (_name, text) => {
    // Act
    const article = parsed(text);

    // Assess
    expect(article.language).toBe('uk');
    expect(article.lede).toBe('First paragraph.');
    expect(article.blocks).toEqual(withoutLang.blocks);
  });

  it.each(['pt-BR', 'sr-Latn-RS', 'yue', 'EN-gb'])('takes the tag %s as written', (tag) => {
    expect(parsed(`date 2026-03-01 T\nlang ${tag}\n\nBody.\n`).language).toBe(tag);
  });

  it('leaves the language out when there is no `lang` line', () => {
    expect('language' in withoutLang).toBe(false);
  });

  it('reads only the first line after the header: a later `lang` line is text', () => {
    // Prepare
    const text = 'date 2026-03-01 T\n\nFirst paragraph.\n\nlang uk\n';

    // Act
    const article = parsed(text);

    // Assess
    expect(article.language).toBeUndefined();
    expect(article.blocks).toEqual([
      { kind: 'paragraph', text: 'First paragraph.' },
      { kind: 'heading', text: 'lang uk' },
    ]);
  });

  it('takes a capitalised "Lang …" opening line for a heading, not for the keyword', () => {
    // Prepare: an article that opens with a heading, such as a Scots title.
    const text = 'date 2026-03-01 T\n\nLang Syne\n\nFirst paragraph.\n';

    // Act
    const article = parsed(text);

    // Assess
    expect(article.language).toBeUndefined();
    expect(article.blocks[0]).toEqual({ kind: 'heading', text: 'Lang Syne' });
  });

  it('still needs a paragraph after it', () => {
    expect(rejected('date 2026-03-01 T\nlang uk\n\n', 'lang-only.txt')).toEqual({
      fileName: 'lang-only.txt',
      line: 1,
      reason: 'the article has no paragraph after the header line',
    });
  });

  it.each([
    ['an underscore', 'date 2026-03-01 T\nlang xx_YY\n\nBody.\n', 2, '"xx_YY" is not a language tag such as "uk" or "pt-BR"'],
    ['a one-letter language', 'date 2026-03-01 T\n\n\nlang u\n\nBody.\n', 4, '"u" is not a language tag such as "uk" or "pt-BR"'],
    [
      'a name instead of a tag',
      'date 2026-03-01 T\nlang Ukrainian\n\nBody.\n',
      2,
      '"Ukrainian" is not a language tag such as "uk" or "pt-BR"',
    ],
    ['two tags', 'date 2026-03-01 T\nlang uk en\n\nBody.\n', 2, '"uk en" is not a language tag such as "uk" or "pt-BR"'],
    ['no tag', 'date 2026-03-01 T\nlang\n\nBody.\n', 2, 'the `lang` line names no language tag such as "uk" or "pt-BR"'],
    [
      'a header after blank lines',
      '\ndate 2026-03-01 T\nlang pt_BR\n\nBody.\n',
      3,
      '"pt_BR" is not a language tag such as "uk" or "pt-BR"',
    ],
  ])('rejects a `lang` line with %s, naming its line', (_name, text, line, reason) => {
    // Act
    const error = rejected(text, 'lang.txt');

    // Assess
    expect(error).toEqual({ fileName: 'lang.txt', line, reason });
    expect(formatArticleError(error)).toBe(`lang.txt:${line}: ${reason}`);
  });

  it('reads the Ukrainian sample seed as Ukrainian', () => {
    // Prepare
    const fileName = '2026-02-10-kyiv-bridge-uk.txt';
    const text = readFileSync(new URL(`../../seeds/${fileName}`, import.meta.url), 'utf8');

    // Act
    const article = parsed(text, fileName);

    // Assess
    expect(article.language).toBe('uk');
    expect(article.lede.startsWith('Це зразок статті')).toBe(true);
  });
});
