/** A Storage in a Map, with S3's ETags and conditions: for tests of the publish run that want no I/O. */
import { md5Etag } from '../../src/storage/etag.js';
import {
  compareKeys,
  PreconditionFailedError,
  type ListedObject,
  type ListOptions,
  type PutOptions,
  type Storage,
  type StoredObject,
} from '../../src/storage/storage.js';

export class MemoryStorage implements Storage {
  readonly objects = new Map<string, StoredObject>();

  async get(key: string): Promise<StoredObject | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<{ etag: string }> {
    const current = this.objects.get(key);
    if ((options.ifNoneMatch === '*' && current) || (options.ifMatch !== undefined && current?.etag !== options.ifMatch)) {
      throw new PreconditionFailedError(key, { cause: new Error('At least one of the pre-conditions you specified did not hold') });
    }
    const etag = md5Etag(body);
    this.objects.set(key, {
      key,
      body: Uint8Array.from(body),
      etag,
      contentType: options.contentType,
      ...(options.cacheControl !== undefined ? { cacheControl: options.cacheControl } : {}),
    });
    return { etag };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListedObject[]> {
    return [...this.objects.values()]
      .filter(({ key }) => key.startsWith(prefix) && (options.recursive !== false || !key.slice(prefix.length).includes('/')))
      .map(({ key, etag, body }) => ({ key, etag, size: body.byteLength }))
      .sort(compareKeys);
  }

  contentEtag(body: Uint8Array): string {
    return md5Etag(body);
  }
}
