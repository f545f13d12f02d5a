import type { AppRouter } from '@digame/api/router';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { EventSource } from 'eventsource';
import { currentAccessToken } from './access-token.js';

const bearer = (): Record<string, string> => {
  const token = currentAccessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
};

/**
 * The typed api client; '/trpc' is same-origin (Vite proxies it in development, the api serves the
 * console in production). Subscriptions go over SSE with the access token in the Authorization
 * header, which the browser's own EventSource cannot send, hence the `eventsource` package.
 */
export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: '/trpc',
        EventSource,
        eventSourceOptions: () => ({
          fetch: (input, init) =>
            fetch(input, { ...init, credentials: 'include', headers: { ...init?.headers, ...bearer() } }),
        }),
      }),
      false: httpBatchLink({
        url: '/trpc',
        // The api refuses batches of more than 20 calls before running any of them.
        maxItems: 20,
        headers: bearer,
        // The refresh token is an httpOnly cookie: it only travels if fetch is told to send cookies.
        fetch: (url, options) => fetch(url, { ...options, credentials: 'include' }),
      }),
    }),
  ],
});

/** The tRPC code of a failed call (UNAUTHORIZED, FORBIDDEN, …), or null when no api answered. */
export function errorCode(error: unknown): string | null {
  if (!(error instanceof TRPCClientError) || !error.shape) return null;
  return (error.data as { code?: string } | undefined)?.code ?? null;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A refusal will not change by asking again; a lost connection may.
      retry: (failures, error) => errorCode(error) === null && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
});

/** `trpc.members.list.queryOptions(input)`, `trpc.members.pathFilter()`, … for TanStack Query. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type IssuedSession = RouterOutputs['auth']['refresh'];
export type SignInResult = RouterOutputs['auth']['signIn'];
export type MfaChallenge = Exclude<SignInResult, IssuedSession>;
export type Whoami = RouterOutputs['auth']['whoami'];
export type Tenant = RouterOutputs['tenants']['get'];
export type Offboarding = RouterOutputs['offboarding']['get'];
export type Usage = RouterOutputs['usage']['get'];
export type TierCatalog = RouterOutputs['system']['tiers'];
export type TierInfo = TierCatalog['tiers'][number];
