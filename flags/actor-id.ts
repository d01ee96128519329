// The one definition of the actor ids flag actor gates hold: our path form and GitLab's flipper_id form.
import { InvalidFlagInput } from './invalid-flag-input';

/** The actor types of GitLab's Features API (`project`, `group`, `user`, `namespace`, `repository` parameters). */
export const ACTOR_TYPES = ['project', 'group', 'user', 'namespace', 'repository'] as const;

export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * How an actor id is spelt. `path`: `<type>:<path>` with a lowercase type, e.g. `project:gitlab-org/gitlab` (what
 * plans, `feature set --project=…` and the tracking path use). `gitlab`: GitLab's own `flipper_id`, the model's class
 * name and its id, e.g. `Project:278964` — what a GitLab instance writes and checks. The two never match each other:
 * an actor gate opens only for the exact string.
 */
export type ActorIdForm = 'path' | 'gitlab';

export interface ActorId {
  type: ActorType;
  form: ActorIdForm;
  /** The path (path form) or GitLab's id (gitlab form: a record id, or a repository's relative path). */
  name: string;
}

export interface ActorNameRule {
  readonly pattern: RegExp;
  readonly description: string;
  readonly example: string;
}

// GitLab's path segment (Gitlab::PathRegex): letters, digits, "_", "." and "-", not starting with "-" and not ending
// with "." (so "..", "." and "-x" are refused), or a single letter, digit or "_".
const SEGMENT = '(?:[A-Za-z0-9_.][A-Za-z0-9_.-]*[A-Za-z0-9_-]|[A-Za-z0-9_])';
// A segment of a repository's relative path on Gitaly may start with "@" (`@hashed/…`, `@snippets/…`).
const STORAGE_SEGMENT = `@?${SEGMENT}`;
const ENDS_IN_GIT = '(?=.*\\.git$)';

/** The characters of each "/"-separated segment of an actor path. */
export const ACTOR_NAME_SEGMENT_CHARACTERS =
  'letters, digits, "_", "." and "-", not starting with "-" or ending with "." (as GitLab paths)';

/** What the path after `<type>:` must look like (path form); the plan schema checks its project and group paths with these. */
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
  namespace: {
    pattern: new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`),
    description: 'a group or user namespace path: one or more path segments separated by "/"',
    example: 'namespace:gitlab-org',
  },
  repository: {
    pattern: new RegExp(`^${ENDS_IN_GIT}${SEGMENT}(?:/${SEGMENT})+$`),
    description: 'a repository path with at least one "/" ending in ".git" (a project, wiki or snippet repository)',
    example: 'repository:gitlab-org/gitlab.git',
  },
};

/** GitLab's model class for each actor type: the part before ":" of its `flipper_id`. */
export const GITLAB_ACTOR_CLASSES: Readonly<Record<ActorType, string>> = {
  project: 'Project',
  group: 'Group',
  user: 'User',
  namespace: 'Namespace',
  repository: 'Repository',
};

const RECORD_ID: Omit<ActorNameRule, 'example'> = {
  pattern: /^[1-9][0-9]{0,18}$/,
  description: 'a positive integer record id',
};

/** What the id after `<Class>:` must look like (GitLab's `flipper_id`: `"#{self.class.name}:#{id}"`). */
export const GITLAB_ACTOR_ID_RULES: Readonly<Record<ActorType, ActorNameRule>> = {
  project: { ...RECORD_ID, example: 'Project:278964' },
  group: { ...RECORD_ID, example: 'Group:9970' },
  user: { ...RECORD_ID, example: 'User:1' },
  namespace: { ...RECORD_ID, example: 'Namespace:9970' },
  repository: {
    // A Repository's flipper_id is its relative path on Gitaly, e.g. `@hashed/6b/86/6b86….git` (hashed storage).
    pattern: new RegExp(`^${ENDS_IN_GIT}${STORAGE_SEGMENT}(?:/${STORAGE_SEGMENT})+$`),
    description: 'the repository\'s relative path on Gitaly, with at least one "/" and ending in ".git"',
    example: 'Repository:@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git',
  },
};

const ACCEPTED =
  `expected "<type>:<path>" with type ${ACTOR_TYPES.join(', ')} ` +
  `(e.g. ${ACTOR_TYPES.map((t) => ACTOR_NAME_RULES[t].example).join(', ')}) ` +
  `or GitLab's flipper_id "<Class>:<id>" with class ${ACTOR_TYPES.map((t) => GITLAB_ACTOR_CLASSES[t]).join(', ')} ` +
  `(e.g. ${(['project', 'group', 'user'] as const).map((t) => GITLAB_ACTOR_ID_RULES[t].example).join(', ')})`;

export function isActorType(value: string): value is ActorType {
  return (ACTOR_TYPES as readonly string[]).includes(value);
}

function gitlabActorType(className: string): ActorType | undefined {
  return ACTOR_TYPES.find((type) => GITLAB_ACTOR_CLASSES[type] === className);
}

/** Splits an actor id in either form; throws InvalidFlagInput naming the bad value and what is allowed. */
export function parseActorId(text: string): ActorId {
  if (typeof text !== 'string') {
    throw new InvalidFlagInput(`Invalid actor id ${String(text)}: expected a string like "project:gitlab-org/gitlab" or "Project:278964"`);
  }
  const colon = text.indexOf(':');
  const head = colon === -1 ? '' : text.slice(0, colon);
  const name = text.slice(colon + 1);
  if (isActorType(head)) {
    checkName(head, 'path', name, text);
    return { type: head, form: 'path', name };
  }
  const gitlabType = gitlabActorType(head);
  if (gitlabType !== undefined) {
    checkName(gitlabType, 'gitlab', name, text);
    return { type: gitlabType, form: 'gitlab', name };
  }
  throw new InvalidFlagInput(`Invalid actor id ${JSON.stringify(text)}: ${ACCEPTED}`);
}

/** True when `text` is an actor id in either form. */
export function isActorId(text: unknown): text is string {
  try {
    parseActorId(text as string);
    return true;
  } catch {
    return false;
  }
}

/** Builds the path form `<type>:<path>`, validating the path with the same rules as parseActorId. */
export function formatActorId(type: ActorType, name: string): string {
  checkType(type);
  const text = `${type}:${name}`;
  checkName(type, 'path', name, text);
  return text;
}

/** Builds GitLab's flipper_id `<Class>:<id>`, e.g. `formatGitLabActorId('project', 278964)` is `Project:278964`. */
export function formatGitLabActorId(type: ActorType, id: string | number): string {
  checkType(type);
  const name = String(id);
  const text = `${GITLAB_ACTOR_CLASSES[type]}:${name}`;
  checkName(type, 'gitlab', name, text);
  return text;
}

/** The actor ids of a plan's production actors: its projects, groups, users, then namespaces and repositories. */
export function productionActorIds(actors: {
  project: string[];
  group: string[];
  user: string[];
  namespace?: string[];
  repository?: string[];
}): string[] {
  return [
    ...actors.project.map((name) => formatActorId('project', name)),
    ...actors.group.map((name) => formatActorId('group', name)),
    ...actors.user.map((name) => formatActorId('user', name)),
    ...(actors.namespace ?? []).map((name) => formatActorId('namespace', name)),
    ...(actors.repository ?? []).map((name) => formatActorId('repository', name)),
  ];
}

function checkType(type: ActorType): void {
  if (!isActorType(type)) {
    throw new InvalidFlagInput(`Invalid actor type ${JSON.stringify(type)}: expected one of ${ACTOR_TYPES.join(', ')}`);
  }
}

function checkName(type: ActorType, form: ActorIdForm, name: string, text: string): void {
  if (form === 'path') {
    const rule = ACTOR_NAME_RULES[type];
    if (typeof name === 'string' && rule.pattern.test(name)) return;
    throw new InvalidFlagInput(
      `Invalid actor id ${JSON.stringify(text)}: a ${type} name must be ${rule.description}, ` +
        `each segment made of ${ACTOR_NAME_SEGMENT_CHARACTERS} (e.g. ${rule.example})`,
    );
  }
  const rule = GITLAB_ACTOR_ID_RULES[type];
  if (typeof name === 'string' && rule.pattern.test(name)) return;
  throw new InvalidFlagInput(
    `Invalid actor id ${JSON.stringify(text)}: after "${GITLAB_ACTOR_CLASSES[type]}:" GitLab's flipper_id has ${rule.description} ` +
      `(e.g. ${rule.example})`,
  );
}
