import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from 'baileys';
import { SERVER_JID } from './jid.js';

export { getBinaryNodeChild as child, getBinaryNodeChildren as children };

export function unixNow(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** A node's content as bytes; decoded strings come back as their UTF-8 bytes. */
export function contentBytes(node: BinaryNode | undefined): Buffer | undefined {
  const content = node?.content;
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array) return Buffer.from(content);
  return undefined;
}

export function contentString(node: BinaryNode | undefined): string | undefined {
  return contentBytes(node)?.toString('utf8');
}

export function childBytes(node: BinaryNode | undefined, tag: string): Buffer | undefined {
  return contentBytes(getBinaryNodeChild(node, tag));
}

export function childNodes(node: BinaryNode | undefined): BinaryNode[] {
  return Array.isArray(node?.content) ? node.content : [];
}

export function readUInt(bytes: Buffer | undefined): number | undefined {
  if (!bytes || bytes.length === 0 || bytes.length > 6) return undefined;
  return bytes.readUIntBE(0, bytes.length);
}

export function iqResult(iq: BinaryNode, content?: BinaryNode[]): BinaryNode {
  const node: BinaryNode = { tag: 'iq', attrs: { from: SERVER_JID, type: 'result', id: iq.attrs.id ?? '' } };
  if (content) node.content = content;
  return node;
}

export function iqError(iq: BinaryNode, code: number, text: string): BinaryNode {
  return {
    tag: 'iq',
    attrs: { from: SERVER_JID, type: 'error', id: iq.attrs.id ?? '' },
    content: [{ tag: 'error', attrs: { code: String(code), text } }],
  };
}
