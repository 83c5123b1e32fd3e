/** Re-cuts a byte stream into chunks of whole PCM16 samples, holding an odd trailing byte for the next chunk. */
export class PcmCarry {
  private carry: Buffer | null = null;

  take(bytes: Buffer): Buffer {
    let all = bytes;
    if (this.carry) {
      all = Buffer.concat([this.carry, bytes]);
      this.carry = null;
    }
    if (all.byteLength % 2 === 1) {
      this.carry = Buffer.from(all.subarray(all.byteLength - 1));
      all = all.subarray(0, all.byteLength - 1);
    }
    return all;
  }
}
