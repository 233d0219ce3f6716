import { describe, expect, it } from 'vitest';
import { ConfigError, loadFeedConfig, loadPublishSettings, type Env, type FeedConfig } from '../src/config.js';
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
      feedUrls: { rss: 'https://cdn.example.org/rss.xml', atom: 'https://cdn.example.org/atom.xml', json: 'https://cdn.example.org/feed.json' },
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
      feedUrls: { rss: 'https://cdn.example.org/rss.xml', atom: 'https://cdn.example.org/atom.xml', json: 'https://cdn.example.org/feed.json' },
      author: { name: 'News Desk', email: 'desk@example.org' },
      copyright: '© 2026 Example',
      itemLimit: 20,
      icon: 'https://news.example.org/icon.png',
      publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' },
      ttlMinutes: 15,
    });
  });

  it('accepts the checked-in feed.config.json', async () => {
    // Prepare
    const { readFile } = await import('node:fs/promises');
    const file = JSON.parse(await readFile(new URL('../feed.config.json', import.meta.url), 'utf8')) as unknown;

    // Act
    const load = () => loadFeedConfig(file, {});

    // Assess
    expect(load).not.toThrow();
  });
});

describe('environment overrides', () => {
  it.each<[string, string, (config: FeedConfig) => unknown, unknown]>([
    ['FEED_TITLE', 'From Env', (c) => c.title, 'From Env'],
    ['FEED_DESCRIPTION', 'Described by env', (c) => c.description, 'Described by env'],
    ['SITE_URL', 'https://env.example.org', (c) => [c.siteUrl, c.feedUrls.rss], ['https://env.example.org/', 'https://env.example.org/rss.xml']],
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
    ['FEED_ID_PREFIX', 'tag:env.example.org,2027-05:', (c) => c.idPrefix, 'tag:env.example.org,2027-05:'],
    ['FEED_PUBLISH_TIME', '18:45', (c) => [c.publishTime.hour, c.publishTime.minute], [18, 45]],
    ['FEED_TIME_ZONE', 'America/New_York', (c) => c.publishTime.timeZone, 'America/New_York'],
    ['PUBLISH_INTERVAL_MINUTES', '15', (c) => c.ttlMinutes, 15],
  ])('%s overrides the file', (variable, value, select, expected) => {
    // Prepare
    const file = configFileJson({ copyright: '© File', icon: 'https://news.example.org/file.png', publishTime: '06:00', timeZone: 'UTC', ttlMinutes: 30, itemLimit: 40 });
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

  it.each([['an array', []], ['null', null], ['a string', 'title: x']])('says when the file is %s, not an object', (_what, file) => {
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
    expect((error as ConfigError).problems).toEqual(['feed.config.json language: must be a language tag such as "en" or "uk-UA", got "en_US"']);
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
    ['ttl 0', { ttlMinutes: 0 }, {}, /ttlMinutes: must be a whole number from 1/],
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
    const file = { ...configFileJson(), itemlimit: 10, author: { name: 'Desk', mail: 'desk@example.org' }, feedUrls: { rs: 'https://x.example/rss' } };

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
    expect(settings).toEqual({ bucket: 'feeds-bucket', seeds: { from: 'bundle' }, cacheControl: 'max-age=300', maxUnpublishShare: 0.2, s3: { forcePathStyle: false } });
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

  it.each(['', 'seeds', '/seeds/', 'a//b/'])('rejects SEEDS_PREFIX %j for bucket seeds: they would mix with what readers fetch', (prefix) => {
    // Act
    const act = () => loadPublishSettings({ ...base, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: prefix });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/SEEDS_PREFIX: must be a folder-like key prefix ending in "\/"/);
  });

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
