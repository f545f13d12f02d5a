import type { AppRouter } from '@digame/api/router';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { currentAccessToken } from './access-token.js';

/** The typed api client; '/trpc' is same-origin (Vite proxies it in development). */
export const trpc = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      // The api refuses batches of more than 20 calls before running any of them.
      maxItems: 20,
      headers: () => {
        const token = currentAccessToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      // The refresh token is an httpOnly cookie: it only travels if fetch is told to send cookies.
      fetch: (url, options) => fetch(url, { ...options, credentials: 'include' }),
    }),
  ],
});

export type TierCatalog = Awaited<ReturnType<typeof trpc.system.tiers.query>>;
export type TierInfo = TierCatalog['tiers'][number];
export type IssuedSession = Awaited<ReturnType<typeof trpc.auth.refresh.mutate>>;
export type SignInResult = Awaited<ReturnType<typeof trpc.auth.signIn.mutate>>;
export type MfaChallenge = Exclude<SignInResult, IssuedSession>;
export type Whoami = Awaited<ReturnType<typeof trpc.auth.whoami.query>>;
export type Profile = Awaited<ReturnType<typeof trpc.auth.profile.query>>;
export type Usage = Awaited<ReturnType<typeof trpc.usage.get.query>>;
export type InvitationPreview = Awaited<ReturnType<typeof trpc.invitations.preview.query>>;
