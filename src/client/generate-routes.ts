// The text of src/client/routes.ts: the registry's routes as plain data, so the client (and the browser
// bundle) knows every route without importing the use cases' implementations.
import { ALL_USE_CASES } from '../app/index.js';

export function generateClientRoutes(): string {
  const rows = ALL_USE_CASES.map(
    (uc) =>
      `  '${uc.name}': { method: '${uc.http.method}', path: '${uc.http.path}', readOnly: ${uc.readOnly} },`,
  );
  return [
    '// Generated from the use-case registry by `npm run gen:client`; a test keeps it current. Do not edit.',
    "import type { UseCaseName } from '../app/index.js';",
    '',
    'export interface Route {',
    "  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';",
    '  path: string;',
    '  readOnly: boolean;',
    '}',
    '',
    'export const ROUTES: Record<UseCaseName, Route> = {',
    ...rows,
    '};',
    '',
  ].join('\n');
}
