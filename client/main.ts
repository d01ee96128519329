// Process entry of the `rollout` CLI: runs it on process.argv and exits with its code.
import { runCli } from './cli';

// Over TLS to an IP address, grpc-js sends the IP as the TLS server name and Node warns about it (DEP0123) on every
// run; the certificate is still checked against the IP. Every other warning is printed as Node prints it.
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'DEP0123') process.stderr.write(`(node:${process.pid}) ${warning.code ? `[${warning.code}] ` : ''}${warning.name}: ${warning.message}\n`);
});

runCli(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
