// Makes a throwaway certificate authority with a server certificate (localhost, 127.0.0.1) and a client certificate, with openssl, for TLS tests.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files written by makeTestCertificates (keys are unencrypted PKCS#8). */
export interface TestCertificates {
  /** The CA that signed both certificates: what clients trust for the server and servers trust for clients. */
  caFile: string;
  /** Server certificate for DNS localhost and IP 127.0.0.1 (serverAuth). */
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate with CN `clientName` (clientAuth). */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface TestCertificateOptions {
  /** Common name of the CA, so two sets in one test can be told apart (default "rollout test CA"). */
  caName?: string;
  /** Common name of the client certificate (default "rollout-test-client"). */
  clientName?: string;
}

/**
 * Writes a fresh CA, server and client certificate into `dir` (created if missing). Every call makes a new CA, so a
 * second set is a "wrong CA" for the first. EC P-256 keys, valid from now for two days.
 */
export async function makeTestCertificates(dir: string, options: TestCertificateOptions = {}): Promise<TestCertificates> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const files: TestCertificates = {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc', '-days', '2'];
  await openssl([
    'req', '-x509', ...keyArgs, '-keyout', file('ca.key'), '-out', files.caFile,
    '-subj', `/CN=${options.caName ?? 'rollout test CA'}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const signed = (out: string, keyOut: string, subject: string, extensions: string[]) =>
    openssl([
      'req', '-x509', ...keyArgs, '-keyout', keyOut, '-out', out, '-subj', subject,
      '-CA', files.caFile, '-CAkey', file('ca.key'),
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);
  await signed(files.serverCertFile, files.serverKeyFile, '/CN=localhost', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth']);
  await signed(files.clientCertFile, files.clientKeyFile, `/CN=${options.clientName ?? 'rollout-test-client'}`, ['extendedKeyUsage=clientAuth']);
  return files;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${stderr.trim() || String(err)}`);
  }
}
