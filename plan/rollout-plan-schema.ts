// Zod schema for a rollout plan file: validates every field and fills the defaults, producing a RolloutPlan.
import { z } from 'zod';
import { ACTOR_NAME_RULES, ACTOR_NAME_SEGMENT_CHARACTERS } from '../flags/actor-id';
import type { Environment } from '../flags/environments';
import { FLAG_NAME_MAX_LENGTH, FLAG_NAME_PATTERN } from '../flags/flag-name';
import { READINESS_ITEM_IDS } from './readiness-items';
import { isTimeZone, minutesOf, WEEKDAYS, type Weekday } from '../change-control/change-window';
import { ISSUE_REFERENCE_PATTERN } from '../notify/rollout-notice';
import { MERGE_REQUEST_REFERENCE_PATTERN } from '../workflows/message-schemas';
import { publicKeySchema } from '../signing/public-key-schema';
import { DEFAULT_OUTAGE_TOLERANCE, MAX_GATE_APPROVALS, MAX_RAMP_STEPS, type RolloutPlan } from './rollout-plan';
import { durationTextSchema, durationToMs } from './duration-text-schema';
import { strictSectionSchema } from './strict-section-schema';
import { uniqueListSchema } from './unique-list-schema';
import { sameUsername, usernameSchema } from './username';

/** Environments a plan may list before production; production itself is driven by `production` and `ramp`. */
export const PLAN_ENVIRONMENTS = ['dev', 'staging', 'staging-ref'] as const satisfies readonly Environment[];

const FLAG_RULE = 'must be a GitLab feature flag name: lowercase letters, digits and "_", starting with a letter';
const BUDGET_RULE = 'must be a positive whole number of events per day, e.g. 10000000';
const MIN_SAMPLE_RULE = 'must be a whole number ≥ 0: the fewest events in the measuring window for the guard to judge';
const STEP_RULE = 'each step must be a percentage: a number greater than 0 and at most 100';

const flagNameSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'a feature flag name is required, e.g. flag: route_hll_to_snowplow_phase3'
        : FLAG_RULE,
  })
  .max(FLAG_NAME_MAX_LENGTH, `must be at most ${FLAG_NAME_MAX_LENGTH} characters long`)
  .regex(FLAG_NAME_PATTERN, FLAG_RULE);

const PROJECT_RULE =
  `must be a project path with a namespace: ${ACTOR_NAME_RULES.project.description}, ` +
  `each segment made of ${ACTOR_NAME_SEGMENT_CHARACTERS}, e.g. "gitlab-org/gitlab"`;
const projectPathSchema = z.string({ error: PROJECT_RULE }).regex(ACTOR_NAME_RULES.project.pattern, PROJECT_RULE);

const GROUP_RULE =
  `must be a group path: ${ACTOR_NAME_RULES.group.description}, ` +
  `each segment made of ${ACTOR_NAME_SEGMENT_CHARACTERS}, e.g. "gitlab-org" or "gitlab-org/analytics"`;
const groupPathSchema = z.string({ error: GROUP_RULE }).regex(ACTOR_NAME_RULES.group.pattern, GROUP_RULE);

const environmentSchema = z.enum(PLAN_ENVIRONMENTS, {
  error: (issue) =>
    issue.input === 'production'
      ? 'production is not allowed here; it is rolled out by the `production` section (actors, then the ramp)'
      : `must be one of ${PLAN_ENVIRONMENTS.join(', ')}`,
});

const readinessItemSchema = z.enum(READINESS_ITEM_IDS, {
  error: `must be a readiness item: one of ${READINESS_ITEM_IDS.join(', ')}`,
});

const stepSchema = z.number({ error: STEP_RULE }).gt(0, STEP_RULE).lte(100, STEP_RULE);

const stepsSchema = z
  .array(stepSchema, { error: 'must be a list of percentages, e.g. [1, 10, 25, 50, 75, 100]' })
  .min(1, 'at least one step is required, e.g. [100]')
  .max(MAX_RAMP_STEPS, `at most ${MAX_RAMP_STEPS} steps`)
  .superRefine(
    (steps, ctx) => {
      // Each step must enable strictly more than the last; a repeat or a dip would make a stage a no-op or a partial rollback.
      // Compared against the last valid step only, so one bad entry is reported once, not again by its neighbour.
      let previous: number | undefined;
      steps.forEach((step: unknown, index) => {
        if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0 || step > 100) return;
        if (previous !== undefined && step <= previous) {
          ctx.addIssue({ code: 'custom', path: [index], input: step, message: `each step must be greater than the one before (${previous})` });
        } else {
          previous = step;
        }
      });
    },
    // Run even when another step is not a number, so every problem in the list is reported at once.
    { when: (payload) => Array.isArray(payload.value) },
  );

const actorsSchema = strictSectionSchema({
  project: uniqueListSchema(projectPathSchema, 'project path', '[gitlab-org/gitlab]', { ignoreCase: true }).default(() => [
    'gitlab-org/gitlab',
    'gitlab-org/gitlab-foss',
    'gitlab-com/www-gitlab-com',
  ]),
  group: uniqueListSchema(groupPathSchema, 'group path', '[gitlab-org]', { ignoreCase: true }).default(() => ['gitlab-org', 'gitlab-com']),
  user: uniqueListSchema(usernameSchema, 'username', '[alice]', { ignoreCase: true }).default(() => []),
});

const SIGNING_MODES = ['required', 'keyless'] as const;
const SIGNING_MODE_RULE =
  'must be "required" (every decision carries the sender\'s Ed25519 signature) or "keyless" (names are taken on trust)';

const APPROVALS_RULE = `must be a whole number from 1 to ${MAX_GATE_APPROVALS}: how many distinct approvers must approve`;
const gatePlanSchema = strictSectionSchema({
  approvals: z.number({ error: APPROVALS_RULE }).int(APPROVALS_RULE).min(1, APPROVALS_RULE).max(MAX_GATE_APPROVALS, APPROVALS_RULE).default(1),
});

const TIME_RULE = 'must be a local time "HH:MM" (24-hour), e.g. "09:00"';
const timeOfDaySchema = z.string({ error: TIME_RULE }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, TIME_RULE);
const DATE_RULE = 'must be a date "YYYY-MM-DD"';
const changeWindowSchema = strictSectionSchema({
  timeZone: z
    .string({ error: 'must be an IANA time zone, e.g. "Europe/Amsterdam" or "UTC"' })
    .refine(isTimeZone, 'is not a time zone this machine knows; use an IANA name such as "Europe/Amsterdam" or "UTC"')
    .default('UTC'),
  days: uniqueListSchema(z.enum(WEEKDAYS, { error: `must be a weekday: one of ${WEEKDAYS.join(', ')}` }), 'weekday', '[mon, tue, wed, thu]')
    .min(1, 'at least one day is required')
    .default((): Weekday[] => ['mon', 'tue', 'wed', 'thu', 'fri']),
  from: timeOfDaySchema.default('09:00'),
  to: timeOfDaySchema.default('17:00'),
  holidays: uniqueListSchema(z.string({ error: DATE_RULE }).regex(/^\d{4}-\d{2}-\d{2}$/, DATE_RULE), 'holiday', '["2026-12-25"]').default(() => []),
  oncallAfterChange: durationTextSchema({ allowZero: true }).default('2h'),
}).superRefine((window, ctx) => {
  const span = minutesOf(window.to) - minutesOf(window.from);
  const oncall = (durationToMs(window.oncallAfterChange) ?? 0) / 60_000;
  if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], input: window.to, message: `must be after from (${window.from})` });
  else if (oncall > span) {
    ctx.addIssue({ code: 'custom', path: ['oncallAfterChange'], input: window.oncallAfterChange, message: `is longer than the window (${window.from}–${window.to}): no change could ever start` });
  }
});

const GITLAB_ENVIRONMENT_RULE = 'must be a GitLab environment name, e.g. gstg or gprd-cny';
const gitlabEnvironmentSchema = z.string({ error: GITLAB_ENVIRONMENT_RULE }).regex(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,254}$/, GITLAB_ENVIRONMENT_RULE);
const deploymentSchema = strictSectionSchema({
  project: z
    .string({ error: 'must be a GitLab project path or id, e.g. gitlab-org/gitlab' })
    .regex(/^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/, 'must be a GitLab project path or id, e.g. gitlab-org/gitlab'),
  commit: z.string({ error: 'must be the merge commit\'s full SHA' }).regex(/^[0-9a-f]{40}$/, 'must be the merge commit\'s full 40-character SHA (lowercase hex)'),
  environments: strictSectionSchema({
    nonProduction: uniqueListSchema(gitlabEnvironmentSchema, 'environment', '[gstg]').default(() => ['gstg']),
    production: uniqueListSchema(gitlabEnvironmentSchema, 'environment', '[gprd-cny, gprd]').default(() => ['gprd']),
  }).prefault({}),
  interval: durationTextSchema({ allowZero: false, minMs: 1000, minText: '1s' }).default('15m'),
  timeout: durationTextSchema({ allowZero: false }).default('1d'),
});

const ISSUE_RULE = 'must be a GitLab issue reference: group/project#123';

/** An exclusive group's name: it is matched in a visibility query, so a plain word. */
export const EXCLUSIVE_GROUP_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const EXCLUSIVE_RULE = 'must be a group name: 1–64 lowercase letters, digits, "_", "." or "-", e.g. snowplow-routing';

const planShape = {
  flag: flagNameSchema,
  requester: usernameSchema.default('mikolaj_wawrzyniak'),
  approvers: uniqueListSchema(usernameSchema, 'approver', '[alice, bob]', { ignoreCase: true })
    .min(1, 'at least one approver is required, e.g. [alice]')
    .default(() => ['alice', 'bob']),
  // Who may abort besides the requester and the approvers (e.g. the on-call SRE); they cannot approve.
  operators: uniqueListSchema(usernameSchema, 'operator', '[oncall-sre]', { ignoreCase: true }).default(() => []),
  environments: uniqueListSchema(environmentSchema, 'environment', '[dev, staging]')
    .min(1, `at least one environment is required, from ${PLAN_ENVIRONMENTS.join(', ')}`)
    .default(() => [...PLAN_ENVIRONMENTS]),
  // prefault (not default) runs `{}` through the schema, so a missing or partial section gets each nested default.
  production: strictSectionSchema({ actors: actorsSchema.prefault({}) }).prefault({}),
  ramp: strictSectionSchema({
    type: z
      .enum(['actors', 'random'], { error: 'must be "actors" (percentage of actors) or "random" (percentage of time)' })
      .default('actors'),
    steps: stepsSchema.default(() => [1, 10, 25, 50, 75, 100]),
    soak: durationTextSchema({ allowZero: true }).default('15m'),
  }).prefault({}),
  verification: durationTextSchema({ allowZero: false }).default('24h'),
  guard: strictSectionSchema({
    budgetPerDay: z
      .number({ error: BUDGET_RULE })
      .int(BUDGET_RULE)
      .positive(BUDGET_RULE)
      .default(10_000_000),
    // Per-second counters make one second the finest rate the guard can read.
    interval: durationTextSchema({ allowZero: false, minMs: 1000, minText: '1s' }).default('15m'),
    minSample: z
      .number({ error: MIN_SAMPLE_RULE })
      .int(MIN_SAMPLE_RULE)
      .nonnegative(MIN_SAMPLE_RULE)
      .default(1000),
    inconclusiveWait: durationTextSchema({ allowZero: true }).default('1h'),
    onProjectedBreach: z
      .enum(['hold', 'rollback'], { error: 'must be "hold" (stay at the current step and ask for a decision) or "rollback"' })
      .default('hold'),
  }).prefault({}),
  approvalTimeout: durationTextSchema({ allowZero: false }).default('7d'),
  outageTolerance: durationTextSchema({ allowZero: false }).default(DEFAULT_OUTAGE_TOLERANCE),
  readiness: uniqueListSchema(readinessItemSchema, 'readiness item', '[milestone, docs]').default(() => [...READINESS_ITEM_IDS]),
  signing: strictSectionSchema({
    mode: z.enum(SIGNING_MODES, { error: SIGNING_MODE_RULE }).default('required'),
    keys: z
      .record(usernameSchema, publicKeySchema, { error: 'must map usernames to public keys, e.g. { alice: "ed25519:…" }' })
      .default(() => ({})),
  }).prefault({}),
  changeWindow: changeWindowSchema.optional(),
  deployment: deploymentSchema.optional(),
  cleanup: strictSectionSchema({
    mr: z
      .string({ error: 'must be a merge request reference like gitlab-org/gitlab!123' })
      .regex(MERGE_REQUEST_REFERENCE_PATTERN, 'must be a merge request reference like gitlab-org/gitlab!123')
      .optional(),
    environments: uniqueListSchema(gitlabEnvironmentSchema, 'environment', '[gstg, gprd]').min(1, 'at least one environment, e.g. [gstg, gprd]').default(() => ['gstg', 'gprd']),
    interval: durationTextSchema({ allowZero: false, minMs: 1000, minText: '1s' }).default('1h'),
    timeout: durationTextSchema({ allowZero: false }).default('30d'),
  }).optional(),
  announce: strictSectionSchema({
    issues: uniqueListSchema(
      z.string({ error: ISSUE_RULE }).regex(ISSUE_REFERENCE_PATTERN, ISSUE_RULE),
      'issue',
      '[gitlab-org/gitlab#123]',
    ).min(1, 'at least one issue is required, e.g. [gitlab-org/gitlab#123]'),
  }).optional(),
  exclusive: z.string({ error: EXCLUSIVE_RULE }).regex(EXCLUSIVE_GROUP_PATTERN, EXCLUSIVE_RULE).optional(),
  gates: strictSectionSchema({
    'staging-qa': gatePlanSchema.optional(),
    'production-qa': gatePlanSchema.optional(),
    'global-readiness': gatePlanSchema.optional(),
    'volume-review': gatePlanSchema.optional(),
    deployment: gatePlanSchema.optional(),
    cleanup: gatePlanSchema.optional(),
  }).default(() => ({})),
};

export const rolloutPlanSchema = strictSectionSchema(planShape).superRefine(
  (plan, ctx) => {
    // Checks across fields; they run even when other fields are invalid, so one pass reports every problem.
    const requester: unknown = plan.requester;
    const approvers: unknown = plan.approvers;
    if (typeof requester === 'string' && Array.isArray(approvers)) {
      approvers.forEach((approver: unknown, index) => {
        if (typeof approver === 'string' && sameUsername(approver, requester)) {
          ctx.addIssue({
            code: 'custom',
            path: ['approvers', index],
            input: approver,
            message: `the requester (${requester}) cannot approve their own rollout; approvers must be other people`,
          });
        }
      });
    }
    if (Array.isArray(approvers)) checkGates(plan, approvers as unknown[], ctx);
    const verification: unknown = plan.verification;
    const interval: unknown = (plan.guard as unknown as Record<string, unknown> | undefined)?.interval;
    const verificationMs = typeof verification === 'string' ? durationToMs(verification) : undefined;
    const intervalMs = typeof interval === 'string' ? durationToMs(interval) : undefined;
    if (verificationMs !== undefined && intervalMs !== undefined && verificationMs > 0 && intervalMs > verificationMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['guard', 'interval'],
        input: interval,
        message: `must not be longer than verification (${JSON.stringify(verification)}); the guard checks event volume every interval during verification`,
      });
    }
  },
  // Without `when`, zod skips this refinement as soon as any field has a type error.
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
);

/** Each gate needs no more approvals than there are approvers. (Keys are checked at start: see missingSigningKeys.) */
function checkGates(plan: Record<string, unknown>, approvers: unknown[], ctx: z.RefinementCtx): void {
  const names = approvers.filter((name): name is string => typeof name === 'string');
  const gates = (plan.gates ?? {}) as Record<string, { approvals?: unknown } | undefined>;
  for (const [gate, settings] of Object.entries(gates)) {
    const approvals = settings?.approvals;
    if (typeof approvals === 'number' && approvals > names.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['gates', gate, 'approvals'],
        input: approvals,
        message: `needs ${approvals} distinct approvers but the plan lists ${names.length} (${names.join(', ')})`,
      });
    }
  }
}

/** A plan as written in a file: only `flag` is required; everything else has a default. */
export type RolloutPlanInput = z.input<typeof rolloutPlanSchema>;

// Compile-time check: `tsc` fails here if the schema's output drifts from the RolloutPlan interface the workflow uses.
const outputIsRolloutPlan = (output: z.output<typeof rolloutPlanSchema>): RolloutPlan => output;
void outputIsRolloutPlan;
