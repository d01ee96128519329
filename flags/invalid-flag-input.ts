// The error every flag module throws for bad input, named so activities can fail it without retrying.

/** The error type name activities fail with for bad flag input; workflows list it as non-retryable. */
export const INVALID_FLAG_INPUT = 'InvalidFlagInput';

/** Bad input (unknown environment, malformed actor id, out-of-range percentage…); retrying cannot fix it. */
export class InvalidFlagInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name; // equals INVALID_FLAG_INPUT
  }
}
