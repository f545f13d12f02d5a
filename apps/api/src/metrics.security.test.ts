import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { useTestApi } from './testing/test-api.js';

const api = useTestApi();

describe('GET /metrics', () => {
  it('answers a scrape from this host without a token', async () => {
    const response = await fetch(`${api.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE digame_api_requests_total counter');
  });

  it('refuses anyone else while no token is set, also behind a trusted proxy', async () => {
    const proxied = createApp({ ...api.deps, config: { ...api.deps.config, TRUSTED_PROXIES: 1 } });
    const remote = await proxied.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(remote.status).toBe(401);
    expect(await remote.json()).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: 'Metrics are served to this host only; set METRICS_TOKEN to scrape them from elsewhere',
      },
    });
    const local = await proxied.request('/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(local.status).toBe(200);
  });

  it('with METRICS_TOKEN set, answers the token from anywhere and nothing else', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = createApp({
      ...api.deps,
      config: { ...api.deps.config, TRUSTED_PROXIES: 1, METRICS_TOKEN: token },
    });
    const from = { 'x-forwarded-for': '203.0.113.7' };
    expect((await guarded.request('/metrics', { headers: from })).status).toBe(401);
    expect((await guarded.request('/metrics', { headers: { ...from, authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    const scraped = await guarded.request('/metrics', { headers: { ...from, authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
  });
});
