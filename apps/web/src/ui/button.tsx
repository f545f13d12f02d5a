import { Slot } from 'radix-ui';
import type { ButtonHTMLAttributes } from 'react';
import { cn } from './cn.js';

const VARIANTS = {
  // Hover rings the button instead of fading it: a faded brand colour could drop below 4.5:1.
  primary:
    'bg-primary text-primary-foreground hover:ring-2 hover:ring-primary/40 hover:ring-offset-1 border border-transparent',
  secondary: 'bg-card text-foreground border border-border hover:bg-muted',
  ghost: 'bg-transparent text-foreground border border-transparent hover:bg-muted',
  danger: 'bg-danger-soft text-danger border border-danger/40 hover:bg-danger/10',
  link: 'bg-transparent text-link underline-offset-2 hover:underline border border-transparent px-0',
} as const;

const SIZES = { sm: 'h-8 px-3 text-sm', md: 'h-10 px-4 text-sm', icon: 'h-10 w-10 justify-center' } as const;

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: keyof typeof VARIANTS;
  size?: keyof typeof SIZES;
  /** Renders the child (a link) with the button's look instead of a <button>. */
  asChild?: boolean;
};

export function buttonClass(variant: keyof typeof VARIANTS = 'primary', size: keyof typeof SIZES = 'md'): string {
  return cn(
    'inline-flex items-center gap-2 rounded-md font-medium whitespace-nowrap no-underline! transition-colors',
    'disabled:cursor-not-allowed disabled:opacity-60',
    VARIANTS[variant],
    variant === 'link' ? 'h-auto' : SIZES[size],
  );
}

export function Button({ variant = 'primary', size = 'md', asChild, className, type, ...props }: ButtonProps) {
  const Component = asChild ? Slot.Root : 'button';
  return (
    <Component
      className={cn(buttonClass(variant, size), className)}
      type={asChild ? undefined : (type ?? 'button')}
      {...props}
    />
  );
}
