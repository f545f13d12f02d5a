import { SecretBox } from '../auth/secret-box.js';

/**
 * The keys that encrypt secret settings (AES-256-GCM). The first key encrypts new values; every key
 * still decrypts, and each stored value names the key that sealed it, so keys rotate by putting a
 * new one first and re-saving values at leisure.
 */
export class SettingsKeyring {
  private readonly boxes: Map<string, SecretBox>;
  readonly currentKeyId: string;

  constructor(keys: readonly { id: string; key: Buffer }[]) {
    const [current] = keys;
    if (!current) throw new RangeError('SettingsKeyring needs at least one key');
    this.currentKeyId = current.id;
    this.boxes = new Map(keys.map(({ id, key }) => [id, new SecretBox(key)]));
  }

  /** `keyId:base64key,...` — the format of SETTINGS_ENCRYPTION_KEYS; throws a readable error. */
  static parse(spec: string): SettingsKeyring {
    const keys = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const separator = entry.indexOf(':');
        const id = entry.slice(0, separator);
        const key = Buffer.from(entry.slice(separator + 1), 'base64');
        if (separator < 1 || !/^[A-Za-z0-9_-]{1,50}$/.test(id)) {
          throw new RangeError('each key must be "keyId:base64key" with a keyId of letters, digits, _ or -');
        }
        if (key.length !== 32) throw new RangeError(`key "${id}" must be 32 bytes, base64-encoded`);
        return { id, key };
      });
    if (new Set(keys.map((key) => key.id)).size !== keys.length) throw new RangeError('key ids must be unique');
    return new SettingsKeyring(keys);
  }

  seal(plaintext: string, boundTo: string): { keyId: string; sealed: string } {
    return { keyId: this.currentKeyId, sealed: this.box(this.currentKeyId).seal(plaintext, boundTo) };
  }

  open(keyId: string, sealed: string, boundTo: string): string {
    return this.box(keyId).open(sealed, boundTo);
  }

  private box(keyId: string): SecretBox {
    const box = this.boxes.get(keyId);
    if (!box) throw new Error(`settings encryption key "${keyId}" is not configured`);
    return box;
  }
}
