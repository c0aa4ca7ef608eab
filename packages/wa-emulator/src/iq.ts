import type { BinaryNode } from 'baileys';
import { handleCompanionHello } from './link-code.js';
import { parseJid } from './jid.js';
import { childNodes, children, iqError, iqResult } from './nodes.js';
import { pushInitialHistory } from './outbound.js';
import { handleEncryptIq } from './prekeys.js';
import { handleUsync } from './usync.js';
import type { Peer, World } from './world.js';

const PRIVACY_DEFAULTS: Record<string, string> = {
  readreceipts: 'all',
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'all',
  groupadd: 'all',
  calladd: 'all',
  messages: 'all',
};

/**
 * Answers every iq the client sends. Baileys waits up to a minute for each answer, so
 * anything not modelled here still gets an empty result rather than silence.
 */
export function handleIq(world: World, peer: Peer, iq: BinaryNode): void {
  if (!iq.attrs.id) return;
  peer.send(answer(world, peer, iq));
  const first = childNodes(iq)[0];
  if (iq.attrs.xmlns === 'passive' && first?.tag === 'active' && peer.device && peer.phone) {
    // The client went active: deliver what piled up while it was away, each marked
    // `offline` as WhatsApp does (Baileys then reports messages as 'append', not
    // 'notify'), then say how many.
    const pending = peer.device.pending.splice(0);
    for (const node of pending) peer.send({ ...node, attrs: { ...node.attrs, offline: '1' } });
    peer.send({ tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(pending.length) } }] });
    const device = peer.device;
    if (world.config.pushHistory && !device.historyPushed) {
      device.historyPushed = true;
      pushInitialHistory(world, peer.phone, device).catch((err: unknown) => peer.log.warn({ err }, 'history push failed'));
    }
  }
}

function answer(world: World, peer: Peer, iq: BinaryNode): BinaryNode {
  const first = childNodes(iq)[0];
  switch (iq.attrs.xmlns) {
    case 'encrypt':
      return handleEncryptIq(world, peer, iq);
    case 'usync':
      return handleUsync(world, iq);
    case 'md':
      return answerMd(peer, iq, first);
    case 'privacy':
      if (iq.attrs.type !== 'get') return iqResult(iq);
      return iqResult(iq, [
        {
          tag: 'privacy',
          attrs: {},
          content: Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => ({ tag: 'category', attrs: { name, value } })),
        },
      ]);
    case 'abt':
      return iqResult(iq, [{ tag: 'props', attrs: { protocol: '1', hash: 'wa-emulator' } }]);
    case 'blocklist':
      return iqResult(iq, [{ tag: 'list', attrs: {} }]);
    case 'w:sync:app:state':
      // Baileys re-asks until every collection it named comes back, so an empty answer
      // would loop forever; a fresh account has nothing in any collection.
      return iqResult(iq, [
        {
          tag: 'sync',
          attrs: {},
          content: children(first, 'collection').map(c => ({
            tag: 'collection',
            attrs: { name: c.attrs.name ?? '', version: c.attrs.version ?? '0' },
          })),
        },
      ]);
    default:
      return iqResult(iq);
  }
}

function answerMd(peer: Peer, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode {
  if (first?.tag === 'link_code_companion_reg') {
    return first.attrs.stage === 'companion_hello' ? handleCompanionHello(peer, iq, first) : iqResult(iq);
  }
  if (first?.tag === 'remove-companion-device') {
    // The client logs itself out: its phone forgets that device.
    const parsed = parseJid(first.attrs.jid);
    const phone = peer.phone;
    if (!phone || !parsed || parsed.user !== phone.digits || !phone.devices.has(parsed.device)) {
      return iqError(iq, 404, 'item-not-found');
    }
    phone.devices.delete(parsed.device);
    peer.log.debug({ device: first.attrs.jid }, 'client removed itself');
    return iqResult(iq);
  }
  return iqResult(iq);
}
