/** Size limits from the environment: `MAX_SEED_BYTES` and `MAX_FEED_BYTES`, as bytes or with KiB / MiB. */
import { DEFAULT_LIMITS, type Limits } from './publish/plan.js';

type Env = Readonly<Record<string, string | undefined>>;

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1000 * 1000, mib: 1024 * 1024 };

/** The limits, or the defaults; every wrong value is added to `problems`, naming the variable. */
export function loadLimits(env: Env, problems: string[]): Limits {
  const read = (variable: string, fallback: number, minimum: number): number => {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw);
    const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
    const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
    if (!(value >= minimum) || !Number.isSafeInteger(value)) {
      problems.push(`${variable}: must be a size of at least ${minimum} bytes, such as 1048576, 512KiB or 1MiB, got ${JSON.stringify(env[variable])}`);
      return fallback;
    }
    return value;
  };
  // Below a few KiB no real article or feed fits: such a value is a typo, not a choice.
  return { seedBytes: read('MAX_SEED_BYTES', DEFAULT_LIMITS.seedBytes, 1024), feedBytes: read('MAX_FEED_BYTES', DEFAULT_LIMITS.feedBytes, 16 * 1024) };
}
