/**
 * RFC 5005 archives over a history of runs: repeatable pseudo-random sequences of articles added
 * (backdated or not), deleted, edited, retitled and redated, each run followed by the checks a
 * subscriber walking the archive chain relies on. The archive layout depends on that history, so
 * the last state is also published afresh into an empty bucket and the articles compared.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/prng.js';
import { seed, SITE, testFeedConfig, text } from './support.js';
import { linkedKeys, memorySite } from './support-site.js';

// ---------------------------------------------------------------------------------------------
// Scenarios: the seeds to start from, then steps of operations, one publish run after each step.
// ---------------------------------------------------------------------------------------------

interface Article {
  readonly day: string;
  readonly title: string;
  readonly body: string;
}

/** Writing a seed adds it or edits it (body, title or date); a clock step moves the run's clock by whole days. */
type Operation = { readonly write: string; readonly article: Article } | { readonly delete: string } | { readonly clockDays: number };

interface Scenario {
  readonly itemLimit: number;
  readonly start: readonly Operation[];
  readonly steps: readonly (readonly Operation[])[];
}

/** The runs start here; the feeds go out at 00:00 UTC, so an article is due from its day on. */
const START = new Date('2026-06-01T06:00:00.000Z');
const ID_PREFIX = 'tag:news.example.org,2026:articles/';
const MAX_UNPUBLISH_SHARE = 0.2;

const stem = (fileName: string) => fileName.replace(/\.txt$/, '');
const idOf = (fileName: string) => ID_PREFIX + stem(fileName);
const isDue = (day: string, now: Date) => Date.parse(`${day}T00:00:00.000Z`) <= now.getTime();
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const dayOf = (offset: number) => new Date(Date.UTC(2026, 0, 1 + offset)).toISOString().slice(0, 10);
const offsetOf = (date: Date) => Math.floor((date.getTime() - Date.UTC(2026, 0, 1)) / 86_400_000);
/** Few titles, so that articles of one day share a title and their slugs must differ. */
const TITLES = ['Harbour news', 'Council vote', 'Bridge opens', 'Market report', 'Weather warning', 'School term'];
const WORDS = ['note', 'brief', 'report'];

/**
 * A scenario from a seed: 8 to 15 articles on weekly days (so that days are often shared), then
 * `steps` steps of one or two operations; the clock only moves forward. Added articles are dated today, some day back in the
 * past or, now and then, a few days ahead (held until the clock gets there); some file names
 * extend another's with `-b`, where file-name order (the ranking's) and id order (a document's) disagree.
 */
function generate(seedValue: number, steps: number): Scenario {
  const random = mulberry32(seedValue);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(values: readonly T[]) => values[int(0, values.length - 1)]!;
  const itemLimit = int(2, 3);
  const articles = new Map<string, Article>();
  const gone = new Map<string, Article>();
  let now = START;
  let counter = 0;
  let version = 0;
  const pastDay = () => dayOf(7 * int(0, 21));
  const body = (fileName: string) => `Paragraph ${++version} of ${stem(fileName)}.`;
  const dueCount = () => [...articles.values()].filter((article) => isDue(article.day, now)).length;
  const newName = (day: string): string => {
    const names = [...articles.keys()];
    if (names.length > 0 && random() < 0.2) {
      const extended = `${stem(pick(names))}-b.txt`;
      if (!articles.has(extended) && !gone.has(extended)) return extended;
    }
    return `${day}-${pick(WORDS)}${++counter}.txt`;
  };
  const write = (fileName: string, article: Article): Operation => {
    articles.set(fileName, article);
    gone.delete(fileName);
    return { write: fileName, article };
  };

  const start: Operation[] = [];
  for (let n = int(8, 15); n > 0; n--) {
    const day = pastDay();
    const fileName = newName(day);
    start.push(write(fileName, { day, title: pick(TITLES), body: body(fileName) }));
  }

  const plan: Operation[][] = [];
  for (let step = 0; step < steps; step++) {
    const operations: Operation[] = [];
    for (let n = int(1, 2); n > 0; n--) {
      const names = [...articles.keys()];
      const existing = pick(names);
      const today = dayOf(offsetOf(now));
      const roll = random();
      if (roll < 0.3 && articles.size < 22) {
        // Added: today, backdated, a day ahead, or a deleted seed put back.
        const back = random();
        if (back < 0.1 && gone.size > 0) {
          const fileName = pick([...gone.keys()]);
          operations.push(write(fileName, gone.get(fileName)!));
          continue;
        }
        const day = back < 0.45 ? today : back < 0.92 ? pastDay() : dayOf(offsetOf(now) + int(1, 4));
        const fileName = newName(day);
        operations.push(write(fileName, { day, title: pick(TITLES), body: body(fileName) }));
      } else if (roll < 0.5) {
        const article = articles.get(existing)!;
        if (articles.size <= 5 || (isDue(article.day, now) && dueCount() <= 3)) continue;
        articles.delete(existing);
        gone.set(existing, article);
        operations.push({ delete: existing });
      } else if (roll < 0.65) {
        operations.push(write(existing, { ...articles.get(existing)!, body: body(existing) }));
      } else if (roll < 0.75) {
        operations.push(write(existing, { ...articles.get(existing)!, title: pick(TITLES) }));
      } else if (roll < 0.95) {
        const article = articles.get(existing)!;
        const ahead = random() < 0.1 && !(isDue(article.day, now) && dueCount() <= 3);
        const day = ahead ? dayOf(offsetOf(now) + int(1, 4)) : random() < 0.3 ? today : pastDay();
        operations.push(write(existing, { ...article, day }));
      } else {
        const days = int(1, 3);
        now = new Date(now.getTime() + days * 86_400_000);
        operations.push({ clockDays: days });
      }
    }
    plan.push(operations);
  }
  return { itemLimit, start, steps: plan };
}

// ---------------------------------------------------------------------------------------------
// Reading the chain: every document from a feed through its older archives, as a reader does.
// ---------------------------------------------------------------------------------------------

type Format = 'rss' | 'atom' | 'json';
const FEEDS: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };
const ARCHIVE_KEY: Record<Format, RegExp> = {
  rss: /^archive\/rss-(\d+)\.xml$/,
  atom: /^archive\/atom-(\d+)\.xml$/,
  json: /^archive\/feed-(\d+)\.json$/,
};

interface Entry {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly content: string;
  readonly day: string;
}

interface Document {
  readonly key: string;
  readonly entries: readonly Entry[];
  readonly cacheControl: string | undefined;
  readonly self?: string;
  readonly current?: string;
  readonly older?: string;
  readonly newer?: string;
  /** Marked `<fh:archive/>`. */
  readonly archive: boolean;
}

type Objects = ReadonlyMap<string, { body: Uint8Array; cacheControl?: string }>;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : String((value as { '#text'?: unknown } | undefined)?.['#text'] ?? '');
type Link = { '@rel'?: string; '@href': string };
const rel = (links: readonly Link[], name: string) => links.find((link) => link['@rel'] === name)?.['@href'];

function parseDocument(format: Format, key: string, object: { body: Uint8Array; cacheControl?: string }): Document {
  const source = text(object.body);
  const cacheControl = object.cacheControl;
  if (format === 'json') {
    const feed = JSON.parse(source) as {
      feed_url?: string;
      next_url?: string;
      items: { id: string; url: string; title: string; content_html: string; date_published: string }[];
    };
    return {
      key,
      cacheControl,
      archive: false,
      ...(feed.feed_url === undefined ? {} : { self: feed.feed_url }),
      ...(feed.next_url === undefined ? {} : { older: feed.next_url }),
      entries: feed.items.map((item) => ({
        id: item.id,
        url: item.url,
        title: item.title,
        content: item.content_html,
        day: item.date_published.slice(0, 10),
      })),
    };
  }
  const parsed = xml.parse(source) as { rss?: { channel: Record<string, unknown> }; feed?: Record<string, unknown> };
  const container = format === 'rss' ? parsed.rss!.channel : parsed.feed!;
  const links = asArray((format === 'rss' ? container['atom:link'] : container.link) as Link | Link[] | undefined);
  const items = asArray((format === 'rss' ? container.item : container.entry) as Record<string, unknown> | Record<string, unknown>[]);
  const history = {
    self: rel(links, 'self'),
    current: rel(links, 'current'),
    older: rel(links, 'prev-archive'),
    newer: rel(links, 'next-archive'),
  };
  return {
    key,
    cacheControl,
    archive: 'fh:archive' in container,
    ...Object.fromEntries(Object.entries(history).filter(([, href]) => href !== undefined)),
    entries: items.map((item) =>
      format === 'rss'
        ? {
            id: textOf(item.guid),
            url: textOf(item.link),
            title: textOf(item.title),
            content: textOf(item['content:encoded']),
            day: new Date(textOf(item.pubDate)).toISOString().slice(0, 10),
          }
        : {
            id: textOf(item.id),
            url: asArray(item.link as Link | Link[]).find((link) => link['@rel'] === undefined || link['@rel'] === 'alternate')!['@href'],
            title: textOf(item.title),
            content: textOf(item.content),
            day: textOf(item.published).slice(0, 10),
          },
    ),
  };
}

/** The chain from the feed: the documents in the order a reader meets them, and what went wrong on the way. */
function follow(objects: Objects, format: Format): { documents: Document[]; problems: string[] } {
  const documents: Document[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let from = '(start)';
  for (let key: string | undefined = FEEDS[format]; key !== undefined; ) {
    if (seen.has(key)) {
      problems.push(`${format}: ${from} links back to ${key}, a document already in the chain`);
      break;
    }
    seen.add(key);
    const object = objects.get(key);
    if (object === undefined) {
      problems.push(`${format}: ${from} links to ${key}, which is not in the bucket`);
      break;
    }
    const document = parseDocument(format, key, object);
    documents.push(document);
    from = key;
    if (document.older !== undefined && !document.older.startsWith(SITE)) {
      problems.push(`${format}: ${key} links to ${document.older}, outside the site`);
      break;
    }
    key = document.older?.slice(SITE.length);
  }
  return { documents, problems };
}

// ---------------------------------------------------------------------------------------------
// The invariants.
// ---------------------------------------------------------------------------------------------

/** The ranking's order: later days first, then file name (byte order). */
const newerFirst = (a: { day: string; fileName: string }, b: { day: string; fileName: string }) =>
  a.day !== b.day ? (a.day > b.day ? -1 : 1) : compare(a.fileName, b.fileName);

interface Expected {
  /** Published articles by id, newest first. */
  readonly ranked: readonly { id: string; fileName: string; article: Article }[];
  readonly byId: ReadonlyMap<string, { fileName: string; article: Article }>;
}

function expected(seeds: ReadonlyMap<string, Article>, now: Date): Expected {
  const ranked = [...seeds]
    .filter(([, article]) => isDue(article.day, now))
    .map(([fileName, article]) => ({ id: idOf(fileName), fileName, article, day: article.day }))
    .sort(newerFirst);
  return { ranked, byId: new Map(ranked.map((entry) => [entry.id, entry])) };
}

/**
 * Every invariant a subscriber relies on, for one published state; each problem in words.
 * `urls` carries each article's page URL from run to run: a permalink never moves.
 */
function check(objects: Objects, seeds: ReadonlyMap<string, Article>, now: Date, itemLimit: number, urls: Map<string, string>): string[] {
  const problems: string[] = [];
  const { ranked, byId } = expected(seeds, now);
  const rankOf = new Map(ranked.map((entry, index) => [entry.id, index]));
  const partitions: Record<string, string[][]> = {};
  const linkedPages = new Map<string, string>();

  for (const format of ['rss', 'atom', 'json'] as const) {
    const { documents, problems: walk } = follow(objects, format);
    problems.push(...walk);
    const ids = documents.flatMap((document) => document.entries.map((entry) => entry.id));
    const say = (problem: string) => problems.push(`${format}: ${problem}`);

    // 1. Every published article exactly once.
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
    if (duplicates.length > 0) say(`listed twice: ${[...new Set(duplicates)].join(', ')}`);
    const missing = ranked.filter(({ id }) => !ids.includes(id)).map(({ id }) => id);
    if (missing.length > 0) say(`missing: ${missing.join(', ')}`);
    const extra = [...new Set(ids)].filter((id) => !byId.has(id));
    if (extra.length > 0) say(`not published, yet listed: ${extra.join(', ')}`);

    // 2. Newest first: each document holds a run of the ranking, the newer documents first; within
    // one document, items of one day go by id, as the feed model orders them.
    if (duplicates.length === 0 && missing.length === 0 && extra.length === 0) {
      const byRank = documents.flatMap((document) =>
        document.entries.map((entry) => entry.id).sort((a, b) => rankOf.get(a)! - rankOf.get(b)!),
      );
      if (byRank.join() !== ranked.map(({ id }) => id).join())
        say(`documents out of order: ${byRank.map((id) => id.slice(ID_PREFIX.length)).join(' ')}`);
      for (const document of documents) {
        const order = document.entries.map((entry) => entry.id);
        const sorted = [...order].sort((a, b) => {
          const [x, y] = [byId.get(a)!.article.day, byId.get(b)!.article.day];
          return x !== y ? (x > y ? -1 : 1) : compare(a, b);
        });
        if (order.join() !== sorted.join()) say(`${document.key} lists its items out of order`);
      }
    }

    // 3. The links RFC 5005 expects; 4. the sizes.
    const feedUrl = SITE + FEEDS[format];
    const [feed, ...archives] = documents;
    if (feed !== undefined) {
      if (feed.self !== feedUrl) say(`${feed.key}'s self link is ${feed.self}`);
      if (feed.archive || feed.current !== undefined || feed.newer !== undefined) say(`${feed.key} is marked or linked as an archive`);
      if (feed.entries.length !== Math.min(itemLimit, ranked.length))
        say(`${feed.key} has ${feed.entries.length} items, not ${Math.min(itemLimit, ranked.length)}`);
    }
    archives.forEach((document, index) => {
      const url = SITE + document.key;
      const number = ARCHIVE_KEY[format].exec(document.key)?.[1];
      if (number !== String(archives.length - index)) say(`archive ${index + 1} of ${archives.length} from the feed is ${document.key}`);
      if (document.self !== url) say(`${document.key}'s self link is ${document.self}`);
      if (format !== 'json') {
        if (!document.archive) say(`${document.key} is not marked fh:archive`);
        if (document.current !== feedUrl) say(`${document.key}'s current link is ${document.current}`);
        const newer = index === 0 ? undefined : SITE + archives[index - 1]!.key;
        if (document.newer !== newer) say(`${document.key}'s next-archive is ${document.newer}, not ${newer}`);
      }
      if (document.entries.length === 0) say(`${document.key} is empty`);
      if (document.entries.length > 2 * itemLimit) say(`${document.key} has ${document.entries.length} items, over ${2 * itemLimit}`);
      const cacheControl = index === 0 ? 'max-age=300' : 'max-age=86400';
      if (document.cacheControl !== cacheControl) say(`${document.key} is served with ${document.cacheControl}, not ${cacheControl}`);
    });

    // Each item as its seed now says, at a page that exists and stays where it was.
    for (const document of documents) {
      for (const entry of document.entries) {
        const seedNow = byId.get(entry.id);
        if (seedNow === undefined) continue;
        const { article } = seedNow;
        if (entry.title !== article.title) say(`${document.key} has "${entry.title}" for ${entry.id}, now "${article.title}"`);
        if (!entry.content.includes(article.body)) say(`${document.key} has stale text for ${entry.id}: ${entry.content}`);
        if (entry.day !== article.day) say(`${document.key} dates ${entry.id} ${entry.day}, now ${article.day}`);
        const key = entry.url.startsWith(SITE) ? decodeURIComponent(entry.url.slice(SITE.length)) : entry.url;
        if (!key.startsWith('articles/') || !objects.has(key))
          say(`${document.key} links ${entry.id} to ${entry.url}, which is not in the bucket`);
        const before = linkedPages.get(entry.id);
        if (before !== undefined && before !== entry.url) say(`${entry.id} links to ${entry.url} here, to ${before} in another format`);
        linkedPages.set(entry.id, entry.url);
        const earlier = urls.get(entry.id);
        if (earlier !== undefined && earlier !== entry.url) say(`${entry.id} moved from ${earlier} to ${entry.url}`);
      }
    }
    partitions[format] = documents.map((document) => document.entries.map((entry) => entry.id).sort());
  }
  for (const [id, url] of linkedPages) urls.set(id, url);

  // The same pages in every format.
  if (
    JSON.stringify(partitions.rss) !== JSON.stringify(partitions.atom) ||
    JSON.stringify(partitions.rss) !== JSON.stringify(partitions.json)
  )
    problems.push('the formats cut the archive into different pages');

  // 5. Every page linked exists; no page is left of an article not published.
  for (const key of linkedKeys(objects))
    if (!objects.has(key)) problems.push(`the feeds or the index link to ${key}, which is not in the bucket`);
  const pages = new Set([...linkedPages.values()].map((url) => decodeURIComponent(url.slice(SITE.length))));
  const stray = [...objects.keys()].filter((key) => key.startsWith('articles/') && !pages.has(key));
  if (stray.length > 0) problems.push(`pages of no published article remain: ${stray.join(', ')}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Replaying a scenario.
// ---------------------------------------------------------------------------------------------

const render = (article: Article) => seed(article.day, article.title, article.body);

function describeOperation(operation: Operation): string {
  if ('clockDays' in operation) return `clock ${operation.clockDays > 0 ? '+' : ''}${operation.clockDays}d`;
  if ('delete' in operation) return `delete ${operation.delete}`;
  const { day, title, body } = operation.article;
  return `write ${operation.write} (${day}, ${title}, ${body})`;
}

/** Runs the scenario, checking after every run; the problems of the first run that has any, with where. */
async function replay(scenario: Scenario): Promise<string[]> {
  const seeds = new Map<string, Article>();
  for (const operation of scenario.start) if ('write' in operation) seeds.set(operation.write, operation.article);
  const config = testFeedConfig({ itemLimit: scenario.itemLimit });
  const site = memorySite(Object.fromEntries([...seeds].map(([fileName, article]) => [fileName, render(article)])), {
    now: START,
    config,
    maxUnpublishShare: MAX_UNPUBLISH_SHARE,
  });
  const urls = new Map<string, string>();
  let published = new Set<string>();

  const runAndCheck = async (where: string): Promise<string[]> => {
    // Past the unpublish guard only when the deletions exceed the share it allows.
    const gone = [...published].filter((fileName) => !seeds.has(fileName)).length;
    const force = gone > Math.floor(published.size * MAX_UNPUBLISH_SHARE);
    try {
      await site.run({ force });
    } catch (error) {
      return [`${where}: publish failed: ${String(error)}`];
    }
    published = new Set([...seeds].filter(([, article]) => isDue(article.day, site.now)).map(([fileName]) => fileName));
    const problems = check(site.site.objects, seeds, site.now, scenario.itemLimit, urls);
    // 6. Nothing changed: nothing written, nothing deleted, the same bytes.
    const before = site.snapshot();
    const again = await site.run();
    if (again.objects.written !== 0 || again.objects.deleted !== 0)
      problems.push(
        `a run with nothing changed wrote ${again.objects.writtenKeys.join(', ')} and deleted ${again.objects.deletedKeys.join(', ')}`,
      );
    if (JSON.stringify(site.snapshot()) !== JSON.stringify(before)) problems.push('a run with nothing changed changed the bucket');
    return problems.map((problem) => `${where}${force ? ' (forced)' : ''}: ${problem}`);
  };

  const first = await runAndCheck('first run');
  if (first.length > 0) return first;
  for (const [index, operations] of scenario.steps.entries()) {
    for (const operation of operations) {
      if ('clockDays' in operation) site.now = new Date(site.now.getTime() + operation.clockDays * 86_400_000);
      else if ('delete' in operation) {
        seeds.delete(operation.delete);
        await site.deleteSeed(operation.delete);
      } else {
        seeds.set(operation.write, operation.article);
        await site.writeSeed(operation.write, render(operation.article));
      }
    }
    const problems = await runAndCheck(`step ${index + 1} [${operations.map(describeOperation).join('; ')}]`);
    if (problems.length > 0) return problems;
  }

  // The same seeds published afresh: the same articles in the chain (pages may be cut elsewhere).
  const fresh = memorySite(Object.fromEntries([...seeds].map(([fileName, article]) => [fileName, render(article)])), {
    now: site.now,
    config,
  });
  await fresh.run();
  const problems = check(fresh.site.objects, seeds, fresh.now, scenario.itemLimit, new Map()).map((problem) => `fresh publish: ${problem}`);
  for (const format of ['rss', 'atom', 'json'] as const) {
    const idsOf = (objects: Objects) => follow(objects, format).documents.flatMap((document) => document.entries.map((entry) => entry.id));
    const [history, afresh] = [idsOf(site.site.objects), idsOf(fresh.site.objects)];
    if ([...history].sort().join() !== [...afresh].sort().join())
      problems.push(`${format}: the chain holds other articles than a fresh publish's`);
    const feedIds = (objects: Objects) =>
      follow(objects, format)
        .documents[0]?.entries.map((entry) => entry.id)
        .join();
    if (feedIds(site.site.objects) !== feedIds(fresh.site.objects))
      problems.push(`${format}: the feed's items differ from a fresh publish's`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

const SEEDS = Array.from({ length: 20 }, (_, index) => 1000 + 7919 * index);
const STEPS = 25;

describe('archives over a history of runs', () => {
  for (const seedValue of SEEDS) {
    it(`keep every invariant through ${STEPS} random steps (seed ${seedValue})`, async () => {
      // Prepare
      const scenario = generate(seedValue, STEPS);

      // Act
      const problems = await replay(scenario);

      // Assess
      expect(problems).toEqual([]);
    });
  }
});

/** A seed write in a scenario: added or edited. */
const write = (fileName: string, day: string, title: string, body = `Text of ${stem(fileName)}.`): Operation => ({
  write: fileName,
  article: { day, title, body },
});

describe('archives over a history of runs: cases found', () => {
  // A run whose clock is behind an edit date the manifest records (a build with `--now` ahead of
  // the real clock, then a run on the real clock) drops that date and keeps the rest of the
  // records: every slug stays given out, so no permalink moves and no page is left behind.
  it('keep each permalink when the clock is set back before an edit the manifest records', async () => {
    // Prepare: three articles, one retitled (the manifest dates the edit at that run's clock).
    const scenario: Scenario = {
      itemLimit: 2,
      start: [
        write('2026-03-01-harbour.txt', '2026-03-01', 'Harbour news'),
        write('2026-03-02-bridge.txt', '2026-03-02', 'Bridge opens'),
        write('2026-03-03-market.txt', '2026-03-03', 'Market report'),
      ],
      steps: [[write('2026-03-01-harbour.txt', '2026-03-01', 'Ferry returns')], [{ clockDays: -1 }]],
    };

    // Act
    const problems = await replay(scenario);

    // Assess: the article is still at articles/2026-03-01-harbour-news.html, and no other page is left.
    expect(problems).toEqual([]);
  });
});
