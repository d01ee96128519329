// In a real chromium: the Temporal Web UI finds a rollout by its FlagName search attribute and shows its current details (checklist, gate, deadline, commands).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { RolloutClient } from '../client/rollout-client';
import { parsePlan } from '../plan/parse-plan';
import type { RolloutPlan } from '../plan/rollout-plan';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { rolloutWorkflowId, type RolloutStatus } from '../workflows/rollout-status';
import { pollUntil } from './support/eventually';
import { launchChromium } from './support/launch-chromium';
import { isWhollyShown, placeOfText } from './support/text-shown-in-frame';

/** Screenshots of what the browser showed, to look at after a run (.tools/ is never committed). */
const SCREENSHOTS = resolve(__dirname, '..', '.tools', 'ui-screenshots');
const FLAG = 'ui_browser_checked_flag';
const OTHER_FLAG = 'ui_browser_other_flag';
/** A common desktop size. At 1400 px wide the UI's Current Details column is too narrow for the decision commands: their ends are cut off. */
const VIEWPORT = { width: 1400, height: 1000 }; // a laptop screen: the details column is at its narrowest here
/** Each wait for the UI: it loads data asynchronously, so we wait for what it renders, never for a fixed time. */
const UI_WAIT_MS = 30_000;

let stack: EmbeddedStack;
let connection: Connection;
let client: Client;
let browser: Browser;
let page: Page;
let status: RolloutStatus;

function keylessPlan(flag: string): RolloutPlan {
  return parsePlan({ flag, requester: 'carol', approvalTimeout: '30m', signing: { mode: 'keyless' } });
}

async function untilAtStagingQa(rollouts: RolloutClient, flag: string): Promise<RolloutStatus> {
  const seen = await pollUntil(() => rollouts.status(flag), (s) => s.pendingGate === 'staging-qa', { what: `${flag} waiting at staging-qa`, timeoutMs: 30_000, intervalMs: 100 });
  return seen.value;
}

/** Waits until visibility lists `flag`'s rollout by its FlagName, so the UI's first load of the list already has it. */
async function untilListed(flag: string): Promise<void> {
  const count = () => client.workflow.count(`FlagName = "${flag}"`).then((c) => c.count);
  await pollUntil(count, (n) => n === 1, { what: `${flag} in visibility`, timeoutMs: 30_000, intervalMs: 100 });
}

const workflowsUrl = (query?: string) =>
  `${stack.uiUrl}/namespaces/${stack.config.temporal.namespace}/workflows${query ? `?query=${encodeURIComponent(query)}` : ''}`;
const shot = (name: string) => page.screenshot({ path: resolve(SCREENSHOTS, name), fullPage: true });

beforeAll(async () => {
  installQuietRuntime();
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startEmbeddedStack({ ui: true });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
  const rollouts = new RolloutClient(client, stack.config.temporal.taskQueue);
  await rollouts.start(keylessPlan(FLAG));
  await rollouts.start(keylessPlan(OTHER_FLAG));
  status = await untilAtStagingQa(rollouts, FLAG);
  await untilAtStagingQa(rollouts, OTHER_FLAG);
  await untilListed(FLAG);
  await untilListed(OTHER_FLAG);
  // The dev server reports healthy before its UI answers.
  await pollUntil(() => fetch(stack.uiUrl!).then((r) => r.ok, () => false), (ok) => ok, { what: 'the Temporal UI', timeoutMs: 30_000, intervalMs: 200 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(UI_WAIT_MS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  await stack?.stop();
});

describe('Temporal Web UI in chromium', () => {
  it('lists the rollout, and only it, for the query FlagName="<flag>" given in the URL', async () => {
    const ours = rolloutWorkflowId(FLAG);
    const other = rolloutWorkflowId(OTHER_FLAG);
    // Unfiltered, both rollouts are there: so the filtered list below leaves one out because of the query.
    await page.goto(workflowsUrl());
    await page.getByRole('link', { name: other, exact: true }).waitFor();
    await page.getByRole('link', { name: ours, exact: true }).waitFor();

    await page.goto(workflowsUrl(`FlagName="${FLAG}"`));
    await page.getByRole('link', { name: ours, exact: true }).waitFor();
    await page.getByText(`FlagName = "${FLAG}"`).waitFor(); // the UI shows the query as a filter it understood
    await shot('workflow-list-by-flag.png');
    expect(await page.getByRole('link', { name: other, exact: true }).count()).toBe(0);
    expect(await page.getByRole('row').filter({ hasText: ours }).innerText()).toMatch(/Running/i);
  });

  it("shows the rollout's current details: checklist, pending gate, its UTC deadline and the command to approve it", async () => {
    await page.goto(workflowsUrl(`FlagName="${FLAG}"`));
    await page.getByRole('link', { name: rolloutWorkflowId(FLAG), exact: true }).click();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.getByRole('heading', { name: 'Current Details' }).waitFor();
    const details = page.frameLocator('iframe#user-metadata-current-details');
    // Written out here rather than computed with the workflow's helpers: this is the text a person should read.
    const deadline = `${new Date(status.gateDeadline!).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    const gateLine = `Waiting for a decision on staging-qa until ${deadline} (then it rolls back)`;
    await details.getByText(gateLine).waitFor();
    await shot('rollout-current-details.png');
    await page.locator('iframe#user-metadata-current-details').screenshot({ path: resolve(SCREENSHOTS, 'rollout-current-details-frame.png') });

    // Markdown rendered: the flag and gate in bold, the stages as a list, the commands as a code block.
    expect(await details.locator('strong').first().innerText()).toBe(FLAG);
    const checklist = (await details.locator('li').allInnerTexts()).map((line) => line.trim());
    expect(checklist).toEqual([
      expect.stringMatching(/^✓ non-production \(dev, staging, staging-ref\) — enabled globally, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
      '▶ staging-qa',
      '○ production-actors',
      '○ production-qa',
      '○ global-readiness',
      '○ ramp (1 → 10 → 25 → 50 → 75 → 100 % of actors, soak 15m)',
      '○ global',
      '○ verification (24h)',
    ]);
    // One option per line, so the commands fit the UI's narrow details column.
    const approve = [`rollout approve ${FLAG} \\`, '    --gate staging-qa \\', '    --by <you> \\', '    --comment "…"'];
    const reject = [`rollout reject ${FLAG} \\`, '    --gate staging-qa \\', '    --by <you> \\', '    --reason "…"'];
    expect(await details.locator('pre code').innerText()).toBe(`${[...approve, ...reject].join('\n')}\n`);

    // What a person sees: each piece painted inside the frame, not cut off at its edge.
    for (const text of [`gate staging-qa`, '▶ staging-qa', '✓ non-production', gateLine, ...approve, ...reject]) {
      const place = await placeOfText(details, text);
      expect({ text, where: isWhollyShown(place) ? 'inside the frame' : place }).toEqual({ text, where: 'inside the frame' });
    }
  });
});
