// The formats `rollout report` writes, apart from the renderers, so the CLI can list them without loading those.

export const REPORT_FORMATS = ['markdown', 'json', 'svg', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
