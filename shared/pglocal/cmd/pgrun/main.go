// Command pgrun runs a command against a throwaway PostgreSQL: it starts a cluster in a
// temporary directory, runs the command with DATABASE_URL pointing at it, then stops the
// cluster and removes the directory, whatever the command's outcome. With DATABASE_URL
// already set it just runs the command.
//
//	go run github.com/taskline/taskline/shared/pglocal/cmd/pgrun -- go test ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/taskline/taskline/shared/pglocal"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: pgrun [--] command [args...]")
		os.Exit(2)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	ctx := context.Background()
	if os.Getenv("DATABASE_URL") == "" {
		c, err := pglocal.Start(ctx, pglocal.Options{Settings: map[string]string{"max_connections": "400"}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "pgrun:", err)
			return 1
		}
		defer c.Stop()
		os.Setenv("DATABASE_URL", c.URL())
		fmt.Fprintf(os.Stderr, "pgrun: throwaway PostgreSQL on port %d\n", c.Port())
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Forward Ctrl-C and SIGTERM to the command and still stop the cluster afterwards.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "pgrun:", err)
		return 1
	}
	go func() {
		for s := range sig {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrun:", err)
		return 1
	}
	return 0
}
