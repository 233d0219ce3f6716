/**
 * Sites published through the production wiring into buckets of the embedded S3 (s3rver), with
 * their seeds in the bucket: one server per test file (useEmbeddedS3), a bucket of its own per
 * site (embeddedSite). Nothing here reads the clock; each site's `now` is set by its test.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { createS3Client } from '../../src/storage/s3.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { tempDir, testFeedConfig, type TempDir } from './support.js';

export interface EmbeddedS3Handle {
  readonly server: EmbeddedS3;
  readonly client: S3Client;
}

/** One embedded S3 for the test file, started before its tests and closed after them. */
export function useEmbeddedS3(dirPrefix: string): EmbeddedS3Handle {
  let dir: TempDir | undefined;
  let server: EmbeddedS3 | undefined;
  let client: S3Client | undefined;
  beforeAll(async () => {
    dir = await tempDir(dirPrefix);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    server = await startEmbeddedS3({ directory: join(dir.path, 's3'), port: 0, bucket: 'unused', silent: true });
    client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await dir?.remove();
  });
  return {
    get server() {
      return server!;
    },
    get client() {
      return client!;
    },
  };
}

/** The item id the README promises: the prefix, `articles/`, the NFC file name without `.txt`, RFC 3986 encoded. */
export function expectedItemId(fileName: string, idPrefix: string): string {
  const stem = fileName.normalize('NFC').replace(/\.txt$/i, '');
  const encoded = encodeURIComponent(stem).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${idPrefix}articles/${encoded}`;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export interface FeedItem {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly content_html: string;
  readonly date_published: string;
  readonly date_modified?: string;
}

export interface EmbeddedSiteOptions {
  /** The bucket's name (unique in the test file). */
  readonly bucket: string;
  /** SEEDS_PREFIX; default `seeds/`. */
  readonly prefix?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly itemLimit?: number;
  /** The client the publisher sends with; default the embedded S3's own. */
  readonly client?: S3Client;
  readonly now: Date;
}

export type EmbeddedSite = Awaited<ReturnType<typeof embeddedSite>>;

/** A bucket of its own on the embedded S3, published through the production wiring with seeds under its prefix. */
export async function embeddedSite(s3: EmbeddedS3Handle, options: EmbeddedSiteOptions) {
  const { bucket } = options;
  const prefix = options.prefix ?? 'seeds/';
  const client = s3.client;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const url = `${s3.server.endpoint}/${bucket}/`;
  let now = options.now;
  const deps = () =>
    bucketPublishDependencies({
      client: options.client ?? client,
      feed: testFeedConfig({ itemLimit: options.itemLimit ?? 50 }, url),
      publish: loadPublishSettings({
        FEED_BUCKET: bucket,
        SEEDS_SOURCE: 'bucket',
        SEEDS_PREFIX: prefix,
        S3_ENDPOINT: s3.server.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        ...options.env,
      }),
      defaultSeedsDir: '/nonexistent',
      now: () => now,
    });
  const site = {
    bucket,
    url,
    prefix,
    setNow(at: Date) {
      now = at;
    },
    async put(key: string, body: string | Uint8Array, headers: Partial<PutObjectCommandInput> = {}) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: typeof body === 'string' ? utf8(body) : body,
          ContentType: 'text/plain',
          ...headers,
        }),
      );
    },
    async seed(name: string, body: string | Uint8Array, headers: Partial<PutObjectCommandInput> = {}) {
      await site.put(`${prefix}${name}`, body, headers);
    },
    async seeds(files: Readonly<Record<string, string | Uint8Array>>) {
      for (const [name, body] of Object.entries(files)) await site.seed(name, body);
    },
    async delete(key: string) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async get(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: await out.Body!.transformToByteArray(), etag: out.ETag ?? '' };
      } catch {
        return undefined;
      }
    },
    /** Every object in the bucket, key → ETag, over as many pages as it takes. */
    async objects(): Promise<Map<string, string>> {
      const found = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) found.set(object.Key!, object.ETag!);
        token = page.NextContinuationToken;
      } while (token);
      return found;
    },
    run(request: { force?: boolean } = {}): Promise<PublishSummary> {
      return publish(deps(), request);
    },
    /** feed.json as published. */
    async json(): Promise<{ items: FeedItem[] }> {
      return JSON.parse(text((await site.get('feed.json'))!.body));
    },
    async items(): Promise<FeedItem[]> {
      return (await site.json()).items;
    },
  };
  return site;
}
