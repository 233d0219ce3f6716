/** Settings from feed.config.json and the environment: defaults, overrides, and every problem named at once. */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configWarnings,
  loadFeedConfig,
  loadPublishSettings,
  loadRuntimeConfig,
  loadUnpublishShare,
  type Env,
  type FeedConfig,
} from '../src/config.js';
import { DEFAULT_LIMITS, loadLimits } from '../src/config/limits.js';
import { configFileJson } from './helpers/factory.js';

const SOURCE = '/srv/feeds/feed.config.json';

/** The ConfigError that loading throws; fails the test if loading succeeds or throws something else. */
function configError(file: unknown, env: Env = {}, source = SOURCE): ConfigError {
  try {
    loadFeedConfig(file, env, source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadFeedConfig with a valid file', () => {
  it('fills in the defaults: 50 items, ttl 60, published at 00:00 UTC, URLs under siteUrl', () => {
    // Prepare
    const file = {
      title: 'Dispatches',
      description: 'Short news reports.',
      siteUrl: 'https://feeds.example.org/news',
      language: 'en',
      author: { name: 'Dispatches Desk' },
      idPrefix: 'tag:feeds.example.org,2026:',
    };

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config).toEqual<FeedConfig>({
      title: 'Dispatches',
      description: 'Short news reports.',
      siteUrl: 'https://feeds.example.org/news/',
      homeUrl: 'https://feeds.example.org/news/',
      feedUrls: {
        rss: 'https://feeds.example.org/news/rss.xml',
        atom: 'https://feeds.example.org/news/atom.xml',
        json: 'https://feeds.example.org/news/feed.json',
      },
      language: 'en',
      author: { name: 'Dispatches Desk' },
      itemLimit: 50,
      idPrefix: 'tag:feeds.example.org,2026:',
      publishTime: { hour: 0, minute: 0, timeZone: 'UTC' },
      ttlMinutes: 60,
    });
  });

  it('reads every optional field from the file, trimmed', () => {
    // Prepare
    const file = configFileJson({
      title: '  Example News  ',
      homeUrl: 'https://www.example.org/',
      feedUrls: {
        rss: 'https://cdn.example.org/rss.xml',
        atom: 'https://cdn.example.org/atom.xml',
        json: 'https://cdn.example.org/feed.json',
      },
      copyright: '© 2026 Example',
      itemLimit: 20,
      icon: 'https://news.example.org/icon.png',
      publishTime: '09:30',
      timeZone: 'Europe/Kyiv',
      ttlMinutes: 15,
    });

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config).toMatchObject({
      title: 'Example News',
      homeUrl: 'https://www.example.org/',
      feedUrls: {
        rss: 'https://cdn.example.org/rss.xml',
        atom: 'https://cdn.example.org/atom.xml',
        json: 'https://cdn.example.org/feed.json',
      },
      author: { name: 'News Desk', email: 'desk@example.org' },
      copyright: '© 2026 Example',
      itemLimit: 20,
      icon: 'https://news.example.org/icon.png',
      publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' },
      ttlMinutes: 15,
    });
  });

  it('loads the checked-in feed.config.json, which says its articles are samples', async () => {
    // Prepare
    const { readFile } = await import('node:fs/promises');
    const file = JSON.parse(await readFile(new URL('../feed.config.json', import.meta.url), 'utf8')) as unknown;

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config).toMatchObject({
      title: 'Dispatches (sample feed)',
      siteUrl: 'https://feeds.example.org/',
      feedUrls: {
        rss: 'https://feeds.example.org/rss.xml',
        atom: 'https://feeds.example.org/atom.xml',
        json: 'https://feeds.example.org/feed.json',
      },
      language: 'en',
      idPrefix: 'tag:feeds.example.org,2026:',
      itemLimit: 50,
      publishTime: { hour: 0, minute: 0, timeZone: 'UTC' },
      ttlMinutes: 60,
    });
    expect(config.description).toMatch(/^Sample articles .* invented/);
  });
});

describe('environment overrides', () => {
  it.each<[string, string, (config: FeedConfig) => unknown, unknown]>([
    ['FEED_TITLE', 'From Env', (c) => c.title, 'From Env'],
    ['FEED_DESCRIPTION', 'Described by env', (c) => c.description, 'Described by env'],
    [
      'SITE_URL',
      'https://env.example.org',
      (c) => [c.siteUrl, c.feedUrls.rss],
      ['https://env.example.org/', 'https://env.example.org/rss.xml'],
    ],
    ['FEED_HOME_URL', 'https://home.example.org/', (c) => c.homeUrl, 'https://home.example.org/'],
    ['FEED_RSS_URL', 'https://cdn.example.org/r.xml', (c) => c.feedUrls.rss, 'https://cdn.example.org/r.xml'],
    ['FEED_ATOM_URL', 'https://cdn.example.org/a.xml', (c) => c.feedUrls.atom, 'https://cdn.example.org/a.xml'],
    ['FEED_JSON_URL', 'https://cdn.example.org/f.json', (c) => c.feedUrls.json, 'https://cdn.example.org/f.json'],
    ['FEED_LANGUAGE', 'uk-UA', (c) => c.language, 'uk-UA'],
    ['FEED_AUTHOR_NAME', 'Env Desk', (c) => c.author.name, 'Env Desk'],
    ['FEED_AUTHOR_EMAIL', 'env@example.org', (c) => c.author.email, 'env@example.org'],
    ['FEED_COPYRIGHT', '© Env', (c) => c.copyright, '© Env'],
    ['FEED_ITEM_LIMIT', '7', (c) => c.itemLimit, 7],
    ['FEED_ICON', 'https://env.example.org/icon.png', (c) => c.icon, 'https://env.example.org/icon.png'],
    ['FEED_WEBSUB_HUB', 'https://hub.example.net/', (c) => c.websubHub, 'https://hub.example.net/'],
    ['FEED_ID_PREFIX', 'tag:env.example.org,2027-05:', (c) => c.idPrefix, 'tag:env.example.org,2027-05:'],
    ['FEED_PUBLISH_TIME', '18:45', (c) => [c.publishTime.hour, c.publishTime.minute], [18, 45]],
    ['FEED_TIME_ZONE', 'America/New_York', (c) => c.publishTime.timeZone, 'America/New_York'],
    ['PUBLISH_INTERVAL_MINUTES', '15', (c) => c.ttlMinutes, 15],
  ])('%s overrides the file', (variable, value, select, expected) => {
    // Prepare
    const file = configFileJson({
      copyright: '© File',
      icon: 'https://news.example.org/file.png',
      publishTime: '06:00',
      timeZone: 'UTC',
      ttlMinutes: 30,
      itemLimit: 40,
    });
    const fromFile = select(loadFeedConfig(file, {}));

    // Act
    const fromEnv = select(loadFeedConfig(file, { [variable]: value }));

    // Assess
    expect(fromEnv).toEqual(expected);
    expect(fromFile).not.toEqual(expected);
  });

  it('an empty variable does not override the file', () => {
    // Prepare
    const file = configFileJson();

    // Act
    const config = loadFeedConfig(file, { FEED_TITLE: '', FEED_ITEM_LIMIT: '' });

    // Assess
    expect(config.title).toBe('Example News');
    expect(config.itemLimit).toBe(50);
  });

  it('can supply a setting the file lacks', () => {
    // Prepare
    const { siteUrl: _unused, ...file } = configFileJson();

    // Act
    const config = loadFeedConfig(file, { SITE_URL: 'https://env.example.org/' });

    // Assess
    expect(config.siteUrl).toBe('https://env.example.org/');
  });
});

describe('ConfigError', () => {
  it('reports every problem at once, each naming the field and where it came from', () => {
    // Prepare
    const file = configFileJson({ siteUrl: 'feeds.example.org', language: 'english', publishTime: '25:00' });
    const env = { FEED_ITEM_LIMIT: '0', FEED_TIME_ZONE: 'Mars/Olympus_Mons', FEED_AUTHOR_EMAIL: 'desk-at-example.org' };

    // Act
    const error = configError(file, env);

    // Assess
    expect(error.problems).toHaveLength(6);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/srv\/feeds\/feed\.config\.json siteUrl: .*URL.*"feeds\.example\.org"/),
        expect.stringMatching(/^\/srv\/feeds\/feed\.config\.json language: .*language tag.*"english"/),
        expect.stringMatching(/^\/srv\/feeds\/feed\.config\.json publishTime: .*HH:MM.*"25:00"/),
        expect.stringMatching(/^FEED_ITEM_LIMIT: .*whole number.*"0"/),
        expect.stringMatching(/^FEED_TIME_ZONE: .*time zone.*"Mars\/Olympus_Mons"/),
        expect.stringMatching(/^FEED_AUTHOR_EMAIL: .*e-mail.*"desk-at-example\.org"/),
      ]),
    );
    expect(error.name).toBe('ConfigError');
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('names every missing required field', () => {
    // Prepare
    const file = {};

    // Act
    const error = configError(file);

    // Assess
    const fields = error.problems.map((problem) => problem.replace(`${SOURCE} `, '').replace(/:.*$/, ''));
    expect(fields.sort()).toEqual(['author.name', 'description', 'idPrefix', 'language', 'siteUrl', 'title']);
    for (const problem of error.problems) expect(problem).toMatch(/is required/);
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'title: x'],
  ])('says when the file is %s, not an object', (_what, file) => {
    // Prepare
    const input: unknown = file;

    // Act
    const error = configError(input);

    // Assess
    expect(error.problems[0]).toBe(`${SOURCE}: must hold a JSON object`);
  });

  it('names the default source `feed.config.json` when none is given', () => {
    // Prepare
    const file = configFileJson({ language: 'en_US' });

    // Act
    let error: unknown;
    try {
      loadFeedConfig(file, {});
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'feed.config.json language: must be a language tag such as "en" or "uk-UA", got "en_US"',
    ]);
  });
});

describe('bad values, one at a time', () => {
  it.each<[string, Record<string, unknown>, Env, RegExp]>([
    ['siteUrl without a scheme', { siteUrl: 'feeds.example.org/' }, {}, /siteUrl: must be an absolute http/],
    ['siteUrl with ftp:', { siteUrl: 'ftp://feeds.example.org/' }, {}, /siteUrl: must be an absolute http/],
    ['siteUrl with a query', { siteUrl: 'https://feeds.example.org/?page=1' }, {}, /siteUrl: must be an absolute http/],
    ['siteUrl javascript:', { siteUrl: 'javascript:alert(1)' }, {}, /siteUrl: must be an absolute http/],
    ['homeUrl relative', { homeUrl: '/home' }, {}, /homeUrl: must be an absolute http/],
    ['feedUrls.atom relative', { feedUrls: { atom: 'atom.xml' } }, {}, /feedUrls\.atom: must be an absolute http/],
    ['icon relative', { icon: 'icon.png' }, {}, /icon: must be an absolute http/],
    ['language english', { language: 'english' }, {}, /language: must be a language tag/],
    ['language en_US', { language: 'en_US' }, {}, /language: must be a language tag/],
    ['language as a number', { language: 42 }, {}, /language: must be a string, got 42/],
    ['e-mail without @', { author: { name: 'Desk', email: 'desk.example.org' } }, {}, /author\.email: must be an e-mail address/],
    ['e-mail without a dot in the domain', { author: { name: 'Desk', email: 'desk@localhost' } }, {}, /author\.email: must be an e-mail/],
    ['e-mail with a display name', { author: { name: 'Desk', email: 'Desk <desk@example.org>' } }, {}, /author\.email: must be an e-mail/],
    ['item limit 0', { itemLimit: 0 }, {}, /itemLimit: must be a whole number from 1 to 10000, got 0/],
    ['item limit 1.5', { itemLimit: 1.5 }, {}, /itemLimit: must be a whole number/],
    ['item limit "abc"', { itemLimit: 'abc' }, {}, /itemLimit: must be a whole number.*"abc"/],
    ['item limit abc in env', {}, { FEED_ITEM_LIMIT: 'abc' }, /^FEED_ITEM_LIMIT: must be a whole number.*"abc"/],
    ['item limit -1 in env', {}, { FEED_ITEM_LIMIT: '-1' }, /^FEED_ITEM_LIMIT: must be a whole number/],
    ['ttl 0', { ttlMinutes: 0 }, {}, /ttlMinutes: must be a whole number from 2/],
    ['ttl over a week in env', {}, { PUBLISH_INTERVAL_MINUTES: '10081' }, /^PUBLISH_INTERVAL_MINUTES: must be a whole number/],
    ['time 25:00', { publishTime: '25:00' }, {}, /publishTime: must be a time of day as HH:MM/],
    ['time 24:00', { publishTime: '24:00' }, {}, /publishTime: must be a time of day/],
    ['time 9:30', { publishTime: '9:30' }, {}, /publishTime: must be a time of day/],
    ['time 09:60', { publishTime: '09:60' }, {}, /publishTime: must be a time of day/],
    ['unknown zone', { timeZone: 'Europe/Atlantis' }, {}, /timeZone: must be an IANA time zone/],
    ['unknown zone in env', {}, { FEED_TIME_ZONE: 'Mars/Olympus_Mons' }, /^FEED_TIME_ZONE: must be an IANA time zone/],
    ['tag prefix that is a URL', { idPrefix: 'https://news.example.org/' }, {}, /idPrefix: must be a tag URI prefix/],
    ['tag prefix without a date', { idPrefix: 'tag:news.example.org:' }, {}, /idPrefix: must be a tag URI prefix/],
    ['tag prefix with a two-digit year', { idPrefix: 'tag:news.example.org,26:' }, {}, /idPrefix: must be a tag URI prefix/],
    ['tag prefix with a space', { idPrefix: 'tag:news example.org,2026:' }, {}, /idPrefix: must be a tag URI prefix/],
    ['empty title', { title: '   ' }, {}, /title: is required and must not be empty/],
  ])('%s', (_name, fileOverrides, env, expected) => {
    // Prepare
    const file = configFileJson(fileOverrides);

    // Act
    const error = configError(file, env);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(expected);
  });
});

describe('loadFeedConfig guards against silent mistakes', () => {
  it('reports a misspelt field instead of quietly using the default', () => {
    // Prepare
    const file = {
      ...configFileJson(),
      itemlimit: 10,
      author: { name: 'Desk', mail: 'desk@example.org' },
      feedUrls: { rs: 'https://x.example/rss' },
    };

    // Act
    const error = configError(file);

    // Assess
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${SOURCE} itemlimit: is not a setting \\(known: .*itemLimit`)),
        expect.stringMatching(new RegExp(`^${SOURCE} author\\.mail: is not a setting \\(known: name, email\\)`)),
        expect.stringMatching(new RegExp(`^${SOURCE} feedUrls\\.rs: is not a setting \\(known: rss, atom, json\\)`)),
      ]),
    );
  });

  it('spells every URL one way (lower-case host, punycode) so all formats agree', () => {
    // Prepare
    const file = configFileJson({ siteUrl: 'https://Feeds.BÜCHER.example/News', icon: 'https://Feeds.BÜCHER.example/icon.png' });

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config.siteUrl).toBe('https://feeds.xn--bcher-kva.example/News/');
    expect(config.homeUrl).toBe(config.siteUrl);
    expect(config.feedUrls.rss).toBe('https://feeds.xn--bcher-kva.example/News/rss.xml');
    expect(config.icon).toBe('https://feeds.xn--bcher-kva.example/icon.png');
  });
});

describe('loadPublishSettings', () => {
  const base = { FEED_BUCKET: 'feeds-bucket' };

  it('defaults to bundled seeds, max-age=300, a 20 % unpublish guard and no custom endpoint', () => {
    // Act
    const settings = loadPublishSettings(base);

    // Assess
    expect(settings).toEqual({
      bucket: 'feeds-bucket',
      seeds: { from: 'bundle' },
      cacheControl: 'max-age=300',
      maxUnpublishShare: 0.2,
      limits: { seedBytes: 1048576, feedBytes: 1048576 },
      s3: { forcePathStyle: false },
    });
  });

  it.each([
    ['0.5', 0.5],
    ['50%', 0.5],
    ['0', 0],
    ['1', 1],
    ['100 %', 1],
  ])('reads UNPUBLISH_MAX_SHARE %j as %d', (value, share) => {
    // Act
    const settings = loadPublishSettings({ ...base, UNPUBLISH_MAX_SHARE: value });

    // Assess
    expect(settings.maxUnpublishShare).toBe(share);
  });

  it.each([
    ['MAX_SEED_BYTES', '2MiB', { seedBytes: 2097152, feedBytes: 1048576 }],
    ['MAX_SEED_BYTES', '65536', { seedBytes: 65536, feedBytes: 1048576 }],
    ['MAX_FEED_BYTES', '512 KiB', { seedBytes: 1048576, feedBytes: 524288 }],
    ['MAX_FEED_BYTES', '2mb', { seedBytes: 1048576, feedBytes: 2000000 }],
  ])('reads %s=%j', (variable, value, limits) => {
    // Act
    const settings = loadPublishSettings({ ...base, [variable]: value });

    // Assess
    expect(settings.limits).toEqual(limits);
  });

  it.each([
    ['MAX_SEED_BYTES', 'big'],
    ['MAX_SEED_BYTES', '12'],
    ['MAX_FEED_BYTES', '1 GB of XML'],
    ['MAX_FEED_BYTES', '1KiB'],
  ])('rejects %s=%j, naming the variable', (variable, value) => {
    // Act
    const load = () => loadPublishSettings({ ...base, [variable]: value });

    // Assess
    expect(load).toThrow(new RegExp(`${variable}: must be a size (of at least|in bytes)`));
  });

  it.each(['1.5', '-0.1', 'half', '150%'])('rejects UNPUBLISH_MAX_SHARE %j, naming the variable', (value) => {
    // Act
    const load = () => loadPublishSettings({ ...base, UNPUBLISH_MAX_SHARE: value });

    // Assess
    expect(load).toThrow(/UNPUBLISH_MAX_SHARE: must be a share from 0 to 1/);
  });

  it('reads seeds from a bucket folder when asked', () => {
    // Act
    const settings = loadPublishSettings({ ...base, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'drafts/seeds/' });

    // Assess
    expect(settings.seeds).toEqual({ from: 'bucket', prefix: 'drafts/seeds/' });
  });

  it.each(['', 'seeds', '/seeds/', 'a//b/'])(
    'rejects SEEDS_PREFIX %j for bucket seeds: they would mix with what readers fetch',
    (prefix) => {
      // Act
      const act = () => loadPublishSettings({ ...base, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: prefix });

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(/SEEDS_PREFIX: must be a folder-like key prefix ending in "\/"/);
    },
  );

  it.each([
    ['FEED_BUCKET', { FEED_BUCKET: 'Not_A_Bucket' }],
    ['S3_ENDPOINT', { ...base, S3_ENDPOINT: 'localhost:4568' }],
    ['S3_FORCE_PATH_STYLE', { ...base, S3_FORCE_PATH_STYLE: 'yes' }],
  ])('names %s when it is wrong', (variable, env) => {
    // Act
    const act = () => loadPublishSettings(env);

    // Assess
    expect(act).toThrow(new RegExp(`- ${variable}: `));
  });
});

describe('URL settings with a user name or password', () => {
  it.each<[string, Record<string, unknown>, Env, RegExp]>([
    ['SITE_URL', {}, { SITE_URL: 'https://user:secret@news.example.org/' }, /^SITE_URL: /],
    ['the file siteUrl', { siteUrl: 'https://user:secret@news.example.org/' }, {}, /feed\.config\.json siteUrl: /],
    ['a user name alone', { siteUrl: 'https://secret@news.example.org/' }, {}, /siteUrl: /],
    ['FEED_HOME_URL', {}, { FEED_HOME_URL: 'http://user:secret@www.example.org/' }, /^FEED_HOME_URL: /],
    ['feedUrls.atom', { feedUrls: { atom: 'https://user:secret@cdn.example.org/atom.xml' } }, {}, /feedUrls\.atom: /],
    ['FEED_RSS_URL', {}, { FEED_RSS_URL: 'https://user:secret@cdn.example.org/rss.xml' }, /^FEED_RSS_URL: /],
    ['FEED_JSON_URL', {}, { FEED_JSON_URL: 'https://user:secret@cdn.example.org/feed.json' }, /^FEED_JSON_URL: /],
    ['icon', { icon: 'https://user:secret@news.example.org/icon.png' }, {}, /icon: /],
    ['FEED_WEBSUB_HUB', {}, { FEED_WEBSUB_HUB: 'https://user:secret@hub.example.net/' }, /^FEED_WEBSUB_HUB: /],
    ['a value without a scheme', {}, { SITE_URL: 'user:secret@news.example.org/' }, /^SITE_URL: /],
  ])('rejects %s without repeating the password', (_what, fileOverrides, env, where) => {
    // Prepare
    const file = configFileJson(fileOverrides);

    // Act
    const error = configError(file, env);

    // Assess
    expect(error.problems).toEqual([expect.stringMatching(where)]);
    expect(error.problems[0]).toMatch(/: must not contain a user name or password$/);
    expect(error.message).not.toContain('secret');
  });

  it('rejects S3_ENDPOINT with a password without repeating it', () => {
    // Act
    const act = () => loadPublishSettings({ FEED_BUCKET: 'feeds-bucket', S3_ENDPOINT: 'http://minio:secret@127.0.0.1:9000' });

    // Assess
    expect(act).toThrow(/- S3_ENDPOINT: must not contain a user name or password$/);
    expect(act).not.toThrow(/secret/);
  });

  it('still accepts an "@" in the path', () => {
    // Prepare
    const file = configFileJson({ siteUrl: 'https://social.example.org/@news/' });

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config.siteUrl).toBe('https://social.example.org/@news/');
  });
});

describe('configWarnings', () => {
  it('accepts http:// to another host but warns once per host, naming every field that uses it', () => {
    // Prepare
    const config = loadFeedConfig(configFileJson({ icon: 'http://img.example.net/icon.png' }), { SITE_URL: 'http://news.example.org/' });

    // Act
    const warnings = configWarnings(config);

    // Assess
    expect(config.siteUrl).toBe('http://news.example.org/');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^siteUrl, homeUrl, feedUrls\.rss, feedUrls\.atom, feedUrls\.json: http:\/\/news\.example\.org is plain http:\/\/; .*use https:\/\//,
      ),
      expect.stringMatching(/^icon: http:\/\/img\.example\.net is plain http:\/\//),
    ]);
  });

  it.each([
    'https://news.example.org/',
    'http://127.0.0.1:4568/feeds/',
    'http://127.20.30.40/',
    'http://[::1]:8080/',
    'http://localhost:4568/feeds/',
    'http://LOCALHOST/',
  ])('says nothing for %s', (siteUrl) => {
    // Prepare
    const config = loadFeedConfig(configFileJson(), { SITE_URL: siteUrl });

    // Act
    const warnings = configWarnings(config);

    // Assess
    expect(warnings).toEqual([]);
  });

  it('warns about an http:// feed URL on a CDN even when the site is https://', () => {
    // Prepare
    const config = loadFeedConfig(configFileJson({ feedUrls: { rss: 'http://cdn.example.org/rss.xml' } }), {});

    // Act
    const warnings = configWarnings(config);

    // Assess
    expect(warnings).toEqual([expect.stringMatching(/^feedUrls\.rss: http:\/\/cdn\.example\.org is plain http:\/\//)]);
  });

  it('treats a host that only looks like loopback as remote', () => {
    // Prepare
    const config = loadFeedConfig(configFileJson(), { SITE_URL: 'http://127.0.0.1.example.org/' });

    // Act
    const warnings = configWarnings(config);

    // Assess
    expect(warnings).toHaveLength(1);
  });
});

describe('idPrefix as an RFC 4151 tag', () => {
  it.each([
    'tag:example.org,2026:',
    'tag:news.example-site.org,2026-02:',
    'tag:desk@example.org,2024-02-29:',
    'tag:desk.news_room-1@example.org,2026-12-31:',
    'tag:example.org,2026:feeds/news/',
    "tag:example.org,2026:a%20b/~!$&'()*+,;=:@?",
    'tag:xn--bcher-kva.example,2026:',
  ])('accepts %s', (idPrefix) => {
    // Prepare
    const file = configFileJson({ idPrefix });

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config.idPrefix).toBe(idPrefix);
  });

  it.each([
    ['a day the month does not have', 'tag:example.org,2026-02-30:', /2026-02-30 is not a date on the calendar/],
    ['29 February of a common year', 'tag:example.org,2025-02-29:', /2025-02-29 is not a date on the calendar/],
    ['day 00', 'tag:example.org,2026-01-00:', /2026-01-00 is not a date on the calendar/],
    ['month 13', 'tag:example.org,2026-13:', /2026-13 has no month 13/],
    ['month 00', 'tag:example.org,2026-00:', /2026-00 has no month 00/],
    ['a date with slashes', 'tag:example.org,2026/02/01:', /"2026\/02\/01" is not a date as YYYY, YYYY-MM or YYYY-MM-DD/],
    ['a one-digit month', 'tag:example.org,2026-2:', /is not a date as YYYY/],
    ['no date', 'tag:example.org:', /followed by "," and a date/],
    ['no colon after the date', 'tag:example.org,2026', /the date must be followed by ":"/],
    ['a label with a leading hyphen', 'tag:-news.example.org,2026:', /"-news\.example\.org" is not a domain name/],
    ['a label with a trailing hyphen', 'tag:news-.example.org,2026:', /is not a domain name/],
    ['an underscore in the domain', 'tag:news_desk.example.org,2026:', /is not a domain name/],
    ['an empty label', 'tag:example..org,2026:', /is not a domain name/],
    ['a label over 63 characters', `tag:${'a'.repeat(64)}.org,2026:`, /is not a domain name/],
    ['a name without a dot', 'tag:localhost,2026:', /"localhost" is not a domain name someone can own/],
    ['no authority', 'tag:,2026:', /a domain name or e-mail address must follow "tag:"/],
    ['an e-mail address with a "+"', 'tag:desk+news@example.org,2026:', /"desk\+news" is not the user part of an e-mail address/],
    ['an e-mail address at a bad domain', 'tag:desk@example_org,2026:', /is not a domain name/],
    ['an upper-case scheme', 'TAG:example.org,2026:', /it must start with "tag:"/],
    ['a fragment', 'tag:example.org,2026:feed#', /after the date only/],
    ['a bad escape', 'tag:example.org,2026:a%zz', /after the date only/],
    ['a space after the date', 'tag:example.org,2026:my feed', /after the date only/],
  ])('rejects %s, naming the field', (_what, idPrefix, reason) => {
    // Prepare
    const file = configFileJson({ idPrefix });

    // Act
    const error = configError(file);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(
      new RegExp(`^${SOURCE.replace(/[.]/g, '\\.')} idPrefix: must be a tag URI prefix such as "tag:example\\.org,2026:" \\(RFC 4151\\): `),
    );
    expect(error.problems[0]).toMatch(reason);
  });

  it('names FEED_ID_PREFIX when the environment sets the bad value', () => {
    // Prepare
    const env = { FEED_ID_PREFIX: 'tag:example.org,2026-02-30:' };

    // Act
    const error = configError(configFileJson(), env);

    // Assess
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^FEED_ID_PREFIX: must be a tag URI prefix .*2026-02-30 is not a date on the calendar, got "tag:example\.org,2026-02-30:"$/,
      ),
    ]);
  });
});

describe('publish interval', () => {
  it.each<[string, Record<string, unknown>, Env, RegExp]>([
    ['ttlMinutes 1 in the file', { ttlMinutes: 1 }, {}, /feed\.config\.json ttlMinutes: /],
    ['PUBLISH_INTERVAL_MINUTES=1', {}, { PUBLISH_INTERVAL_MINUTES: '1' }, /^PUBLISH_INTERVAL_MINUTES: /],
  ])('rejects %s, saying the schedule cannot run that often', (_what, fileOverrides, env, where) => {
    // Prepare
    const file = configFileJson(fileOverrides);

    // Act
    const error = configError(file, env);

    // Assess
    expect(error.problems).toEqual([expect.stringMatching(where)]);
    expect(error.problems[0]).toMatch(
      /must be a whole number from 2 to 10080 \(the EventBridge schedule is rate\(N minutes\), which needs N of 2 or more: "rate\(1 minutes\)" is invalid\), got/,
    );
  });

  it('accepts 2 minutes, the shortest schedule', () => {
    // Prepare
    const env = { PUBLISH_INTERVAL_MINUTES: '2' };

    // Act
    const config = loadFeedConfig(configFileJson(), env);

    // Assess
    expect(config.ttlMinutes).toBe(2);
  });
});

describe('loadRuntimeConfig', () => {
  it('rejects a SITE_URL with a password without repeating it, alongside the other problems', () => {
    // Prepare
    const env = { SITE_URL: 'https://deploy:hunter2@news.example.org/', FEED_BUCKET: 'feeds-bucket', PUBLISH_INTERVAL_MINUTES: '1' };

    // Act
    let error: unknown;
    try {
      loadRuntimeConfig(configFileJson(), env);
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'PUBLISH_INTERVAL_MINUTES',
      'SITE_URL',
    ]);
    expect((error as ConfigError).message).not.toContain('hunter2');
  });
});

describe('how each problem is worded', () => {
  it('names every unknown field, at every level, not only the first', () => {
    // Prepare
    const file = { ...configFileJson(), ttl: 5, titel: 'x', author: { name: 'Desk', mail: 'a@example.org', url: 'x' } };

    // Act
    const error = configError(file);

    // Assess
    expect(error.problems.map((problem) => problem.replace(/: .*/, '')).sort()).toEqual([
      `${SOURCE} author.mail`,
      `${SOURCE} author.url`,
      `${SOURCE} titel`,
      `${SOURCE} ttl`,
    ]);
  });

  it('says a group of settings must be an object, and names what is then missing from it', () => {
    // Prepare
    const file = configFileJson({ author: 'News Desk', feedUrls: ['https://cdn.example.org/rss.xml'] });

    // Act
    const error = configError(file);

    // Assess
    expect([...error.problems].sort()).toEqual([
      `${SOURCE} author.name: is required and must not be empty`,
      `${SOURCE} author: must be an object`,
      `${SOURCE} feedUrls: must be an object`,
    ]);
  });

  it('shows a wrong value as it was given, spaces and all', () => {
    // Prepare
    const env = { FEED_LANGUAGE: ' english ' };

    // Act
    const error = configError(configFileJson(), env);

    // Assess
    expect(error.problems).toEqual(['FEED_LANGUAGE: must be a language tag such as "en" or "uk-UA", got " english "']);
  });

  it('takes a variable of spaces as set, and names it as the empty one', () => {
    // Prepare
    const env = { FEED_TITLE: '   ' };

    // Act
    const error = configError(configFileJson(), env);

    // Assess
    expect(error.problems).toEqual(['FEED_TITLE: is required and must not be empty']);
  });

  it('treats null in the file as unset: the default for an optional setting, "required" for another', () => {
    // Prepare
    const file = configFileJson({ copyright: null, timeZone: null, description: null });

    // Act
    const error = configError(file);

    // Assess
    expect(error.problems).toEqual([`${SOURCE} description: is required and must not be empty`]);
  });

  it('names the bucket variable and the value for a bucket name S3 would refuse', () => {
    // Act
    const act = () => loadPublishSettings({ FEED_BUCKET: 'Not_A_Bucket' });

    // Assess
    expect(act).toThrow(/- FEED_BUCKET: must be a valid S3 bucket name, got "Not_A_Bucket"$/m);
  });

  it('checks SEEDS_PREFIX only for seeds in the bucket, and alongside every other problem', () => {
    // Act
    const bundled = loadPublishSettings({ FEED_BUCKET: 'feeds-bucket', SEEDS_PREFIX: 'no-slash' });
    let error: unknown;
    try {
      loadPublishSettings({ SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'no-slash', S3_FORCE_PATH_STYLE: 'yes' });
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(bundled.seeds).toEqual({ from: 'bundle' });
    expect((error as ConfigError).problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'FEED_BUCKET',
      'S3_FORCE_PATH_STYLE',
      'SEEDS_PREFIX',
    ]);
  });

  it('reads every publish setting, trimmed where a value can hold no spaces', () => {
    // Prepare
    const env = {
      FEED_BUCKET: ' feeds-bucket ',
      SEEDS_DIR: '/var/Articles ',
      CACHE_CONTROL: ' no-cache ',
      S3_ENDPOINT: ' http://127.0.0.1:4568 ',
      S3_FORCE_PATH_STYLE: ' true ',
      UNPUBLISH_MAX_SHARE: '30 %',
      MAX_SEED_BYTES: '64 KiB',
    };

    // Act
    const settings = loadPublishSettings(env);

    // Assess
    expect(settings).toEqual({
      bucket: 'feeds-bucket',
      // A path as given: a folder's name may end in a space.
      seeds: { from: 'bundle', dir: '/var/Articles ' },
      cacheControl: 'no-cache',
      maxUnpublishShare: 0.3,
      limits: { seedBytes: 65536, feedBytes: 1048576 },
      s3: { endpoint: 'http://127.0.0.1:4568', forcePathStyle: true },
    });
  });
});

describe('loadUnpublishShare and loadLimits, as the CLI calls them', () => {
  it("add their problems to the caller's list and return the defaults", () => {
    // Prepare
    const problems = ['an earlier problem'];
    const env = { UNPUBLISH_MAX_SHARE: 'half', MAX_FEED_BYTES: '1KiB' };

    // Act
    const share = loadUnpublishShare(env, problems);
    const limits = loadLimits(env, problems);

    // Assess
    expect(share).toBe(0.2);
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(problems).toEqual([
      'an earlier problem',
      'UNPUBLISH_MAX_SHARE: must be a share from 0 to 1 (e.g. 0.2) or a percentage (e.g. 20%), got "half"',
      'MAX_FEED_BYTES: must be a size of at least 16384 bytes, such as 1048576, 512KiB or 1MiB, got "1KiB"',
    ]);
  });

  it('read nothing wrong from an empty environment', () => {
    // Prepare
    const problems: string[] = [];

    // Act
    const share = loadUnpublishShare({}, problems);
    const limits = loadLimits({ MAX_SEED_BYTES: '' }, problems);

    // Assess
    expect([share, limits, problems]).toEqual([0.2, { seedBytes: 1048576, feedBytes: 1048576 }, []]);
  });
});

describe('loadRuntimeConfig with everything right', () => {
  it('returns the feed, with SITE_URL as its site, and the publish settings', () => {
    // Prepare
    const env = { SITE_URL: 'https://cdn.example.org/news', FEED_BUCKET: 'feeds-bucket' };

    // Act
    const { feed, publish } = loadRuntimeConfig(configFileJson(), env);

    // Assess
    expect(feed.siteUrl).toBe('https://cdn.example.org/news/');
    expect(publish.bucket).toBe('feeds-bucket');
  });
});

describe('websubHub', () => {
  it('is optional: a config without it has no hub', () => {
    // Act
    const config = loadFeedConfig(configFileJson(), {});

    // Assess
    expect(config).not.toHaveProperty('websubHub');
  });

  it('is read from the file, spelt as the feeds will spell it', () => {
    // Prepare
    const file = configFileJson({ websubHub: ' https://PubSubHubbub.appspot.com ' });

    // Act
    const config = loadFeedConfig(file, {});

    // Assess
    expect(config.websubHub).toBe('https://pubsubhubbub.appspot.com/');
  });

  it('refuses plain http:// to another machine: subscribers would send it their secrets in the clear', () => {
    // Act
    const error = configError(configFileJson({ websubHub: 'http://hub.example.net/' }));

    // Assess
    expect(error.problems).toEqual([
      `${SOURCE} websubHub: must be an https:// URL (http:// only for a hub on this machine), got "http://hub.example.net/"`,
    ]);
  });

  it.each(['http://127.0.0.1:8080/hub', 'http://localhost/hub', 'http://[::1]:8080/'])(
    'accepts plain http:// on this machine: %s',
    (hub) => {
      // Act
      const config = loadFeedConfig(configFileJson(), { FEED_WEBSUB_HUB: hub });

      // Assess
      expect(config.websubHub).toBe(hub);
      expect(configWarnings(config)).toEqual([]);
    },
  );

  it('refuses what is no http(s) URL', () => {
    // Act
    const error = configError(configFileJson(), { FEED_WEBSUB_HUB: 'pubsubhubbub.appspot.com' });

    // Assess
    expect(error.problems).toEqual(['FEED_WEBSUB_HUB: must be an absolute http:// or https:// URL, got "pubsubhubbub.appspot.com"']);
  });
});
