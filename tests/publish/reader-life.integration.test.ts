/**
 * What a feed reader sees over a site's life: many `cli build` runs into one output folder, each
 * with its own fixed clock (`--now`), and a reader subscribed to rss.xml, atom.xml and feed.json
 * polling after every run. The reader here is written from the specifications, not from the
 * renderer: fast-xml-parser reads the documents, python3's feedparser (where installed) reads the
 * RSS and Atom ones again, and the chain is walked by its links in the output folder only.
 *
 * Last, `npm start` as a polling reader meets it: conditional GETs before and after a change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import {
  buildStartBundle,
  eventually,
  type Launched,
  launchProcess,
  printedUrls,
  rawRequest,
  saveWhole,
  serving,
  type StartBundle,
} from '../local/support.js';
import { tempDir, type TempDir } from './support.js';

// ---------------------------------------------------------------------------------------------
// A site built run after run by the CLI, with a fixed clock per run

const SITE = 'https://news.example.org/';
const ID_PREFIX = 'tag:news.example.org,2026:';
const FH = 'http://purl.org/syndication/history/1.0';

type Format = 'rss' | 'atom' | 'json';
const FORMATS: readonly Format[] = ['rss', 'atom', 'json'];
const FEED_KEYS: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** The item id the README promises: the prefix, `articles/`, the file name without `.txt`, in NFC, percent-encoded. */
const idOf = (fileName: string) => `${ID_PREFIX}articles/${encodeURIComponent(fileName.normalize('NFC').replace(/\.txt$/i, ''))}`;
const seed = (day: string, title: string, ...paragraphs: string[]) =>
  `${[`date ${day} ${title}`, ...(paragraphs.length > 0 ? paragraphs : [`The story of ${title}.`])].join('\n\n')}\n`;

const folders: TempDir[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await folder.remove();
});

interface Site {
  readonly seeds: string;
  readonly out: string;
  config: Record<string, unknown>;
  write(name: string, content: string | Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** One `cli build` at `now`; it must succeed. */
  run(now: string): Promise<void>;
  /** A file of the output folder, by the key a link names. */
  has(key: string): boolean;
  read(key: string): string;
}

async function site(itemLimit: number): Promise<Site> {
  const dir = await tempDir('reader-life-');
  folders.push(dir);
  const seeds = join(dir.path, 'seeds');
  const out = join(dir.path, 'out');
  await mkdir(seeds);
  const configFile = join(dir.path, 'site.config.json');
  const state: Site = {
    seeds,
    out,
    config: {
      title: 'Example News',
      description: 'Reports from an example newsroom.',
      siteUrl: SITE,
      language: 'en',
      author: { name: 'News Desk', email: 'desk@example.org' },
      idPrefix: ID_PREFIX,
      publishTime: '00:00',
      timeZone: 'UTC',
      itemLimit,
      ttlMinutes: 60,
    },
    write: (name, content) => writeFile(join(seeds, name), content),
    remove: (name) => unlink(join(seeds, name)),
    rename: (from, to) => rename(join(seeds, from), join(seeds, to)),
    async run(now) {
      await writeFile(configFile, JSON.stringify(state.config));
      const said: string[] = [];
      const code = await runCli(['build', '--seeds', seeds, '--out', out, '--config', configFile, '--now', now], {
        stdout: (line) => said.push(line),
        stderr: (line) => said.push(line),
        // Some steps unpublish a large share of a small site on purpose.
        env: { UNPUBLISH_MAX_SHARE: '1' },
        cwd: dir.path,
        now: () => new Date(now),
      });
      expect(code, said.join('\n')).toBe(0);
    },
    has: (key) => existsSync(join(out, key)),
    read: (key) => readFileSync(join(out, key), 'utf8'),
  };
  return state;
}

// ---------------------------------------------------------------------------------------------
// The reader: documents as the specifications describe them, and the chain by its links

interface ReaderItem {
  readonly id: string;
  readonly title: string;
  readonly link: string;
  /** Atom `updated`, JSON Feed `date_modified`; RSS has none. */
  readonly updated?: string;
  /** RSS `pubDate`, Atom `published`, JSON Feed `date_published`. */
  readonly published: string;
}

interface ReaderDocument {
  readonly key: string;
  readonly items: readonly ReaderItem[];
  /** The feed's own date: RSS `lastBuildDate`, Atom feed `updated`; JSON Feed has none. */
  readonly date?: string;
  readonly older?: string;
  readonly newer?: string;
  readonly current?: string;
  /** `<fh:archive/>` in the RFC 5005 namespace. */
  readonly markedArchive: boolean;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  htmlEntities: true,
  isArray: (name) => ['item', 'entry', 'link', 'atom:link'].includes(name),
});
type Node = Record<string, unknown>;
const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : value && typeof value === 'object' && '#text' in value ? String((value as Node)['#text']) : '';
/** Atom `type="html"` text as a reader shows it (the titles here hold no markup). */
const htmlText = (html: string) =>
  html.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower]!;
  });

function parseDocument(format: Format, key: string, body: string): ReaderDocument {
  if (format === 'json') {
    const feed = JSON.parse(body) as { next_url?: string; items: Node[] };
    return {
      key,
      markedArchive: false,
      ...(feed.next_url === undefined ? {} : { older: feed.next_url }),
      items: feed.items.map((item) => ({
        id: String(item.id),
        title: String(item.title ?? ''),
        link: String(item.url ?? ''),
        updated: String(item.date_modified ?? ''),
        published: String(item.date_published ?? ''),
      })),
    };
  }
  const parsed = xml.parse(body) as Node;
  const root = (format === 'rss' ? parsed.rss : parsed.feed) as Node;
  const container = format === 'rss' ? (root.channel as Node) : root;
  const links = ((format === 'rss' ? container['atom:link'] : container.link) ?? []) as Node[];
  const rel = (name: string) => links.find((link) => link['@_rel'] === name)?.['@_href'] as string | undefined;
  const entries = ((format === 'rss' ? container.item : container.entry) ?? []) as Node[];
  const [older, newer, current] = [rel('prev-archive'), rel('next-archive'), rel('current')];
  return {
    key,
    date: textOf(format === 'rss' ? container.lastBuildDate : container.updated),
    markedArchive: container['fh:archive'] !== undefined && root['@_xmlns:fh'] === FH,
    ...(older === undefined ? {} : { older }),
    ...(newer === undefined ? {} : { newer }),
    ...(current === undefined ? {} : { current }),
    items: entries.map((entry) =>
      format === 'rss'
        ? {
            id: textOf(entry.guid),
            title: textOf(entry.title),
            link: textOf((entry.link as unknown[])[0]),
            published: textOf(entry.pubDate),
          }
        : {
            id: textOf(entry.id),
            title: htmlText(textOf(entry.title)),
            link: String((entry.link as Node[])[0]?.['@_href'] ?? ''),
            updated: textOf(entry.updated),
            published: textOf(entry.published),
          },
    ),
  };
}

/** The output-folder key a site URL names, or undefined off the site. */
const keyOf = (url: string) => (url.startsWith(SITE) ? decodeURIComponent(url.slice(SITE.length)) : undefined);

interface Chain {
  readonly documents: readonly ReaderDocument[];
  /** Everything a reader would trip on while walking it. */
  readonly problems: readonly string[];
}

/**
 * From the subscription document through `prev-archive` (RSS, Atom) or `next_url` (JSON Feed) to
 * the end, in the output folder. Each archive must be marked `fh:archive` (RSS, Atom), link
 * `current` back to the feed and `next-archive` back to the document the walk came from; every
 * history link must name a file that exists; no document twice.
 */
function walk(s: Site, format: Format): Chain {
  const documents: ReaderDocument[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const feedKey = FEED_KEYS[format];
  let key: string | undefined = feedKey;
  let from = '(subscription)';
  while (key !== undefined) {
    if (seen.has(key)) {
      problems.push(`${format}: ${from} leads back to ${key}`);
      break;
    }
    seen.add(key);
    if (!s.has(key)) {
      problems.push(`${format}: ${from} links to ${key}, which is not in the output folder`);
      break;
    }
    const document = parseDocument(format, key, s.read(key));
    const before = documents.at(-1);
    documents.push(document);
    if (format !== 'json') {
      const archive = key !== feedKey;
      if (archive !== document.markedArchive) problems.push(`${format}: ${key} ${archive ? 'is not' : 'is'} marked fh:archive`);
      if (archive && document.current !== SITE + feedKey) problems.push(`${format}: ${key} links current to ${document.current}`);
      if (archive && before !== undefined && before.key !== feedKey && document.newer !== SITE + before.key)
        problems.push(`${format}: ${key} links next-archive to ${document.newer}, not to ${before.key}`);
      for (const url of [document.newer, document.current]) {
        const target = url === undefined ? undefined : keyOf(url);
        if (url !== undefined && (target === undefined || !s.has(target)))
          problems.push(`${format}: ${key} links to ${url}, not in the folder`);
      }
    }
    from = key;
    if (document.older === undefined) break;
    key = keyOf(document.older);
    if (key === undefined) problems.push(`${format}: ${from} links ${document.older} off the site`);
  }
  return { documents, problems };
}

const idsOf = (chain: Chain) => chain.documents.flatMap((document) => document.items.map((item) => item.id));
const sorted = (values: Iterable<string>) => [...values].sort();

/** A python3 with feedparser, if this machine has one. */
const FEEDPARSER = ['python3', '/usr/bin/python3'].find((python) => {
  try {
    execFileSync(python, ['-c', 'import feedparser'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

interface FeedparserView {
  readonly bozo: boolean;
  readonly archive: boolean;
  readonly older: string | null;
  readonly ids: string[];
}

/** The same RSS and Atom documents read by feedparser: ids, `prev-archive` and `fh:archive`. */
function feedparserViews(paths: readonly string[]): FeedparserView[] {
  const script = `
import feedparser, json, sys
out = []
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    older = [l.get('href') for l in d.feed.get('links', []) if l.get('rel') == 'prev-archive']
    out.append({'bozo': bool(d.bozo), 'archive': 'fh_archive' in d.feed, 'older': older[0] if older else None,
                'ids': [e.get('id') for e in d.entries]})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(FEEDPARSER!, ['-c', script, ...paths], { encoding: 'utf8' })) as FeedparserView[];
}

/**
 * What a subscriber to all three feeds must see after a run: every published article exactly
 * once in each format's chain, nothing else, and every link of every item leading to its page.
 */
function expectPublished(s: Site, published: Iterable<string>, when: string): Record<Format, Chain> {
  const want = sorted([...published].map(idOf));
  const chains = {} as Record<Format, Chain>;
  for (const format of FORMATS) {
    const chain = walk(s, format);
    chains[format] = chain;
    expect(chain.problems, `${when}: ${format}`).toEqual([]);
    const ids = idsOf(chain);
    expect(
      ids.filter((id, index) => ids.indexOf(id) !== index),
      `${when}: ${format} items seen twice`,
    ).toEqual([]);
    expect(sorted(ids), `${when}: ${format} items`).toEqual(want);
    const dead = chain.documents.flatMap((document) => document.items).filter((item) => !s.has(keyOf(item.link) ?? '\0'));
    expect(
      dead.map((item) => item.link),
      `${when}: ${format} item links to no page`,
    ).toEqual([]);
  }
  if (FEEDPARSER !== undefined) {
    for (const format of ['rss', 'atom'] as const) {
      const documents = chains[format].documents;
      const views = feedparserViews(documents.map((document) => join(s.out, document.key)));
      expect(
        views.map((view) => ({ ...view, ids: sorted(view.ids) })),
        `${when}: ${format} as feedparser reads it`,
      ).toEqual(
        documents.map((document, index) => ({
          bozo: false,
          archive: index > 0,
          older: document.older ?? null,
          ids: sorted(document.items.map((item) => item.id)),
        })),
      );
    }
  }
  return chains;
}

/** Each format's items by id, as one poll of the whole chain shows them. */
function poll(s: Site): Record<Format, Map<string, ReaderItem>> {
  const seen = {} as Record<Format, Map<string, ReaderItem>>;
  for (const format of FORMATS) {
    const chain = walk(s, format);
    expect(chain.problems, format).toEqual([]);
    seen[format] = new Map(chain.documents.flatMap((document) => document.items.map((item) => [item.id, item] as const)));
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------

describe('a reader subscribed over a site’s life (cli build, one folder, a fixed clock per run)', () => {
  it('reaches every published article exactly once from each feed through prev-archive, over additions, held articles, deep deletions, backdated articles and itemLimit changes', async () => {
    const s = await site(3);
    const published = new Set<string>();
    const add = async (name: string, day: string) => {
      await s.write(name, seed(day, `Article ${name.slice(0, -4)}`));
      published.add(name);
    };
    const drop = async (name: string) => {
      await s.remove(name);
      published.delete(name);
    };
    const pages = new Map<string, string>();
    const step = async (now: string, when: string) => {
      await s.run(now);
      const chains = expectPublished(s, published, when);
      for (const item of chains.json.documents.flatMap((document) => document.items)) pages.set(item.id, keyOf(item.link)!);
      // A deleted article's page is gone, as are the archive documents no chain reaches.
      for (const [id, page] of pages)
        if (![...published].map(idOf).includes(id)) expect(s.has(page), `${when}: page of deleted ${id}`).toBe(false);
    };

    for (let day = 1; day <= 10; day++) await add(`a${String(day).padStart(2, '0')}.txt`, `2026-01-${String(day).padStart(2, '0')}`);
    await step('2026-02-01T00:00:00Z', 'first publish of ten');

    await s.write('held.txt', seed('2026-02-10', 'Held Until Its Day'));
    await add('a11.txt', '2026-02-02');
    await step('2026-02-02T06:00:00Z', 'one added, one held');
    await step('2026-02-09T23:00:00Z', 'held one still held');
    published.add('held.txt');
    await step('2026-02-10T01:00:00Z', 'held one due');

    for (const name of ['a01.txt', 'a02.txt', 'a03.txt']) await drop(name);
    await step('2026-02-11T00:00:00Z', 'the oldest archive emptied');
    await drop('a06.txt');
    await step('2026-02-12T00:00:00Z', 'one deleted deep in history');

    for (let day = 1; day <= 2; day++) await add(`b0${day}.txt`, `2025-12-0${day}`);
    await step('2026-02-13T00:00:00Z', 'two backdated');
    for (let day = 3; day <= 9; day++) await add(`b0${day}.txt`, `2025-12-0${day}`);
    await step('2026-02-14T00:00:00Z', 'seven more backdated, past twice a page');
    await add('c01.txt', '2026-01-05');
    await step('2026-02-15T00:00:00Z', 'one backdated into the middle');

    s.config.itemLimit = 5;
    await step('2026-02-16T00:00:00Z', 'itemLimit 3 → 5');
    s.config.itemLimit = 2;
    await step('2026-02-17T00:00:00Z', 'itemLimit 5 → 2');
    await add('a12.txt', '2026-02-17');
    await drop('b05.txt');
    await step('2026-02-18T00:00:00Z', 'one added, one deleted');

    // Deleting every archived article leaves a feed with no archive to link to.
    const archived = [...published].filter((name) => !['a12.txt', 'held.txt'].includes(name));
    for (const name of archived) await drop(name);
    await step('2026-02-19T00:00:00Z', 'every archived article deleted');
    for (const format of FORMATS) expect(walk(s, format).documents.map((document) => document.key)).toEqual([FEED_KEYS[format]]);
  });

  it('keeps one id per article and shows edits in place: a title fix and a body edit move Atom updated and JSON date_modified forward, a CRLF, BOM or UTF-16 re-save and siteUrl’s trailing slash change nothing', async () => {
    const s = await site(2);
    for (let day = 1; day <= 5; day++) await s.write(`n${day}.txt`, seed(`2026-03-0${day}`, `Title ${day}`));
    await s.run('2026-04-01T00:00:00Z');
    const first = poll(s);
    const ids = sorted(first.atom.keys());
    expect(ids).toEqual(sorted(['n1.txt', 'n2.txt', 'n3.txt', 'n4.txt', 'n5.txt'].map(idOf)));

    // A title fix in the feeds (n5) and in the oldest archive (n1), a body edit in an archive (n3).
    await s.write('n5.txt', seed('2026-03-05', 'Title 5, Corrected'));
    await s.write('n1.txt', seed('2026-03-01', 'Title 1, Corrected'));
    await s.write('n3.txt', seed('2026-03-03', 'Title 3', 'The story of Title 3, with a correction.'));
    await s.run('2026-04-02T09:30:00Z');
    const edited = poll(s);
    for (const format of FORMATS) expect(sorted(edited[format].keys()), format).toEqual(ids);
    for (const name of ['n1.txt', 'n3.txt', 'n5.txt']) {
      const id = idOf(name);
      for (const format of FORMATS) {
        const [before, after] = [first[format].get(id)!, edited[format].get(id)!];
        expect({ link: after.link, published: after.published }, `${format} ${name}`).toEqual({
          link: before.link,
          published: before.published,
        });
        if (format !== 'rss') expect(Date.parse(after.updated!), `${format} ${name} updated`).toBeGreaterThan(Date.parse(before.updated!));
      }
    }
    expect(edited.rss.get(idOf('n5.txt'))!.title).toBe('Title 5, Corrected');
    expect(edited.atom.get(idOf('n1.txt'))!.title).toBe('Title 1, Corrected');
    for (const name of ['n2.txt', 'n4.txt']) expect(edited.json.get(idOf(name))!.updated, name).toBe(first.json.get(idOf(name))!.updated);

    // The same articles saved again by other editors: CRLF, a UTF-8 BOM, UTF-16 with its BOM.
    const documentsBefore = Object.fromEntries(
      FORMATS.flatMap((format) => walk(s, format).documents.map((document) => [document.key, s.read(document.key)])),
    );
    await s.write('n5.txt', seed('2026-03-05', 'Title 5, Corrected').replaceAll('\n', '\r\n'));
    await s.write('n1.txt', `\uFEFF${seed('2026-03-01', 'Title 1, Corrected')}`);
    await s.write('n2.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(seed('2026-03-02', 'Title 2'), 'utf16le')]));
    await s.run('2026-04-03T00:00:00Z');
    // siteUrl without its final slash is the same site.
    s.config.siteUrl = SITE.slice(0, -1);
    await s.run('2026-04-04T00:00:00Z');
    const resaved = poll(s);
    for (const format of FORMATS) expect([...resaved[format].values()], format).toEqual([...edited[format].values()]);
    for (const [key, body] of Object.entries(documentsBefore)) expect(s.read(key), key).toBe(body);
  });

  it('keeps the item of a seed saved again under a look-alike name (NFD form, upper-case .TXT): same id, same link, updated not going back', async () => {
    const s = await site(3);
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    await s.write(nfc, seed('2026-05-05', 'Cafe Reopens'));
    await s.write('tram.txt', seed('2026-05-04', 'Tram Line Extended'));
    for (let day = 1; day <= 3; day++) await s.write(`old${day}.txt`, seed(`2026-05-0${day}`, `Older ${day}`));
    await s.run('2026-06-01T00:00:00Z');
    await s.write(nfc, seed('2026-05-05', 'Cafe Reopens', 'The cafe reopens on Monday, with a new menu.'));
    await s.write('tram.txt', seed('2026-05-04', 'Tram Line Extended', 'The line now reaches the station.'));
    await s.run('2026-06-02T12:00:00Z');
    const before = poll(s);
    const ids = [idOf(nfc), idOf('tram.txt')];
    const view = (seen: Record<Format, Map<string, ReaderItem>>, id: string) =>
      FORMATS.map((format) => {
        const item = seen[format].get(id);
        return { format, link: item?.link, updated: item?.updated ?? null };
      });
    for (const id of ids)
      for (const entry of view(before, id)) expect(s.has(keyOf(entry.link ?? '') ?? '\0'), `${id} ${entry.format}`).toBe(true);

    // Act: the same two files, renamed as a macOS copy (NFD) and a Windows tool (.TXT) leave them.
    await s.rename(nfc, nfd);
    await s.rename('tram.txt', 'tram.TXT');
    await s.run('2026-06-03T00:00:00Z');
    const after = poll(s);

    // Assess: one item id each, as the README derives it (case of `.txt` and Unicode form aside).
    expect(idOf(nfd)).toBe(idOf(nfc));
    expect(idOf('tram.TXT')).toBe(idOf('tram.txt'));
    // The reader holds each id with the link and date it last saw: that link must still lead to
    // the article, and the item must not come back older (a reader keeps the newer version).
    for (const id of ids) {
      const held = view(before, id);
      expect({ heldLinkResolves: held.every((entry) => s.has(keyOf(entry.link!)!)), now: view(after, id) }, id).toEqual({
        heldLinkResolves: true,
        now: held,
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// npm start, polled with conditional GETs

describe('a reader polling npm start with conditional GETs', () => {
  let bundle: StartBundle;
  const children: Launched[] = [];

  beforeAll(async () => {
    bundle = await buildStartBundle('reader-life-start-');
  });
  afterAll(async () => {
    for (const child of children.splice(0)) {
      if (child.exit === undefined) {
        child.proc.kill('SIGINT');
        await child.exited;
      }
    }
    await bundle?.remove();
  });

  it('answers 304 while nothing changed and 200 with the new feed after a seed is edited, for If-None-Match and If-Modified-Since alike', async () => {
    const dir = await tempDir('reader-life-start-');
    folders.push(dir);
    const seeds = join(dir.path, 'seeds');
    await mkdir(seeds);
    // Dated long ago, so npm start's own clock publishes them all.
    for (let day = 1; day <= 4; day++) await writeFile(join(seeds, `s${day}.txt`), seed(`2020-01-0${day}`, `Old Report ${day}`));
    await writeFile(join(dir.path, 'feed.config.json'), await readFile(new URL('../../feed.config.json', import.meta.url), 'utf8'));
    const child = launchProcess(
      process.execPath,
      ['--enable-source-maps', bundle.script, '--port', '0', '--data', join(dir.path, 'data')],
      {
        cwd: dir.path,
      },
    );
    children.push(child);
    await serving(child);
    const urls = printedUrls(child.stdout);
    const get = (url: string, headers: Record<string, string> = {}) =>
      rawRequest(new URL(url).origin, new URL(url).pathname, 'GET', headers);

    const feeds = [urls.rss, urls.atom, urls.json];
    const first = await Promise.all(feeds.map((url) => get(url)));
    const items = (JSON.parse(first[2]!.body.toString('utf8')) as { items: { url: string }[] }).items;
    const page = items.find((item) => !item.url.includes('old-report-4'))!.url;
    const pageFirst = await get(page);
    for (const [index, response] of [...first, pageFirst].entries()) {
      expect(response.status, String(index)).toBe(200);
      expect(response.headers.etag, String(index)).toMatch(/^(W\/)?"/);
      expect(response.headers['last-modified'], String(index)).toBeDefined();
    }
    const conditional = async (url: string, response: { headers: Readonly<Record<string, string>> }) => [
      (await get(url, { 'If-None-Match': response.headers.etag! })).status,
      (await get(url, { 'If-Modified-Since': response.headers['last-modified']! })).status,
    ];
    for (const [index, url] of feeds.entries()) expect(await conditional(url, first[index]!), url).toEqual([304, 304]);

    // Act: a title corrected, saved a second after the first publish wrote the feeds (Last-Modified has whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const saidBefore = child.stdout.length;
    await saveWhole(join(seeds, 's4.txt'), seed('2020-01-04', 'Old Report 4, Corrected'));
    // The run reports after its last write: every feed is the new one by then.
    await eventually(
      async () => child.stdout.slice(saidBefore),
      (said) => /republished: [1-9]\d* objects written/.test(said),
      'the republish of the edit',
    );

    for (const [index, url] of feeds.entries()) {
      const [byTag, byDate] = await Promise.all([
        get(url, { 'If-None-Match': first[index]!.headers.etag! }),
        get(url, { 'If-Modified-Since': first[index]!.headers['last-modified']! }),
      ]);
      expect([byTag.status, byDate.status], url).toEqual([200, 200]);
      expect(byTag.body.toString('utf8'), url).toContain('Old Report 4, Corrected');
      expect(byTag.headers.etag, url).not.toBe(first[index]!.headers.etag);
      // And the new version is not modified since.
      expect(await conditional(url, byTag), url).toEqual([304, 304]);
    }
    // The page of an article that did not change is still not modified.
    expect(page).not.toContain('old-report-4');
    expect(await conditional(page, pageFirst), page).toEqual([304, 304]);
  });
});
