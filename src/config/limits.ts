/**
 * How large a seed and a feed may be: the `Limits` type, its defaults, and the environment
 * variables that set them (`MAX_SEED_BYTES`, `MAX_FEED_BYTES`, as bytes or with KiB / MiB).
 */
import * as v from 'valibot';
import { readSettings, setting, settingsObject, TEXT, type Env } from './settings.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1000 * 1000, mib: 1024 * 1024 };

/** A size in bytes, or `fallback` when unset. Below `minimum` no real article or feed fits: such a value is a typo, not a choice. */
function size(fallback: number, minimum: number) {
  const examples = 'such as 1048576, 512KiB or 1MiB';
  return v.pipe(
    TEXT,
    v.transform((text) => {
      if (text === undefined) return fallback;
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
      const unit = match ? UNITS[match[2]?.toLowerCase() ?? ''] : undefined;
      return match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
    }),
    // One line per mistake: a value that is no size (1GiB, 1K) is not told it is too small.
    v.check((bytes) => !Number.isNaN(bytes), `must be a size in bytes, ${examples} (units: B, kB, KiB, MB, MiB)`),
    v.check((bytes) => bytes >= minimum, `must be a size of at least ${minimum} bytes, ${examples}`),
    v.check(
      (bytes) => bytes < minimum || Number.isSafeInteger(bytes),
      `must be a size of at most ${Number.MAX_SAFE_INTEGER} bytes (a whole number), ${examples}`,
    ),
  );
}

/** What an environment that sets neither gives: a MiB each. */
export const DEFAULT_LIMITS = { seedBytes: 1024 * 1024, feedBytes: 1024 * 1024 } as const;

const LIMIT_SETTINGS = {
  seedBytes: setting('MAX_SEED_BYTES', size(DEFAULT_LIMITS.seedBytes, 1024)),
  feedBytes: setting('MAX_FEED_BYTES', size(DEFAULT_LIMITS.feedBytes, 16 * 1024)),
};

const LIMITS = v.pipe(
  settingsObject(LIMIT_SETTINGS),
  v.transform((limits) => ({
    /** A seed over this many bytes is refused before it is read. */
    seedBytes: limits.seedBytes,
    /** A feed document (RSS, Atom or JSON) over this many bytes drops the full text of its oldest items. */
    feedBytes: limits.feedBytes,
  })),
  v.readonly(),
);

/** How large a seed and a feed may be. */
export type Limits = v.InferOutput<typeof LIMITS>;

/** The limits, or the defaults; every wrong value is added to `problems`, naming the variable. */
export function loadLimits(env: Env, problems: string[]): Limits {
  return readSettings(LIMIT_SETTINGS, LIMITS, env, problems) ?? DEFAULT_LIMITS;
}
