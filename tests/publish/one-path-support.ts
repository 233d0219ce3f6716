/**
 * What the one-path suites share: the Lambda handler run in-process against the embedded S3, and
 * the site each path leaves, read back (a bucket's objects with their headers, a folder's files),
 * the manifest left out: it records each storage's own ETags.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createHandler } from '../../handlers/publish.js';
import { localS3Credentials, localS3Region } from '../../src/local/embedded-s3.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { MANIFEST } from './support-site.js';

/** The Lambda handler, in-process, publishing `seedsDir` into `bucket` (made here) of the s3rver at `endpoint`. */
export async function runHandler(env: Record<string, string>, endpoint: string, bucket: string, seedsDir: string): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
  });
  try {
    const client = createS3Client({ region: localS3Region, endpoint, forcePathStyle: true, credentials: localS3Credentials });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const handler = createHandler({
      ...env,
      FEED_BUCKET: bucket,
      SEEDS_DIR: seedsDir,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: localS3Region,
    });
    // The handler's summary line goes to stdout through its own console: kept out of the test output.
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await handler({});
    } finally {
      process.stdout.write = write;
    }
  } finally {
    process.env = saved;
  }
}

export interface Stored {
  readonly body: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
}

/** The objects of `bucket` in the s3rver at `endpoint`, by key, with the headers they are served with. */
export async function objectsIn(endpoint: string, bucket: string): Promise<Record<string, Stored>> {
  const client = createS3Client({ region: localS3Region, endpoint, forcePathStyle: true, credentials: localS3Credentials });
  const storage = new S3Storage({ client, bucket });
  const objects: Record<string, Stored> = {};
  for (const { key } of await storage.list('')) {
    if (key === MANIFEST) continue;
    const object = (await storage.get(key))!;
    objects[key] = { body: Buffer.from(object.body).toString('utf8'), contentType: object.contentType, cacheControl: object.cacheControl };
  }
  return objects;
}

/** The files under `root`, by key, as text. */
export async function filesUnder(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const key = relative(root, join(entry.parentPath, entry.name)).split('\\').join('/');
    if (key !== MANIFEST) files[key] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

/** The bodies of `objects`, by key: what a folder keeps of them. */
export const bodies = (objects: Record<string, Stored>) =>
  Object.fromEntries(Object.entries(objects).map(([key, { body }]) => [key, body]));
