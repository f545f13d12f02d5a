import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per cause, so the same message resent after a crash is recognisably the same one. */
  messageId: string;
}

/** Sends mail over SMTP (SMTP_URL, e.g. smtp://user:pass@host:587) from one sender (MAIL_FROM). */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl, {
      // Bounded, so a hung SMTP server fails the attempt (and the job retries) instead of holding it.
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
  }

  /** Domain of the sender address, used to build Message-IDs. */
  get domain(): string {
    return /@([^>\s]+)>?\s*$/.exec(this.from)?.[1] ?? 'digame.local';
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
    });
  }

  close(): void {
    this.transport.close();
  }
}
