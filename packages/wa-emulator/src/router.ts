import type { BinaryNode } from 'baileys';
import { handleIq } from './iq.js';
import { handleMessage } from './messages.js';
import { child, children } from './nodes.js';
import type { Peer, World } from './world.js';

/** Routes a decoded stanza from a client to whatever handles its kind. */
export function makeStanzaRouter(world: World) {
  return async (peer: Peer, node: BinaryNode): Promise<void> => {
    switch (node.tag) {
      case 'iq':
        return handleIq(world, peer, node);
      case 'message':
        return handleMessage(world, peer, node);
      case 'receipt':
        return handleReceipt(peer, node);
      case 'ack':
        // The client acks a retry receipt after it sent whatever it sends again.
        if (node.attrs.class === 'receipt' && node.attrs.type === 'retry' && node.attrs.id && node.attrs.to) {
          peer.phone?.retries.answered(node.attrs.id, node.attrs.to);
        }
        return;
      default:
        // Other acks, presence, chatstate and ib (unified_session) need no answer.
        return;
    }
  };
}

/** The client confirms messages the emulated world sent its account; the server acks receipts. */
function handleReceipt(peer: Peer, node: BinaryNode): void {
  const id = node.attrs.id;
  if (!id) return;
  const ids = [id, ...children(child(node, 'list'), 'item').map(item => item.attrs.id ?? '')];
  for (const each of ids) peer.phone?.inbound.receipt(each, node.attrs.type);
  const attrs: Record<string, string> = { class: 'receipt', id, from: node.attrs.to ?? '' };
  if (node.attrs.type) attrs.type = node.attrs.type;
  peer.send({ tag: 'ack', attrs });
}
