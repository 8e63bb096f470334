// Package bus carries Taskline's events to their consumers. It holds the three publishers
// behind outbox.Publisher: the Dapr sidecar (HTTP publish API), Kafka directly (franz-go;
// for Knative-only and AWS Lambda deployments), and Local, the in-process bus of the
// all-in-one binary and the tests.
package bus

import (
	"context"
	"sync"

	"github.com/taskline/taskline/shared/outbox"
)

// ContentType is the media type of a structured-mode CloudEvent.
const ContentType = "application/cloudevents+json"

// byKey publishes msgs with send, one key after another in order (a user's events keep
// their order, as on a Kafka partition) and up to limit keys at once.
func byKey(ctx context.Context, msgs []outbox.Message, limit int, send func(context.Context, outbox.Message) error) []error {
	errs := make([]error, len(msgs))
	groups := map[string][]int{}
	var keys []string
	for i, m := range msgs {
		if _, ok := groups[m.Key]; !ok {
			keys = append(keys, m.Key)
		}
		groups[m.Key] = append(groups[m.Key], i)
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func(idx []int) {
			defer func() { <-sem; wg.Done() }()
			for n, i := range idx {
				if errs[i] = send(ctx, msgs[i]); errs[i] != nil {
					// Later events of this key wait for the failed one, so they arrive in order
					// when the sweep publishes them all.
					for _, j := range idx[n+1:] {
						errs[j] = errs[i]
					}
					return
				}
			}
		}(groups[k])
	}
	wg.Wait()
	return errs
}
