// The one error the GitLab client throws: which request failed, how GitLab answered and whether retrying may help.

export interface GitLabApiErrorDetails {
  method: string;
  /** The API path and query, e.g. `/api/v4/features/my_flag`; never holds a token (the client sends it in a header). */
  path: string;
  /** GitLab's HTTP status, or `null` when no answer arrived (timeout, connection refused or reset). */
  status: number | null;
  /** GitLab's own words: the `message` (or Grape's `error`) field of the answer, or the cause of a network failure. */
  detail: string;
  /** True when a later attempt may succeed (5xx, 429, network); the client already retried as far as it may. */
  retryable: boolean;
  /** Attempts made, this one included. */
  attempts: number;
  /** For 429/503: what GitLab's Retry-After asked for, in milliseconds. */
  retryAfterMs?: number;
}

/** A GitLab REST request that failed: `GitLab POST /api/v4/features/x answered 400: value is missing`. */
export class GitLabApiError extends Error implements GitLabApiErrorDetails {
  readonly method: string;
  readonly path: string;
  readonly status: number | null;
  readonly detail: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(details: GitLabApiErrorDetails) {
    const answer = details.status === null ? 'got no answer' : `answered ${details.status}`;
    const tries = details.attempts > 1 ? ` (after ${details.attempts} attempts)` : '';
    const wait = details.retryAfterMs !== undefined ? `; Retry-After ${Math.ceil(details.retryAfterMs / 1000)} s` : '';
    super(`GitLab ${details.method} ${details.path} ${answer}: ${details.detail}${wait}${tries}`);
    this.name = this.constructor.name;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.detail = details.detail;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** Reads GitLab's explanation from an error body: `{"message": …}`, Grape's `{"error": …}`, or the text itself. */
export function gitLabErrorDetail(body: string, statusText: string): string {
  const text = body.trim();
  if (text === '') return statusText || 'no details';
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const { message, error, error_description: description } = parsed as Record<string, unknown>;
      const said = message ?? error ?? description;
      if (said !== undefined) return typeof said === 'string' ? said : JSON.stringify(said);
    }
  } catch {
    // Not JSON (Rack::Attack answers 429 with "Retry later"): the text is the detail.
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A path fit for errors and logs: query parameters that could carry a credential are masked. */
export function safeRequestPath(pathAndQuery: string): string {
  return pathAndQuery.replace(/([?&](?:private_token|access_token|job_token|token)=)[^&]*/gi, '$1***');
}
