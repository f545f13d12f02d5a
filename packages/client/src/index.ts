import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';
import type { AppRouter } from './router.js';

export * from './errors.js';
export type { AppRouter } from './router.js';

/** Calls the api accepts in one batched request; a bigger batch is refused whole (see docs/api.md). */
export const MAX_BATCH_CALLS = 20;

/** A credential, or a function asked before each request (e.g. to hand out a refreshed access token). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

interface ClientSettings {
  /** Base URL of the api, e.g. `https://tenancy.example.com`; tRPC is served at `/trpc` below it. */
  url: string;
  /**
   * Group the calls made in the same tick into one HTTP request of at most MAX_BATCH_CALLS calls
   * (each still counts as one call against the hourly limit). Default true.
   */
  batch?: boolean;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** The fetch used for every request, including event streams; default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

/** An API key (`dgk_…`, server-to-server), a session access token, or neither (sign-in, sign-up). */
export type DigameCredential =
  | { apiKey: string; accessToken?: never }
  | { accessToken: TokenSource; apiKey?: never }
  | { apiKey?: never; accessToken?: never };

export type DigameClientOptions = ClientSettings & DigameCredential;

export type DigameClient = TRPCClient<AppRouter>;
export type DigameInputs = inferRouterInputs<AppRouter>;
export type DigameOutputs = inferRouterOutputs<AppRouter>;

async function bearer(source: TokenSource | undefined): Promise<string | null> {
  const token = typeof source === 'function' ? await source() : source;
  return token ? `Bearer ${token}` : null;
}

/**
 * A typed client of the api. Queries and mutations go over HTTP (batched unless `batch: false`);
 * subscriptions (`events.stream`) over Server-Sent Events with the `eventsource` package, which
 * sends the credential in the Authorization header (the browser's own EventSource cannot, and a
 * credential never goes into a URL). A dropped stream reconnects by itself and resumes after the
 * last event it delivered, so nothing is lost or repeated.
 */
export function createDigameClient(options: DigameClientOptions): DigameClient {
  const endpoint = `${options.url.replace(/\/+$/, '')}/trpc`;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const credential = options.apiKey ?? options.accessToken;
  const headers = async (): Promise<Record<string, string>> => {
    const authorization = await bearer(credential);
    return { ...options.headers, ...(authorization ? { authorization } : {}) };
  };
  const http =
    options.batch === false
      ? httpLink({ url: endpoint, headers, fetch: baseFetch })
      : httpBatchLink({ url: endpoint, headers, fetch: baseFetch, maxItems: MAX_BATCH_CALLS });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: endpoint,
          EventSource,
          eventSourceOptions: () => ({
            fetch: async (input, init) =>
              baseFetch(input, { ...init, headers: { ...init.headers, ...(await headers()) } }),
          }),
        }),
        false: http,
      }),
    ],
  });
}
