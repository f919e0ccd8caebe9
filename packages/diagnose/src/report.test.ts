import type { DiagnoseInput, Finding } from './findings.js';
import { renderReport } from './render-report.js';
import { runChecks } from './report.js';

const INPUT = {} as DiagnoseInput;

const finding = (over: Partial<Finding>): Finding => ({
  level: 'OK',
  link: 'Gateway',
  gateway: 'default/eg',
  object: { kind: 'Gateway', namespace: 'default', name: 'eg' },
  code: 'Programmed',
  message: 'the Gateway is programmed',
  ...over,
});

describe('runChecks', () => {
  it('orders findings by gateway, then the chain, then worst first', () => {
    const report = runChecks(INPUT, [
      () => [
        finding({ link: 'Backend', level: 'WARN', code: 'B' }),
        finding({ link: 'Gateway', code: 'G' }),
        finding({ link: 'Backend', level: 'FAIL', code: 'A' }),
        finding({ gateway: 'apps/other', code: 'O' }),
        finding({ gateway: undefined, link: 'GatewayClass', object: { kind: 'GatewayClass', name: 'portico' }, code: 'C' }),
      ],
    ]);
    expect(report.findings.map((f) => f.code)).toEqual(['C', 'O', 'G', 'A', 'B']);
  });

  it('exits 0 when all is OK, 1 on warnings, 2 on failures', () => {
    expect(runChecks(INPUT, [() => [finding({})]]).exitCode).toBe(0);
    expect(runChecks(INPUT, [() => [finding({}), finding({ level: 'WARN' })]]).exitCode).toBe(1);
    expect(runChecks(INPUT, [() => [finding({ level: 'WARN' }), finding({ level: 'FAIL' })]]).exitCode).toBe(2);
  });

  it('narrows to one gateway, keeping class-wide findings', () => {
    const report = runChecks(INPUT, [() => [finding({ code: 'mine' }), finding({ gateway: 'apps/other', code: 'theirs' }), finding({ gateway: undefined, code: 'class' })]], {
      gateway: 'default/eg',
    });
    expect(report.findings.map((f) => f.code)).toEqual(['class', 'mine']);
    expect(report.summary).toEqual({ OK: 2, WARN: 0, FAIL: 0 });
  });
});

describe('renderReport', () => {
  it('prints a table with the fix under its finding', () => {
    const report = runChecks(INPUT, [
      () => [
        finding({}),
        finding({
          level: 'FAIL',
          link: 'Backend',
          object: { kind: 'HTTPRoute', namespace: 'default', name: 'web' },
          field: 'spec.rules[0].backendRefs[0].port',
          code: 'ServicePortNotFound',
          message: 'Service default/web has no port 8080',
          fix: 'use port 80 (http)',
        }),
      ],
    ]);
    expect(renderReport(report, 'table')).toBe(
      [
        'Gateway default/eg',
        '  OK   Gateway          Gateway/default/eg: the Gateway is programmed [Programmed]',
        '  FAIL Backend          HTTPRoute/default/web spec.rules[0].backendRefs[0].port: Service default/web has no port 8080 [ServicePortNotFound]',
        '       fix: use port 80 (http)',
        '',
        '1 failed, 0 warnings, 1 ok',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(report);
  });
});
