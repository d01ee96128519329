// Reads the replay corpus: every recorded rollout history under test/histories (plain or gzipped protobuf JSON).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { temporal } from '@temporalio/proto';
import { HISTORIES_DIR } from './record-history';

export interface CorpusHistory {
  /** e.g. `v2/breach-in-soak`: the generation folder and the scenario. */
  name: string;
  history: temporal.api.history.v1.History;
}

export function readHistoryCorpus(dir = HISTORIES_DIR): CorpusHistory[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.json(\.gz)?$/.test(f)).sort();
  return files.map((file) => {
    const raw = readFileSync(join(dir, file));
    const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const name = relative(dir, join(dir, file)).replace(/\.json(\.gz)?$/, '');
    return { name, history: temporal.api.history.v1.History.fromObject(JSON.parse(text) as object) };
  });
}
