// Reads OpenSSH's wire encoding (RFC 4251: uint32, length-prefixed strings) from bytes; pure JS, safe in workflow code.

/** Thrown when the bytes end early or a length is impossible; callers turn it into their own message. */
export class SshWireError extends Error {}

export class SshWireReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  uint32(what: string): number {
    if (this.offset + 4 > this.bytes.length) throw new SshWireError(`ends before ${what}`);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    // `>>> 0` keeps the top bit as a positive number.
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /** A length-prefixed byte string. */
  string(what: string): Uint8Array {
    const length = this.uint32(`the length of ${what}`);
    if (this.offset + length > this.bytes.length) throw new SshWireError(`ends inside ${what} (${length} bytes announced)`);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A length-prefixed string of ASCII text (key types, cipher names). */
  text(what: string): string {
    const bytes = this.string(what);
    if (bytes.length > 256) throw new SshWireError(`has ${what} of ${bytes.length} bytes (at most 256)`);
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return text;
  }

  /** Raw bytes without a length prefix. */
  raw(length: number, what: string): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new SshWireError(`ends before ${what}`);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  rest(): Uint8Array {
    const value = this.bytes.subarray(this.offset);
    this.offset = this.bytes.length;
    return value;
  }
}
