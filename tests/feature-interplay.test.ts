/**
 * Where features meet: the reader middleware of the embedded S3 and a page that is not there,
 * leftover temp files in `cli build` beside the manifest, the data-folder lock written by an
 * earlier version, archive documents beyond the archive in dry and forced runs, and an
 * unreadable seed on a site whose manifest was lost.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { DataFolderBusy, LOCK_FILE, lockDataFolder } from '../src/local/data-lock.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../src/local/embedded-s3.js';
import { publish } from '../src/publish/publish.js';
import { createS3Client } from '../src/storage/s3.js';
import { StorageError, type Storage } from '../src/storage/storage.js';
import { fakeIo } from './helpers/cli-io.js';
import { seed, testFeedConfig } from './publish/support.js';
import { linkedKeys, MANIFEST, memorySite } from './publish/support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');

describe('npm start: what a reader gets for a page that is not there', () => {
  const bucket = 'feeds';
  let dir: string;
  let server: EmbeddedS3;
  let client: S3Client;

  beforeAll(async () => {
    // Prepare (shared): the site's 404 page and one page with a space and Cyrillic in its key, as the publisher wrote them.
    dir = await mkdtemp(join(tmpdir(), 'interplay-reader-'));
    server = await startEmbeddedS3({ directory: join(dir, 'data'), port: 0, bucket, silent: true });
    client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: '404.html', Body: 'Page not found', ContentType: 'text/html; charset=utf-8' }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'articles/2026-01-01-київ x.html',
        Body: 'Kyiv',
        ContentType: 'text/html; charset=utf-8',
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a page whose key holds a space and non-ASCII letters, and a missing archive document as the 404 page', async () => {
    // Prepare
    const page = `${server.endpoint}/${bucket}/${encodeURI('articles/2026-01-01-київ x.html')}`;

    // Act
    const found = await fetch(page);
    const head = await fetch(page, { method: 'HEAD' });
    const missing = await fetch(`${server.endpoint}/${bucket}/archive/rss-9.xml`);

    // Assess
    expect([found.status, await found.text(), head.status]).toEqual([200, 'Kyiv', 200]);
    expect([missing.status, await missing.text()]).toEqual([404, 'Page not found']);
  });

  it.each(['GET', 'HEAD'])('answers a %s of a missing page with If-Modified-Since with 404, not 304', async (method) => {
    // Prepare
    const later = new Date(Date.now() + 3_600_000).toUTCString();

    // Act
    const response = await fetch(`${server.endpoint}/${bucket}/articles/no-such-page.html`, {
      method,
      headers: { 'if-modified-since': later },
    });

    // Assess
    expect(response.status).toBe(404);
  });

  it('answers a range request for a missing page with 404, not 206', async () => {
    // Prepare
    const url = `${server.endpoint}/${bucket}/articles/no-such-page.html`;

    // Act
    const response = await fetch(url, { headers: { range: 'bytes=0-3' } });

    // Assess
    expect(response.status).toBe(404);
  });
});

describe('cli build: temp files a killed build left behind', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interplay-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes a leftover temp file beside the manifest, as it does beside a page', async () => {
    // Prepare
    await writeFile(
      join(dir, 'feed.config.json'),
      JSON.stringify({
        title: 'Example News',
        description: 'Reports.',
        siteUrl: 'https://news.example.org/',
        language: 'en',
        author: { name: 'Desk' },
        idPrefix: 'tag:news.example.org,2026:',
      }),
    );
    await mkdir(join(dir, 'seeds'));
    for (const day of ['01', '02', '03']) {
      await writeFile(join(dir, 'seeds', `2026-02-${day}-s.txt`), seed(`2026-02-${day}`, `Story ${day}`, 'Text.'));
    }
    const build = ['build', '--seeds', 'seeds', '--out', 'out'];
    expect(await runCli(build, fakeIo(dir))).toBe(0);
    const name = '.~tmp-5dd97fe7-5179-4780-9c30-6ee676e9022f';
    const minuteAgo = new Date(Date.now() - 60_000);
    for (const folder of ['articles', '_publish']) {
      await writeFile(join(dir, 'out', folder, name), 'partial');
      await utimes(join(dir, 'out', folder, name), minuteAgo, minuteAgo);
    }
    await writeFile(join(dir, 'seeds', '2026-02-04-s.txt'), seed('2026-02-04', 'Story 04', 'Text.'));

    // Act
    const code = await runCli(build, fakeIo(dir));

    // Assess
    expect(code).toBe(0);
    expect((await readdir(join(dir, 'out', 'articles'))).filter((file) => file.startsWith('.~tmp-'))).toEqual([]);
    expect((await readdir(join(dir, 'out', '_publish'))).filter((file) => file.startsWith('.~tmp-'))).toEqual([]);
  });
});

describe('npm start: the data folder lock', () => {
  it('does not take over the lock of a running process that names no port', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'interplay-lock-'));
    await writeFile(join(dir, LOCK_FILE), `${process.pid}\n`);

    // Act
    const taken = await lockDataFolder(dir, 45_999, process.pid + 1).then(
      () => 'taken over',
      (error: unknown) => error,
    );
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(taken).toBeInstanceOf(DataFolderBusy);
  });
});

describe('archive documents beyond the archive', () => {
  it('lists them on a dry run without deleting, deletes them on a forced run, and the next run is quiet', async () => {
    // Prepare: 7 articles, 2 an archive page: archives 1 (a, b), 2 (c, d), 3 (e); c and d go, so archive 2 goes and 3 becomes 2.
    const files: Record<string, string> = {};
    for (const [index, letter] of ['a', 'b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      files[`2026-03-0${index + 1}-${letter}.txt`] = seed(`2026-03-0${index + 1}`, `Story ${letter}`, `Text ${letter}.`);
    }
    const s = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
    await s.run();
    await s.deleteSeed('2026-03-03-c.txt');
    await s.deleteSeed('2026-03-04-d.txt');
    const beyond = ['archive/atom-3.xml', 'archive/feed-3.json', 'archive/rss-3.xml'];

    // Act
    const dry = await s.run({ dryRun: true });
    const afterDry = beyond.filter((key) => s.site.objects.has(key));
    const forced = await s.run({ force: true });
    const next = await s.run();

    // Assess
    expect(dry.objects.deletedKeys).toEqual(expect.arrayContaining(beyond));
    expect(afterDry).toEqual(beyond);
    expect(forced.objects.deletedKeys).toEqual(expect.arrayContaining(beyond));
    expect(beyond.filter((key) => s.site.objects.has(key))).toEqual([]);
    expect([next.objects.written, next.objects.deleted]).toEqual([0, 0]);
  });
});

describe('an unreadable seed on a site whose manifest was lost', () => {
  it('keeps the page address read back from the feeds once the seed can be read again', async () => {
    // Prepare
    const A = '2026-03-01-a.txt';
    const s = memorySite(
      {
        [A]: seed('2026-03-01', 'Old Title', 'Text A.'),
        '2026-03-02-b.txt': seed('2026-03-02', 'Story B', 'Text B.'),
        '2026-03-03-c.txt': seed('2026-03-03', 'Story C', 'Text C.'),
        '2026-03-04-d.txt': seed('2026-03-04', 'Story D', 'Text D.'),
        '2026-03-05-e.txt': seed('2026-03-05', 'Story E', 'Text E.'),
      },
      { now: NOW, config: testFeedConfig() },
    );
    await s.run();
    await s.writeSeed(A, seed('2026-03-01', 'New Title', 'Text A.'));
    await s.site.delete(MANIFEST);
    let failing = true;
    const seeds: Storage = {
      get: async (key) => {
        if (failing && key === A) {
          throw new StorageError('get', key, { cause: Object.assign(new Error('denied'), { name: 'AccessDenied' }) });
        }
        return s.seeds.get(key);
      },
      list: (prefix, options) => s.seeds.list(prefix, options),
      put: (key, body, options) => s.seeds.put(key, body, options),
      delete: (key) => s.seeds.delete(key),
    };
    await publish({ storage: s.site, seeds, settings: s.settings, now: () => s.now });
    failing = false;

    // Act
    await s.run();

    // Assess
    const linked = linkedKeys(s.site.objects);
    expect(linked).toContain('articles/2026-03-01-old-title.html');
    expect(linked).not.toContain('articles/2026-03-01-new-title.html');
    expect(s.site.objects.has('articles/2026-03-01-new-title.html')).toBe(false);
  });
});
