/**
 * What gets deployed, as an operator would check it before putting it in an AWS
 * account: the packaged template (`serverless package`, offline, as the other deploy tests do)
 * read against the README and against what the function actually does, and the zip run on its
 * own. Prepare (build) and Act (packaging) run once in beforeAll.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../handlers/publish.js';
import { localS3Credentials, startEmbeddedS3 } from '../../src/local/embedded-s3.js';
import { SITE_FILES } from '../../src/site-files.js';
import { S3_ATTEMPT_MS } from '../../src/storage/s3.js';
import { completed, lambdaContext, onFakeClock, slowS3 } from '../handlers/support.js';
import { fakeBucket, mockS3 } from '../publish/support.js';
import { EXAMPLE, evaluate, s3AnswerToCloudFront } from './bucket-policy.js';
import { offlineEnv, prepareServiceCopy, repoRoot, serverless, type ServiceCopy } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;
interface Template {
  Resources: Record<string, { Type: string; Properties?: Json; DependsOn?: Json; Condition?: string }>;
  Outputs: Record<string, { Value: Json }>;
  Parameters?: Record<string, Json>;
  Conditions?: Record<string, Json>;
}

const PACKAGE_TIMEOUT = 300_000;
const BUCKET = EXAMPLE.bucketArn.replace('arn:aws:s3:::', '');
const DOMAIN = 'd111111abcdef8.cloudfront.net';
const execFileAsync = promisify(execFile);

let service: ServiceCopy;
let dev: Template;
let devDir: string;
let withEmail: Template;

async function packageService(name: string, args: readonly string[] = []): Promise<{ dir: string; template: Template }> {
  const dir = join(service.dir, name);
  const result = await serverless(service.dir, ['package', '--package', dir, ...args]);
  if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return { dir, template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template };
}

/** The intrinsics the function's environment uses, resolved to an example deployment. */
function resolveValue(value: Json, bucket = BUCKET): string {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'FeedBucket') return bucket;
  const getAtt = value?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[0] === 'FeedDistribution' && getAtt[1] === 'DomainName') return DOMAIN;
  const joined = value?.['Fn::Join'];
  if (Array.isArray(joined)) return (joined[1] as Json[]).map((part) => resolveValue(part, bucket)).join(joined[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function functionEnv(template: Template, bucket = BUCKET): Record<string, string> {
  const vars = template.Resources.PublishLambdaFunction!.Properties.Environment.Variables as Record<string, Json>;
  return Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, resolveValue(value, bucket)]));
}

function roleStatements(template: Template): Json[] {
  return template.Resources.PublishRole!.Properties.Policies.flatMap((policy: Json) => [policy.PolicyDocument.Statement].flat());
}

/** The role's S3 statements, shaped for bucket-policy.ts's evaluator (any principal: it is the role's own policy). */
function roleS3(template: Template): Json[] {
  return roleStatements(template)
    .filter((s: Json) => [s.Action].flat().every((a: string) => a.startsWith('s3:')))
    .map((s: Json) => ({ ...s, Principal: '*' }));
}

const roleDecision = (template: Template, action: string, key: string) =>
  evaluate(roleS3(template), { principalService: 'lambda', action, resource: `${EXAMPLE.bucketArn}/${key}`, context: {} });

/** Every logical id a value refers to: Ref, Fn::GetAtt, and ${Name} or ${Name.Attr} in Fn::Sub. */
function referencesIn(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) out.add(m[1]!.split('.')[0]!);
        if (Array.isArray(v)) referencesIn(v[1], out);
      } else referencesIn(v, out);
    }
  }
  return out;
}

/** Unpacks a zip (stored or deflated entries) into dir. */
function unzip(path: string, dir: string): string[] {
  const zip = readFileSync(path);
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (!name.endsWith('/')) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), method === 8 ? inflateRawSync(data) : data);
      names.push(name);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** A first scheduled run and a second one after most seeds left, of the real handler with the deployed environment, on a mocked bucket. */
async function publishTwiceOnMock(template: Template): Promise<{ puts: PutObjectCommandInput[]; deleted: readonly string[] }> {
  const s3 = mockS3();
  try {
    const objects = fakeBucket(s3);
    const seedsDir = mkdtempSync(join(tmpdir(), 'feedpress-deployed-seeds-'));
    try {
      const names = readdirSync(join(repoRoot, 'seeds')).filter((n) => n.endsWith('.txt'));
      for (const name of names) writeFileSync(join(seedsDir, name), readFileSync(join(repoRoot, 'seeds', name)));
      const env = {
        ...functionEnv(template),
        SEEDS_DIR: seedsDir,
        FEED_ITEM_LIMIT: '2',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_REGION: 'us-east-1',
      };
      await completed(createHandler(env)({ source: 'aws.events', 'detail-type': 'Scheduled Event' }));
      for (const name of names.slice(0, 4)) rmSync(join(seedsDir, name));
      const second = await completed(createHandler(env)({ force: true }));
      expect(objects.size).toBeGreaterThan(0);
      return {
        puts: s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input as PutObjectCommandInput),
        deleted: second.objects.deletedKeys,
      };
    } finally {
      rmSync(seedsDir, { recursive: true, force: true });
    }
  } finally {
    s3.restore();
  }
}

let run: { puts: PutObjectCommandInput[]; deleted: readonly string[] };

beforeAll(async () => {
  // Prepare
  service = await prepareServiceCopy('feedpress-deployed-');
  if (service.buildOutput.code !== 0) throw new Error(`build failed:\n${service.buildOutput.stdout}\n${service.buildOutput.stderr}`);
  // Act
  const packaged = await packageService('dev');
  dev = packaged.template;
  devDir = packaged.dir;
  withEmail = (await packageService('email', ['--param=alarmEmail=ops@example.org'])).template;
  run = await publishTwiceOnMock(dev);
}, PACKAGE_TIMEOUT);

afterAll(() => service?.remove());

describe('IAM: the function’s role against the keys it writes', () => {
  it('may PUT every key a run writes, and no key a run never writes (a stray page or script CloudFront would serve)', () => {
    // Prepare
    const written = [...new Set(run.puts.map((p) => p.Key!))];
    // Act
    const refusedOwn = written.filter((key) => roleDecision(dev, 's3:PutObject', key) !== 'allow');
    const strangers = ['evil.html', 'js/app.js', 'robots.txt', 'archive/notes.txt', '_publish/other.json', 'assets/logo.svg'];
    const allowedStrangers = strangers.filter((key) => roleDecision(dev, 's3:PutObject', key) === 'allow');
    // Assess
    expect(written).toEqual(
      expect.arrayContaining(['index.html', 'rss.xml', 'atom.xml', 'feed.json', '404.html', 'feed.css', '_publish/manifest.json']),
    );
    expect(written.some((key) => key.startsWith('archive/'))).toBe(true);
    expect(refusedOwn).toEqual([]);
    expect(allowedStrangers).toEqual([]);
  });

  it('may DELETE only article pages and archive documents, never the feeds, index, 404 page, stylesheet or manifest', () => {
    // Act
    const deletable = [
      'index.html',
      'rss.xml',
      'atom.xml',
      'feed.json',
      '404.html',
      'feed.css',
      '_publish/manifest.json',
      'seeds/a.txt',
    ].filter((key) => roleDecision(dev, 's3:DeleteObject', key) === 'allow');
    // Assess
    expect(run.deleted.length).toBeGreaterThan(0);
    expect(run.deleted.filter((key) => roleDecision(dev, 's3:DeleteObject', key) !== 'allow')).toEqual([]);
    expect(deletable).toEqual([]);
  });
});

describe('the feed bucket', () => {
  it('gets every object as SSE-S3 from the bucket default: no PUT asks for KMS, customer keys, an ACL or another storage class', () => {
    // Prepare
    const bucket = dev.Resources.FeedBucket!.Properties;
    const overriding = [
      'ServerSideEncryption',
      'SSEKMSKeyId',
      'SSEKMSEncryptionContext',
      'SSECustomerAlgorithm',
      'SSECustomerKey',
      'ACL',
      'GrantRead',
      'GrantFullControl',
      'StorageClass',
      'WebsiteRedirectLocation',
    ];
    // Act
    const puts = run.puts.filter((input) => overriding.some((field) => (input as unknown as Record<string, unknown>)[field] !== undefined));
    // Assess
    expect(run.puts.length).toBeGreaterThan(5);
    expect(puts.map((p) => p.Key)).toEqual([]);
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    // ACLs off: an ACL on a PUT would be refused, and none can make an object public.
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it('keeps old versions 30 days as the README says, and never expires or archives a current (published) object', () => {
    // Prepare
    const bucket = dev.Resources.FeedBucket!.Properties;
    const rules: Json[] = bucket.LifecycleConfiguration.Rules;
    // Assess
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(rules.filter((r) => r.Status === 'Enabled').map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays)).toContain(30);
    for (const rule of rules) {
      const where = JSON.stringify(rule);
      // A current object expired or moved to Glacier is a page CloudFront can no longer read.
      expect(rule.ExpirationInDays, where).toBeUndefined();
      expect(rule.ExpirationDate, where).toBeUndefined();
      expect(rule.Transitions ?? rule.Transition, where).toBeUndefined();
      expect(rule.NoncurrentVersionTransitions ?? [], where).toEqual([]);
    }
  });
});

describe('CloudFront', () => {
  it('forwards nothing a viewer could turn into another S3 request: no query string, header or cookie, no origin request policy', () => {
    // Prepare
    const config = dev.Resources.FeedDistribution!.Properties.DistributionConfig;
    const behavior = config.DefaultCacheBehavior;
    const key = dev.Resources.FeedCachePolicy!.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
    // Assess: a forwarded `?list-type=2&prefix=s` would be a ListObjectsV2 signed by the distribution.
    expect(key.QueryStringsConfig).toEqual({ QueryStringBehavior: 'none' });
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    expect(key.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    expect(behavior.OriginRequestPolicyId).toBeUndefined();
    expect(behavior.ForwardedValues).toBeUndefined();
    expect(behavior.LambdaFunctionAssociations ?? []).toEqual([]);
    expect(behavior.FunctionAssociations ?? []).toEqual([]);
    expect(config.Origins[0].OriginPath ?? '').toBe('');
    expect(config.Origins[0].OriginCustomHeaders ?? []).toEqual([]);
  });

  it('answers a missing page with the 404 page a run writes, readable by the distribution, as text/html with status 404', () => {
    // Prepare
    const errors: Json[] = dev.Resources.FeedDistribution!.Properties.DistributionConfig.CustomErrorResponses;
    const notFoundPut = run.puts.find((p) => p.Key === SITE_FILES.notFound);
    const policy = dev.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement;
    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0].ErrorCode).toBe(404);
    expect(errors[0].ResponseCode).toBe(404);
    expect(errors[0].ResponsePagePath).toBe(`/${SITE_FILES.notFound}`);
    expect(notFoundPut?.ContentType).toMatch(/^text\/html/);
    expect(s3AnswerToCloudFront(policy, SITE_FILES.notFound, true)).toBe(200);
    // An unpublished article's page: the edge's 404, not a 403.
    const gonePage = run.deleted.find((key) => key.startsWith('articles/'))!;
    expect(s3AnswerToCloudFront(policy, gonePage, false)).toBe(404);
    // The root is index.html, which every run writes.
    expect(dev.Resources.FeedDistribution!.Properties.DistributionConfig.DefaultRootObject).toBe(SITE_FILES.index);
    expect(run.puts.some((p) => p.Key === SITE_FILES.index)).toBe(true);
  });
});

describe('the Lambda', () => {
  it('retries a failed scheduled run twice and drops an event older than an hour to the queue, as the README says', () => {
    // Prepare
    const config = dev.Resources.PublishLambdaEvConf!.Properties;
    const targets: Json[] = dev.Resources.PublishEventsRuleSchedule1!.Properties.Targets;
    // Assess
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.MaximumEventAgeInSeconds).toBe(3600);
    expect(config.Qualifier).toBe('$LATEST');
    // The schedule invokes the unqualified function, i.e. $LATEST, which that configuration covers.
    expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] }]);
    expect(targets[0].Input ?? targets[0].InputPath ?? targets[0].InputTransformer).toBeUndefined();
  });

  it('with the deployed timeout and S3 taking a whole attempt per PUT, stops, saves its progress and returns before Lambda times out', async () => {
    // Prepare: the bundled seeds, S3 answering every PUT just inside one attempt's time.
    const timeoutMs = dev.Resources.PublishLambdaFunction!.Properties.Timeout * 1000;
    const seedsDir = mkdtempSync(join(tmpdir(), 'feedpress-deadline-'));
    const s3 = mockS3();
    try {
      for (const name of readdirSync(join(repoRoot, 'seeds')))
        writeFileSync(join(seedsDir, name), readFileSync(join(repoRoot, 'seeds', name)));
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const objects = fakeBucket(s3);
      slowS3((command) => (command instanceof PutObjectCommand ? S3_ATTEMPT_MS - 100 : 50));
      const env = { ...functionEnv(dev), SEEDS_DIR: seedsDir, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' };
      // Act
      const settled = await onFakeClock(
        () => createHandler(env)({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext('deadline', timeoutMs)),
        3 * timeoutMs,
      );
      // Assess: no error (Lambda would retry and alarm), settled inside the timeout, progress saved.
      expect(settled.error).toBeUndefined();
      expect(settled.settledAt).toBeDefined();
      expect(settled.settledAt!).toBeLessThan(timeoutMs);
      expect(settled.stopped?.stopped).toMatch(/stopped .* before the Lambda timeout/);
      expect(objects.has('_publish/manifest.json')).toBe(true);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
      s3.restore();
      rmSync(seedsDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('documents in the README every variable the function is deployed with and every variable its code reads', () => {
    // Prepare
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const deployed = Object.keys(dev.Resources.PublishLambdaFunction!.Properties.Environment.Variables);
    const sources = ['src/config.ts', 'src/config/limits.ts', 'src/wiring.ts', 'handlers/publish.ts']
      .map((file) => readFileSync(join(repoRoot, file), 'utf8'))
      .join('\n');
    const read = new Set<string>();
    for (const m of sources.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) read.add(m[1]!);
    for (const m of sources.matchAll(/env\.([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)/g)) read.add(m[1]!);
    read.delete('AWS_REGION'); // set by Lambda itself
    // Act
    const undocumented = [...new Set([...deployed, ...read])].filter((name) => !readme.includes(`\`${name}\``));
    // Assess
    expect(read.size).toBeGreaterThan(20);
    expect(undocumented).toEqual([]);
  });
});

describe('the template as a whole', () => {
  it('has no circular dependency between its resources (CloudFormation refuses the whole stack for one)', () => {
    // Prepare
    const ids = Object.keys(dev.Resources);
    const edges = new Map<string, string[]>(
      ids.map((id) => {
        const resource = dev.Resources[id]!;
        const refs = [...referencesIn(resource.Properties ?? {}), ...[resource.DependsOn ?? []].flat()];
        return [id, refs.filter((ref) => ids.includes(ref))];
      }),
    );
    // Act: depth-first search for a back edge.
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'open') {
        cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
        return;
      }
      state.set(id, 'open');
      for (const next of edges.get(id)!) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of ids) visit(id, []);
    // Assess
    expect(edges.get('FeedBucketPolicy')).toEqual(expect.arrayContaining(['FeedBucket', 'FeedDistribution']));
    expect(edges.get('PublishLambdaFunction')).toEqual(expect.arrayContaining(['FeedBucket', 'FeedDistribution', 'PublishRole']));
    expect(cycles).toEqual([]);
  });

  it('subscribes the alarmEmail param’s address to the alarm topic, and nobody without it', () => {
    // Assess
    expect(withEmail.Parameters!.AlarmEmail.Default).toBe('ops@example.org');
    expect(dev.Parameters!.AlarmEmail.Default).toBe('');
    const subscription = withEmail.Resources.AlarmEmailSubscription!;
    expect(subscription.Condition).toBe('HasAlarmEmail');
    expect(subscription.Properties).toEqual({ TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } });
    // Both alarms reach the topic the subscription is on.
    for (const alarm of ['PublishErrorsAlarm', 'DeadLetterQueueAlarm']) {
      expect(withEmail.Resources[alarm]!.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });
});

describe('the deployment zip, unpacked on its own', () => {
  it('publishes the bundled seeds to a bucket with the deployed environment, with nothing from the repository or node_modules', async () => {
    // Prepare: the zip alone in an empty folder (Lambda's /var/task), and an S3 on this machine.
    const task = mkdtempSync(join(tmpdir(), 'feedpress-task-'));
    const s3Dir = mkdtempSync(join(tmpdir(), 'feedpress-task-s3-'));
    const s3 = await startEmbeddedS3({ directory: s3Dir, port: 0, host: '127.0.0.1', bucket: 'feeds', silent: true });
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: localS3Credentials });
    try {
      const files = unzip(join(devDir, 'feedpress.zip'), task);
      const env = offlineEnv(task, {
        ...functionEnv(dev, 'feeds'),
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        NODE_PATH: '',
      });
      const script = `
          const { handler } = await import(${JSON.stringify(join(task, 'dist/publish/index.mjs'))});
          const context = { awsRequestId: 'unpacked', functionName: 'feedpress-dev-publish', getRemainingTimeInMillis: () => 60000 };
          const summary = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, context);
          process.stdout.write(JSON.stringify(summary));`;
      // Act
      const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { cwd: task, env, timeout: 60_000 });
      const summary = JSON.parse(stdout);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'feeds' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      const rss = await (await client.send(new GetObjectCommand({ Bucket: 'feeds', Key: 'rss.xml' }))).Body!.transformToString();
      // Assess
      expect(files.some((f) => f.includes('node_modules'))).toBe(false);
      const seeds = readdirSync(join(repoRoot, 'seeds')).filter((n) => n.endsWith('.txt'));
      expect(summary.articles.published).toBe(seeds.length);
      expect(summary.articles.rejected).toBe(0);
      expect(keys).toEqual(
        expect.arrayContaining(['index.html', 'rss.xml', 'atom.xml', 'feed.json', '404.html', 'feed.css', '_publish/manifest.json']),
      );
      expect(keys.filter((k) => k.startsWith('articles/'))).toHaveLength(seeds.length);
      expect(rss).toContain(`<link>https://${DOMAIN}/articles/`);
    } finally {
      client.destroy();
      await s3.close();
      rmSync(task, { recursive: true, force: true });
      rmSync(s3Dir, { recursive: true, force: true });
    }
  }, 120_000);
});
