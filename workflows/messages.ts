// The rollout's message contract: signal, update and query definitions the client imports without workflow code.
//
// approve, reject, abort, pause and resume exist twice with the same name: as signals (the Temporal UI's "Send a Signal" and
// `temporal workflow signal`; a refused signal is recorded in the status) and as updates (the CLI: a validator
// refuses bad ones before they reach history, and the sender gets a synchronous answer). Both go through one check.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AbortRequest, Approval, CleanupRequest, MessageKind, PauseRequest, Rejection } from './message-schemas';
import type { GateName, RolloutState, RolloutStatus, Stage } from './rollout-status';

export type { AbortRequest, Approval, MessageKind, PauseRequest, Rejection } from './message-schemas';

/** An update's answer once the workflow has taken the message (a refused one fails the update with the reason). */
export interface MessageAccepted {
  message: MessageKind;
  gate: GateName | null;
  by: string;
  /** Workflow time at which the message was taken (ISO 8601). */
  at: string;
  state: RolloutState;
  stage: Stage;
}

export const approve = defineSignal<[Approval]>('approve');
export const reject = defineSignal<[Rejection]>('reject');
export const abort = defineSignal<[AbortRequest]>('abort');
export const pause = defineSignal<[PauseRequest]>('pause');
export const resume = defineSignal<[PauseRequest]>('resume');
export const cleanup = defineSignal<[CleanupRequest]>('cleanup');

export const approveUpdate = defineUpdate<MessageAccepted, [Approval]>('approve');
export const rejectUpdate = defineUpdate<MessageAccepted, [Rejection]>('reject');
export const abortUpdate = defineUpdate<MessageAccepted, [AbortRequest]>('abort');
export const pauseUpdate = defineUpdate<MessageAccepted, [PauseRequest]>('pause');
export const resumeUpdate = defineUpdate<MessageAccepted, [PauseRequest]>('resume');
export const cleanupUpdate = defineUpdate<MessageAccepted, [CleanupRequest]>('cleanup');

export const status = defineQuery<RolloutStatus>('status');

export const SIGNALS = { approve, reject, abort, pause, resume, cleanup } as const;
export const UPDATES = { approve: approveUpdate, reject: rejectUpdate, abort: abortUpdate, pause: pauseUpdate, resume: resumeUpdate, cleanup: cleanupUpdate } as const;
