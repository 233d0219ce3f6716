/**
 * What every Storage must do for the publish run to mean the same thing on each backend: bytes
 * back as put, ETags that change with the bytes and agree between put, get and list, conditional
 * puts, deletes, and listings in byte order by prefix. Each backend's test file runs these with a
 * fresh, empty storage per test and adds what only it does.
 */
import { describe, expect, it } from 'vitest';
import { PreconditionFailedError, StorageError, type ListOptions, type Storage } from '../../src/storage/storage.js';

export interface ContractSetup {
  /** An empty storage of its own for one test. */
  readonly fresh: () => Promise<Storage>;
  /**
   * Whether the backend enforces ifMatch / ifNoneMatch itself. The local S3 server (s3rver) ignores
   * them, so S3Storage's conditions are tested with the SDK mocked instead (tests/storage/s3.test.ts).
   */
  readonly enforcesConditions: boolean;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const json = { contentType: 'application/json' } as const;
const plain = { contentType: 'text/plain' } as const;

async function keys(storage: Storage, prefix: string, options?: ListOptions): Promise<string[]> {
  return (await storage.list(prefix, options)).map((object) => object.key);
}

export function storageContract(name: string, setup: ContractSetup): void {
  const { fresh } = setup;

  describe(`${name}: the Storage contract, round trip`, () => {
    it.each([
      ['non-ASCII text', utf8('Привет, мир 👋 — «ёлка» ✓\n'.repeat(200))],
      ['arbitrary bytes', new Uint8Array([0, 255, 13, 10, 0xc3, 0x28, 0xf0])],
      ['a zero-length body', new Uint8Array()],
    ])('returns exactly the bytes put, with the ETag put returned, and lists their size, for %s', async (_label, body) => {
      // Prepare
      const storage = await fresh();
      const key = 'articles/привет.html';

      // Act
      const { etag } = await storage.put(key, body, { contentType: 'text/html; charset=utf-8' });
      const object = await storage.get(key);
      const listed = await storage.list('articles/');

      // Assess
      expect(etag).toMatch(/^".+"$/);
      expect(object?.body).toEqual(body);
      expect(object?.etag).toBe(etag);
      expect(listed).toEqual([{ key, etag, size: body.byteLength }]);
    });

    it('keeps its own copy: changing the bytes after put changes nothing stored', async () => {
      // Prepare
      const storage = await fresh();
      const body = utf8('hello');

      // Act
      await storage.put('a.txt', body, plain);
      body.fill(0);
      const object = await storage.get('a.txt');

      // Assess
      expect(text(object!.body)).toBe('hello');
    });

    it('returns undefined for a missing key, a key that is only a prefix of others, and a key below an object', async () => {
      // Prepare
      const storage = await fresh();
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
  });

  describe(`${name}: the Storage contract, ETags`, () => {
    it('keeps the same ETag while the object is left alone', async () => {
      // Prepare
      const storage = await fresh();
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

    it('gives a rewritten object a new ETag, in what put returns, in the listing and in get', async () => {
      // Prepare
      const storage = await fresh();
      // A different length, so a folder's ETag changes even if the file clock did not tick between the writes.
      const { etag: before } = await storage.put('feeds/rss.xml', utf8('<rss/>'), { contentType: 'application/rss+xml' });

      // Act
      const { etag: after } = await storage.put('feeds/rss.xml', utf8('<rss>more</rss>'), { contentType: 'application/rss+xml' });
      const listed = await storage.list('feeds/');
      const object = await storage.get('feeds/rss.xml');

      // Assess
      expect(after).not.toBe(before);
      expect(listed).toEqual([{ key: 'feeds/rss.xml', etag: after, size: 15 }]);
      expect(object?.etag).toBe(after);
      expect(text(object!.body)).toBe('<rss>more</rss>');
    });
  });

  if (setup.enforcesConditions)
    describe(`${name}: the Storage contract, conditional put`, () => {
      it('with ifNoneMatch "*", creates an object that is not there yet', async () => {
        // Prepare
        const storage = await fresh();

        // Act
        const { etag } = await storage.put('manifest.json', utf8('{}'), { ...json, ifNoneMatch: '*' });
        const object = await storage.get('manifest.json');

        // Assess
        expect(text(object!.body)).toBe('{}');
        expect(object?.etag).toBe(etag);
      });

      it('with ifNoneMatch "*", refuses to replace an existing object and leaves it intact', async () => {
        // Prepare
        const storage = await fresh();
        await storage.put('manifest.json', utf8('{"v":1}'), json);

        // Act
        const result = storage.put('manifest.json', utf8('{"v":2}'), { ...json, ifNoneMatch: '*' });

        // Assess
        await expect(result).rejects.toThrow(PreconditionFailedError);
        await expect(result).rejects.toThrow(StorageError);
        await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', operation: 'put', key: 'manifest.json' });
        expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":1}');
        expect(await keys(storage, '')).toEqual(['manifest.json']);
      });

      it('with ifMatch the current ETag, replaces the object and returns its new ETag', async () => {
        // Prepare
        const storage = await fresh();
        const { etag: current } = await storage.put('manifest.json', utf8('{"v":1}'), json);

        // Act
        const { etag } = await storage.put('manifest.json', utf8('{"v":22}'), { ...json, ifMatch: current });
        const object = await storage.get('manifest.json');

        // Assess
        expect(text(object!.body)).toBe('{"v":22}');
        expect(object?.etag).toBe(etag);
        expect(etag).not.toBe(current);
      });

      it('with ifMatch an ETag from before another write, refuses and keeps the other write', async () => {
        // Prepare
        const storage = await fresh();
        const { etag: stale } = await storage.put('manifest.json', utf8('{"v":1}'), json);
        await storage.put('manifest.json', utf8('{"v":22}'), json);

        // Act
        const result = storage.put('manifest.json', utf8('{"v":333}'), { ...json, ifMatch: stale });

        // Assess
        await expect(result).rejects.toThrow(PreconditionFailedError);
        await expect(result).rejects.toMatchObject({ operation: 'put', key: 'manifest.json' });
        expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":22}');
        expect(await keys(storage, '')).toEqual(['manifest.json']);
      });

      it('with ifMatch, refuses when there is no object at all and writes nothing', async () => {
        // Prepare
        const storage = await fresh();

        // Act
        const result = storage.put('manifest.json', utf8('{}'), { ...json, ifMatch: '"anything"' });

        // Assess
        await expect(result).rejects.toThrow(PreconditionFailedError);
        expect(await storage.get('manifest.json')).toBeUndefined();
        expect(await storage.list('')).toEqual([]);
      });

      it('after a delete, lets the key be written again with ifNoneMatch "*"', async () => {
        // Prepare
        const storage = await fresh();
        await storage.put('manifest.json', utf8('{"v":1}'), json);
        await storage.delete('manifest.json');

        // Act
        await storage.put('manifest.json', utf8('{"v":2}'), { ...json, ifNoneMatch: '*' });

        // Assess
        expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":2}');
      });
    });

  describe(`${name}: the Storage contract, delete`, () => {
    it('removes the object and nothing else', async () => {
      // Prepare
      const storage = await fresh();
      for (const key of ['articles/a.html', 'articles/b.html', 'index.html'])
        await storage.put(key, utf8(key), { contentType: 'text/html' });

      // Act
      await storage.delete('articles/a.html');

      // Assess
      expect(await storage.get('articles/a.html')).toBeUndefined();
      expect(await keys(storage, '')).toEqual(['articles/b.html', 'index.html']);
    });

    it('treats a key that is not there as already deleted', async () => {
      // Prepare
      const storage = await fresh();
      await storage.put('index.html', utf8('x'), { contentType: 'text/html' });

      // Act
      const result = storage.delete('articles/missing.html');

      // Assess
      await expect(result).resolves.toBeUndefined();
      expect(await keys(storage, '')).toEqual(['index.html']);
    });
  });

  describe(`${name}: the Storage contract, list`, () => {
    it('returns the objects under the prefix in byte order of their keys', async () => {
      // Prepare
      const storage = await fresh();
      for (const key of ['é.txt', 'b', 'a/z', 'A', 'a-b', 'a/b/c', 'Z']) await storage.put(key, utf8('hello'), plain);

      // Act
      const all = await keys(storage, '');
      const underA = await storage.list('a/');

      // Assess
      expect(all).toEqual(['A', 'Z', 'a-b', 'a/b/c', 'a/z', 'b', 'é.txt']);
      expect(underA.map(({ key, size }) => ({ key, size }))).toEqual([
        { key: 'a/b/c', size: 5 },
        { key: 'a/z', size: 5 },
      ]);
    });

    it('lists each object with its size in bytes, not characters', async () => {
      // Prepare
      const storage = await fresh();
      await storage.put('a.txt', utf8('ёлка'), plain);
      await storage.put('sub/b.txt', new Uint8Array(), plain);

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
      const storage = await fresh();
      for (const key of ['articles/a.html', 'articles/b.html', 'articles-old/c.html', 'feeds/rss.xml'])
        await storage.put(key, utf8(key), plain);

      // Act
      const inFolder = await keys(storage, 'articles/');
      const partial = await keys(storage, 'articles');
      const partialName = await keys(storage, 'articles/a');
      const none = await keys(storage, 'nothing/here/');

      // Assess
      expect(inFolder).toEqual(['articles/a.html', 'articles/b.html']);
      expect(partial).toEqual(['articles-old/c.html', 'articles/a.html', 'articles/b.html']);
      expect(partialName).toEqual(['articles/a.html']);
      expect(none).toEqual([]);
    });

    it('with recursive false, lists only the objects directly under the prefix', async () => {
      // Prepare
      const storage = await fresh();
      for (const key of [
        'index.html',
        'feed.xml',
        'articles/a.html',
        'articles/deep/b.html',
        'articles-index.html',
        'articles/ab/c.html',
      ]) {
        await storage.put(key, utf8(key), plain);
      }

      // Act
      const top = await keys(storage, '', { recursive: false });
      const articles = await keys(storage, 'articles/', { recursive: false });
      const partial = await keys(storage, 'articles', { recursive: false });
      const partialName = await keys(storage, 'articles/a', { recursive: false });
      const everything = await keys(storage, 'articles/');

      // Assess
      expect(top).toEqual(['articles-index.html', 'feed.xml', 'index.html']);
      expect(articles).toEqual(['articles/a.html']);
      expect(partial).toEqual(['articles-index.html']);
      expect(partialName).toEqual(['articles/a.html']);
      expect(everything).toEqual(['articles/a.html', 'articles/ab/c.html', 'articles/deep/b.html']);
    });

    it('lists nothing when nothing was put', async () => {
      // Prepare
      const storage = await fresh();

      // Act
      const listed = await storage.list('');
      const flat = await storage.list('', { recursive: false });

      // Assess
      expect(listed).toEqual([]);
      expect(flat).toEqual([]);
    });
  });
}
