// Reads the environment once into the typed configuration that the worker, CLI and stack share.
import { hostname } from 'node:os';
import { z } from 'zod';
import { FLAG_NAME_RULE, isFlagName } from '../flags/flag-name';
import { DEFAULT_FLAG_KEY_PREFIX, FLAG_KEY_PREFIX_RULE, isFlagKeyPrefix } from '../flags/flipper-redis-keys';
import { describeFlagBackend, isGitLabSecretVariable, parseGitLabSettings, type FlagBackendSettings, type GitLabInstance } from '../gitlab/gitlab-settings';
import type { NotifySettings } from '../notify/notify-settings';
import { NOTICE_KINDS, type NoticeKind } from '../notify/rollout-notice';
import { describeWebhookTarget, parseWebhookTargets } from '../notify/webhook-target';
import { closestField } from '../plan/strict-section-schema';
import { describeTemporalSettings, loadTemporalSettings, type TemporalFlags, type TemporalSettings } from './temporal-settings';
import { parseRedisUrls } from '../redis/redis-urls';

const configSchema = z.object({
  // The other TEMPORAL_* settings (address, namespace, API key, TLS, profiles) are read by loadTemporalSettings.
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('flag-rollouts'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .superRefine((text, ctx) => {
      for (const message of parseRedisUrls(text).problems) ctx.addIssue({ code: 'custom', message });
    }),
  REDIS_CLUSTER: z.enum(['true', 'false']).default('false'),
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  REDIS_TLS_CERT_FILE: z.string().min(1).optional(),
  REDIS_TLS_KEY_FILE: z.string().min(1).optional(),
  FLAG_KEY_PREFIX: z.string().refine(isFlagKeyPrefix, FLAG_KEY_PREFIX_RULE).default(DEFAULT_FLAG_KEY_PREFIX),
  METRICS_ADDRESS: z
    .string()
    .regex(/^(off|[A-Za-z0-9.:[\]-]+:\d{1,5})$/, 'must be host:port (e.g. 0.0.0.0:9464) or off')
    .default('127.0.0.1:9464'),
  // About 1 MiB of worker memory per cached rollout (docs/benchmarks.md): the SDK's default, derived from the heap
  // limit (~2,300 with a 4 GiB heap), would grow a worker to ~3 GiB; 200 keeps 5,000 waiting rollouts under 1 GiB.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(200),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().regex(/^https?:\/\/[^/]+/, 'must be an http(s):// URL').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  SNOWPLOW_COLLECTOR_URL: z.string().regex(/^https?:\/\/[^/]+/, 'must be an http(s):// URL').default('http://127.0.0.1:9090'),
  TRACKING_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits and _ . - only').optional(),
  TRACKED_FLAG: z.string().refine(isFlagName, FLAG_NAME_RULE).default('route_hll_to_snowplow_phase3'),
  ROLLOUT_WEBHOOKS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const { targets, problems } = parseWebhookTargets(text);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return targets;
    }),
  FREEZE_URL: z.string().regex(/^https?:\/\/[^/]+/, 'must be an http(s):// URL').optional(),
  FREEZE_GITLAB_PROJECT: z
    .string()
    .regex(/^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/, 'must be a GitLab project path or id, e.g. gitlab-com/gl-infra/production')
    .optional(),
  FREEZE_GITLAB_LABEL: z.string().regex(/^[^,\n]{1,255}$/, 'must be one label (no commas), e.g. incident::active').default('incident::active'),
  ROLLOUT_WEBHOOK_KINDS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      if (text.trim() === '') return [...NOTICE_KINDS];
      const kinds: NoticeKind[] = [];
      for (const kind of text.split(',').map((entry) => entry.trim())) {
        if (isNoticeKind(kind)) {
          if (!kinds.includes(kind)) kinds.push(kind);
          continue;
        }
        const guess = closestField(kind, [...NOTICE_KINDS]);
        const what = kind === '' ? 'an empty entry (a stray comma?)' : `${JSON.stringify(kind)}${guess ? ` (did you mean "${guess}"?)` : ''}`;
        ctx.addIssue({ code: 'custom', message: `${what} is not a notice kind; allowed kinds are ${NOTICE_KINDS.join(', ')}` });
      }
      return kinds;
    }),
});

/** Variables whose values are never shown, not even when they are invalid. */
const SECRET_VARIABLES = new Set(['ROLLOUT_WEBHOOKS', 'FREEZE_URL']);

export interface AppConfig {
  /** How to reach Temporal (profile, TEMPORAL_* variables, CLI flags; see temporal-settings.ts) and the task queue. */
  temporal: TemporalSettings & { taskQueue: string };
  redisUrl: string;
  /** How to reach Redis beyond its URL: as a cluster (REDIS_URL is then a comma-separated list of seed nodes) and over TLS. */
  redis: {
    cluster: boolean;
    /** PEM files for rediss:// — a CA to trust, and a client certificate and key when the server demands one. */
    tls: { caFile?: string; certFile?: string; keyFile?: string };
  };
  flagKeyPrefix: string;
  /** METRICS_ADDRESS: where the worker serves /metrics, /healthz and /readyz; null when "off". */
  metrics: { address: string | null };
  /** Worker tuning: the sticky workflow cache (WORKER_MAX_CACHED_WORKFLOWS, default 200). */
  worker: { maxCachedWorkflows: number };
  /** OTEL_EXPORTER_OTLP_ENDPOINT: when set, the worker and CLI export traces there over OTLP/HTTP. */
  tracing: { otlpEndpoint?: string };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  tracking: {
    collectorUrl: string;
    /** Names this process's durable Snowplow outbox; a restarted process with the same id resends what was left. */
    instanceId: string;
    /** The flag the tracking path sends to Snowplow behind. */
    flag: string;
  };
  /** Webhooks for rollout notices: what the worker's `notify` activity posts to (URLs are secrets). */
  notify: NotifySettings;
  /** Freeze/incident endpoint checked before every production change (may carry a token: never logged). */
  freezeUrl?: string;
  /** GitLab project whose open issues with `label` freeze production changes (uses GITLAB_URL/GITLAB_TOKEN). */
  freezeIssues?: { project: string; label: string };
  /** GITLAB_URL + GITLAB_TOKEN: the GitLab REST API (projects, deployments, merge requests, issues); the token is secret. */
  gitlab?: GitLabInstance;
  /** FLAG_BACKEND: where flags are stored — Redis, or each configured environment's GitLab Features API. */
  flags: FlagBackendSettings;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** `overrides.temporal`: the CLI's --address, --namespace and --profile, which win over the environment and the profile. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: { temporal?: TemporalFlags } = {}): AppConfig {
  const parsed = configSchema.safeParse(env);
  const gitlab = parseGitLabSettings(env);
  const temporal = loadTemporalSettings(env, overrides.temporal);
  if (!parsed.success || gitlab.problems.length > 0 || !temporal.settings) {
    const issues = [...(parsed.success ? [] : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message }))), ...gitlab.problems];
    const lines = issues.map(({ variable: name, message }) => {
      const raw = JSON.stringify(env[name]) ?? 'undefined';
      const shown = SECRET_VARIABLES.has(name) || isGitLabSecretVariable(name) ? '(hidden)' : maskUrlPassword(raw);
      return `${name}=${shown}: ${message}`;
    });
    lines.push(...temporal.problems);
    throw new ConfigError(`invalid environment configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    temporal: { ...temporal.settings, taskQueue: e.TEMPORAL_TASK_QUEUE },
    redisUrl: e.REDIS_URL,
    redis: {
      cluster: e.REDIS_CLUSTER === 'true',
      tls: { caFile: e.REDIS_TLS_CA_FILE, certFile: e.REDIS_TLS_CERT_FILE, keyFile: e.REDIS_TLS_KEY_FILE },
    },
    flagKeyPrefix: e.FLAG_KEY_PREFIX,
    metrics: { address: e.METRICS_ADDRESS === 'off' ? null : e.METRICS_ADDRESS },
    worker: { maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
    logLevel: e.LOG_LEVEL,
    tracking: {
      collectorUrl: e.SNOWPLOW_COLLECTOR_URL,
      instanceId: e.TRACKING_INSTANCE_ID ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 100),
      flag: e.TRACKED_FLAG,
    },
    notify: { targets: e.ROLLOUT_WEBHOOKS, kinds: e.ROLLOUT_WEBHOOK_KINDS },
    freezeUrl: e.FREEZE_URL,
    freezeIssues: e.FREEZE_GITLAB_PROJECT ? { project: e.FREEZE_GITLAB_PROJECT, label: e.FREEZE_GITLAB_LABEL } : undefined,
    gitlab: gitlab.gitlab,
    flags: gitlab.flags,
  };
}

/** The configuration with secrets masked, for logs and `--help`-style output. */
export function describeConfig(config: AppConfig): Record<string, string> {
  return {
    temporalAddress: config.temporal.address,
    temporalNamespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...describeTemporalSettings(config.temporal),
    redisUrl: maskUrlPassword(config.redisUrl),
    redisCluster: String(config.redis.cluster),
    redisTls: [config.redis.tls.caFile && 'ca', config.redis.tls.certFile && 'client certificate'].filter(Boolean).join(' + ') || '(none)',
    flagKeyPrefix: config.flagKeyPrefix,
    metricsAddress: config.metrics.address ?? 'off',
    workerMaxCachedWorkflows: String(config.worker.maxCachedWorkflows),
    otlpEndpoint: config.tracing.otlpEndpoint ? maskUrlPassword(config.tracing.otlpEndpoint) : '(off)',
    snowplowCollectorUrl: maskUrlPassword(config.tracking.collectorUrl),
    trackingInstanceId: config.tracking.instanceId,
    trackedFlag: config.tracking.flag,
    rolloutWebhooks: config.notify.targets.length === 0 ? '(none)' : config.notify.targets.map(describeWebhookTarget).join(','),
    rolloutWebhookKinds: config.notify.kinds.length === NOTICE_KINDS.length ? '(all)' : config.notify.kinds.join(','),
    gitlabUrl: config.gitlab?.url ?? '(not set)',
    gitlabToken: config.gitlab ? '(set)' : '(not set)',
    flagBackend: describeFlagBackend(config.flags),
  };
}

function isNoticeKind(kind: string): kind is NoticeKind {
  return (NOTICE_KINDS as readonly string[]).includes(kind);
}

export function maskUrlPassword(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]+)@/g, '//$1:***@');
}
