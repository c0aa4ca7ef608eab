import { VARIABLE_NAME_PATTERN, templatePlaceholders } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';

/** Values every recipient has whatever its columns: its `name` and `phone`. */
export interface TemplateValues {
  phone: string;
  name: string | null;
  variables: Readonly<Record<string, string>>;
}

/**
 * The variables a template uses, in order of first use. A placeholder is `{{name}}` or
 * `{{name|fallback}}`. Throws a validation error naming the first placeholder that isn't
 * a variable name, e.g. `{{first name}}`.
 */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const { whole, name } of templatePlaceholders(template)) {
    if (!VARIABLE_NAME_PATTERN.test(name)) {
      throw new AppError('validation_failed', `"${whole}" is not a variable: use letters, digits and _ only, e.g. {{first_name}}, or {{city|Riyadh}} with a value for rows without one.`, {
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

/**
 * Fills the template in: each placeholder takes the recipient's value, or its fallback
 * (`{{city|Riyadh}}`) when the recipient has none; `missing` names the variables with
 * neither (their placeholders are left as written).
 */
export function renderTemplate(template: string, values: TemplateValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  let text = '';
  let from = 0;
  for (const placeholder of templatePlaceholders(template)) {
    const value = valueOf(values, placeholder.name) ?? placeholder.fallback;
    if (value === null && !missing.includes(placeholder.name)) missing.push(placeholder.name);
    text += template.slice(from, placeholder.index) + (value ?? placeholder.whole);
    from = placeholder.index + placeholder.whole.length;
  }
  return { text: text + template.slice(from), missing };
}
