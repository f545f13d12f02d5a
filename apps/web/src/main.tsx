import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initTheme } from './features/shell/theme.js';
import { startLiveEvents } from './lib/live-events.js';
import { watchForExpiredSessions } from './lib/session.js';
import { queryClient } from './lib/trpc.js';
import { router } from './router.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

initTheme();
watchForExpiredSessions();
startLiveEvents();

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
