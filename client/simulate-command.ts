// `rollout simulate`: what a plan's rollout would do against a recorded or synthetic volume series — when it would hold or roll back.
import { Command, InvalidArgumentError, Option } from 'commander';
import { durationToMs, MAX_DURATION_MS } from '../plan/duration-text-schema';
import { REPORT_FORMATS, type ReportFormat } from '../report/report-formats';
import type { SimulationResult } from '../simulate/simulation-result';
import type { VolumeSeries } from '../simulate/volume-series';
import { EXIT_CODES, ExitWithCode, UsageError, type ExitCode } from './cli-errors';

interface SimulateOptions {
  plan: string;
  volume: string;
  start?: string;
  gateDelay?: number;
  approveReviews?: boolean;
  actorsShare: number;
  loop?: boolean;
  report?: ReportFormat;
}

export function simulateCommand(io: { stdout: (text: string) => void; stderr: (text: string) => void }): Command {
  return new Command('simulate')
    .description("run a plan's volume-guard decisions against a per-second Snowplow volume series: what the rollout would do and when, and whether it would complete, hold or roll back")
    .requiredOption('--plan <file>', 'rollout plan (YAML or JSON), as for `rollout start`')
    .requiredOption('--volume <file>', 'Snowplow events per second at 100 % of traffic: CSV lines "epochSecond,count", or JSON [{"t": <epoch second>, "count": <events>}, …]')
    .option('--start <time>', 'when the rollout starts: an ISO 8601 time with a zone, or epoch seconds, inside the series (default: its first second)')
    .option('--gate-delay <duration>', 'approve each gate this long after it opens, e.g. 10m (default: at once); as long as approvalTimeout lets the deadline pass', nonNegativeDuration)
    .option('--approve-reviews', 'go on past volume-review as if approved after --gate-delay, instead of stopping there')
    .option('--actors-share <percent>', "the share of all traffic the plan's production actors carry, 0-100", percentOfTraffic, 0)
    .option('--loop', 'repeat the series when the rollout outlasts it')
    .addOption(
      new Option('--report [format]', 'print the simulated rollout as `rollout report` renders one (markdown when no format is given)')
        .choices(REPORT_FORMATS)
        .preset('markdown'),
    )
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT_CODES.ok} the rollout would complete, ${EXIT_CODES.rolledBack} it would roll back, ` +
        `${EXIT_CODES.refused} it would hold for a person at volume-review, ${EXIT_CODES.usage} bad plan, series or options (or a series shorter than the rollout).`,
    )
    .action(async (opts: SimulateOptions) => {
      // Loaded here, not at the top: the plan schema, the series parser and the simulation are only for `simulate`.
      const [{ loadPlanFile }, { loadVolumeSeries, VolumeSeriesError }, { VolumeSeries }, { simulateRollout, SimulationLimitError }] = await Promise.all([
        import('../plan/load-plan-file'),
        import('../simulate/parse-volume-series'),
        import('../simulate/volume-series'),
        import('../simulate/simulate-rollout'),
      ]);
      const plan = loadPlanFile(opts.plan);
      let series: VolumeSeries;
      let result: SimulationResult;
      try {
        const parsed = loadVolumeSeries(opts.volume);
        series = new VolumeSeries(parsed.firstSecond, parsed.counts, opts.loop ?? false);
        const startMs = opts.start === undefined ? series.startMs : startInside(opts.start, series);
        result = simulateRollout(plan, series, { startMs, gateDelayMs: opts.gateDelay ?? 0, approveReviews: opts.approveReviews ?? false, actorsShare: opts.actorsShare / 100 });
      } catch (error) {
        if (error instanceof VolumeSeriesError || error instanceof SimulationLimitError) throw new UsageError(error.message);
        throw error;
      }
      const sources = { plan: opts.plan, volume: opts.volume };
      if (opts.report) {
        const [{ simulationReport }, { renderReport }, { escapeMarkdown }] = await Promise.all([
          import('../simulate/simulation-status'),
          import('../report/render-report'),
          import('../report/markdown-text'),
        ]);
        const text = renderReport(simulationReport(result), opts.report);
        const note = `> **Simulated** by \`rollout simulate\` from plan ${escapeMarkdown(sources.plan)} and volume ${escapeMarkdown(sources.volume)}: simulated times, no flag changed, gates approved as assumed.\n\n`;
        io.stdout(opts.report === 'markdown' ? `${note}${text}` : text);
      } else {
        const { formatSimulation } = await import('../simulate/format-simulation');
        io.stdout(formatSimulation(result, series, sources));
      }
      if (result.outcome.result === 'series-ended') throw new UsageError(result.outcome.reason);
      const code = simulationExitCode(result);
      if (code !== EXIT_CODES.ok) throw new ExitWithCode(`the simulated rollout ends ${result.outcome.result}`, code);
    });
}

/** 7 when it would roll back, 3 when it would hold for a person (or did, with --approve-reviews), 0 when it completes. */
export function simulationExitCode(result: SimulationResult): ExitCode {
  if (result.outcome.result === 'rolled-back') return EXIT_CODES.rolledBack;
  if (result.outcome.result === 'held' || result.reviews > 0) return EXIT_CODES.refused;
  if (result.outcome.result === 'series-ended') return EXIT_CODES.usage;
  return EXIT_CODES.ok;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `--start` as epoch ms: epoch seconds or an ISO 8601 time with a zone, inside the series (or after its start when it loops). */
function startInside(text: string, series: VolumeSeries): number {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : ISO_WITH_ZONE.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--start ${JSON.stringify(text)}: expected an ISO 8601 time with a zone (e.g. 2026-12-01T10:00:00Z) or epoch seconds`);
  const first = new Date(series.startMs).toISOString();
  if (ms < series.startMs || (!series.loop && ms >= series.endMs)) {
    const range = series.loop ? `from ${first} on (it repeats)` : `${first} to ${new Date(series.endMs).toISOString()}`;
    throw new UsageError(`--start ${new Date(ms).toISOString()} is outside the volume series: it covers ${range}`);
  }
  return ms;
}

function nonNegativeDuration(text: string): number {
  const ms = durationToMs(text);
  if (ms === undefined || ms < 0 || ms > MAX_DURATION_MS) throw new InvalidArgumentError('must be a duration with a unit, 0s to 365d, e.g. 0s, 90s, 10m');
  return ms;
}

function percentOfTraffic(text: string): number {
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError('must be a percentage from 0 to 100');
  return n;
}
