// The typed client of the bds HTTP API (the web UI and the API tests use it).
export { ApiError, BdsClient, readEventStream, requestOf } from './client.js';
export type {
  ApiErrorInfo,
  ClientOptions,
  StreamMessage,
  SubscribeOptions,
  UploadOptions,
} from './client.js';
export { ROUTES, type Route } from './routes.js';
