/** The seed parser against the README's own rules, as an author writing seeds by hand meets them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { articleBodyHtml } from '../../src/article/html.js';
import { parseArticle } from '../../src/article/parse.js';
import { formatArticleError, type Article, type ArticleError, type Block } from '../../src/article/types.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

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

/** The blocks after a fixed lede paragraph, so each case is what the author wrote. */
const blocksOf = (body: string) => parsed(`date 2026-03-01 T\n\nLede paragraph.\n\n${body}\n`).blocks.slice(1);
const kinds = (blocks: readonly Block[]) => blocks.map((block) => block.kind);
const html = (blocks: readonly Block[]) => articleBodyHtml({ blocks: blocks as [Block, ...Block[]] });

describe('headings and short sentences', () => {
  it.each(['In 2026', 'Section 2.1', 'Rock ’n’ roll'])('a short line with a number or punctuation inside is a heading: %s', (line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'heading', text: line }]);
  });

  it.each([
    ['a year with a full stop', 'Founded in 2026.'],
    ['an abbreviation', 'Washington, D.C.'],
    ['a question mark inside a closing quote and a closing bracket', '(He asked “why?”)'],
  ])('a short line ending in %s is a paragraph', (_name, line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it('escapes a heading in the HTML and keeps it raw in the model', () => {
    const blocks = blocksOf('Q&A <draft> on "notes" today');
    expect(blocks).toEqual([{ kind: 'heading', text: 'Q&A <draft> on "notes" today' }]);
    expect(html(blocks)).toBe('<h2>Q&amp;A &lt;draft&gt; on "notes" today</h2>');
  });

  it('a short sentence ending in punctuation and then an emoji is a paragraph, not a heading', () => {
    expect(kinds(blocksOf('Congratulations! 🎉'))).toEqual(['paragraph']);
  });

  it('a variation selector after the final punctuation does not count, as other invisible characters do not', () => {
    expect(kinds(blocksOf('We won‼\uFE0F'))).toEqual(['paragraph']);
  });

  it.each([
    ['a space then a zero-width space after the question mark', 'Is it? \u200B', 'paragraph'],
    ['a no-break space then a right-to-left mark after the question mark', 'מה קורה?\u00A0\u200F', 'paragraph'],
    ['a zero-width space then a space before the opening quote', '\u200B “Quoted,” she said.', 'quotation'],
    [
      'a left-to-right mark then a space before a photo credit',
      '\u200E Photo: commons.wikimedia.org by Jane, https://creativecommons.org/licenses/by/4.0/ Tel Aviv',
      'photo-credit',
    ],
  ])('reads a block with %s as if the invisible character were not there', (_name, body, kind) => {
    expect(kinds(blocksOf(body))).toEqual([kind]);
  });
});

describe('quotations', () => {
  it('every opening quote mark the README lists opens a quotation', () => {
    // Prepare: the list as the README writes it.
    const rule = readme.slice(
      readme.indexOf('- A paragraph opening with'),
      readme.indexOf('a quotation', readme.indexOf('- A paragraph opening with')),
    );
    const marks = [...rule.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    expect(marks).toHaveLength(13);

    // Act / Assess
    for (const mark of marks) {
      const line = `${mark}Oui, dit-il.`;
      expect(blocksOf(line), `opening with ${mark}`).toEqual([{ kind: 'quotation', text: line }]);
    }
  });

  it.each([
    ['a straight apostrophe', "'90s kids remember this."],
    ['a right single quote used as the apostrophe', '’90s kids remember this.'],
  ])('a paragraph opening with %s (not in the README list) is not a quotation', (_name, line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it('a paragraph opening with an elided year typed as ‘90s is not a quotation', () => {
    expect(kinds(blocksOf('‘90s music was loud and proud.'))).toEqual(['paragraph']);
  });
});

describe('photo credits', () => {
  it('reads a name with commas, an http licence URL and a place with commas, and links the licence with its short name', () => {
    // Act
    const blocks = blocksOf('Photo: flickr.com by Doe, Jane, http://creativecommons.org/licenses/by-nc/2.0/ Paris, Île-de-France');

    // Assess
    expect(blocks).toEqual([
      {
        kind: 'photo-credit',
        source: 'flickr.com',
        author: 'Doe, Jane',
        licenseUrl: 'http://creativecommons.org/licenses/by-nc/2.0/',
        place: 'Paris, Île-de-France',
      },
    ]);
    expect(html(blocks)).toBe(
      '<figure><figcaption>Photo: <a href="https://flickr.com/">flickr.com</a> by Doe, Jane, ' +
        '<a rel="license" href="http://creativecommons.org/licenses/by-nc/2.0/">CC BY-NC 2.0</a>, Paris, Île-de-France</figcaption></figure>',
    );
  });

  it('reads two credits in their own paragraphs, not only as the last paragraph', () => {
    // Act
    const blocks = blocksOf(
      'Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Kyiv\n\n' +
        'Text between the photos.\n\n' +
        'Photo: Wikimedia Commons by John Roe, https://creativecommons.org/publicdomain/zero/1.0/\n\n' +
        'Last paragraph.',
    );

    // Assess
    expect(kinds(blocks)).toEqual(['photo-credit', 'paragraph', 'photo-credit', 'paragraph']);
    expect(blocks[2]).toMatchObject({ source: 'Wikimedia Commons', author: 'John Roe', place: '' });
  });

  it('a "Photo:" credit in the middle of a paragraph leaves the paragraph a paragraph', () => {
    const line = 'Our best picture. Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Kyiv';
    expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it('two "Photo:" lines one after the other are two credits', () => {
    // Act
    const blocks = blocksOf(
      'Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Kyiv\n' +
        'Photo: flickr.com by John Roe, https://creativecommons.org/licenses/by-sa/4.0/ Lviv',
    );

    // Assess
    expect(kinds(blocks)).toEqual(['photo-credit', 'photo-credit']);
    expect(blocks[0]).toMatchObject({ place: 'Kyiv' });
  });

  it('a comma between the licence URL and the place is not part of the URL', () => {
    // Act
    const [credit] = blocksOf('Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/, Kyiv, Ukraine');

    // Assess
    expect(credit).toMatchObject({
      kind: 'photo-credit',
      licenseUrl: 'https://creativecommons.org/licenses/by/4.0/',
      place: 'Kyiv, Ukraine',
    });
  });

  it('labels a ported Creative Commons licence with its jurisdiction', () => {
    // Act
    const out = html(blocksOf('Photo: commons.wikimedia.org by Jane Doe, https://creativecommons.org/licenses/by-sa/3.0/de/ Berlin'));

    // Assess
    expect(out).toMatch(/>CC BY-SA 3\.0 DE<\/a>/i);
  });
});

describe('the header line', () => {
  it.each([
    ['in capitals', 'DATE 2026-03-01 A Title\n\nBody.\n'],
    ['capitalised, with tabs', 'Date\t2026-03-01\tA Title\n\nBody.\n'],
  ])('takes the `date` keyword %s', (_name, text) => {
    const article = parsed(text);
    expect([article.date.iso, article.title]).toEqual(['2026-03-01', 'A Title']);
  });

  it.each([
    [
      'no title at all, after a BOM and two CRLF blank lines',
      '\uFEFF\r\n\r\ndate 2026-03-01\r\n\r\nBody.\r\n',
      3,
      'the title after the date is empty',
    ],
    ['a title of no-break spaces only', 'date 2026-03-01 \u00A0\u00A0\n\nBody.\n', 1, 'the title after the date is empty'],
    [
      'a colon after the keyword, after a BOM and lines of spaces',
      '\uFEFF \n\u00A0\ndate: 2026-03-01 Title\n\nBody.\n',
      3,
      'expected `date YYYY-MM-DD Title`, found "date: 2026-03-01 Title"',
    ],
    ['a time after the date', 'date 2026-03-01T10:00 Title\n\nBody.\n', 1, '"2026-03-01T10:00" is not a date in the form YYYY-MM-DD'],
    [
      'a bad `lang` line in a CR-only file after blank lines',
      '\r\r\rdate 2026-03-01 T\r\rlang x_y\r\rB.\r',
      6,
      '"x_y" is not a language tag such as "uk" or "pt-BR"',
    ],
  ])('refuses %s, naming the file and the line', (_name, text, line, reason) => {
    // Act
    const error = rejected(text, 'seed.txt');

    // Assess
    expect(error).toEqual({ fileName: 'seed.txt', line, reason });
    expect(formatArticleError(error)).toBe(`seed.txt:${line}: ${reason}`);
  });
});
