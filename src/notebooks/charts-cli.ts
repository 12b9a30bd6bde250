/** Usage: node --import tsx src/notebooks/charts-cli.ts < notebook.ipynb > notebook.json (scripts/notebooks.py runs it): the notebook with its chart renderings rebuilt. */
import { readFileSync } from 'node:fs';
import { rerenderCharts } from './charts.js';

try {
  const nb = JSON.parse(readFileSync(0, 'utf8')) as Parameters<typeof rerenderCharts>[0];
  const charts = await rerenderCharts(nb);
  process.stdout.write(JSON.stringify(nb));
  process.stderr.write(`${charts} chart(s) rendered\n`);
} catch (err) {
  process.stderr.write(`error: cannot render the notebook's charts: ${(err as Error).message}\n`);
  process.exit(1);
}
