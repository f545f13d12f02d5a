import { uuidv7 } from '../db/ids.js';
import type { TargetColumn } from './target-schema.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Old id → new id, for every uuid the archive holds in a uuid column (row ids, and the ids rows
 * refer to, the tenant's public id among them). It is complete before anything is written, so a
 * reference is remapped the same way whether it comes before or after the row it names, and ids
 * inside text and JSON (an audit entry's resource id, a branding logo's file id, a dedupe key) are
 * replaced by the same new ids.
 */
export class IdMap {
  private readonly ids = new Map<string, string>();
  /** The accounts of the archive's `users` table, by old id: the only ones a reference to users may keep. */
  private readonly accounts = new Map<string, string>();

  /** Gives an old id its new id, once (the first one given stays). */
  add(oldId: string, newId: string = uuidv7()): void {
    const key = oldId.toLowerCase();
    if (!this.ids.has(key)) this.ids.set(key, newId);
  }

  /** An archived account is linked to an existing one, or created with a new id. */
  linkAccount(oldId: string, accountId: string): void {
    const key = oldId.toLowerCase();
    this.accounts.set(key, accountId);
    this.ids.set(key, accountId);
  }

  has(oldId: string): boolean {
    return this.ids.has(oldId.toLowerCase());
  }

  get(oldId: string): string {
    const id = this.ids.get(oldId.toLowerCase());
    if (!id) throw new Error(`no new id for ${oldId}`);
    return id;
  }

  /** The new id of an archived account, or null for someone who was not a member when it was exported. */
  account(oldId: string): string | null {
    return this.accounts.get(oldId.toLowerCase()) ?? null;
  }

  entries(): IterableIterator<[string, string]> {
    return this.ids.entries();
  }

  /** Every known old id in a string, replaced by its new id; other text is left as it was. */
  text(value: string): string {
    return value.replace(UUID, (id) => this.ids.get(id.toLowerCase()) ?? id);
  }

  /** The same for every string (values and keys) inside a JSON value. */
  json(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.json(item)]));
    }
    return value;
  }

  /** One column's value as the restored row holds it. */
  column(column: TargetColumn, value: unknown): unknown {
    if (value === null || value === undefined) return value;
    if (column.type === 'uuid' && typeof value === 'string') {
      return column.referencesUsers ? this.account(value) : this.get(value);
    }
    if (column.type === 'text' && typeof value === 'string') return this.text(value);
    if (column.type === 'jsonb' || column.type === 'json') return this.json(value);
    return value;
  }
}
