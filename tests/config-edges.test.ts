/**
 * The settings as a demanding operator meets them: many mistakes at once, misspelt fields and
 * variables, odd text, odd URLs, odd numbers, sizes, zones, times, language tags and id prefixes,
 * and what each of them turns into in the published feeds. Failing tests here mark behaviour
 * that is unsafe or confusing; each says what goes wrong and where.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { ConfigError, configWarnings, loadFeedConfig, loadPublishSettings, loadRuntimeConfig, type Env } from '../src/config.js';
import { publishedAt } from '../src/feed/items.js';
import type { FeedDocuments } from '../src/feed/render.js';
import { buildFeeds } from '../src/publish/build.js';
import { fakeIo, lines } from './helpers/cli-io.js';
import { configFileJson, seedFile, seedText } from './helpers/factory.js';
import {
  atomFeed,
  atomSchemaErrors,
  attr,
  child,
  children,
  jsonFeedSchemaErrors,
  rssChannel,
  text,
  xmlErrors,
  type JsonFeed,
  type XmlNode,
} from './helpers/feeds.js';

const NOW = '2026-03-01T00:00:00Z';
/** A line of a stack trace: "    at fn (file:line:column)". */
const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;
const SEEDS = { '2026-02-01-tram.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams are running again on line 2.') };
const SEED_FILES = Object.entries(SEEDS).map(([name, content]) => seedFile(name, content));
const BUCKET_ENV = { FEED_BUCKET: 'feeds-bucket' };

/** The ConfigError that loading throws; fails the test if loading succeeds or throws something else. */
function configError(file: unknown, env: Env = {}): ConfigError {
  try {
    loadFeedConfig(file, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The ConfigError of a whole runtime load (feed and publish settings), or a failure. */
function runtimeError(file: unknown, env: Env): ConfigError {
  try {
    loadRuntimeConfig(file, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The three feeds of the seeds under a config loaded from `file` and `env`. */
function feedsFor(file: unknown, env: Env = {}, now = new Date(NOW)): FeedDocuments {
  const build = buildFeeds(SEED_FILES, { config: loadFeedConfig(file, env), now });
  if (!build.feed) throw new Error('no feed was built');
  return build.feed.documents;
}

function href(links: XmlNode[], rel: string): string | undefined {
  const link = links.find((candidate) => (attr(candidate, 'rel') ?? 'alternate') === rel);
  return link && attr(link, 'href');
}

/** Every link and id a reader follows or keeps, from each format. */
function feedLinks(documents: FeedDocuments) {
  const rss = rssChannel(documents.rss);
  const atom = atomFeed(documents.atom);
  const json = JSON.parse(documents.json) as JsonFeed;
  const rssItem = children(rss, 'item')[0];
  const atomEntry = children(atom, 'entry')[0];
  return {
    channel: [text(rss.link), href(children(atom, 'link'), 'alternate'), json.home_page_url],
    self: [href(children(rss, 'atom:link'), 'self'), href(children(atom, 'link'), 'self'), json.feed_url],
    item: [text(child(rssItem, 'link')), href(children(atomEntry, 'link'), 'alternate'), json.items[0]?.url],
    itemId: [text(child(rssItem, 'guid')), text(child(atomEntry, 'id')), json.items[0]?.id],
    feedId: text(atom.id),
  };
}

const tempDirs: string[] = [];

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** `cli build` in a fresh folder with this config file (an object, or the file's exact text) and environment. */
async function cliBuild(config: unknown, env: Env = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'feedpress-config-edges-'));
  tempDirs.push(dir);
  await mkdir(join(dir, 'seeds'));
  for (const [name, content] of Object.entries(SEEDS)) await writeFile(join(dir, 'seeds', name), content);
  await writeFile(join(dir, 'feed.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const io = fakeIo(dir, { env });
  const code = await runCli(['build', '--seeds', 'seeds', '--out', 'out', '--now', NOW], io);
  return {
    code,
    err: lines(io.err),
    out: lines(io.out),
    outDir: join(dir, 'out'),
    read: (file: string) => readFileSync(join(dir, 'out', file), 'utf8'),
  };
}

describe('every problem in one go', () => {
  it('lists every mistake of the file and the environment in one ConfigError, each naming its field or variable, never the password', () => {
    // Prepare: a typo'd key holding a URL with a password too, which must not be shown either.
    const file = {
      ...configFileJson({ language: 'english', idPrefix: 'tag:example.org:' }),
      titel: 'Example News',
      siteURL: 'https://deploy:hunter2@news.example.org/',
    };
    const env = {
      SITE_URL: 'https://deploy:hunter2@news.example.org/',
      FEED_ITEM_LIMIT: '0',
      FEED_TIME_ZONE: 'Mars/Olympus_Mons',
      PUBLISH_INTERVAL_MINUTES: '1',
      MAX_SEED_BYTES: 'big',
      UNPUBLISH_MAX_SHARE: 'half',
      S3_ENDPOINT: 'http://minio:hunter2@127.0.0.1:9000',
    };

    // Act
    const error = runtimeError(file, env);

    // Assess
    expect(error.problems.map((problem) => problem.replace(/: .*$/, '')).sort()).toEqual([
      'FEED_BUCKET',
      'FEED_ITEM_LIMIT',
      'FEED_TIME_ZONE',
      'MAX_SEED_BYTES',
      'PUBLISH_INTERVAL_MINUTES',
      'S3_ENDPOINT',
      'SITE_URL',
      'UNPUBLISH_MAX_SHARE',
      'feed.config.json idPrefix',
      'feed.config.json language',
      'feed.config.json siteURL',
      'feed.config.json titel',
    ]);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'SITE_URL: must not contain a user name or password',
        'S3_ENDPOINT: must not contain a user name or password',
        expect.stringMatching(/^FEED_ITEM_LIMIT: must be a whole number from 1 to 10000, got "0"$/),
        expect.stringMatching(/^feed\.config\.json siteURL: is not a setting \(known: .*siteUrl/),
        expect.stringMatching(/^feed\.config\.json titel: is not a setting \(known: title,/),
      ]),
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('cli build prints them all at once, with no stack trace and no password, exits 2 and writes nothing', async () => {
    // Prepare
    const file = { ...configFileJson({ language: 'pt_BR', siteUrl: 'https://deploy:hunter2@news.example.org/' }), itemlimit: 10 };
    const env = { FEED_PUBLISH_TIME: '7:5', MAX_FEED_BYTES: '1KiB', UNPUBLISH_MAX_SHARE: '150%' };

    // Act
    const built = await cliBuild(file, env);

    // Assess
    expect(built.code).toBe(2);
    expect(built.err[0]).toBe('Invalid configuration:');
    expect(
      built.err.slice(1).map((line) => line.replace(/^ {2}- (\S+(?: \S+)?): .*$/, '$1').replace(/^\S*feed\.config\.json /, '')),
    ).toEqual(expect.arrayContaining(['itemlimit', 'siteUrl', 'language', 'FEED_PUBLISH_TIME', 'MAX_FEED_BYTES', 'UNPUBLISH_MAX_SHARE']));
    expect(built.err).toHaveLength(7);
    expect(built.err.join('\n')).not.toContain('hunter2');
    expect(built.err.join('\n')).not.toMatch(STACK_FRAME);
    expect(existsSync(built.outDir)).toBe(false);
  });

  it('names a schedule field spelt as the deploy parameter (publishIntervalMinutes), pointing at ttlMinutes', () => {
    // Prepare: README's limits table names the serverless param beside the variable.
    const file = { ...configFileJson(), publishIntervalMinutes: 30 };

    // Act
    const error = configError(file);

    // Assess
    expect(error.problems).toEqual([
      expect.stringMatching(/^feed\.config\.json publishIntervalMinutes: is not a setting \(known: .*ttlMinutes/),
    ]);
  });
});

describe('misspelt variables', () => {
  it('says something about an unknown FEED_* variable (FEED_TIMEZONE) instead of publishing at UTC without a word', async () => {
    // Prepare: FEED_TIME_ZONE misspelt, as a deploy script might.
    const env = { FEED_TIMEZONE: 'Europe/Kyiv' };

    // Act
    const built = await cliBuild(configFileJson(), env);

    // Assess: the build goes on (an unknown variable is no setting), and says which one it meant.
    expect(built.code).toBe(0);
    expect(built.err).toEqual(['FEED_TIMEZONE is set, but no setting reads it: did you mean FEED_TIME_ZONE?']);
  });

  it('cli build reads a feed.config.json saved with a byte order mark, as the Lambda bundle does', async () => {
    // Prepare: editors on Windows save UTF-8 with a BOM; Node's JSON import and esbuild, which
    // make the Lambda's copy of the file, both read past it.
    const config = `\uFEFF${JSON.stringify(configFileJson())}`;

    // Act
    const built = await cliBuild(config);

    // Assess
    expect(built.err).toEqual([]);
    expect(built.code).toBe(0);
  });
});

describe('text settings reach every feed escaped, never refused', () => {
  it('carries HTML/XML metacharacters, RTL and non-ASCII text through cli build: well-formed, valid, read back exactly', async () => {
    // Prepare
    const title = '<b>Tom & Jerry</b> ]]> "quoted" \'single\' &amp;';
    const description = 'חדשות ‏בעברית & أخبار <script>alert(1)</script>';
    const author = 'محرر <desk> & Co';
    const copyright = '© 2026 <Corp> & Sons ]]>';
    const file = configFileJson({ language: 'he', author: { name: author, email: 'a&b@example.org' }, copyright });
    const env = { FEED_TITLE: `  ${title}  `, FEED_DESCRIPTION: description };

    // Act
    const built = await cliBuild(file, env);

    // Assess
    expect(built.code).toBe(0);
    const [rssXml, atomXml, jsonText, index] = [
      built.read('rss.xml'),
      built.read('atom.xml'),
      built.read('feed.json'),
      built.read('index.html'),
    ];
    expect([...(await xmlErrors(rssXml)), ...(await xmlErrors(atomXml)), ...(await atomSchemaErrors(atomXml))]).toEqual([]);
    const json = JSON.parse(jsonText) as JsonFeed & { authors: { name: string }[] };
    expect(jsonFeedSchemaErrors(json)).toEqual([]);
    const rss = rssChannel(rssXml);
    const atom = atomFeed(atomXml);
    expect([text(rss.title), text(atom.title), json.title]).toEqual([title, title, title]);
    expect([text(rss.description), text(atom.subtitle), json.description]).toEqual([description, description, description]);
    expect([
      text(child(children(rss, 'item')[0], 'dc:creator')),
      text(child(children(atom, 'author')[0], 'name')),
      json.authors[0]?.name,
    ]).toEqual([author, author, author]);
    expect([text(rss.copyright), text(atom.rights)]).toEqual([copyright, copyright]);
    expect(index).not.toContain('<b>Tom');
    expect(index).toContain('&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;');
  });

  it('keeps a 100,000-character description whole in all three formats', () => {
    // Prepare
    const description = `${'Долгий рассказ. '.repeat(6250)}`.trim();

    // Act
    const documents = feedsFor(configFileJson({ description }));

    // Assess
    expect(description.length).toBeGreaterThan(99_000);
    expect(text(rssChannel(documents.rss).description)).toBe(description);
    expect(text(atomFeed(documents.atom).subtitle)).toBe(description);
    expect((JSON.parse(documents.json) as JsonFeed).description).toBe(description);
  });

  it('trims no-break spaces around a title as it trims plain ones', () => {
    // Act
    const config = loadFeedConfig(configFileJson(), { FEED_TITLE: '\u00A0 Example News \u3000' });

    // Assess
    expect(config.title).toBe('Example News');
  });

  it('refuses a title of nothing but control characters as empty, since the feeds show it as empty', () => {
    // Prepare
    const env = { FEED_TITLE: '\u0001\u0002' };

    // Act
    const error = configError(configFileJson(), env);

    // Assess: the title is "required, non-empty" (README); what XML cannot carry is dropped first.
    expect(error.problems).toEqual([expect.stringMatching(/^FEED_TITLE: /)]);
  });

  it('gives the JSON Feed the same title as RSS and Atom when the title holds a control character', () => {
    // Prepare
    const file = configFileJson({ title: 'News\u0007Bell' });

    // Act
    const documents = feedsFor(file);

    // Assess: the character is dropped once, from the setting, so every format says "NewsBell".
    expect((JSON.parse(documents.json) as JsonFeed).title).toBe(text(rssChannel(documents.rss).title));
  });
});

describe('URLs and what ends up in the feeds', () => {
  it.each<[string, Env, string]>([
    ['no trailing slash', { SITE_URL: 'https://news.example.org' }, 'https://news.example.org/'],
    ['a path without a trailing slash', { SITE_URL: 'https://news.example.org/news' }, 'https://news.example.org/news/'],
    ['spaces around it', { SITE_URL: '  https://news.example.org/news/  ' }, 'https://news.example.org/news/'],
    ['an upper-case scheme and host', { SITE_URL: 'HTTPS://NEWS.Example.ORG/News' }, 'https://news.example.org/News/'],
    [
      'an IDN host and a Cyrillic path',
      { SITE_URL: 'https://пример.рф/новости' },
      'https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/',
    ],
    ['the default https port', { SITE_URL: 'https://news.example.org:443/news' }, 'https://news.example.org/news/'],
  ])('SITE_URL with %s: channel, self and item links all start with one spelling', (_what, env, base) => {
    // Act
    const links = feedLinks(feedsFor(configFileJson(), env));

    // Assess
    expect(links.channel).toEqual([base, base, base]);
    expect(links.self).toEqual([`${base}rss.xml`, `${base}atom.xml`, `${base}feed.json`]);
    const item = `${base}articles/2026-02-01-tram-line-reopens.html`;
    expect(links.item).toEqual([item, item, item]);
  });

  it('follows FEED_*_URL overrides that disagree with SITE_URL for the self and channel links only; items stay under SITE_URL', () => {
    // Prepare
    const env = {
      SITE_URL: 'https://news.example.org/news',
      FEED_HOME_URL: 'https://www.example.org',
      FEED_RSS_URL: 'https://cdn.example.net/feeds/rss',
      FEED_JSON_URL: 'https://cdn.example.net/feeds/feed.json',
    };

    // Act
    const config = loadFeedConfig(configFileJson(), env);
    const links = feedLinks(feedsFor(configFileJson(), env));

    // Assess
    expect(links.channel).toEqual(['https://www.example.org/', 'https://www.example.org/', 'https://www.example.org/']);
    expect(links.self).toEqual([
      'https://cdn.example.net/feeds/rss',
      'https://news.example.org/news/atom.xml',
      'https://cdn.example.net/feeds/feed.json',
    ]);
    expect(links.item[0]).toBe('https://news.example.org/news/articles/2026-02-01-tram-line-reopens.html');
    expect(configWarnings(config)).toEqual([]);
  });

  it('warns about an http:// override on another host, naming only that field, and nothing for 127.1 (this machine)', () => {
    // Act
    const mixed = configWarnings(loadFeedConfig(configFileJson(), { FEED_HOME_URL: 'http://www.example.org/' }));
    const shortLoopback = loadFeedConfig(configFileJson(), { SITE_URL: 'http://127.1:4568/feeds' });
    const anyAddress = configWarnings(loadFeedConfig(configFileJson(), { SITE_URL: 'http://0.0.0.0:4568/' }));

    // Assess: 0.0.0.0 is not one of README's loopback hosts, so it is warned about.
    expect(mixed).toEqual([expect.stringMatching(/^homeUrl: http:\/\/www\.example\.org is plain http:\/\//)]);
    expect(shortLoopback.siteUrl).toBe('http://127.0.0.1:4568/feeds/');
    expect(configWarnings(shortLoopback)).toEqual([]);
    expect(anyAddress).toEqual([
      expect.stringMatching(/^siteUrl, homeUrl, feedUrls\.rss, feedUrls\.atom, feedUrls\.json: http:\/\/0\.0\.0\.0:4568 /),
    ]);
  });

  it('refuses a fragment as it refuses a query, naming the variable', () => {
    // Act
    const error = configError(configFileJson(), { SITE_URL: 'https://news.example.org/#top' });

    // Assess
    expect(error.problems).toEqual([
      'SITE_URL: must be an absolute http:// or https:// URL, without a query or fragment, got "https://news.example.org/#top"',
    ]);
  });

  it.each([
    ['an empty query', 'https://news.example.org/?'],
    ['an empty fragment', 'https://news.example.org/news#'],
  ])('refuses SITE_URL with %s, as it refuses a query or fragment with content', (_what, siteUrl) => {
    // Act
    const error = configError(configFileJson(), { SITE_URL: siteUrl });

    // Assess: every link is made by appending a path to it, which a bare "?" or "#" would swallow.
    expect(error.problems).toEqual([expect.stringMatching(/^SITE_URL: must be an absolute http/)]);
  });

  it.each([
    ['a line break between two URLs', 'https://news.example.org/\nhttps://other.example.org/'],
    ['a tab inside the host', 'https://news.exa\tmple.org/'],
  ])('refuses SITE_URL with %s instead of silently joining the pieces', (_what, siteUrl) => {
    // Act
    const error = configError(configFileJson(), { SITE_URL: siteUrl });

    // Assess: the URL parser would drop them anywhere, joining the pieces into another address.
    expect(error.problems).toEqual([expect.stringMatching(/^SITE_URL: /)]);
  });
});

describe('URLs with a user name or password', () => {
  it.each([
    ['a "/"', 'https://deploy:hunter2/x@news.example.org/'],
    ['a "#"', 'https://deploy:hunter2#x@news.example.org/'],
    ['a "?"', 'https://deploy:hunter2?x@news.example.org/'],
  ])('never repeats a SITE_URL password holding %s', (_what, siteUrl) => {
    // Act
    const error = configError(configFileJson(), { SITE_URL: siteUrl });

    // Assess: new URL() throws (the password reads as a port); a value that does not parse and
    // holds an "@" is never repeated.
    expect(error.problems).toEqual([expect.stringMatching(/^SITE_URL: /)]);
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses an S3_ENDPOINT whose password holds a "/", as README says it refuses any', () => {
    // Act
    const load = () => loadPublishSettings({ ...BUCKET_ENV, S3_ENDPOINT: 'http://minio:hunter2/x@127.0.0.1:9000' });

    // Assess
    expect(load).toThrow(/S3_ENDPOINT: must not contain a user name or password/);
  });
});

describe('numbers', () => {
  it.each<[string, string, number]>([
    ['FEED_ITEM_LIMIT', '10 ', 10],
    ['FEED_ITEM_LIMIT', '007', 7],
    ['FEED_ITEM_LIMIT', '1', 1],
    ['FEED_ITEM_LIMIT', '10000', 10000],
    ['PUBLISH_INTERVAL_MINUTES', '2', 2],
    ['PUBLISH_INTERVAL_MINUTES', ' 60 ', 60],
    ['PUBLISH_INTERVAL_MINUTES', '10080', 10080],
  ])('reads %s=%j as %d', (variable, value, expected) => {
    // Act
    const config = loadFeedConfig(configFileJson(), { [variable]: value });

    // Assess
    expect(variable === 'FEED_ITEM_LIMIT' ? config.itemLimit : config.ttlMinutes).toBe(expected);
  });

  it.each<[string, string]>([
    ['FEED_ITEM_LIMIT', '0'],
    ['FEED_ITEM_LIMIT', '-5'],
    ['FEED_ITEM_LIMIT', '1e3'],
    ['FEED_ITEM_LIMIT', '+5'],
    ['FEED_ITEM_LIMIT', '5.0'],
    ['FEED_ITEM_LIMIT', '0x10'],
    ['FEED_ITEM_LIMIT', '10001'],
    ['FEED_ITEM_LIMIT', '99999999999999999999999'],
    ['FEED_ITEM_LIMIT', '١٠'],
    ['PUBLISH_INTERVAL_MINUTES', '0'],
    ['PUBLISH_INTERVAL_MINUTES', '-60'],
    ['PUBLISH_INTERVAL_MINUTES', '2.5'],
    ['PUBLISH_INTERVAL_MINUTES', '1e2'],
    ['PUBLISH_INTERVAL_MINUTES', 'hourly'],
  ])('refuses %s=%j, naming the variable, the range and the value', (variable, value) => {
    // Act
    const error = configError(configFileJson(), { [variable]: value });

    // Assess
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${variable}: must be a whole number from \\d+ to \\d+.*, got `))]);
    expect(error.problems[0]).toContain(JSON.stringify(value));
  });

  it.each<[string, string, number]>([
    ['MAX_SEED_BYTES', '1024', 1024],
    ['MAX_SEED_BYTES', '1 kib', 1024],
    ['MAX_SEED_BYTES', '1mib', 1048576],
    ['MAX_SEED_BYTES', '1.5MiB', 1572864],
    ['MAX_SEED_BYTES', '1MB', 1_000_000],
    ['MAX_FEED_BYTES', '16KiB', 16384],
    ['MAX_FEED_BYTES', ' 2 mb ', 2_000_000],
  ])('reads %s=%j as %d bytes', (variable, value, bytes) => {
    // Act
    const { limits } = loadPublishSettings({ ...BUCKET_ENV, [variable]: value });

    // Assess
    expect(variable === 'MAX_SEED_BYTES' ? limits.seedBytes : limits.feedBytes).toBe(bytes);
  });

  it.each<[string, string]>([
    ['MAX_SEED_BYTES', '1023'],
    ['MAX_SEED_BYTES', '1K'],
    ['MAX_SEED_BYTES', '1M'],
    ['MAX_SEED_BYTES', '1e6'],
    ['MAX_SEED_BYTES', '-1MiB'],
    ['MAX_SEED_BYTES', '1,048,576'],
    ['MAX_SEED_BYTES', '1024 bytes'],
    ['MAX_FEED_BYTES', '16383'],
    ['MAX_FEED_BYTES', '9000000000000000 MiB'],
  ])('refuses %s=%j, naming the variable and the value', (variable, value) => {
    // Act
    const load = () => loadPublishSettings({ ...BUCKET_ENV, [variable]: value });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable}: must be a size (of at least|of at most|in bytes)`));
    expect(load).toThrow(JSON.stringify(value));
  });
});

describe('publish time and time zone', () => {
  it.each<[string, { hour: number; minute: number }]>([
    ['07:05', { hour: 7, minute: 5 }],
    ['23:59', { hour: 23, minute: 59 }],
    [' 06:30 ', { hour: 6, minute: 30 }],
  ])('reads FEED_PUBLISH_TIME=%j', (value, expected) => {
    // Act
    const config = loadFeedConfig(configFileJson(), { FEED_PUBLISH_TIME: value });

    // Assess
    expect(config.publishTime).toMatchObject(expected);
  });

  it.each(['24:00', '7:5', '12:00:00', '06:30Z', '6.30', '12h00'])('refuses FEED_PUBLISH_TIME=%j, asking for HH:MM', (value) => {
    // Act
    const error = configError(configFileJson(), { FEED_PUBLISH_TIME: value });

    // Assess
    expect(error.problems).toEqual([`FEED_PUBLISH_TIME: must be a time of day as HH:MM (24-hour), got ${JSON.stringify(value)}`]);
  });

  it.each([
    ['Europe/London', 'Europe/London'],
    ['Europe/Kiev', 'Europe/Kiev'],
    ['US/Eastern', 'US/Eastern'],
    ['Etc/GMT+5', 'Etc/GMT+5'],
    [' Europe/Kyiv ', 'Europe/Kyiv'],
  ])('accepts FEED_TIME_ZONE=%j, old IANA names included', (value, zone) => {
    // Act
    const config = loadFeedConfig(configFileJson(), { FEED_TIME_ZONE: value });

    // Assess
    expect(config.publishTime.timeZone).toBe(zone);
  });

  it.each(['Z', '+02:00', 'UTC+2', 'Local', 'Europe/Atlantis'])('refuses FEED_TIME_ZONE=%j, which is no IANA zone', (value) => {
    // Act
    const error = configError(configFileJson(), { FEED_TIME_ZONE: value });

    // Assess
    expect(error.problems).toEqual([
      `FEED_TIME_ZONE: must be an IANA time zone such as "UTC" or "Europe/Kyiv", got ${JSON.stringify(value)}`,
    ]);
  });

  it('publishes a time inside the spring-forward gap east of UTC after the gap, not before it (London, 01:30)', () => {
    // Prepare: on 2026-03-29 London goes from 01:00 GMT to 02:00 BST.
    const config = loadFeedConfig(configFileJson(), { FEED_TIME_ZONE: 'Europe/London', FEED_PUBLISH_TIME: '01:30' });

    // Act
    const at = publishedAt('2026-03-29', config);

    // Assess: 02:30 BST.
    expect(at.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('never publishes before the configured time when it falls in a spring-forward gap west of UTC (New York, 02:30)', () => {
    // Prepare: on 2026-03-08 New York goes from 02:00 EST straight to 03:00 EDT (07:00Z).
    const config = loadFeedConfig(configFileJson(), { FEED_TIME_ZONE: 'America/New_York', FEED_PUBLISH_TIME: '02:30' });

    // Act
    const at = publishedAt('2026-03-08', config);

    // Assess: moved forward by the hour skipped, to 03:30 EDT, as London's gap above.
    expect(at.toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('holds an article until its own day where the clocks skip midnight (America/Santiago, 2026-09-06)', () => {
    // Prepare: Chile goes from 2026-09-05 23:59 -04 straight to 2026-09-06 01:00 -03 (04:00Z);
    // 03:30Z is still 23:30 on the 5th there.
    const config = loadFeedConfig(configFileJson(), { FEED_TIME_ZONE: 'America/Santiago' });
    const files = [seedFile('2026-09-06-spring.txt', seedText('2026-09-06', 'Spring Comes', 'Clocks went forward.'))];

    // Act
    const build = buildFeeds(files, { config, now: new Date('2026-09-06T03:30:00.000Z') });

    // Assess: its instant is 04:00Z, 01:00 on the 6th there, the first moment of its day.
    expect(build.held.map((entry) => entry.article.fileName)).toEqual(['2026-09-06-spring.txt']);
  });
});

describe('language tags', () => {
  it.each(['en-GB', 'EN', 'zh-Hant-TW', 'es-419', 'sr-Latn'])(
    'puts FEED_LANGUAGE=%j as written in every format and the index page',
    async (language) => {
      // Act
      const built = await cliBuild(configFileJson(), { FEED_LANGUAGE: language });

      // Assess
      expect(built.code).toBe(0);
      expect(text(rssChannel(built.read('rss.xml')).language)).toBe(language);
      expect(attr(atomFeed(built.read('atom.xml')), 'xml:lang')).toBe(language);
      expect((JSON.parse(built.read('feed.json')) as JsonFeed).language).toBe(language);
      expect(built.read('index.html')).toContain(`<html lang="${language}">`);
    },
  );

  it.each(['pt_BR', 'x-klingon', 'english', 'en-'])('refuses FEED_LANGUAGE=%j, naming the variable and the value', (language) => {
    // Act
    const error = configError(configFileJson(), { FEED_LANGUAGE: language });

    // Assess
    expect(error.problems).toEqual([`FEED_LANGUAGE: must be a language tag such as "en" or "uk-UA", got ${JSON.stringify(language)}`]);
  });
});

describe('idPrefix', () => {
  it.each([
    ['tag:news.example.org,2026:', 'tag:news.example.org,2026:'],
    ['tag:desk@example.org,2026-02:feeds/', 'tag:desk@example.org,2026-02:feeds/'],
    ['  tag:news.example.org,2024-02-29:  ', 'tag:news.example.org,2024-02-29:'],
  ])('makes every id from FEED_ID_PREFIX=%j, in every format', (value, prefix) => {
    // Act
    const links = feedLinks(feedsFor(configFileJson(), { FEED_ID_PREFIX: value }));

    // Assess
    const id = `${prefix}articles/2026-02-01-tram`;
    expect(links.itemId).toEqual([id, id, id]);
    expect(links.feedId).toBe(`${prefix}feed`);
  });

  it.each([
    ['without the colon after the date', 'tag:news.example.org,2026', /the date must be followed by ":"/],
    ['with an IDN domain not in punycode', 'tag:пример.рф,2026:', /is not a domain name/],
    ['with a day not on the calendar', 'tag:news.example.org,2026-02-29:', /2026-02-29 is not a date on the calendar/],
    ['as a URN', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66', /it must start with "tag:"/],
    ['as an https URL', 'https://news.example.org/', /it must start with "tag:"/],
  ])('refuses FEED_ID_PREFIX %s, naming the variable and saying why', (_what, value, why) => {
    // Act
    const error = configError(configFileJson(), { FEED_ID_PREFIX: value });

    // Assess
    expect(error.problems).toEqual([
      expect.stringMatching(/^FEED_ID_PREFIX: must be a tag URI prefix such as "tag:example\.org,2026:" \(RFC 4151\): /),
    ]);
    expect(error.problems[0]).toMatch(why);
  });
});

describe('messages that point at the right thing', () => {
  it('names SITE_URL once when it holds only spaces', () => {
    // Act
    let problems: readonly string[] = [];
    try {
      loadRuntimeConfig(configFileJson(), { ...BUCKET_ENV, SITE_URL: '   ' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }

    // Assess
    expect(problems.filter((problem) => problem.startsWith('SITE_URL:'))).toHaveLength(1);
  });
});

describe('sizes told what is wrong with them', () => {
  it.each([
    ['1GiB', /^MAX_FEED_BYTES: must be a size in bytes, .*\(units: B, kB, KiB, MB, MiB\), got "1GiB"$/],
    ['1K', /^MAX_FEED_BYTES: must be a size in bytes, /],
    ['1KiB', /^MAX_FEED_BYTES: must be a size of at least 16384 bytes, /],
  ])('MAX_FEED_BYTES=%s gets one line about what is wrong: the unit, or the size', (value, message) => {
    // Act
    let problems: readonly string[] = [];
    try {
      loadPublishSettings({ ...BUCKET_ENV, MAX_FEED_BYTES: value });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }

    // Assess
    expect(problems).toEqual([expect.stringMatching(message)]);
  });
});
