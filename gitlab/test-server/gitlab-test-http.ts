// What the test server's endpoints share: the request they get, the reply they give, GitLab's errors and pagination.
import type { GitLabTestInstance } from './gitlab-test-instance';

export interface TokenOwner {
  username: string;
  admin: boolean;
}

export interface ApiRequest {
  method: string;
  /** The path after `/api/v4`, still URL-encoded (`/projects/gitlab-org%2Fgitlab/deployments`). */
  path: string;
  query: URLSearchParams;
  /** JSON or form parameters. */
  params: Record<string, unknown>;
  user: TokenOwner;
  instance: GitLabTestInstance;
  /** `http://127.0.0.1:<port>/<instance>/api/v4`, for pagination links. */
  apiUrl: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (request: ApiRequest, match: RegExpExecArray) => Reply;

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, ...(headers ? { headers } : {}) };
}

/** Grape's parameter errors: `400 {"error": "value is missing"}`. */
export function paramError(error: string): Reply {
  return json(400, { error });
}

/** GitLab's `bad_request!`: `400 {"message": "400 Bad request - <reason>"}`. */
export function badRequest(reason: string): Reply {
  return json(400, { message: `400 Bad request - ${reason}` });
}

/** GitLab's `not_found!(what)`: `404 {"message": "404 <what> Not Found"}`. */
export function notFound(what?: string): Reply {
  return json(404, { message: what ? `404 ${what} Not Found` : '404 Not found' });
}

/** A query value that must be one of `allowed` (Grape's `values:`); `undefined` when absent. */
export function oneOf<T extends string>(request: ApiRequest, name: string, allowed: readonly T[]): T | undefined | Reply {
  const value = request.query.get(name);
  if (value === null) return undefined;
  return (allowed as readonly string[]).includes(value) ? (value as T) : paramError(`${name} does not have a valid value`);
}

export function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'status' in value;
}

/**
 * One page of `items` with GitLab's offset pagination headers (`x-page`, `x-per-page`, `x-next-page`, `x-prev-page`,
 * `x-total`, `x-total-pages`, `Link`): `page` from 1, `per_page` 20 by default and 100 at most.
 */
export function paginate(request: ApiRequest, items: readonly unknown[]): Reply {
  const pageText = request.query.get('page') ?? '1';
  const perPageText = request.query.get('per_page') ?? '20';
  if (!/^-?\d+$/.test(pageText)) return paramError('page is invalid');
  if (!/^-?\d+$/.test(perPageText)) return paramError('per_page is invalid');
  const page = Math.max(1, Number(pageText));
  const perPageAsked = Number(perPageText);
  const perPage = perPageAsked < 1 ? 20 : Math.min(100, perPageAsked);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const link = (target: number) => {
    const query = new URLSearchParams(request.query);
    query.set('page', String(target));
    query.set('per_page', String(perPage));
    return `<${request.apiUrl}${request.path}?${query.toString()}>`;
  };
  const links = [
    ...(page < totalPages ? [`${link(page + 1)}; rel="next"`] : []),
    ...(page > 1 ? [`${link(page - 1)}; rel="prev"`] : []),
    `${link(1)}; rel="first"`,
    `${link(totalPages)}; rel="last"`,
  ];
  return json(200, items.slice((page - 1) * perPage, page * perPage), {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    'x-total': String(items.length),
    'x-total-pages': String(totalPages),
    link: links.join(', '),
  });
}
