/**
 * Stable permalinks. An article's page URL (its slug) is fixed at its first publication
 * and kept in the manifest, and its item id comes from its seed's file name: this file checks,
 * as a subscriber and an editor would, that title edits (to another article's slug, to
 * punctuation only, to another script), date edits (earlier, later, into the future and back),
 * holding, unpublishing and putting back, equal slugs, look-alike file names, broken seeds, a
 * lost manifest and a `cli build --out` folder never move an article's link, never give its
 * slug to another article, and keep the id and the link the same in RSS, Atom, JSON Feed, the
 * archives and the page's canonical link.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { fakeIo } from '../helpers/cli-io.js';
import { configFileJson } from '../helpers/factory.js';
import { atomFeed, attr, child, children, rssChannel, text, type JsonFeed } from '../helpers/feeds.js';
import { SITE, seed, testFeedConfig } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

const NOW = new Date('2026-03-01T06:00:00Z');
const PREFIX = 'tag:news.example.org,2026:';

/** The item id a seed's file name gives (NFC, without `.txt`, percent-encoded). */
const idOf = (fileName: string) => `${PREFIX}articles/${encodeURIComponent(fileName.normalize('NFC').replace(/\.txt$/i, ''))}`;
/** The public URL of a page. */
const urlOf = (slug: string, siteUrl = SITE) => `${siteUrl}articles/${encodeURIComponent(slug)}.html`;

interface Entry {
  readonly id: string;
  readonly url: string;
}

/** The items of one set of RSS, Atom and JSON documents, each format read on its own. */
function entriesOf(documents: { rss: string; atom: string; json: string }): { rss: Entry[]; atom: Entry[]; json: Entry[] } {
  const rss = children(rssChannel(documents.rss), 'item').map((item) => ({
    id: text(child(item, 'guid')),
    url: text(child(item, 'link')),
  }));
  const atom = children(atomFeed(documents.atom), 'entry').map((entry) => {
    const alternate = children(entry, 'link').find((link) => (attr(link, 'rel') ?? 'alternate') === 'alternate');
    return { id: text(child(entry, 'id')), url: attr(alternate, 'href')! };
  });
  const json = (JSON.parse(documents.json) as JsonFeed).items.map((item) => ({ id: item.id, url: item.url! }));
  return { rss, atom, json };
}

/**
 * Every item id and its link, from the feeds and every archive document, with the three formats
 * checked to agree item for item and no id or link named twice.
 */
function linksById(snapshot: Record<string, string>): Map<string, string> {
  const sets = [{ rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' }];
  for (let n = 1; snapshot[`archive/rss-${n}.xml`] !== undefined; n++)
    sets.push({ rss: `archive/rss-${n}.xml`, atom: `archive/atom-${n}.xml`, json: `archive/feed-${n}.json` });
  const all: Entry[] = [];
  for (const keys of sets) {
    const { rss, atom, json } = entriesOf({ rss: snapshot[keys.rss]!, atom: snapshot[keys.atom]!, json: snapshot[keys.json]! });
    expect(atom, keys.atom).toEqual(rss);
    expect(json, keys.json).toEqual(rss);
    all.push(...rss);
  }
  const map = new Map(all.map((entry) => [entry.id, entry.url]));
  expect(map.size, 'an id named twice').toBe(all.length);
  expect(new Set(map.values()).size, 'a link named twice').toBe(all.length);
  return map;
}

/** The page keys of the site. */
const pages = (snapshot: Record<string, string>) =>
  Object.keys(snapshot)
    .filter((key) => key.startsWith('articles/'))
    .sort();

/** The canonical link of a page. */
function canonical(snapshot: Record<string, string>, slug: string): string | undefined {
  return snapshot[`articles/${slug}.html`]?.match(/<link rel="canonical" href="([^"]+)">/)?.[1];
}

/** The article title a page shows in its <title>. */
function pageTitle(snapshot: Record<string, string>, slug: string): string | undefined {
  return snapshot[`articles/${slug}.html`]?.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1];
}

/** Asserts an article is published under `slug` with its file name's id, in every format and on its page. */
function expectPublishedAt(site: Site, fileName: string, slug: string): void {
  const snapshot = site.snapshot();
  expect(linksById(snapshot).get(idOf(fileName)), fileName).toBe(urlOf(slug));
  expect(canonical(snapshot, slug), `canonical of ${slug}`).toBe(urlOf(slug));
}

const harbour = (title = 'Harbour Ferry Returns', date = '2026-02-01') => seed(date, title, 'The ferry runs again from Monday.');
const bridge = (title = 'Bridge Opens', date = '2026-02-03') => seed(date, title, 'A footbridge now links the two banks.');

/** Five articles (so that one leaving stays within the unpublish guard's share), the first two named above. */
function fiveSeeds(): Record<string, string> {
  return {
    'harbour.txt': harbour(),
    'bridge.txt': bridge(),
    'market.txt': seed('2026-02-05', 'Market Hall Repaired', 'The roof is mended.'),
    'school.txt': seed('2026-02-07', 'School Reopens', 'Pupils are back.'),
    'tram.txt': seed('2026-02-09', 'Tram Line Extended', 'Two stops were added.'),
  };
}

describe('a title edit', () => {
  it('keeps the id, the link in all three feeds and the page (its canonical link) after a typo fix', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();
    const pagesBefore = pages(site.snapshot());

    // Act
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Returns Again'));
    site.now = new Date('2026-03-02T06:00:00Z');
    const summary = await site.run();

    // Assess
    expect(summary.objects.deletedKeys).toEqual([]);
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expect(pages(site.snapshot())).toEqual(pagesBefore);
    expect(pageTitle(site.snapshot(), '2026-02-01-harbour-ferry-returns')).toBe('Harbour Ferry Returns Again');
  });

  it('to a title (and day) that gives another article’s slug leaves both articles their own page', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();

    // Act: the bridge article now reads exactly as the harbour one is titled and dated.
    await site.writeSeed('bridge.txt', bridge('Harbour Ferry Returns', '2026-02-01'));
    await site.run();

    // Assess
    const snapshot = site.snapshot();
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expectPublishedAt(site, 'bridge.txt', '2026-02-03-bridge-opens');
    expect(snapshot['articles/2026-02-01-harbour-ferry-returns.html']).toContain('The ferry runs again from Monday.');
    expect(snapshot['articles/2026-02-03-bridge-opens.html']).toContain('A footbridge now links the two banks.');
    expect(pages(snapshot)).toHaveLength(5);
  });

  it.each([
    ['punctuation only', '!!! ??? …'],
    ['marks without a letter', '\u0301\u0301 -- \u0308'],
    ['another script', 'Пором повертається'],
    ['digits that look like a slug suffix', '2'],
  ])('to %s keeps the link', async (_what, title) => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();

    // Act
    await site.writeSeed('harbour.txt', harbour(title));
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([]);
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expect(pages(site.snapshot())).toHaveLength(5);
  });

  it('gives a new article whose title is another’s old (since corrected) title a slug of its own', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Runs'));
    await site.run();

    // Act
    await site.writeSeed('copycat.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'Another text.'));
    await site.run();

    // Assess
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expectPublishedAt(site, 'copycat.txt', '2026-02-01-harbour-ferry-returns-2');
  });
});

describe('a date edit', () => {
  it.each([
    ['an earlier day', '2026-01-15'],
    ['a later day, still past', '2026-02-20'],
  ])('to %s keeps the id and the link (the slug keeps the first day)', async (_what, date) => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();

    // Act
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Returns', date));
    await site.run();

    // Assess
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expect(pages(site.snapshot())).toHaveLength(5);
  });

  it('into the future holds it, keeps its slug from any newcomer, and moved back it returns under the same link', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();

    // Act: dated ahead (held; its page goes), a newcomer with its title and day, then dated back.
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Returns', '2026-04-01'));
    const heldRun = await site.run();
    const whileHeld = site.snapshot();
    await site.writeSeed('newcomer.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'Someone else’s text.'));
    await site.run();
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Returns', '2026-02-01'));
    await site.run();

    // Assess
    expect(heldRun.held).toEqual([{ file: 'harbour.txt', date: '2026-04-01' }]);
    expect(linksById(whileHeld).has(idOf('harbour.txt'))).toBe(false);
    expect(whileHeld['articles/2026-02-01-harbour-ferry-returns.html']).toBeUndefined();
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expectPublishedAt(site, 'newcomer.txt', '2026-02-01-harbour-ferry-returns-2');
    expect(site.snapshot()['articles/2026-02-01-harbour-ferry-returns.html']).toContain('The ferry runs again from Monday.');
  });

  it('held back to its day comes under the same link after the clock reaches it', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();
    await site.writeSeed('harbour.txt', harbour('Harbour Ferry Returns', '2026-03-05'));
    await site.run();

    // Act
    site.now = new Date('2026-03-05T00:00:00Z');
    await site.run();

    // Assess: the slug is the one given at its first publication (day included), not made again.
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
  });
});

describe('an article held before its first publication', () => {
  it('has no page while held and, once due, is named from its title then, its id from its file name', async () => {
    // Prepare
    const site = memorySite({ ...fiveSeeds(), 'later.txt': seed('2026-03-10', 'Draft Headline', 'Text.') }, { now: NOW });
    const first = await site.run();
    const whileHeld = site.snapshot();
    await site.writeSeed('later.txt', seed('2026-03-10', 'Final Headline', 'Text.'));
    await site.run();

    // Act
    site.now = new Date('2026-03-10T00:00:00Z');
    await site.run();

    // Assess
    expect(first.held).toEqual([{ file: 'later.txt', date: '2026-03-10' }]);
    expect(pages(whileHeld).some((key) => key.includes('2026-03-10'))).toBe(false);
    expectPublishedAt(site, 'later.txt', '2026-03-10-final-headline');
    // Never shown, so no reader saw an edit: not marked updated.
    const json = JSON.parse(site.snapshot()['feed.json']!) as JsonFeed;
    const item = json.items.find((entry) => entry.id === idOf('later.txt'))!;
    expect(item.date_modified).toBe(item.date_published);
  });
});

describe('unpublishing and putting back', () => {
  it('a seed deleted and put back under its name comes back at its link, not as an edit', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();
    const before = site.snapshot();

    // Act
    await site.deleteSeed('harbour.txt');
    const gone = await site.run();
    await site.writeSeed('harbour.txt', harbour());
    await site.run();

    // Assess
    expect(gone.objects.deletedKeys).toEqual(['articles/2026-02-01-harbour-ferry-returns.html']);
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expect(site.snapshot({ withManifest: false })).toEqual(Object.fromEntries(Object.entries(before).filter(([key]) => key !== MANIFEST)));
  });

  it('a new seed whose title gives a deleted article’s slug gets another slug; the old one stays unused', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();
    await site.deleteSeed('harbour.txt');
    await site.run();

    // Act
    await site.writeSeed('ferry.txt', harbour());
    await site.run();

    // Assess
    expectPublishedAt(site, 'ferry.txt', '2026-02-01-harbour-ferry-returns-2');
    expect(site.snapshot()['articles/2026-02-01-harbour-ferry-returns.html']).toBeUndefined();
  });
});

describe('equal slugs', () => {
  it('get -2 in file-name order, and keep them as one is deleted, another added and one edited', async () => {
    // Prepare
    const files = {
      ...fiveSeeds(),
      'b-ferry.txt': seed('2026-02-01', 'Harbour: Ferry Returns!', 'Second text.'),
      'a-ferry.txt': seed('2026-02-01', 'harbour ferry returns', 'First text.'),
    };
    const site = memorySite(files, { now: NOW, maxUnpublishShare: 0.5 });
    await site.run();
    const first = linksById(site.snapshot());

    // Act
    await site.deleteSeed('harbour.txt');
    await site.writeSeed('c-ferry.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'Third text.'));
    await site.writeSeed('b-ferry.txt', seed('2026-02-02', 'Ferry Timetable', 'Second text.'));
    await site.run();

    // Assess: in file-name order the base goes to a-ferry, -2 to b-ferry, -3 to harbour.
    expect(first.get(idOf('a-ferry.txt'))).toBe(urlOf('2026-02-01-harbour-ferry-returns'));
    expect(first.get(idOf('b-ferry.txt'))).toBe(urlOf('2026-02-01-harbour-ferry-returns-2'));
    expect(first.get(idOf('harbour.txt'))).toBe(urlOf('2026-02-01-harbour-ferry-returns-3'));
    expectPublishedAt(site, 'a-ferry.txt', '2026-02-01-harbour-ferry-returns');
    expectPublishedAt(site, 'b-ferry.txt', '2026-02-01-harbour-ferry-returns-2');
    expectPublishedAt(site, 'c-ferry.txt', '2026-02-01-harbour-ferry-returns-4');
    expect(site.snapshot()['articles/2026-02-01-harbour-ferry-returns-3.html']).toBeUndefined();
  });

  it('do not hand a suffixed slug to a title that spells it (“2” on the day of a punctuation-only title)', async () => {
    // Prepare
    const site = memorySite(
      {
        ...fiveSeeds(),
        'a.txt': seed('2026-02-11', '!!!', 'A.'),
        'b.txt': seed('2026-02-11', '???', 'B.'),
      },
      { now: NOW },
    );
    await site.run();

    // Act
    await site.writeSeed('c.txt', seed('2026-02-11', '2', 'C.'));
    await site.run();

    // Assess
    expectPublishedAt(site, 'a.txt', '2026-02-11');
    expectPublishedAt(site, 'b.txt', '2026-02-11-2');
    expectPublishedAt(site, 'c.txt', '2026-02-11-2-2');
  });
});

describe('look-alike file names (one item id)', () => {
  it.each([
    ['dup.txt', 'dup.TXT'],
    ['caf\u00e9.txt', 'cafe\u0301.txt'],
    ['cafe\u0301.txt', 'caf\u00e9.txt'],
  ])('keep %j published when %j arrives later, refusing the newcomer', async (published, newcomer) => {
    // Prepare
    const site = memorySite({ ...fiveSeeds(), [published]: seed('2026-02-11', 'Council Vote', 'The first text.') }, { now: NOW });
    await site.run();

    // Act
    await site.writeSeed(newcomer, seed('2026-02-12', 'Impostor', 'Another text.'));
    const summary = await site.run();

    // Assess
    expect(summary.rejected.map((rejection) => rejection.file)).toEqual([newcomer]);
    expectPublishedAt(site, published, '2026-02-11-council-vote');
    expect(site.snapshot()['articles/2026-02-11-council-vote.html']).toContain('The first text.');
    expect(pages(site.snapshot())).toHaveLength(6);
  });

  it.each([
    ['dup.txt', 'dup.TXT'],
    ['caf\u00e9.txt', 'cafe\u0301.txt'],
  ])('with the manifest lost, %j keeps its id and page over the refused %j', async (published, newcomer) => {
    // Prepare
    const site = memorySite({ ...fiveSeeds(), [published]: seed('2026-02-11', 'Council Vote', 'The first text.') }, { now: NOW });
    await site.run();
    await site.writeSeed(newcomer, seed('2026-02-12', 'Impostor', 'Another text.'));
    await site.run();

    // Act
    await site.site.delete(MANIFEST);
    const summary = await site.run();

    // Assess
    const snapshot = site.snapshot();
    expect(snapshot['articles/2026-02-11-council-vote.html']).not.toContain('Another text.');
    expect(snapshot['articles/2026-02-11-council-vote.html']).toContain('The first text.');
    expect(summary.rejected.map((rejection) => rejection.file)).toEqual([newcomer]);
  });
});

describe('a rename that keeps the item id', () => {
  it.each([
    ['dup.txt', 'dup.TXT'],
    ['caf\u00e9.txt', 'cafe\u0301.txt'],
    ['cafe\u0301.txt', 'caf\u00e9.txt'],
  ])('%j renamed %j keeps its page, its edit date and its place; nothing is unpublished', async (before, after) => {
    // Prepare: published, then edited (so it carries an edit date).
    const site = memorySite({ ...fiveSeeds(), [before]: seed('2026-02-11', 'Council Vote', 'The first text.') }, { now: NOW });
    await site.run();
    site.now = new Date('2026-03-02T06:00:00Z');
    await site.writeSeed(before, seed('2026-02-11', 'Council Vote', 'The text, corrected.'));
    await site.run();
    const updated = (JSON.parse(site.snapshot()['feed.json']!) as JsonFeed).items.find((item) => item.id === idOf(before))?.date_modified;

    // Act
    site.now = new Date('2026-03-03T06:00:00Z');
    await site.deleteSeed(before);
    await site.writeSeed(after, seed('2026-02-11', 'Council Vote', 'The text, corrected.'));
    const summary = await site.run();

    // Assess
    expect(summary.articles).toMatchObject({ unpublished: 0 });
    expect(summary.rejected).toEqual([]);
    expectPublishedAt(site, after, '2026-02-11-council-vote');
    expect(pages(site.snapshot())).toHaveLength(6);
    const item = (JSON.parse(site.snapshot()['feed.json']!) as JsonFeed).items.find((entry) => entry.id === idOf(after));
    expect(updated).toBe('2026-03-02T06:00:00.000Z');
    expect(item?.date_modified).toBe(updated);
  });

  it('gives a deleted seed put back under a look-alike name its page back, as under its own name', async () => {
    // Prepare: published, then deleted (its slug kept for it).
    const site = memorySite({ ...fiveSeeds(), 'dup.txt': seed('2026-02-11', 'Council Vote', 'The first text.') }, { now: NOW });
    await site.run();
    await site.deleteSeed('dup.txt');
    await site.run();

    // Act
    await site.writeSeed('dup.TXT', seed('2026-02-11', 'Council Vote', 'The first text.'));
    await site.run();

    // Assess
    expectPublishedAt(site, 'dup.TXT', '2026-02-11-council-vote');
    expect(pages(site.snapshot()).some((key) => key.includes('council-vote-2'))).toBe(false);
  });

  it('leaves a changed id a new article: a renamed file gets a new page and the old one goes', async () => {
    // Prepare
    const site = memorySite({ ...fiveSeeds(), 'vote.txt': seed('2026-02-11', 'Council Vote', 'The first text.') }, { now: NOW });
    await site.run();

    // Act
    await site.deleteSeed('vote.txt');
    await site.writeSeed('council-vote.txt', seed('2026-02-11', 'Council Vote', 'The first text.'));
    const summary = await site.run();

    // Assess
    expect(summary.articles).toMatchObject({ unpublished: 1 });
    expectPublishedAt(site, 'council-vote.txt', '2026-02-11-council-vote-2');
    expect(site.snapshot()['articles/2026-02-11-council-vote.html']).toBeUndefined();
  });
});

describe('a seed that breaks', () => {
  it('keeps its link while broken and after it is fixed with a new title', async () => {
    // Prepare
    const site = memorySite(fiveSeeds(), { now: NOW });
    await site.run();

    // Act
    await site.writeSeed('harbour.txt', 'date 2026-02-30 Harbour Ferry Returns\n\nBroken day.\n');
    const broken = await site.run();
    const whileBroken = site.snapshot();
    await site.writeSeed('harbour.txt', harbour('Ferry Service Restored'));
    await site.run();

    // Assess
    expect(broken.rejected).toMatchObject([{ file: 'harbour.txt', keptPublished: true }]);
    expect(linksById(whileBroken).get(idOf('harbour.txt'))).toBe(urlOf('2026-02-01-harbour-ferry-returns'));
    expectPublishedAt(site, 'harbour.txt', '2026-02-01-harbour-ferry-returns');
    expect(pageTitle(site.snapshot(), '2026-02-01-harbour-ferry-returns')).toBe('Ferry Service Restored');
  });
});

describe('a lost manifest', () => {
  it('keeps every corrected article at its link, in the feeds and the archives, and gives no new pages', async () => {
    // Prepare: itemLimit 2, so three of five articles are in archives; two titles corrected.
    const site = memorySite(fiveSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
    await site.run();
    await site.writeSeed('harbour.txt', harbour('Ferry Service Restored'));
    await site.writeSeed('tram.txt', seed('2026-02-09', 'Tram Line Lengthened', 'Two stops were added.'));
    await site.run();
    const before = linksById(site.snapshot());
    const pagesBefore = pages(site.snapshot());

    // Act
    await site.site.delete(MANIFEST);
    await site.run();
    await site.writeSeed('newcomer.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'Someone else’s text.'));
    await site.run();

    // Assess
    const after = linksById(site.snapshot());
    for (const [id, url] of before) expect(after.get(id), id).toBe(url);
    expect(pages(site.snapshot())).toEqual([...pagesBefore, 'articles/2026-02-01-harbour-ferry-returns-2.html'].sort());
    expect(after.get(idOf('newcomer.txt'))).toBe(urlOf('2026-02-01-harbour-ferry-returns-2'));
  });
});

describe('a site built with cli build --out', () => {
  it('gives the same slugs as a bucket run, and keeps them across a title edit and a deletion', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'permalinks-'));
    try {
      const files = {
        ...fiveSeeds(),
        'kyiv.txt': seed('2026-02-11', 'Київ: міст відкрито', 'Текст.'),
        'marks.txt': seed('2026-02-11', '«…»', 'Only punctuation.'),
      };
      await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
      await mkdir(join(dir, 'seeds'));
      for (const [name, content] of Object.entries(files)) await writeFile(join(dir, 'seeds', name), content);
      const build = ['build', '--seeds', 'seeds', '--out', 'out', '--now', NOW.toISOString()];
      expect(await runCli(build, fakeIo(dir, { now: NOW.toISOString() }))).toBe(0);
      const site = memorySite(files, { now: NOW });
      await site.run();
      const siteUrl = configFileJson().siteUrl as string;
      const folderSlugs = async () => (await readdir(join(dir, 'out', 'articles'))).map((name) => name.replace(/\.html$/, '')).sort();
      const slugsFirst = await folderSlugs();

      // Act
      await writeFile(join(dir, 'seeds', 'kyiv.txt'), seed('2026-02-11', 'Київ: новий міст', 'Текст.'));
      await rm(join(dir, 'seeds', 'marks.txt'));
      await writeFile(join(dir, 'seeds', 'again.txt'), seed('2026-02-11', '!', 'Another punctuation title.'));
      expect(await runCli(build, fakeIo(dir, { now: NOW.toISOString() }))).toBe(0);

      // Assess
      expect(slugsFirst).toEqual(
        pages(site.snapshot())
          .map((key) => key.slice('articles/'.length, -'.html'.length))
          .sort(),
      );
      const json = JSON.parse(await readFile(join(dir, 'out', 'feed.json'), 'utf8')) as JsonFeed;
      const urls = new Map(json.items.map((item) => [item.id, item.url]));
      expect(urls.get(idOf('kyiv.txt'))).toBe(urlOf('2026-02-11-київ-міст-відкрито', siteUrl));
      expect(urls.get(idOf('again.txt'))).toBe(urlOf('2026-02-11-2', siteUrl));
      const page = await readFile(join(dir, 'out', 'articles', '2026-02-11-київ-міст-відкрито.html'), 'utf8');
      expect(page).toContain(`<link rel="canonical" href="${urlOf('2026-02-11-київ-міст-відкрито', siteUrl)}">`);
      expect(await folderSlugs()).not.toContain('2026-02-11');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
