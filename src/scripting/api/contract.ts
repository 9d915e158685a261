// The shape of the Python API: a method is a namespace, a name, parameters and a result with zod
// schemas. The app layer declares the methods (as views of its use cases); `generate.ts` turns them
// into the `bds_api` module and docs/python-api.md.
import { z } from 'zod';

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
  /** Also a function of the module itself (`bds_api.toast(...)` as well as `bds_api.app.toast(...)`). */
  topLevel?: boolean;
}

/** What a transform may say to the user through `bds_api.toast` during one blogmark capture. */
export const TOAST_LIMITS = { chars: 300, perScript: 5, perCapture: 20 } as const;

/**
 * Methods that the run of a script answers itself rather than a use case: what they do depends on who
 * runs the script (a blogmark capture collects its transforms' toasts into its report).
 */
export const HOST_METHODS: readonly ApiMethod[] = [
  {
    namespace: 'app',
    name: 'toast',
    description:
      `Tell the user something in a few words, from a transform a blogmark capture runs (also \`bds_api.toast\`). ` +
      `The message is trimmed and cut to ${TOAST_LIMITS.chars} characters; after ${TOAST_LIMITS.perScript} per script or ` +
      `${TOAST_LIMITS.perCapture} per capture the rest are dropped (returns False). The capture's report lists them. ` +
      'Elsewhere it raises ApiError "api-unavailable".',
    params: [
      {
        name: 'message',
        schema: z.string(),
        required: true,
        description: `the text (at most ${TOAST_LIMITS.chars} characters are kept)`,
      },
    ],
    result: z.boolean(),
    readOnly: true,
    topLevel: true,
  },
];

export const API_VERSION = '1.0.0';
