/**
 * Reading the manifest a run left in the bucket: what is trusted, the reason given for each
 * manifest that is not (the run then rebuilds), the first version's records carried over, and
 * a manifest that round-trips through serializeManifest.
 */
import { describe, expect, it } from 'vitest';
import {
  EMPTY_MANIFEST,
  MANIFEST_KEY,
  parseManifest,
  readManifestHead,
  serializeManifest,
  type ArticleRecord,
  type Manifest,
  type SettledState,
} from '../../src/publish/manifest.js';
import { mulberry32 } from '../helpers/prng.js';

const NOW = new Date('2026-03-01T06:00:00.000Z');
const REBUILDING = "; rebuilding from the seeds and the bucket's listing";

/** A string is the bytes as they are (to write JSON that is broken); anything else is written as JSON. */
function bytes(value: unknown): Uint8Array {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A manifest of this version with one article, the one record each test changes. */
function withArticle(record: unknown, name = '2026-02-01-harbour.txt'): Record<string, unknown> {
  return { version: 2, articles: { [name]: record }, objects: {} };
}

const PUBLISHED = {
  seed: '"etag-1"',
  hash: 'h1',
  day: '2026-02-01',
  slug: '2026-02-01-harbour',
  page: { input: 'i1', etag: '"page-1"' },
};

describe('parseManifest with a manifest it trusts', () => {
  it('round-trips every kind of record through serializeManifest, byte for byte', () => {
    // Prepare
    const manifest: Manifest = {
      version: 2,
      pageSettings: 'p1',
      siteInput: 's1',
      articles: {
        '2026-02-01-harbour.txt': {
          ...PUBLISHED,
          updated: '2026-02-20T10:00:00.000Z',
          text: { title: 'Harbour', lede: 'Boats.', html: '<p>Boats.</p>' },
        },
        '2026-02-03-bridge.txt': {
          seed: '"etag-2"',
          rejected: { line: 3, reason: 'the title is empty' },
          hash: 'h2',
          day: '2026-02-03',
          slug: '2026-02-03-bridge',
        },
        '2026-01-05-gone.txt': { slug: '2026-01-05-gone' },
      },
      objects: { 'rss.xml': { input: 'r', etag: '"rss"' }, 'index.html': { input: 'x', etag: '"index"' } },
    };
    const stored = serializeManifest(manifest);

    // Act
    const parsed = parseManifest(stored, NOW, '"manifest-etag"');

    // Assess
    expect(parsed).toEqual({ manifest, etag: '"manifest-etag"' });
    expect(Buffer.from(serializeManifest(parsed.manifest)).equals(Buffer.from(stored))).toBe(true);
  });

  it('takes the empty manifest as it is', () => {
    // Act
    const parsed = parseManifest(serializeManifest(EMPTY_MANIFEST), NOW);

    // Assess
    expect(parsed).toEqual({ manifest: EMPTY_MANIFEST });
  });

  it('starts empty, without a problem, when there is no manifest yet', () => {
    // Act
    const parsed = parseManifest(undefined, NOW);

    // Assess
    expect(parsed).toEqual({ manifest: EMPTY_MANIFEST });
  });

  it("accepts an edit made at this run's very instant", () => {
    // Prepare
    const stored = bytes(withArticle({ ...PUBLISHED, updated: NOW.toISOString() }));

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess
    expect(parsed.problem).toBeUndefined();
  });
});

describe('readManifestHead', () => {
  const SETTLED: SettledState = {
    listing: 'l1',
    settings: 's1',
    from: '2026-02-01T00:00:00.000Z',
    until: '2026-03-10T00:00:00.000Z',
    summary: {
      seeds: 2,
      published: 1,
      feedItems: 1,
      objects: 7,
      held: [{ file: 'later.txt', date: '2026-03-10' }],
      rejected: [{ file: 'broken.txt', line: 1, reason: 'no header', keptPublished: false }],
    },
  };

  it('reads the fields before the records of a manifest serializeManifest wrote, as parseManifest reads them', () => {
    // Prepare
    const manifest: Manifest = {
      version: 2,
      pageSettings: 'p1',
      siteSettings: 'ss1',
      siteInput: 's1',
      pendingPings: ['https://news.example.org/rss.xml'],
      settled: SETTLED,
      // Within a day, later pages end at names earlier in byte order.
      archive: {
        pageSize: 2,
        ends: [
          ['2026-01-05', 'b.txt'],
          ['2026-01-05', 'a.txt'],
          ['2026-01-09', 'c.txt'],
        ],
      },
      articles: { '2026-02-01-harbour.txt': PUBLISHED },
      objects: { 'rss.xml': { input: 'r', etag: '"rss"' } },
    };
    const stored = serializeManifest(manifest);

    // Act
    const head = readManifestHead(stored);

    // Assess
    const { articles: _articles, objects: _objects, ...expected } = manifest;
    expect(head).toEqual(expected);
    expect(parseManifest(stored, NOW).manifest).toEqual(manifest);
  });

  it.each<[string, Uint8Array | undefined]>([
    ['no manifest', undefined],
    ['a manifest laid out otherwise', bytes(JSON.stringify({ version: 2, settled: SETTLED, articles: {}, objects: {} }, null, 2))],
    ['a head that is not JSON', bytes('{\n "version": 2, "settled": {,\n "articles": {}\n}')],
    [
      'a settled state with a field this version does not write',
      serializeManifest({ version: 2, settled: { ...SETTLED, note: 'x' } as SettledState, articles: {}, objects: {} }),
    ],
    [
      'a settled clock that is no instant',
      serializeManifest({ version: 2, settled: { ...SETTLED, from: 'yesterday' }, articles: {}, objects: {} }),
    ],
    ...(() => {
      const written = Buffer.from(serializeManifest({ version: 2, settled: SETTLED, articles: { 'a.txt': PUBLISHED }, objects: {} }));
      const text = written.toString('utf8');
      const recordsAt = text.indexOf('\n "articles": ');
      return [
        ['a manifest cut off right after its head', bytes(text.slice(0, recordsAt + '\n "articles": '.length))],
        ['a manifest cut off inside its records', bytes(text.slice(0, -40))],
        ['a manifest with text after its end', bytes(`${text}{}\n`)],
        ['a record edited by hand, the layout kept', bytes(text.replace('"hash":"h1"', '"hash":"h2"'))],
        ['a head without the digest of its records, as an earlier version wrote it', bytes(text.replace(/\n "records": "[0-9a-f]+",/, ''))],
      ] as [string, Uint8Array][];
    })(),
  ])('reads nothing from %s: the run then reads the manifest whole', (_what, stored) => {
    // Act
    const head = readManifestHead(stored);

    // Assess
    expect(head).toBeUndefined();
  });
});

describe('serializeManifest from the manifest a run read', () => {
  /** A published record, different for each name: the copied lines must be the right ones. */
  const record = (name: string, extra: Partial<ArticleRecord> = {}): ArticleRecord => ({
    ...PUBLISHED,
    seed: `"${name}"`,
    slug: name,
    ...extra,
  });
  const manifestOf = (names: readonly string[]): Manifest => ({
    version: 2,
    siteInput: 's1',
    articles: Object.fromEntries(names.map((name) => [name, record(name)])),
    objects: { 'rss.xml': { input: 'r', etag: '"rss"' } },
  });

  it('gives, for seeded random changes to the records read, the bytes a fresh write gives', () => {
    const random = mulberry32(8);
    for (let round = 0; round < 200; round++) {
      // Prepare: a manifest as a run reads it, then records added, changed, replaced by equal copies and removed.
      const names = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        (_, i) => `${String.fromCharCode(97 + Math.floor(random() * 26))}-${i}.txt`,
      );
      const read = parseManifest(serializeManifest(manifestOf(names)), NOW).manifest;
      const articles: Record<string, ArticleRecord> = { ...read.articles };
      for (const name of Object.keys(articles)) {
        const pick = random();
        if (pick < 0.15) delete articles[name];
        else if (pick < 0.3) articles[name] = record(name, { updated: '2026-02-20T10:00:00.000Z' });
        else if (pick < 0.4) articles[name] = { ...articles[name]! };
      }
      for (let added = Math.floor(random() * 3); added > 0; added--) {
        const name = `${random() < 0.5 ? '0' : 'z'}-${random()}.txt`;
        articles[name] = record(name);
      }
      const next: Manifest = { ...read, articles };

      // Act
      const written = serializeManifest(next, read);

      // Assess
      expect(Buffer.from(written).toString('utf8'), `round ${round}`).toBe(Buffer.from(serializeManifest(next)).toString('utf8'));
      expect(parseManifest(written, NOW).manifest).toEqual(next);
    }
  });

  it.each<[string, (text: string) => string]>([
    ['records spaced otherwise, by hand', (text) => text.replace('{"seed":"\\"b.txt\\""', '{ "seed": "\\"b.txt\\""')],
    ['records of an earlier layout, without the digest of the records', (text) => text.replace(/\n "records": "[0-9a-f]+",/, '')],
  ])('writes every record afresh when the manifest read has %s', (_what, edit) => {
    // Prepare
    const read = parseManifest(
      Buffer.from(edit(Buffer.from(serializeManifest(manifestOf(['a.txt', 'b.txt', 'c.txt']))).toString('utf8'))),
      NOW,
    );
    expect(read.problem).toBeUndefined();
    const next: Manifest = { ...read.manifest, articles: { ...read.manifest.articles, 'd.txt': record('d.txt') } };

    // Act
    const written = serializeManifest(next, read.manifest);

    // Assess
    expect(Buffer.from(written).toString('utf8')).toBe(Buffer.from(serializeManifest(next)).toString('utf8'));
  });

  it('writes records named like numbers in byte order, as JavaScript does not list them', () => {
    // Prepare
    const read = parseManifest(serializeManifest(manifestOf(['10.txt', '2', '12', 'a.txt'])), NOW).manifest;
    const next: Manifest = { ...read, articles: { ...read.articles, '3': record('3') } };

    // Act
    const written = serializeManifest(next, read);

    // Assess
    expect(Buffer.from(written).toString('utf8')).toBe(Buffer.from(serializeManifest(next)).toString('utf8'));
    expect(
      [
        ...Buffer.from(written)
          .toString('utf8')
          .matchAll(/^ {2}"([^"]+)":/gm),
      ].map((m) => m[1]),
    ).toEqual(['10.txt', '12', '2', '3', 'a.txt', 'rss.xml']);
  });
});

describe('parseManifest with edit dates after the clock', () => {
  it('drops those dates, and the page settings and feed input checked with them, keeping the rest of each record and saying so', () => {
    // Prepare: two records edited after the clock, one before it.
    const stored = bytes({
      version: 2,
      pageSettings: 'the pages were checked by it',
      siteInput: 'made with the later dates',
      articles: {
        'a.txt': { ...PUBLISHED, slug: 'a', updated: '2099-01-01T00:00:00.000Z' },
        'b.txt': { ...PUBLISHED, slug: 'b', updated: '2026-02-10T00:00:00.000Z' },
        'c.txt': { ...PUBLISHED, slug: 'c', updated: '2026-03-01T06:00:00.001Z' },
      },
      objects: {},
    });

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess: the slugs stay, and the articles stay published; their pages are to be made again
    // (the settings digest is forgotten, so each page's input is compared with its record's),
    // and so are the index and the feeds.
    expect(parsed.manifest.articles).toEqual({
      'a.txt': { ...PUBLISHED, slug: 'a' },
      'b.txt': { ...PUBLISHED, slug: 'b', updated: '2026-02-10T00:00:00.000Z' },
      'c.txt': { ...PUBLISHED, slug: 'c' },
    });
    expect(parsed.manifest.pageSettings).toBeUndefined();
    expect(parsed.manifest.siteInput).toBeUndefined();
    expect(parsed.problem).toBe(
      `${MANIFEST_KEY} says 2 articles were edited after this run's clock ("a.txt" at 2099-01-01T00:00:00.000Z); those edit dates are dropped`,
    );
  });
});

describe('parseManifest with a manifest it does not trust', () => {
  it.each<[string, unknown, string]>([
    ['bytes that are not JSON', '{"version": 2, "articles": ', 'is not valid JSON'],
    ['an array', [], 'is not a JSON object'],
    ['a JSON string', '"manifest"', 'is not a JSON object'],
    ['null', null, 'is not a JSON object'],
    ['a version from the future', { version: 3, articles: {}, objects: {} }, 'has unknown version 3'],
    ['no version', { articles: {}, objects: {} }, 'has unknown version undefined'],
    ['a first-version manifest without articles', { version: 1 }, 'has unknown version 1'],
    ['an unknown field', { version: 2, articles: {}, objects: {}, owner: 'someone else' }, 'has an unknown field "owner"'],
    ['no objects', { version: 2, articles: {} }, 'lacks "articles" or "objects"'],
    ['an array for the articles', { version: 2, articles: [], objects: {} }, 'lacks "articles" or "objects"'],
    ['a number for pageSettings', { version: 2, pageSettings: 5, articles: {}, objects: {} }, 'has a malformed "pageSettings"'],
    [
      'an object record without an ETag',
      { version: 2, articles: {}, objects: { 'rss.xml': { input: 'r' } } },
      'has a malformed record for "rss.xml"',
    ],
    ['an article record that is an array', withArticle([]), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a day that is a number', withArticle({ day: 20260201 }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a day in another format', withArticle({ day: '01.02.2026' }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['an empty slug', withArticle({ slug: '' }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a slug with a "/"', withArticle({ slug: 'a/b' }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['an edit date that is no date', withArticle({ updated: 'yesterday' }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a page without an ETag', withArticle({ ...PUBLISHED, page: { input: 'i1' } }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    [
      'a page with a field this version does not write',
      withArticle({ ...PUBLISHED, page: { input: 'i1', etag: '"page-1"', size: 5 } }),
      'has a malformed record for "2026-02-01-harbour.txt"',
    ],
    [
      'archive page ends out of order',
      {
        version: 2,
        archive: {
          pageSize: 2,
          ends: [
            ['2026-03-02', 'b.txt'],
            ['2026-03-01', 'a.txt'],
          ],
        },
        articles: {},
        objects: {},
      },
      'has a malformed "archive"',
    ],
    [
      'an archive page end on no day',
      { version: 2, archive: { pageSize: 2, ends: [['March 1', 'a.txt']] }, articles: {}, objects: {} },
      'has a malformed "archive"',
    ],
    [
      'a settled state without its summary',
      { version: 2, settled: { listing: 'l', settings: 's', from: '2026-02-01T00:00:00.000Z' }, articles: {}, objects: {} },
      'has a malformed "settled"',
    ],
    ['a page without a slug', withArticle({ ...PUBLISHED, slug: undefined }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a page without a day', withArticle({ ...PUBLISHED, day: undefined }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a page without a hash', withArticle({ ...PUBLISHED, hash: undefined }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    ['a rejection without a line', withArticle({ rejected: { reason: 'bad' } }), 'has a malformed record for "2026-02-01-harbour.txt"'],
    [
      'entry text without its HTML',
      withArticle({ ...PUBLISHED, text: { title: 'T', lede: 'L' } }),
      'has a malformed record for "2026-02-01-harbour.txt"',
    ],
    [
      'an unknown field in a record',
      withArticle({ day: '2026-02-01', note: 'hand edit' }),
      'has an unknown field "note" in the record for "2026-02-01-harbour.txt"',
    ],
  ])('rebuilds from %s, saying why', (_what, value, reason) => {
    // Prepare
    const stored = bytes(value);

    // Act
    const parsed = parseManifest(stored, NOW, '"manifest-etag"');

    // Assess
    expect(parsed).toEqual({ manifest: EMPTY_MANIFEST, etag: '"manifest-etag"', problem: `${MANIFEST_KEY} ${reason}${REBUILDING}` });
  });

  it('names the first bad article of many', () => {
    // Prepare
    const articles: Record<string, unknown> = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`2026-02-01-${String(i).padStart(4, '0')}.txt`, { ...PUBLISHED, slug: `a-${i}` }]),
    );
    articles['2026-02-01-0500.txt'] = { ...PUBLISHED, day: 1 };

    // Act
    const parsed = parseManifest(bytes({ version: 2, articles, objects: {} }), NOW);

    // Assess
    expect(parsed.problem).toBe(`${MANIFEST_KEY} has a malformed record for "2026-02-01-0500.txt"${REBUILDING}`);
  });

  it('rebuilds from a manifest that gives one slug to two records, naming the second', () => {
    // Prepare: a hand edit that gave a renamed seed its old article's slug.
    const articles = { 'a.txt': { ...PUBLISHED }, 'b.txt': { ...PUBLISHED, seed: '"etag-2"' } };

    // Act
    const parsed = parseManifest(bytes({ version: 2, articles, objects: {} }), NOW);

    // Assess
    expect(parsed.manifest).toEqual(EMPTY_MANIFEST);
    expect(parsed.problem).toBe(`${MANIFEST_KEY} gives the slug "2026-02-01-harbour" to two records (the second: "b.txt")${REBUILDING}`);
  });

  it('rebuilds from a manifest with a published record that names no seed', () => {
    // Prepare
    const { seed: _seed, ...withoutSeed } = PUBLISHED;

    // Act
    const parsed = parseManifest(bytes(withArticle(withoutSeed)), NOW);

    // Assess
    expect(parsed.manifest).toEqual(EMPTY_MANIFEST);
    expect(parsed.problem).toBe(`${MANIFEST_KEY} has a malformed record for "2026-02-01-harbour.txt"${REBUILDING}`);
  });

  it('cuts a long file name or field name short in the reason', () => {
    // Prepare
    const name = `${'n'.repeat(500)}.txt`;
    const field = 'f'.repeat(500);

    // Act
    const malformed = parseManifest(bytes(withArticle({ day: 1 }, name)), NOW);
    const unknown = parseManifest(bytes(withArticle({ [field]: 1 }, name)), NOW);

    // Assess
    expect(malformed.problem).toBe(`${MANIFEST_KEY} has a malformed record for "${'n'.repeat(119)}${REBUILDING}`);
    expect(unknown.problem).toBe(
      `${MANIFEST_KEY} has an unknown field "${'f'.repeat(79)} in the record for "${'n'.repeat(119)}${REBUILDING}`,
    );
  });
});

describe('parseManifest with a manifest of the first version', () => {
  it("starts empty but keeps each item's hash and edit date, so edit dates survive the upgrade", () => {
    // Prepare
    const stored = bytes({
      version: 1,
      articles: {
        'tag:news.example.org,2026:2026-02-01-harbour': { hash: 'h1', updated: '2026-02-20T10:00:00.000Z' },
        'tag:news.example.org,2026:2026-02-03-bridge': { hash: 'h2' },
        'tag:news.example.org,2026:2026-02-05-odd': { hash: 'h3', updated: 20260220 },
        'tag:news.example.org,2026:2026-02-07-no-hash': { updated: '2026-02-20T10:00:00.000Z' },
        'tag:news.example.org,2026:2026-02-09-not-a-record': 'h5',
      },
    });

    // Act
    const parsed = parseManifest(stored, NOW, '"v1"');

    // Assess
    expect(parsed.manifest).toBe(EMPTY_MANIFEST);
    expect(parsed.etag).toBe('"v1"');
    expect(parsed.problem).toBeUndefined();
    expect(parsed.legacy).toEqual(
      new Map([
        ['tag:news.example.org,2026:2026-02-01-harbour', { hash: 'h1', updated: '2026-02-20T10:00:00.000Z' }],
        ['tag:news.example.org,2026:2026-02-03-bridge', { hash: 'h2' }],
        ['tag:news.example.org,2026:2026-02-05-odd', { hash: 'h3' }],
      ]),
    );
  });
});

describe('parseManifest with a first-version manifest edited after the clock', () => {
  it("drops an edit date later than the run's clock and says so, as for a manifest of this version", () => {
    // Prepare: one edit date after NOW, one before
    const later = new Date(NOW.getTime() + 86_400_000).toISOString();
    const stored = bytes({
      version: 1,
      articles: {
        'tag:news.example.org,2026:2026-02-01-harbour': { hash: 'h1', updated: later },
        'tag:news.example.org,2026:2026-02-03-bridge': { hash: 'h2', updated: '2026-02-20T10:00:00.000Z' },
      },
    });

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess
    expect(parsed.legacy).toEqual(
      new Map([
        ['tag:news.example.org,2026:2026-02-01-harbour', { hash: 'h1' }],
        ['tag:news.example.org,2026:2026-02-03-bridge', { hash: 'h2', updated: '2026-02-20T10:00:00.000Z' }],
      ]),
    );
    expect(parsed.problem).toBe(
      `${MANIFEST_KEY} says "tag:news.example.org,2026:2026-02-01-harbour" was edited at ${later}, after this run's clock; that edit date is dropped`,
    );
  });
});

describe('a manifest carrying on an upgrade from the first version (legacyArticles)', () => {
  it("reads back the first version's hashes and edit dates of the articles not read yet, beside its records", () => {
    // Prepare: one record made, two articles still to read, one of them edited after the clock.
    const later = new Date(NOW.getTime() + 86_400_000).toISOString();
    const manifest: Manifest = {
      ...EMPTY_MANIFEST,
      articles: { 'a.txt': { seed: '"s"', hash: 'h', day: '2026-02-01' } },
      legacyArticles: {
        'tag:news.example.org,2026:articles/b': { hash: 'h2', updated: '2026-02-20T10:00:00.000Z' },
        'tag:news.example.org,2026:articles/c': { hash: 'h3', updated: later },
      },
    };
    const written = serializeManifest(manifest);

    // Act
    const parsed = parseManifest(written, NOW);

    // Assess
    expect(parsed.manifest.articles).toEqual(manifest.articles);
    expect(parsed.legacy).toEqual(
      new Map([
        ['tag:news.example.org,2026:articles/b', { hash: 'h2', updated: '2026-02-20T10:00:00.000Z' }],
        ['tag:news.example.org,2026:articles/c', { hash: 'h3' }],
      ]),
    );
    expect(parsed.problem).toContain('articles/c" was edited at');
    expect(readManifestHead(written)?.legacyArticles).toEqual(manifest.legacyArticles);
  });
});

describe('parseManifest and the entry text of an article with a `lang` line', () => {
  const TEXT = { title: 'Міст', lede: 'Новий міст.', html: '<p>Новий міст.</p>' };

  it('keeps the language, so a feed item rendered from the manifest keeps it, byte for byte', () => {
    // Prepare
    const manifest: Manifest = {
      version: 2,
      articles: { '2026-02-10-kyiv.txt': { ...PUBLISHED, text: { ...TEXT, language: 'uk' } } },
      objects: {},
    };
    const stored = serializeManifest(manifest);

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess
    expect(parsed).toEqual({ manifest });
    expect(parsed.manifest.articles['2026-02-10-kyiv.txt']?.text?.language).toBe('uk');
    expect(Buffer.from(serializeManifest(parsed.manifest)).equals(Buffer.from(stored))).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a language that is not a string', 5],
    ['a language that is no tag', 'xx_YY'],
    ['a language that is empty', ''],
  ])('rebuilds from entry text with %s, saying why', (_what, language) => {
    // Prepare
    const stored = bytes(withArticle({ ...PUBLISHED, text: { ...TEXT, language } }));

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess
    expect(parsed).toEqual({
      manifest: EMPTY_MANIFEST,
      problem: `${MANIFEST_KEY} has a malformed record for "2026-02-01-harbour.txt"${REBUILDING}`,
    });
  });

  it('rebuilds from entry text with a field this version does not write', () => {
    // Prepare
    const stored = bytes(withArticle({ ...PUBLISHED, text: { ...TEXT, lang: 'uk' } }));

    // Act
    const parsed = parseManifest(stored, NOW);

    // Assess
    expect(parsed.problem).toBe(`${MANIFEST_KEY} has a malformed record for "2026-02-01-harbour.txt"${REBUILDING}`);
  });
});
