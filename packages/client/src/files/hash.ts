import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/**
 * Incremental SHA-256 (FIPS 180-4). WebCrypto's `digest` only hashes a whole buffer at once and
 * is missing outside secure contexts, so both ends hash chunk by chunk as the bytes pass.
 */
export class Sha256 {
  readonly #hash = sha256.create();
  #digested = false;

  update(bytes: Uint8Array): this {
    if (this.#digested) throw new Error('Sha256: update after digest');
    this.#hash.update(bytes);
    return this;
  }

  /** Lowercase hex digest; the hash cannot be updated afterwards. */
  hex(): string {
    this.#digested = true;
    return bytesToHex(this.#hash.digest());
  }
}
