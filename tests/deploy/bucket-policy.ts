/**
 * A small model of how S3 judges a request against a bucket policy, enough to ask what the
 * packaged FeedBucketPolicy makes S3 answer CloudFront: the template's references resolved to
 * fixed example ARNs, IAM's matching of actions, resources and the condition operators the
 * policy uses, explicit Deny over Allow, and S3's rule for a missing key (404 only for a caller
 * allowed to list the bucket with the key as s3:prefix, else 403).
 */

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;

export const EXAMPLE = {
  bucketArn: 'arn:aws:s3:::feedpress-dev-feedbucket-example',
  distributionArn: 'arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE',
  otherDistributionArn: 'arn:aws:cloudfront::123456789012:distribution/E3OTHER',
} as const;

/** Resolves the intrinsics a bucket policy uses here to the example values. */
function resolve(value: Json): Json {
  if (typeof value === 'string' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(resolve);
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'];
    if (id === 'FeedBucket' && attribute === 'Arn') return EXAMPLE.bucketArn;
    throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'];
    return (parts as Json[]).map(resolve).join(separator);
  }
  if ('Fn::Sub' in value) {
    const names: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::AccountId': '123456789012',
      FeedDistribution: EXAMPLE.distributionArn.split('/').pop()!,
    };
    return (value['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (!(name in names)) throw new Error(`cannot resolve \${${name}}`);
      return names[name]!;
    });
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
}

/** IAM's wildcard match: `*` any run of characters, `?` any one. */
export function like(pattern: string, text: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(text);
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** One condition operator over its keys; condition keys are case-insensitive. */
function conditionHolds(operator: string, tests: Record<string, Json>, context: Record<string, string>): boolean {
  const lookup = (key: string) => Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  return Object.entries(tests).every(([key, expected]) => {
    const actual = lookup(key);
    const values = list(expected).map(String);
    switch (operator) {
      case 'StringEquals':
        return actual !== undefined && values.includes(actual);
      case 'StringLike':
        return actual !== undefined && values.some((v) => like(v, actual));
      // Negated operators hold when the key is absent: nothing there matches.
      case 'StringNotLike':
        return actual === undefined || !values.some((v) => like(v, actual));
      case 'Bool':
        return actual !== undefined && values.includes(actual);
      default:
        throw new Error(`condition operator ${operator} is not modelled`);
    }
  });
}

export type Decision = 'allow' | 'deny' | 'implicit deny';

export interface Request {
  readonly principalService: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
}

/** Evaluates the policy's statements for one request. */
export function evaluate(policyStatements: Json[], request: Request): Decision {
  let allowed = false;
  for (const raw of policyStatements) {
    const statement = resolve(raw);
    const principal = statement.Principal;
    const principalMatches = principal === '*' || list(principal?.Service).includes(request.principalService);
    const actionMatches = list<string>(statement.Action).some((a) => like(a, request.action));
    const resourceMatches = list<string>(statement.Resource).some((r) => like(r, request.resource));
    if (!principalMatches || !actionMatches || !resourceMatches) continue;
    const conditions = Object.entries((statement.Condition ?? {}) as Record<string, Record<string, Json>>);
    if (!conditions.every(([operator, tests]) => conditionHolds(operator, tests, request.context))) continue;
    if (statement.Effect === 'Deny') return 'deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit deny';
}

/**
 * What S3 answers a GET of `key` signed by a CloudFront distribution (over TLS): 200, or 403
 * when the object may not be read, or for a missing key 404 if the distribution may list the
 * bucket with the key as s3:prefix, else 403.
 */
export function s3AnswerToCloudFront(
  policyStatements: Json[],
  key: string,
  exists: boolean,
  distributionArn: string = EXAMPLE.distributionArn,
): 200 | 403 | 404 {
  const context = { 'aws:SecureTransport': 'true', 'aws:SourceArn': distributionArn };
  const read = evaluate(policyStatements, {
    principalService: 'cloudfront.amazonaws.com',
    action: 's3:GetObject',
    resource: `${EXAMPLE.bucketArn}/${key}`,
    context,
  });
  if (read !== 'allow') return 403;
  if (exists) return 200;
  const listing = evaluate(policyStatements, {
    principalService: 'cloudfront.amazonaws.com',
    action: 's3:ListBucket',
    resource: EXAMPLE.bucketArn,
    context: { ...context, 's3:prefix': key },
  });
  return listing === 'allow' ? 404 : 403;
}

/** Whether the distribution may list the bucket with this prefix (undefined: no prefix at all). */
export function cloudFrontMayList(policyStatements: Json[], prefix: string | undefined): boolean {
  const context: Record<string, string> = { 'aws:SecureTransport': 'true', 'aws:SourceArn': EXAMPLE.distributionArn };
  if (prefix !== undefined) context['s3:prefix'] = prefix;
  return (
    evaluate(policyStatements, {
      principalService: 'cloudfront.amazonaws.com',
      action: 's3:ListBucket',
      resource: EXAMPLE.bucketArn,
      context,
    }) === 'allow'
  );
}
