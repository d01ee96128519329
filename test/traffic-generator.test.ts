// The traffic generator keeps its rate, spreads events over namespaces and users, and follows the event mix.
import { DEFAULT_EVENT_MIX, eventSampler, parseEventMix } from '../traffic/event-mix';
import { namespaceName, startTraffic } from '../traffic/traffic-generator';

it('sends rate × duration events spread over namespaces and users', async () => {
  const seen: { event: string; user: string; namespace: string }[] = [];
  const run = startTraffic(
    { track: (event, ctx) => seen.push({ event, user: ctx.user, namespace: ctx.namespace }) },
    { rate: 2000, namespaces: 50, users: 300, mix: DEFAULT_EVENT_MIX, env: 'production', durationMs: 500 },
  );
  expect(await run.done).toBe(1000);
  expect(seen).toHaveLength(1000);
  expect(new Set(seen.map((s) => s.namespace)).size).toBeGreaterThan(40);
  expect(new Set(seen.map((s) => s.user)).size).toBeGreaterThan(200);
  expect(new Set(seen.map((s) => s.event))).toEqual(new Set(DEFAULT_EVENT_MIX.map((e) => e.event)));
});

it('names GitLab’s own namespaces first, as the plan’s production actors do', () => {
  expect([0, 1, 2].map(namespaceName)).toEqual(['gitlab-org', 'gitlab-com', 'namespace-2']);
});

it('samples events in proportion to their weights', () => {
  let i = 0;
  const pick = eventSampler(parseEventMix('a_event:3,b_event:1'), () => (i++ % 4) / 4);
  expect([pick(), pick(), pick(), pick()]).toEqual(['a_event', 'a_event', 'a_event', 'b_event']);
});

it.each([
  ['', /name at least one event/],
  ['Bad-Name:1', /is not an event name/],
  ['a_event:0', /must be a positive number/],
  ['a_event:x', /must be a positive number/],
])('refuses the mix %j', (text, message) => {
  expect(() => parseEventMix(text)).toThrow(message);
});
