import type { GatewayIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';

export function translateIngresses(_ctx: TranslationContext): GatewayIR[] {
  return [];
}
