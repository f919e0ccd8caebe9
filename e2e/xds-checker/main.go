// Command xds-checker tells whether Envoy would reject the xDS configuration Portico prints.
//
// It reads `portico translate --to xds` output (JSON or YAML; golden files may hold other top-level
// keys beside `xds`), unmarshals every section strictly with protojson into the admin ConfigDump type
// its @type names, runs protoc-gen-validate's ValidateAll on every resource and on the contents of
// every google.protobuf.Any inside it, and checks references the way Envoy's own consistency checks
// do (RDS names, clusters, EDS assignments, SDS secrets, unique names and addresses).
//
//	xds-checker [-q] [-strict] [-extra-clusters a,b] [-bootstrap FILE]... [FILE...] ('-' is stdin)
//
// -bootstrap FILE (repeatable) checks an Envoy bootstrap instead: the file `envoy -c` reads.
//
// One line per problem: `<file>: <gateway>: <section> <resource>: <error>`; exit 1 if any.
// Warnings (deprecated fields, unreferenced resources, …) are printed with `warning:` and only
// fail the run with -strict.
package main

//go:generate ./gen-imports.sh

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("xds-checker", flag.ContinueOnError)
	quiet := fs.Bool("q", false, "do not print warnings")
	strict := fs.Bool("strict", false, "warnings fail the run too")
	extra := fs.String("extra-clusters", "", "comma-separated cluster names that exist outside the dump (bootstrap clusters)")
	version := fs.Bool("version", false, "print the go-control-plane version and exit")
	var bootstraps fileList
	fs.Var(&bootstraps, "bootstrap", "an Envoy bootstrap file to check (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: xds-checker [flags] [-bootstrap FILE]... [FILE...] ('-' reads stdin)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version {
		fmt.Println("xds-checker with go-control-plane/envoy", gcpVersion())
		return 0
	}
	if fs.NArg() == 0 && len(bootstraps) == 0 {
		fs.Usage()
		return 2
	}
	for _, c := range strings.Split(*extra, ",") {
		if c = strings.TrimSpace(c); c != "" {
			extraClusters[c] = true
		}
	}
	type input struct {
		path  string
		check func(file string, data []byte) Result
	}
	var inputs []input
	for _, path := range bootstraps {
		inputs = append(inputs, input{path, CheckBootstrap})
	}
	for _, path := range fs.Args() {
		inputs = append(inputs, input{path, CheckFile})
	}
	errors, warnings, resources := 0, 0, 0
	for _, in := range inputs {
		name := in.path
		if in.path == "-" {
			name = "<stdin>"
		}
		data, err := readInput(in.path)
		if err != nil {
			fmt.Printf("%s: %v\n", name, err)
			errors++
			continue
		}
		res := in.check(name, data)
		resources += res.Resources
		for _, p := range res.Problems {
			if p.Warning {
				warnings++
				if *quiet {
					continue
				}
			} else {
				errors++
			}
			fmt.Println(p.String())
		}
	}
	if errors > 0 || (*strict && warnings > 0) {
		fmt.Fprintf(os.Stderr, "xds-checker: %d files, %d resources, %d errors, %d warnings\n", len(inputs), resources, errors, warnings)
		return 1
	}
	suffix := ""
	if warnings > 0 {
		suffix = fmt.Sprintf(" (%d warnings)", warnings)
	}
	fmt.Printf("xds-checker: %d files, %d resources valid%s\n", len(inputs), resources, suffix)
	return 0
}

// fileList is a repeatable file flag.
type fileList []string

func (f *fileList) String() string { return strings.Join(*f, ",") }

func (f *fileList) Set(path string) error {
	*f = append(*f, path)
	return nil
}
