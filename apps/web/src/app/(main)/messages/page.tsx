'use client';

import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { ComposeMessage } from '@/components/messages/ComposeMessage';
import { MessageLog } from '@/components/messages/MessageLog';
import { useMessageLog } from '@/components/messages/useMessageLog';
import { RestrictionNotice } from '@/components/session/RestrictionNotice';

export default function MessagesPage() {
  const t = useT();
  usePageTitle(t('menu.messages'));
  const log = useMessageLog();
  return (
    <div className="page">
      <h1 className="page__title">{t('menu.messages')}</h1>
      <RestrictionNotice />
      <div className="messages-grid">
        <ComposeMessage onSent={log.prepend} />
        <MessageLog log={log} />
      </div>
    </div>
  );
}
