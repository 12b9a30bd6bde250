import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DataFileError,
  downloadDataset,
  downloadFile,
  readTar,
  verifyFile,
  type DatasetManifest,
  type DownloadProgress,
  type ManifestEntry,
} from '../../src/data/index.js';
import { tempDir } from './helpers.js';

function pattern(n: number, salt: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

function entryFor(path: string, bytes: Uint8Array, extra: Partial<ManifestEntry> = {}): ManifestEntry {
  return {
    path,
    bytes: bytes.length,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...extra,
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return names.filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length + 1)).sort();
}

function tar(cwd: string, ...args: string[]): void {
  execFileSync('tar', args, { cwd, stdio: 'pipe' });
}

const PAYLOAD = pattern(300_000, 1);
const routes = new Map<string, Buffer>();
const requests: string[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    if (url === '/stalled.bin') {
      // Headers and a third of the body, then silence with the connection open.
      res.writeHead(200, { 'content-length': PAYLOAD.length });
      res.write(PAYLOAD.subarray(0, 100_000));
      return;
    }
    if (url === '/silent.bin') return;
    if (url === '/interrupted.bin') {
      res.writeHead(200, { 'content-length': PAYLOAD.length });
      res.write(PAYLOAD.subarray(0, 100_000), () => res.destroy());
      return;
    }
    const body = routes.get(url);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const corrupt = Buffer.from(PAYLOAD);
  corrupt[12345] ^= 0x10;
  routes.set('/file.bin', PAYLOAD);
  routes.set('/corrupt.bin', corrupt);
  routes.set('/short.bin', PAYLOAD.subarray(0, 1000));
});

after(
  () =>
    new Promise<void>((ok) => {
      server.close(() => ok());
      // The stalled responses never end on their own.
      server.closeAllConnections();
    }),
);

describe('downloadFile', () => {
  test('streams to .part, reports progress, verifies and renames; a verified file is not fetched again', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/file.bin` };
      const events: DownloadProgress[] = [];
      const path = await downloadFile(entry, dir, { onProgress: (p) => events.push(p) });
      assert.equal(path, join(dir, 'fake/file.bin'));
      assert.deepEqual(await readFile(path), PAYLOAD);
      assert.deepEqual(await listFiles(dir), ['fake/file.bin']);
      const last = events.at(-1);
      assert.deepEqual([last?.file, last?.received, last?.total, last?.done], ['fake/file.bin', PAYLOAD.length, PAYLOAD.length, true]);
      assert.ok((last?.rate ?? 0) > 0);
      const before = requests.length;
      await downloadFile(entry, dir, { onProgress: () => assert.fail('no transfer expected') });
      assert.equal(requests.length, before);
    } finally {
      await cleanup();
    }
  });

  test('a damaged final file is replaced', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'fake'));
      await writeFile(join(dir, 'fake/file.bin'), 'stale');
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/file.bin` };
      await downloadFile(entry, dir, { onProgress: () => {} });
      await verifyFile(join(dir, 'fake/file.bin'), entry);
    } finally {
      await cleanup();
    }
  });

  test('a corrupt download leaves nothing behind', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/corrupt.bin` };
      await assert.rejects(downloadFile(entry, dir, { onProgress: () => {} }), (err: unknown) => {
        assert.ok(err instanceof DataFileError);
        assert.equal(err.problem, 'checksum');
        assert.match(err.message, /file\.bin \(downloaded from http:\/\/127\.0\.0\.1:\d+\/corrupt\.bin\): checksum mismatch/);
        return true;
      });
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('a short body fails the size check and leaves nothing behind', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/short.bin` };
      await assert.rejects(downloadFile(entry, dir, { onProgress: () => {} }), /checksum mismatch: 1000 bytes, expected 300000/);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('an interrupted transfer leaves nothing behind', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/interrupted.bin` };
      await assert.rejects(downloadFile(entry, dir, { onProgress: () => {} }), /download of http:\/\/127\.0\.0\.1:\d+\/interrupted\.bin interrupted after \d+ bytes/);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('a stalled transfer fails after the stall timeout and leaves nothing behind', { timeout: 10_000 }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const midway = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/stalled.bin` };
      await assert.rejects(downloadFile(midway, dir, { onProgress: () => {}, stallTimeoutMs: 300 }), /stalled\.bin interrupted after 100000 bytes: stalled: no data for 0\.3 s/);
      const silent = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/silent.bin` };
      await assert.rejects(downloadFile(silent, dir, { onProgress: () => {}, stallTimeoutMs: 300 }), /download of http:\/\/127\.0\.0\.1:\d+\/silent\.bin failed: stalled: no data for 0\.3 s/);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('HTTP errors name the URL', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const entry = { ...entryFor('fake/file.bin', PAYLOAD), url: `${base}/nothing-here` };
      await assert.rejects(downloadFile(entry, dir), /download of http:\/\/127\.0\.0\.1:\d+\/nothing-here failed: HTTP 404/);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await cleanup();
    }
  });
});

describe('tar archives', () => {
  const longDir = `${'deep-directory-name-'.repeat(4)}end`;
  const longName = `${'a-very-long-file-name-'.repeat(3)}.bin`;

  test('readTar reads GNU, pax and ustar archives (long names included)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'src', longDir), { recursive: true });
      await writeFile(join(dir, 'src', 'short.bin'), pattern(1000, 2));
      await writeFile(join(dir, 'src', longDir, longName), pattern(513, 3));
      for (const format of ['gnu', 'pax', 'ustar']) {
        tar(join(dir, 'src'), `--format=${format}`, '-cf', `../${format}.tar`, 'short.bin', `${longDir}/${longName}`);
        const entries = readTar(await readFile(join(dir, `${format}.tar`)), format);
        const files = entries.filter((e) => e.type === '0');
        assert.deepEqual(files.map((e) => e.name), ['short.bin', `${longDir}/${longName}`], format);
        assert.deepEqual(Buffer.from(files[0].data), pattern(1000, 2));
        assert.deepEqual(Buffer.from(files[1].data), pattern(513, 3));
      }
      const garbled = await readFile(join(dir, 'gnu.tar'));
      garbled[10] ^= 0x01;
      assert.throws(() => readTar(garbled, 'garbled.tar'), /garbled\.tar: bad tar header checksum at byte 0/);
      const ustar = await readFile(join(dir, 'ustar.tar'));
      assert.throws(() => readTar(ustar.subarray(0, 1024), 'cut.tar'), /cut\.tar: truncated: tar member at byte 0 needs 1000 bytes/);
    } finally {
      await cleanup();
    }
  });

  test('downloadDataset fetches an archive, verifies it and extracts the manifest members atomically', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const src = join(dir, 'src/cifar-10-batches-bin');
      await mkdir(src, { recursive: true });
      const batch = pattern(3073 * 4, 4);
      const meta = Buffer.from('airplane\nautomobile\n');
      await writeFile(join(src, 'data_batch_1.bin'), batch);
      await writeFile(join(src, 'batches.meta.txt'), meta);
      await writeFile(join(src, 'readme.html'), '<p>not needed</p>');
      tar(join(dir, 'src'), '-czf', '../fake.tar.gz', 'cifar-10-batches-bin');
      const archive = await readFile(join(dir, 'fake.tar.gz'));
      routes.set('/fake.tar.gz', archive);
      const member = (name: string, bytes: Buffer, extra: Partial<ManifestEntry> = {}) =>
        entryFor(`cifar10/cifar-10-batches-bin/${name}`, bytes, { member: `cifar-10-batches-bin/${name}`, ...extra });
      const manifest: DatasetManifest = {
        files: [member('data_batch_1.bin', batch), member('batches.meta.txt', meta)],
        archive: { ...entryFor('cifar10/fake.tar.gz', archive), url: `${base}/fake.tar.gz` },
      };
      const data = join(dir, 'data');
      await downloadDataset('cifar10', data, { manifest, onProgress: () => {} });
      assert.deepEqual(await listFiles(data), ['cifar10/cifar-10-batches-bin/batches.meta.txt', 'cifar10/cifar-10-batches-bin/data_batch_1.bin', 'cifar10/fake.tar.gz']);
      for (const entry of manifest.files) await verifyFile(join(data, entry.path), entry);
      const before = requests.length;
      await downloadDataset('cifar10', data, { manifest, onProgress: () => assert.fail('no transfer expected') });
      assert.equal(requests.length, before);

      const badData = join(dir, 'bad');
      const badManifest: DatasetManifest = { ...manifest, files: [member('data_batch_1.bin', batch, { md5: '0'.repeat(32), sha256: undefined })] };
      await assert.rejects(downloadDataset('cifar10', badData, { manifest: badManifest, onProgress: () => {} }), /data_batch_1\.bin\.\d+\.part: checksum mismatch: expected md5 0{32}/);
      assert.deepEqual(await listFiles(badData), ['cifar10/fake.tar.gz']);

      const lacking: DatasetManifest = { ...manifest, files: [member('data_batch_9.bin', batch)] };
      await assert.rejects(downloadDataset('cifar10', badData, { manifest: lacking, onProgress: () => {} }), /fake\.tar\.gz: archive lacks cifar-10-batches-bin\/data_batch_9\.bin/);
    } finally {
      await cleanup();
    }
  });
});
