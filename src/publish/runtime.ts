import type { S3Client } from '@aws-sdk/client-s3';
import { readSeedFolder } from '../article/seed-folder.js';
import type { FeedConfig, PublishSettings } from '../config.js';
import { S3Storage } from '../storage/s3.js';
import type { PublishDependencies } from './publish.js';
import { readSeedsFromStorage } from './seeds.js';

/** Wires the publish use case to a bucket: the same wiring for Lambda, `npm start` and tests. */
export function s3PublishDependencies(options: {
  client: S3Client;
  feed: FeedConfig;
  publish: PublishSettings;
  /** Where bundled seeds are when the settings name no folder. */
  defaultSeedsDir: string;
  now?: () => Date;
}): PublishDependencies {
  const { client, feed, publish } = options;
  const storage = new S3Storage({ client, bucket: publish.bucket });
  const seeds = publish.seeds;
  const readSeeds =
    seeds.from === 'bucket'
      ? () => readSeedsFromStorage(new S3Storage({ client, bucket: publish.bucket, prefix: seeds.prefix }))
      : () => readSeedFolder(seeds.dir ?? options.defaultSeedsDir);
  return { storage, readSeeds, config: feed, cacheControl: publish.cacheControl, now: options.now ?? (() => new Date()) };
}
