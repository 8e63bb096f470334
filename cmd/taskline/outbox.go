package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/taskline/taskline/shared/postgres"
)

// runOutbox is `taskline outbox parked [--limit N]` (the events parked after failing
// todo.MaxPublishAttempts times, as JSON lines: id, type, topic, user, attempts, last error)
// and `taskline outbox replay [--all | ID...]` (puts them back in the sweep's way). It
// works on DATABASE_URL; with the local binary's own Postgres, run it while `taskline
// serve` runs and pass the URL it logs.
func runOutbox(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: taskline outbox parked [--limit N] | replay [--all | ID...]")
	}
	pool, err := openDatabaseURL(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	return outboxCommand(ctx, postgres.New(pool), args, out)
}

func outboxCommand(ctx context.Context, s *postgres.Store, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("outbox "+args[0], flag.ContinueOnError)
	limit := fs.Int("limit", 100, "how many parked events to list")
	all := fs.Bool("all", false, "replay every parked event")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "parked":
		list, err := s.ParkedOutbox(ctx, *limit)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		for _, p := range list {
			if err := enc.Encode(p); err != nil {
				return err
			}
		}
		return nil
	case "replay":
		var ids []int64
		for _, a := range fs.Args() {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("outbox replay: %q is not an id", a)
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 && !*all {
			return errors.New("outbox replay: name the ids to replay, or --all")
		}
		n, err := s.ReplayOutbox(ctx, ids)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d parked events put back in the outbox\n", n)
		return nil
	}
	return fmt.Errorf("unknown outbox command %q (parked, replay)", args[0])
}
