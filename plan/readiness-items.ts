// The global-readiness checklist of the rollout issue, as stable item ids with their wording.
export const READINESS_ITEMS = {
  milestone: 'A milestone is set on the rollout issue',
  'change-management': 'A change-management issue is linked, or none is needed',
  'oncall-2h': 'Someone from development is available for 2 hours after each production change',
  docs: 'Documentation is updated',
  announcement: 'The feature issue announces when the flag will be enabled on GitLab.com',
  'breaking-changes': 'Breaking changes are announced through the release post process',
  'support-notified': 'Support and the team channel are notified',
} as const;

export type ReadinessItem = keyof typeof READINESS_ITEMS;

export const READINESS_ITEM_IDS = Object.keys(READINESS_ITEMS) as ReadinessItem[];
