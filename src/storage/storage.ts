/**
 * The only thing the publish code knows about where objects live. Two implementations:
 * `s3.ts` (a bucket, real or s3rver) and `folder.ts` (a local directory).
 * Keys are bucket-style paths with forward slashes and no leading slash ("articles/x.html").
 */
export interface PutOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
  /** Small string metadata, e.g. the content hash; keys are lower-case. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectHead {
  readonly key: string;
  readonly size: number;
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Storage {
  /** The object, or undefined when there is no such key. Other failures throw. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Writes the whole object; a reader sees either the old or the new bytes, never a mix. */
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
  /** Headers and size without the body, or undefined when there is no such key. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** Every key under the prefix, sorted in byte order, however many pages that takes. */
  list(prefix: string): Promise<string[]>;
}

/** Raised by a storage implementation so that a failed run can name the key it was working on. */
export class StorageError extends Error {
  constructor(
    readonly operation: 'get' | 'put' | 'head' | 'list',
    readonly key: string,
    options: { cause: unknown },
  ) {
    super(`${operation} ${key} failed: ${describe(options.cause)}`, options);
    this.name = 'StorageError';
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.name && cause.name !== 'Error' ? `${cause.name}: ${cause.message}` : cause.message;
  return String(cause);
}
