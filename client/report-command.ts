// `rollout report`: a rollout (running or ended) as the rollout issue's checklist in Markdown, as JSON, or as a volume chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { AppConfig } from '../config/load-config';
import { REPORT_FORMATS, type ReportFormat } from '../report/report-formats';
import type { RolloutClient } from './rollout-client';

interface ReportOptions {
  format: ReportFormat;
  output?: string;
}

export function reportCommand(
  rollouts: () => Promise<RolloutClient>,
  config: () => AppConfig,
  io: { stdout: (text: string) => void; stderr: (text: string) => void },
): Command {
  return new Command('report')
    .description('report a rollout (running or ended): its checklist, decisions, flag changes, guard and outcome, or its Snowplow volume chart')
    .argument('<flag>')
    .addOption(
      new Option('--format <format>', 'markdown (to paste into the rollout issue), json (the report model), svg (volume chart) or html (chart and checklist)')
        .choices(REPORT_FORMATS)
        .default('markdown'),
    )
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (flag: string, opts: ReportOptions) => {
      // Loaded here, not at the top: the report builder, its Redis reader and the renderers are only for `report`.
      const [{ collectRolloutReport }, { redisSeriesReader }, { renderReport }] = await Promise.all([
        import('../report/build-rollout-report'),
        import('../report/redis-series-reader'),
        import('../report/render-report'),
      ]);
      const status = await (await rollouts()).status(flag);
      const reader = redisSeriesReader(config());
      let text: string;
      let unavailable: string | null;
      try {
        const report = await collectRolloutReport(status, (f, start, end) => reader.read(f, start, end));
        unavailable = report.volume.available ? null : report.volume.unavailableReason;
        text = renderReport(report, opts.format);
      } finally {
        await reader.close();
      }
      if (unavailable) io.stderr(`warning: the report has no volume series: ${unavailable}`);
      if (opts.output) {
        const path = resolve(opts.output);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
        io.stdout(`wrote the ${opts.format} report of ${flag} to ${path}`);
      } else {
        io.stdout(text);
      }
    });
}
