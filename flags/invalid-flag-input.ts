// The error every flag module throws for bad input, named so activities can fail it without retrying.

/** Bad input (unknown environment, malformed actor id, out-of-range percentage…); retrying cannot fix it. */
export class InvalidFlagInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name; // activities match on 'InvalidFlagInput' (NON_RETRYABLE_ACTIVITY_ERRORS)
  }
}
