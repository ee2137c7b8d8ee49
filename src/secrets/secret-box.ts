import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Length of a SecretBox key: AES-256. */
export const SECRET_KEY_BYTES = 32;

const PREFIX = 'borgql-secret:';
const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** `borgql-secret:v1:<key id>:<nonce>:<ciphertext and tag>`, base64url without padding */
const SEALED_V1 = /^borgql-secret:v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

/** Why a stored value could not be opened. */
export type UnreadableReason = 'not-encrypted' | 'unknown-format' | 'other-key' | 'damaged';

/** A stored secret that cannot be decrypted with the key at hand. Its message never quotes the value. */
export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';
  constructor(
    message: string,
    readonly reason: UnreadableReason,
  ) {
    super(message);
  }
}

/** True for text {@link SecretBox.seal} wrote (any version), false for anything else, clear text included. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The id of the key a sealed value was written with, or null when it is not a sealed value. */
export function sealedKeyId(stored: string): string | null {
  return SEALED_V1.exec(stored)?.[1] ?? null;
}

/**
 * Encrypts short secrets (passphrases, webhook secrets) for storage:
 * AES-256-GCM with a random nonce per value. The stored text carries a
 * version and the key's id (so a wrong key is told apart from a damaged
 * value), and every value is authenticated together with its purpose, e.g.
 * `Repository.passphrase`: a value copied into another column does not open
 * there. Values are not bound to their row: another repository's passphrase
 * opens no borg repository but its own, and whoever can write the database can
 * change a repository's path anyway.
 */
export class SecretBox {
  /** 8 hex digits naming the key in stored values and messages; reveals nothing about the key. */
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`a secret key has ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.keyId = createHmac('sha256', this.#key).update('borgql secret key id').digest('hex').slice(0, 8);
  }

  /** Encrypts `plaintext` for the column or field named by `purpose`. */
  seal(plaintext: string, purpose: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#associatedData(this.keyId, purpose));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${VERSION}:${this.keyId}:${nonce.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /**
   * Decrypts a value {@link seal} wrote for the same `purpose`.
   * @throws SecretUnreadableError when it is clear text, of an unknown
   *   format, written with another key, or altered.
   */
  open(stored: string, purpose: string): string {
    if (!isSealed(stored)) throw new SecretUnreadableError('it is not encrypted', 'not-encrypted');
    const match = SEALED_V1.exec(stored);
    if (!match) throw new SecretUnreadableError('it is in a format this version of borgql does not know (written by a newer one?)', 'unknown-format');
    const [, keyId, nonce, sealed] = match as unknown as [string, string, string, string];
    if (keyId !== this.keyId) {
      throw new SecretUnreadableError(`it was encrypted with key ${keyId}, and the key file holds key ${this.keyId}`, 'other-key');
    }
    const bytes = Buffer.from(sealed, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(this.#associatedData(keyId, purpose));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(`it does not authenticate with key ${keyId}: it was altered, or copied from another field than ${purpose}`, 'damaged');
    }
  }

  #associatedData(keyId: string, purpose: string): Buffer {
    return Buffer.from(`${PREFIX}${VERSION}:${keyId}:${purpose}`, 'utf8');
  }
}
