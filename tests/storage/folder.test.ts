import { mkdtemp, readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FolderStorage } from '../../src/storage/folder.js';
import { StorageError } from '../../src/storage/storage.js';

// rename is wrapped so a test can look at the files at the moment a put swaps them in, or make it fail.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});
const realRename = (await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')).rename;

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
  vi.mocked(rename).mockImplementation(realRename);
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

describe('FolderStorage round trip', () => {
  it.each([
    ['non-ASCII text', utf8('Привет, мир 👋 — «ёлка» ✓\n'.repeat(200))],
    ['arbitrary bytes', new Uint8Array([0, 255, 13, 10, 0xc3, 0x28, 0xf0])],
    ['a zero-length body', new Uint8Array()],
  ])('returns exactly the bytes put, for %s', async (_label, body) => {
    // Prepare
    const key = 'articles/привет.html';

    // Act
    await storage.put(key, body, { contentType: 'text/html; charset=utf-8' });
    const object = await storage.get(key);

    // Assess
    expect(object?.body).toEqual(body);
    expect((await storage.head(key))?.size).toBe(body.byteLength);
  });

  it('keeps content type, cache control and metadata, with metadata names lower-cased', async () => {
    // Prepare
    const options = {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
      metadata: { 'Content-Hash': 'sha256-abc', origin: 'seed' },
    };

    // Act
    await storage.put('feeds/rss.xml', utf8('<rss/>'), options);
    const object = await storage.get('feeds/rss.xml');
    const head = await storage.head('feeds/rss.xml');

    // Assess
    const expected = {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
      metadata: { 'content-hash': 'sha256-abc', origin: 'seed' },
    };
    expect(object).toEqual({ key: 'feeds/rss.xml', body: utf8('<rss/>'), ...expected });
    expect(head).toEqual({ key: 'feeds/rss.xml', size: 6, ...expected });
  });

  it('replaces the headers on overwrite instead of merging them', async () => {
    // Prepare
    await storage.put('a.txt', utf8('one'), { contentType: 'text/plain', cacheControl: 'max-age=60', metadata: { v: '1' } });

    // Act
    await storage.put('a.txt', utf8('two'), { contentType: 'text/markdown' });
    const object = await storage.get('a.txt');

    // Assess
    expect(object).toEqual({ key: 'a.txt', body: utf8('two'), contentType: 'text/markdown', metadata: {} });
  });

  it('returns undefined for missing keys, including folders and paths through a file', async () => {
    // Prepare
    await storage.put('articles/a.html', utf8('a'), { contentType: 'text/html' });

    // Act
    const results = await Promise.all([
      storage.get('articles/missing.html'),
      storage.head('articles/missing.html'),
      storage.get('articles'),
      storage.head('articles'),
      storage.get('articles/a.html/child'),
      storage.get('never/created'),
    ]);

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('FolderStorage.list', () => {
  it('returns keys in byte order and never sidecar or temp files', async () => {
    // Prepare
    const keys = ['é.txt', 'b', 'a/z', 'A', 'a-b', 'a/b/c', 'Z'];
    for (const key of keys) await storage.put(key, utf8(key), { contentType: 'text/plain' });
    await writeFile(join(root, 'a', '.~tmp-left-by-a-crash'), 'half');

    // Act
    const listed = await storage.list('');

    // Assess
    expect(listed).toEqual(['A', 'Z', 'a-b', 'a/b/c', 'a/z', 'b', 'é.txt']);
  });

  it('filters by a string prefix, which need not end at a folder', async () => {
    // Prepare
    for (const key of ['articles/a.html', 'articles/b.html', 'articles-old/c.html', 'feeds/rss.xml']) {
      await storage.put(key, utf8(key), { contentType: 'text/plain' });
    }

    // Act
    const inFolder = await storage.list('articles/');
    const partial = await storage.list('articles');
    const partialName = await storage.list('articles/a');
    const none = await storage.list('nothing/here/');

    // Assess
    expect(inFolder).toEqual(['articles/a.html', 'articles/b.html']);
    expect(partial).toEqual(['articles-old/c.html', 'articles/a.html', 'articles/b.html']);
    expect(partialName).toEqual(['articles/a.html']);
    expect(none).toEqual([]);
  });

  it('lists nothing for a root that does not exist yet', async () => {
    // Prepare
    const empty = new FolderStorage(join(base, 'not-created'));

    // Act
    const listed = await empty.list('');

    // Assess
    expect(listed).toEqual([]);
  });
});

describe('FolderStorage key checks', () => {
  it.each(['../x', 'a/../../x', '/abs', 'a\\b', '', 'a\0b', 'a//b', './a', 'a/', '.meta/a', 'a/.~tmp-x'])(
    'rejects %j without touching the disk',
    async (key) => {
      // Prepare
      const options = { contentType: 'text/plain' };

      // Act
      const put = storage.put(key, utf8('evil'), options);
      const get = storage.get(key);
      const head = storage.head(key);

      // Assess
      await expect(put).rejects.toThrow(StorageError);
      await expect(put).rejects.toMatchObject({ operation: 'put', key, cause: { message: expect.stringMatching(/key/) } });
      await expect(get).rejects.toThrow(StorageError);
      await expect(head).rejects.toThrow(StorageError);
      expect(await allFiles(base)).toEqual([]);
    },
  );

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
    const seen: { folder: string; target: string; incoming: string }[] = [];
    vi.mocked(rename).mockImplementation(async (from, to) => {
      if (to === target) {
        seen.push({
          folder: dirname(String(from)),
          target: await readFile(target, 'utf8'),
          incoming: await readFile(from, 'utf8'),
        });
      }
      return realRename(from, to);
    });

    // Act
    await storage.put('feeds/rss.xml', newBody, { contentType: 'application/rss+xml' });

    // Assess
    expect(seen).toEqual([{ folder: dirname(target), target: text(oldBody), incoming: text(newBody) }]);
    expect(await allFiles(root)).toEqual(['.meta/feeds/rss.xml', 'feeds/rss.xml']);
  });

  it('keeps the old bytes and leaves no temp file when the final rename fails', async () => {
    // Prepare
    const target = join(root, 'index.html');
    await storage.put('index.html', utf8('<p>old</p>'), { contentType: 'text/html' });
    vi.mocked(rename).mockImplementation(async (from, to) => {
      if (to === target) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return realRename(from, to);
    });

    // Act
    const result = storage.put('index.html', utf8('<p>new</p>'), { contentType: 'text/html' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'put', key: 'index.html' });
    expect(text((await storage.get('index.html'))!.body)).toBe('<p>old</p>');
    expect(await allFiles(root)).toEqual(['.meta/index.html', 'index.html']);
  });

  it('fails cleanly when the key runs through an existing file, leaving that file intact', async () => {
    // Prepare
    await storage.put('feeds', utf8('a file, not a folder'), { contentType: 'text/plain' });

    // Act
    const result = storage.put('feeds/rss.xml', utf8('<rss/>'), { contentType: 'application/rss+xml' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'put', key: 'feeds/rss.xml' });
    expect(text((await storage.get('feeds'))!.body)).toBe('a file, not a folder');
    expect(await storage.list('')).toEqual(['feeds']);
    expect(await allFiles(root)).toEqual(['.meta/feeds', 'feeds']);
  });
});
