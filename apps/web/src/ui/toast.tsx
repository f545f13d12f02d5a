import { Toaster as Sonner } from 'sonner';

export { toast } from 'sonner';

/**
 * Where toasts appear; they are announced in a polite live region. At the top, just under the
 * console's bar, where they cover the page heading for a moment rather than the actions of a
 * table's last rows or a form's submit button.
 */
export function Toaster({ theme }: { theme: 'light' | 'dark' }) {
  return (
    <Sonner
      theme={theme}
      position="top-center"
      offset={{ top: '4rem' }}
      mobileOffset={{ top: '4rem' }}
      closeButton
      richColors={false}
      // Sonner eases the toaster's own transform; crossing its phone breakpoint (a phone turned
      // upright) would slide the toasts half off the screen for that moment.
      style={{ transition: 'none' }}
    />
  );
}
