import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();

/** Reads an SSE body until it holds `count` whole events with an id; returns the text read. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number, publish: () => Promise<void>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let published = false;
  while ((text.match(/\nid: /g) ?? []).length < count || !text.endsWith('\n\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    if (!published && text.includes('event: connected')) {
      published = true;
      await publish();
    }
  }
  await reader.cancel();
  return text;
}

describe('event feed delivery', () => {
  it('sends the same frames over the socket as through tRPC’s own SSE handling', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Feed Frames');
    const token = await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' });
    const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    const path = `/trpc/events.stream?input=${encodeURIComponent('{}')}`;
    const publish = async () => {
      await api.deps.events.publish(t.tenantId, 'member.changed', { n: 1 });
    };

    // Over HTTP the api writes the feed to the socket itself; app.request() has no socket, so tRPC streams it.
    const socket = await fetch(`${api.url}${path}`, { headers });
    const inProcess = await createApp(api.deps).request(path, { headers });
    for (const response of [socket, inProcess]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(response.headers.get('x-ratelimit-limit')).toBeTruthy();
    }
    const frames = [
      await readEvents(socket.body as ReadableStream<Uint8Array>, 1, publish),
      await readEvents(inProcess.body as ReadableStream<Uint8Array>, 1, publish),
    ].map((text) => text.replace(/"at":"[^"]+"/g, '"at":"…"').replace(/id: \d+-\d+/g, 'id: …'));
    const expected =
      'event: connected\ndata: {"reconnectAfterInactivityMs":30000}\n\n\n' +
      `data: {"type":"member.changed","tenantId":"${t.tenantUuid}","data":{"n":1},"at":"…"}\nid: …\n\n\n`;
    expect(frames).toEqual([expected, expected]);
  });
});
