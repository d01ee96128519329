// The error for a key file, key directory or keyring that cannot be used: it names the file and what is wrong.

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}
