// Writes a rollout report in several formats into a folder, named after the flag and the rollout's start.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RolloutReport } from './rollout-report';
import { REPORT_EXTENSIONS, renderReport, type ReportFormat } from './render-report';

/** Writes `<dir>/<flag>-<start, e.g. 20260504T090000Z>.<ext>` per format and returns the absolute paths, in order. */
export function writeReportFiles(report: RolloutReport, dir: string, formats: readonly ReportFormat[]): string[] {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const started = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return formats.map((format) => {
    const name = `${report.flag}-${started}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const path = join(folder, `${name}.${REPORT_EXTENSIONS[format]}`);
    writeFileSync(path, renderReport(report, format));
    return path;
  });
}
