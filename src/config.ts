import { isKnownTimeZone, type PublishTime } from './article/calendar.js';
import { loadLimits } from './limits.js';
import type { Limits } from './publish/plan.js';

/** Everything a feed says about itself, validated once at start. */
export interface FeedConfig {
  readonly title: string;
  readonly description: string;
  /** Absolute http(s) URL ending in `/`; article pages and the index live under it. */
  readonly siteUrl: string;
  /** The page the feeds' channel link points to; the site root unless the host cannot serve one. */
  readonly homeUrl: string;
  readonly feedUrls: { readonly rss: string; readonly atom: string; readonly json: string };
  /** BCP 47 tag, e.g. `en` or `uk-UA`. */
  readonly language: string;
  readonly author: { readonly name: string; readonly email?: string };
  readonly copyright?: string;
  /** How many of the newest articles each feed carries. */
  readonly itemLimit: number;
  readonly icon?: string;
  /** `tag:` URI prefix (RFC 4151) that each article's file name is appended to. */
  readonly idPrefix: string;
  /** When a seed's calendar day is published. */
  readonly publishTime: PublishTime;
  /** How often the feed is republished; RSS `<ttl>` tells readers the same. */
  readonly ttlMinutes: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Every field that is wrong, one line each, so a person can fix them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Settings and the environment variable that overrides each. */
const ENV_OVERRIDES = {
  title: 'FEED_TITLE',
  description: 'FEED_DESCRIPTION',
  siteUrl: 'SITE_URL',
  homeUrl: 'FEED_HOME_URL',
  rssUrl: 'FEED_RSS_URL',
  atomUrl: 'FEED_ATOM_URL',
  jsonUrl: 'FEED_JSON_URL',
  language: 'FEED_LANGUAGE',
  authorName: 'FEED_AUTHOR_NAME',
  authorEmail: 'FEED_AUTHOR_EMAIL',
  copyright: 'FEED_COPYRIGHT',
  itemLimit: 'FEED_ITEM_LIMIT',
  icon: 'FEED_ICON',
  idPrefix: 'FEED_ID_PREFIX',
  publishTime: 'FEED_PUBLISH_TIME',
  timeZone: 'FEED_TIME_ZONE',
  ttlMinutes: 'PUBLISH_INTERVAL_MINUTES',
} as const;

type Setting = keyof typeof ENV_OVERRIDES;

/** Settings that sit deeper than the top level of the file. */
const FILE_PATHS: Partial<Record<Setting, string>> = {
  authorName: 'author.name',
  authorEmail: 'author.email',
  rssUrl: 'feedUrls.rss',
  atomUrl: 'feedUrls.atom',
  jsonUrl: 'feedUrls.json',
};

const FILE_FIELDS = [
  'title',
  'description',
  'siteUrl',
  'homeUrl',
  'feedUrls',
  'language',
  'author',
  'copyright',
  'itemLimit',
  'icon',
  'idPrefix',
  'publishTime',
  'timeZone',
  'ttlMinutes',
] as const;

/**
 * Builds the feed settings from the config file's parsed JSON and environment overrides.
 * Throws one ConfigError listing every problem; `source` names the file in messages.
 */
export function loadFeedConfig(file: unknown, env: Env, source = 'feed.config.json'): FeedConfig {
  const problems: string[] = [];
  const fileObject = isRecord(file) ? file : {};
  if (!isRecord(file)) problems.push(`${source}: must hold a JSON object`);
  const fileAuthor = isRecord(fileObject.author) ? fileObject.author : {};
  const fileFeedUrls = isRecord(fileObject.feedUrls) ? fileObject.feedUrls : {};
  // A misspelt field would otherwise be ignored without a word and its default used.
  for (const [path, object, known] of [
    ['', fileObject, FILE_FIELDS],
    ['author.', fileAuthor, ['name', 'email']],
    ['feedUrls.', fileFeedUrls, ['rss', 'atom', 'json']],
  ] as const) {
    for (const key of Object.keys(object)) {
      if (!(known as readonly string[]).includes(key)) problems.push(`${source} ${path}${key}: is not a setting (known: ${known.join(', ')})`);
    }
  }
  for (const [name, value] of [['author', fileObject.author], ['feedUrls', fileObject.feedUrls]] as const) {
    if (value !== undefined && !isRecord(value)) problems.push(`${source} ${name}: must be an object`);
  }

  const fromFile: Record<Setting, unknown> = {
    title: fileObject.title,
    description: fileObject.description,
    siteUrl: fileObject.siteUrl,
    homeUrl: fileObject.homeUrl,
    rssUrl: fileFeedUrls.rss,
    atomUrl: fileFeedUrls.atom,
    jsonUrl: fileFeedUrls.json,
    language: fileObject.language,
    authorName: fileAuthor.name,
    authorEmail: fileAuthor.email,
    copyright: fileObject.copyright,
    itemLimit: fileObject.itemLimit,
    icon: fileObject.icon,
    idPrefix: fileObject.idPrefix,
    publishTime: fileObject.publishTime,
    timeZone: fileObject.timeZone,
    ttlMinutes: fileObject.ttlMinutes,
  };

  /** The raw value and where it came from, for messages. */
  const read = (setting: Setting): { value: unknown; where: string } => {
    const variable = ENV_OVERRIDES[setting];
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, where: variable };
    const path = FILE_PATHS[setting] ?? setting;
    return { value: fromFile[setting], where: `${source} ${path}` };
  };

  /** `check` returns what is wrong; a Secret problem is reported without the value, which may hold a password. */
  const text = (setting: Setting, required: boolean, check?: (value: string) => string | Secret | undefined): string | undefined => {
    const { value, where } = read(setting);
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      if (required) problems.push(`${where}: is required and must not be empty`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push(`${where}: must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    const trimmed = value.trim();
    const problem = check?.(trimmed);
    if (problem instanceof Secret) {
      problems.push(`${where}: ${problem.message}`);
      return undefined;
    }
    if (problem) {
      problems.push(`${where}: ${problem}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return trimmed;
  };

  /** `why` explains the bounds when they are not obvious. */
  const whole = (setting: Setting, fallback: number, min: number, max: number, why?: string): number => {
    const { value, where } = read(setting);
    if (value === undefined) return fallback;
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      problems.push(`${where}: must be a whole number from ${min} to ${max}${why ? ` (${why})` : ''}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return number;
  };

  const title = text('title', true);
  const description = text('description', true);
  const absoluteUrl = urlProblem;
  const siteUrl = text('siteUrl', true, absoluteUrl);
  const homeUrl = text('homeUrl', false, absoluteUrl);
  const rssUrl = text('rssUrl', false, absoluteUrl);
  const atomUrl = text('atomUrl', false, absoluteUrl);
  const jsonUrl = text('jsonUrl', false, absoluteUrl);
  const language = text('language', true, (value) =>
    /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value) ? undefined : 'must be a language tag such as "en" or "uk-UA"',
  );
  const authorName = text('authorName', true);
  const authorEmail = text('authorEmail', false, (value) =>
    /^[^\s@<>()"',;]+@[^\s@<>()"',;]+\.[^\s@<>()"',;]+$/.test(value) ? undefined : 'must be an e-mail address',
  );
  const copyright = text('copyright', false);
  const icon = text('icon', false, absoluteUrl);
  const idPrefix = text('idPrefix', true, (value) => {
    const problem = tagPrefixProblem(value);
    return problem === undefined ? undefined : `must be a tag URI prefix such as "tag:example.org,2026:" (RFC 4151): ${problem}`;
  });
  const publishTimeText = text('publishTime', false, (value) =>
    /^([01]\d|2[0-3]):[0-5]\d$/.test(value) ? undefined : 'must be a time of day as HH:MM (24-hour)',
  );
  const timeZone = text('timeZone', false, (value) =>
    isKnownTimeZone(value) ? undefined : 'must be an IANA time zone such as "UTC" or "Europe/Kyiv"',
  );
  const itemLimit = whole('itemLimit', 50, 1, 10_000);
  const ttlMinutes = whole(
    'ttlMinutes',
    60,
    MIN_PUBLISH_INTERVAL_MINUTES,
    7 * 24 * 60,
    `the EventBridge schedule is rate(N minutes), which needs N of ${MIN_PUBLISH_INTERVAL_MINUTES} or more: "rate(1 minutes)" is invalid`,
  );

  if (problems.length > 0) throw new ConfigError(problems);

  // One spelling of every URL (lower-case host, punycode, escapes) so all formats agree.
  const normalized = new URL(siteUrl!).href;
  const site = normalized.endsWith('/') ? normalized : `${normalized}/`;
  const [hour, minute] = (publishTimeText ?? '00:00').split(':').map(Number) as [number, number];
  return {
    title: title!,
    description: description!,
    siteUrl: site,
    homeUrl: homeUrl ? new URL(homeUrl).href : site,
    // Where readers fetch the feeds; by default the objects this project writes under siteUrl.
    feedUrls: {
      rss: new URL(rssUrl ?? `${site}rss.xml`).href,
      atom: new URL(atomUrl ?? `${site}atom.xml`).href,
      json: new URL(jsonUrl ?? `${site}feed.json`).href,
    },
    language: language!,
    author: authorEmail ? { name: authorName!, email: authorEmail } : { name: authorName! },
    ...(copyright ? { copyright } : {}),
    itemLimit,
    ...(icon ? { icon: new URL(icon).href } : {}),
    idPrefix: idPrefix!,
    publishTime: { hour, minute, timeZone: timeZone ?? 'UTC' },
    ttlMinutes,
  };
}

/** A problem that must be reported without the value it was found in. */
class Secret {
  constructor(readonly message: string) {}
}

const USER_INFO = 'must not contain a user name or password';

/** What is wrong with a URL setting, if anything; never repeats a URL that carries a password. */
function urlProblem(value: string): string | Secret | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // Feeds and pages are public: credentials in a link would be handed to every reader.
  if (url?.username || url?.password || looksLikeUserInfo(value)) return new Secret(USER_INFO);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.search || url.hash) {
    return 'must be an absolute http:// or https:// URL';
  }
  return undefined;
}

/** An "@" before the host ends, even where the value is no http URL (`user:secret@host`): maybe a password. */
function looksLikeUserInfo(value: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?:\/\/)?[^/?#\s]*@/.test(value);
}

/** Loopback hosts, where plain http:// never leaves the machine: 127.0.0.0/8, ::1 and localhost. */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The smallest publish interval: serverless.yml schedules `rate(N minutes)`, and EventBridge
 * accepts that only for N > 1 (one minute must be spelt `rate(1 minute)`).
 */
export const MIN_PUBLISH_INTERVAL_MINUTES = 2;

/**
 * What is wrong with an idPrefix as the start of an RFC 4151 tag URI, up to where the file name
 * is appended: `tag:` authorityName `,` date `:` specific. The authority is a domain name (with a
 * dot: one the tagging entity can own) or an e-mail address at one; the date is YYYY, YYYY-MM or
 * YYYY-MM-DD and must exist on the calendar.
 */
function tagPrefixProblem(value: string): string | undefined {
  if (!value.startsWith('tag:')) return 'it must start with "tag:"';
  const rest = value.slice('tag:'.length);
  const comma = rest.indexOf(',');
  if (comma < 0) return 'the domain name or e-mail address must be followed by "," and a date';
  const authority = rest.slice(0, comma);
  const afterComma = rest.slice(comma + 1);
  const colon = afterComma.indexOf(':');
  if (colon < 0) return 'the date must be followed by ":"';
  const date = afterComma.slice(0, colon);
  const specific = afterComma.slice(colon + 1);

  const at = authority.lastIndexOf('@');
  const [localPart, domain] = at < 0 ? [undefined, authority] : [authority.slice(0, at), authority.slice(at + 1)];
  if (localPart !== undefined && !/^[A-Za-z0-9._-]+$/.test(localPart)) {
    return `${JSON.stringify(localPart)} is not the user part of an e-mail address (letters, digits, ".", "-", "_")`;
  }
  const domainProblem = dnsNameProblem(domain);
  if (domainProblem) return domainProblem;

  const dateMatch = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(date);
  if (!dateMatch) return `${JSON.stringify(date)} is not a date as YYYY, YYYY-MM or YYYY-MM-DD`;
  const [, year, month, day] = dateMatch;
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return `${date} has no month ${month}`;
  if (day !== undefined) {
    const y = Number(year);
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(month) - 1]!;
    if (Number(day) < 1 || Number(day) > daysInMonth) return `${date} is not a date on the calendar`;
  }

  // specific = *( pchar / "/" / "?" ); a fragment ("#") would cut off the file name appended to it.
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/.test(specific)) {
    return 'after the date only letters, digits, "%XX" escapes and -._~!$&\'()*+,;=:@/? may follow';
  }
  return undefined;
}

function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'a domain name or e-mail address must follow "tag:"';
  if (name.length > 253) return 'the domain name is longer than 253 characters';
  const labels = name.split('.');
  for (const label of labels) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) {
      return `${JSON.stringify(name)} is not a domain name (labels of letters, digits and inner hyphens, separated by dots)`;
    }
  }
  if (labels.length < 2) return `${JSON.stringify(name)} is not a domain name someone can own; use one such as "example.org"`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What is allowed but probably a mistake in a loaded config, one line each, for the caller to
 * print or log: links over plain http:// to a host other than this machine, which feed readers
 * and browsers may refuse or flag, and anyone on the way can alter.
 */
export function configWarnings(config: FeedConfig): string[] {
  const urls: [string, string | undefined][] = [
    ['siteUrl', config.siteUrl],
    ['homeUrl', config.homeUrl],
    ['feedUrls.rss', config.feedUrls.rss],
    ['feedUrls.atom', config.feedUrls.atom],
    ['feedUrls.json', config.feedUrls.json],
    ['icon', config.icon],
  ];
  // One line per host: homeUrl and the feed URLs follow siteUrl unless set.
  const byOrigin = new Map<string, string[]>();
  for (const [field, value] of urls) {
    if (value === undefined) continue;
    const url = new URL(value);
    if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) continue;
    byOrigin.set(url.origin, [...(byOrigin.get(url.origin) ?? []), field]);
  }
  return [...byOrigin].map(
    ([origin, fields]) =>
      `${fields.join(', ')}: ${origin} is plain http://; feed readers and browsers may refuse or flag it and anyone on the way can alter it, so use https:// unless the site is only reached on this machine`,
  );
}

/** Where and how a publish run writes: from environment variables only (they differ per stage). */
export interface PublishSettings {
  readonly bucket: string;
  /** Seeds bundled with the function (a folder), or objects under a prefix of the bucket. */
  readonly seeds: { readonly from: 'bundle'; readonly dir?: string } | { readonly from: 'bucket'; readonly prefix: string };
  readonly cacheControl: string;
  /** A run that would unpublish more than this share of the published articles fails unless forced. */
  readonly maxUnpublishShare: number;
  /** How large a seed and a feed may be. */
  readonly limits: Limits;
  /** Only set to reach an S3-compatible server such as the embedded s3rver. */
  readonly s3: { readonly endpoint?: string; readonly forcePathStyle: boolean };
}

export function loadPublishSettings(env: Env): PublishSettings {
  const problems: string[] = [];
  const value = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const bucket = value('FEED_BUCKET');
  if (bucket === undefined) problems.push('FEED_BUCKET: is required (the name of the bucket the feeds are written to)');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`FEED_BUCKET: ${JSON.stringify(bucket)} is not a valid S3 bucket name`);

  const source = value('SEEDS_SOURCE') ?? 'bundle';
  if (source !== 'bundle' && source !== 'bucket') problems.push(`SEEDS_SOURCE: must be "bundle" or "bucket", got ${JSON.stringify(env.SEEDS_SOURCE)}`);
  const prefix = env.SEEDS_PREFIX ?? 'seeds/';
  // A folder of its own: seeds mixed into the published root would be served to readers.
  if (source === 'bucket' && !/^[^/]+(\/[^/]+)*\/$/.test(prefix)) {
    problems.push(`SEEDS_PREFIX: must be a folder-like key prefix ending in "/" (e.g. "seeds/"), got ${JSON.stringify(prefix)}`);
  }
  const dir = value('SEEDS_DIR');

  const cacheControl = value('CACHE_CONTROL') ?? 'max-age=300';
  if (!/^[\x20-\x7E]+$/.test(cacheControl)) problems.push(`CACHE_CONTROL: must be a single-line HTTP header value, got ${JSON.stringify(env.CACHE_CONTROL)}`);

  const maxUnpublishShare = loadUnpublishShare(env, problems);
  const limits = loadLimits(env, problems);

  const endpoint = value('S3_ENDPOINT');
  // The SDK signs with its own credentials; a password in the endpoint would only end up in logs.
  if (endpoint !== undefined && urlProblem(endpoint) instanceof Secret) problems.push(`S3_ENDPOINT: ${USER_INFO}`);
  else if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) problems.push(`S3_ENDPOINT: must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`);
  const pathStyle = value('S3_FORCE_PATH_STYLE') ?? 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') problems.push(`S3_FORCE_PATH_STYLE: must be "true" or "false", got ${JSON.stringify(pathStyle)}`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    bucket: bucket!,
    seeds: source === 'bucket' ? { from: 'bucket', prefix } : dir ? { from: 'bundle', dir } : { from: 'bundle' },
    cacheControl,
    maxUnpublishShare,
    limits,
    s3: endpoint ? { endpoint, forcePathStyle: pathStyle === 'true' } : { forcePathStyle: pathStyle === 'true' },
  };
}

export const DEFAULT_UNPUBLISH_SHARE = 0.2;

/** `UNPUBLISH_MAX_SHARE`: a fraction from 0 to 1 (0.2), or a percentage (20%). */
export function loadUnpublishShare(env: Env, problems: string[]): number {
  const raw = env.UNPUBLISH_MAX_SHARE?.trim();
  if (raw === undefined || raw === '') return DEFAULT_UNPUBLISH_SHARE;
  const match = /^(\d+(?:\.\d+)?)(\s*%)?$/.exec(raw);
  const share = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(share >= 0 && share <= 1)) {
    problems.push(`UNPUBLISH_MAX_SHARE: must be a share from 0 to 1 (e.g. 0.2) or a percentage (e.g. 20%), got ${JSON.stringify(env.UNPUBLISH_MAX_SHARE)}`);
    return DEFAULT_UNPUBLISH_SHARE;
  }
  return share;
}

/** Both halves at once, so one message lists every wrong setting, file field or variable. */
export function loadRuntimeConfig(file: unknown, env: Env, source?: string): { feed: FeedConfig; publish: PublishSettings } {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const feed = attempt(() => loadFeedConfig(file, env, source));
  const publish = attempt(() => loadPublishSettings(env));
  // Where the site is served differs per stage, like the bucket: the config file's siteUrl is
  // for the CLI, and a run that fell back to it would publish links to the wrong host.
  if (env.SITE_URL === undefined || env.SITE_URL.trim() === '') {
    problems.push('SITE_URL: is required (the public base URL the feeds and pages are served from)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { feed: feed!, publish: publish! };
}
