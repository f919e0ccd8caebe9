package main

import (
	"os"
	"strings"
	"testing"
)

// testdata/bootstrap-valid.yaml is `portico bootstrap` output with mTLS (regenerate it with the
// command in its header); it must pass without a single warning.
func TestBootstrapValid(t *testing.T) {
	data, err := os.ReadFile("testdata/bootstrap-valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := CheckBootstrap("bootstrap-valid.yaml", data)
	if len(r.Problems) != 0 {
		t.Fatalf("want no problems, got:\n%s", problemLines(r))
	}
	if r.Resources != 2 {
		t.Errorf("%d resources, want 2 (the bootstrap and its portico-xds cluster)", r.Resources)
	}
}

// testdata/bootstrap-invalid.json breaks one rule of each kind; the .want file lists the errors
// (go test -run TestBootstrapInvalid -update rewrites it).
func TestBootstrapInvalid(t *testing.T) {
	data, err := os.ReadFile("testdata/bootstrap-invalid.json")
	if err != nil {
		t.Fatal(err)
	}
	got := problemLines(CheckBootstrap("bootstrap-invalid.json", data))
	const want = "testdata/bootstrap-invalid.want"
	if *update {
		if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	exp, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(exp) {
		t.Errorf("output differs from %s\n--- got ---\n%s--- want ---\n%s", want, got, exp)
	}
}

func TestBootstrapShape(t *testing.T) {
	for _, c := range []struct{ name, input, want string }{
		{"unknown field", `{"node": {"id": "a", "cluster": "b"}, "admn": {}}`, `unknown field "admn"`},
		{"two documents", "node: {id: a, cluster: b}\n---\nnode: {id: c, cluster: d}\n", "more than one document"},
		{"empty", "", "empty file"},
		{"a dump is not a bootstrap", `{"xds": {}}`, `unknown field "xds"`},
		{"ADS without adsConfig", `{"node": {"id": "a", "cluster": "b"}, "dynamicResources": {"ldsConfig": {"ads": {}, "resourceApiVersion": "V3"}}}`, "adsConfig is missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := problemLines(CheckBootstrap("in", []byte(c.input)))
			if !strings.Contains(got, c.want) {
				t.Errorf("want a problem containing %q, got:\n%s", c.want, got)
			}
		})
	}
}

func TestRunBootstrapFlag(t *testing.T) {
	if code := run([]string{"-q", "-bootstrap", "testdata/bootstrap-valid.yaml", "-bootstrap", "testdata/bootstrap-valid.yaml"}); code != 0 {
		t.Errorf("valid bootstraps: exit %d, want 0", code)
	}
	if code := run([]string{"-q", "-bootstrap", "testdata/bootstrap-invalid.json", "testdata/valid.json"}); code != 1 {
		t.Errorf("an invalid bootstrap next to a valid dump: exit %d, want 1", code)
	}
}
