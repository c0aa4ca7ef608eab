// For the session service's unit tests: no WhatsApp, a connection the test drives.
import type { ConnectionListener, WhatsAppConnection, WhatsAppProvider } from '../../whatsapp/provider.js';

/** A provider whose one connection the test drives through its listener. */
export function fakeProvider() {
  let listener: ConnectionListener | null = null;
  const connection: WhatsAppConnection = {
    requestPairingCode: () => Promise.resolve('ABCD1234'),
    sendText: () => Promise.resolve(),
    onWhatsApp: (digits) => Promise.resolve(new Set(digits)),
    phonesForLids: () => Promise.resolve([]),
    logout: () => Promise.resolve(),
    end: () => undefined,
  };
  const provider: WhatsAppProvider = {
    connect: (_id, given) => {
      listener = given;
      return connection;
    },
    wipeCredentials: () => Promise.resolve(),
    hasCredentials: () => Promise.resolve(true),
    newMessageId: () => 'M1',
  };
  return { provider, listener: () => listener! };
}

