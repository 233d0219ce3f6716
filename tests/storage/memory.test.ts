/** The in-memory Storage the publish tests use: it must behave like S3 for them to mean anything. */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { storageContract } from './contract.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

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

describe('MemoryStorage headers', () => {
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
});

storageContract('MemoryStorage', { fresh: async () => new MemoryStorage(), enforcesConditions: true });
