// Says why a Temporal connection failed when the gRPC client only says "Failed to connect before the deadline": one TCP/TLS handshake with the same settings.
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type ConnectionOptions } from 'node:tls';
import { Socket } from 'node:net';
import type { TemporalConnectionOptions } from './temporal-connection-options';

/** How long the probe waits in all; after a TLS 1.3 handshake the server's verdict on the client certificate comes as an alert. */
const PROBE_MS = 3000;
const VERDICT_MS = 500;

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * A short reason for people (e.g. "the server demands a client certificate …"), or null when the probe finds nothing
 * wrong or cannot tell. Never throws.
 */
export async function diagnoseTemporalConnection(options: TemporalConnectionOptions): Promise<string | null> {
  const match = /^\[?(.+?)\]?:(\d+)$/.exec(options.address);
  if (!match?.[1] || !match[2]) return null;
  const host = match[1];
  const port = Number(match[2]);
  const tcp = await reachable(host, port);
  if (tcp !== null) return tcp;
  return options.tls ? probeTls(host, port, options.tls) : probePlaintext(host, port);
}

function reachable(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_MS, () => done(`no TCP connection to ${host}:${port} within ${PROBE_MS / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? `connection refused by ${host}:${port}` : `TCP: ${err.code ?? err.message}`));
    socket.connect(port, host, () => done(null));
  });
}

function probeTls(host: string, port: number, tls: NonNullable<TemporalConnectionOptions['tls']>): Promise<string | null> {
  const serverName = tls.serverNameOverride ?? host;
  const settings: ConnectionOptions = {
    host,
    port,
    ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
    ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
    ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
    ALPNProtocols: ['h2'],
    checkServerIdentity: (_name, cert) => checkServerIdentity(serverName, cert),
  };
  const closed = tls.clientCertPair
    ? "TLS: the server closed the connection right after the handshake without a word (it refuses this client's certificate, or nothing answers behind a TLS proxy)"
    : 'TLS: the server closed the connection right after the handshake without a word (it wants a client certificate, or nothing answers behind a TLS proxy)';
  return handshake(settings, closed, (err) => {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (UNTRUSTED.has(code)) return `TLS: the server's certificate is not signed by a CA this client trusts (${err.message}; set TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA)`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: ${err.message} (set TEMPORAL_TLS_SERVER_NAME to a name in the server's certificate)`;
    if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || /certificate required/i.test(err.message)) {
      return 'TLS: the server demands a client certificate (set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)';
    }
    if (/alert (unknown ca|bad certificate|certificate unknown|decrypt error|access denied)/i.test(err.message)) {
      return `TLS: the server refused this client's certificate (${tlsReason(err)})`;
    }
    if (/wrong version number|packet length too long|ECONNRESET/i.test(err.message + code)) return 'TLS: the server does not speak TLS (set TEMPORAL_TLS=false, or check the address)';
    return `TLS: ${tlsReason(err)}`;
  });
}

function probePlaintext(host: string, port: number): Promise<string | null> {
  // A server that completes a TLS handshake wants TLS; what it thinks of certificates does not matter here.
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    const done = (result: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(null), PROBE_MS);
    socket.once('secureConnect', () => done('the server speaks TLS and this client does not (set TEMPORAL_TLS=true and the TEMPORAL_TLS_* certificates)'));
    socket.once('error', () => done(null));
  });
}

/** Null when the server says something after the handshake (a gRPC server sends its HTTP/2 settings at once). */
function handshake(settings: ConnectionOptions, closedEarly: string, explain: (err: Error) => string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(settings);
    let verdict: NodeJS.Timeout | undefined;
    const done = (result: string | null) => {
      clearTimeout(timer);
      clearTimeout(verdict);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(null), PROBE_MS);
    socket.once('error', (err: Error) => done(explain(err)));
    let handshaken = false;
    socket.once('secureConnect', () => {
      // TLS 1.3: the server checks the client certificate after the client's side of the handshake is done.
      handshaken = true;
      verdict = setTimeout(() => done(null), VERDICT_MS);
    });
    socket.once('data', () => done(null));
    socket.once('close', () => done(handshaken ? closedEarly : null));
    socket.resume();
  });
}

function tlsReason(err: Error): string {
  return (err as { reason?: string }).reason ?? err.message.split('\n')[0] ?? String(err);
}
