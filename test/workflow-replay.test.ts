// Replays a recorded history of the rollout workflow, so a non-deterministic change to workflow code fails here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { installQuietRuntime } from './support/quiet-runtime';
import { ROLLOUT_WORKFLOW_OPTIONS } from '../worker/create-rollout-worker';

// Recorded by `npm run record-history` (the happy path of test/workflow-rollout.test.ts with the default plan).
const HISTORY_FILE = resolve(__dirname, 'histories', 'rollout-happy-path.json');

beforeAll(() => {
  installQuietRuntime();
});

it('replays the recorded happy-path history without non-determinism', async () => {
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(HISTORY_FILE, 'utf8')) as object);
  expect(history.events.length).toBeGreaterThan(100);
  await expect(Worker.runReplayHistory(ROLLOUT_WORKFLOW_OPTIONS, history, 'rollout-happy-path')).resolves.toBeUndefined();
});

it('detects a history that does not match the workflow code', async () => {
  const json = JSON.parse(readFileSync(HISTORY_FILE, 'utf8')) as { events: { activityTaskScheduledEventAttributes?: { activityType?: { name: string } } }[] };
  const scheduled = json.events.find((e) => e.activityTaskScheduledEventAttributes)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'someOtherActivity';
  const history = temporal.api.history.v1.History.fromObject(json);
  await expect(Worker.runReplayHistory(ROLLOUT_WORKFLOW_OPTIONS, history, 'tampered')).rejects.toThrow(/[Nn]ondeterminis/);
});
