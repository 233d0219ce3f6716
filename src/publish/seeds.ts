/** Seed files in a storage (a folder, or a bucket under a prefix): listed with their signatures, read one by one. */
import { isSeedFileName } from '../article/corpus.js';
import type { Storage } from '../storage/storage.js';
import type { SeedListing } from './plan.js';

/** The `.txt` objects directly under the storage's root, with the ETag that changes with their bytes. */
export async function listSeeds(storage: Storage): Promise<SeedListing[]> {
  const objects = await storage.list('', { recursive: false });
  return objects.filter((object) => isSeedFileName(object.key)).map((object) => ({ fileName: object.key, signature: object.etag, size: object.size }));
}

/** The seed's bytes; a seed deleted since the listing fails the run, and the next run sees it gone. */
export async function readSeed(storage: Storage, fileName: string): Promise<Uint8Array> {
  const object = await storage.get(fileName);
  if (object === undefined) throw new Error(`seed ${fileName} disappeared while the run was reading it`);
  return object.body;
}
