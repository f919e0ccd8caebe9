import { describe, expect, it } from '@jest/globals';
import { orderPushes } from './push-order.js';
import { CDS, EDS, LDS, RDS, SDS } from './sotw-fixtures.test-util.js';

const RUNTIME = 'type.googleapis.com/envoy.service.runtime.v3.Runtime';
const urls = (pushes: { typeUrl: string }[]) => pushes.map((p) => p.typeUrl);

describe('orderPushes', () => {
  it('orders CDS, EDS, SDS, LDS, RDS, then types PUSH_ORDER does not list, by name', () => {
    const pushes = [RDS, 'type.googleapis.com/z', LDS, RUNTIME, SDS, EDS, CDS].map((typeUrl) => ({ typeUrl, removes: false }));
    expect(urls(orderPushes(pushes))).toEqual([CDS, EDS, SDS, LDS, RDS, RUNTIME, 'type.googleapis.com/z']);
  });

  it('puts removals after every addition or change, in the same order among themselves', () => {
    const pushes = [
      { typeUrl: CDS, removes: true },
      { typeUrl: RDS, removes: false },
      { typeUrl: EDS, removes: true },
      { typeUrl: LDS, removes: false },
    ];
    expect(urls(orderPushes(pushes))).toEqual([LDS, RDS, CDS, EDS]);
    expect(urls(pushes)).toEqual([CDS, RDS, EDS, LDS]); // the input is left alone
  });
});
