import type { ObjectHead, PutOptions, Storage, StoredObject } from './storage.js';

/** Objects in a Map: for benchmarks and tests that want no I/O at all. */
export class MemoryStorage implements Storage {
  readonly objects = new Map<string, StoredObject>();

  async get(key: string): Promise<StoredObject | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    this.objects.set(key, {
      key,
      body: Uint8Array.from(body),
      contentType: options.contentType,
      ...(options.cacheControl !== undefined ? { cacheControl: options.cacheControl } : {}),
      metadata: { ...options.metadata },
    });
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const object = this.objects.get(key);
    if (!object) return undefined;
    const { body, ...head } = object;
    return { ...head, size: body.byteLength };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
