'use client';

import { ConfirmDialog } from 'primereact/confirmdialog';
import { useT } from '@/i18n';

interface ConfirmDeleteProps {
  visible: boolean;
  header: string;
  message: string;
  acceptLabel: string;
  /** Cancel by default; name it when the action itself is a cancel. */
  rejectLabel?: string;
  onAccept(): void;
  onHide(): void;
}

/** A destructive action's confirmation; Cancel has the focus. */
export function ConfirmDelete({ visible, header, message, acceptLabel, rejectLabel, onAccept, onHide }: ConfirmDeleteProps) {
  const t = useT();
  return (
    <ConfirmDialog
      visible={visible}
      onHide={onHide}
      header={header}
      message={message}
      icon="pi pi-exclamation-triangle"
      acceptLabel={acceptLabel}
      rejectLabel={rejectLabel ?? t('actions.cancel')}
      acceptClassName="p-button-danger"
      defaultFocus="reject"
      accept={onAccept}
    />
  );
}
