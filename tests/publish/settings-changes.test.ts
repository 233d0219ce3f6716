/**
 * A change of settings re-renders exactly what it affects. For each setting, a plain run
 * after the change leaves the storage as a clean first publish with the new settings would (every
 * object's bytes, content type and Cache-Control, and the manifest), writes exactly the objects
 * whose bytes or headers differ, a change back returns to the original bytes, and the run after
 * that writes nothing.
 *
 * What is compared: every object of the MemoryStorage (bytes, content type, Cache-Control), the
 * manifest included, byte for byte. All runs use the same clock, so the manifest's settled state
 * (its `from`) is the same; nothing else in it has to differ.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, testFeedConfig, text, utf8 } from './support.js';
import { linkedKeys, MANIFEST } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');

/** Seven articles, one a day from 2026-02-01: with itemLimit 3, archives 1 (full) and 2 (open). */
function notes(count: number, first = Date.UTC(2026, 0, 1)): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, n) => {
      const day = new Date(first + n * 86_400_000).toISOString().slice(0, 10);
      return [`${day}-note-${n}.txt`, seed(day, `Note ${n} & more`, `Lede ${n}.`, `Body ${n}.`)];
    }),
  );
}

/** Seven notes from 2026-02-01, the sixth in Ukrainian (its own `lang` line). */
const SEVEN: Record<string, string> = Object.fromEntries(
  Object.entries(notes(7, Date.UTC(2026, 1, 1))).map(([name, content]) => [
    name,
    name.includes('note-5') ? content.replace('\n\nLede 5.', '\n\nlang uk\n\nНотатка 5.') : content,
  ]),
);

function seedStorage(files: Readonly<Record<string, string>>): MemoryStorage {
  const seeds = new MemoryStorage();
  for (const [name, content] of Object.entries(files)) void seeds.put(name, utf8(content), { contentType: 'text/plain' });
  return seeds;
}

function planSettings(config: FeedConfig, cacheControl = 'max-age=300', extra: Partial<PlanSettings> = {}): PlanSettings {
  return { config, cacheControl, maxUnpublishShare: 0.2, ...extra };
}

const hubFetch: typeof fetch = async () => new Response(null, { status: 204 });

interface Recorded {
  readonly storage: Storage;
  readonly puts: string[];
  readonly deletes: string[];
}

/** The storage, with every put and delete recorded by key. */
function recording(storage: Storage): Recorded {
  const puts: string[] = [];
  const deletes: string[] = [];
  return {
    puts,
    deletes,
    storage: {
      get: (key, options) => storage.get(key, options),
      list: (prefix, options) => storage.list(prefix, options),
      ...(storage.heldAs ? { heldAs: (key: string, body: Uint8Array) => storage.heldAs!(key, body) } : {}),
      put: (key, body, options) => {
        puts.push(key);
        return storage.put(key, body, options);
      },
      delete: (key, options) => {
        deletes.push(key);
        return storage.delete(key, options);
      },
    },
  };
}

async function runInto(
  site: Storage,
  seeds: Storage,
  settings: PlanSettings,
  now = NOW,
): Promise<{ summary: PublishSummary; puts: string[]; deletes: string[] }> {
  const recorded = recording(site);
  const summary = await publish({ storage: recorded.storage, seeds, settings, now: () => now, fetch: hubFetch });
  return { summary, puts: [...recorded.puts].sort(), deletes: [...recorded.deletes].sort() };
}

/** Every object: bytes, content type and Cache-Control. */
function state(storage: MemoryStorage, { withManifest = true } = {}): Record<string, string> {
  return Object.fromEntries(
    [...storage.objects]
      .filter(([key]) => withManifest || key !== MANIFEST)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, object]) => [key, `${object.contentType} | ${object.cacheControl} | ${Buffer.from(object.body).toString('base64')}`]),
  );
}

/** A clean first publish into an empty storage. */
async function clean(files: Readonly<Record<string, string>>, settings: PlanSettings, now = NOW): Promise<MemoryStorage> {
  const site = new MemoryStorage();
  await runInto(site, seedStorage(files), settings, now);
  return site;
}

/** Keys whose object (bytes or headers) differs between two states, or is only in `after`. */
function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((key) => before[key] !== after[key])
    .sort();
}
function goneKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before)
    .filter((key) => !(key in after))
    .sort();
}

/**
 * Publishes `files` with `a`, switches to `b`, back to `a`, and once more: checks each step
 * against clean publishes and counts writes.
 */
async function roundTrip(files: Readonly<Record<string, string>>, a: PlanSettings, b: PlanSettings): Promise<void> {
  const cleanA = state(await clean(files, a));
  const cleanB = state(await clean(files, b));
  const site = new MemoryStorage();
  const seeds = seedStorage(files);
  await runInto(site, seeds, a);
  expect(state(site)).toEqual(cleanA);

  // A → B
  const toB = await runInto(site, seeds, b);
  expect(state(site)).toEqual(cleanB);
  expect(toB.puts.filter((key) => key !== MANIFEST)).toEqual(changedKeys(cleanA, cleanB).filter((key) => key !== MANIFEST));
  expect(toB.deletes).toEqual(goneKeys(cleanA, cleanB));

  // Once more with B: nothing.
  const stillB = await runInto(site, seeds, b);
  expect({ puts: stillB.puts, deletes: stillB.deletes }).toEqual({ puts: [], deletes: [] });

  // B → A
  const toA = await runInto(site, seeds, a);
  expect(state(site)).toEqual(cleanA);
  expect(toA.puts.filter((key) => key !== MANIFEST)).toEqual(changedKeys(cleanB, cleanA).filter((key) => key !== MANIFEST));
  expect(toA.deletes).toEqual(goneKeys(cleanB, cleanA));

  // And the run after that writes nothing.
  const again = await runInto(site, seeds, a);
  expect({ puts: again.puts, deletes: again.deletes }).toEqual({ puts: [], deletes: [] });
}

const BASE = testFeedConfig({ itemLimit: 3 });
const base = planSettings(BASE);
const withConfig = (overrides: Record<string, unknown>, siteUrl?: string) =>
  planSettings(testFeedConfig({ itemLimit: 3, ...overrides }, siteUrl));

/** Settings whose change and change back behave as promised. */
const PASSING: [string, PlanSettings][] = [
  ['title', withConfig({ title: 'Another Title' })],
  ['description', withConfig({ description: 'Another description.' })],
  ['language', withConfig({ language: 'uk' })],
  ['author.name', withConfig({ author: { name: 'Other Desk', email: 'desk@example.org' } })],
  ['idPrefix', withConfig({ idPrefix: 'tag:example.net,2026:feeds/' })],
  ['websubHub', withConfig({ websubHub: 'https://hub.example.org/' })],
  ['publishTime', withConfig({ publishTime: '05:30' })],
  ['timeZone', withConfig({ timeZone: 'Asia/Tokyo' })],
  ['siteUrl', withConfig({}, 'https://elsewhere.example.com/news/')],
  ['itemLimit (archives gone)', withConfig({ itemLimit: 10 })],
  ['itemLimit (more archives)', withConfig({ itemLimit: 2 })],
  ['cacheControl', planSettings(BASE, 'max-age=600')],
  ['cacheControl (not a plain max-age)', planSettings(BASE, 'no-cache')],
  ['MAX_SEED_BYTES (refusing nothing)', planSettings(BASE, 'max-age=300', { limits: { seedBytes: 4096, feedBytes: 1024 * 1024 } })],
];

/** Settings whose change leaves some archive documents with the same bytes: they should not be written. */
const REWRITING_SAME_ARCHIVES: [string, PlanSettings][] = [
  ['author.email', withConfig({ author: { name: 'News Desk', email: 'other@example.org' } })],
  ['copyright', withConfig({ copyright: '© 2026 Example News' })],
  ['ttlMinutes', withConfig({ ttlMinutes: 15 })],
  ['MAX_FEED_BYTES (cutting nothing)', planSettings(BASE, 'max-age=300', { limits: { seedBytes: 1024 * 1024, feedBytes: 16 * 1024 } })],
];

describe('each setting, changed and changed back, on a site with archives', () => {
  it.each(PASSING)('%s: the storage of a clean publish, only what differs written, then nothing', async (_name, changed) => {
    await roundTrip(SEVEN, base, changed);
  });

  it.each(REWRITING_SAME_ARCHIVES)('%s: archive documents with the same bytes are not written again', async (_name, changed) => {
    await roundTrip(SEVEN, base, changed);
  });
});

describe('itemLimit with archives', () => {
  it('120 articles, limit 50 → 30 → 50: each run leaves a clean publish’s storage, writes what differs, deletes archives no longer numbered', async () => {
    const files = notes(120);
    const fifty = planSettings(testFeedConfig({ itemLimit: 50 }));
    const thirty = planSettings(testFeedConfig({ itemLimit: 30 }));
    const cleanThirty = state(await clean(files, thirty));
    expect(Object.keys(cleanThirty).filter((key) => key.startsWith('archive/'))).toHaveLength(9);
    await roundTrip(files, fifty, thirty);
  });
});

describe('siteUrl', () => {
  it('every link moves to the new URL: nothing published names the old host, and every link resolves', async () => {
    const site = new MemoryStorage();
    const seeds = seedStorage(SEVEN);
    await runInto(site, seeds, base);
    const moved = 'https://elsewhere.example.com/news/';
    const run = await runInto(site, seeds, withConfig({}, moved));

    const mentioning = [...site.objects]
      .filter(([key, object]) => key !== MANIFEST && text(object.body).includes('news.example.org/'))
      .map(([key]) => key);
    expect(mentioning).toEqual([]);
    for (const key of linkedKeys(site.objects, moved)) expect(site.objects.has(key), key).toBe(true);
    // The pages keep their keys (relative to the site), rewritten with the new links; none is deleted.
    expect(run.deletes).toEqual([]);
    expect(run.puts.filter((key) => key.startsWith('articles/'))).toHaveLength(7);
  });
});

describe('idPrefix', () => {
  it('changes the item ids, never the permalinks: pages named from titles corrected since keep their slugs', async () => {
    const site = new MemoryStorage();
    const seeds = seedStorage(SEVEN);
    await runInto(site, seeds, base, NOW);
    const later = new Date('2026-06-02T06:00:00.000Z');
    for (const [name, content] of Object.entries(SEVEN)) {
      await seeds.put(name, utf8(content.replace(/^date (\S+) Note/, 'date $1 Corrected note')), { contentType: 'text/plain' });
    }
    await runInto(site, seeds, base, later);
    const pages = [...site.objects.keys()].filter((key) => key.startsWith('articles/')).sort();
    const before = state(site);

    const prefixed = withConfig({ idPrefix: 'tag:example.net,2026:feeds/' });
    const run = await runInto(site, seeds, prefixed, later);
    expect(run.deletes).toEqual([]);
    expect([...site.objects.keys()].filter((key) => key.startsWith('articles/')).sort()).toEqual(pages);
    const ids = (JSON.parse(text(site.objects.get('feed.json')!.body)) as { items: { id: string }[] }).items.map((item) => item.id);
    expect(ids.every((id) => id.startsWith('tag:example.net,2026:feeds/articles/'))).toBe(true);
    for (const key of linkedKeys(site.objects)) expect(site.objects.has(key), key).toBe(true);
    // Pages do not show the id: none is written.
    expect(run.puts.filter((key) => key.startsWith('articles/'))).toEqual([]);

    // Back: the bytes as they were, and then nothing to write.
    await runInto(site, seeds, base, later);
    expect(state(site, { withManifest: false })).toEqual(Object.fromEntries(Object.entries(before).filter(([key]) => key !== MANIFEST)));
    const again = await runInto(site, seeds, base, later);
    expect({ puts: again.puts, deletes: again.deletes }).toEqual({ puts: [], deletes: [] });
  });
});

describe('settings that change no byte', () => {
  it('a time zone giving the same instants (Europe/London in February) leaves every published byte and archive as it was', async () => {
    const site = new MemoryStorage();
    const seeds = seedStorage(SEVEN);
    await runInto(site, seeds, base);
    const before = state(site, { withManifest: false });
    const run = await runInto(site, seeds, withConfig({ timeZone: 'Europe/London' }));
    expect(state(site, { withManifest: false })).toEqual(before);
    // Pages are made again (their input names the publish time), archives are not written again.
    expect(run.puts.filter((key) => key.startsWith('archive/'))).toEqual([]);
  });
});

describe('a held article', () => {
  it('made due by a time zone change is published, as a clean publish with the new zone would', async () => {
    const files = { ...SEVEN, '2026-06-02-later.txt': seed('2026-06-02', 'Later', 'Due on June 2nd.') };
    const evening = new Date('2026-06-01T20:00:00.000Z');
    const tokyo = withConfig({ timeZone: 'Asia/Tokyo' });
    const site = new MemoryStorage();
    const seeds = seedStorage(files);
    const first = await runInto(site, seeds, base, evening);
    expect(first.summary.held).toHaveLength(1);
    await runInto(site, seeds, tokyo, evening);
    expect(state(site)).toEqual(state(await clean(files, tokyo, evening)));
  });
});

describe('a site folder', () => {
  it('ttlMinutes changed: only the documents that carry it are written, and the folder is a clean build’s', async () => {
    const made: string[] = [];
    const folder = async () => {
      const path = await mkdtemp(join(tmpdir(), 'settings-changes-'));
      made.push(path);
      return path;
    };
    const files = async (root: string): Promise<Record<string, string>> => {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      const out: Record<string, string> = {};
      for (const entry of entries) {
        if (!entry.isFile() || entry.name === 'manifest.json') continue;
        const path = join(entry.parentPath, entry.name);
        out[path.slice(root.length + 1)] = (await readFile(path)).toString('base64');
      }
      return out;
    };
    try {
      const seeds = seedStorage(SEVEN);
      const ttl = withConfig({ ttlMinutes: 15 });
      const root = await folder();
      await runInto(new FolderStorage(root), seeds, base);
      const run = await runInto(new FolderStorage(root), seeds, ttl);
      const cleanRoot = await folder();
      await runInto(new FolderStorage(cleanRoot), seeds, ttl);

      // A folder keeps bytes only; its manifest records file times, so it is left out.
      expect(await files(root)).toEqual(await files(cleanRoot));
      expect(run.puts).toEqual([MANIFEST, 'archive/rss-1.xml', 'archive/rss-2.xml', 'rss.xml'].sort());
    } finally {
      for (const path of made) await rm(path, { recursive: true, force: true });
    }
  });
});

describe('determinism', () => {
  it('the same seeds and settings give the same bytes, whatever the clock', async () => {
    const one = state(await clean(SEVEN, base, NOW), { withManifest: false });
    const other = state(await clean(SEVEN, base, new Date('2031-01-01T00:00:00.000Z')), { withManifest: false });
    expect(other).toEqual(one);
  });
});
