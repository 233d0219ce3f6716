/**
 * WebSub edges (W3C WebSub, section 7 "Publishing"), beyond websub.test.ts and websub-links.test.ts:
 * which feed URLs the hub hears of (never archives or pages, never a feed whose bytes did not
 * change), that each topic is exactly the feed's rel="self" and each request goes to its
 * rel="hub", how every kind of hub answer (or none) is taken, the bound on how long a hub can
 * hold up a run, what becomes of pending notifications across failed runs, dry runs, forced runs
 * and changes of the hub setting, and the hub setting's own rules.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadFeedConfig, type FeedConfig } from '../../src/config.js';
import { MANIFEST_KEY, parseManifest } from '../../src/publish/manifest.js';
import { publish, PublishError, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import { PING_TIMEOUT_MS } from '../../src/publish/websub.js';
import type { Storage } from '../../src/storage/storage.js';
import { atomFeed, attr, children, rssChannel } from '../helpers/feeds.js';
import { seed, SITE, testFeedConfig, text, THREE_SEEDS, utf8 } from './support.js';
import { memorySite, type Site } from './support-site.js';

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const FEED_URLS = [`${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`];
const FEED_KEYS = ['rss.xml', 'atom.xml', 'feed.json'];

// ---------------------------------------------------------------------------------------------
// A hub on 127.0.0.1, and a hub in a stub

interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly form: URLSearchParams;
}

/** What the hub does with a request for `hub.url`: answer a status, answer and never end the body, or never answer. */
type Answer = number | 'hang' | { readonly status: number; readonly location?: string; readonly endless?: boolean };

interface Hub {
  /** `http://127.0.0.1:PORT<path>` */
  readonly url: string;
  readonly port: number;
  readonly requests: HubRequest[];
  answer: (topic: string | null) => Answer;
}

const servers: (Server | TcpServer)[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startHub(answer: (topic: string | null) => Answer = () => 204, path = '/hub'): Promise<Hub> {
  const requests: HubRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], form });
      const answered = hub.answer(form.get('hub.url'));
      if (answered === 'hang') return;
      if (typeof answered === 'number') {
        res.writeHead(answered).end(answered >= 300 ? 'the hub is unwell' : 'ok');
        return;
      }
      res.writeHead(answered.status, answered.location ? { location: answered.location } : {});
      if (!answered.endless) {
        res.end();
        return;
      }
      // A body that never ends: a byte every 100 ms until the connection is closed.
      res.write('.');
      const drip = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(drip));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hub: Hub = { url: `http://127.0.0.1:${port}${path}`, port, requests, answer };
  return hub;
}

/** The topics the hub was told of, sorted (the requests go out at once). */
function topics(hub: { readonly requests: readonly HubRequest[] }): (string | null)[] {
  return hub.requests.map((request) => request.form.get('hub.url')).sort();
}

/** A fetch that answers every notification itself, recording each topic. */
function stubHub(respond: (topic: string) => Promise<Response> | Response = () => new Response(null, { status: 204 })) {
  const calls: { hub: string; topic: string }[] = [];
  const fetchStub: typeof fetch = async (input, init) => {
    const topic = new URLSearchParams(String(init?.body)).get('hub.url') ?? '';
    calls.push({ hub: String(input), topic });
    return respond(topic);
  };
  return { calls, fetch: fetchStub, topics: () => calls.map(({ topic }) => topic).sort() };
}

// ---------------------------------------------------------------------------------------------
// Sites

function siteWithHub(hubUrl: string | undefined, files: Readonly<Record<string, string>> = THREE_SEEDS, overrides = {}): Site {
  return memorySite(files, {
    now: MARCH_1,
    config: testFeedConfig({ ...overrides, ...(hubUrl === undefined ? {} : { websubHub: hubUrl }) }),
  });
}

/** A run of `site` whose notifications go through `fetchImpl`, into `storage` if given. */
function runWith(site: Site, fetchImpl: typeof fetch, request: PublishRequest = {}, storage: Storage = site.site): Promise<PublishSummary> {
  return publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: fetchImpl }, request);
}

function withConfig(site: Site, config: FeedConfig): void {
  site.settings = { ...site.settings, config };
}

/** The feed URLs the stored manifest still has to announce. */
function pending(site: Site): readonly string[] | undefined {
  return parseManifest(site.site.objects.get(MANIFEST_KEY)?.body, MARCH_1).manifest.pendingPings;
}

/** The site's storage with `put` of the manifest replaced. */
function manifestPutsThrough(site: Site, manifestPut: Storage['put']): Storage {
  return {
    get: (key) => site.site.get(key),
    list: (prefix, options) => site.site.list(prefix, options),
    delete: (key) => site.site.delete(key),
    put: (key, body, options) => (key === MANIFEST_KEY ? manifestPut(key, body, options) : site.site.put(key, body, options)),
  };
}

/** The rel="self" and rel="hub" links of the three feeds as a reader parses them. */
function feedLinks(site: Site) {
  const feeds = site.snapshot();
  const rel = (links: unknown[], name: string) => links.filter((link) => attr(link, 'rel') === name).map((link) => attr(link, 'href'));
  const rssLinks = children(rssChannel(feeds['rss.xml']!), 'atom:link');
  const atomLinks = children(atomFeed(feeds['atom.xml']!), 'link');
  const json = JSON.parse(feeds['feed.json']!) as { feed_url: string; hubs?: { type: string; url: string }[] };
  return {
    rss: { self: rel(rssLinks, 'self'), hub: rel(rssLinks, 'hub') },
    atom: { self: rel(atomLinks, 'self'), hub: rel(atomLinks, 'hub') },
    json: { self: [json.feed_url], hub: (json.hubs ?? []).map((hub) => hub.url) },
  };
}

const FIVE_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
};

// ---------------------------------------------------------------------------------------------

describe('WebSub edges: which feeds the hub hears of', () => {
  it('not of archives, article pages, the index or the other site files: only the three feeds, once each', async () => {
    // Prepare: two items per feed, so the three oldest articles live in an archive only.
    const hub = stubHub();
    const site = siteWithHub('https://hub.example.org/', FIVE_SEEDS, { itemLimit: 2 });
    await runWith(site, hub.fetch);
    hub.calls.length = 0;

    // Act: an article that is in an archive only is edited.
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry now runs on Sundays too.'));
    const archiveOnly = await runWith(site, hub.fetch);
    const afterArchiveOnly = hub.topics();
    // Act: a page, the index and the other site files are put back behind the publisher's back.
    for (const key of ['articles/2026-02-03-bridge-opens.html', 'index.html', 'feed.css', '404.html'])
      await site.site.put(key, utf8('defaced'), { contentType: 'text/html' });
    const pagesOnly = await runWith(site, hub.fetch);
    const afterPagesOnly = hub.topics();
    // Act: a new article opens a second archive page.
    await site.writeSeed('2026-02-11-tram.txt', seed('2026-02-11', 'New Tram Line', 'Trams run every ten minutes.'));
    const newArchive = await runWith(site, hub.fetch);

    // Assess
    expect(archiveOnly.objects.writtenKeys).toEqual(
      expect.arrayContaining(['archive/rss-1.xml', 'archive/atom-1.xml', 'archive/feed-1.json']),
    );
    expect(archiveOnly.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual([]);
    expect(afterArchiveOnly).toEqual([]);
    expect(archiveOnly.pings).toEqual({ sent: [], failed: [] });
    expect([...pagesOnly.objects.writtenKeys].sort()).toEqual([
      '404.html',
      'articles/2026-02-03-bridge-opens.html',
      'feed.css',
      'index.html',
    ]);
    expect(afterPagesOnly).toEqual([]);
    expect(newArchive.objects.writtenKeys).toContain('archive/rss-2.xml');
    expect(hub.topics()).toEqual([...FEED_URLS].sort());
    // An archive is never announced, so it names no hub a reader would wait on in vain.
    const archive = site.snapshot();
    for (const key of ['archive/rss-2.xml', 'archive/atom-2.xml', 'archive/feed-2.json']) {
      expect(archive[key]).toBeDefined();
      expect(archive[key]).not.toContain('127.0.0.1');
      expect(archive[key]).not.toContain('hub.example.org');
    }
  });

  it('a change that alters one feed`s bytes announces that feed alone, under its new URL', async () => {
    // Prepare
    const hub = stubHub();
    const site = siteWithHub('https://hub.example.org/');
    await runWith(site, hub.fetch);
    hub.calls.length = 0;
    withConfig(site, testFeedConfig({ websubHub: 'https://hub.example.org/', feedUrls: { json: 'https://cdn.example.net/feed.json' } }));

    // Act
    const summary = await runWith(site, hub.fetch);

    // Assess
    expect(summary.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual(['feed.json']);
    expect(hub.topics()).toEqual(['https://cdn.example.net/feed.json']);
    expect(summary.pings).toEqual({ sent: ['https://cdn.example.net/feed.json'], failed: [] });
  });

  it('each topic is exactly the rel="self" of the feed as written, and each request goes to exactly its rel="hub"', async () => {
    // Prepare: URLs with characters that XML, the form encoding and URL spelling each treat differently.
    const hub = await startHub(() => 204, '/hub/é&x');
    const feedUrls = {
      rss: 'https://cdn.example.net/a&b/новини.xml',
      atom: 'https://cdn.example.net/a+b/atom%2Bfeed.xml',
      json: 'https://cdn.example.net/feeds/feed.json',
    };
    const site = siteWithHub(hub.url, THREE_SEEDS, { feedUrls });

    // Act
    await site.run();

    // Assess
    const links = feedLinks(site);
    for (const format of ['rss', 'atom', 'json'] as const) {
      expect(links[format].self).toHaveLength(1);
      expect(links[format].hub).toHaveLength(1);
    }
    expect(topics(hub)).toEqual([links.rss.self[0], links.atom.self[0], links.json.self[0]].sort());
    expect(links.rss.self[0]).toBe('https://cdn.example.net/a&b/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8.xml');
    for (const request of hub.requests) {
      expect(request.form.getAll('hub.url')).toHaveLength(1);
      expect(request.form.getAll('hub.mode')).toEqual(['publish']);
      expect(request.contentType).toBe('application/x-www-form-urlencoded');
      const postedTo = `http://127.0.0.1:${hub.port}${request.path}`;
      for (const format of ['rss', 'atom', 'json'] as const) expect(links[format].hub[0]).toBe(postedTo);
    }
  });
});

describe('WebSub edges: how the hub answers', () => {
  it.each([200, 202, 204])('%i is acceptance: nothing stays pending', async (status) => {
    // Prepare
    const hub = await startHub(() => status);
    const site = siteWithHub(hub.url);

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(summary.warnings).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });

  it.each([400, 404, 410, 429, 500, 502, 503])('%i is a failure: the run succeeds, warns, and keeps each feed pending', async (status) => {
    // Prepare
    const hub = await startHub(() => status);
    const site = siteWithHub(hub.url);

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.articles.published).toBe(3);
    expect(summary.objects.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(summary.pings?.sent).toEqual([]);
    for (const { reason } of summary.pings?.failed ?? [])
      expect(reason).toMatch(new RegExp(`^the hub answered ${status}\\b.*: the hub is unwell$`));
    expect(summary.warnings).toHaveLength(3);
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it.each([302, 303, 307, 308])('%i is a failure naming where the hub moved, and is not followed', async (status) => {
    // Prepare
    const hub = await startHub(() => ({ status, location: '/moved' }));
    const site = siteWithHub(hub.url);

    // Act
    const summary = await site.run();

    // Assess
    expect(hub.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(Array(3).fill('POST /hub'));
    for (const { reason } of summary.pings?.failed ?? []) expect(reason).toContain('(redirect to /moved: set the hub to that URL)');
    expect(summary.pings?.failed).toHaveLength(3);
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it('an unknown host (DNS failure): the run succeeds, the warning names the host, and the feeds stay pending', async () => {
    // Prepare: Node's fetch rejects so when getaddrinfo finds no such host.
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND hub.invalid'), { code: 'ENOTFOUND', hostname: 'hub.invalid' });
    const hub = stubHub(() => Promise.reject(new TypeError('fetch failed', { cause: notFound })));
    const site = siteWithHub('https://hub.invalid/');

    // Act
    const summary = await runWith(site, hub.fetch);

    // Assess
    expect(summary.articles.published).toBe(3);
    expect(summary.pings?.failed).toEqual(
      FEED_URLS.map((url) => ({ url, reason: 'the hub could not be reached: getaddrinfo ENOTFOUND hub.invalid' })),
    );
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it('a host whose every address refuses the connection: the warning says so', async () => {
    // Node 20's fetch, for a host with both an IPv4 and an IPv6 address, rejects with a cause
    // that is an AggregateError with an empty message: its code and the refusals tell the reason.
    // Prepare: what Node's fetch rejects with then (seen with a dual-stack lookup on Node 20).
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:443`), { code: 'ECONNREFUSED', address });
    const cause = Object.assign(new AggregateError([refused('192.0.2.1'), refused('2001:db8::1')]), { code: 'ECONNREFUSED' });
    const hub = stubHub(() => Promise.reject(new TypeError('fetch failed', { cause })));
    const site = siteWithHub('https://hub.example.org/');

    // Act
    const summary = await runWith(site, hub.fetch);

    // Assess
    expect(pending(site)).toEqual(FEED_URLS);
    expect(summary.pings?.failed[0]?.reason).toMatch(/^the hub could not be reached: .*ECONNREFUSED/);
  });

  it.each<[string, (socket: import('node:net').Socket) => void]>([
    ['closes the connection without a word', (socket) => socket.destroy()],
    ['answers with no HTTP at all', (socket) => socket.end('hello there\r\n\r\n')],
  ])('a hub that %s: the run succeeds, and the feeds stay pending', async (_what, behave) => {
    // Prepare
    const server = createTcpServer((socket) => socket.once('data', () => behave(socket)));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const site = siteWithHub(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`);

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.articles.published).toBe(3);
    expect(summary.pings?.failed).toHaveLength(3);
    for (const { reason } of summary.pings?.failed ?? []) expect(reason).toMatch(/^the hub could not be reached: \S/);
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it('a hub that never answers, or never ends its answer, holds the run up no longer than one timeout', async () => {
    // Prepare: no answer for RSS; a 500 whose body never ends for Atom; a 200 whose body never ends for JSON.
    const hub = await startHub((topic) =>
      topic === FEED_URLS[0] ? 'hang' : topic === FEED_URLS[1] ? { status: 500, endless: true } : { status: 200, endless: true },
    );
    const site = siteWithHub(hub.url);
    const started = performance.now();

    // Act
    const summary = await site.run();
    const elapsed = performance.now() - started;

    // Assess
    expect(elapsed).toBeLessThan(PING_TIMEOUT_MS + 2500);
    expect(summary.pings?.sent).toEqual([FEED_URLS[2]]);
    expect(summary.pings?.failed).toEqual(
      [FEED_URLS[0], FEED_URLS[1]].map((url) => ({ url, reason: `no answer within ${PING_TIMEOUT_MS / 1000} s` })),
    );
    expect(pending(site)).toEqual([FEED_URLS[0], FEED_URLS[1]]);
  });

  it('the run`s deadline cuts notifications in flight short: the run returns at once and everything stays pending', async () => {
    // Prepare
    const deadline = new AbortController();
    const hub = await startHub(() => {
      if (hub.requests.length === 3) setTimeout(() => deadline.abort(new Error('the Lambda is about to time out')), 50);
      return 'hang';
    });
    const site = siteWithHub(hub.url);
    let manifestWrites = 0;
    const counting = manifestPutsThrough(site, (key, body, options) => {
      manifestWrites++;
      return site.site.put(key, body, options);
    });
    const started = performance.now();

    // Act
    const summary = await site.run({ signal: deadline.signal }, counting);
    const elapsed = performance.now() - started;

    // Assess
    expect(elapsed).toBeLessThan(PING_TIMEOUT_MS - 1000);
    expect(summary.pings?.failed).toEqual(FEED_URLS.map((url) => ({ url, reason: 'the run was asked to stop' })));
    expect(manifestWrites).toBe(1);
    expect(pending(site)).toEqual(FEED_URLS);
  });
});

describe('WebSub edges: pending notifications', () => {
  it.each([
    ['fails once', 1],
    ['fails every time', Number.POSITIVE_INFINITY],
  ])(
    'a run whose manifest write %s after the feeds changed notifies nobody; the next run notifies each changed feed once',
    async (_what, failures) => {
      // Prepare
      const hub = stubHub();
      const site = siteWithHub('https://hub.example.org/');
      await runWith(site, hub.fetch);
      hub.calls.length = 0;
      await site.writeSeed('2026-02-05-budget.txt', seed('2026-02-05', 'Schools & Shelters <First>', 'The council voted 30 to 7.'));
      let failed = 0;
      const flaky = manifestPutsThrough(site, (key, body, options) => {
        if (failed++ < failures) return Promise.reject(new Error('SlowDown: please reduce your request rate'));
        return site.site.put(key, body, options);
      });

      // Act
      const failing = await runWith(site, hub.fetch, {}, flaky).catch((error: unknown) => error);
      const notifiedByFailing = hub.topics();
      const next = await runWith(site, hub.fetch);
      const notifiedByNext = hub.topics();
      hub.calls.length = 0;
      const after = await runWith(site, hub.fetch);

      // Assess
      expect(failing).toBeInstanceOf(PublishError);
      expect((failing as PublishError).summary?.objects?.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
      expect(notifiedByFailing).toEqual([]);
      expect(notifiedByNext).toEqual([...FEED_URLS].sort());
      expect(next.pings).toEqual({ sent: FEED_URLS, failed: [] });
      expect(pending(site)).toBeUndefined();
      expect(after.pings).toEqual({ sent: [], failed: [] });
      expect(hub.calls).toEqual([]);
    },
  );

  it('a hub changed while feeds are pending: the new hub hears of each once, the old one of nothing more', async () => {
    // Prepare
    const oldHub = await startHub(() => 500);
    const newHub = await startHub(() => 204);
    const site = siteWithHub(oldHub.url);
    await site.run();
    withConfig(site, testFeedConfig({ websubHub: newHub.url }));

    // Act
    const summary = await site.run();

    // Assess
    expect(oldHub.requests).toHaveLength(3);
    expect(topics(newHub)).toEqual([...FEED_URLS].sort());
    expect(summary.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(pending(site)).toBeUndefined();
    const links = feedLinks(site);
    expect([links.rss.hub, links.atom.hub, links.json.hub]).toEqual([[newHub.url], [newHub.url], [newHub.url]]);
  });

  it('a hub removed while feeds are pending: nobody is notified and nothing stays pending; set again, it hears of every feed', async () => {
    // Prepare
    const hub = await startHub(() => 500);
    const site = siteWithHub(hub.url);
    await site.run();
    hub.requests.length = 0;
    hub.answer = () => 204;
    withConfig(site, testFeedConfig());

    // Act
    const removed = await site.run();
    const notifiedWithoutHub = hub.requests.length;
    const linksWithoutHub = feedLinks(site);
    const pendingWithoutHub = pending(site);
    withConfig(site, testFeedConfig({ websubHub: hub.url }));
    const restored = await site.run();

    // Assess
    expect(removed.objects.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(removed.pings).toBeUndefined();
    expect(notifiedWithoutHub).toBe(0);
    expect(pendingWithoutHub).toBeUndefined();
    expect([linksWithoutHub.rss.hub, linksWithoutHub.atom.hub, linksWithoutHub.json.hub]).toEqual([[], [], []]);
    expect(restored.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
  });

  it('dry runs, forced or not, leave pending feeds and the manifest alone, and notify nobody', async () => {
    // Prepare
    const hub = await startHub(() => 500);
    const site = siteWithHub(hub.url);
    await site.run();
    hub.requests.length = 0;
    hub.answer = () => 204;
    const manifestBefore = text(site.site.objects.get(MANIFEST_KEY)!.body);

    // Act
    const dry = await site.run({ dryRun: true });
    const dryForced = await site.run({ dryRun: true, force: true });
    const notifiedByDryRuns = hub.requests.length;
    const manifestAfterDryRuns = text(site.site.objects.get(MANIFEST_KEY)!.body);
    const real = await site.run();

    // Assess
    expect(dry.pings).toBeUndefined();
    expect(dryForced.pings).toBeUndefined();
    expect(dryForced.objects.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(notifiedByDryRuns).toBe(0);
    expect(manifestAfterDryRuns).toBe(manifestBefore);
    expect(real.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
  });

  it('a forced republish sends what is pending, each once', async () => {
    // Prepare
    const hub = await startHub(() => 503);
    const site = siteWithHub(hub.url);
    await site.run();
    hub.requests.length = 0;
    hub.answer = () => 204;

    // Act
    const summary = await site.run({ force: true });

    // Assess
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
    expect(summary.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(pending(site)).toBeUndefined();
  });
});

describe('WebSub edges: the hub setting', () => {
  const file = (websubHub: string) => ({
    title: 'Example News',
    description: 'Reports from an example newsroom.',
    siteUrl: SITE,
    language: 'en',
    author: { name: 'News Desk' },
    idPrefix: 'tag:news.example.org,2026:',
    websubHub,
  });
  const problems = (websubHub: string): readonly string[] => {
    try {
      loadFeedConfig(file(websubHub), {});
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it.each([
    ['a user name alone, such as a token', 'https://t0ken-s3cret@hub.example.net/', /must not contain a user name or password$/],
    ['a password alone', 'https://:s3cret@hub.example.net/', /must not contain a user name or password$/],
    ['a host that only starts like localhost', 'http://localhost.example.net/', /must be an https:\/\/ URL/],
    ['a host that only starts like 127.0.0.1', 'http://127.0.0.1.nip.io/', /must be an https:\/\/ URL/],
    ['every address of this machine, which is no loopback', 'http://0.0.0.0/', /must be an https:\/\/ URL/],
    ['a query, which the feeds and the request would not both keep', 'https://hub.example.net/?key=1', /without a query or fragment/],
    ['a fragment', 'https://hub.example.net/#hub', /without a query or fragment/],
    ['another scheme', 'wss://hub.example.net/', /must be an absolute http:\/\/ or https:\/\/ URL/],
  ])('refuses %s, never repeating a secret', (_what, hub, why) => {
    // Act
    const found = problems(hub);

    // Assess
    expect(found).toEqual([expect.stringMatching(why)]);
    expect(found.join('\n')).not.toContain('s3cret');
  });

  it('accepts 127.0.0.1 however it is spelt, and names it in one spelling in the feeds and the requests', async () => {
    // Prepare
    const config = loadFeedConfig(file('http://2130706433/hub'), {});
    const hub = stubHub();
    const site = memorySite(THREE_SEEDS, { now: MARCH_1, config });

    // Act
    await runWith(site, hub.fetch);

    // Assess
    expect(config.websubHub).toBe('http://127.0.0.1/hub');
    expect(new Set(hub.calls.map((call) => call.hub))).toEqual(new Set(['http://127.0.0.1/hub']));
    expect(feedLinks(site).rss.hub).toEqual(['http://127.0.0.1/hub']);
  });
});
