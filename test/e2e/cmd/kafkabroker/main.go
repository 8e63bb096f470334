// Command kafkabroker runs a Kafka-protocol broker (kfake) on 127.0.0.1 with Taskline's
// topics created, for running the functions in production shape on one machine.
//
// It prints the broker address (host:port) as one line on stdout once it accepts
// connections, so a script can read it, and stops on SIGINT or SIGTERM. All data is in memory.
//
//	kafkabroker -port 9092
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/taskline/taskline/test/e2e/broker"
)

func main() {
	port := flag.Int("port", 9092, "TCP port on 127.0.0.1; 0 picks a free port")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*port, log); err != nil {
		log.Error("kafkabroker failed", "err", err)
		os.Exit(1)
	}
}

func run(port int, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	b, err := broker.Start(port)
	if err != nil {
		return err
	}
	defer b.Close()

	// The address line is the process's only stdout output: callers parse it.
	if _, err := fmt.Println(b.Addr()); err != nil {
		return fmt.Errorf("printing broker address: %w", err)
	}
	topics := make([]string, 0, len(broker.Topics))
	for _, t := range broker.Topics {
		topics = append(topics, fmt.Sprintf("%s/%d", t.Name, t.Partitions))
	}
	log.Info("kafka broker listening", "addr", b.Addr(), "topics", topics)

	<-ctx.Done()
	log.Info("kafka broker stopping")
	return nil
}
