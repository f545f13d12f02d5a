import { createRouter } from '@tanstack/react-router';
import { queryClient } from './lib/trpc.js';
import { routeTree } from './routeTree.gen.js';

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: 'intent',
  // Queries own caching; the router only decides what to render.
  defaultPreloadStaleTime: 0,
  scrollRestoration: true,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
