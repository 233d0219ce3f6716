/** Seed files in a storage (a folder, or a bucket under a prefix): listed with their signatures, read one by one. */
import { isSeedFileName } from '../article/corpus.js';
import { describeError } from '../errors.js';
import { constants } from 'node:buffer';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
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
  const header = object.contentEncoding?.trim().toLowerCase();
  // The bytes as stored, or why not: the listing said they were within the limit, but a save
  // between the listing and this read can make them larger.
  const asStored =
    object.body.byteLength > maxBytes
      ? `the file read is ${object.body.byteLength} bytes, over the ${formatBytes(maxBytes)} a seed may have (MAX_SEED_BYTES): it grew after the listing`
      : object.body;
  if (!header) return asStored;
  // The codings in the order they were applied (`gzip, br`): undone from the last.
  const codings = header
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0 || !codings.every((coding) => Object.hasOwn(DECOMPRESSORS, coding))) return asStored;
  // One byte over the limit is enough to say it is over; zlib takes no cap above a Buffer's largest.
  const cap = Math.min(maxBytes + 1, constants.MAX_LENGTH);
  const over = `the file is over ${formatBytes(maxBytes)} once its Content-Encoding (${header}) is undone, more than a seed may have (MAX_SEED_BYTES)`;
  let bytes: Uint8Array = object.body;
  for (const coding of codings.reverse()) {
    if ((coding === 'gzip' || coding === 'x-gzip') && !(bytes[0] === 0x1f && bytes[1] === 0x8b)) return asStored;
    try {
      bytes = DECOMPRESSORS[coding]!(bytes, cap);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? over : asStored;
    }
    if (bytes.byteLength > maxBytes) return over;
  }
  return new Uint8Array(bytes);
}

/** `deflate` as browsers take it: zlib-wrapped, as the standard says, or raw, as some servers send it. */
function inflateEither(body: Uint8Array, cap: number): Buffer {
  try {
    return inflateSync(body, { maxOutputLength: cap });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawSync(body, { maxOutputLength: cap });
  }
}

const DECOMPRESSORS: Readonly<Record<string, (body: Uint8Array, cap: number) => Buffer>> = {
  gzip: (body, cap) => gunzipSync(body, { maxOutputLength: cap }),
  'x-gzip': (body, cap) => gunzipSync(body, { maxOutputLength: cap }),
  deflate: inflateEither,
  br: (body, cap) => brotliDecompressSync(body, { maxOutputLength: cap }),
};
