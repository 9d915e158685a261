// Writes docs/python-api.md from the use cases' Python views (`npm run gen:api-docs`); a test keeps it current.
import fs from 'node:fs';
import { pythonApiMethods } from '../src/app/python-api.js';
import { generateApiDocs } from '../src/scripting/api/generate.js';

fs.writeFileSync(new URL('../docs/python-api.md', import.meta.url), generateApiDocs(pythonApiMethods()));
console.log('wrote docs/python-api.md');
