import { Toaster as Sonner } from 'sonner';

export { toast } from 'sonner';

/** Where toasts appear; they are announced in a polite live region. */
export function Toaster({ theme }: { theme: 'light' | 'dark' }) {
  return <Sonner theme={theme} position="bottom-right" closeButton richColors={false} />;
}
