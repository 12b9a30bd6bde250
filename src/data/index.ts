/** Public API of the data module: real image and tabular datasets, their files, and the synthetic sets. */
export { clearDatasetCache, fetchDatasetIfMissing, loadDataset, oneHot, parseDatasetSpec, type DatasetName, type ImageDataset, type LoadOptions, type Split } from './datasets.js';
export { DataUnavailableError, downloadDataset, downloadFile, extractTarGzMembers, fetchIfMissing, mirrorManifest, stderrProgress, type DownloadOptions, type DownloadProgress, type FetchOptions } from './download.js';
export { DataFileError, DEFAULT_DATA_DIR, resolveDataDir, verifyFile, type DataFileProblem } from './files.js';
export { MANIFEST, manifestEntry, type BaseDatasetName, type DatasetManifest, type ManifestEntry } from './manifest.js';
export { columnStats, featureStats, standardize, standardizeColumns, type FeatureStats } from './preprocess.js';
export { readCifarBatch, readGzipFile, readIdxImages, readIdxLabels, type CifarBatch, type IdxImages } from './readers.js';
export { readTar, type TarEntry } from './tar.js';
export {
  CALIFORNIA_MEMBER,
  fetchTabularIfMissing,
  loadTabular,
  parseBreastCancerCsv,
  parseCaliforniaHousing,
  parseTabularSpec,
  prepareTabular,
  readCaliforniaArchive,
  splitRows,
  TABULAR_SPLIT_SEED,
  type TabularDataset,
  type TabularName,
  type TabularRows,
  type TabularSplit,
} from './tabular.js';
export {
  sampleDiagonalRegression,
  sampleFoldedGaussianRegression,
  sampleGaussianCluster,
  sampleSequenceReversal,
  sampleTwoPointClassification,
  START_TOKEN,
  twoPointClassification,
  type ClassificationData,
  type RegressionData,
  type SequenceData,
} from './synthetic.js';
