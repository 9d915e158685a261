// The shape of the Python API: a method is a namespace, a name, parameters and a result with zod
// schemas. The app layer declares the methods (as views of its use cases); `generate.ts` turns them
// into the `bds_api` module and docs/python-api.md.
import type { z } from 'zod';

export interface ApiParam {
  name: string;
  schema: z.ZodType;
  required: boolean;
  description: string;
}

export interface ApiMethod {
  namespace: string;
  /** camelCase, as the app names it; Python gets snake_case plus this as an alias. */
  name: string;
  description: string;
  params: ApiParam[];
  result: z.ZodType;
  /** Read-only methods are the only ones a macro may call: rendering never changes the blog. */
  readOnly: boolean;
}

export const API_VERSION = '1.0.0';
