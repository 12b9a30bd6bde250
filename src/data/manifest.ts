/**
 * Every dataset file the loaders read, with its size and checksums (byte-exact upstream
 * distributions) and where it comes from. Paths are relative to the data directory.
 */

export type BaseDatasetName = 'mnist' | 'cifar10' | 'breast-cancer' | 'california-housing';

/** Checksums of a file: md5, sha256 or both (upstream publishes one or the other). */
type Checksums = { md5: string; sha256?: string } | { md5?: string; sha256: string };

export type ManifestEntry = Checksums & {
  /** Path relative to the data directory, '/'-separated. */
  path: string;
  /** Size in bytes, where known. */
  bytes?: number;
  /** Canonical download URL (files fetched directly). */
  url?: string;
  /** Member name inside the dataset's archive (files unpacked from an archive). */
  member?: string;
};

export interface DatasetManifest {
  files: ManifestEntry[];
  /** Archive the files are unpacked from; absent when each file has its own URL. */
  archive?: ManifestEntry & { url: string };
}

const MNIST_MIRROR = 'https://ossci-datasets.s3.amazonaws.com/mnist';
const CIFAR_DIR = 'cifar10/cifar-10-batches-bin';
const CIFAR_BATCH_BYTES = 10000 * 3073;

function mnistFile(name: string, bytes: number, md5: string, sha256: string): ManifestEntry {
  return { path: `mnist/${name}`, bytes, md5, sha256, url: `${MNIST_MIRROR}/${name}` };
}

function cifarFile(name: string, bytes: number, md5: string, sha256: string): ManifestEntry {
  return { path: `${CIFAR_DIR}/${name}`, bytes, md5, sha256, member: `cifar-10-batches-bin/${name}` };
}

export const MANIFEST: Record<BaseDatasetName, DatasetManifest> = {
  mnist: {
    files: [
      mnistFile('train-images-idx3-ubyte.gz', 9912422, 'f68b3c2dcbeaaa9fbdd348bbdeb94873', '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'),
      mnistFile('train-labels-idx1-ubyte.gz', 28881, 'd53e105ee54ea40749a09fcbcd1e9432', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'),
      mnistFile('t10k-images-idx3-ubyte.gz', 1648877, '9fb629c4189551a2d022fa330f9573f3', '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'),
      mnistFile('t10k-labels-idx1-ubyte.gz', 4542, 'ec29112dd5afa0611ce80d1b7f02629c', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'),
    ],
  },
  cifar10: {
    files: [
      cifarFile('data_batch_1.bin', CIFAR_BATCH_BYTES, '5dd7e06a14cb22eb9f671a540d1b7c25', 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5'),
      cifarFile('data_batch_2.bin', CIFAR_BATCH_BYTES, '5ea93a67294ea407fff1d09f752e9692', 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed'),
      cifarFile('data_batch_3.bin', CIFAR_BATCH_BYTES, '942cd6a4bcdd0dd3c604fbe906cb4421', 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67'),
      cifarFile('data_batch_4.bin', CIFAR_BATCH_BYTES, 'ae636b3ba5c66a11e91e8cb52e771fcb', '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48'),
      cifarFile('data_batch_5.bin', CIFAR_BATCH_BYTES, '53f37980c15c3d472c316c40844f3f0d', '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add'),
      cifarFile('test_batch.bin', CIFAR_BATCH_BYTES, '803d5f7f4d78ea53de84dbe85f74fb6d', '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b'),
      cifarFile('batches.meta.txt', 61, '728051cd483f366e254dddb25bead8b3', '558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033'),
    ],
    archive: {
      path: 'cifar10/cifar-10-binary.tar.gz',
      bytes: 170052171,
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    },
  },
  // The copy scikit-learn ships (sklearn/datasets/data/, read by load_breast_cancer), pinned to the 1.2.1 tag:
  // the shared copy comes from Debian's python3-sklearn 1.2.1; later versions pad the header line with commas.
  'breast-cancer': {
    files: [
      {
        path: 'tabular/breast_cancer.csv',
        bytes: 119913,
        md5: '36ef90874abc87f4b4a8554dcc17cf6f',
        sha256: 'fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed',
        url: 'https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.2.1/sklearn/datasets/data/breast_cancer.csv',
      },
    ],
  },
  // The archive fetch_california_housing downloads, with the sha256 of sklearn/datasets/_california_housing.py
  // (441963 bytes); read in place (its member CaliforniaHousing/cal_housing.data), as scikit-learn does.
  'california-housing': {
    files: [
      {
        path: 'tabular/cal_housing.tgz',
        bytes: 441963,
        sha256: 'aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681',
        url: 'https://ndownloader.figshare.com/files/5976036',
      },
    ],
  },
};

/** The manifest entry for `path` (relative to the data directory) of dataset `name`. */
export function manifestEntry(name: BaseDatasetName, path: string): ManifestEntry {
  const entry = MANIFEST[name].files.find((e) => e.path === path);
  if (!entry) throw new Error(`no manifest entry for ${path} in dataset ${name}`);
  return entry;
}
