import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy } from 'lucide-react';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { CheckboxField, Field, FormMessage } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

type Created = RouterOutputs['apiKeys']['create'];

async function copy(text: string, what: string) {
  await navigator.clipboard.writeText(text);
  toast.success(`${what} copied`);
}

/** A new key with scopes no wider than the creator's own permissions; the key is shown once. */
export function CreateKeyForm() {
  const queryClient = useQueryClient();
  const whoami = useQuery(trpc.auth.whoami.queryOptions());
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['usage.read']);
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (result) => {
        setCreated(result);
        setName('');
        await queryClient.invalidateQueries(trpc.apiKeys.list.pathFilter());
      },
    }),
  );
  const problem = create.isError ? apiProblem(create.error) : NO_PROBLEM;
  const permissions = whoami.data?.permissions ?? [];

  return (
    <Card title="Create an API key" id="create-key" description="Scopes can be no wider than your own permissions.">
      {created ? (
        <NewKey created={created} onDone={() => setCreated(null)} />
      ) : (
        <form
          noValidate
          className="space-y-4"
          onSubmit={onSubmit(() =>
            create.mutate({ name: name.trim(), scopes: scopes as RouterOutputs['auth']['whoami']['permissions'] }),
          )}
        >
          <FormMessage message={problem.message} />
          <Field
            label="Key name"
            value={name}
            onValueChange={setName}
            error={problem.fields.name}
            hint="For example: CI pipeline"
          />
          <fieldset>
            <legend className="text-sm font-medium">Scopes</legend>
            <div className="mt-2 grid gap-2 sm:grid-cols-2">
              {permissions.map((permission) => (
                <CheckboxField
                  key={permission}
                  label={permission}
                  checked={scopes.includes(permission)}
                  onCheckedChange={(checked) =>
                    setScopes((current) =>
                      checked ? [...current, permission] : current.filter((s) => s !== permission),
                    )
                  }
                />
              ))}
            </div>
            {problem.fields.scopes && <p className="mt-1 text-sm text-danger">{problem.fields.scopes}</p>}
          </fieldset>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </Button>
        </form>
      )}
    </Card>
  );
}

function NewKey({ created, onDone }: { created: Created; onDone: () => void }) {
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const origin = window.location.origin;
  const curl = `curl -H "Authorization: Bearer ${created.key}" ${origin}/api/tenants/${tenant.data?.id ?? '<tenant id>'}/usage`;
  const client = `import { createDigameClient } from '@digame/client';

const digame = createDigameClient({ url: '${origin}', apiKey: process.env.DIGAME_API_KEY });
const usage = await digame.usage.get.query();`;
  return (
    <div className="space-y-4 text-sm">
      <p role="status" className="rounded-md bg-success-soft p-3 text-success">
        Key “{created.apiKey.name}” created. Copy it now: it is not shown again.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <input
          readOnly
          aria-label="New API key"
          value={created.key}
          className="min-w-0 flex-1 rounded border border-input bg-muted px-2 py-2 font-mono text-xs"
        />
        <Button variant="secondary" size="sm" onClick={() => void copy(created.key, 'API key')}>
          <Copy aria-hidden="true" className="h-4 w-4" /> Copy key
        </Button>
      </div>
      <div>
        <p className="font-medium">With curl</p>
        <pre className="mt-1 rounded bg-muted p-3 text-xs break-all whitespace-pre-wrap">
          <code>{curl}</code>
        </pre>
      </div>
      <div>
        <p className="font-medium">With the typed client</p>
        <pre className="mt-1 rounded bg-muted p-3 text-xs break-all whitespace-pre-wrap">
          <code>{client}</code>
        </pre>
      </div>
      <Button onClick={onDone}>Done</Button>
    </div>
  );
}
