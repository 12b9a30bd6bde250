/**
 * Checkpoints as .safetensors: an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}
 * and the raw little-endian tensor bytes. Tensor names and shapes are the
 * PyTorch state_dict of the equivalent nn.Module (the model layout), so a
 * checkpoint loads into PyTorch with load_state_dict and vice versa.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import type { Model } from './types.js';

type Layout = Pick<Model, 'layout'>;

interface DtypeReader {
  bytes: number;
  read(view: DataView, offset: number): number;
}

const DTYPES: Record<string, DtypeReader> = {
  F32: { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  F64: { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  F16: { bytes: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  BF16: { bytes: 2, read: (v, o) => bfloat16ToFloat(v.getUint16(o, true)) },
};

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const bf16View = new DataView(new ArrayBuffer(4));
function bfloat16ToFloat(bits: number): number {
  bf16View.setUint32(0, bits << 16);
  return bf16View.getFloat32(0);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isStringRecord(x: unknown): x is Record<string, string> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'string');
}

/** Serialise theta (F32, one tensor per layout block, in layout order). */
function encode(model: Layout, theta: Float32Array, metadata: Record<string, string>): Uint8Array {
  const numParams = model.layout.reduce((a, b) => a + b.size, 0);
  if (theta.length !== numParams) throw new Error(`theta has ${theta.length} entries, the model has ${numParams} parameters`);
  if (!isStringRecord(metadata)) throw new Error('safetensors metadata must map strings to strings');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  for (const block of model.layout) {
    header[block.name] = { dtype: 'F32', shape: block.shape, data_offsets: [4 * block.offset, 4 * (block.offset + block.size)] };
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + 4 * theta.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  for (let i = 0; i < theta.length; i++) view.setFloat32(base + 4 * i, theta[i], true);
  return out;
}

interface TensorEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Parse and check the header; errors say which tensor is wrong and how. */
function parseHeader(bytes: Uint8Array): { entries: Map<string, TensorEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new Error(`file is too short (${bytes.length} bytes) to be safetensors`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength === 0n || headerLength > BigInt(Math.min(bytes.length - 8, MAX_HEADER_BYTES))) {
    throw new Error(`header length ${headerLength} is not within the file (${bytes.length} bytes)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw new Error(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('header is not a JSON object');

  let metadata: Record<string, string> = {};
  const entries = new Map<string, TensorEntry>();
  const dataLength = bytes.length - dataStart;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isStringRecord(raw)) throw new Error('__metadata__ must map strings to strings');
      metadata = raw;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (raw ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
      throw new Error(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new Error(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new Error(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = shape.reduce((a: number, c: number) => a * c, 1) * DTYPES[dtype].bytes;
    if (end - begin !== expected) {
      throw new Error(`tensor '${name}' (${dtype} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    if (end > dataLength) throw new Error(`tensor '${name}' ends at byte ${end} of a data section of ${dataLength} bytes (truncated file?)`);
    entries.set(name, { dtype, shape, begin, end });
  }
  // Like the reference reader: the tensors tile the data section exactly, without gaps or overlaps.
  let covered = 0;
  for (const [name, e] of [...entries].sort((a, b) => a[1].begin - b[1].begin)) {
    if (e.begin !== covered) throw new Error(`tensor '${name}' starts at byte ${e.begin}, expected ${covered} (gap or overlap in the data section)`);
    covered = e.end;
  }
  if (covered !== dataLength) throw new Error(`the tensors cover ${covered} bytes but the data section has ${dataLength}`);
  return { entries, metadata, dataStart };
}

/** Decode a checkpoint for `model`: every parameter present with its exact shape, nothing else. */
function decode(bytes: Uint8Array, model: Layout): { theta: Float32Array; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const missing = model.layout.filter((b) => !entries.has(b.name)).map((b) => b.name);
  if (missing.length > 0) throw new Error(`missing tensor(s) ${missing.map((m) => `'${m}'`).join(', ')}`);
  const known = new Set(model.layout.map((b) => b.name));
  const extra = [...entries.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) throw new Error(`unexpected tensor(s) ${extra.map((m) => `'${m}'`).join(', ')} (not parameters of this model)`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const theta = new Float32Array(model.layout.reduce((a, b) => a + b.size, 0));
  for (const block of model.layout) {
    const e = entries.get(block.name) as TensorEntry;
    if (!sameShape(e.shape, block.shape)) throw new Error(`tensor '${block.name}' has shape [${e.shape.join(', ')}], the model expects [${block.shape.join(', ')}]`);
    const { bytes: width, read } = DTYPES[e.dtype];
    for (let i = 0; i < block.size; i++) theta[block.offset + i] = read(view, dataStart + e.begin + width * i);
  }
  return { theta, metadata };
}

/** Write theta as a safetensors checkpoint atomically (temporary file, fsync, rename). */
export function saveSafetensors(path: string, model: Layout, theta: Float32Array, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encode(model, theta, metadata));
}

/** Read a checkpoint written by saveSafetensors or by PyTorch (F32, F64, F16 or BF16 tensors; converted to float32). */
export function loadSafetensors(path: string, model: Layout): { theta: Float32Array; metadata: Record<string, string> } {
  const bytes = readFileSync(path);
  try {
    return decode(bytes, model);
  } catch (e) {
    throw new Error(`checkpoint ${path}: ${(e as Error).message}`);
  }
}
