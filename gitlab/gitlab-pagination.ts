// Finds the next page of a GitLab list answer: the `x-next-page` header, else the `rel="next"` link.

/** The next page number, or `null` on the last page. Keyset-paginated answers name only a link: see nextPageUrl. */
export function nextPageNumber(headers: Headers): number | null {
  const next = headers.get('x-next-page')?.trim();
  if (next && /^\d+$/.test(next)) return Number(next);
  const link = nextPageUrl(headers);
  const page = link === null ? null : new URL(link).searchParams.get('page');
  return page !== null && /^\d+$/.test(page) ? Number(page) : null;
}

/** The `rel="next"` target of the Link header (RFC 8288), or `null`. */
export function nextPageUrl(headers: Headers): string | null {
  const link = headers.get('link');
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(match[2] ?? '')) return match[1] ?? null;
  }
  return null;
}
