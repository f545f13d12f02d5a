// Local SMTP sink for development and tests: accepts any mail (any login or none, no TLS) on SMTP_PORT and
// serves what it caught on HTTP_PORT, so tests can read back invitations, alerts and so on.
//   GET    /messages?to=<addr>   JSON array of {id, from, to[], subject, text, html, date}, newest last
//   DELETE /messages[?to=<addr>] forget all messages (or only those to <addr>)
// Messages live in memory and are also appended to <MAIL_SINK_DIR>/mail.jsonl for a human to read.
// Started by scripts/lib/services.mjs; run by hand with: SMTP_PORT=2525 HTTP_PORT=8025 node scripts/mail-sink.mjs
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

// Loaded dynamically so a missing install gives one clear line instead of a resolver stack trace.
const [{ simpleParser }, { SMTPServer }] = await Promise.all([import('mailparser'), import('smtp-server')]).catch(
  (err) => {
    console.error(
      `mail sink: ${err.message}. Add smtp-server and mailparser to the root devDependencies and run pnpm install.`,
    );
    process.exit(1);
  },
);

const smtpPort = Number(process.env.SMTP_PORT ?? 2525);
const httpPort = Number(process.env.HTTP_PORT ?? 8025);
const host = process.env.MAIL_SINK_HOST ?? '127.0.0.1';
const journal = process.env.MAIL_SINK_DIR ? path.join(process.env.MAIL_SINK_DIR, 'mail.jsonl') : null;

let messages = [];
const lower = (address) => String(address ?? '').toLowerCase();

const smtp = new SMTPServer({
  // Plain local socket, no TLS; any login (or none) is accepted, so SMTP_URL may carry credentials.
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
  banner: 'digame mail sink',
  logger: false,
  async onData(stream, session, callback) {
    try {
      const parsed = await simpleParser(stream);
      const message = {
        id: randomUUID(),
        from: lower(parsed.from?.value[0]?.address ?? session.envelope.mailFrom?.address),
        // The envelope, not the headers: it includes Bcc, and it is what a real mailbox receives.
        to: session.envelope.rcptTo.map((rcpt) => lower(rcpt.address)),
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: parsed.html || null,
        date: (parsed.date ?? new Date()).toISOString(),
      };
      messages.push(message);
      if (journal) await appendFile(journal, `${JSON.stringify(message)}\n`);
      callback();
    } catch (err) {
      callback(err);
    }
  },
});
smtp.on('error', (err) => console.error('smtp:', err.message));

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://sink');
  const to = url.searchParams.get('to');
  const matches = (m) => !to || m.to.includes(lower(to));
  if (url.pathname === '/messages' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(messages.filter(matches)));
  } else if (url.pathname === '/messages' && req.method === 'DELETE') {
    messages = to ? messages.filter((m) => !matches(m)) : [];
    res.writeHead(204).end();
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

smtp.listen(smtpPort, host);
server.listen(httpPort, host, () =>
  console.log(`mail sink: smtp://${host}:${smtpPort}, http://${host}:${httpPort}/messages`),
);

// Detached from its parent's process group, the sink would outlive a parent killed with SIGKILL:
// exit as soon as we have been re-parented.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
