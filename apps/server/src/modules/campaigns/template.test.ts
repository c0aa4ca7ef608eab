import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../errors/app-error.js';
import { renderTemplate, templateVariables } from './template.js';

const sara = { phone: '+966501112233', name: 'Sara', variables: { city: 'Riyadh', code: 'A1', empty: ' ' } };

describe('templateVariables', () => {
  it('lists variables in order of first use, once each', () => {
    assert.deepEqual(templateVariables('Hi {{name}}, {{ city }} {{name}} {{code}}'), ['name', 'city', 'code']);
  });
  it('accepts Arabic variable names', () => {
    assert.deepEqual(templateVariables('مرحبا {{الاسم}}'), ['الاسم']);
  });
  it('has none in plain text or single braces', () => {
    assert.deepEqual(templateVariables('Hi {name} {{}'), []);
  });
  it('refuses a placeholder that is not a variable name', () => {
    assert.throws(() => templateVariables('Hi {{first name}}'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, /"\{\{first name\}\}" is not a variable/);
      return true;
    });
    assert.throws(() => templateVariables('Hi {{ }}'), AppError);
  });
});

describe('renderTemplate', () => {
  it('fills variables, name and phone', () => {
    assert.deepEqual(renderTemplate('Hi {{name}} from {{ city }} ({{phone}})', sara), { text: 'Hi Sara from Riyadh (+966501112233)', missing: [] });
  });
  it('a column named like a built-in wins over it', () => {
    assert.equal(renderTemplate('{{name}}', { ...sara, variables: { name: 'Sara A.' } }).text, 'Sara A.');
  });
  it('reports blank and absent variables and leaves them as written', () => {
    assert.deepEqual(renderTemplate('{{empty}}-{{nope}}-{{nope}}', sara), { text: '{{empty}}-{{nope}}-{{nope}}', missing: ['empty', 'nope'] });
    assert.deepEqual(renderTemplate('Hi {{name}}', { ...sara, name: null }).missing, ['name']);
  });
  it('does not expand placeholders inside values', () => {
    assert.equal(renderTemplate('{{code}}', { ...sara, variables: { code: '{{name}}' } }).text, '{{name}}');
  });
});

describe('fallbacks: {{variable|value}}', () => {
  it('uses the fallback only when the recipient has no value', () => {
    assert.deepEqual(renderTemplate('From {{city|Riyadh}} to {{ town | Jeddah }}', sara), { text: 'From Riyadh to Jeddah', missing: [] });
    assert.deepEqual(renderTemplate('From {{city|Dammam}}', sara), { text: 'From Riyadh', missing: [] });
    assert.deepEqual(renderTemplate('Hi {{empty|there}}', sara), { text: 'Hi there', missing: [] });
  });
  it('an empty fallback sends nothing in its place; the name is still the variable', () => {
    assert.deepEqual(renderTemplate('Hi{{nope|}}!', sara), { text: 'Hi!', missing: [] });
    assert.deepEqual(templateVariables('{{city|Riyadh}} {{nope|}} {{city}}'), ['city', 'nope']);
  });
  it('one placeholder without a fallback still counts as missing', () => {
    assert.deepEqual(renderTemplate('{{nope|x}} {{nope}}', sara), { text: 'x {{nope}}', missing: ['nope'] });
  });
  it('a fallback may hold spaces, Arabic and a second bar', () => {
    assert.equal(renderTemplate('{{nope|الرياض | KSA}}', sara).text, 'الرياض | KSA');
  });
  it('refuses a bad name before the bar', () => {
    assert.throws(() => templateVariables('{{first name|x}}'), AppError);
  });
});
