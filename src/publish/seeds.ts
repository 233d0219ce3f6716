import { isSeedFileName, type SeedFile } from '../article/corpus.js';
import type { Storage } from '../storage/storage.js';
import { mapWithConcurrency } from './concurrency.js';

/** Seeds kept in a bucket (under a prefix the storage already applies): the `.txt` objects directly in it. */
export async function readSeedsFromStorage(storage: Storage): Promise<SeedFile[]> {
  const keys = (await storage.list('')).filter((key) => !key.includes('/') && isSeedFileName(key));
  const files = await mapWithConcurrency(keys, 16, async (key) => {
    const object = await storage.get(key);
    // Deleted between list and get: it is simply not a seed any more.
    return object ? { fileName: key, bytes: object.body } : undefined;
  });
  return files.filter((file): file is SeedFile => file !== undefined);
}
