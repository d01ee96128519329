// A PEM certificate or key given as a file path or inline data, read and checked with errors that name where it was set and never show a key.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Where a PEM comes from: `origin` names the setting for messages (an environment variable, a profile key, a flag). */
export type PemSource = { origin: string; file: string } | { origin: string; data: string };

/** The setting and, for a file, its path: `TEMPORAL_TLS_CLIENT_CERT_PATH=/certs/client.pem`. */
export function describePemSource(source: PemSource): string {
  return 'file' in source ? `${source.origin}=${source.file}` : `${source.origin} (inline PEM)`;
}

/** The PEM's bytes; an unreadable file is an error naming the setting and the file. */
export function readPem(source: PemSource): Buffer {
  if ('data' in source) return Buffer.from(source.data);
  try {
    return readFileSync(source.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new Error(`${describePemSource(source)}: cannot read it (${why})`);
  }
}

/** The certificate in the PEM (the first one of a bundle); an error naming the setting when there is none. */
export function readCertificate(source: PemSource): X509Certificate {
  const pem = readPem(source);
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${describePemSource(source)}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
}

/** The private key in the PEM; errors name the setting, never the key. */
export function readPrivateKey(source: PemSource): KeyObject {
  const pem = readPem(source);
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const encrypted = /passphrase|ENCRYPTED/i.test((err as Error).message) || pem.includes('ENCRYPTED');
    throw new Error(`${describePemSource(source)}: ${encrypted ? 'an encrypted private key (give an unencrypted PEM key)' : 'not a PEM private key'}`);
  }
}

/** Checks that the key belongs to the certificate; the error names both settings. */
export function checkKeyPair(cert: PemSource, key: PemSource): void {
  if (!readCertificate(cert).checkPrivateKey(readPrivateKey(key))) {
    throw new Error(`${describePemSource(key)} is not the private key of ${describePemSource(cert)}`);
  }
}
