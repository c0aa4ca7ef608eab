'use client';

import { SelectButton } from 'primereact/selectbutton';
import { useT } from '@/i18n';
import type { Role } from '@/auth/types';

function isRole(value: unknown): value is Role {
  return value === 'admin' || value === 'operator';
}

/** Admin or operator, as a two-way switch. */
export function RoleSelect({ value, onChange }: { value: Role; onChange(role: Role): void }) {
  const t = useT();
  const options = [
    { value: 'operator', label: t('role.operator') },
    { value: 'admin', label: t('role.admin') },
  ];
  return (
    <fieldset className="field">
      <legend>{t('users.role')}</legend>
      <SelectButton value={value} options={options} allowEmpty={false} onChange={(event) => {
          if (isRole(event.value)) onChange(event.value);
        }} />
    </fieldset>
  );
}
