import type { AppRouter } from '@digame/api/router';
import { createTRPCClient, httpBatchLink } from '@trpc/client';

/** The typed api client; '/trpc' is same-origin (Vite proxies it in development). */
export const trpc = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/trpc' })],
});

export type TierCatalog = Awaited<ReturnType<typeof trpc.system.tiers.query>>;
export type TierInfo = TierCatalog['tiers'][number];
