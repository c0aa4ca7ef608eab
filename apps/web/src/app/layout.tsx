import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import 'primeicons/primeicons.css';
import '@fontsource/noto-sans-arabic/arabic-400.css';
import '@fontsource/noto-sans-arabic/arabic-600.css';
import '@fontsource/noto-sans-arabic/arabic-700.css';
import '@/styles/base.css';
import '@/styles/layout.css';
import '@/styles/components.css';
import '@/styles/session.css';
import '@/styles/pages.css';
import '@/styles/campaigns.css';
import '@/styles/reports.css';
import '@/styles/primereact-rtl.css';
import { BOOT_SCRIPT } from '@/layout/boot-script';
import { DEFAULT_THEME } from '@/layout/theme';
import { Providers } from './providers';

export const metadata: Metadata = {
  title: 'Wasla · وصلة',
  description: 'WhatsApp messaging dashboard',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The boot script sets lang, dir and data-theme (and adds the theme's <link>) before React hydrates.
    <html lang="en" dir="ltr" data-theme={DEFAULT_THEME} suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: BOOT_SCRIPT }} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
