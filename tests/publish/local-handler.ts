/** The Lambda handler run in-process against the embedded S3, as the one-path suites compare it with npm start and the CLI. */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createHandler } from '../../handlers/publish.js';
import { localS3Credentials, localS3Region } from '../../src/local/embedded-s3.js';
import { createS3Client } from '../../src/storage/s3.js';

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
