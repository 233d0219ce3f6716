/**
 * WebSub: a run that changed feeds notifies the hub, a real HTTP server on 127.0.0.1, once per
 * changed feed; a failed notification warns, never fails the run, and is sent again by the next
 * run; a run with nothing new sends nothing. Also what the manifest keeps of pending ones.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_MANIFEST, MANIFEST_KEY, parseManifest, serializeManifest } from '../../src/publish/manifest.js';
import { publish, type PublishRequest } from '../../src/publish/publish.js';
import { pingHub } from '../../src/publish/websub.js';
import type { Storage } from '../../src/storage/storage.js';
import { SITE, testFeedConfig, text, THREE_SEEDS, utf8 } from './support.js';
import { memorySite, type Site } from './support-site.js';

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const FEED_URLS = [`${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`];

interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** What the hub answers a request for `hub.url`: a status, or nothing at all. */
type Answer = (topic: string | null, request: HubRequest) => number | 'hang' | { status: number; location: string };

interface Hub {
  /** `http://127.0.0.1:PORT/hub` */
  readonly url: string;
  readonly requests: HubRequest[];
  answer: Answer;
  close(): Promise<void>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A hub on a free port of 127.0.0.1 that records every request and answers as told (204 unless). */
async function startHub(answer: Answer = () => 204): Promise<Hub> {
  const requests: HubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const answered = hub.answer(new URLSearchParams(request.body).get('hub.url'), request);
      if (answered === 'hang') return;
      if (typeof answered === 'number') res.writeHead(answered).end(answered >= 300 ? 'the hub is unwell\n  today' : '');
      else res.writeHead(answered.status, { location: answered.location }).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hub: Hub = {
    url: `http://127.0.0.1:${port}/hub`,
    requests,
    answer,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return hub;
}

/** The topics of the hub's requests, in order of the feeds (requests go out at once). */
function topics(hub: Hub): (string | null)[] {
  return hub.requests.map((request) => new URLSearchParams(request.body).get('hub.url')).sort();
}

function siteWithHub(hubUrl: string | undefined): Site {
  return memorySite(THREE_SEEDS, { now: MARCH_1, config: testFeedConfig(hubUrl === undefined ? {} : { websubHub: hubUrl }) });
}

/** The feed URLs the stored manifest still has to announce. */
function pending(site: Site): readonly string[] | undefined {
  return parseManifest(site.site.objects.get(MANIFEST_KEY)?.body, MARCH_1).manifest.pendingPings;
}

/** A run of `site` with `fetch` counted, into `storage` if given. */
function runCounting(site: Site, request: PublishRequest = {}, storage: Storage = site.site) {
  const calls: string[] = [];
  const counted: typeof fetch = (input, init) => {
    calls.push(String(input));
    return fetch(input, init);
  };
  const run = publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: counted }, request);
  return { run, calls };
}

describe('WebSub: a run that changed the feeds', () => {
  it('POSTs hub.mode=publish for each feed URL, one form per request, and reports them sent', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);

    // Act
    const summary = await site.run();

    // Assess
    expect(hub.requests).toHaveLength(3);
    for (const request of hub.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/hub', contentType: 'application/x-www-form-urlencoded' });
      const form = new URLSearchParams(request.body);
      expect([...form.keys()]).toEqual(['hub.mode', 'hub.url']);
      expect(form.get('hub.mode')).toBe('publish');
    }
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
    expect(summary.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(summary.warnings).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });

  it('names only the feeds it wrote: one put back behind the publisher`s back is the one announced', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    await site.run();
    await site.site.put('atom.xml', utf8('defaced'), { contentType: 'application/atom+xml' });
    hub.requests.length = 0;

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.writtenKeys).toEqual(['atom.xml']);
    expect(topics(hub)).toEqual([`${SITE}atom.xml`]);
    expect(summary.pings).toEqual({ sent: [`${SITE}atom.xml`], failed: [] });
  });

  it('announces a feed under its configured URL, not where it is stored', async () => {
    // Prepare
    const hub = await startHub();
    const site = memorySite(THREE_SEEDS, {
      now: MARCH_1,
      config: testFeedConfig({ websubHub: hub.url, feedUrls: { rss: 'https://cdn.example.net/news.rss' } }),
    });

    // Act
    await site.run();

    // Assess
    expect(topics(hub)).toEqual(['https://cdn.example.net/news.rss', `${SITE}atom.xml`, `${SITE}feed.json`].sort());
  });
});

describe('WebSub: a run with nothing to announce', () => {
  it('sends nothing when nothing changed and nothing is pending, and leaves the manifest alone', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    await site.run();
    hub.requests.length = 0;
    const manifestBefore = site.site.objects.get(MANIFEST_KEY)!.etag;

    // Act
    const { run, calls } = runCounting(site);
    const summary = await run;

    // Assess
    expect(summary.objects.written).toBe(0);
    expect(calls).toEqual([]);
    expect(hub.requests).toEqual([]);
    expect(summary.pings).toEqual({ sent: [], failed: [] });
    expect(site.site.objects.get(MANIFEST_KEY)!.etag).toBe(manifestBefore);
  });

  it('sends nothing in a dry run, which writes nothing either', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);

    // Act
    const { run, calls } = runCounting(site, { dryRun: true });
    const summary = await run;

    // Assess
    expect(summary.objects.writtenKeys).toContain('rss.xml');
    expect(calls).toEqual([]);
    expect(hub.requests).toEqual([]);
    expect(summary.pings).toBeUndefined();
  });

  it('sends nothing and links no hub when none is configured', async () => {
    // Prepare
    const site = siteWithHub(undefined);

    // Act
    const { run, calls } = runCounting(site);
    const summary = await run;

    // Assess
    expect(summary.objects.writtenKeys).toContain('rss.xml');
    expect(calls).toEqual([]);
    expect(summary.pings).toBeUndefined();
    const feeds = site.snapshot();
    expect(feeds['rss.xml']).not.toContain('rel="hub"');
    expect(feeds['atom.xml']).not.toContain('rel="hub"');
    expect(JSON.parse(feeds['feed.json']!)).not.toHaveProperty('hubs');
    expect(feeds[MANIFEST_KEY]).not.toContain('pendingPings');
  });
});

describe('WebSub: a hub that fails', () => {
  it('answering 500: the run succeeds, warns with the reason, and the next run sends exactly those again', async () => {
    // Prepare
    const hub = await startHub(() => 500);
    const site = siteWithHub(hub.url);

    // Act
    const failing = await site.run();
    hub.answer = () => 204;
    hub.requests.length = 0;
    const retry = await site.run();
    const retried = topics(hub);
    hub.requests.length = 0;
    const after = await site.run();

    // Assess
    expect(failing.objects.writtenKeys).toContain('rss.xml');
    expect(failing.pings?.sent).toEqual([]);
    expect(failing.pings?.failed).toEqual(
      FEED_URLS.map((url) => ({ url, reason: 'the hub answered 500 Internal Server Error: the hub is unwell today' })),
    );
    expect(failing.warnings).toEqual(
      FEED_URLS.map(
        (url) =>
          `WebSub: notifying ${hub.url} of ${url} failed: the hub answered 500 Internal Server Error: the hub is unwell today; the next run tries again`,
      ),
    );
    expect(retry.objects.written).toBe(0);
    expect(retried).toEqual([...FEED_URLS].sort());
    expect(retry.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(pending(site)).toBeUndefined();
    expect(hub.requests).toEqual([]);
    expect(after.pings).toEqual({ sent: [], failed: [] });
  });

  it('refusing one feed: the next run retries that one only', async () => {
    // Prepare
    const atom = `${SITE}atom.xml`;
    const hub = await startHub((topic) => (topic === atom ? 503 : 204));
    const site = siteWithHub(hub.url);
    const first = await site.run();
    hub.answer = () => 204;
    hub.requests.length = 0;

    // Act
    const retry = await site.run();

    // Assess
    expect(first.pings?.sent).toEqual([`${SITE}rss.xml`, `${SITE}feed.json`]);
    expect(first.pings?.failed.map(({ url }) => url)).toEqual([atom]);
    expect(topics(hub)).toEqual([atom]);
    expect(retry.pings).toEqual({ sent: [atom], failed: [] });
  });

  it('refusing the connection: the run succeeds, says why, and keeps the feeds pending', async () => {
    // Prepare
    const closed = await startHub();
    await closed.close();
    const site = siteWithHub(closed.url);

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.articles.published).toBe(3);
    expect(summary.pings?.failed).toHaveLength(3);
    expect(summary.warnings[0]).toMatch(
      /^WebSub: notifying http:\/\/127\.0\.0\.1:\d+\/hub of \S+ failed: the hub could not be reached: .*ECONNREFUSED/,
    );
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it('still pending ones go to the hub with this run`s own, each once', async () => {
    // Prepare
    const hub = await startHub(() => 500);
    const site = siteWithHub(hub.url);
    await site.run();
    hub.answer = () => 204;
    hub.requests.length = 0;
    await site.site.put('feed.json', utf8('{}'), { contentType: 'application/feed+json' });

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.writtenKeys).toEqual(['feed.json']);
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
  });

  it('drops a pending feed URL the config no longer has: nobody reads that feed', async () => {
    // Prepare
    const hub = await startHub(() => 500);
    const site = siteWithHub(hub.url);
    await site.run();
    hub.answer = () => 204;
    hub.requests.length = 0;
    site.settings = {
      ...site.settings,
      config: testFeedConfig({ websubHub: hub.url, feedUrls: { rss: 'https://cdn.example.net/news.rss' } }),
    };

    // Act
    await site.run();

    // Assess
    expect(topics(hub)).toEqual(['https://cdn.example.net/news.rss', `${SITE}atom.xml`, `${SITE}feed.json`].sort());
    expect(pending(site)).toBeUndefined();
  });

  it('drops a pending URL that is none of the feeds`, even when nothing else changed', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    await site.run();
    const manifest = parseManifest(site.site.objects.get(MANIFEST_KEY)!.body, MARCH_1).manifest;
    const foreign = 'https://elsewhere.example.net/feed.xml';
    await site.site.put(MANIFEST_KEY, serializeManifest({ ...manifest, pendingPings: [foreign] }), { contentType: 'application/json' });
    hub.requests.length = 0;

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.written).toBe(0);
    expect(hub.requests).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });

  it('redirecting: reported as a failure, not followed as a GET that any page answers with 200', async () => {
    // Prepare
    const hub = await startHub((_topic, request) => (request.method === 'POST' ? { status: 301, location: '/elsewhere' } : 200));

    // Act
    const result = await pingHub(hub.url, [FEED_URLS[0]!], { fetch });

    // Assess
    expect(result.sent).toEqual([]);
    expect(result.failed).toEqual([
      { url: FEED_URLS[0], reason: 'the hub answered 301 Moved Permanently (redirect to /elsewhere: set the hub to that URL)' },
    ]);
    expect(hub.requests.map((request) => request.method)).toEqual(['POST']);
  });

  it('never answering: given up after the timeout', async () => {
    // Prepare
    const hub = await startHub(() => 'hang');
    const started = performance.now();

    // Act
    const result = await pingHub(hub.url, FEED_URLS, { fetch, timeoutMs: 1000 });

    // Assess
    expect(result.failed).toEqual(FEED_URLS.map((url) => ({ url, reason: 'no answer within 1 s' })));
    expect(hub.requests).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('WebSub: what the manifest remembers', () => {
  it('records the feeds as pending before notifying, so a run stopped right after its manifest leaves them to the next', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    const deadline = new AbortController();
    const stopAtManifest: Storage = {
      get: (key) => site.site.get(key),
      list: (prefix, options) => site.site.list(prefix, options),
      delete: (key) => site.site.delete(key),
      put: async (key, body, options) => {
        const written = await site.site.put(key, body, options);
        if (key === MANIFEST_KEY) deadline.abort(new Error('the Lambda is about to time out'));
        return written;
      },
    };

    // Act
    const stopped = await publish(
      { storage: stopAtManifest, seeds: site.seeds, settings: site.settings, now: () => site.now },
      { signal: deadline.signal },
    );
    const notifiedWhenStopped = hub.requests.length;
    const next = await site.run();

    // Assess
    expect(notifiedWhenStopped).toBe(0);
    expect(stopped.pings?.failed.map(({ reason }) => reason)).toEqual(Array(3).fill('the run was asked to stop'));
    expect(stopped.warnings).toEqual([
      `WebSub: ${hub.url} was not notified of ${FEED_URLS.join(', ')}: the run was asked to stop; the next run tries again`,
    ]);
    expect(next.objects.written).toBe(0);
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
    expect(pending(site)).toBeUndefined();
  });

  it('a failed write of the cleared list warns, keeps the run, and the next run notifies again', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    let manifestWrites = 0;
    const secondManifestFails: Storage = {
      get: (key) => site.site.get(key),
      list: (prefix, options) => site.site.list(prefix, options),
      delete: (key) => site.site.delete(key),
      put: async (key, body, options) => {
        if (key === MANIFEST_KEY && ++manifestWrites === 2) throw new Error('injected failure');
        return site.site.put(key, body, options);
      },
    };

    // Act
    const summary = await publish({ storage: secondManifestFails, seeds: site.seeds, settings: site.settings, now: () => site.now });
    hub.requests.length = 0;
    await site.run();

    // Assess
    expect(summary.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(summary.warnings).toEqual([
      `WebSub: ${hub.url} accepted ${FEED_URLS.join(', ')}, but recording that in ${MANIFEST_KEY} failed (injected failure); the next run notifies them again`,
    ]);
    expect(topics(hub)).toEqual([...FEED_URLS].sort());
  });

  it('clears the list only where the manifest is still the one this run wrote', async () => {
    // Prepare
    const hub = await startHub();
    const site = siteWithHub(hub.url);
    // Another run writes the manifest while the hub is being notified.
    hub.answer = () => {
      const current = site.site.objects.get(MANIFEST_KEY)!;
      site.site.objects.set(MANIFEST_KEY, { ...current, etag: '"another run"' });
      return 204;
    };

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.warnings).toEqual([expect.stringMatching(/^WebSub: .* but recording that in _publish\/manifest\.json failed/)]);
    expect(site.site.objects.get(MANIFEST_KEY)!.etag).toBe('"another run"');
    expect(pending(site)).toEqual(FEED_URLS);
  });

  it('keeps pending feed URLs through a write and a read, and writes nothing for none', () => {
    // Prepare
    const withPending = { ...EMPTY_MANIFEST, pendingPings: FEED_URLS };

    // Act
    const bytes = serializeManifest(withPending);
    const read = parseManifest(bytes, MARCH_1);
    const none = serializeManifest({ ...EMPTY_MANIFEST, pendingPings: [] });

    // Assess
    expect(read.problem).toBeUndefined();
    expect(read.manifest.pendingPings).toEqual(FEED_URLS);
    expect(text(none)).toBe(text(serializeManifest(EMPTY_MANIFEST)));
  });

  it('rebuilds from a manifest whose pending list is not a list of strings, saying so', () => {
    // Prepare
    const bytes = utf8(JSON.stringify({ ...EMPTY_MANIFEST, pendingPings: [42] }));

    // Act
    const read = parseManifest(bytes, MARCH_1);

    // Assess
    expect(read.problem).toBe(`${MANIFEST_KEY} has a malformed "pendingPings"; rebuilding from the seeds and the bucket's listing`);
    expect(read.manifest).toEqual(EMPTY_MANIFEST);
  });
});
