/** FolderStorage: bytes, ETags from file times, conditional puts, listings and key safety. */
import { readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FolderStorage } from '../../src/storage/folder.js';
import { PreconditionFailedError, StorageError, type Storage } from '../../src/storage/storage.js';

// renameSync is wrapped so a test can look at the files at the moment a put swaps them in, or make it fail.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, renameSync: vi.fn(actual.renameSync) };
});
const realRenameSync = (await vi.importActual<typeof import('node:fs')>('node:fs')).renameSync;

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let base: string;
let root: string;
let storage: FolderStorage;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'folder-storage-'));
  root = join(base, 'root');
  storage = new FolderStorage(root);
});

afterEach(async () => {
  vi.mocked(renameSync).mockImplementation(realRenameSync);
  await rm(base, { recursive: true, force: true });
});

/** Every file under dir, relative, including hidden ones. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

async function listedKeys(prefix: string, options?: { recursive?: boolean }): Promise<string[]> {
  return (await storage.list(prefix, options)).map((object) => object.key);
}

describe('FolderStorage round trip', () => {
  it.each([
    ['non-ASCII text', utf8('Привет, мир 👋 — «ёлка» ✓\n'.repeat(200))],
    ['arbitrary bytes', new Uint8Array([0, 255, 13, 10, 0xc3, 0x28, 0xf0])],
    ['a zero-length body', new Uint8Array()],
  ])('returns exactly the bytes put and lists their size, for %s', async (_label, body) => {
    // Prepare
    const key = 'articles/привет.html';

    // Act
    await storage.put(key, body, { contentType: 'text/html; charset=utf-8' });
    const object = await storage.get(key);
    const listed = await storage.list('articles/');

    // Assess
    expect(object?.body).toEqual(body);
    expect(listed).toEqual([{ key, etag: object?.etag, size: body.byteLength }]);
  });

  it('keeps the bytes only: no headers come back and no sidecar file is written', async () => {
    // Prepare
    const options = {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
    };

    // Act
    const { etag } = await storage.put('feeds/rss.xml', utf8('<rss/>'), options);
    const object = await storage.get('feeds/rss.xml');

    // Assess
    expect(object).toEqual({ key: 'feeds/rss.xml', body: utf8('<rss/>'), etag });
    expect(await allFiles(root)).toEqual(['feeds/rss.xml']);
  });

  it('returns undefined for missing keys, including folders and paths through a file', async () => {
    // Prepare
    await storage.put('articles/a.html', utf8('a'), { contentType: 'text/html' });

    // Act
    const results = await Promise.all([
      storage.get('articles/missing.html'),
      storage.get('articles'),
      storage.get('articles/a.html/child'),
      storage.get('never/created'),
    ]);

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('treats a symbolic link as no object, as the listing does, and never reads through it', async () => {
    // Prepare: a file outside the root, linked from inside it.
    await mkdir(join(root, 'articles'), { recursive: true });
    writeFileSync(join(base, 'outside.txt'), 'secret');
    symlinkSync(join(base, 'outside.txt'), join(root, 'articles', 'linked.html'));
    const skipped: string[] = [];

    // Act
    const got = await storage.get('articles/linked.html');
    const listed = await storage.list('articles/', { skipped: (key) => skipped.push(key) });

    // Assess
    expect(got).toBeUndefined();
    expect(listed).toEqual([]);
    expect(skipped).toEqual(['articles/linked.html']);
  });

  it('gives no content ETag, since its ETags come from file times', () => {
    // Prepare
    const asStorage: Storage = storage;

    // Act
    const etag = asStorage.contentEtag(utf8('<p>hi</p>'));

    // Assess
    expect(etag).toBeUndefined();
  });
});

describe('FolderStorage ETags', () => {
  it('returns from put the ETag that get and list then show', async () => {
    // Prepare
    const body = utf8('<feed/>');

    // Act
    const { etag } = await storage.put('feeds/atom.xml', body, { contentType: 'application/atom+xml' });
    const object = await storage.get('feeds/atom.xml');
    const listed = await storage.list('');

    // Assess
    expect(etag).toMatch(/^".+"$/);
    expect(object?.etag).toBe(etag);
    expect(listed).toEqual([{ key: 'feeds/atom.xml', etag, size: 7 }]);
  });

  it('keeps the same ETag while the file is left alone', async () => {
    // Prepare
    const { etag } = await storage.put('index.html', utf8('<p>hi</p>'), { contentType: 'text/html' });

    // Act
    const first = await storage.list('');
    const second = await storage.list('');
    const object = await storage.get('index.html');

    // Assess
    expect(first).toEqual([{ key: 'index.html', etag, size: 9 }]);
    expect(second).toEqual(first);
    expect(object?.etag).toBe(etag);
  });

  it('gives a rewritten object a new ETag in the listing and in get', async () => {
    // Prepare
    // Two writes within one tick of the file system's clock can share a modification time,
    // so the second body differs in length; the time half is checked with utimes below.
    const { etag: before } = await storage.put('feeds/rss.xml', utf8('<rss/>'), { contentType: 'application/rss+xml' });

    // Act
    const { etag: after } = await storage.put('feeds/rss.xml', utf8('<rss>more</rss>'), { contentType: 'application/rss+xml' });
    const listed = await storage.list('feeds/');
    const object = await storage.get('feeds/rss.xml');

    // Assess
    expect(after).not.toBe(before);
    expect(listed).toEqual([{ key: 'feeds/rss.xml', etag: after, size: 15 }]);
    expect(object?.etag).toBe(after);
  });

  it('sees a file rewritten behind its back with a different length', async () => {
    // Prepare
    const { etag: before } = await storage.put('a.txt', utf8('one'), { contentType: 'text/plain' });

    // Act
    writeFileSync(join(root, 'a.txt'), 'three');
    const listed = await storage.list('');
    const object = await storage.get('a.txt');

    // Assess
    expect(listed).toHaveLength(1);
    expect(listed[0]?.etag).not.toBe(before);
    expect(listed[0]?.size).toBe(5);
    expect(object?.etag).toBe(listed[0]?.etag);
    expect(text(object!.body)).toBe('three');
  });

  it('sees a file rewritten behind its back with the same length but a new modification time', async () => {
    // Prepare
    const { etag: before } = await storage.put('a.txt', utf8('one'), { contentType: 'text/plain' });

    // Act
    writeFileSync(join(root, 'a.txt'), 'two');
    const when = new Date('2001-02-03T04:05:06.789Z');
    utimesSync(join(root, 'a.txt'), when, when);
    const listed = await storage.list('');

    // Assess
    expect(listed).toHaveLength(1);
    expect(listed[0]?.etag).not.toBe(before);
    expect(listed[0]?.size).toBe(3);
  });
});

describe('FolderStorage conditional put', () => {
  it('with ifNoneMatch "*", creates an object that is not there yet', async () => {
    // Act
    const { etag } = await storage.put('manifest.json', utf8('{}'), { contentType: 'application/json', ifNoneMatch: '*' });
    const object = await storage.get('manifest.json');

    // Assess
    expect(text(object!.body)).toBe('{}');
    expect(object?.etag).toBe(etag);
  });

  it('with ifNoneMatch "*", refuses to replace an existing object and leaves it intact', async () => {
    // Prepare
    await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });

    // Act
    const result = storage.put('manifest.json', utf8('{"v":2}'), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', operation: 'put', key: 'manifest.json' });
    expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":1}');
    expect(await allFiles(root)).toEqual(['manifest.json']);
  });

  it('with ifMatch the current ETag, replaces the object and returns its new ETag', async () => {
    // Prepare
    const { etag: current } = await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });

    // Act
    const { etag } = await storage.put('manifest.json', utf8('{"v":22}'), { contentType: 'application/json', ifMatch: current });
    const object = await storage.get('manifest.json');

    // Assess
    expect(text(object!.body)).toBe('{"v":22}');
    expect(object?.etag).toBe(etag);
    expect(etag).not.toBe(current);
  });

  it('with ifMatch an ETag from before another write, refuses and keeps the other write', async () => {
    // Prepare
    const { etag: stale } = await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });
    // A different length, so the ETag changes even if the clock did not tick between the writes.
    await storage.put('manifest.json', utf8('{"v":22}'), { contentType: 'application/json' });

    // Act
    const result = storage.put('manifest.json', utf8('{"v":333}'), { contentType: 'application/json', ifMatch: stale });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: 'manifest.json' });
    expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":22}');
    expect(await allFiles(root)).toEqual(['manifest.json']);
  });

  it('with ifMatch, refuses when there is no object at all and writes nothing', async () => {
    // Act
    const result = storage.put('manifest.json', utf8('{}'), { contentType: 'application/json', ifMatch: '"anything"' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    expect(await storage.get('manifest.json')).toBeUndefined();
    expect(await storage.list('')).toEqual([]);
  });
});

describe('FolderStorage.delete', () => {
  it('removes the object and nothing else', async () => {
    // Prepare
    for (const key of ['articles/a.html', 'articles/b.html', 'index.html']) await storage.put(key, utf8(key), { contentType: 'text/html' });

    // Act
    await storage.delete('articles/a.html');

    // Assess
    expect(await storage.get('articles/a.html')).toBeUndefined();
    expect(await listedKeys('')).toEqual(['articles/b.html', 'index.html']);
    expect(await allFiles(root)).toEqual(['articles/b.html', 'index.html']);
  });

  it('treats a key that is not there as already deleted', async () => {
    // Prepare
    await storage.put('index.html', utf8('x'), { contentType: 'text/html' });

    // Act
    const missing = storage.delete('articles/missing.html');
    const neverCreated = new FolderStorage(join(base, 'not-created')).delete('a.txt');

    // Assess
    await expect(missing).resolves.toBeUndefined();
    await expect(neverCreated).resolves.toBeUndefined();
    expect(await listedKeys('')).toEqual(['index.html']);
  });

  it('lets the key be written again afterwards, even with ifNoneMatch "*"', async () => {
    // Prepare
    await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });
    await storage.delete('manifest.json');

    // Act
    await storage.put('manifest.json', utf8('{"v":2}'), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess
    expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":2}');
  });
});

describe('FolderStorage.list', () => {
  it('returns keys in byte order and never temp files', async () => {
    // Prepare
    const keys = ['é.txt', 'b', 'a/z', 'A', 'a-b', 'a/b/c', 'Z'];
    for (const key of keys) await storage.put(key, utf8(key), { contentType: 'text/plain' });
    await writeFile(join(root, 'a', '.~tmp-left-by-a-crash'), 'half');
    await writeFile(join(root, '.~tmp-another'), 'half');

    // Act
    const recursive = await listedKeys('');
    const flat = await listedKeys('', { recursive: false });

    // Assess
    expect(recursive).toEqual(['A', 'Z', 'a-b', 'a/b/c', 'a/z', 'b', 'é.txt']);
    expect(flat).toEqual(['A', 'Z', 'a-b', 'b', 'é.txt']);
  });

  it('lists each object with its size in bytes', async () => {
    // Prepare
    await storage.put('a.txt', utf8('ёлка'), { contentType: 'text/plain' });
    await storage.put('sub/b.txt', new Uint8Array(), { contentType: 'text/plain' });

    // Act
    const listed = await storage.list('');

    // Assess
    expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
      { key: 'a.txt', size: 8 },
      { key: 'sub/b.txt', size: 0 },
    ]);
  });

  it('filters by a string prefix, which need not end at a folder', async () => {
    // Prepare
    for (const key of ['articles/a.html', 'articles/b.html', 'articles-old/c.html', 'feeds/rss.xml']) {
      await storage.put(key, utf8(key), { contentType: 'text/plain' });
    }

    // Act
    const inFolder = await listedKeys('articles/');
    const partial = await listedKeys('articles');
    const partialName = await listedKeys('articles/a');
    const none = await listedKeys('nothing/here/');

    // Assess
    expect(inFolder).toEqual(['articles/a.html', 'articles/b.html']);
    expect(partial).toEqual(['articles-old/c.html', 'articles/a.html', 'articles/b.html']);
    expect(partialName).toEqual(['articles/a.html']);
    expect(none).toEqual([]);
  });

  it('with recursive false, lists only the objects directly under the prefix', async () => {
    // Prepare
    for (const key of ['index.html', 'feed.xml', 'articles/a.html', 'articles/deep/b.html', 'articles-index.html', 'articles/ab/c.html']) {
      await storage.put(key, utf8(key), { contentType: 'text/plain' });
    }

    // Act
    const top = await listedKeys('', { recursive: false });
    const articles = await listedKeys('articles/', { recursive: false });
    const partial = await listedKeys('articles', { recursive: false });
    const partialName = await listedKeys('articles/a', { recursive: false });
    const everything = await listedKeys('articles/');

    // Assess
    expect(top).toEqual(['articles-index.html', 'feed.xml', 'index.html']);
    expect(articles).toEqual(['articles/a.html']);
    expect(partial).toEqual(['articles-index.html']);
    expect(partialName).toEqual(['articles/a.html']);
    expect(everything).toEqual(['articles/a.html', 'articles/ab/c.html', 'articles/deep/b.html']);
  });

  it('lists nothing for a root that does not exist yet', async () => {
    // Prepare
    const empty = new FolderStorage(join(base, 'not-created'));

    // Act
    const listed = await empty.list('');
    const flat = await empty.list('', { recursive: false });

    // Assess
    expect(listed).toEqual([]);
    expect(flat).toEqual([]);
  });
});

describe('FolderStorage key checks', () => {
  it.each(['../x', 'a/../../x', '/abs', 'a\\b', '', 'a\0b', 'a//b', './a', 'a/', 'a/.~tmp-x', '.~tmp-x'])(
    'rejects %j without touching the disk',
    async (key) => {
      // Prepare
      const options = { contentType: 'text/plain' };

      // Act
      const put = storage.put(key, utf8('evil'), options);
      const get = storage.get(key);
      const remove = storage.delete(key);

      // Assess
      await expect(put).rejects.toThrow(StorageError);
      await expect(put).rejects.toMatchObject({ operation: 'put', key, cause: { message: expect.stringMatching(/key/) } });
      await expect(get).rejects.toMatchObject({ name: 'StorageError', operation: 'get', key });
      await expect(remove).rejects.toMatchObject({ name: 'StorageError', operation: 'delete', key });
      expect(await allFiles(base)).toEqual([]);
    },
  );

  it('no longer reserves ".meta": such keys are ordinary objects', async () => {
    // Act
    await storage.put('.meta/a', utf8('not a sidecar'), { contentType: 'text/plain' });
    const object = await storage.get('.meta/a');
    const listed = await listedKeys('');

    // Assess
    expect(text(object!.body)).toBe('not a sidecar');
    expect(listed).toEqual(['.meta/a']);
  });

  it('rejects a list prefix that climbs out of the root', async () => {
    // Prepare
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret'), 'x');

    // Act
    const result = storage.list('../outside/');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'list', key: '../outside/' });
  });
});

describe('FolderStorage atomic put', () => {
  it('writes to a temp file in the same folder and renames it over the old object', async () => {
    // Prepare
    const target = join(root, 'feeds', 'rss.xml');
    const oldBody = utf8('old '.repeat(10_000));
    const newBody = utf8('new '.repeat(20_000));
    await storage.put('feeds/rss.xml', oldBody, { contentType: 'application/rss+xml' });
    const seen: { folder: string; temp: string; target: string; incoming: string }[] = [];
    vi.mocked(renameSync).mockImplementation((from, to) => {
      if (to === target) {
        seen.push({
          folder: dirname(String(from)),
          temp: basename(String(from)).slice(0, 6),
          target: readFileSync(target, 'utf8'),
          incoming: readFileSync(from, 'utf8'),
        });
      }
      realRenameSync(from, to);
    });

    // Act
    await storage.put('feeds/rss.xml', newBody, { contentType: 'application/rss+xml' });

    // Assess
    expect(seen).toEqual([{ folder: dirname(target), temp: '.~tmp-', target: text(oldBody), incoming: text(newBody) }]);
    expect(await allFiles(root)).toEqual(['feeds/rss.xml']);
  });

  it('keeps the old bytes and leaves no temp file when the final rename fails', async () => {
    // Prepare
    const target = join(root, 'index.html');
    await storage.put('index.html', utf8('<p>old</p>'), { contentType: 'text/html' });
    vi.mocked(renameSync).mockImplementation((from, to) => {
      if (to === target) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      realRenameSync(from, to);
    });

    // Act
    const result = storage.put('index.html', utf8('<p>new</p>'), { contentType: 'text/html' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'put', key: 'index.html' });
    expect(text((await storage.get('index.html'))!.body)).toBe('<p>old</p>');
    expect(await allFiles(root)).toEqual(['index.html']);
  });

  it('fails cleanly when the key names a folder, leaving no temp file and the objects inside intact', async () => {
    // Prepare
    await storage.put('articles/a.html', utf8('<p>a</p>'), { contentType: 'text/html' });

    // Act
    const result = storage.put('articles', utf8('not a folder'), { contentType: 'text/plain' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'put', key: 'articles' });
    expect(text((await storage.get('articles/a.html'))!.body)).toBe('<p>a</p>');
    expect(await allFiles(root)).toEqual(['articles/a.html']);
  });

  it('fails cleanly when the key runs through an existing file, leaving that file intact', async () => {
    // Prepare
    await storage.put('feeds', utf8('a file, not a folder'), { contentType: 'text/plain' });

    // Act
    const result = storage.put('feeds/rss.xml', utf8('<rss/>'), { contentType: 'application/rss+xml' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'put', key: 'feeds/rss.xml' });
    expect(text((await storage.get('feeds'))!.body)).toBe('a file, not a folder');
    expect(await listedKeys('')).toEqual(['feeds']);
    expect(await allFiles(root)).toEqual(['feeds']);
  });
});
