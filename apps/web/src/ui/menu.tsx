import { DropdownMenu } from 'radix-ui';
import type { ReactNode } from 'react';

/** A menu opened from a button; arrow keys move between items, Escape closes it. */
export function Menu(props: { trigger: ReactNode; label?: string; children: ReactNode; align?: 'start' | 'end' }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild aria-label={props.label}>
        {props.trigger}
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align={props.align ?? 'end'}
          sideOffset={6}
          className="z-50 min-w-52 max-w-[calc(100vw-1rem)] rounded-md border border-border bg-card p-1 text-foreground shadow-lg"
        >
          {props.children}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

export function MenuItem(props: { onSelect: () => void; children: ReactNode; disabled?: boolean }) {
  return (
    <DropdownMenu.Item
      onSelect={props.onSelect}
      disabled={props.disabled}
      className="flex cursor-pointer items-center gap-2 rounded px-2 py-2 text-sm outline-none data-[disabled]:opacity-60 data-[highlighted]:bg-muted"
    >
      {props.children}
    </DropdownMenu.Item>
  );
}

export function MenuLabel({ children }: { children: ReactNode }) {
  return <DropdownMenu.Label className="px-2 py-1.5 text-xs text-muted-foreground">{children}</DropdownMenu.Label>;
}

export function MenuSeparator() {
  return <DropdownMenu.Separator className="my-1 h-px bg-border" />;
}
