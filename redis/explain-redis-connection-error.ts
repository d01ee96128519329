// Says in words why a connection to Redis failed, with what to set when it is a TLS certificate problem.

/** Node's codes for a server certificate the client does not trust (tls.connect's checks). */
const UNTRUSTED_SERVER_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** Errors that say only that a connection broke, not why. */
export const BROKEN_CONNECTION = /ECONNRESET|EPIPE|Connection is closed/;

/** What the client sent: whether it spoke TLS, and with a client certificate. */
export interface RedisConnectionKind {
  tls: boolean;
  clientCertificate: boolean;
}

/**
 * The error's message, trimmed to OpenSSL's reason when it is an OpenSSL error line, with a hint when the server
 * demands or refuses the client certificate (REDIS_TLS_CERT_FILE/KEY_FILE) or the client does not trust the server's
 * certificate (REDIS_TLS_CA_FILE). A server that demands a client certificate may close the connection before its alert
 * is read: a broken TLS connection without a client certificate says so as a possibility.
 */
export function explainRedisConnectionError(error: Error & { code?: string }, kind: RedisConnectionKind): string {
  // "805C…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/…:SSL alert number 116"
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1];
  const message = reason ?? error.message.trim();
  if (/alert certificate required/i.test(message)) {
    return `${message}: the server demands a client certificate; set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE`;
  }
  if (/alert (unknown ca|bad certificate|certificate unknown|unsupported certificate)/i.test(message)) {
    return `${message}: the server refused the client certificate; give one signed by a CA the server trusts (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)`;
  }
  if (error.code !== undefined && UNTRUSTED_SERVER_CODES.has(error.code)) {
    return `${message}: the server's certificate is not signed by a trusted CA; set REDIS_TLS_CA_FILE to the CA that signed it`;
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || error.code === 'CERT_HAS_EXPIRED') return `${message}: the server's certificate does not fit (${error.code})`;
  if (kind.tls && !kind.clientCertificate && BROKEN_CONNECTION.test(message)) {
    return `${message}: the server closed the TLS connection; if it demands client certificates, set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE`;
  }
  return message;
}
