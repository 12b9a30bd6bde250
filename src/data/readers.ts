/** Parsers for the raw dataset formats: MNIST IDX and CIFAR-10 binary batches. */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { formatError } from './files.js';

const gunzipAsync = promisify(gunzip);

const IDX_IMAGES_MAGIC = 2051;
const IDX_LABELS_MAGIC = 2049;
export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;
const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;
const CIFAR_CLASSES = 10;

/** Reads and gunzips `path`, naming the file when the bytes are not valid gzip. */
export async function readGzipFile(path: string): Promise<Uint8Array> {
  const compressed = await readFile(path);
  try {
    return await gunzipAsync(compressed);
  } catch (err) {
    throw formatError(path, `not valid gzip data (${(err as Error).message})`);
  }
}

function idxHeader(bytes: Uint8Array, source: string, magic: number, headerBytes: number): DataView {
  if (bytes.length < headerBytes) {
    throw formatError(source, `truncated: ${bytes.length} bytes is shorter than the ${headerBytes}-byte IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0);
  if (got !== magic) throw formatError(source, `wrong magic number ${got}, expected ${magic}`);
  return view;
}

function checkPayload(bytes: Uint8Array, source: string, expected: number, what: string): void {
  if (bytes.length < expected) {
    throw formatError(source, `truncated: header declares ${what} (${expected} bytes) but there are ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw formatError(source, `${bytes.length - expected} trailing bytes after ${what}`);
  }
}

export interface IdxImages {
  n: number;
  rows: number;
  cols: number;
  /** n × rows × cols bytes, row-major; a view into the input. */
  pixels: Uint8Array;
}

/** Parses an uncompressed IDX image file (magic 2051, big-endian dims n, rows, cols). */
export function readIdxImages(bytes: Uint8Array, source = 'IDX images'): IdxImages {
  const view = idxHeader(bytes, source, IDX_IMAGES_MAGIC, 16);
  const n = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (n === 0 || rows === 0 || cols === 0) throw formatError(source, `empty dimensions ${n}x${rows}x${cols}`);
  checkPayload(bytes, source, 16 + n * rows * cols, `${n} images of ${rows}x${cols}`);
  return { n, rows, cols, pixels: bytes.subarray(16) };
}

/** Parses an uncompressed IDX label file (magic 2049, big-endian count); a view into the input. */
export function readIdxLabels(bytes: Uint8Array, source = 'IDX labels'): Uint8Array {
  const view = idxHeader(bytes, source, IDX_LABELS_MAGIC, 8);
  const n = view.getUint32(4);
  if (n === 0) throw formatError(source, 'declares 0 labels');
  checkPayload(bytes, source, 8 + n, `${n} labels`);
  return bytes.subarray(8);
}

export interface CifarBatch {
  n: number;
  labels: Uint8Array;
  /** n × 3072 bytes, each image channel-major (R, G, B planes of 32×32, row-major). */
  pixels: Uint8Array;
}

/** Parses a CIFAR-10 binary batch: records of 1 label byte + 3072 pixel bytes. */
export function readCifarBatch(bytes: Uint8Array, source = 'CIFAR-10 batch'): CifarBatch {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw formatError(source, `truncated or garbled: ${bytes.length} bytes is not a positive multiple of the ${CIFAR_RECORD_BYTES}-byte record`);
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD_BYTES;
    if (bytes[rec] >= CIFAR_CLASSES) throw formatError(source, `record ${i} has label ${bytes[rec]}, expected 0..9`);
    labels[i] = bytes[rec];
    pixels.set(bytes.subarray(rec + 1, rec + CIFAR_RECORD_BYTES), i * CIFAR_IMAGE_BYTES);
  }
  return { n, labels, pixels };
}
