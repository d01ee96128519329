#!/usr/bin/env node
// `rollout` / `npx rollout`: runs the compiled CLI (dist/, built by scripts/bootstrap.sh) when it matches the sources,
// else the TypeScript through tsx (slower to start, never stale) with a one-line note on stderr.
'use strict';
const { join } = require('node:path');
const { compiledCli } = require('./compiled-cli');

const cli = compiledCli(join(__dirname, '..'));
if (cli.fresh) {
  require(cli.main);
} else {
  process.stderr.write(`rollout: ${cli.reason}; running the TypeScript through tsx (slower; \`npm run bootstrap\` rebuilds dist/)\n`);
  require('tsx/cjs');
  require('../client/main.ts');
}
