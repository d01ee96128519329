// The zod schema of public key text (for plans and keyrings): accepts what parsePublicKey accepts, yields `ed25519:<base64>`.
import { z } from 'zod';
import { parsePublicKey } from './parse-public-key';

export const publicKeySchema = z.string({ error: 'must be public key text' }).transform((text, ctx) => {
  const parsed = parsePublicKey(text);
  if (parsed.ok) return parsed.key;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});
