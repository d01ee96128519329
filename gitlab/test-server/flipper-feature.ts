// One Flipper feature as GitLab keeps it (Flipper's ActiveRecord adapter): the gates and what enable/disable do to them.
import type { GitLabFeature, GitLabFeatureGate } from '../gitlab-features-api';

/**
 * Flipper's rules, as GitLab runs them: enabling the boolean gate clears every other gate first, disabling it clears
 * every gate (the feature stays persisted), actor and group gates are sets, a percentage replaces the previous one.
 */
export class FlipperFeature {
  boolean = false;
  readonly actors = new Set<string>();
  readonly groups = new Set<string>();
  percentageOfActors = 0;
  percentageOfTime = 0;

  constructor(readonly name: string) {}

  enable(): void {
    this.clear();
    this.boolean = true;
  }

  /** `Feature.disable(name)`: every gate cleared. */
  clear(): void {
    this.boolean = false;
    this.actors.clear();
    this.groups.clear();
    this.percentageOfActors = 0;
    this.percentageOfTime = 0;
  }

  enableActor(flipperId: string): void {
    this.actors.add(flipperId);
  }

  disableActor(flipperId: string): void {
    this.actors.delete(flipperId);
  }

  enableGroup(name: string): void {
    this.groups.add(name);
  }

  disableGroup(name: string): void {
    this.groups.delete(name);
  }

  /** Flipper's state: `on` with the boolean gate or a percentage of time of 100, `conditional` with any other gate. */
  get state(): GitLabFeature['state'] {
    if (this.boolean || this.percentageOfTime === 100) return 'on';
    if (this.actors.size > 0 || this.groups.size > 0 || this.percentageOfActors > 0 || this.percentageOfTime > 0) return 'conditional';
    return 'off';
  }

  /** GitLab's `Entities::Feature`: gates at 0 and empty sets are left out; the boolean gate is always there. */
  toApi(): GitLabFeature {
    const gates: GitLabFeatureGate[] = [{ key: 'boolean', value: this.boolean }];
    if (this.actors.size > 0) gates.push({ key: 'actors', value: [...this.actors] });
    if (this.percentageOfActors > 0) gates.push({ key: 'percentage_of_actors', value: this.percentageOfActors });
    if (this.percentageOfTime > 0) gates.push({ key: 'percentage_of_time', value: this.percentageOfTime });
    if (this.groups.size > 0) gates.push({ key: 'groups', value: [...this.groups] });
    return { name: this.name, state: this.state, gates, definition: null };
  }
}
