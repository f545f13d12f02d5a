import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TIER_NAMES } from '../tenants/tiers.js';
import { createTenantWithMembers, rawClient, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { audit } from './audit.js';
import { verifyAuditChain } from './audit-chain.js';
import { exportAuditLog } from './audit-export.js';
import { TenantAuditChain, TenantAuditLog } from './audit-log.entity.js';
import { queryAuditLog } from './audit-query.js';
import { AUDIT_RETENTION_DAYS, pruneAuditLog } from './audit-retention.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const DAY = 86_400_000;

let tenants = 0;
/** A fresh tenant with `count` entries (its creation wrote none: fixtures go under the services). */
async function tenantWithEntries(count: number, tier: 'basic' | 'professional' = 'professional') {
  tenants += 1;
  const tenant = await createTenantWithMembers(database.db, `Chain ${tenants}`, tier);
  for (let i = 1; i <= count; i += 1) {
    await deps.run(tenant.tenantId, async (ctx) => audit(ctx, { action: 'setting.updated', details: { n: i } }));
  }
  return tenant;
}

const verify = (tenantId: number) => deps.run(tenantId, (ctx) => verifyAuditChain(ctx));

/** As the owner with the append-only trigger off: what someone with the database's files could do. */
async function tamper(sql: string, params: [number, ...unknown[]]): Promise<void> {
  const owner = await rawClient(database.ownerUrl);
  try {
    await owner.query('begin');
    await owner.query("select set_config('app.current_tenant_id', $1, true)", [String(params[0])]);
    await owner.query('alter table tenant_audit_logs disable trigger audit_append_only');
    await owner.query(sql, params);
    await owner.query('alter table tenant_audit_logs enable trigger audit_append_only');
    await owner.query('commit');
  } finally {
    await owner.end();
  }
}

/** A transaction as the lifecycle role in one tenant, the way its SECURITY DEFINER functions run. */
async function asLifecycle<T>(tenantId: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const owner = await rawClient(database.ownerUrl);
  try {
    await owner.query('begin');
    await owner.query('set local role digame_lifecycle');
    await owner.query("select set_config('app.current_tenant_id', $1, true)", [String(tenantId)]);
    const result = await work(owner);
    await owner.query('commit');
    return result;
  } finally {
    await owner.end();
  }
}

const seqOf = async (tenantId: number, n: number) =>
  database.db.inTenant(tenantId, async (em) => (await em.findOneOrFail(TenantAuditLog, { seq: n })).id);

describe('hash-chained audit trail', () => {
  it('chains each entry to the one before it and verifies intact', async () => {
    const tenant = await tenantWithEntries(4);
    const rows = await database.db.inTenant(tenant.tenantId, (em) =>
      em.find(TenantAuditLog, {}, { orderBy: { seq: 'asc' } }),
    );
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    expect(rows[0]?.prevHash).toBeNull();
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    expect(new Set(rows.map((row) => row.hash)).size).toBe(4);
    expect(await verify(tenant.tenantId)).toMatchObject({
      valid: true,
      entriesChecked: 4,
      head: { seq: 4, hash: rows[3]?.hash },
      firstBreak: null,
    });
  });

  it('orders concurrent writers of one tenant into one unbroken chain', async () => {
    const tenant = await tenantWithEntries(0);
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        deps.run(tenant.tenantId, async (ctx) => {
          audit(ctx, { action: 'member.role_changed', details: { writer: i } });
          audit(ctx, { action: 'member.role_changed', details: { writer: i, second: true } });
        }),
      ),
    );
    const seqs = await database.db.inTenant(tenant.tenantId, async (em) =>
      (await em.find(TenantAuditLog, {}, { orderBy: { seq: 'asc' } })).map((row) => row.seq),
    );
    expect(seqs).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    expect(await verify(tenant.tenantId)).toMatchObject({ valid: true, entriesChecked: 48 });
  });

  it('finds a modified entry at that entry', async () => {
    const tenant = await tenantWithEntries(5);
    await tamper(`update tenant_audit_logs set details = '{"n": 99}' where tenant_id = $1 and seq = 3`, [
      tenant.tenantId,
    ]);
    expect((await verify(tenant.tenantId)).firstBreak).toEqual({
      seq: 3,
      entryId: await seqOf(tenant.tenantId, 3),
      problem: 'entry_modified',
    });
  });

  it('finds a moved entry at that entry, even with the same fields', async () => {
    const tenant = await tenantWithEntries(5);
    await tamper(
      `update tenant_audit_logs set created_at = created_at - interval '1 hour' where tenant_id = $1 and seq = 4`,
      [tenant.tenantId],
    );
    expect((await verify(tenant.tenantId)).firstBreak).toMatchObject({ seq: 4, problem: 'entry_modified' });
  });

  it('finds a deleted entry at the entry after the gap, and removed newest entries at the end', async () => {
    const tenant = await tenantWithEntries(5);
    await tamper('delete from tenant_audit_logs where tenant_id = $1 and seq = 2', [tenant.tenantId]);
    expect((await verify(tenant.tenantId)).firstBreak).toEqual({
      seq: 3,
      entryId: await seqOf(tenant.tenantId, 3),
      problem: 'link_broken',
    });
    const other = await tenantWithEntries(3);
    await tamper('delete from tenant_audit_logs where tenant_id = $1 and seq = 3', [other.tenantId]);
    expect(await verify(other.tenantId)).toMatchObject({
      valid: false,
      entriesChecked: 2,
      firstBreak: { seq: 3, entryId: null, problem: 'entries_missing_at_end' },
    });
  });

  it('finds reordered entries at the first one out of place', async () => {
    const tenant = await tenantWithEntries(5);
    const second = await seqOf(tenant.tenantId, 2);
    // Through a free number: the (tenant, seq) key is unique.
    for (const [from, to] of [
      [2, 0],
      [3, 2],
      [0, 3],
    ]) {
      await tamper('update tenant_audit_logs set seq = $3 where tenant_id = $1 and seq = $2', [
        tenant.tenantId,
        from,
        to,
      ]);
    }
    const { firstBreak } = await verify(tenant.tenantId);
    expect(firstBreak).toMatchObject({ seq: 2, problem: 'link_broken' });
    expect(firstBreak?.entryId).not.toBe(second);
  });

  it('refuses UPDATE and DELETE of entries to the app role, and to the owner’s plain statements', async () => {
    const tenant = await tenantWithEntries(2);
    const app = await rawClient(database.appUrl);
    try {
      await app.query('begin');
      await app.query("select set_config('app.current_tenant_id', $1, true)", [String(tenant.tenantId)]);
      await expect(app.query(`update tenant_audit_logs set action = 'x'`)).rejects.toThrow(/permission denied/);
      await app.query('rollback');
      await app.query('begin');
      await app.query("select set_config('app.current_tenant_id', $1, true)", [String(tenant.tenantId)]);
      await expect(app.query('delete from tenant_audit_logs')).rejects.toThrow(/permission denied/);
      await app.query('rollback');
      // Nor can it rewrite the chain head to match an edited trail.
      await app.query('begin');
      await app.query("select set_config('app.current_tenant_id', $1, true)", [String(tenant.tenantId)]);
      await expect(app.query('update tenant_audit_chains set last_seq = 1')).rejects.toThrow(
        /change only with their audit log/,
      );
      await app.query('rollback');
    } finally {
      await app.end();
    }
    const owner = await rawClient(database.ownerUrl);
    try {
      await owner.query("select set_config('app.current_tenant_id', $1, false)", [String(tenant.tenantId)]);
      await expect(owner.query('delete from tenant_audit_logs')).rejects.toThrow(/append-only/);
      await expect(owner.query(`update tenant_audit_logs set action = 'x'`)).rejects.toThrow(/append-only/);
      await expect(owner.query('truncate tenant_audit_logs')).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
    // The lifecycle role may blank personal fields, never what the chain covers.
    await expect(
      asLifecycle(tenant.tenantId, (client) => client.query(`update tenant_audit_logs set details = '{}'`)),
    ).rejects.toThrow(/permission denied|only the personal fields/);
    expect(await verify(tenant.tenantId)).toMatchObject({ valid: true, entriesChecked: 2 });
  });

  it('keeps personal values out of the hash, so erasing them leaves the chain intact', async () => {
    const tenant = await tenantWithEntries(1);
    await deps.run(tenant.tenantId, async (ctx) =>
      audit(ctx, {
        action: 'member.removed',
        resourceType: 'member',
        details: { before: { email: 'gone@chain.test', role: 'member' }, userId: tenant.users.member },
      }),
    );
    const [stored] = await database.db.inTenant(tenant.tenantId, (em) =>
      em.find(TenantAuditLog, { action: 'member.removed' }),
    );
    expect(stored?.details).toEqual({ before: { email: '[personal]', role: 'member' }, userId: tenant.users.member });
    expect(stored?.personal).toEqual({ before: { email: 'gone@chain.test' } });
    const listed = await deps.run(tenant.tenantId, (ctx) => queryAuditLog(ctx, { action: 'member.removed', limit: 5 }));
    expect(listed.items[0]?.details).toEqual({
      before: { email: 'gone@chain.test', role: 'member' },
      userId: tenant.users.member,
    });

    await asLifecycle(tenant.tenantId, (client) =>
      client.query(`update tenant_audit_logs set personal = '{}', ip_address = null, user_agent = null`),
    );
    expect(await verify(tenant.tenantId)).toMatchObject({ valid: true, entriesChecked: 2 });
    const erased = await deps.run(tenant.tenantId, (ctx) => queryAuditLog(ctx, { action: 'member.removed', limit: 5 }));
    expect(erased.items[0]?.details).toEqual({
      before: { email: '[erased]', role: 'member' },
      userId: tenant.users.member,
    });
  });

  it('streams a filtered range as CSV or JSON in chain order, with each entry’s links', async () => {
    const tenant = await tenantWithEntries(3);
    await deps.run(tenant.tenantId, async (ctx) =>
      audit(ctx, { action: 'invitation.created', details: { email: 'csv@chain.test', note: 'a "quoted", note' } }),
    );
    const other = await tenantWithEntries(2);
    const runner = <T>(service: Parameters<typeof deps.run<T>>[1]) => deps.run(tenant.tenantId, service);
    const read = async (stream: NodeJS.ReadableStream) => {
      let text = '';
      for await (const chunk of stream) text += chunk.toString();
      return text;
    };
    const json = JSON.parse(await read(exportAuditLog(runner, {}, 'json'))) as {
      seq: number;
      hash: string;
      prevHash: string | null;
    }[];
    expect(json.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < json.length; i += 1) expect(json[i]?.prevHash).toBe(json[i - 1]?.hash);

    const csv = await read(exportAuditLog(runner, { action: 'invitation.*' }, 'csv'));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'seq,id,createdAt,action,actorUserId,actorEmail,resourceType,resourceId,details,ipAddress,userAgent,prevHash,hash',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('invitation.created');
    expect(lines[1]).toContain('csv@chain.test');
    expect(lines[1]).toContain('""note"":""a \\""quoted\\"", note""');
    const otherIds = await database.db.inTenant(other.tenantId, async (em) =>
      (await em.find(TenantAuditLog, {})).map((row) => row.id),
    );
    const everything = await read(exportAuditLog(runner, {}, 'csv'));
    for (const id of otherIds) expect(everything).not.toContain(id);
  });

  it('prunes past the tier’s retention as the lifecycle role, recording the cut, and still verifies', async () => {
    const tenant = await tenantWithEntries(0, 'basic');
    const neighbour = await tenantWithEntries(0, 'basic');
    const old = new Date(Date.now() - (AUDIT_RETENTION_DAYS.basic + 5) * DAY);
    for (const t of [tenant, neighbour]) {
      await database.db.inTenant(t.tenantId, async (em) => {
        for (let i = 0; i < 3; i += 1) {
          em.create(TenantAuditLog, {
            tenant: t.tenantId,
            action: 'tenant.updated',
            createdAt: new Date(old.getTime() + i),
          });
        }
        await em.flush();
      });
      await deps.run(t.tenantId, async (ctx) => audit(ctx, { action: 'tenant.updated', details: { recent: true } }));
    }
    const third = await database.db.inTenant(tenant.tenantId, (em) => em.findOneOrFail(TenantAuditLog, { seq: 3 }));

    const result = await deps.run(tenant.tenantId, (ctx) => pruneAuditLog(ctx));
    expect(result).toMatchObject({ pruned: 3, cutSeq: 3, cutHash: third.hash });
    const chain = await database.db.inTenant(tenant.tenantId, (em) =>
      em.findOneOrFail(TenantAuditChain, { tenant: tenant.tenantId }),
    );
    expect(chain).toMatchObject({ cutSeq: 3, cutHash: third.hash, prunedEntries: 3 });
    expect(chain.cutAt).toBeInstanceOf(Date);
    const left = await database.db.inTenant(tenant.tenantId, (em) =>
      em.find(TenantAuditLog, {}, { orderBy: { seq: 'asc' } }),
    );
    expect(left.map((row) => [row.seq, row.action])).toEqual([
      [4, 'tenant.updated'],
      [5, 'audit.pruned'],
    ]);
    expect(left[1]?.details).toMatchObject({ entries: 3, cutSeq: 3, cutHash: third.hash });
    expect(await verify(tenant.tenantId)).toMatchObject({ valid: true, entriesChecked: 2, cut: { seq: 3 } });

    // Nothing younger than retention goes, however often it runs; the neighbour keeps everything.
    expect((await deps.run(tenant.tenantId, (ctx) => pruneAuditLog(ctx))).pruned).toBe(0);
    expect(await database.db.inTenant(neighbour.tenantId, (em) => em.count(TenantAuditLog, {}))).toBe(4);
    expect(await verify(neighbour.tenantId)).toMatchObject({ valid: true, entriesChecked: 4 });
  });

  it('keeps the retention the database enforces equal to the catalog’s', async () => {
    const owner = await rawClient(database.ownerUrl);
    try {
      for (const tier of TIER_NAMES) {
        const { rows } = await owner.query('select audit_retention_days($1) as days', [tier]);
        expect(rows[0].days).toBe(AUDIT_RETENTION_DAYS[tier]);
      }
    } finally {
      await owner.end();
    }
  });

  it('hides another tenant’s chain and entries with the ORM filter off (row-level security)', async () => {
    const a = await tenantWithEntries(2);
    const b = await tenantWithEntries(3);
    const seen = await database.db.inTenant(a.tenantId, async (em) => ({
      chains: await em.find(TenantAuditChain, {}, { filters: false }),
      entries: await em.find(TenantAuditLog, {}, { filters: false }),
    }));
    expect(seen.chains.map((chain) => chain.tenant.id)).toEqual([a.tenantId]);
    expect(new Set(seen.entries.map((entry) => entry.tenant.id))).toEqual(new Set([a.tenantId]));
    // audit_prune acts on the caller's tenant only, and only past retention.
    const pruned = await database.db.inTenant(a.tenantId, (em) =>
      em.execute<{ pruned: string }[]>('select pruned from audit_prune()'),
    );
    expect(Number(pruned[0]?.pruned ?? 0)).toBe(0);
    expect(await verify(b.tenantId)).toMatchObject({ valid: true, entriesChecked: 3 });
  });
});
