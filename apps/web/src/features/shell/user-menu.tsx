import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { LogOut, Monitor, Moon, Sun, UserRound } from 'lucide-react';
import { signOut, useSignedInSession } from '../../lib/session.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Menu, MenuItem, MenuLabel, MenuSeparator } from '../../ui/menu.js';
import { setTheme, useTheme } from './theme.js';

/** Who is signed in, their account page, the colour theme and Sign out. */
export function UserMenu() {
  const session = useSignedInSession();
  const profile = useQuery(trpc.auth.profile.queryOptions());
  const theme = useTheme();
  const navigate = useNavigate();
  const name = profile.data?.fullName ?? 'Your account';

  const leave = async () => {
    try {
      await signOut();
    } catch {
      // The local session is gone either way; a failed call only leaves the refresh token to expire.
    }
    await navigate({ to: '/sign-in' });
  };

  return (
    <Menu
      label="Account menu"
      trigger={
        <Button variant="ghost" size="icon" aria-label="Account menu">
          <UserRound aria-hidden="true" className="h-5 w-5" />
        </Button>
      }
    >
      <MenuLabel>
        <span className="block text-sm font-medium text-foreground">{name}</span>
        <span className="block">{profile.data?.email}</span>
        <span className="block">
          Role: <span className="capitalize">{session.role}</span>
        </span>
        {session.platformOperator && <span className="block font-medium text-foreground">Platform operator</span>}
      </MenuLabel>
      <MenuItem onSelect={() => void navigate({ to: '/account' })}>
        <UserRound aria-hidden="true" className="h-4 w-4" /> Your account
      </MenuItem>
      <MenuSeparator />
      <MenuLabel>Theme</MenuLabel>
      {(
        [
          ['light', 'Light', Sun],
          ['dark', 'Dark', Moon],
          ['system', 'System', Monitor],
        ] as const
      ).map(([value, label, Icon]) => (
        <MenuItem key={value} onSelect={() => setTheme(value)}>
          <Icon aria-hidden="true" className="h-4 w-4" /> {label}
          {theme.choice === value && <span className="ml-auto text-xs text-muted-foreground">on</span>}
        </MenuItem>
      ))}
      <MenuSeparator />
      <MenuItem onSelect={() => void leave()}>
        <LogOut aria-hidden="true" className="h-4 w-4" /> Sign out
      </MenuItem>
    </Menu>
  );
}
