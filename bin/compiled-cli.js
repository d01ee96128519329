// Whether the compiled CLI in dist/ (built by scripts/bootstrap.sh) matches the TypeScript sources, by file times.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

/** Written by scripts/bootstrap.sh after a clean build; its time is when that build started. */
const STAMP = '.build-stamp';
/** Files that change what the build emits besides the sources themselves. */
const BUILD_CONFIG = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * The compiled entry point when dist/ is up to date: a stamp from a clean build, and no source of an emitted file
 * (nor the tsconfigs) changed since that build started. Otherwise why not, in a few words. Costs a stat per emitted
 * file (a few milliseconds), so `rollout` can check on every run.
 */
function compiledCli(root) {
  const dist = join(root, 'dist');
  const main = join(dist, 'client', 'main.js');
  const stamp = statSync(join(dist, STAMP), { throwIfNoEntry: false });
  if (!stamp || !statSync(main, { throwIfNoEntry: false })) return { fresh: false, reason: 'dist/ has not been built' };
  const changed = (file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) > stamp.mtimeMs;
  for (const file of BUILD_CONFIG) if (changed(join(root, file))) return { fresh: false, reason: `${file} changed since dist/ was built` };
  const newer = newerSource(dist, dist, root, changed);
  if (newer) return { fresh: false, reason: `${newer} changed since dist/ was built` };
  return { fresh: true, main };
}

/** The first source (relative to root) of a .js file under `dir` that changed; sources since deleted are no matter. */
function newerSource(dir, dist, root, changed) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newerSource(path, dist, root, changed);
      if (found) return found;
    } else if (entry.name.endsWith('.js')) {
      const source = join(root, relative(dist, path)).replace(/\.js$/, '.ts');
      if (changed(source)) return relative(root, source);
    }
  }
  return null;
}

module.exports = { compiledCli, STAMP };

// `node bin/compiled-cli.js` (the bootstrap): exit 0 when dist/ is up to date, else 1 with the reason on stdout.
if (require.main === module) {
  const state = compiledCli(join(__dirname, '..'));
  if (!state.fresh) console.log(state.reason);
  process.exitCode = state.fresh ? 0 : 1;
}
