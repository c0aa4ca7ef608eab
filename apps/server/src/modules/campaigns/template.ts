import { VARIABLE_NAME_PATTERN } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';

/** `{{ name }}`: a variable between double braces, spaces allowed inside. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Values every recipient has whatever its columns: its `name` and `phone`. */
export interface TemplateValues {
  phone: string;
  name: string | null;
  variables: Readonly<Record<string, string>>;
}

/**
 * The variables a template uses, in order of first use. Throws a validation error
 * naming the first placeholder that isn't a variable name, e.g. `{{first name}}`.
 */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!VARIABLE_NAME_PATTERN.test(name)) {
      throw new AppError('validation_failed', `"${match[0]}" is not a variable: use letters, digits and _ only, e.g. {{first_name}}.`, {
        field: 'template',
      });
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function valueOf(values: TemplateValues, name: string): string | null {
  const own = values.variables[name];
  if (own !== undefined && own.trim() !== '') return own;
  if (name === 'name') return values.name && values.name.trim() !== '' ? values.name : null;
  if (name === 'phone') return values.phone;
  return null;
}

/** Fills the template in; `missing` names the variables this recipient has no value for. */
export function renderTemplate(template: string, values: TemplateValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = valueOf(values, name);
    if (value === null) {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return value;
  });
  return { text, missing };
}
