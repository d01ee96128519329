// Why a Temporal connection failed, found by one TCP/TLS handshake: against a TLS proxy demanding client certificates, a plaintext HTTP/2 server and a closed port.
import { readFileSync } from 'node:fs';
import { createServer, type Http2Server } from 'node:http2';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnoseTemporalConnection } from '../config/diagnose-temporal-connection';
import { freePort } from '../stack/free-port';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';
import { startTlsProxy, type RunningTlsProxy } from './support/tls-proxy';

let certs: TestCertificates;
let other: TestCertificates;
let h2: Http2Server;
let h2Address: string;
let proxy: RunningTlsProxy;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-diagnosis-'));
  [certs, other] = await Promise.all([makeTestCertificates(join(dir, 'a')), makeTestCertificates(join(dir, 'b'), { caName: 'other CA' })]);
  // A plaintext HTTP/2 server stands in for Temporal's frontend: it sends its SETTINGS frame as soon as a client connects.
  h2 = createServer();
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  h2Address = `127.0.0.1:${(h2.address() as { port: number }).port}`;
  proxy = await startTlsProxy({ target: h2Address, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile });
});

afterAll(async () => {
  await proxy?.stop();
  await new Promise((resolve) => h2?.close(resolve));
});

const pem = (file: string) => readFileSync(file);
const clientPair = (set: TestCertificates) => ({ crt: pem(set.clientCertFile), key: pem(set.clientKeyFile) });

it('finds nothing wrong with the right settings, over TLS and in plaintext', async () => {
  expect(await diagnoseTemporalConnection({ address: proxy.address, tls: { serverRootCACertificate: pem(certs.caFile), clientCertPair: clientPair(certs) } })).toBeNull();
  expect(await diagnoseTemporalConnection({ address: h2Address })).toBeNull();
});

it('a closed port', async () => {
  const port = await freePort();
  expect(await diagnoseTemporalConnection({ address: `127.0.0.1:${port}` })).toBe(`connection refused by 127.0.0.1:${port}`);
});

it('no client certificate, or one the server does not trust', async () => {
  expect(await diagnoseTemporalConnection({ address: proxy.address, tls: { serverRootCACertificate: pem(certs.caFile) } })).toBe(
    'TLS: the server demands a client certificate (set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)',
  );
  expect(await diagnoseTemporalConnection({ address: proxy.address, tls: { serverRootCACertificate: pem(certs.caFile), clientCertPair: clientPair(other) } })).toMatch(
    /^TLS: the server closed the connection right after the handshake without a word \(it refuses this client's certificate/,
  );
});

it('a server certificate from an untrusted CA, or for another name', async () => {
  expect(await diagnoseTemporalConnection({ address: proxy.address, tls: { serverRootCACertificate: pem(other.caFile), clientCertPair: clientPair(certs) } })).toMatch(
    /^TLS: the server's certificate is not signed by a CA this client trusts \(.*; set TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA\)$/,
  );
  const tls = { serverRootCACertificate: pem(certs.caFile), clientCertPair: clientPair(certs), serverNameOverride: 'temporal.example' };
  expect(await diagnoseTemporalConnection({ address: proxy.address, tls })).toMatch(
    /^TLS: .*temporal\.example.* \(set TEMPORAL_TLS_SERVER_NAME to a name in the server's certificate\)$/,
  );
});

it('TLS against a plaintext server, and plaintext against a TLS server', async () => {
  expect(await diagnoseTemporalConnection({ address: h2Address, tls: {} })).toBe('TLS: the server does not speak TLS (set TEMPORAL_TLS=false, or check the address)');
  expect(await diagnoseTemporalConnection({ address: proxy.address })).toBe(
    'the server speaks TLS and this client does not (set TEMPORAL_TLS=true and the TEMPORAL_TLS_* certificates)',
  );
});
