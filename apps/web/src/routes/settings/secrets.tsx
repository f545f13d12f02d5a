import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { Eye, EyeOff } from 'lucide-react';
import { useState } from 'react';
import { QueryView } from '../../features/common/query-view.js';
import { tierLabel } from '../../features/common/upgrade-prompt.js';
import { SettingsPage } from '../../features/settings/settings-page.js';
import { fieldsForSetting, type SettingView } from '../../features/settings/use-settings.js';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { useFormat } from '../../lib/format.js';
import { onSubmit } from '../../lib/forms.js';
import { usePermissions } from '../../lib/permissions.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { EmptyState } from '../../ui/states.js';
import { toast } from '../../ui/toast.js';

export const Route = createFileRoute('/settings/secrets')({
  component: SecretSettingsPage,
});

function SecretSettingsPage() {
  const settings = useQuery(trpc.settings.list.queryOptions());
  return (
    <SettingsPage
      title="Secret settings"
      description="Credentials stored encrypted. Revealing one is recorded in the audit log with your name."
    >
      <QueryView
        query={settings}
        loadingLabel="Loading secret settings…"
        isEmpty={(list) => !list.some((setting) => setting.isSecret)}
        empty={<EmptyState title="No secret settings" />}
      >
        {(list) => (
          <div className="space-y-4">
            {list
              .filter((setting) => setting.isSecret)
              .map((setting) => (
                <SecretCard key={`${setting.category}.${setting.key}`} setting={setting} />
              ))}
          </div>
        )}
      </QueryView>
    </SettingsPage>
  );
}

function SecretCard({ setting }: { setting: SettingView }) {
  const { can } = usePermissions();
  const queryClient = useQueryClient();
  const format = useFormat();
  const features = useQuery(trpc.features.list.queryOptions());
  const [value, setValue] = useState('');
  const [revealed, setRevealed] = useState<string | null>(null);
  const address = { category: setting.category, key: setting.key };
  const name = `${setting.category}.${setting.key}`;
  const id = `secret-${setting.category}-${setting.key}`;

  const save = useMutation({
    mutationFn: () => trpcClient.settings.set.mutate({ ...address, value }),
    onSuccess: async () => {
      setValue('');
      setRevealed(null);
      toast.success(`${setting.description} saved`);
      await queryClient.invalidateQueries(trpc.settings.pathFilter());
    },
  });
  const reveal = useMutation({
    mutationFn: () => trpcClient.settings.reveal.mutate(address),
    onSuccess: (result) => setRevealed(result.value),
  });
  const problem = save.isError ? apiProblem(save.error) : reveal.isError ? apiProblem(reveal.error) : NO_PROBLEM;
  const fields = fieldsForSetting(problem.fields, 'value');
  const requiredTier = features.data?.find((feature) => feature.feature === setting.feature)?.requiredTier;

  return (
    <Card
      id={id}
      title={setting.description}
      description={<span className="font-mono text-xs">{name}</span>}
      actions={
        <Badge tone={setting.isSet ? 'success' : 'neutral'}>
          {setting.isSet ? `Set${setting.updatedAt ? ` ${format.date(setting.updatedAt)}` : ''}` : 'Not set'}
        </Badge>
      }
    >
      {!setting.available ? (
        <p className="text-sm text-muted-foreground">
          Needs the {requiredTier ? `${tierLabel(requiredTier)} plan` : `${setting.feature} feature`}.
        </p>
      ) : (
        <div className="space-y-3">
          <FormMessage message={problem.message} />
          {setting.isSet && (
            <div className="flex flex-wrap items-center gap-2">
              {revealed === null ? (
                can('settings.manage') && (
                  <Button
                    variant="secondary"
                    size="sm"
                    aria-label={`Reveal ${setting.description}`}
                    disabled={reveal.isPending}
                    onClick={() => reveal.mutate()}
                  >
                    <Eye aria-hidden="true" className="h-4 w-4" /> Reveal
                  </Button>
                )
              ) : (
                <>
                  <output
                    aria-label={`Value of ${setting.description}`}
                    className="min-w-0 flex-1 rounded-md bg-muted px-3 py-2 font-mono text-sm break-all"
                  >
                    {revealed}
                  </output>
                  <Button variant="secondary" size="sm" onClick={() => setRevealed(null)}>
                    <EyeOff aria-hidden="true" className="h-4 w-4" /> Hide
                  </Button>
                </>
              )}
            </div>
          )}
          {can('settings.manage') && (
            <form
              noValidate
              onSubmit={onSubmit(() => save.mutate())}
              className="grid gap-2 sm:grid-cols-[minmax(0,1fr)_auto] sm:items-end"
            >
              <Field
                label={setting.isSet ? `New value for ${setting.description}` : setting.description}
                type="password"
                autoComplete="off"
                value={value}
                onValueChange={setValue}
                error={fields.value}
              />
              <Button type="submit" disabled={save.isPending || value === ''}>
                {save.isPending ? 'Saving…' : setting.isSet ? 'Replace' : 'Save'}
              </Button>
            </form>
          )}
        </div>
      )}
    </Card>
  );
}
