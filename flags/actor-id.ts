// Parses and formats the actor ids that flag actor gates hold: `project:<path>`, `group:<path>`, `user:<name>`.
import { InvalidFlagInput } from './invalid-flag-input';

export const ACTOR_TYPES = ['project', 'group', 'user'] as const;

export type ActorType = (typeof ACTOR_TYPES)[number];

export interface ActorId {
  type: ActorType;
  name: string;
}

const SEGMENT = '[A-Za-z0-9_.-]+';

export interface ActorNameRule {
  readonly pattern: RegExp;
  readonly description: string;
  readonly example: string;
}

/** What the name after `<type>:` must look like; the plan schema checks its project and group paths with these. */
export const ACTOR_NAME_RULES: Readonly<Record<ActorType, ActorNameRule>> = {
  project: {
    pattern: new RegExp(`^${SEGMENT}(?:/${SEGMENT})+$`),
    description: 'a path with at least one "/" (namespace/project)',
    example: 'project:gitlab-org/gitlab',
  },
  group: {
    pattern: new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`),
    description: 'one or more path segments separated by "/"',
    example: 'group:gitlab-org',
  },
  user: {
    pattern: new RegExp(`^${SEGMENT}$`),
    description: 'a single name without "/"',
    example: 'user:alice',
  },
};

/** The characters of each "/"-separated segment of an actor name. */
export const ACTOR_NAME_SEGMENT_CHARACTERS = 'letters, digits, "_", "." and "-"';

function isActorType(value: string): value is ActorType {
  return (ACTOR_TYPES as readonly string[]).includes(value);
}

/** Splits `<type>:<name>`; throws InvalidFlagInput naming the bad value and what is allowed. */
export function parseActorId(text: string): ActorId {
  if (typeof text !== 'string') {
    throw new InvalidFlagInput(`Invalid actor id ${String(text)}: expected a string like "project:gitlab-org/gitlab"`);
  }
  const colon = text.indexOf(':');
  const type = colon === -1 ? '' : text.slice(0, colon);
  if (!isActorType(type)) {
    throw new InvalidFlagInput(
      `Invalid actor id ${JSON.stringify(text)}: expected "<type>:<name>" with type ${ACTOR_TYPES.join(', ')} ` +
        `(e.g. ${ACTOR_TYPES.map((t) => ACTOR_NAME_RULES[t].example).join(', ')})`,
    );
  }
  const name = text.slice(colon + 1);
  checkName(type, name, text);
  return { type, name };
}

/** Builds `<type>:<name>`, validating the name with the same rules as parseActorId. */
export function formatActorId(type: ActorType, name: string): string {
  if (!isActorType(type)) {
    throw new InvalidFlagInput(`Invalid actor type ${JSON.stringify(type)}: expected one of ${ACTOR_TYPES.join(', ')}`);
  }
  const text = `${type}:${name}`;
  checkName(type, name, text);
  return text;
}

/** The actor ids of a plan's production actors: its projects, then its groups, then its users. */
export function productionActorIds(actors: { project: string[]; group: string[]; user: string[] }): string[] {
  return [
    ...actors.project.map((name) => formatActorId('project', name)),
    ...actors.group.map((name) => formatActorId('group', name)),
    ...actors.user.map((name) => formatActorId('user', name)),
  ];
}

function checkName(type: ActorType, name: string, text: string): void {
  const rule = ACTOR_NAME_RULES[type];
  if (typeof name !== 'string' || !rule.pattern.test(name)) {
    throw new InvalidFlagInput(
      `Invalid actor id ${JSON.stringify(text)}: a ${type} name must be ${rule.description}, ` +
        `each segment made of ${ACTOR_NAME_SEGMENT_CHARACTERS} (e.g. ${rule.example})`,
    );
  }
}
