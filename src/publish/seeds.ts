/** Seed files in a storage (a folder, or a bucket under a prefix): listed with their signatures, read one by one. */
import { isSeedFileName } from '../article/corpus.js';
import { describeError } from '../errors.js';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { DEFAULT_LIMITS } from '../config/limits.js';
import type { Storage, StoredObject } from '../storage/storage.js';
import { formatBytes, type SeedListing } from './plan.js';

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
 * read permission, an object the role may not read, one archived to a storage class that must
 * be restored first, or one encrypted with a key of its uploader's (SSE-C). Undefined for anything else (a bucket failing, the network, a stop):
 * those fail the run, whose retry may find them gone.
 */
export function unreadableSeed(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const { code, name } = cause as { code?: unknown; name?: unknown };
    // InvalidRequest: an object stored with a customer-provided key (SSE-C), which no GET
    // without that key can read.
    if (code === 'EACCES' || code === 'EPERM' || name === 'AccessDenied' || name === 'InvalidObjectState' || name === 'InvalidRequest') {
      return `the file cannot be read (${describeError(cause)})`;
    }
  }
  return undefined;
}

/** A seed as read: its bytes (a Content-Encoding undone) and the ETag of the version read. */
export interface ReadSeed {
  readonly bytes: Uint8Array;
  /** Differs from the listed signature when the seed changed between the listing and the read. */
  readonly etag: string;
}

/**
 * The seed's bytes; or why it cannot be read where that is its own problem (unreadableSeed),
 * read again on every run; or why it is refused as it is (over MAX_SEED_BYTES once
 * decompressed), as a seed that does not parse is. Anything else throws, as does a stop
 * (`signal` fired): the run fails or stops, not the seed.
 * `maxBytes`: the most a compressed seed may hold once decompressed (MAX_SEED_BYTES).
 */
export async function readSeedIfReadable(
  storage: Storage,
  fileName: string,
  signal?: AbortSignal,
  maxBytes: number = DEFAULT_LIMITS.seedBytes,
): Promise<ReadSeed | { readonly unreadable: string } | { readonly refused: string }> {
  let object: StoredObject;
  try {
    object = await readSeed(storage, fileName, signal);
  } catch (error) {
    const reason = signal?.aborted ? undefined : unreadableSeed(error);
    if (reason === undefined) throw error;
    return { unreadable: reason };
  }
  const bytes = decoded(object, maxBytes);
  return typeof bytes === 'string' ? { refused: bytes } : { bytes, etag: object.etag };
}

/** The seed as stored; a seed deleted since the listing fails the run, and the next run sees it gone. */
async function readSeed(storage: Storage, fileName: string, signal?: AbortSignal): Promise<StoredObject> {
  const object = await storage.get(fileName, signal ? { signal } : {});
  if (object === undefined) throw new Error(`seed ${fileName} disappeared while the run was reading it`);
  return object;
}

/**
 * The bytes of a seed stored compressed (`Content-Encoding: gzip`, as some upload and sync tools
 * store text) decompressed, as a browser would; or why not, in words. A label the bytes do not
 * bear out (`aws s3 cp --content-encoding gzip` of a plain file, `utf-8` given as an encoding)
 * leaves them as they are: the text check that follows says what is wrong with them, if anything.
 */
function decoded(object: StoredObject, maxBytes: number): Uint8Array | string {
  const encoding = object.contentEncoding?.trim().toLowerCase();
  const decompress = encoding === undefined ? undefined : DECOMPRESSORS[encoding];
  if (decompress === undefined) return object.body;
  if ((encoding === 'gzip' || encoding === 'x-gzip') && !(object.body[0] === 0x1f && object.body[1] === 0x8b)) return object.body;
  const over = `the file is over ${formatBytes(maxBytes)} once its Content-Encoding (${encoding}) is undone, more than a seed may have (MAX_SEED_BYTES)`;
  try {
    // One byte over the limit is enough to say it is over.
    const bytes = decompress(object.body, { maxOutputLength: maxBytes + 1 });
    return bytes.byteLength > maxBytes ? over : new Uint8Array(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return over;
    return object.body;
  }
}

const DECOMPRESSORS: Readonly<Record<string, (body: Uint8Array, options: { maxOutputLength: number }) => Buffer>> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};
