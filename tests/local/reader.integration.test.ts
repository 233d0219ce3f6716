/**
 * What a feed reader relies on, over real HTTP, against what `npm start` serves (`startLocal`
 * in-process on port 0, as tests/local/start.integration.test.ts does): content types and
 * Cache-Control, conditional requests, validators that stay put across a republish with nothing
 * new, 404 for a missing page, and self and item links that lead where they say.
 *
 * The repository's seeds are published with `FEED_ITEM_LIMIT=3`, so that the seven articles
 * fill the feeds and two RFC 5005 archives: `archive/*-1` full and closed (Cache-Control of a
 * day), `archive/*-2` the newest, still filling (the feeds' Cache-Control).
 *
 * Locally the objects are served by s3rver; in production by S3 behind CloudFront. Where s3rver
 * answers differently from S3 (see each test), only what both do is asserted.
 */
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region } from '../../src/local/embedded-s3.js';
import { LOCAL_BUCKET, startLocal, type Started, type StartIo } from '../../src/local/start.js';
import { ARCHIVE_CACHE_CONTROL, CONTENT_TYPES, DEFAULT_CACHE_CONTROL } from '../../src/site-files.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { seed, type TempDir } from '../publish/support.js';
import { checkout } from './support.js';

/** Small enough that the seven seeds also make one closed and one newest archive. */
const ITEM_LIMIT = '3';

/** `npm start -- --port N` in `dir`, in process; fails the test with what it printed when it does not start. */
async function serve(dir: TempDir, port = 0): Promise<Started> {
  const err: string[] = [];
  const io: StartIo = { cwd: dir.path, env: { FEED_ITEM_LIMIT: ITEM_LIMIT }, stdout: () => {}, stderr: (line) => err.push(line) };
  const result = await startLocal(['--port', String(port)], io);
  expect(result.code, err.join('\n')).toBe(0);
  return result.started!;
}

interface RawResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every byte the server sent after the header block. */
  readonly body: Buffer;
}

/**
 * One HTTP/1.1 request on its own connection, closed by the server after the response, so the
 * bytes after the header block are exactly what the server sent as a body. fetch() would drop a
 * body sent with a 304 or a HEAD answer without telling.
 */
async function rawRequest(url: string, method: 'GET' | 'HEAD', headers: Readonly<Record<string, string>> = {}): Promise<RawResponse> {
  const { hostname, port, pathname, search } = new URL(url);
  const socket = connect(Number(port), hostname);
  const head = [`${method} ${pathname}${search} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  expect(end, all.toString('latin1')).toBeGreaterThan(0);
  const [statusLine = '', ...fields] = all.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
  const parsed: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    parsed[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  return { status, headers: parsed, body: all.subarray(end + 4) };
}

interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

async function validators(url: string): Promise<Validators> {
  const response = await fetch(url, { method: 'HEAD' });
  expect(response.status, url).toBe(200);
  return { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
}

/** The published keys (everything but the manifest), as S3 lists them. */
async function publishedKeys(started: Started): Promise<string[]> {
  const client = createS3Client({
    region: localS3Region,
    endpoint: started.server.endpoint,
    forcePathStyle: true,
    credentials: localS3Credentials,
  });
  try {
    const listed = await new S3Storage({ client, bucket: LOCAL_BUCKET }).list('');
    return listed.map((object) => object.key).filter((key) => !key.startsWith('_publish/'));
  } finally {
    client.destroy();
  }
}

/** ETag and Last-Modified of every published object, by key. */
async function snapshot(started: Started, keys: readonly string[]): Promise<Record<string, Validators>> {
  const entries = await Promise.all(keys.map(async (key) => [key, await validators(`${started.siteUrl}${key}`)] as const));
  return Object.fromEntries(entries);
}

/** Resolves once the clock is in a later second than `httpDate`, so that a write now gets a later Last-Modified. */
async function nextSecondAfter(httpDate: string): Promise<void> {
  const wait = Date.parse(httpDate) + 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) => ['item', 'entry', 'link', 'atom:link'].includes(name),
});

interface XmlLink {
  readonly '@_href'?: string;
  readonly '@_rel'?: string;
}

interface RssDocument {
  rss: { channel: { 'atom:link'?: XmlLink[]; item?: { link?: string[] }[] } };
}

interface AtomDocument {
  feed: { link?: XmlLink[]; entry?: { link?: XmlLink[] }[] };
}

interface JsonFeedDocument {
  feed_url?: string;
  next_url?: string;
  items: { url?: string }[];
}

/** What a reader takes from one feed or archive document: its self link, its items' links and the next older archive. */
interface FeedLinks {
  readonly self: string | undefined;
  readonly items: readonly (string | undefined)[];
  readonly older: string | undefined;
}

const readLinks = {
  rss(text: string): FeedLinks {
    const channel = (xml.parse(text) as RssDocument).rss.channel;
    const links = channel['atom:link'] ?? [];
    return {
      self: links.find((link) => link['@_rel'] === 'self')?.['@_href'],
      items: (channel.item ?? []).map((item) => item.link?.[0]),
      older: links.find((link) => link['@_rel'] === 'prev-archive')?.['@_href'],
    };
  },
  atom(text: string): FeedLinks {
    const feed = (xml.parse(text) as AtomDocument).feed;
    const links = feed.link ?? [];
    return {
      self: links.find((link) => link['@_rel'] === 'self')?.['@_href'],
      // An entry's link without rel is its alternate (RFC 4287, 4.2.7.2).
      items: (feed.entry ?? []).map(
        (entry) => (entry.link ?? []).find((link) => (link['@_rel'] ?? 'alternate') === 'alternate')?.['@_href'],
      ),
      older: links.find((link) => link['@_rel'] === 'prev-archive')?.['@_href'],
    };
  },
  json(text: string): FeedLinks {
    const feed = JSON.parse(text) as JsonFeedDocument;
    return { self: feed.feed_url, items: feed.items.map((item) => item.url), older: feed.next_url };
  },
} as const;

describe('what npm start serves to a feed reader', () => {
  let dir: TempDir;
  let started: Started;
  /** The newest article's page, as the JSON Feed links it. */
  let articleUrl: string;

  beforeAll(async () => {
    // Prepare (shared): one publish of the seeds, served for the whole block.
    dir = await checkout('reader-http-');
    started = await serve(dir);
    const feed = (await (await fetch(`${started.siteUrl}feed.json`)).json()) as JsonFeedDocument;
    articleUrl = feed.items[0]!.url!;
    expect(articleUrl.startsWith(`${started.siteUrl}articles/`), articleUrl).toBe(true);
  });

  afterAll(async () => {
    await started?.server.close();
    await dir?.remove();
  });

  /** What a reader fetches, with the headers the publisher writes each object with (src/site-files.ts). */
  const documents = [
    { name: 'the RSS feed', path: 'rss.xml', type: CONTENT_TYPES.rss, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'the Atom feed', path: 'atom.xml', type: CONTENT_TYPES.atom, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'the JSON Feed', path: 'feed.json', type: CONTENT_TYPES.json, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'the index page', path: 'index.html', type: CONTENT_TYPES.html, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'an article page', path: undefined, type: CONTENT_TYPES.html, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'a closed RSS archive', path: 'archive/rss-1.xml', type: CONTENT_TYPES.rss, cacheControl: ARCHIVE_CACHE_CONTROL },
    { name: 'a closed Atom archive', path: 'archive/atom-1.xml', type: CONTENT_TYPES.atom, cacheControl: ARCHIVE_CACHE_CONTROL },
    { name: 'a closed JSON Feed archive', path: 'archive/feed-1.json', type: CONTENT_TYPES.json, cacheControl: ARCHIVE_CACHE_CONTROL },
    { name: 'the newest RSS archive', path: 'archive/rss-2.xml', type: CONTENT_TYPES.rss, cacheControl: DEFAULT_CACHE_CONTROL },
    { name: 'the newest JSON Feed archive', path: 'archive/feed-2.json', type: CONTENT_TYPES.json, cacheControl: DEFAULT_CACHE_CONTROL },
  ] as const;

  const urlOf = (path: string | undefined) => (path === undefined ? articleUrl : `${started.siteUrl}${path}`);

  describe.each(documents)('$name', ({ path, type, cacheControl }) => {
    it('answers GET with 200, its content type with charset, and the Cache-Control it was published with', async () => {
      // Act
      const response = await fetch(urlOf(path));
      const body = Buffer.from(await response.arrayBuffer());

      // Assess
      // RSS and Atom go out as application/xml, not application/rss+xml or application/atom+xml,
      // so that browsers render them with feed.css (README, "In a browser"); readers go by the bytes.
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toBe(cacheControl);
      expect(body.length).toBeGreaterThan(0);
      expect(response.headers.get('content-length')).toBe(String(body.length));
    });

    it('carries an ETag and a Last-Modified, and answers a conditional GET with either of them with 304 and no body', async () => {
      // Prepare
      const url = urlOf(path);
      const full = await rawRequest(url, 'GET');
      const etag = full.headers.etag;
      const lastModified = full.headers['last-modified'];

      // Act
      const byEtag = await rawRequest(url, 'GET', { 'If-None-Match': etag! });
      const byDate = await rawRequest(url, 'GET', { 'If-Modified-Since': lastModified! });

      // Assess
      expect(full.status).toBe(200);
      // A strong ETag: the MD5 of the bytes, as S3 gives a single-part PUT (src/storage/etag.ts).
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(lastModified).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(Date.parse(lastModified!)).toBeLessThanOrEqual(Date.now());
      expect(byEtag.status).toBe(304);
      expect(byEtag.body.length).toBe(0);
      expect(byDate.status).toBe(304);
      expect(byDate.body.length).toBe(0);
    });

    it('answers a conditional GET with another ETag, or an earlier date, with the whole document', async () => {
      // Prepare
      const url = urlOf(path);
      const full = await rawRequest(url, 'GET');
      const earlier = new Date(Date.parse(full.headers['last-modified']!) - 60_000).toUTCString();

      // Act
      const byOtherEtag = await rawRequest(url, 'GET', { 'If-None-Match': '"00000000000000000000000000000000"' });
      const byEarlierDate = await rawRequest(url, 'GET', { 'If-Modified-Since': earlier });

      // Assess
      expect(byOtherEtag.status).toBe(200);
      expect(byOtherEtag.body.equals(full.body)).toBe(true);
      expect(byEarlierDate.status).toBe(200);
      expect(byEarlierDate.body.equals(full.body)).toBe(true);
    });

    it('answers HEAD with the headers of a GET and no body', async () => {
      // Prepare
      const url = urlOf(path);
      const full = await rawRequest(url, 'GET');

      // Act
      const head = await rawRequest(url, 'HEAD');

      // Assess
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      const same = ['content-type', 'content-length', 'cache-control', 'etag', 'last-modified'] as const;
      expect(Object.fromEntries(same.map((name) => [name, head.headers[name]]))).toEqual(
        Object.fromEntries(same.map((name) => [name, full.headers[name]])),
      );
      expect(head.headers['content-length']).toBe(String(full.body.length));
    });
  });

  it('answers a missing page, article or archive with 404 (neither 403 nor 500), to GET and to HEAD', async () => {
    // Prepare
    const missing = ['no-such-page.html', 'articles/2026-01-01-no-such-article.html', 'archive/rss-99.xml', 'no-such-folder/'];

    // Act
    const gets = await Promise.all(missing.map((path) => rawRequest(`${started.siteUrl}${path}`, 'GET')));
    const heads = await Promise.all(missing.map((path) => rawRequest(`${started.siteUrl}${path}`, 'HEAD')));

    // Assess
    expect(gets.map((response) => response.status)).toEqual(missing.map(() => 404));
    expect(heads.map((response) => response.status)).toEqual(missing.map(() => 404));
    // The publisher's 404.html, as CloudFront answers a 404 (infra/cdn.yml, CustomErrorResponses).
    const notFound = (await rawRequest(`${started.siteUrl}404.html`, 'GET')).body;
    for (const response of gets) expect(response.body.equals(notFound)).toBe(true);
    for (const response of [...gets, ...heads]) expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('publishes the 404 page that CloudFront answers a missing page with', async () => {
    // Act
    const response = await fetch(`${started.siteUrl}404.html`);
    const html = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPES.html);
    expect(response.headers.get('cache-control')).toBe(DEFAULT_CACHE_CONTROL);
    expect(html).toMatch(/<title>Page not found/);
  });

  describe.each([
    { format: 'rss', feed: 'rss.xml' },
    { format: 'atom', feed: 'atom.xml' },
    { format: 'json', feed: 'feed.json' },
  ] as const)('the $format feed and its archives', ({ format, feed }) => {
    it('name as their self link the URL each was fetched from, and every item link answers 200 with a page', async () => {
      // Prepare
      const fetched: string[] = [];
      const selfLinks: (string | undefined)[] = [];
      const itemLinks: (string | undefined)[] = [];

      // Act: what a reader does to get the whole history, the feed and then each older archive.
      let next: string | undefined = `${started.siteUrl}${feed}`;
      while (next !== undefined && fetched.length < 10) {
        const response: Response = await fetch(next);
        expect(response.status, next).toBe(200);
        const links = readLinks[format](await response.text());
        fetched.push(next);
        selfLinks.push(links.self);
        itemLinks.push(...links.items);
        next = links.older;
      }
      const pages = await Promise.all(
        itemLinks.map(async (link) => {
          const response = await fetch(link ?? 'about:blank');
          await response.arrayBuffer();
          return { link, status: response.status, type: response.headers.get('content-type') };
        }),
      );

      // Assess
      expect(fetched).toEqual([
        `${started.siteUrl}${feed}`,
        `${started.siteUrl}archive/${feed.replace('.', '-2.')}`,
        `${started.siteUrl}archive/${feed.replace('.', '-1.')}`,
      ]);
      expect(selfLinks).toEqual(fetched);
      // Every published article exactly once across the feed and its archives.
      expect(new Set(itemLinks).size).toBe(started.summary.articles.published);
      expect(itemLinks).toHaveLength(started.summary.articles.published);
      for (const page of pages) {
        expect(page.link?.startsWith(`${started.siteUrl}articles/`), page.link).toBe(true);
        expect(page, page.link).toEqual({ link: page.link, status: 200, type: CONTENT_TYPES.html });
      }
    });
  });
});

describe('validators across republishes', () => {
  let dir: TempDir | undefined;
  let started: Started | undefined;

  afterEach(async () => {
    await started?.server.close();
    started = undefined;
    await dir?.remove();
    dir = undefined;
  });

  /** A second `npm start` on the same folder and port (the port is part of every link). */
  async function republish(): Promise<Started> {
    const port = started!.server.port;
    await started!.server.close();
    started = undefined;
    started = await serve(dir!, port);
    return started;
  }

  it('after a republish that changes nothing, every object keeps its ETag and Last-Modified, and a polling reader gets 304', async () => {
    // Prepare
    dir = await checkout('reader-republish-');
    started = await serve(dir);
    const keys = await publishedKeys(started);
    const before = await snapshot(started, keys);
    // A later second, so that any object written again would show a later Last-Modified.
    await nextSecondAfter(
      Object.values(before)
        .map((entry) => entry.lastModified!)
        .sort((a, b) => Date.parse(b) - Date.parse(a))[0]!,
    );

    // Act
    const again = await republish();

    // Assess
    expect(again.summary.objects.written).toBe(0);
    expect(await publishedKeys(again)).toEqual(keys);
    expect(await snapshot(again, keys)).toEqual(before);
    for (const feed of ['rss.xml', 'atom.xml', 'feed.json']) {
      const { etag, lastModified } = before[feed]!;
      const byEtag = await rawRequest(`${again.siteUrl}${feed}`, 'GET', { 'If-None-Match': etag! });
      const byDate = await rawRequest(`${again.siteUrl}${feed}`, 'GET', { 'If-Modified-Since': lastModified! });
      expect([feed, byEtag.status, byEtag.body.length, byDate.status, byDate.body.length]).toEqual([feed, 304, 0, 304, 0]);
    }
  });

  it('after one article is added, the feeds get a new ETag and a later Last-Modified while unchanged pages keep theirs', async () => {
    // Prepare
    dir = await checkout('reader-added-');
    started = await serve(dir);
    const publishedBefore = started.summary.articles.published;
    const keys = await publishedKeys(started);
    const before = await snapshot(started, keys);
    await nextSecondAfter(
      Object.values(before)
        .map((entry) => entry.lastModified!)
        .sort((a, b) => Date.parse(b) - Date.parse(a))[0]!,
    );
    // Newer than every seed and already past, so that it tops the feeds at once.
    await writeFile(
      join(dir.path, 'seeds', '2026-02-20-tram-depot.txt'),
      seed('2026-02-20', 'Tram Depot Opens Its Doors', 'The old depot is open to visitors on Saturdays.'),
    );

    // Act
    const after = await republish();

    // Assess
    expect(after.summary.articles.published).toBe(publishedBefore + 1);
    const keysAfter = await publishedKeys(after);
    const added = keysAfter.filter((key) => !keys.includes(key));
    expect(added).toEqual(['articles/2026-02-20-tram-depot-opens-its-doors.html']);
    const now = await snapshot(after, keys);

    // The feeds and the index list the new article; the newest archive takes the item that left the feeds.
    for (const key of [
      'rss.xml',
      'atom.xml',
      'feed.json',
      'index.html',
      'archive/rss-2.xml',
      'archive/atom-2.xml',
      'archive/feed-2.json',
    ]) {
      expect(now[key]!.etag, key).not.toBe(before[key]!.etag);
      expect(Date.parse(now[key]!.lastModified!), key).toBeGreaterThan(Date.parse(before[key]!.lastModified!));
    }
    // Every article page that was there, the closed archives, the 404 page and feed.css are untouched.
    const untouched = keys.filter((key) => key.startsWith('articles/') || key.endsWith('-1.xml') || key.endsWith('-1.json'));
    expect(untouched).toHaveLength(publishedBefore + 3);
    for (const key of [...untouched, '404.html', 'feed.css']) expect(now[key], key).toEqual(before[key]);

    // A reader polling with what it last saw gets the new feed, not a 304.
    for (const feed of ['rss.xml', 'atom.xml', 'feed.json']) {
      const polled = await rawRequest(`${after.siteUrl}${feed}`, 'GET', {
        'If-None-Match': before[feed]!.etag!,
        'If-Modified-Since': before[feed]!.lastModified!,
      });
      expect(polled.status, feed).toBe(200);
      expect(polled.headers.etag, feed).toBe(now[feed]!.etag);
      expect(polled.body.toString('utf8'), feed).toContain('Tram Depot Opens Its Doors');
    }
  });
});
