/** Reading `go test -v` verdicts, as e2e/conformance sums up the upstream suite's run. */
import { countVerdicts, directSubtests, parseVerdict } from '../../conformance/go-test-results.js';

describe('go test verdicts', () => {
  it('reads a verdict line at any depth and ignores the rest', () => {
    expect(parseVerdict('--- FAIL: TestGatewayAPIConformance (812.40s)')).toEqual({ verdict: 'FAIL', name: 'TestGatewayAPIConformance', seconds: 812.4 });
    expect(parseVerdict('    --- PASS: TestGatewayAPIConformance/HTTPRouteSimpleSameNamespace (3.01s)')).toEqual({
      verdict: 'PASS',
      name: 'TestGatewayAPIConformance/HTTPRouteSimpleSameNamespace',
      seconds: 3.01,
    });
    expect(parseVerdict('        --- SKIP: TestGatewayAPIConformance/MeshBasic (0.00s)')).toMatchObject({ verdict: 'SKIP' });
    expect(parseVerdict('=== RUN   TestGatewayAPIConformance/HTTPRouteSimpleSameNamespace')).toBeUndefined();
    expect(parseVerdict('    http.go:322: --- PASS: not a verdict')).toBeUndefined();
  });

  it('counts the conformance tests themselves, not their cases', () => {
    const results = [
      '--- FAIL: TestGatewayAPIConformance (10.00s)',
      '    --- PASS: TestGatewayAPIConformance/A (1.00s)',
      '        --- PASS: TestGatewayAPIConformance/A/case_1 (0.10s)',
      '    --- FAIL: TestGatewayAPIConformance/B (2.00s)',
      '        --- FAIL: TestGatewayAPIConformance/B/case_1 (0.10s)',
      '    --- SKIP: TestGatewayAPIConformance/C (0.00s)',
    ].map((line) => parseVerdict(line)!);
    const tests = directSubtests(results, 'TestGatewayAPIConformance');
    expect(tests.map((t) => t.name)).toEqual(['TestGatewayAPIConformance/A', 'TestGatewayAPIConformance/B', 'TestGatewayAPIConformance/C']);
    expect(countVerdicts(tests)).toEqual({ PASS: 1, FAIL: 1, SKIP: 1 });
  });
});
