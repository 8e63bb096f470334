package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// LambdaHandler is the AWS Lambda entry point of a function. One handler takes every
// invocation payload the function can receive, told apart by their shape:
//
//   - a function URL or API Gateway HTTP API (payload 2.0) request: served by h, the same
//     mux the function serves over plain HTTP (API routes, CloudEvents, health);
//   - an MSK or self-managed Kafka batch: each record's CloudEvent goes to f.Handle; any
//     record that must be retried fails the invocation, so Lambda redelivers the batch
//     (consumers are idempotent, so the records already handled do nothing again);
//   - an EventBridge schedule: f's input bindings are triggered.
//
// f may be nil for HTTP-only functions.
func LambdaHandler(d *Deps, h http.Handler, f *EventFunction) func(ctx context.Context, payload json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		var probe struct {
			EventSource    string `json:"eventSource"`
			Source         string `json:"source"`
			DetailType     string `json:"detail-type"`
			RequestContext struct {
				HTTP struct {
					Method string `json:"method"`
				} `json:"http"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(payload, &probe); err != nil {
			return nil, fmt.Errorf("reading lambda payload: %w", err)
		}
		switch {
		case probe.RequestContext.HTTP.Method != "":
			var req events.LambdaFunctionURLRequest
			if err := json.Unmarshal(payload, &req); err != nil {
				return nil, fmt.Errorf("reading function URL request: %w", err)
			}
			return serveLambdaHTTP(ctx, h, req)
		case probe.EventSource == "aws:kafka" || probe.EventSource == "SelfManagedKafka" || probe.EventSource == "aws:SelfManagedKafka":
			if f == nil || f.Handle == nil {
				return nil, errors.New("this function consumes no events")
			}
			var ke events.KafkaEvent
			if err := json.Unmarshal(payload, &ke); err != nil {
				return nil, fmt.Errorf("reading kafka batch: %w", err)
			}
			return nil, f.handleKafkaBatch(ctx, d, ke)
		case probe.Source == "aws.events" || probe.DetailType == "Scheduled Event":
			if f == nil {
				return nil, errors.New("this function has no schedule")
			}
			var errs []error
			for name, b := range f.Bindings {
				if err := b(ctx); err != nil {
					errs = append(errs, fmt.Errorf("binding %s: %w", name, err))
				}
			}
			return nil, errors.Join(errs...)
		}
		return nil, errors.New("unrecognised lambda payload: expected a function URL request, a Kafka batch or a schedule")
	}
}

// handleKafkaBatch hands every record to the function, in partition order.
func (f EventFunction) handleKafkaBatch(ctx context.Context, d *Deps, ke events.KafkaEvent) error {
	var errs []error
	for _, recs := range ke.Records {
		for _, rec := range recs {
			value, err := base64.StdEncoding.DecodeString(rec.Value)
			if err != nil {
				value = []byte(rec.Value)
			}
			headers := map[string][]byte{}
			for _, hm := range rec.Headers {
				for k, v := range hm {
					headers[strings.ToLower(k)] = v
				}
			}
			if err := f.handleRecord(ctx, d, value, headers); err != nil {
				errs = append(errs, fmt.Errorf("%s/%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, err))
			}
		}
	}
	return errors.Join(errs...)
}

// serveLambdaHTTP runs a function URL request through h.
func serveLambdaHTTP(ctx context.Context, h http.Handler, in events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	body := []byte(in.Body)
	if in.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(in.Body)
		if err != nil {
			return events.LambdaFunctionURLResponse{StatusCode: http.StatusBadRequest}, nil
		}
		body = b
	}
	target := in.RawPath
	if target == "" {
		target = "/"
	}
	if in.RawQueryString != "" {
		target += "?" + in.RawQueryString
	}
	req := httptest.NewRequestWithContext(ctx, in.RequestContext.HTTP.Method, target, strings.NewReader(string(body)))
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	for _, c := range in.Cookies {
		req.Header.Add("Cookie", c)
	}
	if host := in.Headers["host"]; host != "" {
		req.Host = host
	}
	req.RemoteAddr = in.RequestContext.HTTP.SourceIP + ":0"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := events.LambdaFunctionURLResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, v := range rec.Header() {
		if strings.EqualFold(k, "Set-Cookie") {
			out.Cookies = append(out.Cookies, v...)
			continue
		}
		out.Headers[k] = strings.Join(v, ", ")
	}
	if b := rec.Body.Bytes(); utf8.Valid(b) {
		out.Body = string(b)
	} else {
		out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return out, nil
}

// serveLambda runs the function as a Lambda handler until ctx ends.
func serveLambda(ctx context.Context, d *Deps, h http.Handler, f *EventFunction) error {
	lambda.StartWithOptions(LambdaHandler(d, h, f), lambda.WithContext(ctx))
	return nil
}
