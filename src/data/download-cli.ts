/** Usage: npx tsx src/data/download-cli.ts <mnist|cifar10|breast-cancer|california-housing> [dataDir] */
import { downloadDataset } from './download.js';
import { resolveDataDir } from './files.js';
import { MANIFEST, type BaseDatasetName } from './manifest.js';

const [name, dataDir] = process.argv.slice(2);
const names = Object.keys(MANIFEST);
if (!names.includes(name)) {
  process.stderr.write(`usage: npx tsx src/data/download-cli.ts <${names.join('|')}> [dataDir]\n`);
  process.exit(2);
}
const dir = resolveDataDir(dataDir);
await downloadDataset(name as BaseDatasetName, dir);
process.stderr.write(`${name} is complete and verified in ${dir}\n`);
