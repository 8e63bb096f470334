package runtime

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/shared/bus"
	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
)

// ConfigurePublishing connects the store's commit hook to the publisher the configuration
// names (Config.Publisher), so a function publishes its own outbox rows right after commit.
// Rows it cannot publish stay in the outbox for the sweep.
//
//   - dapr: the sidecar's publish API through the Dapr Go SDK on DAPR_GRPC_PORT, pubsub
//     DAPR_PUBSUB_NAME (with DAPR_API_TOKEN when set);
//   - kafka: franz-go producer to KAFKA_BROKERS (TLS with KAFKA_TLS=true, e.g. MSK's 9094);
//   - inproc: nothing here: the local binary builds its in-process bus and calls
//     UsePublisher itself;
//   - none: nothing is published after commit (rows wait for a sweep elsewhere).
//
// Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) the fast path runs before the response,
// since the process is frozen afterwards.
func ConfigurePublishing(ctx context.Context, d *Deps) (func(), error) {
	var pub outbox.Publisher
	closePub := func() {}
	switch d.Config.Publisher {
	case "dapr":
		dp := bus.NewDapr(d.Config.DaprGRPCPort, d.Config.PubsubName)
		pub, closePub = dp, dp.Close
	case "kafka":
		if len(d.Config.KafkaBrokers) == 0 {
			return nil, fmt.Errorf("PUBLISHER=kafka needs KAFKA_BROKERS")
		}
		var opts []kgo.Opt
		if d.Config.KafkaTLS {
			opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
		}
		k, err := bus.NewKafka(d.Config.KafkaBrokers, opts...)
		if err != nil {
			return nil, err
		}
		pub, closePub = k, k.Close
	case "inproc", "none", "":
		return func() {}, nil
	default:
		return nil, fmt.Errorf("PUBLISHER must be dapr, kafka, inproc or none, not %q", d.Config.Publisher)
	}
	r := UsePublisher(d, d.Store, pub, outbox.Options{Sync: InLambda()})
	return func() { r.Close(); closePub() }, nil
}

// UsePublisher makes pub the function's publisher: a relay over relayStore (the function's
// store, or one on a pool of its own when pub runs consumers in process) becomes the
// store's commit hook, and d.Relay (functions that also sweep, like tick-reminders, use it).
// Close the relay on shutdown.
func UsePublisher(d *Deps, relayStore *postgres.Store, pub outbox.Publisher, opts outbox.Options) *outbox.Relay {
	r := outbox.New(relayStore, pub, d.Log, opts)
	d.Store.OnCommit = r.OnCommit
	d.Store.PublishLease = r.Lease()
	d.Relay = r
	return r
}

// InLambda reports whether the process runs as an AWS Lambda function.
func InLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// daprSubscribeDeclarative reports whether programmatic Dapr subscriptions are off
// (DAPR_SUBSCRIBE=declarative): declarative Subscription resources route the topics then.
func daprSubscribeDeclarative() bool {
	v := os.Getenv("DAPR_SUBSCRIBE")
	if b, err := strconv.ParseBool(v); err == nil {
		return !b
	}
	return v == "declarative"
}
