// Command render-infra renders the files under infra/ from the Helm chart, their only
// source, or with -check reports the files that differ from it.
//
//	GOWORK=off go run ./cmd/render-infra -root ../..
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/taskline/taskline/deploy/validate"
)

func main() {
	root := flag.String("root", "../..", "repository root")
	check := flag.Bool("check", false, "report drift instead of writing")
	flag.Parse()
	if *check {
		drift, err := validate.InfraDrift(*root)
		if err != nil {
			slog.Error("rendering infra", "err", err)
			os.Exit(1)
		}
		if len(drift) > 0 {
			fmt.Fprintf(os.Stderr, "infra/ differs from the chart (run `make infra`):\n  %s\n", strings.Join(drift, "\n  "))
			os.Exit(1)
		}
		return
	}
	if err := validate.WriteInfra(*root); err != nil {
		slog.Error("writing infra", "err", err)
		os.Exit(1)
	}
}
