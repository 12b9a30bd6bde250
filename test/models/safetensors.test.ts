/** Checkpoint format: round trips, PyTorch-compatible headers, and clear errors on malformed files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildModel } from '../../src/models/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/models/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'eos-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fcn = buildModel({ kind: 'fcn', widths: [5, 4], activation: 'tanh' }, [6], 3);
const cnn = buildModel({ kind: 'cnn', channels: [2, 3] }, [3, 4, 4], 10);

/** Header and data section of a safetensors file. */
function parseFile(path: string): { header: Record<string, any>; data: Buffer; headerLength: number } {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')), data: bytes.subarray(8 + headerLength), headerLength };
}

/** A safetensors file from a header object (or raw header text) and data bytes. */
function writeRaw(name: string, header: object | string, data: Uint8Array): string {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, text, data]));
  return path;
}

/** Header entries and F32 data of a valid checkpoint for `model`, to be corrupted by a test. */
function validParts(model: typeof fcn): { header: Record<string, any>; data: Buffer } {
  const theta = model.init(3);
  const header: Record<string, any> = {};
  for (const b of model.layout) header[b.name] = { dtype: 'F32', shape: b.shape, data_offsets: [4 * b.offset, 4 * (b.offset + b.size)] };
  return { header, data: Buffer.from(theta.buffer, theta.byteOffset, theta.byteLength) };
}

function expectLoadError(path: string, model: typeof fcn, pattern: RegExp): void {
  assert.throws(() => loadSafetensors(path, model), (e: Error) => {
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(path), `error should name the file: ${e.message}`);
    return true;
  });
}

for (const [name, model] of [['fcn', fcn], ['cnn', cnn]] as const) {
  test(`${name} checkpoint round-trips bit-exactly with metadata`, () => {
    const theta = model.init(42);
    theta[0] = NaN;
    theta[1] = -0;
    const path = join(dir, `${name}.safetensors`);
    saveSafetensors(path, model, theta, { step: '17', lr: '0.01' });
    const loaded = loadSafetensors(path, model);
    assert.deepEqual(Buffer.from(loaded.theta.buffer), Buffer.from(theta.buffer));
    assert.deepEqual(loaded.metadata, { step: '17', lr: '0.01' });
  });

  test(`${name} checkpoint header is the PyTorch state_dict (names, shapes, F32, contiguous offsets, 8-byte aligned data)`, () => {
    const path = join(dir, `${name}-header.safetensors`);
    saveSafetensors(path, model, model.init(1));
    const { header, data, headerLength } = parseFile(path);
    assert.equal(headerLength % 8, 0);
    assert.equal(header.__metadata__, undefined);
    assert.deepEqual(
      Object.keys(header),
      model.layout.map((b) => b.name),
    );
    let offset = 0;
    for (const b of model.layout) {
      assert.deepEqual(header[b.name], { dtype: 'F32', shape: b.shape, data_offsets: [offset, offset + 4 * b.size] });
      offset += 4 * b.size;
    }
    assert.equal(data.length, offset);
    assert.equal(data.readFloatLE(4 * model.layout[1].offset), model.init(1)[model.layout[1].offset]);
  });
}

test('CNN checkpoint tensor names and shapes are those of nn.Conv2d / nn.Linear', () => {
  const path = join(dir, 'cnn-names.safetensors');
  saveSafetensors(path, cnn, cnn.init(0));
  const { header } = parseFile(path);
  assert.deepEqual(
    Object.entries(header).map(([k, v]) => [k, v.shape]),
    [
      ['convs.0.weight', [2, 3, 3, 3]],
      ['convs.0.bias', [2]],
      ['convs.1.weight', [3, 2, 3, 3]],
      ['convs.1.bias', [3]],
      ['head.weight', [10, 3]],
      ['head.bias', [10]],
    ],
  );
});

test('saving replaces an existing checkpoint atomically and leaves no temporary files', () => {
  const sub = mkdtempSync(join(dir, 'atomic-'));
  const path = join(sub, 'ckpt.safetensors');
  saveSafetensors(path, fcn, fcn.init(1));
  saveSafetensors(path, fcn, fcn.init(2), { round: '2' });
  assert.deepEqual(loadSafetensors(path, fcn).theta, fcn.init(2));
  // A failing save (wrong parameter count) must not touch the existing file.
  assert.throws(() => saveSafetensors(path, fcn, new Float32Array(3)), /theta has 3 entries/);
  assert.deepEqual(loadSafetensors(path, fcn).metadata, { round: '2' });
  assert.deepEqual(readdirSync(sub), ['ckpt.safetensors']);
});

test('saving creates missing parent folders and rejects non-string metadata', () => {
  const path = join(dir, 'a', 'b', 'c.safetensors');
  saveSafetensors(path, fcn, fcn.init(0));
  assert.equal(loadSafetensors(path, fcn).theta.length, fcn.numParams);
  assert.throws(() => saveSafetensors(path, fcn, fcn.init(0), { step: 3 } as unknown as Record<string, string>), /metadata must map strings to strings/);
});

test('F64, F16 and BF16 tensors are converted to float32 on load', () => {
  const model = buildModel({ kind: 'logistic' }, [3], 2);
  const w = [0.5, -1.25, 3];
  const f64 = Buffer.alloc(24);
  w.forEach((x, i) => f64.writeDoubleLE(x, 8 * i));
  // IEEE half: 0.5 = 0x3800, -1.25 = 0xBD00, 3 = 0x4200; bfloat16 keeps a float32's upper 16 bits.
  const f16 = Buffer.from(Uint16Array.from([0x3800, 0xbd00, 0x4200]).buffer);
  const bf16 = Buffer.from(Uint16Array.from([0x3f00, 0xbfa0, 0x4040]).buffer);
  const bias = Buffer.alloc(8);
  bias.writeDoubleLE(-0.75);
  for (const [dtype, bytes] of [['F64', f64], ['F16', f16], ['BF16', bf16]] as const) {
    const path = writeRaw(`logistic-${dtype}.safetensors`, {
      weight: { dtype, shape: [1, 3], data_offsets: [0, bytes.length] },
      bias: { dtype: 'F64', shape: [1], data_offsets: [bytes.length, bytes.length + 8] },
      __metadata__: { format: 'pt' },
    }, Buffer.concat([bytes, bias]));
    const { theta, metadata } = loadSafetensors(path, model);
    assert.deepEqual(Array.from(theta), [...w, -0.75], dtype);
    assert.deepEqual(metadata, { format: 'pt' });
  }
});

test('malformed checkpoints are rejected with errors naming the file, the tensor and the problem', () => {
  const { header, data } = validParts(fcn);
  const w0 = 'layers.0.weight';
  const cases: { name: string; header: object | string; data: Uint8Array; error: RegExp }[] = [
    { name: 'missing', header: Object.fromEntries(Object.entries(header).filter(([k]) => k !== 'layers.2.bias')), data: data.subarray(0, data.length - 12), error: /missing tensor\(s\) 'layers.2.bias'/ },
    { name: 'extra', header: { ...header, extra: { dtype: 'F32', shape: [1], data_offsets: [data.length, data.length + 4] } }, data: Buffer.concat([data, Buffer.alloc(4)]), error: /unexpected tensor\(s\) 'extra'/ },
    { name: 'shape', header: { ...header, [w0]: { ...header[w0], shape: [6, 5] } }, data, error: /'layers.0.weight' has shape \[6, 5\], the model expects \[5, 6\]/ },
    { name: 'dtype', header: { ...header, [w0]: { ...header[w0], dtype: 'I32' } }, data, error: /'layers.0.weight' has dtype "I32"/ },
    { name: 'span', header: { ...header, [w0]: { ...header[w0], data_offsets: [0, 116] } }, data, error: /'layers.0.weight' .* needs 120 bytes but data_offsets span 116/ },
    { name: 'offsets', header: { ...header, [w0]: { ...header[w0], data_offsets: [0] } }, data, error: /'layers.0.weight' has invalid data_offsets/ },
    { name: 'truncated', header, data: data.subarray(0, data.length - 4), error: /'layers.2.bias' ends at byte .* \(truncated file\?\)/ },
    { name: 'trailing', header, data: Buffer.concat([data, Buffer.alloc(4)]), error: /cover \d+ bytes but the data section has \d+/ },
    { name: 'overlap', header: { ...header, 'layers.0.bias': { ...header['layers.0.bias'], data_offsets: [100, 120] } }, data, error: /gap or overlap/ },
    { name: 'json', header: '{"layers.0.weight": ', data, error: /header is not valid UTF-8 JSON/ },
    { name: 'array', header: '[1, 2]', data, error: /header is not a JSON object/ },
    { name: 'metadata', header: { ...header, __metadata__: { step: 3 } }, data, error: /__metadata__ must map strings to strings/ },
  ];
  for (const c of cases) expectLoadError(writeRaw(`bad-${c.name}.safetensors`, c.header, c.data), fcn, c.error);

  const short = join(dir, 'short.safetensors');
  writeFileSync(short, Buffer.from([1, 2, 3]));
  expectLoadError(short, fcn, /too short \(3 bytes\)/);
  const huge = join(dir, 'huge.safetensors');
  const bytes = Buffer.alloc(64);
  bytes.writeBigUInt64LE(1n << 40n);
  writeFileSync(huge, bytes);
  expectLoadError(huge, fcn, /header length 1099511627776 is not within the file/);
});

test('a checkpoint of one model does not load into another', () => {
  const path = join(dir, 'fcn-for-cnn.safetensors');
  saveSafetensors(path, fcn, fcn.init(0));
  expectLoadError(path, cnn, /missing tensor\(s\) 'convs.0.weight', 'convs.0.bias'/);
});
