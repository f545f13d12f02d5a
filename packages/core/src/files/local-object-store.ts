import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors/domain-error.js';
import { assertObjectKey, assertObjectPrefix, type ObjectStore } from './object-store.js';
import { exactLength } from './streams.js';

/**
 * Objects as files under one folder. A put writes to a temporary file and renames it into place,
 * so a reader never sees half an object and a failed upload leaves nothing behind.
 */
export class LocalObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    const full = path.resolve(this.root, key);
    // The key shape already rules out `..`; this is the second lock on the same door.
    if (!full.startsWith(`${this.root}${path.sep}`)) throw new TypeError(`object key escapes the store: ${key}`);
    return full;
  }

  async put(key: string, body: Readable, sizeBytes: number): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.partial`;
    try {
      await pipeline(body, exactLength(sizeBytes), createWriteStream(temporary, { flags: 'wx' }));
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await fs.access(file);
    } catch {
      throw new DomainError('NOT_FOUND', 'File not found');
    }
    return createReadStream(file);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    assertObjectPrefix(prefix);
    const base = path.join(this.root, prefix);
    let entries: string[];
    try {
      entries = await fs.readdir(base, { recursive: true });
    } catch {
      return [];
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.endsWith('.partial')) continue;
      if ((await fs.stat(path.join(base, entry))).isFile()) keys.push(`${prefix}${entry.split(path.sep).join('/')}`);
    }
    return keys.sort();
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertObjectPrefix(prefix);
    const base = path.join(this.root, prefix);
    let entries: string[];
    try {
      entries = await fs.readdir(base, { recursive: true });
    } catch {
      return 0;
    }
    let objects = 0;
    for (const entry of entries) {
      if (!entry.endsWith('.partial') && (await fs.stat(path.join(base, entry))).isFile()) objects += 1;
    }
    await fs.rm(base, { recursive: true, force: true });
    return objects;
  }
}
