package main_test

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taskline/taskline/test/e2e/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The binary prints its address, serves Taskline's topics with their partition counts to a
// real Kafka client, and exits 0 on SIGTERM.
func TestKafkabrokerBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "kafkabroker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building kafkabroker: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "-port", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kafkabroker: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // no-op when the test already stopped it
	})

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading address line: %v (stderr: %s)", err, stderr.String())
	}
	addr := strings.TrimSpace(line)
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("address line = %q, want 127.0.0.1:<port>", addr)
	}

	client, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, client)
	if err != nil {
		t.Fatalf("metadata request to %s: %v", addr, err)
	}
	got := map[string]int{}
	for _, tp := range resp.Topics {
		if tp.Topic != nil {
			got[*tp.Topic] = len(tp.Partitions)
		}
	}
	for _, want := range broker.Topics {
		if got[want.Name] != int(want.Partitions) {
			t.Errorf("topic %s has %d partitions, want %d (all topics: %v)", want.Name, got[want.Name], want.Partitions, got)
		}
	}

	// A produce and a read back prove the broker stores records, not just metadata.
	rec := &kgo.Record{Topic: "task-events", Key: []byte("user-1"), Value: []byte("hello")}
	if err := client.ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatalf("producing to task-events: %v", err)
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("task-events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	fetches := consumer.PollRecords(ctx, 1)
	if errs := fetches.Errors(); len(errs) > 0 {
		t.Fatalf("consuming task-events: %v", errs)
	}
	if recs := fetches.Records(); len(recs) != 1 || string(recs[0].Value) != "hello" || string(recs[0].Key) != "user-1" {
		t.Fatalf("consumed %v, want the produced record", recs)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("kafkabroker exit after SIGTERM: %v (stderr: %s)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("kafkabroker still running 10s after SIGTERM (stderr: %s)", stderr.String())
	}
}
