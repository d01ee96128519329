// Replays synthetic traffic through the tracking path at a steady rate: many namespaces, many users, an event mix.
import type { Environment } from '../flags/environments';
import { eventSampler, type WeightedEvent } from './event-mix';

export interface TrackTarget {
  track(event: string, ctx: { user: string; namespace: string; project?: string; env: Environment }): void;
}

export interface TrafficOptions {
  /** Events per second. */
  rate: number;
  /** Distinct namespaces (group paths); the first ones are GitLab's own, as in the plan's production actors. */
  namespaces: number;
  /** Distinct users. */
  users: number;
  mix: readonly WeightedEvent[];
  env: Environment;
  /** Stop after this many ms (omit to run until stop()). */
  durationMs?: number;
  random?: () => number;
}

export interface TrafficRun {
  /** Resolves when the run ends (duration reached or stop()), with the number of events tracked. */
  done: Promise<number>;
  stop(): void;
  sent(): number;
}

const OWN_NAMESPACES = ['gitlab-org', 'gitlab-com'];
const TICK_MS = 10;

export function namespaceName(index: number): string {
  return OWN_NAMESPACES[index] ?? `namespace-${index}`;
}

/** Starts sending; events are spread evenly over time (catching up after a slow tick), never more than the rate. */
export function startTraffic(target: TrackTarget, options: TrafficOptions): TrafficRun {
  const random = options.random ?? Math.random;
  const nextEvent = eventSampler(options.mix, random);
  const started = Date.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: (n: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    finish(sent);
  };
  const tick = () => {
    const elapsed = Date.now() - started;
    const due = Math.floor((Math.min(elapsed, options.durationMs ?? Infinity) / 1000) * options.rate);
    for (; sent < due; sent++) {
      const namespace = namespaceName(Math.floor(random() * options.namespaces));
      target.track(nextEvent(), {
        user: `user-${Math.floor(random() * options.users)}`,
        namespace,
        project: `${namespace}/project-${Math.floor(random() * 5)}`,
        env: options.env,
      });
    }
    if (options.durationMs !== undefined && elapsed >= options.durationMs) stop();
  };
  timer = setInterval(tick, TICK_MS);
  return { done, stop, sent: () => sent };
}
