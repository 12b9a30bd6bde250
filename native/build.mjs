// Builds the OpenBLAS addon (build/Release/eos_native.node) offline: node-gyp
// compiles against the headers of the running Node (<prefix>/include/node) and
// links the system libopenblas (Debian: apt-get install libopenblas-dev).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = resolve(process.execPath, '..', '..');
const nodeGyp = process.env.npm_config_node_gyp ?? join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) {
  console.error(`build:native: node-gyp not found at ${nodeGyp}; run through npm (npm run build:native) or set npm_config_node_gyp`);
  process.exit(1);
}
const localHeaders = existsSync(join(prefix, 'include', 'node', 'node_api.h'));
const args = [nodeGyp, 'rebuild', `--directory=${here}`, ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build:native failed: it needs a C compiler, make, python3 and OpenBLAS (Debian: apt-get install -y build-essential libopenblas-dev).');
  if (!localHeaders) console.error(`No Node headers under ${prefix}/include/node: node-gyp tried to download them.`);
  process.exit(result.status ?? 1);
}
