/** Usage: npx tsx src/data/download-cli.ts <mnist|cifar10> [dataDir] */
import { downloadDataset } from './download.js';
import { resolveDataDir } from './files.js';
import type { BaseDatasetName } from './manifest.js';

const [name, dataDir] = process.argv.slice(2);
if (name !== 'mnist' && name !== 'cifar10') {
  process.stderr.write('usage: npx tsx src/data/download-cli.ts <mnist|cifar10> [dataDir]\n');
  process.exit(2);
}
const dir = resolveDataDir(dataDir);
await downloadDataset(name as BaseDatasetName, dir);
process.stderr.write(`${name} is complete and verified in ${dir}\n`);
