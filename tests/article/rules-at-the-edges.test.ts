/**
 * The seed rules at their edges (emoji after punctuation, variation selectors, ‘90s, credits on
 * consecutive lines, the comma after the licence URL, ported CC licences, C1 controls), hostile
 * input that once took minutes, the article hashes an upgrade must keep, and the folder storage's
 * create-only put, as an author and an operator meet them.
 */
import { linkSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { licenseLabel } from '../../src/article/html.js';
import { decodeSeed, parseArticle } from '../../src/article/parse.js';
import type { Article, Block } from '../../src/article/types.js';
import { articleHash } from '../../src/publish/plan.js';
import { FolderStorage } from '../../src/storage/folder.js';

// linkSync is wrapped so a case can play another writer between the check and the link, or a
// file system without hard links.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, linkSync: vi.fn(actual.linkSync) };
});
const realLinkSync = (await vi.importActual<typeof import('node:fs')>('node:fs')).linkSync;

function parsed(text: string, fileName = 'a.txt'): Article {
  const result = parseArticle(fileName, text);
  if (!result.ok) throw new Error(`expected an article, got ${JSON.stringify(result.error)}`);
  return result.article;
}
/** The blocks after a fixed lede paragraph. */
const blocksOf = (body: string): Block[] => parsed(`date 2026-03-01 T\n\nLede paragraph.\n\n${body}\n`).blocks.slice(1);
const kinds = (blocks: readonly Block[]) => blocks.map((block) => block.kind);

describe('headings, emoji and other scripts', () => {
  it.each(['Q&A', 'Part 2: The Return', '🎉 Party'])('a short line ending in a word is still a heading: %s', (line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'heading', text: line }]);
  });

  it.each([
    ['Japanese ！', 'おめでとう！🎉'],
    ['Arabic ؟ and a direction mark', 'هل فزنا؟\u200F 🎉'],
    ['Devanagari ।', 'बधाई हो। 🎉'],
  ])('a line ending in the sentence mark of its script (%s) then an emoji is a paragraph', (_name, line) => {
    expect(blocksOf(line)).toEqual([{ kind: 'paragraph', text: line }]);
  });

  it.each([
    ['a flag', 'Slava Ukraini! 🇺🇦'],
    ['a keycap emoji', 'We came first! 1️⃣'],
  ])('a sentence ending in "!" then %s is a paragraph, as "Congratulations! 🎉" is', (_name, line) => {
    expect(kinds(blocksOf(line))).toEqual(['paragraph']);
  });

  it('a real quotation opening with ‘ and a number is still a quotation', () => {
    expect(kinds(blocksOf('‘30 years,’ she said. ‘Thirty years of this.’'))).toEqual(['quotation']);
  });
});

describe('photo credits', () => {
  it('keeps a comma inside the licence URL query string, and drops a semicolon written after the URL', () => {
    const [inQuery] = blocksOf('Photo: example.org by Jane Doe, https://example.org/licence?v=1,2 Kyiv');
    const [semicolon] = blocksOf('Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/; Kyiv, Ukraine');

    expect(inQuery).toMatchObject({ kind: 'photo-credit', licenseUrl: 'https://example.org/licence?v=1,2', place: 'Kyiv' });
    expect(semicolon).toMatchObject({
      kind: 'photo-credit',
      licenseUrl: 'https://creativecommons.org/licenses/by/4.0/',
      place: 'Kyiv, Ukraine',
    });
  });

  it('keeps the emoji presentation selector of a place that ends in an emoji', () => {
    const [credit] = blocksOf('Photo: flickr.com by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Kyiv ❤\uFE0F');
    expect(credit).toMatchObject({ kind: 'photo-credit', place: 'Kyiv ❤\uFE0F' });
  });

  it('names the licence without a deed page and in capitals, with the jurisdiction when there is one', () => {
    expect(licenseLabel('https://creativecommons.org/licenses/by/4.0/deed.en')).toBe('CC BY 4.0');
    expect(licenseLabel('HTTPS://CREATIVECOMMONS.ORG/LICENSES/BY-SA/3.0/DE/')).toBe('CC BY-SA 3.0 DE');
    expect(licenseLabel('https://creativecommons.org/licenses/by-sa/3.0/de/deed.en')).toBe('CC BY-SA 3.0 DE');
  });

  it.each([
    ['https://creativecommons.org/licenses/by-nc-nd/2.5/scotland/', 'CC BY-NC-ND 2.5 SCOTLAND'],
    ['https://creativecommons.org/licenses/by/3.0/igo/', 'CC BY 3.0 IGO'],
  ])('names the ported licence %s with its jurisdiction', (url, label) => {
    expect(licenseLabel(url)).toBe(label);
  });
});

describe('characters: C1 controls, variation selectors', () => {
  it('maps every C1 control to its Windows-1252 character and drops the five Windows-1252 leaves undefined', () => {
    // The WHATWG windows-1252 index for 0x80–0x9F (Node's TextDecoder reads the label as Latin-1).
    // 0 where Windows-1252 has no character.
    const table = [
      0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019,
      0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
    ];
    for (let code = 0x80; code <= 0x9f; code++) {
      const article = parsed(`date 2026-03-01 T\n\nA${String.fromCharCode(code)}B.\n`);
      expect(article.lede, `U+00${code.toString(16).toUpperCase()}`).toBe(
        `A${table[code - 0x80] ? String.fromCodePoint(table[code - 0x80]!) : ''}B.`,
      );
    }
  });

  it('maps C1 controls in the title of a seed stored as UTF-16LE with a BOM', () => {
    // Prepare: "date 2026-03-01 It\u0092s \u0093new\u0094" and a body, as UTF-16LE bytes after FF FE.
    const text = 'date 2026-03-01 It\u0092s \u0093new\u0094\r\n\r\nBody\u0085\r\n';
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) bytes.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + 2 * i);

    // Act
    const decoded = decodeSeed('u16.txt', bytes);
    if (!decoded.ok) throw new Error('expected text');
    const article = parsed(decoded.text, 'u16.txt');

    // Assess
    expect(article.title).toBe('It’s “new”');
    expect(article.lede).toBe('Body…');
  });

  it('refuses a title that is only a variation selector, or only an ideographic one', () => {
    for (const title of ['\uFE0F', '\u{E0100}']) {
      expect(parseArticle('t.txt', `date 2026-03-01 ${title}\n\nBody.\n`)).toEqual({
        ok: false,
        error: { fileName: 't.txt', line: 1, reason: 'the title after the date is empty' },
      });
    }
  });
});

// Hang detectors, not timings: each input takes milliseconds, and would take minutes with the
// backtracking these tests were written against; the test's own time limit is what fails.
describe('hostile input that once took minutes to parse', () => {
  const seed = (body: string) => `date 2026-03-01 T\n\nLede.\n\n${body}\n`;
  /** A credit-like line of 1,000 characters: no-break spaces, which collapseSpaces leaves alone. */
  const nbspCredit = `Photo:${'\u00A0'.repeat(990)}x`;

  it('reads a hundred 1,000-character credit-like lines of no-break spaces, each a paragraph of its own', { timeout: 15_000 }, () => {
    const parsed = parseArticle('a.txt', seed(Array(100).fill(nbspCredit).join('\n\n')));
    expect(parsed.ok && parsed.article.blocks.filter((block) => block.kind === 'photo-credit')).toEqual([]);
  });

  it('reads a paragraph of a hundred such lines one after the other', { timeout: 15_000 }, () => {
    const parsed = parseArticle('a.txt', seed(Array(100).fill(nbspCredit).join('\n')));
    expect(parsed.ok && parsed.article.blocks.filter((block) => block.kind === 'photo-credit')).toEqual([]);
  });
});

describe('upgrade', () => {
  it('gives the shipped seeds the article hashes the previous release gave them (no article shows as edited)', () => {
    // Computed with 307999d's parser (the commit before 4f1d8fe) in a separate worktree.
    const before: Record<string, string> = {
      '000_95522b9810a21362.txt': '02fb9386d58573740a4d489e65f38ff1',
      '2026-01-14-lviv-tram-line.txt': '887880ea4e4f394dc544f4428e28c631',
      '2026-01-20-short-notice.txt': '8b1f0b86ad7c65bf93a424235cd7bffb',
      '2026-01-27-library-vault.txt': 'deef9991feef602c3a8ca4ed23abc83d',
      '2026-02-05-odesa-harbour.txt': '4be50b313d9dbdeb8ffc6b077895c8be',
      '2026-02-10-kyiv-bridge-uk.txt': '22a135af5bbdee8c7832f2109e438957',
      '2026-02-12-budget-vote.txt': 'd254b622991e920310abde46243e8723',
    };
    const folder = new URL('../../seeds/', import.meta.url);
    const now: Record<string, string> = {};
    for (const name of readdirSync(folder).filter((n) => n.endsWith('.txt'))) {
      const decoded = decodeSeed(name, new Uint8Array(readFileSync(new URL(name, folder))));
      if (!decoded.ok) throw new Error(`${name} does not decode`);
      now[name] = articleHash(parsed(decoded.text, name));
    }
    expect(now).toEqual(before);
  });
});

describe('FolderStorage create-only put (If-None-Match: *)', () => {
  let base: string;
  let storage: FolderStorage;
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const options = { contentType: 'application/json', ifNoneMatch: '*' } as const;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'create-only-'));
    storage = new FolderStorage(join(base, 'root'));
  });
  afterEach(async () => {
    vi.mocked(linkSync).mockImplementation(realLinkSync);
    await rm(base, { recursive: true, force: true });
  });

  it('makes the file with the mode of a plain put, under the ETag a get and a listing give, and leaves no temp file', async () => {
    // Act
    const { etag } = await storage.put('manifest.json', utf8('{"v":1}'), options);
    await storage.put('plain.json', utf8('{"v":1}'), { contentType: 'application/json' });

    // Assess
    expect((await storage.get('manifest.json'))?.etag).toBe(etag);
    expect((await storage.list('')).find((object) => object.key === 'manifest.json')?.etag).toBe(etag);
    const mode = (name: string) => statSync(join(base, 'root', name)).mode & 0o777;
    expect(mode('manifest.json')).toBe(mode('plain.json'));
    expect(statSync(join(base, 'root', 'manifest.json')).nlink).toBe(1);
    expect((await readdir(join(base, 'root'))).sort()).toEqual(['manifest.json', 'plain.json']);
  });

  it('refuses when another writer makes the file between the check and the link, keeps its bytes and leaves no temp file', async () => {
    // Prepare: the other writer's file appears just before this put's link.
    vi.mocked(linkSync).mockImplementationOnce((from, to) => {
      new FolderStorage(join(base, 'root')).put('manifest.json', utf8('theirs'), { contentType: 'application/json' });
      return realLinkSync(from, to);
    });

    // Act
    const outcome = await storage.put('manifest.json', utf8('ours'), options).then(
      () => 'written',
      (error: Error) => error.name,
    );

    // Assess
    expect(outcome).toBe('PreconditionFailedError');
    expect(new TextDecoder().decode((await storage.get('manifest.json'))!.body)).toBe('theirs');
    expect(await readdir(join(base, 'root'))).toEqual(['manifest.json']);
  });

  it('on a file system without hard links (EPERM) still makes the file, lists it under the returned ETag and leaves no temp file', async () => {
    // Prepare: link refused as vfat refuses it.
    vi.mocked(linkSync).mockImplementation(() => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    });

    // Act
    const { etag } = await storage.put('manifest.json', utf8('{"v":1}'), options);
    const again = await storage.put('manifest.json', utf8('{"v":2}'), options).then(
      () => 'written',
      (error: Error) => error.name,
    );

    // Assess
    expect(again).toBe('PreconditionFailedError');
    expect((await storage.list('')).map((object) => [object.key, object.etag])).toEqual([['manifest.json', etag]]);
    expect(new TextDecoder().decode((await storage.get('manifest.json'))!.body)).toBe('{"v":1}');
    expect(await readdir(join(base, 'root'))).toEqual(['manifest.json']);
  });
});
