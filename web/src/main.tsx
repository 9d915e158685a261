// The bds web UI: served by `bds serve` on the app origin, talking to it through the typed client only.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { start } from './store.js';
import { applyTheme } from './theme.js';
import './styles.css';

applyTheme();
void start();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
