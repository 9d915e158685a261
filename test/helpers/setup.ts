// Every test process gets its own BDS_HOME, so no test touches the user's real trust or registry.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

process.env.BDS_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-home-'));
