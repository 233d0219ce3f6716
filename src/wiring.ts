/**
 * The one place that turns settings into a publish run's dependencies, for the Lambda handler,
 * `npm start` and the CLI alike: the same use case, pointed at a bucket or at a folder.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FeedConfig, PublishSettings } from './config.js';
import type { Limits } from './config/limits.js';
import type { PublishDependencies } from './publish/publish.js';
import { FolderStorage } from './storage/folder.js';
import { createS3Client, S3Storage } from './storage/s3.js';

/**
 * The S3 client for the settings' bucket: the endpoint and path style the settings name (an
 * S3-compatible server), the region and credentials the caller has (Lambda's environment, or
 * the embedded server's fixed keys); left out, the SDK's own chain applies.
 */
export function bucketClient(
  publish: PublishSettings,
  access: { region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): S3Client {
  return createS3Client({
    ...access,
    ...(publish.s3.endpoint ? { endpoint: publish.s3.endpoint } : {}),
    forcePathStyle: publish.s3.forcePathStyle,
  });
}

/** Publish into the settings' bucket, from seeds bundled in a folder or kept under a prefix of the same bucket. */
export function bucketPublishDependencies(options: {
  client: S3Client;
  feed: FeedConfig;
  publish: PublishSettings;
  /** Where bundled seeds are when the settings name no folder. */
  defaultSeedsDir: string;
  now?: () => Date;
}): PublishDependencies {
  const { client, feed, publish } = options;
  const seeds =
    publish.seeds.from === 'bucket'
      ? new S3Storage({ client, bucket: publish.bucket, prefix: publish.seeds.prefix })
      : new FolderStorage(publish.seeds.dir ?? options.defaultSeedsDir, { requireRoot: true });
  return {
    storage: new S3Storage({ client, bucket: publish.bucket }),
    seeds,
    settings: { config: feed, cacheControl: publish.cacheControl, maxUnpublishShare: publish.maxUnpublishShare, limits: publish.limits },
    now: options.now ?? (() => new Date()),
  };
}

/** Publish into a folder (`cli build --out DIR`): the same objects a bucket gets, the manifest inside it. */
export function folderPublishDependencies(options: {
  outDir: string;
  seedsDir: string;
  feed: FeedConfig;
  cacheControl: string;
  maxUnpublishShare: number;
  limits?: Limits;
  now: () => Date;
}): PublishDependencies & { readonly storage: FolderStorage } {
  return {
    storage: new FolderStorage(options.outDir),
    seeds: new FolderStorage(options.seedsDir, { requireRoot: true }),
    settings: {
      config: options.feed,
      cacheControl: options.cacheControl,
      maxUnpublishShare: options.maxUnpublishShare,
      ...(options.limits ? { limits: options.limits } : {}),
    },
    now: options.now,
  };
}
