// Process entry of the `rollout` CLI: runs it on process.argv and exits with its code.
import { runCli } from './cli';

runCli(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
