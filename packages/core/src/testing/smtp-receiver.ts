import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';

/** A message as the SMTP server received it, parsed. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Epoch ms at which the server accepted it (just before its 250 reply). */
  acceptedAt: number;
}

/**
 * A real SMTP server on a free loopback port that keeps what it receives, so tests read back the
 * mail the product sent over SMTP. `hold()` makes it stop answering MAIL FROM until `release()`, so a
 * test can catch a sender in the middle of the SMTP dialogue (before any message was accepted).
 */
export class SmtpReceiver {
  readonly messages: ReceivedMail[] = [];
  private held: (() => void)[] = [];
  private holding = false;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<SmtpReceiver> {
    let receiver: SmtpReceiver | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onMailFrom(_address, _session, callback) {
        if (!receiver?.holding) return callback();
        receiver.held.push(() => callback());
        receiver.notify();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            receiver?.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
              acceptedAt: Date.now(),
            });
            receiver?.notify();
            callback();
          })
          .catch(callback);
      },
    });
    // A sender killed mid-dialogue resets its connection (fault tests do that on purpose): the
    // server reports it as an error event, which would otherwise be an uncaught exception.
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    receiver = new SmtpReceiver(server, `smtp://127.0.0.1:${port}`);
    return receiver;
  }

  /** Messages sent to this address. */
  to(address: string): ReceivedMail[] {
    return this.messages.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  /** Resolves once `condition` holds (checked whenever mail arrives or a sender is held). */
  async waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SMTP receiver: condition not met within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** From now on, senders wait at MAIL FROM. */
  hold(): void {
    this.holding = true;
  }

  /** How many senders are waiting at MAIL FROM. */
  get heldSenders(): number {
    return this.held.length;
  }

  /** Lets waiting and future senders through. */
  release(): void {
    this.holding = false;
    for (const proceed of this.held.splice(0)) proceed();
  }

  clear(): void {
    this.messages.length = 0;
  }

  async close(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** One SMTP receiver for the calling test file. */
export function useSmtpReceiver(): { readonly current: SmtpReceiver } {
  let receiver: SmtpReceiver | undefined;
  beforeAll(async () => {
    receiver = await SmtpReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  return {
    get current() {
      if (!receiver) throw new Error('the SMTP receiver starts in beforeAll; use it inside tests or hooks');
      return receiver;
    },
  };
}
