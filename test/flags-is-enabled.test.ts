// isEnabled: a flag is on when any of its gates opens; an absent flag is off.
import { emptyGates, type FlagGates } from '../flags/flag-gates';
import { isEnabled } from '../flags/is-enabled';

const FLAG = 'route_hll_to_snowplow_phase3';
const gates = (overrides: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...overrides });
const never = () => {
  throw new Error('random() must not be drawn');
};

describe('isEnabled', () => {
  it('is off for an absent flag and for a present flag without gates', () => {
    expect(isEnabled(FLAG, null, 'user:alice', () => 0)).toBe(false);
    expect(isEnabled(FLAG, emptyGates(), 'user:alice', never)).toBe(false);
  });

  it('opens the boolean gate for everyone, with or without an actor', () => {
    expect(isEnabled(FLAG, gates({ boolean: true }))).toBe(true);
    expect(isEnabled(FLAG, gates({ boolean: true }), 'user:alice')).toBe(true);
  });

  it('opens an actor gate only for that actor', () => {
    const g = gates({ actors: ['group:gitlab-org', 'project:gitlab-org/gitlab'] });
    expect(isEnabled(FLAG, g, 'project:gitlab-org/gitlab', never)).toBe(true);
    expect(isEnabled(FLAG, g, 'project:gitlab-org/gitlab-foss', never)).toBe(false);
    expect(isEnabled(FLAG, g, undefined, never)).toBe(false);
  });

  it('opens percentage of actors by the actor bucket, and never without an actor', () => {
    // Buckets (python zlib.crc32(flag + actor) % 100000): project:gitlab-org/gitlab 36167, group:gitlab-com 11715.
    const g = gates({ percentageOfActors: 25 });
    expect(isEnabled(FLAG, g, 'group:gitlab-com', never)).toBe(true);
    expect(isEnabled(FLAG, g, 'project:gitlab-org/gitlab', never)).toBe(false);
    expect(isEnabled(FLAG, g, undefined, never)).toBe(false);
  });

  it('opens percentage of time when random() < percentage / 100', () => {
    const g = gates({ percentageOfTime: 10 });
    expect(isEnabled(FLAG, g, undefined, () => 0.0999)).toBe(true);
    expect(isEnabled(FLAG, g, undefined, () => 0.1)).toBe(false);
    expect(isEnabled(FLAG, gates({ percentageOfTime: 0 }), undefined, () => 0)).toBe(false);
    expect(isEnabled(FLAG, gates({ percentageOfTime: 100 }), undefined, () => 0.999999)).toBe(true);
  });

  it('is on when any one gate opens', () => {
    const g = gates({ actors: ['user:alice'], percentageOfActors: 25, percentageOfTime: 10 });
    expect(isEnabled(FLAG, g, 'user:alice', never)).toBe(true); // actor gate
    expect(isEnabled(FLAG, g, 'group:gitlab-com', never)).toBe(true); // percentage of actors
    expect(isEnabled(FLAG, g, 'project:gitlab-org/gitlab', () => 0.05)).toBe(true); // percentage of time
    expect(isEnabled(FLAG, g, 'project:gitlab-org/gitlab', () => 0.5)).toBe(false); // none
  });

  it('opens a group gate only for an actor the caller says is a member of that group', () => {
    const g = gates({ groups: ['gitlab_team_members'] });
    expect(isEnabled(FLAG, g, { id: 'user:alice', groups: ['gitlab_team_members'] }, never)).toBe(true);
    expect(isEnabled(FLAG, g, { groups: ['gitlab_team_members'] }, never)).toBe(true); // membership alone is enough
    expect(isEnabled(FLAG, g, { id: 'user:alice', groups: ['other_group'] }, never)).toBe(false);
    // The store cannot know membership: an actor given by id only is in no group.
    expect(isEnabled(FLAG, g, 'user:alice', never)).toBe(false);
    expect(isEnabled(FLAG, g, { id: 'user:alice' }, never)).toBe(false);
    expect(isEnabled(FLAG, g, undefined, never)).toBe(false);
  });

  it('checks the actor and percentage gates for an actor given with its groups', () => {
    const g = gates({ actors: ['Project:278964'], groups: ['gitlab_team_members'], percentageOfActors: 25 });
    expect(isEnabled(FLAG, g, { id: 'Project:278964', groups: [] }, never)).toBe(true); // actor gate
    expect(isEnabled(FLAG, g, { id: 'group:gitlab-com', groups: [] }, never)).toBe(true); // percentage of actors
    expect(isEnabled(FLAG, g, { id: 'project:gitlab-org/gitlab', groups: [] }, never)).toBe(false);
  });

  it('reads gates recorded before the group gate existed (no groups field) as having none', () => {
    const recorded = { boolean: null, actors: ['user:alice'], percentageOfActors: null, percentageOfTime: null };
    expect(isEnabled(FLAG, recorded, { id: 'user:bob', groups: ['gitlab_team_members'] }, never)).toBe(false);
    expect(isEnabled(FLAG, recorded, 'user:alice', never)).toBe(true);
  });

  it('uses Math.random by default', () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.01);
    try {
      expect(isEnabled(FLAG, gates({ percentageOfTime: 5 }))).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
