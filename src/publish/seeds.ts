/** Seed files in a storage (a folder, or a bucket under a prefix): listed with their signatures, read one by one. */
import { isSeedFileName } from '../article/corpus.js';
import { describeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { SeedListing } from './plan.js';

/** A seed-folder entry named as a seed that is not a file: a symbolic link, a folder, a device, a pipe. */
export interface SkippedSeed {
  readonly file: string;
  readonly reason: string;
}

/** The `.txt` objects directly under the storage's root, with the ETag that changes with their bytes. */
export async function listSeeds(
  storage: Storage,
  options: { readonly signal?: AbortSignal } = {},
): Promise<{ seeds: SeedListing[]; skipped: SkippedSeed[] }> {
  const skipped: SkippedSeed[] = [];
  const objects = await storage.list('', { ...options, recursive: false, skipped: skippedSeedsInto(skipped) });
  const seeds = objects
    .filter((object) => isSeedFileName(object.key))
    .map((object) => ({ fileName: object.key, signature: object.etag, size: object.size }));
  return { seeds, skipped };
}

/**
 * Collects the entries left out of a seeds listing that are named as seeds: a `.txt` link or
 * folder is most likely an article that will not be published. Other names are passed over as
 * a README is.
 */
export function skippedSeedsInto(skipped: SkippedSeed[]): (file: string, reason: string) => void {
  return (file, reason) => {
    if (isSeedFileName(file)) skipped.push({ file, reason });
  };
}

/**
 * Why a seed that is listed cannot be read, when that is the seed's own problem: a file without
 * read permission, an object the role may not read or one archived to a storage class that
 * must be restored first. Undefined for anything else (a bucket failing, the network, a stop):
 * those fail the run, whose retry may find them gone.
 */
export function unreadableSeed(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const { code, name } = cause as { code?: unknown; name?: unknown };
    if (code === 'EACCES' || code === 'EPERM' || name === 'AccessDenied' || name === 'InvalidObjectState') {
      return `the file cannot be read (${describeError(cause)})`;
    }
  }
  return undefined;
}

/**
 * The seed's bytes, or why it cannot be read where that is its own problem (unreadableSeed).
 * Anything else throws, as does a stop (`signal` fired): the run fails or stops, not the seed.
 */
export async function readSeedIfReadable(
  storage: Storage,
  fileName: string,
  signal?: AbortSignal,
): Promise<{ readonly bytes: Uint8Array } | { readonly unreadable: string }> {
  try {
    return { bytes: await readSeed(storage, fileName, signal) };
  } catch (error) {
    const reason = signal?.aborted ? undefined : unreadableSeed(error);
    if (reason === undefined) throw error;
    return { unreadable: reason };
  }
}

/** The seed's bytes; a seed deleted since the listing fails the run, and the next run sees it gone. */
export async function readSeed(storage: Storage, fileName: string, signal?: AbortSignal): Promise<Uint8Array> {
  const object = await storage.get(fileName, signal ? { signal } : {});
  if (object === undefined) throw new Error(`seed ${fileName} disappeared while the run was reading it`);
  return object.body;
}
