// Publishing the built site over ssh (rsync or scp), and the task runner long jobs report through.
export {
  PUBLISHING_FILE,
  PublishSettingsSchema,
  parsePublishSettings,
  readPublishSettings,
  resolveIdentityFile,
  writePublishSettings,
  type PublishSettings,
  type PublishSettingsInput,
} from './settings.js';
export {
  TaskRunner,
  taskResult,
  type TaskContext,
  type TaskEvents,
  type TaskHandle,
  type TaskInfo,
  type TaskOutcome,
  type TaskRunnerOptions,
  type TaskSpec,
  type TaskStatus,
} from './tasks.js';
export {
  uploadSite,
  type PartResult,
  type PublishPart,
  type SiteFolders,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from './upload.js';
