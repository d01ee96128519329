// Jest sequencer: the longest suites start first, so two workers finish together even without Jest's timing cache (CI).
const Sequencer = require('@jest/test-sequencer').default;

/** Suites measured at over half a minute, longest first; everything else follows in Jest's usual order. */
const SLOW_FIRST = [
  'workflow-history-bound',
  'workflow-replay',
  'e2e-redis-outage',
  'observability-tracing',
  'temporal-mtls',
  'e2e-cli-exit-codes',
  'e2e-failover-timer-end',
  'e2e-two-workers',
  'redis-cluster-rollout',
  'workflow-continue-as-new-rollback',
];

class SlowFirstSequencer extends Sequencer {
  async sort(tests) {
    const rank = (test) => {
      const index = SLOW_FIRST.findIndex((name) => test.path.endsWith(`${name}.test.ts`));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
