// The custom search attributes a rollout keeps up to date, so Temporal's visibility (UI, CLI, `rollout list`, exclusive groups) can find it.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FLAG_NAME = defineSearchAttributeKey('FlagName', SearchAttributeType.KEYWORD);
export const ROLLOUT_STATE = defineSearchAttributeKey('RolloutState', SearchAttributeType.KEYWORD);
export const ROLLOUT_STAGE = defineSearchAttributeKey('RolloutStage', SearchAttributeType.KEYWORD);
/** The gate waiting for a decision, or "none". */
export const PENDING_GATE = defineSearchAttributeKey('PendingGate', SearchAttributeType.KEYWORD);
export const ROLLOUT_PERCENT = defineSearchAttributeKey('RolloutPercent', SearchAttributeType.INT);
export const REQUESTER = defineSearchAttributeKey('Requester', SearchAttributeType.KEYWORD);
/** The plan's `exclusive` group, set while the rollout holds it (a rollout waiting for the group does not have it yet). */
export const ROLLOUT_GROUP = defineSearchAttributeKey('RolloutGroup', SearchAttributeType.KEYWORD);

/** Every attribute with the type name that `temporal operator search-attribute create` and `--search-attribute` take. */
export const ROLLOUT_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: 'Keyword' | 'Int' }> = [
  { name: FLAG_NAME.name, type: 'Keyword' },
  { name: ROLLOUT_STATE.name, type: 'Keyword' },
  { name: ROLLOUT_STAGE.name, type: 'Keyword' },
  { name: PENDING_GATE.name, type: 'Keyword' },
  { name: ROLLOUT_PERCENT.name, type: 'Int' },
  { name: REQUESTER.name, type: 'Keyword' },
  { name: ROLLOUT_GROUP.name, type: 'Keyword' },
];

/** What PendingGate holds while no gate waits (Keyword attributes cannot be searched for "missing" in every store). */
export const NO_PENDING_GATE = 'none';
