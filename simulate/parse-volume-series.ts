// Reads a per-second volume series from CSV (`epochSecond,count` lines) or JSON (`[{"t": …, "count": …}]`), naming the line of every problem.
import { readFileSync } from 'node:fs';
import { MAX_SERIES_SECONDS } from './volume-series';

/** A volume series file that cannot be used; the message names the file, the line and what is allowed. */
export class VolumeSeriesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The parsed series: one count per second from `firstSecond`, seconds the file leaves out are 0. */
export interface ParsedVolumeSeries {
  firstSecond: number;
  counts: number[];
}

/** Epoch seconds from here on are almost surely milliseconds (year 5138). */
const FIRST_IMPLAUSIBLE_SECOND = 100_000_000_000;
const CSV_HEADER = 'epochsecond,count';
const JSON_FIELDS = ['t', 'count'];

/** Reads the series at `path`: JSON when its first non-blank character is `[` or `{`, CSV otherwise. */
export function loadVolumeSeries(path: string): ParsedVolumeSeries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error);
    throw new VolumeSeriesError(`${path}: cannot read the volume series: ${why}`);
  }
  return parseVolumeSeries(text, path);
}

/** Parses a series; `source` (the file name) starts every error message. */
export function parseVolumeSeries(text: string, source: string): ParsedVolumeSeries {
  return /^[[{]/.test(text.trimStart()) ? parseJson(text, source) : parseCsv(text, source);
}

interface Point {
  second: number;
  count: number;
  line: number;
}

function parseCsv(text: string, source: string): ParsedVolumeSeries {
  const points: Point[] = [];
  let headerAllowed = true;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/\r$/, '').trim();
    if (content === '' || content.startsWith('#')) return;
    if (headerAllowed && content.replace(/\s+/g, '').toLowerCase() === CSV_HEADER) {
      headerAllowed = false;
      return;
    }
    headerAllowed = false;
    const fields = content.split(',').map((f) => f.trim());
    if (fields.length !== 2) {
      throw new VolumeSeriesError(`${source} line ${line}: expected 2 fields "epochSecond,count", found ${fields.length}: ${quote(content)}`);
    }
    const where = `${source} line ${line}`;
    points.push({ second: epochSecond(fields[0]!, where), count: eventCount(fields[1]!, where), line });
  });
  return assemble(points, source, 'no data lines; expected lines "epochSecond,count" (e.g. "1764583200,97"), an optional header line "epochSecond,count" and # comments');
}

function parseJson(text: string, source: string): ParsedVolumeSeries {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const where = position ? ` line ${lineAt(text, Number(position[1]))}` : '';
    throw new VolumeSeriesError(`${source}${where}: invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  if (!Array.isArray(value)) throw new VolumeSeriesError(`${source}: expected a JSON array of {"t": <epoch second>, "count": <events>}`);
  const lines = arrayElementLines(text);
  const points = value.map((entry: unknown, index): Point => {
    const line = lines[index] ?? 1;
    const where = `${source} line ${line} (entry ${index + 1})`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new VolumeSeriesError(`${where}: expected an object {"t": <epoch second>, "count": <events>}, got ${JSON.stringify(entry)}`);
    }
    const record = entry as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !JSON_FIELDS.includes(key));
    if (unknown.length > 0) throw new VolumeSeriesError(`${where}: unknown field ${quote(unknown[0]!)}; allowed: "t", "count"`);
    for (const field of JSON_FIELDS) if (!(field in record)) throw new VolumeSeriesError(`${where}: missing field "${field}"`);
    return { second: epochSecond(jsonNumber(record.t, where, 't'), where), count: eventCount(jsonNumber(record.count, where, 'count'), where), line };
  });
  return assemble(points, source, 'an empty array; expected [{"t": <epoch second>, "count": <events>}, …]');
}

function jsonNumber(value: unknown, where: string, field: string): string {
  if (typeof value !== 'number') throw new VolumeSeriesError(`${where}: "${field}" must be a number, got ${JSON.stringify(value)}`);
  return String(value);
}

function epochSecond(text: string, where: string): number {
  const second = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(second)) throw new VolumeSeriesError(`${where}: epoch second ${quote(text)} is not a whole number of seconds since 1970-01-01 UTC`);
  if (second >= FIRST_IMPLAUSIBLE_SECOND) throw new VolumeSeriesError(`${where}: epoch second ${text} looks like milliseconds; give whole seconds since 1970-01-01 UTC`);
  return second;
}

function eventCount(text: string, where: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(count)) throw new VolumeSeriesError(`${where}: count ${quote(text)} is not a whole number of events ≥ 0`);
  return count;
}

/** Checks order and span, and lays the points out one per second (missing seconds 0). */
function assemble(points: Point[], source: string, emptyProblem: string): ParsedVolumeSeries {
  if (points.length === 0) throw new VolumeSeriesError(`${source}: ${emptyProblem}`);
  for (let i = 1; i < points.length; i++) {
    const [before, point] = [points[i - 1]!, points[i]!];
    if (point.second <= before.second) {
      throw new VolumeSeriesError(`${source} line ${point.line}: second ${point.second} does not come after ${before.second} (line ${before.line}); seconds must increase`);
    }
  }
  const firstSecond = points[0]!.second;
  const last = points.at(-1)!;
  const span = last.second - firstSecond + 1;
  if (span > MAX_SERIES_SECONDS) {
    throw new VolumeSeriesError(
      `${source} line ${last.line}: the series spans ${span} seconds from ${firstSecond}; at most ${MAX_SERIES_SECONDS} (31 days) — repeat a shorter one with --loop`,
    );
  }
  const counts = new Array<number>(span).fill(0);
  for (const point of points) counts[point.second - firstSecond] = point.count;
  return { firstSecond, counts };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** The line each element of a valid JSON array starts on (the text has parsed already, so strings and nesting are well formed). */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (const char of text) {
    if (char === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') continue;
    if (depth === 1 && expectElement && char !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (char === ']' || char === '}') depth--;
    else if (char === ',' && depth === 1) expectElement = true;
  }
  return lines;
}
