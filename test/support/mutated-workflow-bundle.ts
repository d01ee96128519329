// Replay options for the workflow code with one piece of source changed: what someone might do without thinking of running rollouts.
import { resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type ReplayWorkerOptions } from '@temporalio/worker';
import { PAYLOAD_CONVERTER_PATH, ROLLOUT_WORKFLOW_OPTIONS, WORKFLOWS_PATH } from '../../worker/create-rollout-worker';

/** Bundles the workflows with `text` in `workflows/<file>` replaced by `replacement` (a webpack pre-loader does it). */
export async function mutatedWorkflowBundle(file: string, text: string, replacement: string): Promise<ReplayWorkerOptions> {
  const code = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
    webpackConfigHook: (config) => {
      config.module?.rules?.unshift({
        test: resolve(__dirname, '..', '..', 'workflows', file),
        enforce: 'pre',
        use: [{ loader: resolve(__dirname, 'replace-text-loader.js'), options: { text, replacement } }],
      });
      return config;
    },
  });
  return { workflowBundle: code, dataConverter: ROLLOUT_WORKFLOW_OPTIONS.dataConverter };
}
