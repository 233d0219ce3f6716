/**
 * The feed's settings (the config file, each field overridable by an environment variable) and the
 * publish settings (environment only), each declared once with valibot: its file path or key, its
 * variable, and its schema with type, checks, default and message. Types come from the schemas.
 *
 * Why valibot: the Lambda bundle carries it. An object schema of 15 string, number and custom
 * checked fields with safeParse and flattened issues bundles (esbuild, minified ESM, node20) to
 * 7,686 bytes (2,747 gzipped) with valibot 1.5 against 23,511 (7,720) with zod 4.6's zod/mini.
 * What this project uses of valibot (here, in the event and in the manifest) adds 11.7 KB.
 */
import * as v from 'valibot';
import { isKnownTimeZone } from './article/calendar.js';
import { LANGUAGE_TAG } from './article/parse.js';
import { isLoopbackHost, tagPrefixProblem, urlProblem } from './config/checks.js';
import {
  ConfigError,
  matches,
  orElse,
  readSettings,
  reason,
  required,
  Secret,
  setting,
  settingsObject,
  PATH,
  TEXT,
  type Env,
} from './config/settings.js';
import { loadLimits, type Limits } from './config/limits.js';
import { DEFAULT_CACHE_CONTROL, SITE_FILES, SITE_FOLDERS } from './site-files.js';

export { ConfigError, type Env } from './config/settings.js';

/**
 * The smallest publish interval: serverless.yml schedules `rate(N minutes)`, and EventBridge
 * accepts that only for N > 1 (one minute must be spelt `rate(1 minute)`).
 */
export const MIN_PUBLISH_INTERVAL_MINUTES = 2;

/** A whole number from `min` to `max`, or `fallback` when unset; `why` explains the bounds when they are not obvious. */
function whole(min: number, max: number, fallback: number, why?: string) {
  const message = `must be a whole number from ${min} to ${max}${why ? ` (${why})` : ''}`;
  return v.optional(
    v.pipe(
      v.unknown(),
      // The environment holds only strings: "15", spaces around it or not, is 15.
      v.transform((value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value)),
      v.number(message),
      v.check((number) => Number.isInteger(number) && number >= min && number <= max, message),
    ),
    fallback,
  );
}

/** An absolute http(s) URL, in one spelling (lower-case host, punycode, escapes) so all formats agree. */
const URL_SETTING = v.pipe(
  TEXT,
  reason(urlProblem),
  v.transform((url) => url && new URL(url).href),
);

/** The config file's settings, by their path in the file. */
const FEED_SETTINGS = {
  title: setting('FEED_TITLE', v.pipe(TEXT, required())),
  description: setting('FEED_DESCRIPTION', v.pipe(TEXT, required())),
  siteUrl: setting('SITE_URL', v.pipe(URL_SETTING, required())),
  homeUrl: setting('FEED_HOME_URL', URL_SETTING),
  'feedUrls.rss': setting('FEED_RSS_URL', URL_SETTING),
  'feedUrls.atom': setting('FEED_ATOM_URL', URL_SETTING),
  'feedUrls.json': setting('FEED_JSON_URL', URL_SETTING),
  language: setting('FEED_LANGUAGE', v.pipe(TEXT, required(), matches(LANGUAGE_TAG, 'must be a language tag such as "en" or "uk-UA"'))),
  'author.name': setting('FEED_AUTHOR_NAME', v.pipe(TEXT, required())),
  'author.email': setting(
    'FEED_AUTHOR_EMAIL',
    v.pipe(TEXT, matches(/^[^\s@<>()"',;]+@[^\s@<>()"',;]+\.[^\s@<>()"',;]+$/, 'must be an e-mail address')),
  ),
  copyright: setting('FEED_COPYRIGHT', TEXT),
  itemLimit: setting('FEED_ITEM_LIMIT', whole(1, 10_000, 50)),
  icon: setting('FEED_ICON', URL_SETTING),
  websubHub: setting(
    'FEED_WEBSUB_HUB',
    v.pipe(
      URL_SETTING,
      // Subscribers send the hub their hub.secret, which WebSub hubs refuse over plain http.
      reason((hub) => {
        const { protocol, hostname } = new URL(hub);
        return protocol === 'https:' || isLoopbackHost(hostname)
          ? undefined
          : 'must be an https:// URL (http:// only for a hub on this machine)';
      }),
    ),
  ),
  idPrefix: setting(
    'FEED_ID_PREFIX',
    v.pipe(
      TEXT,
      required(),
      reason((prefix) => {
        const problem = tagPrefixProblem(prefix);
        return problem && `must be a tag URI prefix such as "tag:example.org,2026:" (RFC 4151): ${problem}`;
      }),
    ),
  ),
  publishTime: setting(
    'FEED_PUBLISH_TIME',
    v.pipe(
      TEXT,
      matches(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour)'),
      // Unset: midnight.
      v.transform((time = '00:00') => ({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)) })),
    ),
  ),
  timeZone: setting(
    'FEED_TIME_ZONE',
    v.pipe(
      TEXT,
      reason((zone) => (isKnownTimeZone(zone) ? undefined : 'must be an IANA time zone such as "UTC" or "Europe/Kyiv"')),
    ),
  ),
  ttlMinutes: setting(
    'PUBLISH_INTERVAL_MINUTES',
    whole(
      MIN_PUBLISH_INTERVAL_MINUTES,
      7 * 24 * 60,
      60,
      `the EventBridge schedule is rate(N minutes), which needs N of ${MIN_PUBLISH_INTERVAL_MINUTES} or more: "rate(1 minutes)" is invalid`,
    ),
  ),
};

const FEED_CONFIG = v.pipe(
  settingsObject(FEED_SETTINGS),
  v.transform((settings) => {
    const site = settings.siteUrl.endsWith('/') ? settings.siteUrl : `${settings.siteUrl}/`;
    const email = settings['author.email'];
    return {
      title: settings.title,
      description: settings.description,
      /** Absolute http(s) URL ending in `/`; article pages and the index live under it. */
      siteUrl: site,
      /** The page the feeds' channel link points to; the site root unless the host cannot serve one. */
      homeUrl: settings.homeUrl ?? site,
      /** Where readers fetch the feeds; by default the objects this project writes under siteUrl. */
      feedUrls: {
        rss: settings['feedUrls.rss'] ?? `${site}${SITE_FILES.rss}`,
        atom: settings['feedUrls.atom'] ?? `${site}${SITE_FILES.atom}`,
        json: settings['feedUrls.json'] ?? `${site}${SITE_FILES.json}`,
      },
      /** BCP 47 tag, e.g. `en` or `uk-UA`. */
      language: settings.language,
      author: { name: settings['author.name'], ...(email ? { email } : {}) },
      ...(settings.copyright ? { copyright: settings.copyright } : {}),
      /** How many of the newest articles each feed carries. */
      itemLimit: settings.itemLimit,
      ...(settings.icon ? { icon: settings.icon } : {}),
      /** `tag:` URI prefix (RFC 4151) that each article's file name is appended to. */
      idPrefix: settings.idPrefix,
      /** When a seed's calendar day is published. */
      publishTime: { ...settings.publishTime, timeZone: settings.timeZone ?? 'UTC' },
      /** How often the feed is republished; RSS `<ttl>` tells readers the same. */
      ttlMinutes: settings.ttlMinutes,
      /** WebSub hub the feeds name with `rel="hub"` and every run that changes a feed notifies. */
      ...(settings.websubHub ? { websubHub: settings.websubHub } : {}),
    } as const;
  }),
);

/** Everything a feed says about itself, validated once at start. */
export type FeedConfig = v.InferOutput<typeof FEED_CONFIG>;

/**
 * Builds the feed settings from the config file's parsed JSON and environment overrides.
 * Throws one ConfigError listing every problem; `source` names the file in messages.
 */
export function loadFeedConfig(file: unknown, env: Env, source = 'feed.config.json'): FeedConfig {
  const problems: string[] = [];
  const config = readSettings(FEED_SETTINGS, FEED_CONFIG, env, problems, { json: file, source });
  if (config === undefined) throw new ConfigError(problems);
  return config;
}

/**
 * What is allowed but probably a mistake in a loaded config, one line each, for the caller to
 * print or log: links over plain http:// to a host other than this machine, which feed readers
 * and browsers may refuse or flag, and anyone on the way can alter.
 */
export function configWarnings(config: FeedConfig, env: Env = {}): string[] {
  return [...httpWarnings(config), ...unknownFeedVariables(env)];
}

/**
 * `FEED_` variables that no setting reads: a misspelt one (FEED_TIMEZONE) would otherwise leave
 * the default in force without a word, where a misspelt field of the config file is refused.
 */
function unknownFeedVariables(env: Env): string[] {
  const known = [FEED_SETTINGS, PUBLISH_SETTINGS, UNPUBLISH_SETTINGS].flatMap((group) =>
    Object.values(group).map((setting: { readonly variable: string }) => setting.variable),
  );
  const squeezed = (name: string) => name.replaceAll('_', '');
  return Object.keys(env)
    .filter((name) => name.startsWith('FEED_') && !known.includes(name))
    .sort()
    .map((name) => {
      const meant = known.find((candidate) => squeezed(candidate) === squeezed(name));
      return `${name} is set, but no setting reads it${meant ? `: did you mean ${meant}?` : ' (README, "Configuration", lists every variable)'}`;
    });
}

function httpWarnings(config: FeedConfig): string[] {
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

/** The publish settings: from environment variables only (they differ per stage). */
/** `CACHE_CONTROL`, written on every published object: one line, as every HTTP header. */
const CACHE_CONTROL_SETTING = setting(
  'CACHE_CONTROL',
  v.pipe(TEXT, orElse(DEFAULT_CACHE_CONTROL), matches(/^[\x20-\x7E]+$/, 'must be a single-line HTTP header value')),
);

const PUBLISH_SETTINGS = {
  bucket: setting(
    'FEED_BUCKET',
    v.pipe(
      TEXT,
      required('is required (the name of the bucket the feeds are written to)'),
      matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    ),
  ),
  seedsSource: setting('SEEDS_SOURCE', v.pipe(TEXT, orElse('bundle'), v.picklist(['bundle', 'bucket'], 'must be "bundle" or "bucket"'))),
  // As given, not trimmed: an empty prefix is a value (a wrong one), not a missing one.
  seedsPrefix: setting('SEEDS_PREFIX', v.optional(v.string(), 'seeds/')),
  seedsDir: setting('SEEDS_DIR', PATH),
  cacheControl: CACHE_CONTROL_SETTING,
  s3Endpoint: setting(
    'S3_ENDPOINT',
    v.pipe(
      TEXT,
      // The SDK signs with its own credentials; a password in the endpoint would only end up in logs.
      reason((endpoint) => {
        const problem = urlProblem(endpoint);
        if (problem instanceof Secret) return problem;
        return /^https?:\/\/[^\s/]+/.test(endpoint) ? undefined : 'must be an http:// or https:// URL';
      }),
    ),
  ),
  s3ForcePathStyle: setting(
    'S3_FORCE_PATH_STYLE',
    v.pipe(TEXT, orElse('false'), v.picklist(['true', 'false'], 'must be "true" or "false"')),
  ),
};

const PUBLISH = v.pipe(
  settingsObject(PUBLISH_SETTINGS),
  // A folder of its own: seeds mixed into the published root would be served to readers.
  v.forward(
    v.partialCheck(
      [['seedsSource'], ['seedsPrefix']],
      (settings) => settings.seedsSource !== 'bucket' || /^[^/]+(\/[^/]+)*\/$/.test(settings.seedsPrefix),
      'must be a folder-like key prefix ending in "/" (e.g. "seeds/")',
    ),
    ['seedsPrefix'],
  ),
  // The site's own folders: the role may not write the seeds, and the CDN does not serve them.
  v.forward(
    v.partialCheck(
      [['seedsSource'], ['seedsPrefix']],
      (settings) => settings.seedsSource !== 'bucket' || !SITE_FOLDERS.some((folder) => settings.seedsPrefix.startsWith(folder)),
      `must not be a folder the site itself writes (${SITE_FOLDERS.join(', ')}) nor inside one`,
    ),
    ['seedsPrefix'],
  ),
  v.transform((settings) => {
    const forcePathStyle = settings.s3ForcePathStyle === 'true';
    return {
      bucket: settings.bucket,
      /** Seeds bundled with the function (a folder), or objects under a prefix of the bucket. */
      seeds:
        settings.seedsSource === 'bucket'
          ? { from: settings.seedsSource, prefix: settings.seedsPrefix }
          : { from: settings.seedsSource, ...(settings.seedsDir ? { dir: settings.seedsDir } : {}) },
      cacheControl: settings.cacheControl,
      /** Only set to reach an S3-compatible server such as the embedded s3rver. */
      s3: settings.s3Endpoint ? { endpoint: settings.s3Endpoint, forcePathStyle } : { forcePathStyle },
    } as const;
  }),
);

/** Where and how a publish run writes: from environment variables only (they differ per stage). */
export type PublishSettings = v.InferOutput<typeof PUBLISH> & {
  /** A run that would unpublish more than this share of the published articles fails unless forced. */
  readonly maxUnpublishShare: UnpublishShare;
  /** How large a seed and a feed may be. */
  readonly limits: Limits;
};

export function loadPublishSettings(env: Env): PublishSettings {
  const problems: string[] = [];
  const settings = readSettings(PUBLISH_SETTINGS, PUBLISH, env, problems);
  const maxUnpublishShare = loadUnpublishShare(env, problems);
  const limits = loadLimits(env, problems);
  if (settings === undefined || problems.length > 0) throw new ConfigError(problems);
  return { ...settings, maxUnpublishShare, limits };
}

export const DEFAULT_UNPUBLISH_SHARE = 0.2;

const UNPUBLISH_SETTINGS = {
  share: setting(
    'UNPUBLISH_MAX_SHARE',
    v.pipe(
      TEXT,
      v.transform((text) => {
        if (text === undefined) return DEFAULT_UNPUBLISH_SHARE;
        const match = /^(\d+(?:\.\d+)?)(\s*%)?$/.exec(text);
        return match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
      }),
      v.check((share) => share >= 0 && share <= 1, 'must be a share from 0 to 1 (e.g. 0.2) or a percentage (e.g. 20%)'),
    ),
  ),
};

const UNPUBLISH_SHARE = v.pipe(
  settingsObject(UNPUBLISH_SETTINGS),
  v.transform((settings) => settings.share),
);

type UnpublishShare = v.InferOutput<typeof UNPUBLISH_SHARE>;

/** `UNPUBLISH_MAX_SHARE`: a fraction from 0 to 1 (0.2), or a percentage (20%); a wrong value is added to `problems`. */
export function loadUnpublishShare(env: Env, problems: string[]): UnpublishShare {
  return readSettings(UNPUBLISH_SETTINGS, UNPUBLISH_SHARE, env, problems) ?? DEFAULT_UNPUBLISH_SHARE;
}

const CACHE_CONTROL = v.pipe(
  settingsObject({ cacheControl: CACHE_CONTROL_SETTING }),
  v.transform((settings) => settings.cacheControl),
);

/** `CACHE_CONTROL` alone, for the CLI's folder (which needs no bucket); a wrong value is added to `problems`. */
export function loadCacheControl(env: Env, problems: string[]): string {
  return readSettings({ cacheControl: CACHE_CONTROL_SETTING }, CACHE_CONTROL, env, problems) ?? DEFAULT_CACHE_CONTROL;
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
  // Said once: loadFeedConfig may already have said that a SITE_URL of only spaces is empty.
  if ((env.SITE_URL === undefined || env.SITE_URL.trim() === '') && !problems.some((problem) => problem.startsWith('SITE_URL:'))) {
    problems.push('SITE_URL: is required (the public base URL the feeds and pages are served from)');
  }
  if (feed === undefined || publish === undefined || problems.length > 0) throw new ConfigError(problems);
  return { feed, publish };
}
