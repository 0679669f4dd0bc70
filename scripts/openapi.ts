/** `npm run openapi`: writes openapi.yaml from the routes' schemas (scripts/openapi-doc.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiYaml } from './openapi-doc.js';

const out = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
writeFileSync(out, await openApiYaml());
console.log(`wrote ${out}`);
