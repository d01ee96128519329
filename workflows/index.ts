// The workflow bundle's entry: every workflow the worker registers.
export { rolloutWorkflow } from './rollout-workflow';
