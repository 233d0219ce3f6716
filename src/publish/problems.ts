/** What a run says of the seeds it could not publish as they are, and its warnings: one line each, for a terminal or a log. */
import { printableName } from '../text/printable.js';
import type { PublishSummary } from './publish.js';

/** The lines, rejected seeds first, then held, skipped and the warnings; from a run's summary, or from the part of one a failed run has. */
export function problemLines(summary: Partial<Pick<PublishSummary, 'rejected' | 'held' | 'skipped' | 'warnings'>>): string[] {
  return [
    ...(summary.rejected ?? []).map(
      (bad) =>
        `${printableName(bad.file)}:${bad.line}: ${bad.reason}${bad.keptPublished ? ' (its last good version stays published)' : ''}`,
    ),
    ...(summary.held ?? []).map((held) => `${printableName(held.file)}: held until ${held.date}`),
    ...(summary.skipped ?? []).map((entry) => `${printableName(entry.file)}: skipped: ${entry.reason}`),
    ...(summary.warnings ?? []),
  ];
}
