// An outside app using the packed @digame/client: package.test.ts copies this folder into a fresh
// project, installs the tarball there, type-checks it (strict, exactOptionalPropertyTypes, library
// declarations checked too) and runs these functions against a real api.
import {
  createDigameClient,
  type DigameClient,
  type DigameOutputs,
  errorDetails,
  type Feature,
  MAX_BATCH_CALLS,
  refusal,
  type Tier,
} from '@digame/client';

// Compile-time proof that inference reaches through the bundled router type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type InferenceChecks = [
  Expect<Equal<Tier, 'basic' | 'professional' | 'enterprise'>>,
  Expect<Equal<DigameOutputs['usage']['get']['apiCalls']['thisHour'], number>>,
  Expect<Equal<DigameOutputs['auth']['whoami']['kind'], 'session' | 'api_key'>>,
];

/** fetch that counts the HTTP requests it sends, to tell one batch from separate calls. */
function countingFetch() {
  const counter = { requests: 0 };
  const fetchCounted: typeof fetch = (input, init) => {
    counter.requests += 1;
    return fetch(input, init);
  };
  return { counter, fetchCounted };
}

export async function signIn(url: string, email: string, password: string): Promise<string> {
  const anonymous = createDigameClient({ url });
  const result = await anonymous.auth.signIn.mutate({ email, password, refreshTokenDelivery: 'body' });
  if (result.status !== 'signed_in') throw new Error(`sign-in needs ${result.status}`);
  return result.accessToken;
}

export async function createApiKey(url: string, accessToken: string): Promise<string> {
  const client = createDigameClient({ url, accessToken: () => accessToken });
  const { key, apiKey } = await client.apiKeys.create.mutate({
    name: 'outside app',
    scopes: ['tenant.read', 'usage.read', 'users.read', 'audit.read'],
  });
  const scopes: readonly string[] = apiKey.scopes;
  if (!scopes.includes('usage.read')) throw new Error('the key lacks usage.read');
  return key;
}

export interface CallsResult {
  httpRequests: number;
  kind: 'session' | 'api_key';
  tenantName: string;
  callsThisHour: number;
}

/** Three calls at once, batched into one request or (batch: false) sent one by one. */
export async function threeCalls(url: string, apiKey: string, batch: boolean): Promise<CallsResult> {
  const { counter, fetchCounted } = countingFetch();
  const client: DigameClient = createDigameClient({ url, apiKey, batch, fetch: fetchCounted });
  const [whoami, tenant, usage] = await Promise.all([
    client.auth.whoami.query(),
    client.tenants.get.query(),
    client.usage.get.query(),
  ]);
  return {
    httpRequests: counter.requests,
    kind: whoami.kind,
    tenantName: tenant.name,
    callsThisHour: usage.apiCalls.thisHour,
  };
}

export async function callsThisHour(url: string, apiKey: string): Promise<number> {
  return (await createDigameClient({ url, apiKey }).usage.get.query()).apiCalls.thisHour;
}

export interface FeatureRefusal {
  code: string | undefined;
  feature: Feature;
  requiredTier: Tier;
}

/** The audit log needs the enterprise tier: the refusal says so in typed details. */
export async function auditLogRefusal(url: string, apiKey: string): Promise<FeatureRefusal> {
  try {
    await createDigameClient({ url, apiKey }).audit.list.query({});
  } catch (error) {
    const details = refusal(error, 'feature_not_available');
    if (!details) throw new Error(`expected feature_not_available, got ${JSON.stringify(errorDetails(error))}`);
    return { code: details.reason, feature: details.feature, requiredTier: details.requiredTier };
  }
  throw new Error('the audit log was served');
}

export interface StreamedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface Subscription {
  events: StreamedEvent[];
  /** Resolves once the stream is open (again) after the n-th time. */
  opened(times: number): Promise<void>;
  errors: unknown[];
  stop(): void;
}

/** Live events of the key's tenant, kept in arrival order. */
export function subscribeEvents(url: string, apiKey: string): Subscription {
  const client = createDigameClient({ url, apiKey });
  const events: StreamedEvent[] = [];
  const errors: unknown[] = [];
  let starts = 0;
  const waiting: { times: number; resolve: () => void }[] = [];
  const subscription = client.events.stream.subscribe(
    {},
    {
      onStarted: () => {
        starts += 1;
        for (const waiter of waiting.filter((w) => w.times <= starts)) waiter.resolve();
      },
      onData: ({ id, data }) => events.push({ id, type: data.type, data: data.data }),
      onError: (error) => errors.push(error),
    },
  );
  return {
    events,
    errors,
    opened: (times) =>
      times <= starts ? Promise.resolve() : new Promise((resolve) => waiting.push({ times, resolve })),
    stop: () => subscription.unsubscribe(),
  };
}

export const batchCap: number = MAX_BATCH_CALLS;
