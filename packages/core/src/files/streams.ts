import { Transform } from 'node:stream';
import { SizeMismatchError } from './object-store.js';

/** Passes bytes through and fails the stream as soon as it holds more, or at its end fewer, than `sizeBytes`. */
export function exactLength(sizeBytes: number): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > sizeBytes) callback(new SizeMismatchError(sizeBytes, received));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(received === sizeBytes ? null : new SizeMismatchError(sizeBytes, received));
    },
  });
}
