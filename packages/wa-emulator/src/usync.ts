import type { BinaryNode } from 'baileys';
import { lidJid, parseJid, pnJid, toDigits } from './jid.js';
import { child, childNodes, children, contentString, iqResult } from './nodes.js';
import type { World } from './world.js';

/**
 * `xmlns:'usync'`: per user, answers each protocol the query names. `contact` says
 * whether the number is on WhatsApp (what `onWhatsApp()` reads), `devices` lists
 * device 0 plus companions (an emulated phone's linked devices, or a contact's added
 * ones) and `lid` gives the stable LID. Numbers that are not on WhatsApp get `contact type:'out'`, an empty
 * device list and no LID.
 */
export function handleUsync(world: World, iq: BinaryNode): BinaryNode {
  const usync = child(iq, 'usync');
  const protocols = childNodes(child(usync, 'query')).map(n => n.tag);
  const users = children(child(usync, 'list'), 'user')
    .map(user => answerUser(world, protocols, user))
    .filter((n): n is BinaryNode => n !== null);
  return iqResult(iq, [
    {
      tag: 'usync',
      attrs: {
        sid: usync?.attrs.sid ?? '',
        index: '0',
        last: 'true',
        mode: usync?.attrs.mode ?? 'query',
        context: usync?.attrs.context ?? 'interactive',
      },
      content: [
        { tag: 'result', attrs: {}, content: protocols.map(tag => ({ tag, attrs: {} })) },
        { tag: 'list', attrs: {}, content: users },
      ],
    },
  ]);
}

function answerUser(world: World, protocols: string[], user: BinaryNode): BinaryNode | null {
  const jid = user.attrs.jid;
  const parsed = parseJid(jid);
  const digits = parsed
    ? world.digitsOf(parsed.user, parsed.isLid)
    : toDigits(contentString(child(user, 'contact')) ?? '');
  if (!digits) {
    return jid ? { tag: 'user', attrs: { jid }, content: [{ tag: 'contact', attrs: { type: 'out' } }] } : null;
  }
  const on = world.isOnWhatsApp(digits);
  const content: BinaryNode[] = [];
  for (const protocol of protocols) {
    const node = answerProtocol(world, protocol, digits, on);
    if (node) content.push(node);
  }
  return { tag: 'user', attrs: { jid: jid ?? pnJid(digits) }, content };
}

function answerProtocol(world: World, protocol: string, digits: string, on: boolean): BinaryNode | null {
  switch (protocol) {
    case 'contact':
      return { tag: 'contact', attrs: { type: on ? 'in' : 'out' } };
    case 'devices':
      return {
        tag: 'devices',
        attrs: {},
        content: [{ tag: 'device-list', attrs: {}, content: on ? deviceList(world, digits) : [] }],
      };
    case 'lid':
      return on ? { tag: 'lid', attrs: { val: lidJid(world.lidOf(digits)) } } : null;
    case 'status':
      return on ? { tag: 'status', attrs: { t: '0' }, content: Buffer.from('Hey there! I am using WhatsApp.') } : null;
    case 'disappearing_mode':
      return on ? { tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } } : null;
    default:
      return null;
  }
}

function deviceList(world: World, digits: string): BinaryNode[] {
  const devices: BinaryNode[] = [{ tag: 'device', attrs: { id: '0' } }];
  const phone = world.phone(digits);
  if (phone) {
    for (const device of phone.devices.values()) {
      // Non-zero devices must name their key index, or clients skip them.
      devices.push({ tag: 'device', attrs: { id: String(device.id), 'key-index': String(device.keyIndex) } });
    }
  } else {
    for (const id of world.contacts.companionIds(digits)) {
      devices.push({ tag: 'device', attrs: { id: String(id), 'key-index': String(id) } });
    }
  }
  return devices;
}
