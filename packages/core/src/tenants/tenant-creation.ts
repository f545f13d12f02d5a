import { randomInt } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { audit } from '../audit/audit.js';
import { PERMISSIONS } from '../auth/permissions.js';
import type { Actor, Database } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';
import { createInvitation } from '../invitations/invitation.service.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { type ServiceDeps, tenantContext } from '../services/context.js';
import { issuePasswordToken, setPasswordUrl } from '../users/password-tokens.js';
import { User } from '../users/user.entity.js';
import { findOrCreateUser } from '../users/user.service.js';
import { Tenant } from './tenant.entity.js';
import { provisionTenant, slugify } from './tenant.service.js';
import { TIERS, type TierName } from './tiers.js';

export interface CreateTenantInput {
  name: string;
  adminEmail: string;
  adminName: string;
  subscriptionTier?: TierName;
  domain?: string | null;
  /** Defaults to one derived from the name (made unique with a suffix). */
  slug?: string;
  /**
   * Who may make an EXISTING account this organization's admin without its owner's consent: that
   * account itself (signed in) or a platform operator. Anyone else's sign-up invites the account
   * instead, and it joins only by accepting.
   */
  linkExistingAccountOf?: { userId: string | null; platformOperator: boolean };
  /**
   * Anyone's sign-up, not a platform operator's or a signed-in member's. Its answer must not tell
   * whether an address, slug or domain is in use anywhere: it may not pick a slug or claim a domain
   * (an admin sets the domain afterwards, which also keeps strangers from squatting one), its slug
   * is derived from the name with a random suffix, and it may not start an Enterprise trial, which
   * is arranged by contract like the move to Enterprise (billing.changeTier).
   */
  selfServe?: boolean;
}

export interface CreatedTenant {
  tenant: {
    id: number;
    uuid: string;
    name: string;
    slug: string;
    domain: string | null;
    subscriptionTier: TierName;
    isTrial: boolean;
    trialEndsAt: Date | null;
  };
  adminUserId: string;
  /** True when the admin email already had an account. */
  adminExisted: boolean;
  /** True when that account was invited (it becomes admin by accepting) rather than linked. */
  adminInvited: boolean;
}

/** What a self-serve sign-up may not choose, as field messages; the same whatever exists already. */
function selfServeProblems(input: CreateTenantInput): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.domain?.trim()) problems.domain = "is set by the organization's admin after signing in";
  if (input.slug?.trim()) problems.slug = 'is chosen for you at sign-up; an operator can set one';
  if (input.subscriptionTier && TIERS[input.subscriptionTier].monthlyPriceCents === null) {
    problems.subscriptionTier = `the ${TIERS[input.subscriptionTier].label} plan is arranged with a platform operator`;
  }
  return problems;
}

const conflict = (field: 'slug' | 'domain', value: string) =>
  new DomainError('CONFLICT', `Another organization already uses the ${field} "${value}"`, {
    fields: { [field]: 'is already taken' },
  });

/**
 * Creates an organization with its first admin: the tenant row (tier limits, features, trial), the
 * admin's account — created, or linked if the email already has one — and admin membership, the
 * `tenant.created` audit entry, and a welcome email with a single-use set-password link (or a
 * sign-in link for an account that already has a password).
 */
export async function createTenant(
  deps: { db: Database; services: ServiceDeps },
  input: CreateTenantInput,
  actor: Actor,
): Promise<CreatedTenant> {
  if (input.selfServe) {
    const problems = selfServeProblems(input);
    const [first] = Object.entries(problems);
    if (first) {
      throw new DomainError('BAD_REQUEST', `Invalid input: ${first[0]} ${first[1]}`, { fields: problems });
    }
  }
  const domain = input.domain?.trim().toLowerCase() || null;
  const slug = input.selfServe ? `${slugify(input.name)}-${randomSlugSuffix()}` : input.slug?.trim().toLowerCase();
  let provisioned: Omit<CreatedTenant, 'adminInvited'> & { adminEmail: string };
  try {
    provisioned = await deps.db.inGlobal(async (em) => {
      if (domain && (await em.count(Tenant, { domain }))) throw conflict('domain', domain);
      if (slug && (await em.count(Tenant, { slug }))) throw conflict('slug', slug);
      const adminExisted = (await em.count(User, { email: input.adminEmail.trim().toLowerCase() })) > 0;
      const tenant = await provisionTenant(em, {
        name: input.name,
        adminEmail: input.adminEmail,
        adminName: input.adminName,
        subscriptionTier: input.subscriptionTier ?? 'basic',
        domain,
      });
      if (slug) tenant.slug = slug;
      const admin = await findOrCreateUser(em, { email: input.adminEmail, fullName: input.adminName });
      return {
        tenant: {
          id: tenant.id,
          uuid: tenant.tenantUuid,
          name: tenant.name,
          slug: tenant.slug,
          domain: tenant.domain ?? null,
          subscriptionTier: tenant.subscriptionTier,
          isTrial: tenant.isTrial,
          trialEndsAt: tenant.trialEndsAt ?? null,
        },
        adminUserId: admin.id,
        adminEmail: admin.email,
        adminExisted,
      };
    });
  } catch (error) {
    // Two sign-ups racing for the same slug or domain: the loser hears what the pre-check says.
    if (error instanceof UniqueConstraintViolationException) {
      const field = /domain/.test(error.message) ? 'domain' : 'slug';
      throw conflict(field, field === 'domain' ? (domain ?? '') : (slug ?? input.name));
    }
    throw error;
  }

  const { tenant, adminUserId, adminEmail, adminExisted } = provisioned;
  const linker = input.linkExistingAccountOf;
  const adminInvited = adminExisted && !(linker?.platformOperator || linker?.userId === adminUserId);
  try {
    await deps.db.inTenant(tenant.id, async (em) => {
      const ctx = tenantContext(em, tenant.id, actor, deps.services);
      audit(ctx, {
        action: 'tenant.created',
        resourceType: 'tenant',
        resourceId: tenant.uuid,
        details: { name: tenant.name, slug: tenant.slug, domain: tenant.domain, tier: tenant.subscriptionTier },
      });
      if (adminInvited) {
        // A stranger must not be able to enrol someone else's account into an organization they
        // named: the owner gets an invitation and becomes admin only by accepting it.
        await createInvitation(ctx, { email: adminEmail, role: 'admin', actorPermissions: new Set(PERMISSIONS) });
        return;
      }
      em.create(TenantUser, { tenant: tenant.id, user: adminUserId, role: 'admin' });
      // Row-level security shows a tenant unit of work its members' accounts only: join first.
      await em.flush();
      const admin = await em.findOneOrFail(User, { id: adminUserId });
      audit(ctx, { action: 'member.added', resourceType: 'user', resourceId: adminUserId, details: { role: 'admin' } });
      const link = admin.passwordHash
        ? `${new URL(`/sign-in?tenant=${encodeURIComponent(tenant.slug)}`, deps.services.appUrl)}`
        : setPasswordUrl(deps.services.appUrl, issuePasswordToken(admin, 'welcome', ctx.now));
      ctx.enqueue(
        'email.send',
        {
          tenantId: tenant.id,
          to: admin.email,
          template: 'welcome',
          dedupeKey: `welcome:${tenant.id}:${adminUserId}`,
          data: { tenantName: tenant.name, recipientName: admin.fullName, setPasswordUrl: link },
        },
        { jobId: `welcome:${tenant.uuid}:${adminUserId}` },
      );
    });
  } catch (error) {
    // The organization is unusable without its admin: take the row back out.
    await deps.db.inGlobal((em) => em.nativeDelete(Tenant, { id: tenant.id }));
    throw error;
  }
  return { tenant, adminUserId, adminExisted, adminInvited };
}

const SLUG_SUFFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Six characters that do not depend on which slugs exist, so the slug tells nothing about others. */
export function randomSlugSuffix(): string {
  return Array.from({ length: 6 }, () => SLUG_SUFFIX_ALPHABET[randomInt(SLUG_SUFFIX_ALPHABET.length)]).join('');
}

/** How many organizations one address may create per hour through self-serve sign-up. */
export class SelfServeSignups {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, perHour: number) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:signups`,
      points: perHour,
      duration: 3600,
    });
  }

  /** Counts a sign-up from this address; 0 when allowed, else seconds until the next one is. */
  async admit(address: string | null): Promise<number> {
    return this.limiter.consume(address ?? 'unknown').then(
      () => 0,
      (reason: unknown) => {
        if (reason instanceof Error) throw reason;
        return Math.max(1, Math.ceil((reason as RateLimiterRes).msBeforeNext / 1000));
      },
    );
  }
}
