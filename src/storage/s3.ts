/** Storage in an S3 bucket (or an S3-compatible server such as the embedded s3rver). */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { md5Etag, normalEtag } from './etag.js';
import {
  compareKeys,
  PreconditionFailedError,
  StorageError,
  type DeleteOptions,
  type StorageOperation,
  type GetOptions,
  type ListedObject,
  type ListOptions,
  type PutOptions,
  type Storage,
  type StoredObject,
} from './storage.js';

export interface S3ClientOptions {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Milliseconds to open the connection (default 3 s). */
  connectionTimeout?: number;
  /** Milliseconds for each attempt, from sending the request to the response's headers (default 10 s). */
  requestTimeout?: number;
  /** Tries per call, the first included (default 3). */
  maxAttempts?: number;
}

const CONNECTION_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** An S3 call's attempt at most, with the default timeouts: to connect, then to answer. */
export const S3_ATTEMPT_MS = CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS;

export function createS3Client(options: S3ClientOptions): S3Client {
  const requestTimeout = options.requestTimeout ?? REQUEST_TIMEOUT_MS;
  const config: S3ClientConfig = {
    // s3rver predates flexible checksums and would store a streamed body with its aws-chunked framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Without these the SDK waits on a silent connection forever, and the run with it until the
    // Lambda is killed mid-write. Options, not an instance: the SDK builds its NodeHttpHandler from them.
    requestHandler: {
      connectionTimeout: options.connectionTimeout ?? CONNECTION_TIMEOUT_MS,
      requestTimeout,
      // Without it the installed @smithy/node-http-handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
      // A body that stops arriving after the headers (GetObject) fails too.
      socketTimeout: requestTimeout,
    },
    // A timed-out attempt is retried (standard mode, with backoff); three attempts bound a call to about 3 × requestTimeout.
    maxAttempts: options.maxAttempts ?? 3,
  };
  // Unset options are left out so the SDK's own defaults (AWS_REGION, the credential chain) apply.
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new S3Client(config);
}

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key as is (include the trailing slash); stripped from list results. */
  prefix?: string;
}

export class S3Storage implements Storage {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
  }

  async get(key: string, options: GetOptions = {}): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      // A GetObject that succeeds always has a body; an empty object still gets an empty stream.
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return {
        key,
        body,
        // As listed: an object restored from an archive class keeps that class, which its listed ETag names.
        etag: listedEtag(out),
        ...optionalHeaders(out.ContentType, out.CacheControl),
        ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}),
      };
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw this.failure('get', key, error);
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<{ etag: string }> {
    // 409 ConditionalRequestConflict: another conditional write to the key was in flight, most
    // likely this put's own first attempt that the SDK gave up on and retried. S3 says to retry:
    // once that write has landed, the condition either holds or fails for good (412).
    for (let conflicts = 0; ; conflicts++) {
      try {
        return await this.putOnce(key, body, options, conflicts > 0);
      } catch (error) {
        if (!(error instanceof ConditionalConflict) || conflicts >= CONFLICT_RETRIES) {
          throw error instanceof ConditionalConflict ? new PreconditionFailedError(key, { cause: error.cause }) : error;
        }
        // A stop cuts the pause short; the next request then fails as stopped.
        await sleep(CONFLICT_PAUSE_MS * 2 ** conflicts, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
  }

  private async putOnce(key: string, body: Uint8Array, options: PutOptions, retried: boolean): Promise<{ etag: string }> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          // Bytes with a known length are sent in one plain request; a stream would be chunk-encoded.
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType,
          ...(options.cacheControl !== undefined && { CacheControl: options.cacheControl }),
          ...(options.ifMatch !== undefined && { IfMatch: options.ifMatch }),
          ...(options.ifNoneMatch !== undefined && { IfNoneMatch: options.ifNoneMatch }),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      // S3 always answers a PutObject with the ETag; a server that does not gets the MD5 it would have sent.
      return { etag: out.ETag === undefined ? md5Etag(body) : normalEtag(out.ETag) };
    } catch (error) {
      // With If-Match, S3 answers 404 when the object is gone: that condition failed too. A 412
      // or 409 to a put that sent no condition (a proxy, another store) is a plain failure.
      const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
      if (conditional && (isFailedCondition(error) || (options.ifMatch !== undefined && isMissingKey(error)))) {
        const own = await this.ownEarlierAttempt(key, body, error, retried, options.signal);
        if (own !== undefined) return { etag: own };
        if (isConditionalConflict(error)) throw new ConditionalConflict(error);
        throw new PreconditionFailedError(key, { cause: error });
      }
      throw this.failure('put', key, error);
    }
  }

  /**
   * A conditional put whose first attempt timed out and was retried (by the SDK, or here after a
   * 409) can fail its condition on its own write: S3 stored the first attempt, and the object
   * then no longer matches (or now exists). The object tells: these very bytes mean the write
   * went through, and its ETag is returned as this put's. They are read back and compared, not
   * told from the ETag, which is their MD5 only in a bucket without SSE-KMS (etag.ts); this
   * happens only after a timeout, and the object written conditionally is the manifest.
   * Otherwise, or when the object cannot be read, undefined: the condition failed.
   */
  private async ownEarlierAttempt(
    key: string,
    body: Uint8Array,
    error: unknown,
    retried: boolean,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
    if (!retried && (typeof attempts !== 'number' || attempts < 2)) return undefined;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        signal ? { abortSignal: signal } : {},
      );
      const stored = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return out.ETag !== undefined && Buffer.from(stored).equals(body) ? normalEtag(out.ETag) : undefined;
    } catch {
      return undefined;
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        options.signal ? { abortSignal: options.signal } : {},
      );
    } catch (error) {
      if (isMissingKey(error)) return;
      throw this.failure('delete', key, error);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let continuationToken: string | undefined;
    // A server that hands back a token it was given would have the run read one page forever.
    const tokensSent = new Set<string>();
    try {
      do {
        // A listing of many pages is a request each: one near the deadline is the last.
        options.signal?.throwIfAborted();
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            // With a delimiter, deeper keys come back folded into CommonPrefixes, which are skipped.
            ...(options.recursive === false && { Delimiter: '/' }),
            ...(continuationToken !== undefined && { ContinuationToken: continuationToken }),
          }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(this.prefix)) {
            objects.push({ key: object.Key.slice(this.prefix.length), etag: listedEtag(object), size: object.Size ?? 0 });
          }
        }
        // A listing cut short would read as objects gone (and seeds gone, as articles to unpublish).
        if (page.IsTruncated && page.NextContinuationToken === undefined)
          throw new Error('a listing page says more objects follow but gives no continuation token');
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (continuationToken !== undefined) {
          if (tokensSent.has(continuationToken)) throw new Error('a listing page gives back a continuation token already used');
          tokensSent.add(continuationToken);
        }
      } while (continuationToken !== undefined);
    } catch (error) {
      throw this.failure('list', prefix, error);
    }
    // S3 already returns UTF-8 byte order; sorting here keeps the result identical to FolderStorage's.
    objects.sort(compareKeys);
    return this.onceEach(objects, prefix);
  }

  /**
   * A key listed twice (pages that overlap, on a server that pages by something else than the
   * key) is one object: taken twice, a seed would collide with itself and be unpublished. Twice
   * with different ETags, the listing cannot say which object is there, and the run stops.
   */
  private onceEach(sorted: readonly ListedObject[], prefix: string): ListedObject[] {
    const objects: ListedObject[] = [];
    for (const object of sorted) {
      const before = objects.at(-1);
      if (before?.key !== object.key) objects.push(object);
      else if (before.etag !== object.etag || before.size !== object.size) {
        throw this.failure('list', prefix, new Error(`the listing gives ${JSON.stringify(object.key)} twice, as two different objects`));
      }
    }
    return objects;
  }

  /**
   * A failed call, named by the key within this storage and, in its message, by the key in the
   * bucket. S3 says "The specified bucket does not exist" without saying which: this names it.
   */
  private failure(operation: StorageOperation, key: string, error: unknown): StorageError {
    const cause =
      (error as { name?: unknown } | null)?.name === 'NoSuchBucket'
        ? new Error(`the bucket ${this.bucket} does not exist (NoSuchBucket)`, { cause: error })
        : error;
    return new StorageError(operation, key, { cause, shown: this.prefix + key });
  }
}

/**
 * An object a lifecycle rule moved to an archive class keeps its ETag, but every GET of it fails
 * until it is restored. It is listed under an ETag no run recorded: a published object then
 * differs from what the run wrote, and a plain run writes it again (in the default class); a
 * seed is read, and reported as one that cannot be read.
 */
function listedEtag(object: { readonly ETag?: string; readonly StorageClass?: string }): string {
  const etag = normalEtag(object.ETag ?? '');
  return object.StorageClass === 'GLACIER' || object.StorageClass === 'DEEP_ARCHIVE' ? `${etag} (${object.StorageClass})` : etag;
}

function isMissingKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  // A missing bucket is a configuration error, not an absent object, so it must not read as "not there".
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/** 412 when the condition did not hold; 409 when another conditional write to the key was in flight. */
function isFailedCondition(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412 || isConditionalConflict(error);
}

function isConditionalConflict(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalRequestConflict';
}

/** A 409 to a conditional put, which put() tries again. */
class ConditionalConflict extends Error {
  constructor(cause: unknown) {
    super('another conditional write to the key was in flight', { cause });
  }
}

/** How often put() tries a conditional write again after a 409, and the first pause (doubled each time). */
const CONFLICT_RETRIES = 2;
const CONFLICT_PAUSE_MS = 200;

function optionalHeaders(
  contentType: string | undefined,
  cacheControl: string | undefined,
): { contentType?: string; cacheControl?: string } {
  return {
    ...(contentType !== undefined && { contentType }),
    ...(cacheControl !== undefined && { cacheControl }),
  };
}
