/**
 * The only thing the publish code knows about where objects live. Two implementations:
 * `s3.ts` (a bucket, real or s3rver) and `folder.ts` (a local directory); tests add one in memory.
 * Keys are bucket-style paths with forward slashes and no leading slash ("articles/x.html").
 */
import { describeError } from '../errors.js';
import { compareStrings } from '../text/order.js';

export interface PutOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
  /** Write only if the object's current ETag is this one (a compare-and-swap). */
  readonly ifMatch?: string;
  /** `*`: write only if there is no object under the key yet. */
  readonly ifNoneMatch?: '*';
  /** Abandons the request when it fires (a bucket's; a folder's writes are too short to need it). */
  readonly signal?: AbortSignal;
}

export interface GetOptions {
  /** Abandons the request when it fires, as PutOptions.signal. */
  readonly signal?: AbortSignal;
}

export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly etag: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
  /** As stored (`gzip` for an object uploaded compressed); absent for plain bytes. */
  readonly contentEncoding?: string;
}

/** One entry of a listing: enough to tell whether an object changed without reading it. */
export interface ListedObject {
  readonly key: string;
  /** Changes whenever the object's bytes change; compared as an opaque string. */
  readonly etag: string;
  readonly size: number;
}

export interface ListOptions {
  /** False: only the objects directly under the prefix, not those in deeper "folders". Default true. */
  readonly recursive?: boolean;
  /**
   * Told of entries under the prefix that are not objects and were left out: in a folder, a
   * symbolic link, a device or a pipe (a bucket has none), and the folders a listing that does
   * not descend passes over (a bucket's are not reported).
   */
  readonly skipped?: (key: string, reason: string) => void;
  /** Abandons the listing when it fires, between pages and in the request in flight (a bucket's). */
  readonly signal?: AbortSignal;
}

export interface DeleteOptions {
  /** Abandons the request when it fires, as PutOptions.signal. */
  readonly signal?: AbortSignal;
}

export interface Storage {
  /** The object, or undefined when there is no such key. Other failures throw. */
  get(key: string, options?: GetOptions): Promise<StoredObject | undefined>;
  /**
   * Writes the whole object and returns its new ETag; a reader sees either the old or the new
   * bytes, never a mix. A failed condition throws PreconditionFailedError.
   */
  put(key: string, body: Uint8Array, options: PutOptions): Promise<{ readonly etag: string }>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  /** Every object under the prefix, sorted by key in byte order, however many pages that takes. */
  list(prefix: string, options?: ListOptions): Promise<ListedObject[]>;
  /**
   * The ETag of the object when it already holds exactly these bytes and nothing else a put
   * would change, else undefined. Only a storage that keeps bytes alone (a folder) can tell
   * that from the bytes: a bucket's object also has headers a listing does not show, so a
   * bucket does not implement it and a put is how its headers are kept honest.
   */
  heldAs?(key: string, body: Uint8Array): Promise<string | undefined>;
}

export type StorageOperation = 'get' | 'put' | 'delete' | 'list';

/**
 * Raised by a storage implementation so that a failed run can name the key it was working on.
 * `key` is the storage's own; the message names `shown` when given: where that is in the bucket
 * (a storage under `seeds/` failing to list its root lists `seeds/`, not the bucket's root).
 */
export class StorageError extends Error {
  constructor(
    readonly operation: StorageOperation,
    readonly key: string,
    options: { cause: unknown; shown?: string },
  ) {
    const shown = options.shown ?? key;
    super(`${operation} ${shown === '' ? '(the root)' : shown} failed: ${describeError(options.cause)}`, { cause: options.cause });
    this.name = 'StorageError';
  }
}

/** A conditional put found the object changed since it was read: another writer got there first. */
export class PreconditionFailedError extends StorageError {
  constructor(key: string, options: { cause: unknown }) {
    super('put', key, options);
    this.name = 'PreconditionFailedError';
  }
}

/** Listings in byte order of their keys, whatever the backend returned. */
export function compareKeys(a: { readonly key: string }, b: { readonly key: string }): number {
  return compareStrings(a.key, b.key);
}
