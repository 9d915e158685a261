// Writes src/client/routes.ts from the use-case registry (`npm run gen:client`); a test keeps it current.
import fs from 'node:fs';
import { generateClientRoutes } from '../src/client/generate-routes.js';

fs.writeFileSync(new URL('../src/client/routes.ts', import.meta.url), generateClientRoutes());
console.log('wrote src/client/routes.ts');
