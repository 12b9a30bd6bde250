/**
 * Entry point of the notebooks. tslab compiles notebook cells to CommonJS and
 * type-checks every imported .ts file under the notebook folder with its own
 * TypeScript (rootDir = the notebook folder), so `import '../src/...'` fails,
 * and even through a link the engine's ESM (import.meta, `type: module`) would
 * not run as CommonJS. Instead a cell calls this file with `require`; it loads
 * src/notebooks/index.ts through tsx's ESM loader, i.e. exactly as the tests and
 * the CLI run it. (tsx's CommonJS API cannot do this in tsx 4.23: its loader URL
 * is resolved wrongly, hence the dynamic import of the ESM API.)
 */
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

module.exports = async function loadNotebookApi() {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(join(__dirname, 'index.ts'), pathToFileURL(__filename).href);
};
