#!/usr/bin/env node
// `npx rollout`: runs the TypeScript CLI through tsx, so there is no build step to forget.
require('tsx/cjs');
require('../client/main.ts');
