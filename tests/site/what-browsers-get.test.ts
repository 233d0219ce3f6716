/**
 * What a browser gets of the published site, read as a browser reads it: every HTML page
 * (index, article pages, 404) well-formed, with its doctype, charset, viewport, language and
 * title; every setting and article string escaped in every place it lands; nothing the CDN's
 * Content-Security-Policy (infra/cdn.yml) blocks; links that resolve to published objects under a
 * site URL with a path; the same days and instants on the pages as in the feeds; and the browser
 * view of rss.xml, atom.xml and their archives as src/feed/browser-view.ts describes it.
 *
 * The pages come from a whole publish run into memory, so they are the bytes a bucket gets.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import { CONTENT_TYPES } from '../../src/site-files.js';
import { xmlErrors } from '../helpers/feeds.js';
import { memorySite } from '../publish/support-site.js';
import { seed, testFeedConfig } from '../publish/support.js';

/** After every article below, so the run holds nothing back. */
const NOW = new Date('2026-06-01T06:00:00.000Z');

/** A site URL with a path, an ampersand and an apostrophe: all three stay as they are in a URL's path. */
const PREFIXED = "https://example.org/news&views/it's/";

/** Settings whose every string needs escaping in HTML and XML. */
const HOSTILE = {
  title: 'Tom & "Jerry" <News>',
  description: 'Notes on <b>bold</b> & "quotes" \'too\'',
  copyright: '© 2026 <Desk> & "Friends"',
  author: { name: 'Ann & <Bo> "C"', email: 'desk@example.org' },
};

const SEEDS: Readonly<Record<string, string>> = {
  '2026-02-01-harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Monday.', 'Tickets cost 50 hryvnias.'),
  '2026-02-03-bridge.txt': seed('2026-02-03', 'Міст через Либідь', 'lang uk', 'Новий міст відкрили в неділю.'),
  '2026-02-05-budget.txt': seed(
    '2026-02-05',
    'Schools & Shelters <First> "now"',
    'The council voted 31 to 6 for <b>schools</b> & "shelters".',
    'https://example.org/vote?year=2026&page="2"',
  ),
};

/** Every published object as text, by key, after one run. */
async function publishSite(config: FeedConfig, files: Readonly<Record<string, string>> = SEEDS): Promise<Record<string, string>> {
  const site = memorySite(files, { now: NOW, config });
  const summary = await site.run();
  expect(summary.articles.rejected).toBe(0);
  return site.snapshot({ withManifest: false });
}

const htmlKeys = (objects: Record<string, string>) => Object.keys(objects).filter((key) => key.endsWith('.html'));

// A small, strict reader of the markup the publisher writes: it closes every element it opens, so
// any mismatch, stray `<` or bare `&` is an error here (html5lib or a browser would repair it).

interface Element {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: (Element | string)[];
  readonly parent: Element | undefined;
}

interface Parsed {
  readonly root: Element;
  readonly errors: string[];
  readonly doctype: string | undefined;
}

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW_TEXT_ELEMENTS = new Set(['script', 'style']);
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const OPEN_TAG = /<([A-Za-z][\w:.-]*)((?:\s+[^\s"'=<>/]+(?:\s*=\s*"[^"]*")?)*)\s*(\/?)>/y;
const CLOSE_TAG = /<\/([A-Za-z][\w:.-]*)\s*>/y;
const ATTRIBUTE = /\s+([^\s"'=<>/]+)(?:\s*=\s*"([^"]*)")?/g;

function decode(raw: string, where: string, errors: string[]): string {
  if (/&(?!(?:#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);)/i.test(raw)) errors.push(`bare & in ${where}: ${raw.slice(0, 80)}`);
  return raw.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (_whole, hex?: string, decimal?: string, name?: string) =>
    hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : decimal ? String.fromCodePoint(Number(decimal)) : NAMED[name!.toLowerCase()]!,
  );
}

function parseMarkup(markup: string, kind: 'html' | 'xml'): Parsed {
  const errors: string[] = [];
  const root: Element = { name: '#document', attributes: {}, children: [], parent: undefined };
  let current = root;
  let doctype: string | undefined;
  let at = 0;
  const past = (end: string, what: string) => {
    const found = markup.indexOf(end, at);
    if (found < 0) errors.push(`unterminated ${what}`);
    return found < 0 ? markup.length : found + end.length;
  };
  while (at < markup.length) {
    const lt = markup.indexOf('<', at);
    const textEnd = lt < 0 ? markup.length : lt;
    if (textEnd > at) {
      current.children.push(decode(markup.slice(at, textEnd), `the text of <${current.name}>`, errors));
      at = textEnd;
      continue;
    }
    if (markup.startsWith('<!--', at)) {
      at = past('-->', 'comment');
      continue;
    }
    if (markup.startsWith('<![CDATA[', at)) {
      const end = past(']]>', 'CDATA section');
      current.children.push(markup.slice(at + '<![CDATA['.length, end - ']]>'.length));
      at = end;
      continue;
    }
    if (markup.startsWith('<?', at)) {
      at = past('?>', 'processing instruction');
      continue;
    }
    if (/^<!doctype\s/i.test(markup.slice(at, at + 10))) {
      const end = past('>', 'doctype');
      doctype = markup.slice(at, end);
      at = end;
      continue;
    }
    CLOSE_TAG.lastIndex = at;
    const close = CLOSE_TAG.exec(markup);
    if (close) {
      const name = kind === 'html' ? close[1]!.toLowerCase() : close[1]!;
      if (current.name !== name) errors.push(`</${name}> closes <${current.name}>`);
      let open: Element | undefined = current;
      while (open && open.name !== name) open = open.parent;
      if (open?.parent) current = open.parent;
      at = CLOSE_TAG.lastIndex;
      continue;
    }
    OPEN_TAG.lastIndex = at;
    const open = OPEN_TAG.exec(markup);
    if (!open) {
      errors.push(`stray < at ${JSON.stringify(markup.slice(at, at + 40))}`);
      current.children.push('<');
      at++;
      continue;
    }
    const name = kind === 'html' ? open[1]!.toLowerCase() : open[1]!;
    const attributes: Record<string, string> = {};
    for (const [, attribute, value] of open[2]!.matchAll(ATTRIBUTE)) {
      if (attribute! in attributes) errors.push(`<${name}> repeats ${attribute}`);
      attributes[attribute!] = decode(value ?? '', `${attribute} of <${name}>`, errors);
    }
    const element: Element = { name, attributes, children: [], parent: current };
    current.children.push(element);
    at = OPEN_TAG.lastIndex;
    if (kind === 'html' && RAW_TEXT_ELEMENTS.has(name)) {
      const end = markup.toLowerCase().indexOf(`</${name}`, at);
      if (end < 0) errors.push(`<${name}> is never closed`);
      element.children.push(markup.slice(at, end < 0 ? markup.length : end));
      at = end < 0 ? markup.length : markup.indexOf('>', end) + 1;
    } else if (open[3] !== '/' && !(kind === 'html' && VOID_ELEMENTS.has(name))) {
      current = element;
    }
  }
  for (let open = current; open !== root; open = open.parent!) errors.push(`<${open.name}> is never closed`);
  return { root, errors, doctype };
}

function* descendants(element: Element): Generator<Element> {
  for (const node of element.children) {
    if (typeof node === 'string') continue;
    yield node;
    yield* descendants(node);
  }
}

const all = (root: Element, name: string) => [...descendants(root)].filter((element) => element.name === name);

function one(root: Element, name: string): Element {
  const found = all(root, name);
  if (found.length !== 1) throw new Error(`expected one <${name}>, found ${found.length}`);
  return found[0]!;
}

function textOf(node: Element | string): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

/** The language an element's text is in: its own `lang` or `xml:lang`, or the nearest ancestor's. */
function languageOf(element: Element): string | undefined {
  for (let at: Element | undefined = element; at; at = at.parent) {
    const language = at.attributes['xml:lang'] ?? at.attributes.lang;
    if (language !== undefined) return language;
  }
  return undefined;
}

/** The language of the text node that holds `needle`. */
function languageOfText(root: Element, needle: string): string | undefined {
  for (const element of descendants(root)) {
    if (element.children.some((node) => typeof node === 'string' && node.includes(needle))) return languageOf(element);
  }
  throw new Error(`no text holds ${JSON.stringify(needle)}`);
}

/** Every URL an element of the page points to: `href` and `src`, with the element that carries it. */
function urls(root: Element): { element: string; rel?: string; url: string }[] {
  return [...descendants(root)].flatMap((element) =>
    ['href', 'src']
      .filter((name) => element.attributes[name] !== undefined)
      .map((name) => ({
        element: element.name,
        ...(element.attributes.rel === undefined ? {} : { rel: element.attributes.rel }),
        url: element.attributes[name]!,
      })),
  );
}

/** The CSP CloudFront adds to every response, as directive → sources. */
function cdnPolicy(): Map<string, string[]> {
  const yaml = readFileSync(new URL('../../infra/cdn.yml', import.meta.url), 'utf8');
  const policy = /^\s*ContentSecurityPolicy:\s*"([^"]+)"/m.exec(yaml);
  if (!policy) throw new Error('no ContentSecurityPolicy in infra/cdn.yml');
  return new Map(
    policy[1]!
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** The sources a fetch directive falls back to when it is not given, as CSP does through default-src. */
function sourcesFor(policy: Map<string, string[]>, directive: string): string[] {
  return policy.get(directive) ?? policy.get('default-src') ?? ['*'];
}

/** The key of the object a URL under the site names, percent-escapes undone, or undefined outside the site. */
function keyUnder(site: string, url: string): string | undefined {
  if (!url.startsWith(site)) return undefined;
  return decodeURIComponent(url.slice(site.length));
}

describe('every HTML page of the site', () => {
  it('is well-formed: each element closed in order, no stray < and no bare & in text or attribute values', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));

    // Act
    const errors = Object.fromEntries(htmlKeys(objects).map((key) => [key, parseMarkup(objects[key]!, 'html').errors]));

    // Assess
    expect(Object.keys(errors)).toHaveLength(5);
    for (const [key, found] of Object.entries(errors)) expect(found, key).toEqual([]);
  });

  it('opens with the doctype, declares UTF-8 in its first 1024 bytes, and has a viewport, a language and a title', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ ...HOSTILE, language: 'uk-UA' }, PREFIXED));

    for (const key of htmlKeys(objects)) {
      // Act
      const html = objects[key]!;
      const { root, doctype } = parseMarkup(html, 'html');

      // Assess
      expect(html.startsWith('<!doctype html>'), key).toBe(true);
      expect(doctype, key).toBe('<!doctype html>');
      const charset = all(root, 'meta').find((meta) => meta.attributes.charset !== undefined);
      expect(charset?.attributes.charset, key).toBe('utf-8');
      expect(Buffer.byteLength(html.slice(0, html.indexOf('<meta charset'))), key).toBeLessThan(1024);
      expect(all(root, 'meta').find((meta) => meta.attributes.name === 'viewport')?.attributes.content, key).toBe(
        'width=device-width, initial-scale=1',
      );
      expect(one(root, 'html').attributes.lang, key).toMatch(/^(uk-UA|uk)$/);
      expect(one(one(root, 'head'), 'title').children.length, key).toBe(1);
      expect(textOf(one(root, 'title')).trim(), key).not.toBe('');
    }
  });

  it('shows every setting as the text it is: in the title, meta description, feed link titles, header, byline and footer', async () => {
    // Prepare
    const config = testFeedConfig(HOSTILE, PREFIXED);
    const objects = await publishSite(config);
    const article = htmlKeys(objects).find((key) => key.includes('harbour'))!;

    // Act
    const pages = Object.fromEntries(['index.html', '404.html', article].map((key) => [key, parseMarkup(objects[key]!, 'html').root]));

    // Assess
    // The elements the settings would make if their markup were taken for markup.
    const injected = ['b', 'news', 'desk', 'bo'];
    for (const [key, root] of Object.entries(pages)) {
      expect(
        [...descendants(root)].filter((element) => injected.includes(element.name)).map((element) => element.name),
        key,
      ).toEqual([]);
      expect(textOf(one(root, 'title')), key).toContain(config.title);
      const alternates = all(root, 'link').filter((link) => link.attributes.rel === 'alternate');
      expect(
        alternates.map((link) => link.attributes.title),
        key,
      ).toEqual([`${config.title} (RSS)`, `${config.title} (Atom)`, `${config.title} (JSON Feed)`]);
      const header = one(root, 'header');
      expect(textOf(header), key).toBe(`${config.title}${config.description}`);
      expect(textOf(one(root, 'footer')), key).toContain(config.copyright);
    }
    for (const key of ['index.html', '404.html']) {
      expect(all(pages[key]!, 'meta').find((meta) => meta.attributes.name === 'description')?.attributes.content, key).toBe(
        config.description,
      );
    }
    const byline = all(pages[article]!, 'p').find((p) => p.attributes.class === 'meta')!;
    expect(textOf(byline)).toBe(`2026-02-01 · ${config.author.name}`);
  });

  it('shows an article’s title, lede and link as text, and links the URL it names with its query intact', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));
    const key = htmlKeys(objects).find((name) => name.includes('schools'))!;

    // Act
    const { root } = parseMarkup(objects[key]!, 'html');

    // Assess
    expect(textOf(one(root, 'h1'))).toBe('Schools & Shelters <First> "now"');
    expect(textOf(one(root, 'title'))).toBe(`Schools & Shelters <First> "now" · ${HOSTILE.title}`);
    expect(all(root, 'meta').find((meta) => meta.attributes.name === 'description')?.attributes.content).toBe(
      'The council voted 31 to 6 for <b>schools</b> & "shelters".',
    );
    const link = all(one(root, 'article'), 'a');
    expect(link.map((a) => [a.attributes.href, textOf(a)])).toEqual([
      ['https://example.org/vote?year=2026&page="2"', 'https://example.org/vote?year=2026&page="2"'],
    ]);
  });

  it('needs nothing the CDN’s Content-Security-Policy blocks: no script, no handler, no fetch but what it allows', async () => {
    // Prepare
    const policy = cdnPolicy();
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));

    for (const key of htmlKeys(objects)) {
      // Act
      const { root } = parseMarkup(objects[key]!, 'html');
      const elements = [...descendants(root)];

      // Assess: scripts and handlers fall under script-src, here default-src 'none'.
      expect(sourcesFor(policy, 'script-src'), 'the policy').toEqual(["'none'"]);
      expect(all(root, 'script'), key).toEqual([]);
      expect(
        elements.flatMap((element) => Object.keys(element.attributes).filter((name) => /^on/i.test(name))),
        key,
      ).toEqual([]);
      expect(
        urls(root).filter(({ url }) => /^\s*javascript:/i.test(url)),
        key,
      ).toEqual([]);
      // Inline styles only where style-src allows them.
      const inlineStyles = all(root, 'style').length + elements.filter((element) => element.attributes.style !== undefined).length;
      if (inlineStyles > 0) expect(sourcesFor(policy, 'style-src'), key).toContain("'unsafe-inline'");
      // base-uri and form-action 'none'; no element that fetches a frame, an image, an object or a font.
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      expect(policy.get('form-action')).toEqual(["'none'"]);
      const fetching = ['base', 'form', 'img', 'iframe', 'object', 'embed', 'video', 'audio', 'source', 'picture'];
      expect(
        elements.filter((element) => fetching.includes(element.name)).map((element) => element.name),
        key,
      ).toEqual([]);
      // <link> only names other documents: none the browser loads (a stylesheet, an icon, a preload).
      expect([...new Set(all(root, 'link').map((link) => link.attributes.rel))].sort(), key).toEqual(['alternate', 'canonical']);
    }
  });
});

describe('links between the pages', () => {
  it('resolve, from every page, to published objects under a site URL with a path, an & and an apostrophe', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));

    for (const key of htmlKeys(objects)) {
      // Act: each URL as the browser resolves it on the page at its own address.
      const { root } = parseMarkup(objects[key]!, 'html');
      const resolved = urls(root)
        .filter(({ rel }) => rel !== 'canonical')
        .map(({ url }) => new URL(url, `${PREFIXED}${key}`).href)
        .filter((url) => !url.startsWith('https://example.org/vote') && !url.startsWith('https://creativecommons.org/'));

      // Assess
      expect(resolved.length, key).toBeGreaterThanOrEqual(7);
      for (const url of resolved) {
        const target = keyUnder(PREFIXED, url);
        expect(target, `${key} → ${url}`).toBeDefined();
        expect(Object.keys(objects), `${key} → ${url}`).toContain(target);
      }
    }
  });

  it('give each page a canonical link to its own address under the site URL', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({}, PREFIXED));

    for (const key of htmlKeys(objects).filter((name) => name !== '404.html')) {
      // Act
      const canonical = all(parseMarkup(objects[key]!, 'html').root, 'link').find((link) => link.attributes.rel === 'canonical');

      // Assess: the index is the site URL itself, which serves it.
      const expected = key === 'index.html' ? PREFIXED : `${PREFIXED}${key.split('/').map(encodeURIComponent).join('/')}`;
      expect(canonical?.attributes.href, key).toBe(expected);
    }
  });

  it('lead, from the index, to the page of each listed article, and from each article back to the index', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({}, PREFIXED));
    const articles = htmlKeys(objects).filter((key) => key.startsWith('articles/'));

    // Act
    const index = parseMarkup(objects['index.html']!, 'html').root;
    const listed = all(one(index, 'ol'), 'a').map((a) => keyUnder(PREFIXED, new URL(a.attributes.href!, `${PREFIXED}index.html`).href));
    const home = articles.map((key) => {
      const header = one(parseMarkup(objects[key]!, 'html').root, 'header');
      return new URL(one(header, 'a').attributes.href!, `${PREFIXED}${key}`).href;
    });

    // Assess
    expect([...listed].sort()).toEqual([...articles].sort());
    expect(new Set(home)).toEqual(new Set([`${PREFIXED}index.html`]));
  });

  it('on the 404 page are absolute, so they lead to the same objects from whatever depth it is served at', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));
    const { root } = parseMarkup(objects['404.html']!, 'html');

    // Act: CloudFront serves it in place of any missing object.
    const from = (address: string) => urls(root).map(({ url }) => new URL(url, address).href);
    const shallow = from(`${PREFIXED}gone.html`);
    const deep = from(`${PREFIXED}articles/2026/gone/index.html`);

    // Assess
    expect(deep).toEqual(shallow);
    for (const { url } of urls(root)) expect(() => new URL(url), url).not.toThrow();
    const targets = shallow.filter((url) => !url.endsWith('404.html')).map((url) => keyUnder(PREFIXED, url));
    expect(targets).toContain('index.html');
    for (const target of targets) expect(Object.keys(objects)).toContain(target);
  });
});

describe('dates on the pages and in the feeds', () => {
  it('show each article’s seed day with the instant every feed gives as published, on its page, the index and the feed views', async () => {
    // Prepare: 00:30 in Kyiv is still the day before in UTC.
    const objects = await publishSite(testFeedConfig({ publishTime: '00:30', timeZone: 'Europe/Kyiv' }));
    const json = JSON.parse(objects['feed.json']!) as { items: { url: string; date_published: string }[] };

    // Act
    const timesIn = (markup: string, kind: 'html' | 'xml') =>
      all(parseMarkup(markup, kind).root, 'time').map((time) => ({ day: textOf(time), instant: time.attributes.datetime! }));
    const index = timesIn(objects['index.html']!, 'html');
    const pages = htmlKeys(objects)
      .filter((key) => key.startsWith('articles/'))
      .sort()
      .reverse()
      .flatMap((key) => timesIn(objects[key]!, 'html'));
    const rssView = timesIn(objects['rss.xml']!, 'xml');
    const atomView = timesIn(objects['atom.xml']!, 'xml');
    const rssDates = [...objects['rss.xml']!.matchAll(/<pubDate>([^<]+)<\/pubDate>/g)].map((match) => new Date(match[1]!).toISOString());
    const atomDates = [...objects['atom.xml']!.matchAll(/<published>([^<]+)<\/published>/g)].map((match) =>
      new Date(match[1]!).toISOString(),
    );

    // Assess
    const expected = [
      { day: '2026-02-05', instant: '2026-02-04T22:30:00.000Z' },
      { day: '2026-02-03', instant: '2026-02-02T22:30:00.000Z' },
      { day: '2026-02-01', instant: '2026-01-31T22:30:00.000Z' },
    ];
    expect(index).toEqual(expected);
    expect(pages).toEqual(expected);
    expect(rssView).toEqual(expected);
    expect(atomView).toEqual(expected);
    expect(rssDates).toEqual(expected.map(({ instant }) => instant));
    expect(atomDates).toEqual(expected.map(({ instant }) => instant));
    expect(json.items.map((item) => new Date(item.date_published).toISOString())).toEqual(expected.map(({ instant }) => instant));
  });
});

describe('the browser view of rss.xml and atom.xml', () => {
  const FORMATS = [
    { key: 'rss.xml', feed: 'rss' },
    { key: 'atom.xml', feed: 'atom' },
  ] as const;

  /** The XHTML element the renderers put in the channel or feed. */
  function viewIn(xml: string): Element {
    const views = [...descendants(parseMarkup(xml, 'xml').root)].filter(
      (element) => element.name === 'div' && element.attributes.xmlns === 'http://www.w3.org/1999/xhtml',
    );
    expect(views).toHaveLength(1);
    return views[0]!;
  }

  it.each(FORMATS)(
    'of $key shows the feed’s title, description and copyright as text, in a document that stays well-formed XML',
    async ({ key }) => {
      // Prepare
      const config = testFeedConfig(HOSTILE, PREFIXED);
      const objects = await publishSite(config);

      // Act
      const view = viewIn(objects[key]!);

      // Assess
      expect(await xmlErrors(objects[key]!)).toEqual([]);
      const header = one(view, 'header');
      expect([textOf(one(header, 'h1')), textOf(one(header, 'p'))]).toEqual([config.title, config.description]);
      const footer = one(view, 'footer');
      expect(all(footer, 'p').map(textOf)).toEqual(['The articles are also on the site.', config.copyright]);
      expect(one(footer, 'a').attributes.href).toBe(PREFIXED);
      expect([...descendants(view)].map((element) => element.name).filter((name) => ['b', 'News', 'Desk', 'First'].includes(name))).toEqual(
        [],
      );
    },
  );

  it.each(FORMATS)('of $key lists the articles the index lists, with the same page, day and summary', async ({ key }) => {
    // Prepare
    const objects = await publishSite(testFeedConfig(HOSTILE, PREFIXED));
    const index = parseMarkup(objects['index.html']!, 'html').root;
    const fromIndex = all(one(index, 'ol'), 'article').map((article) => ({
      url: new URL(one(article, 'a').attributes.href!, `${PREFIXED}index.html`).href,
      title: textOf(one(article, 'a')),
      day: textOf(one(article, 'time')),
      summary: textOf(one(article, 'p')),
    }));

    // Act
    const fromView = all(one(viewIn(objects[key]!), 'ol'), 'article').map((article) => ({
      url: one(article, 'a').attributes.href!,
      title: textOf(one(article, 'a')),
      day: textOf(one(article, 'time')),
      summary: textOf(one(article, 'p')),
    }));

    // Assess
    expect(fromView).toHaveLength(3);
    expect(fromView).toEqual(fromIndex);
    for (const { url } of fromView) expect(Object.keys(objects)).toContain(keyUnder(PREFIXED, url));
  });

  it.each(FORMATS)(
    'of $key names a stylesheet the CSP lets it load: feed.css, published as CSS, from the feed’s own origin',
    async ({ key, feed }) => {
      // Prepare
      const config = testFeedConfig({}, PREFIXED);
      const objects = await publishSite(config);

      // Act
      const instruction = /^<\?xml [^?]*\?>\n<\?xml-stylesheet type="text\/css" href="([^"]+)"\?>\n/.exec(objects[key]!);

      // Assess
      expect(instruction).not.toBeNull();
      const href = instruction![1]!.replaceAll('&amp;', '&');
      expect(href).toBe(`${PREFIXED}feed.css`);
      expect(new URL(href).origin).toBe(new URL(config.feedUrls[feed]).origin);
      expect(sourcesFor(cdnPolicy(), 'style-src')).toContain("'self'");
      expect(objects['feed.css']).toBeDefined();
      expect(CONTENT_TYPES.css).toBe('text/css; charset=utf-8');
    },
  );
});

describe('the browser view of an archive', () => {
  /** Five articles, two a feed: two in the feeds, three in the archives. */
  const FIVE: Record<string, string> = {};
  for (let day = 1; day <= 5; day++) FIVE[`2026-03-0${day}-note.txt`] = seed(`2026-03-0${day}`, `Note ${day}`, `Paragraph ${day}.`);

  it.each([
    { key: 'archive/rss-1.xml', feed: 'rss.xml' },
    { key: 'archive/atom-1.xml', feed: 'atom.xml' },
  ])('of $key gives the address of the feed to copy into a reader, not the archive’s own', async ({ key, feed }) => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ itemLimit: 2 }, PREFIXED), FIVE);
    expect(objects[key]).toContain('<fh:archive/>');

    // Act
    const view = [...descendants(parseMarkup(objects[key]!, 'xml').root)].find((element) => element.attributes.class?.includes('about'))!;

    // Assess: subscribing to an archive would never show a new article.
    expect(textOf(one(view, 'code'))).toBe(`${PREFIXED}${feed}`);
  });
});

describe('the project’s own English words on a site in another language', () => {
  it('are marked as English on the pages, so screen readers and translators read them as such', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ language: 'uk' }));

    // Act
    const notFound = one(parseMarkup(objects['404.html']!, 'html').root, 'body');
    const index = one(parseMarkup(objects['index.html']!, 'html').root, 'body');

    // Assess
    expect(languageOfText(notFound, 'Page not found')).toMatch(/^en\b/i);
    expect(languageOfText(notFound, 'There is nothing at this address.')).toMatch(/^en\b/i);
    expect(languageOfText(index, 'Subscribe:')).toMatch(/^en\b/i);
  });

  it('are marked as English in the browser view of the feeds', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ language: 'uk' }));

    // Act
    const view = parseMarkup(objects['rss.xml']!, 'xml').root;

    // Assess
    expect(languageOfText(view, 'This is a web feed')).toMatch(/^en\b/i);
    expect(languageOfText(view, 'To subscribe, copy this address into your feed reader:')).toMatch(/^en\b/i);
    expect(languageOfText(view, 'The articles are also on ')).toMatch(/^en\b/i);
  });
});

describe('text that runs right to left', () => {
  const HEBREW: Record<string, string> = {
    '2026-03-01-harbour.txt': seed('2026-03-01', 'Harbour', 'The ferry runs again.'),
    '2026-03-02-shalom.txt': 'date 2026-03-02 שלום עולם\n\nlang he\n\nהמעבורת חוזרת לפעול.\n',
  };

  it('gives a site in Arabic dir="rtl" on every page and in the feeds’ view, and its English words dir="ltr"', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ language: 'ar' }));

    // Act
    const pages = htmlKeys(objects).map((key) => parseMarkup(objects[key]!, 'html').root);
    const view = [...descendants(parseMarkup(objects['rss.xml']!, 'xml').root)].find((element) =>
      element.attributes.class?.includes('feed-view'),
    )!;
    const index = one(parseMarkup(objects['index.html']!, 'html').root, 'body');

    // Assess: every page in the site's language; the Ukrainian article's page runs left to right.
    for (const page of pages) {
      const html = one(page, 'html');
      expect(html.attributes.dir).toBe(html.attributes.lang === 'uk' ? undefined : 'rtl');
    }
    expect(pages.filter((page) => one(page, 'html').attributes.dir === 'rtl').length).toBeGreaterThanOrEqual(3);
    expect(view.attributes.dir).toBe('rtl');
    const subscribe = [...descendants(index)].find((element) => textOf(element) === 'Subscribe:')!;
    expect(subscribe.attributes).toMatchObject({ lang: 'en', dir: 'ltr' });
  });

  it('gives an article in Hebrew on an English site dir="rtl" on its page and its index entry, and the site’s own parts dir="ltr"', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ language: 'en' }), HEBREW);

    // Act
    const page = parseMarkup(objects['articles/2026-03-02-שלום-עולם.html']!, 'html').root;
    const entry = all(one(parseMarkup(objects['index.html']!, 'html').root, 'body'), 'li').find((li) => li.attributes.lang === 'he')!;

    // Assess
    expect(one(page, 'html').attributes).toMatchObject({ lang: 'he', dir: 'rtl' });
    expect(one(page, 'header').attributes).toMatchObject({ lang: 'en', dir: 'ltr' });
    expect(one(page, 'footer').attributes).toMatchObject({ lang: 'en', dir: 'ltr' });
    expect(entry.attributes.dir).toBe('rtl');
  });

  it('adds no dir at all to a site and articles that run left to right', async () => {
    // Prepare
    const objects = await publishSite(testFeedConfig({ language: 'uk' }));

    // Act
    const withDir = Object.entries(objects).filter(([key, body]) => /\.(html|xml)$/.test(key) && body.includes(' dir="'));

    // Assess
    expect(withDir.map(([key]) => key)).toEqual([]);
  });
});
