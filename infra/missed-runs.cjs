'use strict';
/**
 * The window of the alarm on missed runs (infra/monitoring.yml), from the schedule's interval
 * (serverless.yml, param publishIntervalMinutes): it fires when no run started in two intervals,
 * so one run late or skipped by EventBridge is no alarm. CloudWatch looks back at most one day
 * (periods × period ≤ 86,400 s), so for an interval over 12 hours the window is the day, which
 * still holds a run for an interval of up to 23 hours (an hour left for a late one); for a longer
 * interval no window can tell a stopped schedule from a quiet day, and the alarm does nothing
 * (ActionsEnabled false).
 */
const PERIOD_SECONDS = 300;
const MOST_SECONDS = 86_400;
const LONGEST_WATCHED_MINUTES = 23 * 60;

/** The interval, or undefined when it is no whole number: the function's own check (check-environment.cjs) says why. */
async function intervalMinutes({ resolveVariable }) {
  const minutes = Number(await resolveVariable('param:publishIntervalMinutes'));
  return Number.isInteger(minutes) && minutes > 0 ? minutes : undefined;
}

module.exports.evaluationPeriods = async (context) => {
  const minutes = (await intervalMinutes(context)) ?? 1;
  return Math.ceil(Math.min(2 * minutes * 60, MOST_SECONDS) / PERIOD_SECONDS);
};

module.exports.actionsEnabled = async (context) => ((await intervalMinutes(context)) ?? Infinity) <= LONGEST_WATCHED_MINUTES;

module.exports.periodSeconds = async () => PERIOD_SECONDS;
