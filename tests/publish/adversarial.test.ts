/**
 * What input an attacker or a careless editor controls can make a publish run do: seed names and
 * texts, objects someone else put in the bucket, a hand-edited manifest, settings. Each test
 * pins one way it must not do harm: a write or delete outside the site's own keys, a page that
 * escapes `articles/`, markup from a seed, a permalink taken over, a link left to nothing, the
 * guard bypassed, one bad seed stopping the others or the run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, tempDir, testFeedConfig, text, utf8 } from './support.js';
import { linkedKeys, MANIFEST, memorySite, under } from './support-site.js';

/** After every article's day and publish time (00:00 UTC). */
const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const SITE_FILES = ['index.html', 'rss.xml', 'atom.xml', 'feed.json', '404.html', 'feed.css'];
const PAGE_KEY = /^articles\/[^/]+\.html$/;
const ARCHIVE_KEY = /^archive\/(rss|atom)-[1-9]\d*\.xml$|^archive\/feed-[1-9]\d*\.json$/;

/** Ten valid seeds, `a01.txt` … `a10.txt`, one a day from 2026-02-01, titled `Title N`. */
function tenSeeds(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 1; n <= 10; n++) {
    const two = String(n).padStart(2, '0');
    files[`a${two}.txt`] = seed(`2026-02-${two}`, `Title ${n}`, `Body of article ${n}.`);
  }
  return files;
}

/** The page key of `a0N.txt` as tenSeeds titles it. */
const pageOf = (n: number) => `articles/2026-02-${String(n).padStart(2, '0')}-title-${n}.html`;

/** The storage, with every put and delete it receives logged as `put KEY` / `delete KEY`. */
function logged(storage: Storage): { storage: Storage; log: string[] } {
  const log: string[] = [];
  return {
    log,
    storage: {
      get: (key, options) => storage.get(key, options),
      list: (prefix, options) => storage.list(prefix, options),
      put: (key, body, options) => {
        log.push(`put ${key}`);
        return storage.put(key, body, options);
      },
      delete: (key) => {
        log.push(`delete ${key}`);
        return storage.delete(key);
      },
    },
  };
}

function settingsWith(overrides: Record<string, unknown> = {}, maxUnpublishShare = 0.2): PlanSettings {
  return { config: testFeedConfig(overrides), cacheControl: 'max-age=300', maxUnpublishShare };
}

/** The manifest in the site, parsed, for a hand edit. */
function readManifest(site: MemoryStorage): { articles: Record<string, Record<string, unknown>> } & Record<string, unknown> {
  return JSON.parse(text(site.objects.get(MANIFEST)!.body));
}

async function writeManifest(site: MemoryStorage, manifest: unknown): Promise<void> {
  await site.put(MANIFEST, utf8(`${JSON.stringify(manifest, null, 1)}\n`), { contentType: 'application/json' });
}

/** Article keys the feeds and the index link to that are not in the site. */
function danglingLinks(site: MemoryStorage): string[] {
  return linkedKeys(site.objects).filter((key) => !site.objects.has(key));
}

describe('adversarial: where a run writes and deletes', () => {
  it('writes only the site’s own keys and the manifest, deletes only its own article pages and archive documents beyond the archive, and leaves the seeds and foreign objects alone', async () => {
    // Prepare: seeds under seeds/ of the site's own bucket, beside objects someone else put there.
    const bucket = new MemoryStorage();
    for (const [name, content] of Object.entries(tenSeeds()))
      await bucket.put(`seeds/${name}`, utf8(content), { contentType: 'text/plain' });
    const foreign: Record<string, string> = {
      'articles/foreign.html': '<p>not the publisher’s</p>',
      'articles/sub/deeper.html': 'deeper',
      'articles/2026-02-01-title-1.html.bak': 'a backup',
      // Named so that no run makes them: their number has a leading zero, or no format is theirs.
      'archive/rss-099.xml': '<rss/>',
      'archive/feed-99.xml': '<rss/>',
      '_publish/manifest.json.bak': '{}',
      '_publish/notes.txt': 'notes',
      'seeds/notes.md': 'not a seed',
      'seeds/sub/nested.txt': seed('2026-02-20', 'Nested', 'Not a seed: in a sub-folder.'),
      'seeds/.hidden.txt': seed('2026-02-21', 'Hidden', 'Not a seed: a dot-file.'),
      'robots.txt': 'User-agent: *',
    };
    for (const [key, content] of Object.entries(foreign)) await bucket.put(key, utf8(content), { contentType: 'text/plain' });
    const { storage, log } = logged(bucket);
    const seeds = under(bucket, 'seeds/');
    const run = (settings: PlanSettings, force = false) => publish({ storage, seeds, settings, now: () => MARCH_1 }, { force });

    // Act: a first run, one that adds, edits and deletes, and a forced one that unpublishes half.
    await run(settingsWith({ itemLimit: 3 }));
    await bucket.put('seeds/b01.txt', utf8(seed('2026-02-15', 'Added Later', 'New.')), { contentType: 'text/plain' });
    await bucket.put('seeds/a02.txt', utf8(seed('2026-02-02', 'Title 2', 'Edited body.')), { contentType: 'text/plain' });
    await bucket.delete('seeds/a03.txt');
    await run(settingsWith({ itemLimit: 3 }));
    for (const n of [4, 5, 6, 7, 8]) await bucket.delete(`seeds/a0${n}.txt`);
    const last = await run(settingsWith({ itemLimit: 3 }), true);

    // Assess
    const puts = log.filter((entry) => entry.startsWith('put ')).map((entry) => entry.slice(4));
    const deletes = log.filter((entry) => entry.startsWith('delete ')).map((entry) => entry.slice(7));
    expect(puts.filter((key) => !(SITE_FILES.includes(key) || key === MANIFEST || PAGE_KEY.test(key) || ARCHIVE_KEY.test(key)))).toEqual(
      [],
    );
    expect(deletes.filter((key) => !ARCHIVE_KEY.test(key)).sort()).toEqual([3, 4, 5, 6, 7, 8].map(pageOf).sort());
    // Ten articles, three in the feeds, made three archive pages; five left make one.
    expect(deletes.filter((key) => ARCHIVE_KEY.test(key)).sort()).toEqual(
      [2, 3].flatMap((n) => [`archive/atom-${n}.xml`, `archive/feed-${n}.json`, `archive/rss-${n}.xml`]).sort(),
    );
    expect([...bucket.objects.keys()].filter((key) => ARCHIVE_KEY.test(key)).sort()).toEqual([
      'archive/atom-1.xml',
      'archive/feed-1.json',
      'archive/rss-1.xml',
    ]);
    expect(last.articles.unpublished).toBe(5);
    for (const [key, content] of Object.entries(foreign)) expect(text(bucket.objects.get(key)!.body), key).toBe(content);
    for (const name of ['a01.txt', 'a02.txt', 'a09.txt', 'a10.txt', 'b01.txt']) expect(bucket.objects.has(`seeds/${name}`)).toBe(true);
    expect(last.articles.seeds).toBe(5);
  });
});

describe('adversarial: a hand-edited manifest', () => {
  it.each(['../rss', '/index', 'https://evil.example/x', 'x/../../404', '..%2F/feed'])(
    'refuses a record whose slug %j has a slash, rebuilds with a warning, and writes no page outside articles/',
    async (slug) => {
      // Prepare
      const site = memorySite(tenSeeds(), { now: MARCH_1 });
      await site.run();
      const manifest = readManifest(site.site);
      manifest.articles['a05.txt'] = { ...manifest.articles['a05.txt'], slug };
      await writeManifest(site.site, manifest);
      const { storage, log } = logged(site.site);

      // Act
      const summary = await site.run({}, storage);

      // Assess
      expect(summary.warnings).toEqual([
        expect.stringMatching(/^_publish\/manifest\.json has a malformed record for "a05\.txt"; rebuilding/),
      ]);
      const written = log.map((entry) => entry.replace(/^put /, ''));
      expect(written.filter((key) => !(SITE_FILES.includes(key) || key === MANIFEST || PAGE_KEY.test(key)))).toEqual([]);
      expect(written.filter((key) => key.startsWith('articles/'))).toEqual(Array.from({ length: 10 }, (_, i) => pageOf(i + 1)));
      expect(text(site.site.objects.get('rss.xml')!.body)).toContain('<rss');
      expect(danglingLinks(site.site)).toEqual([]);
    },
  );

  it('keeps a slug named like a site object ("index", "rss", "404", "..") inside articles/, leaving the index, feeds and 404 page as they are', async () => {
    // Prepare
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    const manifest = readManifest(site.site);
    const slugs = { 'a01.txt': 'index', 'a02.txt': 'rss', 'a03.txt': '404', 'a04.txt': '..' };
    for (const [name, slug] of Object.entries(slugs)) manifest.articles[name] = { ...manifest.articles[name], slug };
    await writeManifest(site.site, manifest);

    // Act
    await site.run();

    // Assess
    const objects = site.snapshot();
    expect(objects['articles/index.html']).toContain('<h1>Title 1</h1>');
    expect(objects['articles/rss.html']).toContain('<h1>Title 2</h1>');
    expect(objects['articles/404.html']).toContain('<h1>Title 3</h1>');
    expect(objects['articles/...html']).toContain('<h1>Title 4</h1>');
    expect(objects['index.html']).toContain('<ol class="articles">');
    expect(objects['rss.xml']).toMatch(/^<\?xml[^>]*\?>\n<\?xml-stylesheet[^>]*\?>\n<rss /);
    expect(objects['404.html']).not.toContain('Title ');
    expect(danglingLinks(site.site)).toEqual([]);
  });

  it('never deletes a page the feeds link to, even when a hand edit gives a renamed seed its old slug', async () => {
    // Prepare: a05.txt renamed b05.txt, and the manifest given a record keeping its permalink.
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    const manifest = readManifest(site.site);
    manifest.articles['b05.txt'] = { slug: manifest.articles['a05.txt']!.slug };
    await writeManifest(site.site, manifest);
    await site.writeSeed('b05.txt', seed('2026-02-05', 'Title 5', 'Body of article 5.'));
    await site.deleteSeed('a05.txt');

    // Act
    await site.run();

    // Assess
    expect(linkedKeys(site.site.objects).some((key) => key.startsWith('articles/2026-02-05-title-5'))).toBe(true);
    expect(danglingLinks(site.site)).toEqual([]);
  });

  it('unpublishes, rather than crashes on, a published record that names no seed once its file is gone', async () => {
    // Prepare: the newest article's record loses its seed and text by hand; its file is deleted, and one added.
    const site = memorySite(tenSeeds(), { now: MARCH_1, config: testFeedConfig({ itemLimit: 3 }) });
    await site.run();
    const manifest = readManifest(site.site);
    const { seed: _seed, text: _text, ...edited } = manifest.articles['a10.txt']!;
    manifest.articles['a10.txt'] = edited;
    await writeManifest(site.site, manifest);
    await site.deleteSeed('a10.txt');
    await site.writeSeed('a11.txt', seed('2026-02-11', 'Title 11', 'Body of article 11.'));

    // Act
    const outcome = await site.run().then(
      (summary) => summary,
      (error: Error) => error,
    );

    // Assess
    expect(outcome).not.toBeInstanceOf(Error);
    expect(linkedKeys(site.site.objects)).not.toContain(pageOf(10));
    expect(danglingLinks(site.site)).toEqual([]);
  });
});

describe('adversarial: seed names', () => {
  it('publishes seeds with unusual names in the bucket each under its own valid item id, and keeps the feeds well-formed', async () => {
    // Prepare
    const names = [
      'caf\u00e9 \u00e0 la carte.txt',
      'a%2F..%2Fb.txt',
      'ends in a dot. .txt',
      `${'long'.repeat(60)}.txt`,
      'q&a <b>"it\'s"<b>.txt',
      'tab\there.txt',
      '\u202Egnp.exe.txt',
      'ctl\u0001char.txt',
      '\uD83D\uDE00 emoji.txt',
    ];
    const bucket = new MemoryStorage();
    for (const [index, name] of names.entries()) {
      const day = `2026-02-${String(index + 1).padStart(2, '0')}`;
      await bucket.put(`seeds/${name}`, utf8(seed(day, `Article ${index + 1}`, 'Text.')), { contentType: 'text/plain' });
    }
    const site = new MemoryStorage();

    // Act
    const summary = await publish({ storage: site, seeds: under(bucket, 'seeds/'), settings: settingsWith(), now: () => MARCH_1 });

    // Assess
    expect(summary.rejected).toEqual([]);
    expect(summary.articles.published).toBe(names.length);
    const json = JSON.parse(text(site.objects.get('feed.json')!.body)) as { items: { id: string }[] };
    const ids = json.items.map((item) => item.id);
    expect(new Set(ids).size).toBe(names.length);
    for (const id of ids) expect(id).toMatch(/^tag:news\.example\.org,2026:articles\/[A-Za-z0-9\-._~%]+$/);
    for (const key of ['rss.xml', 'atom.xml']) expect(XMLValidator.validate(text(site.objects.get(key)!.body)), key).toBe(true);
    expect(danglingLinks(site)).toEqual([]);
  });

  it('keeps a published article and its page when a file differing only in letter case is added beside it', async () => {
    // Prepare
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    await site.writeSeed('a05.TXT', seed('2026-02-20', 'Impostor', 'Someone else’s text under the same item id.'));

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(site.site.objects.has(pageOf(5))).toBe(true);
    expect(summary.rejected.map((rejection) => rejection.file)).toEqual(['a05.TXT']);
    expect(text(site.site.objects.get('feed.json')!.body)).not.toContain('Impostor');
  });

  it('publishes the other seeds of a folder, naming a file whose name holds a backslash as rejected', async () => {
    // Prepare
    const folder = await tempDir('feedpress-adversarial-');
    try {
      for (const [name, content] of Object.entries(tenSeeds())) writeFileSync(join(folder.path, name), content);
      writeFileSync(join(folder.path, 'back\\slash.txt'), seed('2026-02-11', 'Backslash', 'Text.'));
      const site = new MemoryStorage();

      // Act
      const outcome = await publish({
        storage: site,
        seeds: new FolderStorage(folder.path, { requireRoot: true }),
        settings: settingsWith(),
        now: () => MARCH_1,
      }).then(
        (summary) => summary,
        (error: Error) => error,
      );

      // Assess
      expect(outcome).not.toBeInstanceOf(Error);
      const summary = outcome as PublishSummary;
      expect(summary.articles.published).toBeGreaterThanOrEqual(10);
      expect([...summary.rejected, ...summary.skipped].map((entry) => entry.file)).toContain('back\\slash.txt');
    } finally {
      await folder.remove();
    }
  });

  it('names a seed file whose name is not valid UTF-8, instead of dropping it silently', async () => {
    // Prepare
    const folder = await tempDir('feedpress-adversarial-');
    try {
      for (const [name, content] of Object.entries(tenSeeds())) writeFileSync(join(folder.path, name), content);
      // "caf\xE9.txt": the name as Latin-1 wrote it.
      writeFileSync(
        Buffer.concat([Buffer.from(`${folder.path}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]),
        seed('2026-02-12', 'Latin-1', 'T.'),
      );
      const site = new MemoryStorage();

      // Act
      const summary = await publish({
        storage: site,
        seeds: new FolderStorage(folder.path, { requireRoot: true }),
        settings: settingsWith(),
        now: () => MARCH_1,
      });

      // Assess
      expect(summary.articles.published).toBe(10);
      expect([...summary.rejected, ...summary.skipped].map((entry) => entry.file)).toEqual(['caf\uFFFD.txt']);
    } finally {
      await folder.remove();
    }
  });
});

/** Every start tag of an HTML document, each with its name and attribute names (values blanked first). */
function tagsOf(html: string): { name: string; attributes: string[] }[] {
  return [...html.matchAll(/<([a-zA-Z][\w:-]*)([^<>]*)>/g)].map(([, name, rest]) => ({
    name: name!.toLowerCase(),
    attributes: [...rest!.replace(/"[^"]*"/g, '""').matchAll(/\s([^\s=]+)=/g)].map((match) => match[1]!.toLowerCase()),
  }));
}

const ALLOWED_TAGS = new Set(
  'html head meta title link style body div header h1 h2 p a main footer article time ol li figure figcaption blockquote strong code section bdi'.split(
    ' ',
  ),
);

/** The elements the hostile seed below tries to slip in. */
const INJECTED_TAGS = /^(script|img|svg|iframe|b)$/;

describe('adversarial: seed text', () => {
  it('turns no seed text into an element, an event handler or a non-http link on the page, the index or the feeds', async () => {
    // Prepare
    const hostile = seed(
      '2026-02-11',
      '</title><script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      'javascript:alert(1)',
      'Photo: evil.example"><script> by <b onclick=x>me</b>, https://creativecommons.org/licenses/by/4.0/" onmouseover="x <svg onload=alert(1)>',
      'https://example.org/"><script>alert(1)</script>',
      '"><iframe src=//evil.example>',
    );
    const site = memorySite({ ...tenSeeds(), 'evil.txt': hostile }, { now: MARCH_1 });

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([]);
    const objects = site.snapshot();
    const page = Object.keys(objects).find((key) => key.startsWith('articles/2026-02-11-'))!;
    for (const key of [page, 'index.html', 'rss.xml', 'atom.xml']) {
      const tags = tagsOf(objects[key]!);
      // The feeds' own elements are XML: there only HTML element names are looked at.
      const html = key.endsWith('.html') ? tags : tags.filter(({ name }) => ALLOWED_TAGS.has(name) || INJECTED_TAGS.test(name));
      expect(
        html.filter(({ name }) => !ALLOWED_TAGS.has(name)),
        key,
      ).toEqual([]);
      expect(
        html.flatMap(({ attributes }) => attributes.filter((attribute) => attribute.startsWith('on'))),
        key,
      ).toEqual([]);
      const hrefs = [...objects[key]!.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!);
      expect(
        hrefs.filter((href) => !/^(https?:\/\/|articles\/|\.\.\/index\.html$|index\.html$)/.test(href)),
        key,
      ).toEqual([]);
    }
    const items = (JSON.parse(objects['feed.json']!) as { items: { content_html?: string }[] }).items;
    for (const item of items) expect(item.content_html ?? '').not.toMatch(/<(script|img|svg|iframe|b)[\s>]/i);
  });

  // Near the 1 MiB seed limit, where a pattern that backtracks with the square of the length (a
  // `\p{Cf}+$` tried from every position, two lazy groups, a lookbehind over a run of marks)
  // takes minutes: past the Lambda's timeout, which cannot interrupt synchronous work. Linear
  // parsing takes a fraction of a second; the bound leaves a wide margin for a loaded machine.
  it.each([
    ['a run of 300,000 zero-width spaces inside a paragraph (900 KB)', seed('2026-02-11', 'Spaces', `x${'\u200b'.repeat(300_000)}y`)],
    ['a paragraph of 120,000 "a by b, " (960 KB)', seed('2026-02-11', 'Credits', `Photo: ${'a by b, '.repeat(120_000)}`)],
    ['a title of one letter and 400,000 combining marks (800 KB)', seed('2026-02-11', `\u0439${'\u0301'.repeat(400_000)}`, 'Text.')],
  ])(
    'publishes a seed holding %s in seconds, not minutes',
    async (_what, content) => {
      // Prepare
      const site = memorySite({ 'a01.txt': seed('2026-02-01', 'Title 1', 'Text.'), 'big.txt': content }, { now: MARCH_1 });

      // Act
      const started = performance.now();
      const summary = await site.run();
      const elapsed = performance.now() - started;

      // Assess
      expect(summary.articles.published).toBe(2);
      expect(elapsed).toBeLessThan(10_000);
    },
    30_000,
  );
});

describe('adversarial: the unpublish guard', () => {
  it('refuses, writing nothing, a run that would unpublish more than the allowed share by moving articles to a future day', async () => {
    // Prepare: five of ten articles re-dated a year ahead (a search-and-replace gone wrong).
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    for (let n = 1; n <= 5; n++) await site.writeSeed(`a0${n}.txt`, seed('2027-02-01', `Title ${n}`, `Body of article ${n}.`));
    const before = site.snapshot();

    // Act
    const outcome = await site.run().then(
      (summary) => summary,
      (error: Error) => error,
    );

    // Assess
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/UNPUBLISH_MAX_SHARE/);
    expect(site.snapshot()).toEqual(before);
  });

  it('lets a forced run move that many articles to a later day, deleting their pages', async () => {
    // Prepare
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    for (let n = 1; n <= 5; n++) await site.writeSeed(`a0${n}.txt`, seed('2027-02-01', `Title ${n}`, `Body of article ${n}.`));

    // Act
    const summary = await site.run({ force: true });

    // Assess
    expect(summary.articles.published).toBe(5);
    expect(summary.articles.held).toBe(5);
    expect(summary.objects.deleted).toBe(5);
  });

  it('keeps every article, its page and its feed entry when a tool renamed every seed to upper-case .TXT: the ids are the same', async () => {
    // Prepare
    const site = memorySite(tenSeeds(), { now: MARCH_1 });
    await site.run();
    for (const [name, content] of Object.entries(tenSeeds())) {
      await site.deleteSeed(name);
      await site.writeSeed(name.replace(/\.txt$/, '.TXT'), content);
    }
    const before = site.snapshot({ withManifest: false });

    // Act
    const summary = await site.run();

    // Assess: nothing unpublished, nothing written but the manifest.
    expect(summary.articles).toMatchObject({ published: 10, unpublished: 0 });
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(summary.objects.writtenKeys).toEqual([]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
  });
});

describe('adversarial: settings', () => {
  it.each(['articles/', 'archive/', '_publish/'])('refuses SEEDS_PREFIX %j, a folder the site itself writes', (prefix) => {
    // Act
    const load = () => loadPublishSettings({ FEED_BUCKET: 'feeds-bucket', SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: prefix });

    // Assess
    expect(load).toThrow(/SEEDS_PREFIX/);
  });
});
