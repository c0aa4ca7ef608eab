import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initAuthCreds, proto } from 'baileys';
import { loadAuthState } from './auth-state.js';
import type { WhatsAppAuthRepository } from './provider.js';

/** An in-memory repository that records the order of writes. */
function memoryRepository(): WhatsAppAuthRepository & { creds: Map<string, string>; keys: Map<string, string>; writes: string[] } {
  const creds = new Map<string, string>();
  const keys = new Map<string, string>();
  const writes: string[] = [];
  return {
    creds,
    keys,
    writes,
    async readCreds(id) {
      return creds.get(id) ?? null;
    },
    async writeCreds(id, json) {
      await new Promise((resolve) => setImmediate(resolve));
      writes.push(`creds:${JSON.parse(json).registrationId}`);
      creds.set(id, json);
    },
    async readKeys(id, type, ids) {
      return new Map(ids.flatMap((key) => (keys.has(`${id}/${type}/${key}`) ? [[key, keys.get(`${id}/${type}/${key}`)!]] : [])));
    },
    async writeKeys(id, entries) {
      writes.push(`keys:${entries.length}`);
      for (const entry of entries) {
        if (entry.value === null) keys.delete(`${id}/${entry.type}/${entry.id}`);
        else keys.set(`${id}/${entry.type}/${entry.id}`, entry.value);
      }
    },
    async wipe(id) {
      creds.delete(id);
    },
    async hasCreds(id) {
      return creds.has(id);
    },
  };
}

test('new credentials when none are stored; saved ones come back with their buffers', async () => {
  const repository = memoryRepository();
  const first = await loadAuthState(repository, 'default');
  assert.ok(first.creds.noiseKey.public instanceof Uint8Array);
  await first.saveCreds();
  const again = await loadAuthState(repository, 'default');
  assert.deepEqual(Buffer.from(again.creds.noiseKey.public), Buffer.from(first.creds.noiseKey.public));
  assert.equal(again.creds.registrationId, first.creds.registrationId);
});

test('keys: a batch of several types is one write; null deletes; app-state keys are rebuilt as protobufs', async () => {
  const repository = memoryRepository();
  const state = await loadAuthState(repository, 'default');
  const keyPair = initAuthCreds().signedIdentityKey;
  await state.keys.set({
    'pre-key': { '1': keyPair, '2': keyPair },
    session: { '966551234567.0': Buffer.from([1, 2, 3]) },
    'app-state-sync-key': { AAAA: { keyData: Buffer.from([9, 9]), timestamp: 1 } as proto.Message.IAppStateSyncKeyData },
  });
  assert.deepEqual(repository.writes, ['keys:4']);
  const preKeys = await state.keys.get('pre-key', ['1', '2', '3']);
  assert.deepEqual(Object.keys(preKeys).sort(), ['1', '2']);
  assert.deepEqual(Buffer.from(preKeys['1']!.public), Buffer.from(keyPair.public));
  const appState = await state.keys.get('app-state-sync-key', ['AAAA']);
  assert.ok(appState.AAAA instanceof proto.Message.AppStateSyncKeyData);
  await state.keys.set({ 'pre-key': { '1': null } });
  assert.deepEqual(Object.keys(await state.keys.get('pre-key', ['1', '2'])), ['2']);
});

test('writes land in order; retiring keeps queued writes and refuses later ones', async () => {
  const repository = memoryRepository();
  const state = await loadAuthState(repository, 'default');
  Object.assign(state.creds, { registrationId: 1 });
  const a = state.saveCreds();
  Object.assign(state.creds, { registrationId: 2 });
  // The object is serialised when the write runs; order is what matters here.
  const b = state.saveCreds();
  const retired = state.retire();
  await state.saveCreds();
  await Promise.all([a, b, retired]);
  assert.equal(repository.writes.length, 2, 'the write after retire() never ran');
  assert.equal(JSON.parse(repository.creds.get('default')!).registrationId, 2);
});
