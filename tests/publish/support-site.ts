/**
 * Helpers for publish tests that need no S3: seeds and site in memory, a run with a settable
 * clock, a check that every link the feeds and the index make resolves, and a storage that fails
 * at a chosen write.
 */
import { XMLParser } from 'fast-xml-parser';
import type { FeedConfig } from '../../src/config.js';
import { publish, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { SITE, seed, testFeedConfig, text, utf8 } from './support.js';

export const MANIFEST = '_publish/manifest.json';

export interface Site {
  readonly seeds: MemoryStorage;
  readonly site: MemoryStorage;
  now: Date;
  settings: PlanSettings;
  /** Publish with these seeds into this site; `storage` replaces the site's storage for one run. */
  run(request?: PublishRequest, storage?: Storage): Promise<PublishSummary>;
  writeSeed(name: string, content: string | Uint8Array): Promise<void>;
  deleteSeed(name: string): Promise<void>;
  /** The site's objects as text, by key. */
  snapshot(options?: { withManifest?: boolean }): Record<string, string>;
}

export function memorySite(
  files: Readonly<Record<string, string>>,
  options: { now: Date; config?: FeedConfig; maxUnpublishShare?: number },
): Site {
  const seeds = new MemoryStorage();
  for (const [name, content] of Object.entries(files)) void seeds.put(name, utf8(content), { contentType: 'text/plain' });
  const site = new MemoryStorage();
  const state: Site = {
    seeds,
    site,
    now: options.now,
    settings: {
      config: options.config ?? testFeedConfig(),
      cacheControl: 'max-age=300',
      maxUnpublishShare: options.maxUnpublishShare ?? 0.2,
    },
    run: (request = {}, storage = site) => publish({ storage, seeds, settings: state.settings, now: () => state.now }, request),
    writeSeed: async (name, content) => {
      await seeds.put(name, typeof content === 'string' ? utf8(content) : content, { contentType: 'text/plain' });
    },
    deleteSeed: (name) => seeds.delete(name),
    snapshot: ({ withManifest = true } = {}) =>
      Object.fromEntries(
        [...site.objects].filter(([key]) => withManifest || key !== MANIFEST).map(([key, object]) => [key, text(object.body)]),
      ),
  };
  return state;
}

/** A prefix of a bucket as a storage of its own: the seeds, as S3Storage with SEEDS_PREFIX sees them. */
export function under(storage: Storage, prefix: string): Storage {
  return {
    get: async (key) => {
      const object = await storage.get(prefix + key);
      return object && { ...object, key };
    },
    put: (key, body, options) => storage.put(prefix + key, body, options),
    delete: (key) => storage.delete(prefix + key),
    list: async (sub, options) =>
      (await storage.list(prefix + sub, options)).map((object) => ({ ...object, key: object.key.slice(prefix.length) })),
  };
}

/** The site's seeds, with `fileName` failing to be read with `error` until healed. */
export function refusingRead(site: Site, fileName: string, error: () => Error): { seeds: Storage; heal: () => void } {
  let failing = true;
  return {
    heal: () => {
      failing = false;
    },
    seeds: {
      get: async (key) => {
        if (failing && key === fileName) throw error();
        return site.seeds.get(key);
      },
      list: (prefix, options) => site.seeds.list(prefix, options),
      put: (key, body, options) => site.seeds.put(key, body, options),
      delete: (key) => site.seeds.delete(key),
    },
  };
}

/** A copy of a memory storage, so one published state can be the start of many runs. */
export function cloneStorage(storage: MemoryStorage): MemoryStorage {
  const copy = new MemoryStorage();
  for (const [key, object] of storage.objects) copy.objects.set(key, { ...object, body: Uint8Array.from(object.body) });
  return copy;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

/** Every article URL the three feeds and the index link to, as object keys. */
export function linkedKeys(objects: ReadonlyMap<string, { body: Uint8Array }>, siteUrl = SITE): string[] {
  const links: string[] = [];
  const rss = objects.get('rss.xml');
  if (rss) {
    const items = [xml.parse(text(rss.body)).rss.channel.item ?? []].flat() as { link: string }[];
    links.push(...items.map((item) => item.link));
  }
  const atom = objects.get('atom.xml');
  if (atom) {
    const entries = [xml.parse(text(atom.body)).feed.entry ?? []].flat() as { link: { '@href': string } }[];
    links.push(...entries.map((entry) => entry.link['@href']));
  }
  const json = objects.get('feed.json');
  if (json) links.push(...(JSON.parse(text(json.body)) as { items: { url: string }[] }).items.map((item) => item.url));
  const index = objects.get('index.html');
  if (index) links.push(...[...text(index.body).matchAll(/href="(articles\/[^"]+)"/g)].map((match) => siteUrl + match[1]!));
  return links.map((url) => {
    if (!url.startsWith(siteUrl)) throw new Error(`${url} is not under ${siteUrl}`);
    return decodeURIComponent(url.slice(siteUrl.length));
  });
}

/** A hundred notes of 2026, one a day from January 1, named `YYYY-MM-DD-note.txt`. */
export const HUNDRED_NOTES: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 100 }, (_, n) => {
    const day = new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
    return [`${day}-note.txt`, seed(day, `Note ${n}`, `Text ${n}.`)];
  }),
);

/**
 * HUNDRED_NOTES published (itemLimit 4: feeds and archives), then every title corrected a day
 * later: each article has an edit date and a slug its title no longer gives. The clock is then
 * one more day on.
 */
export async function correctedSite(): Promise<Site> {
  const site = memorySite(HUNDRED_NOTES, { now: new Date('2026-06-01T06:00:00Z'), config: testFeedConfig({ itemLimit: 4 }) });
  await site.run();
  site.now = new Date('2026-06-02T06:00:00Z');
  for (const [name, content] of Object.entries(HUNDRED_NOTES)) {
    await site.writeSeed(name, content.replace(/^date (\S+) Note (\d+)/, 'date $1 Corrected note $2'));
  }
  await site.run();
  site.now = new Date('2026-06-03T06:00:00Z');
  return site;
}

/**
 * Runs `site` with its signal fired (as by a Lambda's deadline, 'the deadline came') as the
 * `atRead`-th seed is read; resolves once the run has stopped with that reason.
 */
export async function stoppedAtRead(site: Site, atRead: number, request: PublishRequest = {}): Promise<void> {
  const controller = new AbortController();
  let reads = 0;
  const seeds: Storage = {
    get: async (key) => {
      if (++reads === atRead) controller.abort(new Error('the deadline came'));
      return site.seeds.get(key);
    },
    list: (prefix, options) => site.seeds.list(prefix, options),
    put: (key, body, options) => site.seeds.put(key, body, options),
    delete: (key) => site.seeds.delete(key),
  };
  const run = publish(
    { storage: site.site, seeds, settings: site.settings, now: () => site.now },
    { ...request, signal: controller.signal },
  );
  await run.then(
    () => {
      throw new Error(`the run did not stop at seed read ${atRead}`);
    },
    (error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('the deadline came')) throw error;
    },
  );
}

/**
 * Fails the `n`-th write (put or delete, counted from 1) and every write after it. A folder's
 * heldAs is passed through, so that a run on it keeps files as it does without the wrapper.
 */
export function failingFrom(storage: Storage, n: number): { storage: Storage; writes: () => number } {
  let writes = 0;
  const fail = (operation: string, key: string) => {
    writes++;
    if (writes >= n) throw new Error(`injected failure of ${operation} ${key}`);
  };
  return {
    writes: () => writes,
    storage: {
      get: (key) => storage.get(key),
      list: (prefix, options) => storage.list(prefix, options),
      ...(storage.heldAs ? { heldAs: (key: string, body: Uint8Array) => storage.heldAs!(key, body) } : {}),
      put: async (key, body, options) => {
        fail('put', key);
        return storage.put(key, body, options);
      },
      delete: async (key) => {
        fail('delete', key);
        return storage.delete(key);
      },
    },
  };
}
