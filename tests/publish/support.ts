/**
 * Shared plumbing for the publish, handler, site and local tests: seed folders on disk, a
 * validated feed config, and an S3 mock that behaves like a small bucket. Nothing here reads
 * the clock; every run gets its `now` from the test.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFeedConfig, loadPublishSettings, type FeedConfig } from '../../src/config.js';
import type { PublishDependencies } from '../../src/publish/publish.js';
import { createS3Client } from '../../src/storage/s3.js';
import { bucketPublishDependencies } from '../../src/wiring.js';

/** Stubs `send` of every S3Client, including ones the code under test creates itself. */
export function mockS3() {
  return mockClient(S3Client);
}
export type S3Mock = ReturnType<typeof mockS3>;

export const BUCKET = 'feeds-bucket';
export const SITE = 'https://news.example.org/';

/** The config file the tests publish with, validated by the real loader (so it is a real FeedConfig). */
export function testFeedConfig(overrides: Record<string, unknown> = {}, siteUrl = SITE): FeedConfig {
  return loadFeedConfig(
    {
      title: 'Example News',
      description: 'Reports from an example newsroom.',
      siteUrl,
      language: 'en',
      author: { name: 'News Desk', email: 'desk@example.org' },
      idPrefix: 'tag:news.example.org,2026:',
      publishTime: '00:00',
      timeZone: 'UTC',
      itemLimit: 50,
      ttlMinutes: 60,
      ...overrides,
    },
    {},
  );
}

/** Seed text: the header line, then blank-line separated paragraphs. */
export function seed(date: string, title: string, ...paragraphs: string[]): string {
  return `${[`date ${date} ${title}`, ...paragraphs].join('\n\n')}\n`;
}

/** A small, valid seed set: three articles a few days apart, one with text that needs escaping. */
export const THREE_SEEDS: Readonly<Record<string, string>> = {
  '2026-02-01-harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Monday.', 'Tickets cost 50 hryvnias.'),
  '2026-02-03-bridge.txt': seed(
    '2026-02-03',
    'Bridge Opens',
    'A footbridge now links the two banks.',
    'Що далі',
    'Lights are due by summer.',
  ),
  '2026-02-05-budget.txt': seed('2026-02-05', 'Schools & Shelters <First>', 'The council voted 31 to 6 for schools & shelters.'),
};

/** The slugs THREE_SEEDS get, i.e. the page keys are `articles/${slug}.html`. */
export const THREE_SLUGS = ['2026-02-01-harbour-ferry-returns', '2026-02-03-bridge-opens', '2026-02-05-schools-shelters-first'] as const;

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes (or overwrites) seed files into a folder, creating it if needed. */
export async function writeSeeds(folder: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(folder, name), content);
}

/** The SDK's streaming body, reduced to the one method S3Storage reads it through. */
export function sdkBody(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  return { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'];
}

export function noSuchKey(): NoSuchKey {
  return new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
}

export function serviceError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, message: `${name} from the mock`, $fault: 'server', $metadata: { httpStatusCode } });
}

export interface PutRecord {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
}

/** Every PutObject the mock received, in the order the SDK sent them. */
export function putCalls(s3: S3Mock): PutRecord[] {
  return s3.commandCalls(PutObjectCommand).map((call) => {
    const input = call.args[0].input as PutObjectCommandInput;
    return {
      key: input.Key!,
      body: new Uint8Array(input.Body as Uint8Array),
      contentType: input.ContentType,
      cacheControl: input.CacheControl,
    };
  });
}

export interface BucketObject extends PutRecord {
  readonly etag: string;
  /** Listed and answered with it; absent for the default class. A PUT writes the default class. */
  readonly storageClass?: string;
}

/** S3's ETag for a single-part upload, computed here independently of the code under test. */
export function md5(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/**
 * Makes the mock behave like one bucket, as S3 does: PutObject stores (honouring IfMatch and
 * IfNoneMatch, answering with the MD5 ETag), GetObject returns the object with its ETag (or
 * NoSuchKey), DeleteObject removes, ListObjectsV2 lists by prefix with ETag and Size, pages
 * of `pageSize`, and folds deeper keys into CommonPrefixes when asked for a delimiter.
 * Returns the objects so a test can look in or change them behind the publisher's back.
 */
export function fakeBucket(
  s3: S3Mock,
  initial: Readonly<Record<string, Uint8Array>> = {},
  /** Keys whose put or delete fails with the given error while they are in the map. */
  failures: ReadonlyMap<string, Error> = new Map(),
  pageSize = 1000,
): Map<string, BucketObject> {
  const objects = new Map<string, BucketObject>();
  for (const [key, body] of Object.entries(initial))
    objects.set(key, { key, body, contentType: 'text/plain', cacheControl: undefined, etag: md5(body) });
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const failure = failures.get(input.Key!);
    if (failure) throw failure;
    const current = objects.get(input.Key!);
    if ((input.IfNoneMatch === '*' && current) || (input.IfMatch !== undefined && current?.etag !== input.IfMatch)) {
      throw serviceError('PreconditionFailed', 412);
    }
    const body = Uint8Array.from(input.Body as Uint8Array);
    const etag = md5(body);
    objects.set(input.Key!, { key: input.Key!, body, contentType: input.ContentType, cacheControl: input.CacheControl, etag });
    return { ETag: etag };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const object = objects.get(input.Key);
    if (!object) throw noSuchKey();
    return {
      Body: sdkBody(object.body),
      ContentType: object.contentType,
      CacheControl: object.cacheControl,
      ETag: object.etag,
      ...(object.storageClass === undefined ? {} : { StorageClass: object.storageClass }),
    };
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    const failure = failures.get(input.Key);
    if (failure) throw failure;
    objects.delete(input.Key);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; Delimiter?: string; ContinuationToken?: string }) => {
    const prefix = input.Prefix ?? '';
    const keys = [...objects.keys()]
      .filter((key) => key.startsWith(prefix) && !(input.Delimiter && key.slice(prefix.length).includes(input.Delimiter)))
      .sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const truncated = start + pageSize < keys.length;
    return {
      Contents: page.map((Key) => {
        const { etag, body, storageClass } = objects.get(Key)!;
        return { Key, ETag: etag, Size: body.byteLength, ...(storageClass === undefined ? {} : { StorageClass: storageClass }) };
      }),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: String(start + pageSize) } : {}),
    };
  });
  return objects;
}

/**
 * Moves an object of the fake bucket to an archive storage class, as a lifecycle rule or an
 * upload straight to it does: listed with that class from then on. Not `restored`, its GET fails
 * as S3's does (InvalidObjectState, 403); restored, it answers, naming the class.
 */
export function archiveInBucket(
  s3: S3Mock,
  objects: Map<string, BucketObject>,
  key: string,
  storageClass: 'GLACIER' | 'DEEP_ARCHIVE',
  { restored = false }: { restored?: boolean } = {},
): void {
  objects.set(key, { ...objects.get(key)!, storageClass });
  if (restored) return;
  s3.on(GetObjectCommand, { Key: key }).rejects(
    Object.assign(new Error('The operation is not valid for the object storage class'), {
      name: 'InvalidObjectState',
      $metadata: { httpStatusCode: 403 },
    }),
  );
}

export const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** A client for the mock, made the way production makes one; the mock answers every command. */
export function mockedClient(): S3Client {
  return createS3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** Publish dependencies on the mocked bucket, with the seeds in it under `seedsPrefix`. */
export function bucketSeedsDependencies(options: { itemLimit: number; now: Date; seedsPrefix: string }): PublishDependencies {
  return bucketPublishDependencies({
    client: mockedClient(),
    feed: testFeedConfig({ itemLimit: options.itemLimit }),
    publish: loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: options.seedsPrefix }),
    defaultSeedsDir: '/nonexistent',
    now: () => options.now,
  });
}

/** The requests the mocked bucket was sent, by kind: the keys of seeds read apart from the others, keys sorted. */
export function s3Requests(s3: S3Mock, seedsPrefix: string) {
  const gets = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key!);
  return {
    list: s3.commandCalls(ListObjectsV2Command).length,
    getSeeds: gets.filter((key) => key.startsWith(seedsPrefix)).sort(),
    getOther: gets.filter((key) => !key.startsWith(seedsPrefix)),
    puts: s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input.Key!)
      .sort(),
    deletes: s3
      .commandCalls(DeleteObjectCommand)
      .map((call) => call.args[0].input.Key!)
      .sort(),
  };
}
