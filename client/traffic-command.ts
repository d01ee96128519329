// `rollout traffic`: replays synthetic traffic through a real tracking path and reports what reached Snowplow.
import { Command } from 'commander';
import type { AppConfig } from '../config/load-config';
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import type { startTrackingPath } from '../tracking/start-tracking-path';
import { DEFAULT_EVENT_MIX, parseEventMix } from '../traffic/event-mix';
import { duration, environment, positiveInteger, positiveNumber } from './cli-arguments';

interface TrafficCommandOptions {
  rate: number;
  duration?: number;
  namespaces: number;
  users: number;
  mix?: string;
  env: Environment;
}

export function trafficCommand(config: () => AppConfig, print: (line: string) => void): Command {
  return new Command('traffic')
    .description('send synthetic events through the tracking path (RedisHLL always, Snowplow where the flag is on)')
    .option('--rate <events/s>', 'events per second', positiveNumber, 100)
    .option('--duration <duration>', 'stop after this long, e.g. 30s or 5m (default: until Ctrl-C)', duration)
    .option('--namespaces <n>', 'distinct namespaces (the first two are gitlab-org and gitlab-com)', positiveInteger, 200)
    .option('--users <n>', 'distinct users', positiveInteger, 5000)
    .option('--mix <events>', `event mix, name:weight,… (default ${DEFAULT_EVENT_MIX.map((e) => `${e.event}:${e.weight}`).join(',')})`)
    .option('--env <env>', `environment: ${ENVIRONMENTS.join(', ')}`, environment, 'production' as Environment)
    .action(async (opts: TrafficCommandOptions) => {
      const mix = opts.mix ? parseEventMix(opts.mix) : DEFAULT_EVENT_MIX;
      // Loaded here, not at the top: the tracking path (Redis, Snowplow) and the generator are only for `traffic`.
      const [{ startTrackingPath }, { startTraffic }] = await Promise.all([import('../tracking/start-tracking-path'), import('../traffic/traffic-generator')]);
      const settings = config();
      const path = await startTrackingPath(settings);
      print(`tracking ${settings.tracking.flag} → ${settings.tracking.collectorUrl} at ${opts.rate} events/s over ${opts.namespaces} namespaces`);
      const run = startTraffic(path.tracker, { ...opts, mix, durationMs: opts.duration });
      const stop = () => run.stop();
      process.once('SIGINT', stop);
      const started = Date.now();
      const report = setInterval(() => print(formatStats(Date.now() - started, path.tracker.stats())), 1000);
      try {
        await run.done;
        await path.tracker.flush({ timeoutMs: 10_000 });
        print(formatStats(Date.now() - started, path.tracker.stats()));
      } finally {
        clearInterval(report);
        process.off('SIGINT', stop);
        await path.close();
      }
    });
}

function formatStats(elapsedMs: number, s: ReturnType<Awaited<ReturnType<typeof startTrackingPath>>['tracker']['stats']>): string {
  const share = s.tracked ? ((100 * s.routed) / s.tracked).toFixed(1) : '0.0';
  const p = s.snowplow;
  return `${(elapsedMs / 1000).toFixed(0).padStart(4)}s  tracked ${s.tracked}  to Snowplow ${s.routed} (${share}%)  sent ${p.sent}  queued ${p.queued}  failed attempts ${p.failedAttempts}  dropped ${p.dropped}`;
}
