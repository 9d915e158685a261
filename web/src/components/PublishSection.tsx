// The Publish section: git (share the project's files) beside publishing (send the built site).
import { GitPanel } from './GitPanel.js';
import { PublishPanel } from './PublishPanel.js';

export function PublishSection() {
  return (
    <div className="settings-pane publish-section">
      <GitPanel />
      <PublishPanel />
    </div>
  );
}
