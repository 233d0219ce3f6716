/** The in-memory Storage the publish tests use: it must behave like S3 for them to mean anything. */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { PreconditionFailedError, StorageError } from '../../src/storage/storage.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// Quoted hex MD5 of the bytes, as S3 gives an object written by one PutObject (from `md5sum`).
const helloEtag = '"5d41402abc4b2a76b9719d911017c592"';
const emptyEtag = '"d41d8cd98f00b204e9800998ecf8427e"';
const newBytesEtag = '"83afa1ab818370731da1157d27957304"';

describe('MemoryStorage ETags', () => {
  it('returns from put the quoted MD5 of the bytes, as S3 does, and shows it in get and list', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const put = await storage.put('greeting.txt', utf8('hello'), { contentType: 'text/plain' });
    const object = await storage.get('greeting.txt');
    const listed = await storage.list('');

    // Assess
    expect(put).toEqual({ etag: helloEtag });
    expect(object?.etag).toBe(helloEtag);
    expect(listed).toEqual([{ key: 'greeting.txt', etag: helloEtag, size: 5 }]);
  });

  it('gives a rewritten object the ETag of its new bytes', async () => {
    // Prepare
    const storage = new MemoryStorage();
    await storage.put('a.txt', utf8('hello'), { contentType: 'text/plain' });

    // Act
    const { etag } = await storage.put('a.txt', utf8('new bytes'), { contentType: 'text/plain' });

    // Assess
    expect(etag).toBe(newBytesEtag);
    expect(await storage.list('')).toEqual([{ key: 'a.txt', etag: newBytesEtag, size: 9 }]);
  });

  it('predicts the ETag from the bytes alone, matching what put then returns', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const predicted = [storage.contentEtag(utf8('hello')), storage.contentEtag(new Uint8Array())];
    const { etag } = await storage.put('empty', new Uint8Array(), { contentType: 'text/plain' });

    // Assess
    expect(predicted).toEqual([helloEtag, emptyEtag]);
    expect(etag).toBe(emptyEtag);
  });
});

describe('MemoryStorage round trip', () => {
  it('keeps a copy of the bytes with the headers', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const body = utf8('hello');

    // Act
    await storage.put('feeds/rss.xml', body, {
      contentType: 'application/rss+xml',
      cacheControl: 'max-age=60',
    });
    body.fill(0);
    const object = await storage.get('feeds/rss.xml');

    // Assess
    expect(object).toEqual({
      key: 'feeds/rss.xml',
      body: utf8('hello'),
      etag: helloEtag,
      contentType: 'application/rss+xml',
      cacheControl: 'max-age=60',
    });
  });

  it('returns undefined for a missing key', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const object = await storage.get('nothing');

    // Assess
    expect(object).toBeUndefined();
  });
});

describe('MemoryStorage conditional put', () => {
  it('with ifNoneMatch "*", creates an object that is not there yet', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const { etag } = await storage.put('manifest.json', utf8('hello'), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess
    expect(etag).toBe(helloEtag);
    expect(text((await storage.get('manifest.json'))!.body)).toBe('hello');
  });

  it('with ifNoneMatch "*", refuses to replace an existing object', async () => {
    // Prepare
    const storage = new MemoryStorage();
    await storage.put('manifest.json', utf8('{"v":1}'), { contentType: 'application/json' });

    // Act
    const result = storage.put('manifest.json', utf8('{"v":2}'), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', operation: 'put', key: 'manifest.json' });
    expect(text((await storage.get('manifest.json'))!.body)).toBe('{"v":1}');
  });

  it('with ifMatch the current ETag, replaces the object', async () => {
    // Prepare
    const storage = new MemoryStorage();
    await storage.put('manifest.json', utf8('hello'), { contentType: 'application/json' });

    // Act
    const { etag } = await storage.put('manifest.json', utf8('new bytes'), { contentType: 'application/json', ifMatch: helloEtag });

    // Assess
    expect(etag).toBe(newBytesEtag);
    expect(text((await storage.get('manifest.json'))!.body)).toBe('new bytes');
  });

  it('with ifMatch an ETag from before another write, refuses and keeps the other write', async () => {
    // Prepare
    const storage = new MemoryStorage();
    await storage.put('manifest.json', utf8('hello'), { contentType: 'application/json' });
    await storage.put('manifest.json', utf8('new bytes'), { contentType: 'application/json' });

    // Act
    const result = storage.put('manifest.json', utf8('third'), { contentType: 'application/json', ifMatch: helloEtag });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: 'manifest.json' });
    expect(text((await storage.get('manifest.json'))!.body)).toBe('new bytes');
  });

  it('with ifMatch, refuses when there is no object at all', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const result = storage.put('manifest.json', utf8('hello'), { contentType: 'application/json', ifMatch: helloEtag });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    expect(await storage.get('manifest.json')).toBeUndefined();
  });
});

describe('MemoryStorage.delete', () => {
  it('removes the object and nothing else', async () => {
    // Prepare
    const storage = new MemoryStorage();
    for (const key of ['articles/a.html', 'articles/b.html']) await storage.put(key, utf8(key), { contentType: 'text/html' });

    // Act
    await storage.delete('articles/a.html');

    // Assess
    expect(await storage.get('articles/a.html')).toBeUndefined();
    expect((await storage.list('')).map((object) => object.key)).toEqual(['articles/b.html']);
  });

  it('treats a key that is not there as already deleted', async () => {
    // Prepare
    const storage = new MemoryStorage();

    // Act
    const result = storage.delete('articles/missing.html');

    // Assess
    await expect(result).resolves.toBeUndefined();
  });
});

describe('MemoryStorage.list', () => {
  it('returns the objects under the prefix in byte order', async () => {
    // Prepare
    const storage = new MemoryStorage();
    for (const key of ['é.txt', 'b', 'a/z', 'A', 'a-b', 'a/b/c', 'Z']) await storage.put(key, utf8('hello'), { contentType: 'text/plain' });

    // Act
    const all = await storage.list('');
    const underA = await storage.list('a/');

    // Assess
    expect(all.map((object) => object.key)).toEqual(['A', 'Z', 'a-b', 'a/b/c', 'a/z', 'b', 'é.txt']);
    expect(underA).toEqual([
      { key: 'a/b/c', etag: helloEtag, size: 5 },
      { key: 'a/z', etag: helloEtag, size: 5 },
    ]);
  });

  it('with recursive false, lists only the objects directly under the prefix', async () => {
    // Prepare
    const storage = new MemoryStorage();
    for (const key of ['index.html', 'feed.xml', 'articles/a.html', 'articles/deep/b.html', 'articles-index.html']) {
      await storage.put(key, utf8(key), { contentType: 'text/plain' });
    }

    // Act
    const top = await storage.list('', { recursive: false });
    const articles = await storage.list('articles/', { recursive: false });
    const partial = await storage.list('articles', { recursive: false });

    // Assess
    expect(top.map((object) => object.key)).toEqual(['articles-index.html', 'feed.xml', 'index.html']);
    expect(articles.map((object) => object.key)).toEqual(['articles/a.html']);
    expect(partial.map((object) => object.key)).toEqual(['articles-index.html']);
  });
});
