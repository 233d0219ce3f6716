/** FolderStorage: bytes, ETags from file times, conditional puts, listings and key safety. */
import { lstatSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FolderStorage } from '../../src/storage/folder.js';
import { StorageError } from '../../src/storage/storage.js';
import { storageContract } from './contract.js';

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

  it('reports a file whose name holds a backslash, or is a temp name, and lists the others', async () => {
    // Prepare: names a key cannot have (a backslash), beside ordinary ones, one level down too.
    await mkdir(join(root, 'articles', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'articles', 'a.html'), 'a');
    writeFileSync(join(root, 'articles', 'b\\c.html'), 'b');
    writeFileSync(join(root, 'articles', 'deeper', 'd\\e.html'), 'd');
    writeFileSync(join(root, 'articles', 'deeper', 'f.html'), 'f');
    const skipped: [string, string][] = [];

    // Act
    const listed = await storage.list('articles/', { skipped: (key, reason) => skipped.push([key, reason]) });

    // Assess
    expect(listed.map((object) => object.key)).toEqual(['articles/a.html', 'articles/deeper/f.html']);
    expect(skipped).toEqual([
      ['articles/b\\c.html', 'its name cannot be a key: the key contains a backslash'],
      ['articles/deeper/d\\e.html', 'its name cannot be a key: the key contains a backslash'],
    ]);
  });
});

describe('FolderStorage ETags', () => {
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
  it('leaves no file behind when it refuses, whichever condition failed', async () => {
    // Prepare
    const { etag: stale } = await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });
    // A different length, so the ETag changes even if the clock did not tick between the writes.
    await storage.put('manifest.json', utf8('{"v":22}'), { contentType: 'application/json' });

    // Act
    const refused = await Promise.allSettled([
      storage.put('manifest.json', utf8('{"v":333}'), { contentType: 'application/json', ifNoneMatch: '*' }),
      storage.put('manifest.json', utf8('{"v":4444}'), { contentType: 'application/json', ifMatch: stale }),
      storage.put('other.json', utf8('{}'), { contentType: 'application/json', ifMatch: stale }),
    ]);

    // Assess
    expect(refused.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":22}');
    // No temp file either: the condition is checked before anything is written.
    expect(await allFiles(root)).toEqual(['manifest.json']);
  });
});

describe('FolderStorage create-only put (If-None-Match: *)', () => {
  it('makes the file in one step that fails when the name exists: a name taken after the check is not replaced', async () => {
    // Prepare: a name the check sees as no file (a link to nothing), as a file another process
    // made between this put's check and its write would be.
    await mkdir(root, { recursive: true });
    symlinkSync(join(root, 'nowhere.json'), join(root, 'manifest.json'));

    // Act
    const created = await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json', ifNoneMatch: '*' }).then(
      () => 'written',
      (error: Error) => error.name,
    );
    const fresh = await storage.put('fresh.json', utf8('{"v":2}'), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess: refused as a lost race, the name left as it was, no temp file left; a free name is made, and lists under the ETag the put gave.
    expect(created).toBe('PreconditionFailedError');
    expect(lstatSync(join(root, 'manifest.json')).isSymbolicLink()).toBe(true);
    expect(await allFiles(root)).toEqual(['fresh.json']);
    expect((await storage.list('')).find((object) => object.key === 'fresh.json')?.etag).toBe(fresh.etag);
  });
});

describe('FolderStorage.delete', () => {
  it('treats a key under a root that was never created as already deleted', async () => {
    // Prepare
    const neverCreated = new FolderStorage(join(base, 'not-created'));

    // Act
    const result = neverCreated.delete('a.txt');

    // Assess
    await expect(result).resolves.toBeUndefined();
    expect(await allFiles(base)).toEqual([]);
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

// Every test gets the empty folder beforeEach made.
storageContract('FolderStorage', { fresh: async () => storage, enforcesConditions: true });
