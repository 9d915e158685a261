// Writes docs/python-api.md from the bds_api contract (`npm run gen:api-docs`); a test keeps it current.
import fs from 'node:fs';
import { generateApiDocs } from '../src/scripting/api/generate.js';

fs.writeFileSync(new URL('../docs/python-api.md', import.meta.url), generateApiDocs());
console.log('wrote docs/python-api.md');
