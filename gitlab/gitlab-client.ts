// A small GitLab REST client on Node's fetch: PRIVATE-TOKEN auth, JSON, pagination, timeouts and careful retries.
import { GitLabApiError, gitLabErrorDetail, safeRequestPath } from './gitlab-api-error';
import { nextPageNumber, nextPageUrl } from './gitlab-pagination';
import { DEFAULT_GITLAB_RETRY_POLICY, retryDecision, type AttemptOutcome, type GitLabRetryPolicy } from './gitlab-retry-policy';

export interface GitLabClientOptions {
  /** The instance URL, e.g. `https://gitlab.com` or `https://example.com/gitlab` (the API is under `/api/v4`). */
  baseUrl: string;
  /** Secret: sent only in the PRIVATE-TOKEN header, never logged, never in an error. */
  token: string;
  /** Time for one attempt, answer body included. Default 5 s. */
  timeoutMs?: number;
  retry?: Partial<GitLabRetryPolicy>;
  /** Told about every attempt (for logs and the demo's list of calls); it never sees the token. */
  onAttempt?: (attempt: GitLabAttempt) => void;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface GitLabAttempt {
  method: string;
  path: string;
  attempt: number;
  /** HTTP status, or `null` when no answer arrived. */
  status: number | null;
  durationMs: number;
  /** The wait before the next attempt, when there is one. */
  retryInMs?: number;
}

/** Query values: arrays are sent as `key[]=a&key[]=b`, as GitLab's Grape API expects. */
export type GitLabQuery = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

export interface GitLabRequest {
  query?: GitLabQuery;
  /** Sent as JSON. */
  body?: Record<string, unknown>;
  /**
   * May the request be repeated after GitLab might have applied it (5xx, timeout, reset connection)? GET, PUT and
   * DELETE are; POST is not unless the caller says so (setting a feature gate is, creating a note is not).
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface GitLabResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class GitLabClient {
  /** The instance URL without a trailing slash. */
  readonly baseUrl: string;
  private readonly apiBase: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly policy: GitLabRetryPolicy;
  private readonly onAttempt?: (attempt: GitLabAttempt) => void;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GitLabClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiBase = `${this.baseUrl}/api/v4`;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.policy = { ...DEFAULT_GITLAB_RETRY_POLICY, ...options.retry };
    this.onAttempt = options.onAttempt;
    this.fetchImpl = options.fetch ?? fetch;
    if (!/^https?:\/\/[^/]+/.test(this.baseUrl)) throw new Error(`GitLab base URL must be an http(s):// URL, got ${JSON.stringify(options.baseUrl)}`);
    if (typeof this.token !== 'string' || this.token.length === 0) throw new Error('GitLab token must be a non-empty string');
  }

  get<T>(path: string, request: Omit<GitLabRequest, 'body'> = {}): Promise<GitLabResponse<T>> {
    return this.request<T>('GET', path, request);
  }

  post<T>(path: string, request: GitLabRequest = {}): Promise<GitLabResponse<T>> {
    return this.request<T>('POST', path, request);
  }

  delete<T = null>(path: string, request: Omit<GitLabRequest, 'body'> = {}): Promise<GitLabResponse<T>> {
    return this.request<T>('DELETE', path, request);
  }

  /** Every item of a paginated list, following `x-next-page` (or the Link header) up to `maxPages` pages. */
  async getAll<T>(path: string, request: Omit<GitLabRequest, 'body'> = {}, maxPages = 100): Promise<T[]> {
    const items: T[] = [];
    let query: GitLabQuery = { per_page: 100, ...request.query };
    let url = this.url(path, query);
    for (let page = 1; ; page++) {
      const response = await this.send<T[]>('GET', url, { ...request, query: undefined });
      if (!Array.isArray(response.data)) throw new Error(`GitLab GET ${safeRequestPath(this.relative(url))} did not answer with a list`);
      items.push(...response.data);
      const nextPage = nextPageNumber(response.headers);
      const nextLink = nextPage === null ? nextPageUrl(response.headers) : null;
      if (nextPage === null && nextLink === null) return items;
      if (page >= maxPages) throw new Error(`GitLab GET ${safeRequestPath(this.relative(url))} has more than ${maxPages} pages; narrow the query`);
      if (nextPage !== null) {
        query = { ...query, page: nextPage };
        url = this.url(path, query);
      } else if (nextLink !== null) {
        // Keyset pagination names the next page by link only; follow it only within this API, so the token stays here.
        if (!nextLink.startsWith(`${this.apiBase}/`)) throw new Error(`GitLab answered a next-page link outside ${this.apiBase}; not following it`);
        url = nextLink;
      }
    }
  }

  /** One request with retries; throws GitLabApiError for any answer that is not 2xx. */
  request<T>(method: string, path: string, request: GitLabRequest = {}): Promise<GitLabResponse<T>> {
    return this.send<T>(method, this.url(path, request.query), request);
  }

  private async send<T>(method: string, url: string, request: GitLabRequest): Promise<GitLabResponse<T>> {
    const idempotent = request.idempotent ?? method !== 'POST';
    const path = safeRequestPath(this.relative(url));
    const headers: Record<string, string> = { 'PRIVATE-TOKEN': this.token, Accept: 'application/json' };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
      let outcome: AttemptOutcome;
      let failure: { status: number | null; detail: string };
      try {
        const response = await this.fetchImpl(url, { method, headers, body, signal, redirect: 'error' });
        const text = await response.text();
        if (response.ok) {
          this.onAttempt?.({ method, path, attempt, status: response.status, durationMs: Date.now() - started });
          return { status: response.status, headers: response.headers, data: parseBody<T>(text, method, path) };
        }
        outcome = { kind: 'answer', status: response.status, retryAfter: response.headers.get('retry-after') };
        failure = { status: response.status, detail: gitLabErrorDetail(text, response.statusText) };
      } catch (err) {
        if (request.signal?.aborted) throw request.signal.reason ?? err;
        const { code, detail } = networkFailure(err, this.timeoutMs);
        outcome = { kind: 'network', sent: !NOT_SENT_CODES.has(code) };
        failure = { status: null, detail };
      }
      const decision = retryDecision(outcome, attempt, idempotent, this.policy);
      this.onAttempt?.({ method, path, attempt, status: failure.status, durationMs: Date.now() - started, ...(decision.retry ? { retryInMs: decision.delayMs } : {}) });
      if (!decision.retry) {
        const retryable = outcome.kind === 'network' || outcome.status === 429 || outcome.status >= 500;
        throw new GitLabApiError({ method, path, ...failure, retryable, attempts: attempt, ...(decision.retryAfterMs !== undefined ? { retryAfterMs: decision.retryAfterMs } : {}) });
      }
      await sleep(decision.delayMs, request.signal);
    }
  }

  private url(path: string, query: GitLabQuery | undefined): string {
    if (!path.startsWith('/')) throw new Error(`GitLab API paths start with "/", got ${JSON.stringify(path)}`);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value as readonly (string | number)[]) params.append(`${key}[]`, String(item));
      else params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.apiBase}${path}${search ? `?${search}` : ''}`;
  }

  private relative(url: string): string {
    return url.startsWith(this.baseUrl) ? url.slice(this.baseUrl.length) : url;
  }
}

/** `/projects/:id` with a numeric id or a full path, encoded as GitLab wants (`gitlab-org%2Fgitlab`). */
export function projectPath(project: string | number): string {
  if (typeof project === 'number') {
    if (!Number.isSafeInteger(project) || project <= 0) throw new Error(`Invalid GitLab project id ${project}: expected a positive integer`);
    return `/projects/${project}`;
  }
  if (typeof project !== 'string' || project.trim() === '') throw new Error(`Invalid GitLab project ${JSON.stringify(project)}: expected an id or a path like gitlab-org/gitlab`);
  return `/projects/${encodeURIComponent(project)}`;
}

function parseBody<T>(text: string, method: string, path: string): T {
  if (text.trim() === '') return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GitLabApiError({ method, path, status: 200, detail: `answer is not JSON: ${text.slice(0, 100)}`, retryable: false, attempts: 1 });
  }
}

function networkFailure(err: unknown, timeoutMs: number): { code: string; detail: string } {
  const error = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { code: 'ETIMEDOUT', detail: `no answer within ${timeoutMs} ms` };
  const code = error?.cause?.code ?? '';
  const detail = error?.cause?.message ?? error?.message ?? String(err);
  return { code, detail: code && !detail.includes(code) ? `${code}: ${detail}` : detail };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
