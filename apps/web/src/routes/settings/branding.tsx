import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { ImageUp } from 'lucide-react';
import { type ChangeEvent, useId, useState } from 'react';
import { QueryView } from '../../features/common/query-view.js';
import { UpgradePrompt } from '../../features/common/upgrade-prompt.js';
import { uploadLogo } from '../../features/settings/logo-upload.js';
import { SettingsPage } from '../../features/settings/settings-page.js';
import { brandingFrom, textOn } from '../../features/shell/branding.js';
import { apiProblem } from '../../lib/api-problem.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { usePermissions } from '../../lib/permissions.js';
import { type Tenant, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { Loading } from '../../ui/states.js';
import { toast } from '../../ui/toast.js';

export const Route = createFileRoute('/settings/branding')({
  component: BrandingSettingsPage,
});

const DEFAULT_COLOR = '#1d4ed8';
const HEX = /^#[0-9a-fA-F]{6}$/;

function BrandingSettingsPage() {
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const features = useQuery(trpc.features.list.queryOptions());
  const branding = features.data?.find((feature) => feature.feature === 'custom_branding');
  return (
    <SettingsPage title="Branding" description="Your colour and logo, in the console and in emails.">
      {features.isPending ? (
        <Loading label="Loading branding…" />
      ) : branding && !branding.enabled ? (
        <UpgradePrompt tier={branding.requiredTier} feature={branding.label} />
      ) : (
        <QueryView query={tenant} loadingLabel="Loading branding…">
          {(current) => <BrandingForm key={current.id} tenant={current} />}
        </QueryView>
      )}
    </SettingsPage>
  );
}

function BrandingForm({ tenant }: { tenant: Tenant }) {
  const { can } = usePermissions();
  const queryClient = useQueryClient();
  const editable = can('tenant.update');
  const saved = brandingFrom(tenant.branding, window.location.origin);
  const form = useForm({ color: saved.primaryColor ?? '' });
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState('');
  const fileInput = useId();
  const logoFileId = typeof tenant.branding.logo_file_id === 'string' ? tenant.branding.logo_file_id : null;
  const previewColor = HEX.test(form.values.color) ? form.values.color : (saved.primaryColor ?? DEFAULT_COLOR);

  const refreshTenant = () => queryClient.invalidateQueries(trpc.tenants.pathFilter());

  const saveColor = async () => {
    const color = form.values.color.trim();
    const updated = await form.submit(null, null, () =>
      trpcClient.tenants.update.mutate({ branding: { primary_color: color === '' ? null : color } }),
    );
    if (!updated) return;
    queryClient.setQueryData(trpc.tenants.get.queryKey(), updated);
    toast.success(color === '' ? 'Colour reset to the default' : 'Brand colour saved');
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setUploading(true);
    setUploadError('');
    try {
      await uploadLogo(file);
      await refreshTenant();
      toast.success('Logo uploaded');
    } catch (error) {
      setUploadError(error instanceof Error ? error.message : String(error));
    } finally {
      setUploading(false);
    }
  };

  const removeLogo = async () => {
    if (!logoFileId) return;
    try {
      await trpcClient.files.delete.mutate({ id: logoFileId });
      await refreshTenant();
      toast.success('Logo removed');
    } catch (error) {
      setUploadError(apiProblem(error).message);
    }
  };

  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <div className="space-y-4">
        <Card title="Colour" id="brand-colour">
          <form noValidate onSubmit={onSubmit(saveColor)} className="space-y-3">
            <FormMessage message={form.problem.message} />
            <div className="flex items-end gap-3">
              <input
                type="color"
                aria-label="Pick a brand colour"
                className="h-10 w-12 shrink-0 cursor-pointer rounded border border-input bg-card"
                value={previewColor}
                disabled={!editable}
                onChange={(event) => form.set('color', event.target.value)}
              />
              <Field
                label="Brand colour"
                className="min-w-0 flex-1"
                placeholder={DEFAULT_COLOR}
                hint="A hex colour such as #0f766e. Empty: the console's own blue."
                disabled={!editable}
                {...form.text('color', 'branding.primary_color')}
              />
            </div>
            {editable && (
              <Button type="submit" disabled={form.busy}>
                {form.busy ? 'Saving…' : 'Save colour'}
              </Button>
            )}
          </form>
        </Card>
        <Card title="Logo" id="brand-logo" description="PNG, JPEG, WebP or GIF; shown in the console and in emails.">
          <div className="space-y-3">
            <div role="alert">{uploadError && <p className="text-sm text-danger">{uploadError}</p>}</div>
            {editable && (
              <div className="flex flex-wrap gap-2">
                <label
                  htmlFor={fileInput}
                  className="inline-flex h-10 cursor-pointer items-center gap-2 rounded-md border border-border bg-card px-4 text-sm font-medium hover:bg-muted has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring"
                >
                  <ImageUp aria-hidden="true" className="h-4 w-4" />
                  {uploading ? 'Uploading…' : saved.logoUrl ? 'Replace logo' : 'Upload logo'}
                  <input
                    id={fileInput}
                    type="file"
                    accept="image/png,image/jpeg,image/webp,image/gif"
                    className="sr-only"
                    disabled={uploading}
                    onChange={(event) => void onFile(event)}
                  />
                </label>
                {logoFileId && (
                  <Button variant="danger" onClick={() => void removeLogo()}>
                    Remove logo
                  </Button>
                )}
              </div>
            )}
          </div>
        </Card>
      </div>
      <Card title="Preview" id="brand-preview" description="How members will see the console.">
        <div className="overflow-hidden rounded-md border border-border" aria-label="Branding preview" role="img">
          <div className="flex items-center gap-2 border-b border-border bg-card px-3 py-2">
            {saved.logoUrl ? (
              <img src={saved.logoUrl} alt="" className="h-7 w-7 rounded object-contain" />
            ) : (
              <span
                className="flex h-7 w-7 items-center justify-center rounded text-sm"
                style={{ background: previewColor, color: textOn(previewColor) }}
              >
                {tenant.name.slice(0, 1).toUpperCase()}
              </span>
            )}
            <span className="truncate text-sm font-semibold">{tenant.name}</span>
          </div>
          <div className="space-y-3 bg-background p-3">
            <div className="h-3 w-2/3 rounded bg-muted" />
            <div className="h-3 w-1/2 rounded bg-muted" />
            <span
              className="inline-flex h-9 items-center rounded-md px-4 text-sm font-medium"
              style={{ background: previewColor, color: textOn(previewColor) }}
            >
              Primary action
            </span>
          </div>
        </div>
      </Card>
    </div>
  );
}
