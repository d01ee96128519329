// The report formats and the one place that picks a renderer for each.
import type { RolloutReport } from './rollout-report';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import { renderSvgChart } from './render-svg-chart';
import type { ReportFormat } from './report-formats';

export { REPORT_FORMATS, type ReportFormat } from './report-formats';

/** File extension per format, for files the demo (or a script) writes. */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = { markdown: 'md', json: 'json', svg: 'svg', html: 'html' };

export function renderReport(report: RolloutReport, format: ReportFormat): string {
  switch (format) {
    case 'markdown':
      return renderMarkdown(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'svg':
      return renderSvgChart(report);
    case 'html':
      return renderHtml(report);
  }
}
