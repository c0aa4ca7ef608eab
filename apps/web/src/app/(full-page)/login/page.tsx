'use client';

import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { LoginForm } from '@/components/auth/LoginForm';
import { FirstRunNotice } from '@/components/auth/FirstRunNotice';
import { LanguageSwitch } from '@/components/auth/LanguageSwitch';

export default function LoginPage() {
  const t = useT();
  usePageTitle(t('login.submit'));
  return (
    <main className="login">
      <div className="login__top">
        <LanguageSwitch />
      </div>
      <section className="login__card card" aria-labelledby="login-title">
        <div className="login__brand" aria-hidden="true">
          <i className="pi pi-whatsapp" />
          <span>{t('app.name')}</span>
        </div>
        <h1 id="login-title" className="login__title">{t('login.title')}</h1>
        <p className="muted login__tagline">{t('app.tagline')}</p>
        <LoginForm />
        <FirstRunNotice />
      </section>
    </main>
  );
}
