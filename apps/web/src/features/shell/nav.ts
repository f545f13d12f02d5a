import type { Permission } from '@digame/core/auth';
import type { LinkProps } from '@tanstack/react-router';
import {
  ArchiveRestore,
  Building2,
  ChartLine,
  CreditCard,
  FileText,
  FolderOpen,
  Gauge,
  KeyRound,
  LayoutDashboard,
  LifeBuoy,
  Lightbulb,
  type LucideIcon,
  MessageCircleQuestion,
  ScrollText,
  Settings,
  ShieldAlert,
  ShieldCheck,
  TrendingUp,
  UserRound,
  Users,
} from 'lucide-react';

/**
 * The console's navigation: the sidebar (and the phone menu) render exactly this list.
 *
 * Adding a screen (other areas too, e.g. the operator console or data lifecycle screens):
 *  1. add a route file under src/routes/ named like its URL (`files.tsx`, `operator/tenants.tsx`,
 *     `operator/tenants/$tenantId.tsx`); the router plugin picks it up and code-splits it. Render
 *     its content inside `<Page title=…>` from src/ui/page.tsx (title, focused heading) and its
 *     queries through `<QueryView>` from src/features/common/query-view.tsx (loading/error/empty).
 *  2. add one line below in the section it belongs to, with the permission that shows it (or
 *     `operatorOnly` for platform operators). Items a user may not use are not shown.
 *  Public pages (no sign-in) set `staticData: { public: true }` on their route instead.
 */
export interface NavItem {
  to: LinkProps['to'];
  label: string;
  icon: LucideIcon;
  /** Shown only to credentials holding this permission. */
  permission?: Permission;
  /** Shown only to platform operators. */
  operatorOnly?: boolean;
  /** Highlight on sub-paths too (`/settings/branding` under `/settings`). */
  matchSubPaths?: boolean;
}

export interface NavSection {
  label: string;
  items: NavItem[];
}

export const NAV_SECTIONS: NavSection[] = [
  {
    label: 'Organization',
    items: [
      { to: '/', label: 'Overview', icon: LayoutDashboard },
      { to: '/team', label: 'Team', icon: Users, permission: 'users.read' },
      { to: '/billing', label: 'Plan and billing', icon: CreditCard, permission: 'tenant.read' },
      { to: '/developers', label: 'Developers', icon: KeyRound, permission: 'apikeys.manage' },
      { to: '/files', label: 'Files', icon: FolderOpen, permission: 'files.read' },
      { to: '/audit', label: 'Audit log', icon: ScrollText, permission: 'audit.read' },
      // Everyone: members export or erase their own data there, data.export holders the organization's.
      { to: '/data-privacy', label: 'Data & privacy', icon: ShieldCheck },
      { to: '/settings', label: 'Settings', icon: Settings, permission: 'settings.read', matchSubPaths: true },
    ],
  },
  {
    label: 'Insights',
    items: [
      { to: '/insights', label: 'Insights', icon: Lightbulb, permission: 'analytics.read' },
      { to: '/analytics', label: 'Analytics', icon: ChartLine, permission: 'analytics.read' },
      { to: '/reports', label: 'Reports', icon: FileText, permission: 'analytics.read' },
      {
        to: '/support',
        label: 'Support',
        icon: MessageCircleQuestion,
        permission: 'support.open',
        matchSubPaths: true,
      },
    ],
  },
  {
    label: 'You',
    items: [{ to: '/account', label: 'Account', icon: UserRound }],
  },
  {
    label: 'Platform operations',
    items: [
      { to: '/operator/tenants', label: 'Tenants', icon: Building2, operatorOnly: true, matchSubPaths: true },
      { to: '/operator/revenue', label: 'Revenue and adoption', icon: TrendingUp, operatorOnly: true },
      { to: '/operator/risks', label: 'Risks and signals', icon: ShieldAlert, operatorOnly: true },
      { to: '/operator/support', label: 'Support inbox', icon: LifeBuoy, operatorOnly: true },
      { to: '/operator/queues', label: 'Queues', icon: Gauge, operatorOnly: true },
      { to: '/operator/restores', label: 'Restores', icon: ArchiveRestore, operatorOnly: true },
    ],
  },
];
