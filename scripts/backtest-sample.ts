/** `npm run backtest:sample`: rewrites samples/backtest/sample.csv from its seed (src/backtest/sample-data.ts). */
import { writeFileSync } from 'node:fs';
import { generateSample } from '../src/backtest/sample-data.js';

const path = new URL('../samples/backtest/sample.csv', import.meta.url);
writeFileSync(path, generateSample());
process.stdout.write(`wrote ${path.pathname}\n`);
