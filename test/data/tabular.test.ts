/**
 * The tabular sets of appendix H.14: scikit-learn's breast cancer CSV (the shared copy) and
 * California housing, whose archive is checked here on a small synthetic one served by a local
 * HTTP server (our machines cannot reach figshare). References: the raw file's numbers,
 * scikit-learn's documented first row of fetch_california_housing, float64 moments.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DataFileError,
  DataUnavailableError,
  downloadDataset,
  loadTabular,
  parseBreastCancerCsv,
  parseCaliforniaHousing,
  parseTabularSpec,
  prepareTabular,
  readCaliforniaArchive,
  splitRows,
  type DatasetManifest,
} from '../../src/data/index.js';
import { buildProblem, checkDatasetSpec, fetchDataForAll } from '../../src/sweep/problem.js';
import { Experiment } from '../../src/sweep/schema.js';
import { Rng } from '../../src/util/random.js';
import { columnMoments, DATA_DIR, tempDir } from './helpers.js';

const CSV = join(DATA_DIR, 'tabular/breast_cancer.csv');

describe('breast cancer (scikit-learn breast_cancer.csv)', () => {
  test('parses 569 rows of 30 features and a 0/1 class: 212 malignant (0), 357 benign (1)', async () => {
    const text = await readFile(CSV, 'utf8');
    const rows = parseBreastCancerCsv(text, CSV);
    assert.deepEqual([rows.n, rows.d], [569, 30]);
    assert.deepEqual(Array.from(rows.X.subarray(0, 4)), [17.99, 10.38, 122.8, 1001]);
    assert.equal(rows.X[30 * 568 + 29], 0.07039);
    assert.deepEqual([rows.y.filter((v) => v === 0).length, rows.y.filter((v) => v === 1).length], [212, 357]);
    // Later scikit-learn versions pad the header with empty fields.
    const padded = text.replace('569,30,malignant,benign\n', `569,30,malignant,benign${','.repeat(27)}\n`);
    assert.deepEqual(parseBreastCancerCsv(padded), rows);
  });

  test('a damaged file is a one-line error naming the file and the problem', () => {
    const good = '2,2,malignant,benign\n1,2,0\n3,4,1\n';
    assert.throws(() => parseBreastCancerCsv('x,2,a,b\n1,2,0\n', 'f.csv'), /^DataFileError: f\.csv: header "x,2,a,b" is not <samples>,<features>,<class 0>,<class 1>/);
    assert.throws(() => parseBreastCancerCsv(good.replace('3,4,1\n', ''), 'f.csv'), /f\.csv: header declares 2 samples, the file has 1/);
    assert.throws(() => parseBreastCancerCsv(good.replace('3,4,1', '3,,1'), 'f.csv'), /f\.csv: line 3 is not 3 comma-separated numbers/);
    assert.throws(() => parseBreastCancerCsv(good.replace('3,4,1', '3,4,2'), 'f.csv'), /f\.csv: line 3 has class 2, expected 0 or 1/);
  });

  test('loads as an 80/20 split of the whole file, standardised with the training rows, classes one-hot', async () => {
    const rows = parseBreastCancerCsv(await readFile(CSV, 'utf8'));
    const ds = await loadTabular('breast-cancer', { dataDir: DATA_DIR });
    assert.equal(ds.task, 'classification');
    assert.deepEqual([ds.train.n, ds.test.n, ds.train.d, ds.train.k], [455, 114, 30, 2]);
    const { train, test } = splitRows(rows);
    // Every row of the file is in exactly one split.
    const key = (X: Float64Array, d: number, i: number) => Array.from(X.subarray(i * d, (i + 1) * d)).join(',');
    const all = Array.from({ length: rows.n }, (_, i) => key(rows.X, 30, i)).sort();
    const parts = [...Array.from({ length: train.n }, (_, i) => key(train.X, 30, i)), ...Array.from({ length: test.n }, (_, i) => key(test.X, 30, i))].sort();
    assert.deepEqual(parts, all);
    for (let j = 0; j < 30; j++) {
      const ref = columnMoments(train.X, train.n, 30, j);
      const got = columnMoments(ds.train.X, ds.train.n, 30, j);
      assert.ok(Math.abs(got.mean) < 1e-5 && Math.abs(got.std - 1) < 1e-5, `feature ${j}`);
      for (const i of [0, 57, 113]) assert.ok(Math.abs(ds.test.X[i * 30 + j] - (test.X[i * 30 + j] - ref.mean) / ref.std) < 1e-5);
    }
    for (let i = 0; i < test.n; i++) assert.deepEqual(Array.from(ds.test.Y.subarray(2 * i, 2 * i + 2)), test.y[i] === 0 ? [1, 0] : [0, 1]);
    const first = await loadTabular('breast-cancer:100', { dataDir: DATA_DIR, testLimit: 50 });
    assert.deepEqual([first.train.n, first.test.n], [100, 50]);
    assert.deepEqual(first.train.X, ds.train.X.subarray(0, 100 * 30), 'the first rows, standardised with the whole training split');
  });

  test('builds a problem: 30 inputs, two classes, the held-out rows as test set', async () => {
    const problem = await buildProblem(Experiment.parse({ id: 'bc', dataset: 'breast-cancer:64', model: { kind: 'fcn', widths: [8] }, loss: 'ce', lossGoals: [0.1], testLimit: 100 }), { dataDir: DATA_DIR });
    try {
      assert.deepEqual([problem.train.numSamples, problem.test?.numSamples, problem.model.numParams], [64, 100, 30 * 8 + 8 + 8 * 2 + 2]);
      const { loss, accuracy } = problem.train.evaluate(problem.theta0);
      assert.ok(loss > 0 && Number.isFinite(loss) && accuracy !== null);
    } finally {
      problem.dispose();
    }
  });

  test('bad specs and a missing file are named errors', async () => {
    assert.deepEqual(parseTabularSpec('california-housing:1000'), { name: 'california-housing', n: 1000 });
    assert.equal(parseTabularSpec('breast-cancer:x'), null);
    assert.throws(() => parseTabularSpec('breast-cancer:0'), /bad dataset spec "breast-cancer:0": n must be a positive integer/);
    assert.throws(() => checkDatasetSpec('breast-cancr'), /bad dataset spec "breast-cancr"/);
    await assert.rejects(loadTabular('breast-cancer:500', { dataDir: DATA_DIR }), /bad dataset spec "breast-cancer:500": n must be at most 455/);
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(loadTabular('breast-cancer', { dataDir: dir }), (err: unknown) => err instanceof DataFileError && err.problem === 'missing' && /breast_cancer\.csv: missing/.test(err.message));
      await mkdir(join(dir, 'tabular'));
      await writeFile(join(dir, 'tabular/breast_cancer.csv'), (await readFile(CSV, 'utf8')).replace('17.99', '17.98'));
      await assert.rejects(loadTabular('breast-cancer', { dataDir: dir }), /breast_cancer\.csv: checksum mismatch: expected sha256 fed3eb72/);
    } finally {
      await cleanup();
    }
  });
});

/** Raw rows of cal_housing.data: the first two are scikit-learn's, the rest made up. */
const CALIFORNIA_ROWS = [
  '-122.230000,37.880000,41.000000,880.000000,129.000000,322.000000,126.000000,8.325200,452600.000000',
  '-122.220000,37.860000,21.000000,7099.000000,1106.000000,2401.000000,1138.000000,8.301400,358500.000000',
  ...Array.from({ length: 18 }, (_, i) => `${-118 - i / 10},${34 + i / 20},${10 + i},${1000 + 37 * i},${200 + 5 * i},${800 + 11 * i},${150 + 3 * i},${2 + i / 7},${100000 + 13000 * i}`),
];

describe('California housing (scikit-learn cal_housing.tgz)', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Buffer>();

  before(async () => {
    server = createServer((req, res) => {
      const body = routes.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((ok) => server.close(() => ok())));

  test('features and target as fetch_california_housing returns them', () => {
    const rows = parseCaliforniaHousing(CALIFORNIA_ROWS.slice(0, 2).join('\n'));
    // scikit-learn's documented first sample and target.
    const first = [8.3252, 41, 6.98412698, 1.02380952, 322, 2.55555556, 37.88, -122.23];
    first.forEach((v, j) => assert.ok(Math.abs(rows.X[j] - v) < 1e-8, `feature ${j}: ${rows.X[j]}`));
    assert.equal(rows.y[0], 4.526);
    assert.equal(rows.y[1], 3.585);
    assert.throws(() => parseCaliforniaHousing('1,2,3', 'cal.data'), /cal\.data: line 1 is not 9 comma-separated numbers/);
    assert.throws(() => parseCaliforniaHousing(CALIFORNIA_ROWS[0].replace(',126.000000,', ',0,'), 'cal.data'), /line 1 has 0 households/);
  });

  test('the archive downloads from a server, verifies and loads; a wrong checksum is a named error and leaves nothing', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'src/CaliforniaHousing'), { recursive: true });
      await writeFile(join(dir, 'src/CaliforniaHousing/cal_housing.data'), `${CALIFORNIA_ROWS.join('\n')}\n`);
      await writeFile(join(dir, 'src/CaliforniaHousing/cal_housing.domain'), 'longitude: continuous.\n');
      execFileSync('tar', ['-czf', '../cal_housing.tgz', 'CaliforniaHousing'], { cwd: join(dir, 'src') });
      const archive = await readFile(join(dir, 'cal_housing.tgz'));
      routes.set('/files/5976036', archive);
      const sha256 = createHash('sha256').update(archive).digest('hex');
      const manifest: DatasetManifest = { files: [{ path: 'tabular/cal_housing.tgz', bytes: archive.length, sha256, url: `${base}/files/5976036` }] };
      const data = join(dir, 'data');
      await downloadDataset('california-housing', data, { manifest, onProgress: () => {} });
      const rows = await readCaliforniaArchive(join(data, 'tabular/cal_housing.tgz'));
      assert.deepEqual(rows, parseCaliforniaHousing(CALIFORNIA_ROWS.join('\n')));

      const bad: DatasetManifest = { files: [{ ...manifest.files[0], sha256: '0'.repeat(64) }] };
      const badData = join(dir, 'bad');
      await assert.rejects(downloadDataset('california-housing', badData, { manifest: bad, onProgress: () => {} }), (err: unknown) => {
        assert.ok(err instanceof DataFileError);
        assert.equal(err.problem, 'checksum');
        assert.match(err.message, /cal_housing\.tgz \(downloaded from http:\/\/127\.0\.0\.1:\d+\/files\/5976036\): checksum mismatch: expected sha256 0{64}/);
        return true;
      });
      assert.deepEqual(await readdir(join(badData, 'tabular')), []);

      // The built-in manifest holds the real archive's checksum: the synthetic one is refused.
      await assert.rejects(loadTabular('california-housing', { dataDir: data }), /cal_housing\.tgz: checksum mismatch: \d+ bytes, expected 441963/);
    } finally {
      await cleanup();
    }
  });

  test('breast cancer on first use: fetched from a mirror of the data folder, verified, loaded', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      routes.set('/mirror/tabular/breast_cancer.csv', await readFile(CSV));
      const ds = await loadTabular('breast-cancer:64', { dataDir: dir, download: { mirror: `${base}/mirror`, onProgress: () => {} } });
      assert.deepEqual([ds.train.n, ds.test.n], [64, 114]);
      assert.deepEqual(await readdir(join(dir, 'tabular')), ['breast_cancer.csv']);
    } finally {
      await cleanup();
    }
  });

  test('regression targets are standardised with the training rows, like the features', () => {
    const rows = parseCaliforniaHousing(CALIFORNIA_ROWS.join('\n'));
    const split = splitRows(rows);
    assert.deepEqual([split.train.n, split.test.n], [16, 4]);
    const ds = prepareTabular('synthetic', 'regression', split, 16, 4);
    assert.equal(ds.train.k, 1);
    const ref = columnMoments(split.train.y, 16, 1, 0);
    assert.deepEqual(ds.stats.target, ref);
    const got = columnMoments(ds.train.Y, 16, 1, 0);
    assert.ok(Math.abs(got.mean) < 1e-6 && Math.abs(got.std - 1) < 1e-6);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(ds.test.Y[i] - (split.test.y[i] - ref.mean) / ref.std) < 1e-6);
  });

  test('absent and unreachable: one line saying where it was looked for and how to provide it', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(loadTabular('california-housing', { dataDir: dir }), /cal_housing\.tgz: missing \(tabular\/cal_housing\.tgz of the manifest\)\. Fix: point --data-dir/);
      await assert.rejects(loadTabular('california-housing', { dataDir: dir, download: { mirror: 'http://127.0.0.1:9', onProgress: () => {} } }), (err: unknown) => {
        assert.ok(err instanceof DataUnavailableError);
        assert.match(err.message, /^california-housing is missing in .* and could not be downloaded \(download of http:\/\/127\.0\.0\.1:9\/tabular\/cal_housing\.tgz failed/);
        return true;
      });
    } finally {
      await cleanup();
    }
  });
});

test('a sweep of several experiments leaves out one with optional data whose data set cannot be had, and says why', async () => {
  const experiment = (id: string, dataset: string) => Experiment.parse({ id, dataset, model: { kind: 'fcn', widths: [4] }, loss: 'mse', lossGoals: [0.1] });
  const bc = { experiment: experiment('bc', 'breast-cancer:64') };
  const california = { experiment: experiment('cal', 'california-housing:64'), optionalData: true as const };
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'tabular'));
    await writeFile(join(dir, 'tabular/breast_cancer.csv'), await readFile(CSV));
    const lines: string[] = [];
    const kept = await fetchDataForAll([bc, california], { dataDir: dir, download: false }, (l) => lines.push(l));
    assert.deepEqual(kept, [bc]);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^cal: not run here: .*cal_housing\.tgz: missing/);
    // Without the optional mark, or with another problem than absence, it is an error.
    await assert.rejects(fetchDataForAll([california.experiment].map((e) => ({ experiment: e })), { dataDir: dir, download: false }, () => {}), DataFileError);
    const optionalBc = { experiment: experiment('x', 'breast-cancer:64'), optionalData: true as const };
    assert.deepEqual(await fetchDataForAll([optionalBc], { dataDir: join(dir, 'nothing'), download: { mirror: 'http://127.0.0.1:9', onProgress: () => {} } }, () => {}), [], 'a failed download: left out');
    // A file that is present is kept, damaged or not: its loader names the damage (tested above).
    await writeFile(join(dir, 'tabular/cal_housing.tgz'), 'not an archive');
    assert.deepEqual(await fetchDataForAll([california], { dataDir: dir, download: false }, () => {}), [california]);
  } finally {
    await cleanup();
  }
});

test('Rng.permutation: every index once, fixed by the seed', () => {
  const p = new Rng(3).permutation(1000);
  assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(new Rng(3).permutation(1000), p);
  assert.notDeepEqual(new Rng(4).permutation(1000), p);
});
