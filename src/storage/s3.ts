import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { StorageError, type ObjectHead, type PutOptions, type Storage, type StoredObject } from './storage.js';

export interface S3ClientOptions {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const config: S3ClientConfig = {
    // s3rver predates flexible checksums and would store a streamed body with its aws-chunked framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
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

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      // A GetObject that succeeds always has a body; an empty object still gets an empty stream.
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return {
        key,
        body,
        ...optionalHeaders(out.ContentType, out.CacheControl),
        metadata: lowerCaseKeys(out.Metadata),
      };
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw new StorageError('get', key, { cause: error });
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          // Bytes with a known length are sent in one plain request; a stream would be chunk-encoded.
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType,
          ...(options.cacheControl !== undefined && { CacheControl: options.cacheControl }),
          ...(options.metadata !== undefined && { Metadata: lowerCaseKeys(options.metadata) }),
        }),
      );
    } catch (error) {
      throw new StorageError('put', key, { cause: error });
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        ...optionalHeaders(out.ContentType, out.CacheControl),
        metadata: lowerCaseKeys(out.Metadata),
      };
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw new StorageError('head', key, { cause: error });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ...(continuationToken !== undefined && { ContinuationToken: continuationToken }),
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(this.prefix)) keys.push(object.Key.slice(this.prefix.length));
        }
        // Checking the token as well as IsTruncated keeps a misbehaving server from looping us forever.
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
    } catch (error) {
      throw new StorageError('list', prefix, { cause: error });
    }
    // S3 already returns UTF-8 byte order; sorting here keeps the result identical to FolderStorage's.
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function isMissingKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  // A missing bucket is a configuration error, not an absent object, so it must not read as "not there".
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

function optionalHeaders(
  contentType: string | undefined,
  cacheControl: string | undefined,
): { contentType?: string; cacheControl?: string } {
  return {
    ...(contentType !== undefined && { contentType }),
    ...(cacheControl !== undefined && { cacheControl }),
  };
}

// S3 lower-cases user metadata names on the wire anyway; doing it on both sides makes every backend agree.
function lowerCaseKeys(record: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) out[name.toLowerCase()] = value;
  return out;
}
