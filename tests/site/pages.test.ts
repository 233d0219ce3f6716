/** Article pages and the index: content, escaping, links and the settings each page shows. */
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import { publishedArticle } from '../../src/feed/items.js';
import type { PublishedArticle } from '../../src/feed/model.js';
import { buildFeeds } from '../../src/publish/build.js';
import { articlePage, pageSettings } from '../../src/site/article-page.js';
import { indexPage } from '../../src/site/index-page.js';
import { DESK, ID_PREFIX, SITE_URL, makeConfig } from '../helpers/factory.js';
import { seed, testFeedConfig, utf8 } from '../publish/support.js';

/** After every article below, so the build holds nothing back. */
const NOW = new Date('2026-03-01T00:00:00.000Z');

function build(files: Readonly<Record<string, string>>, overrides: Record<string, unknown> = {}) {
  const config = testFeedConfig(overrides);
  const result = buildFeeds(
    Object.entries(files).map(([fileName, content]) => ({ fileName, bytes: utf8(content) })),
    { config, now: NOW },
  );
  expect(result.corpus.rejected).toEqual([]);
  return { config, published: result.published, json: JSON.parse(result.feed!.documents.json) as JsonFeed };
}

interface JsonFeed {
  items: { id: string; url: string; title: string; content_html: string }[];
}

/** The published article from that seed file: its item id is the prefix, `articles/` and the file name without `.txt`. */
function only(published: readonly PublishedArticle[], fileName: string): PublishedArticle {
  const entry = published.find((candidate) => candidate.item.id === `${ID_PREFIX}articles/${fileName.replace(/\.txt$/, '')}`);
  if (!entry) throw new Error(`${fileName} was not published`);
  return entry;
}

/** The attributes of every `<link …>` element, as name → value records. */
function links(html: string): Record<string, string>[] {
  return [...html.matchAll(/<link\b([^>]*)>/g)].map((match) =>
    Object.fromEntries([...match[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((attribute) => [attribute[1]!, attribute[2]!])),
  );
}

const BRIDGE = '2026-02-03-bridge.txt';
const BRIDGE_TEXT = seed(
  '2026-02-03',
  'Bridge Opens Over the Lybid',
  'A footbridge now links the two banks.',
  'Що далі',
  '“It took five minutes instead of twenty,” said one resident.',
  'https://example.org/bridge?route=1&lang=uk',
);

describe('article page', () => {
  it('is a phone-friendly page in the feed language, with the title, the date and a canonical link', () => {
    // Prepare
    const { config, published } = build({ [BRIDGE]: BRIDGE_TEXT }, { language: 'uk-UA', publishTime: '09:00', timeZone: 'Europe/Kyiv' });
    const entry = only(published, BRIDGE);

    // Act
    const html = articlePage(entry, config);

    // Assess
    expect(html.startsWith('<!doctype html>\n<html lang="uk-UA">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<h1>Bridge Opens Over the Lybid</h1>');
    expect(html).toContain('<title>Bridge Opens Over the Lybid · Example News</title>');
    // 09:00 in Kyiv (UTC+2 in February) is 07:00 UTC: the instant the feeds give as published.
    expect(html).toContain('<time datetime="2026-02-03T07:00:00.000Z">2026-02-03</time>');
    expect(links(html)).toContainEqual({
      rel: 'canonical',
      href: 'https://news.example.org/articles/2026-02-03-bridge-opens-over-the-lybid.html',
    });
    expect(entry.item.url).toBe('https://news.example.org/articles/2026-02-03-bridge-opens-over-the-lybid.html');
  });

  it('carries exactly the body HTML the feeds carry for the same item', () => {
    // Prepare
    const { config, published, json } = build({
      [BRIDGE]: BRIDGE_TEXT,
      '2026-02-01-other.txt': seed('2026-02-01', 'Other', 'Other text.'),
    });
    const entry = only(published, BRIDGE);
    const feedItem = json.items.find((item) => item.url === entry.item.url)!;

    // Act
    const html = articlePage(entry, config);

    // Assess
    expect(feedItem.content_html).toContain('<h2>Що далі</h2>');
    expect(feedItem.content_html).toContain('<a href="https://example.org/bridge?route=1&amp;lang=uk">');
    expect(html).toContain(`\n${feedItem.content_html}\n</article>`);
    expect(html).not.toContain('Other text.');
  });

  it('shows markup in the title and body as text: no script, image or broken attribute', () => {
    // Prepare
    const hostile = seed(
      '2026-02-04',
      '<script>x</script> & <b>bold</b>',
      'Lede with "quotes" onload="alert(1)" and <img src=x onerror=alert(1)>.',
      '<script>alert(document.cookie)</script>',
    );
    const { config, published } = build({ '2026-02-04-hostile.txt': hostile });
    const entry = only(published, '2026-02-04-hostile.txt');

    // Act
    const html = articlePage(entry, config);

    // Assess
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('<h1>&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</h1>');
    expect(html).toContain('<title>&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; · Example News</title>');
    expect(html).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(html).toContain(
      '<meta name="description" content="Lede with &quot;quotes&quot; onload=&quot;alert(1)&quot; and &lt;img src=x onerror=alert(1)&gt;.">',
    );
  });

  it('offers the three feeds for autodiscovery and links home relatively', () => {
    // Prepare
    const { config, published } = build({ [BRIDGE]: BRIDGE_TEXT });

    // Act
    const html = articlePage(only(published, BRIDGE), config);

    // Assess
    const alternates = links(html).filter((link) => link.rel === 'alternate');
    expect(alternates.map(({ type, href }) => ({ type, href }))).toEqual([
      { type: 'application/rss+xml', href: 'https://news.example.org/rss.xml' },
      { type: 'application/atom+xml', href: 'https://news.example.org/atom.xml' },
      { type: 'application/feed+json', href: 'https://news.example.org/feed.json' },
    ]);
    expect(html).toContain('<a href="../index.html">Example News</a>');
  });
});

describe('article page from a stored entry', () => {
  it('shows the title, lede, day and body the entry carries, with no seed to read', () => {
    // Prepare: 00:30 in Kyiv on 3 February is still 2 February in UTC; the page shows the day as written.
    const config = makeConfig({ publishTime: { hour: 0, minute: 30, timeZone: 'Europe/Kyiv' } });
    const entry = publishedArticle(
      {
        fileName: 'late-night.txt',
        day: '2026-02-03',
        slug: '2026-02-03-late-night-session',
        text: {
          title: 'Late Night <Session>',
          lede: 'The council sat past midnight.',
          html: '<p>The council sat past midnight.</p>\n<p>Then it voted.</p>',
        },
      },
      config,
    );

    // Act
    const html = articlePage(entry, config);

    // Assess
    expect(html).toContain('<h1>Late Night &lt;Session&gt;</h1>');
    expect(html).toContain('<title>Late Night &lt;Session&gt; · Example News</title>');
    expect(html).toContain('<meta name="description" content="The council sat past midnight.">');
    expect(html).toContain(`<p class="meta"><time datetime="2026-02-02T22:30:00.000Z">2026-02-03</time> · <bdi>${DESK.name}</bdi></p>`);
    expect(html).toContain('\n<p>The council sat past midnight.</p>\n<p>Then it voted.</p>\n</article>');
    expect(links(html)).toContainEqual({ rel: 'canonical', href: `${SITE_URL}articles/2026-02-03-late-night-session.html` });
  });
});

describe('pageSettings', () => {
  /** One article as a run would publish it under `config`: its item depends on the config too. */
  function pageUnder(config: FeedConfig): string {
    const text = {
      title: 'Bridge Opens',
      lede: 'A footbridge now links the two banks.',
      html: '<p>A footbridge now links the two banks.</p>',
    };
    const entry = publishedArticle({ fileName: '2026-02-03-bridge.txt', day: '2026-02-03', slug: '2026-02-03-bridge-opens', text }, config);
    return articlePage(entry, config);
  }
  /** As the publish manifest records it (through a digest): serialised. */
  const recorded = (config: FeedConfig) => JSON.stringify(pageSettings(config));
  const BASE = makeConfig();

  it.each<[string, Partial<FeedConfig>]>([
    ['title', { title: 'Example News Daily' }],
    ['siteUrl', { siteUrl: 'https://example.com/news/' }],
    ['copyright', { copyright: '© 2026 Example Newsroom' }],
    ['publishTime (hour)', { publishTime: { hour: 9, minute: 0, timeZone: 'UTC' } }],
    ['publishTime (zone)', { publishTime: { hour: 0, minute: 0, timeZone: 'Europe/Kyiv' } }],
  ])('changes when %s changes, a setting every article page shows', (_setting, change) => {
    // Prepare
    const changed = makeConfig(change);

    // Act
    const settings = [recorded(BASE), recorded(changed)];

    // Assess
    expect(settings[1]).not.toBe(settings[0]);
    expect(pageUnder(changed)).not.toBe(pageUnder(BASE));
  });

  it.each<[string, Partial<FeedConfig>]>([
    ['itemLimit', { itemLimit: 5 }],
    ['ttlMinutes', { ttlMinutes: 15 }],
  ])('stays the same when only %s changes, so no article page is rendered again', (_setting, change) => {
    // Prepare
    const changed = makeConfig(change);

    // Act
    const settings = [recorded(BASE), recorded(changed)];

    // Assess
    expect(settings[1]).toBe(settings[0]);
    expect(pageUnder(changed)).toBe(pageUnder(BASE));
  });
});

describe('index page', () => {
  const FOUR = {
    '2026-02-01-a.txt': seed('2026-02-01', 'Oldest Story', 'First lede.'),
    '2026-02-02-b.txt': seed('2026-02-02', 'Second Story', 'Second lede.'),
    '2026-02-03-c.txt': seed('2026-02-03', 'Третя новина', 'Третій лід.'),
    '2026-02-04-d.txt': seed('2026-02-04', 'Newest <Story> & More', 'Newest lede with <tags>.'),
  };

  it('lists the newest articles first, no more than the item limit, with relative links to their pages', () => {
    // Prepare
    const { config, published } = build(FOUR, { itemLimit: 3 });

    // Act
    const html = indexPage(published, config);

    // Assess
    const list = /<ol class="articles">([\s\S]*)<\/ol>/.exec(html)![1]!;
    const entries = [...list.matchAll(/<h2><a href="([^"]+)">([^<]*)<\/a><\/h2>/g)].map((match) => ({ href: match[1]!, title: match[2]! }));
    expect(entries).toEqual([
      { href: 'articles/2026-02-04-newest-story-more.html', title: 'Newest &lt;Story&gt; &amp; More' },
      { href: `articles/${encodeURIComponent('2026-02-03-третя-новина')}.html`, title: 'Третя новина' },
      { href: 'articles/2026-02-02-second-story.html', title: 'Second Story' },
    ]);
    expect(html).not.toContain('Oldest Story');
    // Resolved against the site, each link is the page the feeds point to.
    const urls = published.slice(0, 3).map((entry) => entry.item.url);
    expect(entries.map((entry) => new URL(entry.href, config.siteUrl).href)).toEqual(urls);
    expect(list).toContain('<p>Newest lede with &lt;tags&gt;.</p>');
    expect(list).toContain('<time datetime="2026-02-04T00:00:00.000Z">2026-02-04</time>');
  });

  it('has the language, viewport, canonical site URL and the three autodiscovery links', () => {
    // Prepare
    const { config, published } = build(FOUR, { language: 'en-GB' });

    // Act
    const html = indexPage(published, config);

    // Assess
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<h1>Example News</h1>');
    expect(links(html)).toEqual([
      { rel: 'canonical', href: 'https://news.example.org/' },
      { rel: 'alternate', type: 'application/rss+xml', href: 'https://news.example.org/rss.xml', title: 'Example News (RSS)' },
      { rel: 'alternate', type: 'application/atom+xml', href: 'https://news.example.org/atom.xml', title: 'Example News (Atom)' },
      { rel: 'alternate', type: 'application/feed+json', href: 'https://news.example.org/feed.json', title: 'Example News (JSON Feed)' },
    ]);
    expect(html).not.toMatch(/<script/i);
  });
});

describe('an article in a language of its own', () => {
  const KYIV = '2026-02-10-kyiv.txt';
  const FILES = {
    [BRIDGE]: BRIDGE_TEXT,
    [KYIV]: seed('2026-02-10', 'Міст через Либідь', 'lang uk', 'Новий міст відкрили в неділю.'),
    '2026-02-11-same.txt': seed('2026-02-11', 'Same Language', 'lang EN', 'Declared, but the site’s own.'),
  };

  it('has its page in that language, with the site’s header and footer still in the site’s', () => {
    // Prepare
    const { config, published } = build(FILES);

    // Act
    const html = articlePage(only(published, KYIV), config);

    // Assess
    expect(html.startsWith('<!doctype html>\n<html lang="uk">')).toBe(true);
    expect(html).toContain('<header class="site" lang="en">');
    expect(html).toContain('<footer class="site" lang="en">');
  });

  it('leaves the page of an article without a `lang` line, or in the site’s language, as it was', () => {
    // Prepare
    const { config, published } = build(FILES);

    // Act
    const bridge = articlePage(only(published, BRIDGE), config);
    const same = articlePage(only(published, '2026-02-11-same.txt'), config);

    // Assess
    expect(bridge.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(bridge).toContain('<header class="site"><a href="../index.html">');
    expect(bridge).toContain('<footer class="site"><p>');
    expect(same.startsWith('<!doctype html>\n<html lang="EN">')).toBe(true);
    expect(same).not.toMatch(/<(header|footer) class="site" lang=/);
  });

  it('marks its entry on the index, and only entries whose language differs from the site’s', () => {
    // Prepare
    const { config, published } = build(FILES);

    // Act
    const html = indexPage(published, config);

    // Assess: newest first.
    const list = /<ol class="articles">([\s\S]*)<\/ol>/.exec(html)![1]!;
    expect([...list.matchAll(/<li( lang="[^"]*")?><article>\n<h2><a [^>]*>([^<]*)</g)].map((match) => [match[2], match[1]])).toEqual([
      ['Same Language', undefined],
      ['Міст через Либідь', ' lang="uk"'],
      ['Bridge Opens Over the Lybid', undefined],
    ]);
    expect(html).toContain('<html lang="en">');
  });
});
